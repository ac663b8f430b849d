"""An account checked claim by claim against the indexed country information.

Each checkable claim is read once into its own Query (query.parse_query, through the retriever) and searched on
its own: the account's country unless the claim names another (or a place in another), COI only,
dated no earlier than the first year the claim names (a report cannot speak of what came after it) and than
`since`. The sentences that bear on it are chosen and quoted with the answerer's machinery (ExtractiveAnswerer.score;
of those that answer well enough, only the ones that bear on the claim's aspect, extractive.bears_on_aspect, as
checks.missing_topic reads them for a question; then every quote verified verbatim at its offsets,
quotes.verify_citations). The status is neutral: related country information found, found but all older than the
stale limit, or none indexed (also when nothing found bears on the claim's aspect). Offline, nothing here says a
claim is true or false: quotes cannot show that.

The claims' query vectors and their shortlisted sentences are embedded together for the whole account, in batches
of 64 between which a check can be stopped (the retriever reads the claims' vectors from a cache put in front of
the store's embedder; the sentences come from a scoring pass that only records what it would embed, then the model
runs, then the real pass).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Callable

import numpy as np

from . import tuning
from .answer import checks
from .answer.extractive import ExtractiveAnswerer, bears_on_aspect
from .answer.quotes import citations_by_passage, near_duplicate, verify_citations
from .answer.types import Citation
from .dates import months_between
from .claims import Claim, split_claims
from .errors import CheckStoppedError
from .glossary import detect_language
from .provenance import check_record
from .query import Query
from .records import Filters, Passage

STATUSES = ("related", "stale_only", "not_covered", "personal")
COUNTRY_TYPES = ("coi",)  # what "country information" is: the claims are searched in COI only
MAX_QUOTES = 4  # quotes per claim: enough to show what the sources say, few enough to read in a case file
# Sentences of a claim's passages embedded and compared with it (the answerer's SHORTLIST is 24): hand-set
# (2026-11-30) so that an account of 10 claims is checked within 5 s on 2 cores (benchmarks/check.py)
CLAIM_SHORTLIST = 12
# Evidence (the answerer's score of the best sentence) below which a claim has no indexed country information.
# Chosen 2026-11-30 on evals/claims-demo.yaml (34 matched claims; 'no indexed information' accuracy 0.824 at the
# answers' 0.855, 0.912 from 0.875 to 0.88, the lowest of that plateau taken), then measured on the held-out
# evals/claims-reference.yaml: 0.904 (0.916 at 0.855). A statement scores a matching source sentence higher than a
# question does, so claims need more evidence than questions (tuning.MIN_EVIDENCE).
CLAIM_MIN_EVIDENCE = 0.875


@dataclass(frozen=True)
class ClaimCheck:
    """One claim and what the country information holds on it."""

    claim: Claim
    status: str  # one of STATUSES
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()
    independent_sources: int = 0  # distinct publishers among the cited sources
    newest: str = ""  # date of the newest cited source, YYYY-MM(-DD)
    searched: dict = field(default_factory=dict)  # the query, countries, document types and dates searched
    evidence: float = 0.0

    def to_json(self, diagnostics: bool = False) -> dict:
        """The shape `landinfo check --json` prints; `diagnostics` adds what was searched and the evidence."""
        out = {**self.claim.to_json(), "status": self.status, "independent_sources": self.independent_sources,
               "newest": self.newest, "citations": [c.to_json() for c in self.citations],
               "passages": [p.to_json() for p in self.passages]}
        if diagnostics:
            out.update(searched=self.searched, evidence=round(float(self.evidence), 4))
        return out


@dataclass(frozen=True)
class AccountCheck:
    account: str
    country: str
    language: str
    claims: tuple[ClaimCheck, ...]
    warnings: tuple[str, ...] = ()
    timings: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)  # what it was made from: the account by its hash (provenance.py)

    def to_json(self, diagnostics: bool = False) -> dict:
        out = {"account": self.account, "country": self.country,
               "claims": [c.to_json(diagnostics) for c in self.claims], "warnings": list(self.warnings),
               "timings": self.timings, "provenance": self.provenance}
        if diagnostics:
            out["language"] = self.language
        return out


class AccountChecker:
    """Checks accounts with an Assistant's retriever and answerer settings (models loaded once, by the Assistant)."""

    def __init__(self, assistant, min_evidence: float | None = None):
        self.assistant = assistant
        self.settings = assistant.settings
        self.min_evidence = min_evidence if min_evidence is not None else CLAIM_MIN_EVIDENCE

    def check(self, account: str, country: str = "", since: str = "", claims: list[Claim] | None = None,
              today: date | None = None, should_stop: Callable[[], bool] | None = None) -> AccountCheck:
        """`claims`: a user's edited list instead of the splitter's. `should_stop` is asked between claims (and
        between batches of the model's work); when it says yes the check ends with CheckStoppedError."""
        t0 = time.perf_counter()
        going = _Going(should_stop)
        language = detect_language(account)
        claims = split_claims(account) if claims is None else claims
        checkable = [c for c in claims if not c.personal]
        queries = {id(c): self.assistant.retriever.parse(c.text) for c in going(checkable)}  # each claim read once
        searched = {id(c): self._search_plan(queries[id(c)], country, since) for c in checkable}
        t1 = time.perf_counter()
        store = self.assistant.retriever.store
        with _EMBEDDER_SWAP:  # the claims' query vectors in one batch, read by the retriever from the cache
            batch = _BatchEmbedder(store.embedder)
            for part in going(_slices([c.text for c in checkable])):
                batch.embed_queries(part)
            store.embedder = batch
            try:
                found = {id(c): self.assistant.search(queries[id(c)], searched[id(c)][1], self.settings.top_k)
                         for c in going(checkable)}
            finally:
                store.embedder = batch.inner
        t2 = time.perf_counter()
        answerer = ExtractiveAnswerer(batch, min_evidence=self.min_evidence, stale_months=self.settings.stale_months,
                                      shortlist=CLAIM_SHORTLIST, boilerplate=self.assistant.boilerplate,
                                      stored=store.sentences)
        batch.recording = True  # the first pass only learns what to embed; the model runs once for all claims
        for c in going(checkable):
            answerer.score(queries[id(c)], found[id(c)][:tuning.ANSWER_PASSAGES])
        batch.embed_queries([" ".join(queries[id(c)].aspect) for c in checkable if queries[id(c)].aspect])
        batch.embed_recorded(going)
        results = []
        for c in going(claims):
            if c.personal:
                results.append(ClaimCheck(c, "personal"))
                continue
            plan, filters = searched[id(c)]
            results.append(self._judge(c, queries[id(c)], found[id(c)], answerer, plan, today))
        t3 = time.perf_counter()
        warnings = []
        if not checkable:
            warnings.append("no checkable claim: every statement was read as personal")
        timings = {"split_ms": _ms(t1 - t0), "retrieve_ms": _ms(t2 - t1), "quote_ms": _ms(t3 - t2),
                   "total_ms": _ms(t3 - t0), "claims": len(claims), "checked": len(checkable)}
        result = AccountCheck(account, country, language, tuple(results), tuple(warnings), timings)
        return replace(result, provenance=check_record(result, store, self.settings, since))

    def _search_plan(self, query: Query, country: str, since: str) -> tuple[dict, Filters]:
        """What a claim is searched with: the countries it names, by name or through a place in them (other than
        the deciding country), else the account's; COI only; from the earliest year it names, or `since` if later."""
        named = [c for c in (*query.countries, *(p.country for p in query.places)) if c != query.home_country]
        countries = tuple(dict.fromkeys(named)) if named else ((country,) if country else ())
        start = str(query.years[0]) if query.years else ""
        if since and (not start or since > start):
            start = since
        plan = {"query": query.text, "aspect": list(query.aspect), "countries": list(countries),
                "doc_types": list(COUNTRY_TYPES), "since": start}
        return plan, Filters(countries=countries, doc_types=COUNTRY_TYPES, since=start)

    def _judge(self, claim: Claim, query: Query, passages: list[Passage], answerer: ExtractiveAnswerer, plan: dict,
               today: date | None) -> ClaimCheck:
        head = passages[:tuning.ANSWER_PASSAGES]
        sentences, score, vectors = answerer.score(query, head)
        best = float(score.max()) if len(score) else 0.0
        if not sentences or best < self.min_evidence or checks.missing_country(query, head):
            return ClaimCheck(claim, "not_covered", passages=tuple(passages), searched=plan, evidence=best)
        if query.aspect:  # what the claim is about must be in what is quoted, as in an answer
            bearing = bears_on_aspect(query, sentences, vectors, answerer.embedder, head, blind_bears=True)
            if checks.missing_topic(query, bearing, [bool(v >= self.min_evidence) for v in score]):
                return ClaimCheck(claim, "not_covered", passages=tuple(passages), searched=plan, evidence=best)
            score = np.where(bearing, score, -1.0)
            best = float(score.max())  # the quotes are chosen near the best sentence that bears on it
        order = [int(i) for i in np.argsort(-score)]
        chosen: list[int] = []
        for i in order:
            if score[i] < max(self.min_evidence, best - tuning.ANSWER_WINDOW) or len(chosen) >= MAX_QUOTES:
                break
            if not any(near_duplicate(sentences[i].text, sentences[j].text) for j in chosen):
                chosen.append(i)
        citations = _citations(head, sentences, chosen)
        bad = verify_citations(list(citations), head)
        citations = tuple(c for c in citations if not any(f"[{c.marker}]" in b for b in bad))
        if not citations:
            return ClaimCheck(claim, "not_covered", passages=tuple(passages), searched=plan, evidence=best)
        cited = list({c.passage_id: p for c in citations for p in head if p.id == c.passage_id}.values())
        publishers = {(p.publisher or p.title or p.source).strip().casefold() for p in cited}
        dates = [p.date for p in cited if p.date]
        newest = max(dates) if dates else ""
        today = today or date.today()
        fresh = [d for d in dates if months_between(d, today) <= self.settings.stale_months]
        status = "related" if fresh or not dates else "stale_only"
        return ClaimCheck(claim, status, citations, tuple(passages), len(publishers), newest, plan, best)


