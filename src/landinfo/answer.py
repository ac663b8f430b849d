"""Passages -> an answer whose every sentence is a verbatim quote with its source. No language model."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from . import datafiles, tuning
from .lexical import tokenize
from .query import Query
from .records import Filters, Passage, locator
from .sentences import split_sentences


# The words of an answer around its quotes, per language: data/text/<language>.yaml, section answer.
FRAME: dict[str, dict[str, str]] = {language: sections["answer"] for language, sections in datafiles.text().items()}




@dataclass(frozen=True)
class Citation:
    marker: int
    passage_id: str
    source: str
    title: str
    date: str
    page: int | None
    section: str
    quote: str
    start: int  # offsets of the quote in the page/section text of the source
    end: int
    doc_type: str = ""
    publisher: str = ""
    url: str = ""

    @property
    def locator(self) -> str:
        """"p. 12", or the innermost section heading: see `records.locator`."""
        return locator(self.page, self.section)

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Draft:
    """What an answerer gives `Assistant`: the answer's text and citations, whether it says the sources do not
    answer, its warnings and evidence (how well the best sentence matches the question; the extractive answerer's)."""

    text: str
    citations: tuple[Citation, ...] = ()
    refused: bool = False
    warnings: tuple[str, ...] = ()
    evidence: float = 0.0
    mode: str = "extractive"  # "llm" when a language model wrote it
    refusal_reason: str = ""  # the check that failed (answerability.REASONS); '' when answered
    refusal_detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Premise:
    """What the sources say about what a question takes for granted: the named decision's holding ("held"), or the
    passages found for its premise clause."""

    clause: str
    kind: str  # "why" | "since" | "statement" | "decision"
    heading: str
    text: str  # the heading and the quotes, as the answer's text shows them
    citations: tuple[Citation, ...] = ()
    passages: tuple[Passage, ...] = ()

    def to_json(self) -> dict:
        return {"clause": self.clause, "kind": self.kind, "heading": self.heading,
                "citations": [c.to_json() for c in self.citations]}


@dataclass(frozen=True)
class Answer:
    question: str
    language: str
    text: str
    refused: bool
    citations: tuple[Citation, ...]
    passages: tuple[Passage, ...]
    warnings: tuple[str, ...] = ()
    timings: dict = field(default_factory=dict)
    filters: Filters | None = None
    mode: str = "extractive"
    evidence: float = 0.0  # how well the best sentence matches the question; below the threshold -> refused
    refusal_reason: str = ""  # the check that failed: missing_reference, missing_country, ... (answerability)
    refusal_detail: dict = field(default_factory=dict)
    query: object = None  # the parsed question (query.Query)
    premise: Premise | None = None

    def to_json(self) -> dict:
        return {
            "question": self.question, "language": self.language, "answer": self.text, "refused": self.refused,
            "citations": [c.to_json() for c in self.citations], "passages": [p.to_json() for p in self.passages],
            "warnings": list(self.warnings), "timings": self.timings, "mode": self.mode,
            "evidence": round(float(self.evidence), 4),
            "filters": self.filters.to_json() if self.filters else None,
            "refusal_reason": self.refusal_reason or None, "refusal_detail": self.refusal_detail or None,
            "query": self.query.to_json() if self.query is not None else None,
            "premise": self.premise.to_json() if self.premise is not None else None,
        }


@dataclass(frozen=True)
class Sentence:
    passage_index: int
    text: str
    start: int  # offset in the passage text
    end: int


_LEADING_MARKERS = re.compile(r"(?:\[\d+\]\s*)+")
_TRAILING_MARKERS = re.compile(r"(?:\s*\[\d+\])+$")
_MARKER_IN_TEXT = re.compile(r"\[\d+\]")


def candidate_sentences(passages: list[Passage], per_passage: int = tuning.SENTENCES_PER_PASSAGE) -> list[Sentence]:
    """Quotable sentences. A bracketed number ("[9]") at either edge of a sentence is left out of its quote and a
    sentence with one inside is not quoted: a source's own brackets never pose as the answer's citation markers."""
    out = []
    for pi, passage in enumerate(passages):
        spans = split_sentences(passage.text)
        for start, end in spans[:per_passage]:
            lead = _LEADING_MARKERS.match(passage.text, start, end)
            trail = _TRAILING_MARKERS.search(passage.text, start, end)
            start, end = (lead.end() if lead else start), (trail.start() if trail else end)
            text = passage.text[start:end]
            if not text or _MARKER_IN_TEXT.search(text):
                continue
            words = len(text.split())
            if not tuning.MIN_QUOTE_WORDS <= words <= tuning.MAX_QUOTE_WORDS or _is_heading(text) \
                    or (passage.fictional and _is_disclaimer(text)):
                continue
            out.append(Sentence(pi, text, start, end))
    return out


class ExtractiveAnswerer:
    """Picks the sentences of the retrieved passages that answer the question, and cites each.

    Before quoting, the explicit checks of `answerability` run in order (a named reference the index lacks, a
    country no passage concerns, a year no passage reports on); then sentences are scored against the `Query`,
    chosen for relevance and variety (MMR), and a question for a figure or date must get one in its quotes."""

    def __init__(self, embedder, max_sentences: int = tuning.MAX_SENTENCES, min_evidence: float = tuning.MIN_EVIDENCE,
                 stale_months: int = 24, shortlist: int = tuning.SHORTLIST):
        self.embedder = embedder
        self.shortlist = shortlist
        self.max_sentences = max_sentences
        self.min_evidence = min_evidence
        self.stale_months = stale_months

    def score(self, query: Query | str, passages: list[Passage], language: str = "") -> tuple[list[Sentence], np.ndarray]:
        sentences, score, _ = self._scored(as_query(query, language), passages)
        return sentences, score

    def _scored(self, query: Query, passages: list[Passage], holding_bonus: float = 0.0
                ) -> tuple[list[Sentence], np.ndarray, dict]:
        """Every quotable sentence, its score against the question (-1: not scored, or from a passage on another
        country), and the embeddings of the scored ones. `holding_bonus`: added to a sentence that states what a
        court decided (data/holding-phrases.txt)."""
        from .answerability import quotable

        sentences = candidate_sentences(passages)
        if not sentences:
            return [], np.zeros(0), {}
        allowed = np.array([quotable(passages[s.passage_index], query) for s in sentences], dtype=bool)
        decided = holding_bonus * np.array([states_holding(s.text) for s in sentences], dtype=float)
        q_tokens = set(query.lexical_tokens())
        overlap = np.array([_overlap(q_tokens, s.text) for s in sentences])
        prior = np.array([1.0 / (1.0 + tuning.RANK_DECAY * s.passage_index) for s in sentences])
        holding = np.array([s.text.startswith(("Rubrik:", "Domslut")) for s in sentences], dtype=float)
        # "What does Article 3 of the ECHR say?": the article itself is the answer, whatever else matches the words
        named = referenced_passages(query, passages)
        in_named = np.array([s.passage_index in named for s in sentences], dtype=float)
        # ... and it says what it says first: within the named passage, earlier sentences count more
        opening = in_named * np.array([1.0 / (1 + k) for k in _order_in_passage(sentences)])
        asked = np.array([_gives_asked(query, s.text) for s in sentences], dtype=float)
        cheap = np.where(allowed, overlap + tuning.SHORTLIST_PRIOR * prior + in_named + decided, -np.inf)
        shortlist = [i for i in np.argsort(-cheap)[:self.shortlist] if allowed[i]]
        if not shortlist:
            return sentences, np.full(len(sentences), -1.0), {}
        q_vec = self.embedder.embed_queries([query.text])[0]
        s_vecs = self.embedder.embed_passages([sentences[i].text for i in shortlist])
        sims = np.full(len(sentences), -1.0)
        sims[shortlist] = s_vecs @ q_vec
        # The model scores a translation lower than a same-language paraphrase; even that out.
        other_language = np.array([passages[s.passage_index].language not in ("", query.language) for s in sentences])
        score = np.where(sims > -1, sims + tuning.OVERLAP_WEIGHT * overlap + tuning.PRIOR_WEIGHT * prior
                         + tuning.HOLDING_BONUS * holding + tuning.CROSS_LINGUAL_OFFSET * other_language
                         + tuning.NAMED_PASSAGE_BONUS * in_named + tuning.OPENING_BONUS * opening
                         + tuning.ASKED_FOR_BONUS * asked + decided, -1.0)
        return sentences, score, dict(zip(shortlist, s_vecs))

    def answer(self, query: Query | str, language: str = "", passages: list[Passage] | None = None,
               catalog=None, first_marker: int = 1) -> Draft:
        """The quotes that answer the question with their citations, or a refusal saying which check failed."""
        from . import answerability as checks

        query, passages = as_query(query, language), list(passages or [])
        frame = FRAME.get(query.language, FRAME["en"])
        refusal = (checks.missing_reference(query, catalog) or checks.missing_country(query, passages)
                   or checks.missing_source(query, passages) or checks.missing_period(query, passages))
        if refusal:
            return self._refuse(frame, refusal)
        sentences, score, vectors = self._scored(query, passages)
        best = float(score.max()) if len(score) else 0.0
        threshold = self.min_evidence
        if names_a_retrieved_document(query, passages):
            # "What was the outcome of UM 9901-24?": the document is there; its best sentences answer.
            threshold -= tuning.NAMED_DOCUMENT_EVIDENCE_DISCOUNT
        refusal = checks.weak_evidence(best if sentences else -1.0, threshold)
        if refusal:
            return self._refuse(frame, refusal, best)
        # the figure must be in what answers best before the bonus for giving one ("två demonstrationer" is a
        # figure, not the number of asylum seekers asked about); the bonus then prefers figures among the quotes
        plain = score - tuning.ASKED_FOR_BONUS * np.array([_gives_asked(query, s.text) for s in sentences])
        top = [sentences[i].text for i in np.argsort(-plain)[:tuning.UNMET_TOP]
               if plain[i] >= plain.max() - tuning.UNMET_WINDOW]
        refusal = checks.missing_figure(query, top)
        if refusal:
            return self._refuse(frame, refusal, best)
        chosen = self.choose(sentences, score, vectors, threshold)
        return compose(frame, passages, sentences, chosen, best, self.stale_months, first_marker)

    def choose(self, sentences: list[Sentence], score: np.ndarray, vectors: dict, threshold: float,
               limit: int | None = None) -> list[int]:
        """The best sentence, then (maximal marginal relevance) the next ones that score well and say something
        the chosen ones do not, down to `tuning.ANSWER_WINDOW` under the best; at least `tuning.MIN_SENTENCES`
        when sentences within `tuning.SECOND_WINDOW` exist."""
        order = [int(i) for i in np.argsort(-score) if score[i] > -1]
        if not order:
            return []
        best = score[order[0]]
        chosen = [order[0]]
        pool = [i for i in order[1:] if score[i] >= min(best - tuning.ANSWER_WINDOW, threshold)
                or (len(chosen) < tuning.MIN_SENTENCES and score[i] >= best - tuning.SECOND_WINDOW)]
        while pool and len(chosen) < (limit or self.max_sentences):
            def value(i: int) -> float:
                similar = max((float(vectors[i] @ vectors[j]) for j in chosen if i in vectors and j in vectors),
                              default=0.0)
                return score[i] - tuning.REDUNDANCY * similar
            pick = max(pool, key=value)
            pool.remove(pick)
            within = score[pick] >= max(threshold, best - tuning.ANSWER_WINDOW) \
                or (len(chosen) < tuning.MIN_SENTENCES and score[pick] >= best - tuning.SECOND_WINDOW)
            if not within:
                continue
            if any(_near_duplicate(sentences[pick].text, sentences[j].text) for j in chosen):
                continue
            chosen.append(pick)
        return chosen

    def quote(self, query: Query, passages: list[Passage], sentences: int = 2, first_marker: int = 1,
              heading: str = "", holding: bool = False) -> Draft:
        """The `sentences` best sentences on the query, whatever their score (for a premise or a claim: the
        officer sees the evidence, the code claims nothing about it). `holding`: prefer the sentences in which a
        court states what it decided (a named decision's holding)."""
        found, score, vectors = self._scored(query, passages, tuning.HOLDING_PHRASE_BONUS if holding else 0.0)
        if not found or score.max() <= -1:
            return Draft("", refused=True)
        chosen = self.choose(found, score, vectors, float(score.max()) - tuning.SECOND_WINDOW, limit=sentences)
        frame = FRAME.get(query.language, FRAME["en"])
        return compose(frame, passages, found, chosen, float(score.max()), self.stale_months, first_marker,
                       intro=heading)

    def _refuse(self, frame: dict, refusal, evidence: float = 0.0) -> Draft:
        detail = dict(refusal.detail)
        values = {"reference": detail.get("reference", ""), "country": detail.get("country", ""),
                  "publisher": detail.get("publisher", ""),
                  "years": ", ".join(str(y) for y in detail.get("years", []))}
        reason = frame[refusal.reason].format(**values)
        return Draft(frame["refusal"] + " " + reason, refused=True, evidence=evidence,
                     refusal_reason=refusal.reason, refusal_detail=detail)


def compose(frame: dict, passages: list[Passage], sentences: list[Sentence], chosen: list[int], evidence: float,
            stale_months: int, first_marker: int = 1, intro: str = "") -> Draft:
    """The chosen sentences as quotes, grouped by passage: a precedent's and a law's first, then country
    information newest first; one marker a passage."""
    by_passage: dict[int, list[int]] = {}
    for i in chosen:
        by_passage.setdefault(sentences[i].passage_index, []).append(i)
    order = sorted(by_passage, key=lambda pi: _source_order(passages[pi], min(by_passage[pi])))
    lines, citations = [intro or frame["intro"]], []
    for marker, pi in enumerate(order, start=first_marker):
        passage = passages[pi]
        picked = sorted(by_passage[pi], key=lambda i: sentences[i].start)
        quotes = [sentences[i] for i in picked]
        head = _label(passage)
        lines.append(f"- {head}: " + " ".join(f"\u201c{s.text}\u201d [{marker}]" for s in quotes))
        for s in quotes:
            citations.append(Citation(
                marker=marker, passage_id=passage.id, source=passage.source, title=passage.title,
                date=passage.date, page=passage.page, section=passage.section, quote=s.text,
                start=passage.start + s.start, end=passage.start + s.end, doc_type=passage.doc_type,
                publisher=passage.publisher, url=passage.url))
    warnings = currency_warnings(frame, [passages[pi] for pi in order], stale_months)
    if any(passages[pi].fictional for pi in order):
        warnings.append(frame["fictional"])
    return Draft("\n".join(lines), tuple(citations), warnings=tuple(warnings), evidence=evidence)


_HOLDING = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in datafiles.holding_phrases()) + r")(?!\w)", re.I)


def _gives_asked(query: Query, sentence: str) -> bool:
    """The sentence gives what the question asks for: a figure for "how many", a date for "when"."""
    from .answerability import gives_date, gives_figure

    if query.asks_figure:
        return gives_figure(sentence)
    return query.asks_date and gives_date(sentence)


def states_holding(sentence: str) -> bool:
    """The sentence states what a court or committee decided ("Kommittén drog slutsatsen att ...")."""
    return bool(_HOLDING.search(sentence))


def as_query(query: Query | str, language: str = "") -> Query:
    """A `Query` as it is, or a question's text parsed (callers that hold only the text: tests, the claim check)."""
    if isinstance(query, Query):
        return query
    from .query import parse_query

    return parse_query(query, language)


def names_a_retrieved_document(query: Query, passages: list[Passage]) -> bool:
    """The question names a decision, or an article or section, that is among the first passages found."""
    keys = [key.lower() for key in query.named_decisions]
    head = " ".join((p.title + " " + p.text[:300]).lower() for p in passages[:3])
    return any(key in head for key in keys) or bool(referenced_passages(query, passages) & {0, 1, 2})


def referenced_passages(query: Query, passages: list[Passage]) -> set[int]:
    """Indexes of the passages that are the article or section the question names ("Article 3 of the ECHR",
    "4 kap. 1 § utlänningslagen")."""
    from .references import article_number, article_of_section, section_key

    found: set[int] = set()
    for ref in query.references:
        if ref.kind == "section":
            matches = [i for i, p in enumerate(passages) if p.section and section_key(p.section) == ref.key]
        elif ref.kind == "article":
            matches = [i for i, p in enumerate(passages) if article_of_section(p.section) == article_number(ref)]
        else:
            continue
        # the best-ranked match of each document: a treaty's protocols repeat its article numbers further down
        firsts: dict[str, int] = {}
        for i in matches:
            firsts.setdefault(passages[i].doc_id or passages[i].source, i)
        found |= set(firsts.values())
    return found