def _citations(passages: list[Passage], sentences, chosen: list[int]) -> tuple[Citation, ...]:
    """The chosen sentences as citations, one marker per passage, passages in their order of first quote."""
    order = list(dict.fromkeys(sentences[i].passage_index for i in chosen))
    return tuple(citations_by_passage(passages, sentences, chosen, order))


# A check puts its cache in front of the store's embedder while it searches; any other search meanwhile (a chat
# question) reads through it to the same model, so its results are unchanged. One check at a time swaps.
_EMBEDDER_SWAP = threading.Lock()


class _BatchEmbedder:
    """The model behind one cache: while `recording`, texts are noted and zeros returned; `embed_recorded` then
    embeds every noted text in one call per kind, and later calls are answered from the cache."""

    def __init__(self, embedder):
        self.inner = embedder
        self.recording = False
        self._queries: dict[str, np.ndarray] = {}
        self._passages: dict[str, np.ndarray] = {}
        self._wanted: tuple[dict, dict] = ({}, {})

    def __getattr__(self, name):  # dim, name, count_tokens ...: the model's own
        return getattr(self.inner, name)

    def embed_queries(self, texts):
        return self._get(texts, self._queries, self._wanted[0], self.inner.embed_queries)

    def embed_passages(self, texts):
        return self._get(texts, self._passages, self._wanted[1], self.inner.embed_passages)

    def embed_recorded(self, going: "_Going") -> None:
        self.recording = False
        for wanted, cache, embed in ((self._wanted[0], self._queries, self.inner.embed_queries),
                                     (self._wanted[1], self._passages, self.inner.embed_passages)):
            for texts in going(_slices([t for t in wanted if t not in cache])):
                cache.update(zip(texts, embed(texts)))
            wanted.clear()

    def _get(self, texts, cache: dict, wanted: dict, embed) -> np.ndarray:
        texts = list(texts)
        if self.recording:
            wanted.update(dict.fromkeys(texts))
            return np.zeros((len(texts), self.inner.dim), dtype=np.float32)
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            cache.update(zip(missing, embed(missing)))
        return np.stack([cache[t] for t in texts]) if texts else np.zeros((0, 1), dtype=np.float32)


class _Going:
    """The claims (or batches) of a check, each handed out only while nobody has asked it to stop."""

    def __init__(self, should_stop: Callable[[], bool] | None):
        self.should_stop = should_stop

    def __call__(self, items):
        for item in items:
            if self.should_stop is not None and self.should_stop():
                raise CheckStoppedError("the account check was stopped before it finished")
            yield item


def _slices(texts: list[str], size: int = 64) -> list[list[str]]:
    """Texts in batches of the model's work between which a check can stop (64: a few seconds on 2 cores)."""
    return [texts[i:i + size] for i in range(0, len(texts), size)]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)