def currency_warnings(frame: dict, cited: list[Passage], stale_months: int, today: date | None = None) -> list[str]:
    today = today or date.today()
    coi = [p for p in cited if p.doc_type == "coi" and p.date]
    if not coi:
        return []
    warnings = []
    coi = list({p.source: p for p in coi}.values())
    ages = {p.source: _months_between(p.date, today) for p in coi}
    if all(age > stale_months for age in ages.values()):
        newest = max(p.date for p in coi)
        warnings.append(frame["stale"].format(months=stale_months, newest=newest))
    else:
        for p in coi:
            if ages[p.source] > stale_months:
                warnings.append(frame["stale_one"].format(title=p.title or p.source, date=p.date, months=stale_months))
    by_country: dict[str, set[str]] = {}
    for p in coi:
        by_country.setdefault(p.country, set()).add(p.date[:7])
    for dates in by_country.values():
        years = sorted({d[:4] for d in dates})
        if len(years) > 1 and int(years[-1]) - int(years[0]) >= 2:
            warnings.append(frame["disagree"].format(dates=", ".join(sorted(dates))))
            break
    return warnings


def _months_between(iso: str, today: date) -> int:
    parts = [int(p) for p in iso.split("-")[:2] if p.isdigit()]
    if not parts:
        return 0
    year, month = parts[0], parts[1] if len(parts) > 1 else 6
    return (today.year - year) * 12 + today.month - month


def _label(p: Passage) -> str:
    bits = [p.title or p.source, p.date, p.locator]
    return "**" + " · ".join(b for b in bits if b) + "**"


def _source_order(p: Passage, first_sentence: int):
    rank = {"precedent": 0, "statute": 1, "treaty": 1, "case-summary": 2, "coi": 3}.get(p.doc_type, 4)
    newest_first = -int((p.date or "0").replace("-", "")[:8].ljust(8, "0")) if p.doc_type == "coi" else 0
    return (rank, newest_first, first_sentence)


_DISCLAIMER = re.compile(r"fiktiv|fictional|påhittad|invented for training", re.I)


def _order_in_passage(sentences: list[Sentence]) -> list[int]:
    """0 for the first quotable sentence of its passage, 1 for the next, ..."""
    seen: dict[int, int] = {}
    out = []
    for s in sentences:
        out.append(seen.get(s.passage_index, 0))
        seen[s.passage_index] = out[-1] + 1
    return out


def _is_heading(text: str) -> bool:
    """A line without closing punctuation, e.g. a title or heading repeated at the top of a section."""
    return "\n" not in text and text.rstrip("\"”’)")[-1:] not in ".!?…" \
        and len(text.split()) < tuning.HEADING_MAX_WORDS


def _is_disclaimer(text: str) -> bool:
    return bool(_DISCLAIMER.search(text))


def _overlap(q_tokens: set[str], text: str) -> float:
    if not q_tokens:
        return 0.0
    tokens = set(tokenize(text))
    return len(q_tokens & tokens) / len(q_tokens)


def _near_duplicate(a: str, b: str) -> bool:
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) > tuning.NEAR_DUPLICATE
