"""Passages -> an answer whose every sentence is a verbatim quote with its source. No language model."""
from __future__ import annotations

from datetime import date

import numpy as np

from .. import tuning
from ..dates import months_between
from ..lexical import tokenize
from ..query import Query
from ..records import Passage
from . import checks
from .quotes import Sentence, candidate_sentences, choose, citations_by_passage, states_holding
from .types import FRAME, Draft


class ExtractiveAnswerer:
    """Picks the sentences of the retrieved passages that answer the question, and cites each.

    Before quoting, the explicit checks of `checks.BEFORE_SCORING` run in order (a named reference the index lacks, a
    country no passage concerns, a year no passage reports on); then sentences are scored against the `Query`,
    chosen for relevance and variety (MMR), and a question for a figure or date must get one in its quotes."""

    def __init__(self, embedder, max_sentences: int = tuning.MAX_SENTENCES, min_evidence: float = tuning.MIN_EVIDENCE,
                 stale_months: int = 24, shortlist: int = tuning.SHORTLIST, boilerplate=None, stored=None):
        """`boilerplate`: a callable giving the index's current `Boilerplate` (sentences never quoted). `stored`: the
        index's `SentenceVectors` (embedded at ingest); a sentence without a stored vector is embedded here."""
        self.embedder = embedder
        self.stored = stored
        self.boilerplate = boilerplate or (lambda: None)
        self.shortlist = shortlist
        self.max_sentences = max_sentences
        self.min_evidence = min_evidence
        self.stale_months = stale_months

    def score(self, query: Query | str, passages: list[Passage], language: str = ""
              ) -> tuple[list[Sentence], np.ndarray, dict]:
        """Every quotable sentence, its score against the query, and the embeddings of the scored ones (what
        `bears_on_aspect` reads)."""
        return self._scored(as_query(query, language), passages)

    def _scored(self, query: Query, passages: list[Passage], holding_bonus: float = 0.0
                ) -> tuple[list[Sentence], np.ndarray, dict]:
        """Every quotable sentence, its score against the question (-1: not scored, or from a passage on another
        country), and the embeddings of the scored ones. `holding_bonus`: added to a sentence that states what a
        court decided (data/holding-phrases.txt)."""
        sentences = candidate_sentences(passages, skip=self.boilerplate())
        if not sentences:
            return [], np.zeros(0), {}
        allowed = np.array([checks.quotable(passages[s.passage_index], query) for s in sentences], dtype=bool)
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
        s_vecs = self.sentence_vectors(passages, [sentences[i] for i in shortlist])
        sims = np.full(len(sentences), -1.0)
        sims[shortlist] = s_vecs @ q_vec
        # The model scores a translation lower than a same-language paraphrase; even that out.
        other_language = np.array([passages[s.passage_index].language not in ("", query.language) for s in sentences])
        score = np.where(sims > -1, sims + tuning.OVERLAP_WEIGHT * overlap + tuning.PRIOR_WEIGHT * prior
                         + tuning.HOLDING_BONUS * holding + tuning.CROSS_LINGUAL_OFFSET * other_language
                         + tuning.NAMED_PASSAGE_BONUS * in_named + tuning.OPENING_BONUS * opening
                         + tuning.ASKED_FOR_BONUS * asked + decided, -1.0)
        return sentences, score, dict(zip(shortlist, s_vecs))

    def sentence_vectors(self, passages: list[Passage], wanted: list[Sentence]) -> np.ndarray:
        """The vectors of these sentences: stored at ingest, else (a passage that is no indexed chunk, an index not
        re-ingested since) embedded now."""
        found = self.stored.lookup([(passages[s.passage_index].id, s.start, s.end) for s in wanted]) \
            if self.stored is not None else [None] * len(wanted)
        missing = [k for k, v in enumerate(found) if v is None]
        if missing:
            for k, vector in zip(missing, self.embedder.embed_passages([wanted[k].text for k in missing])):
                found[k] = vector
        return np.stack(found) if found else np.zeros((0, 0), dtype=np.float32)

    def answer(self, query: Query | str, language: str = "", passages: list[Passage] | None = None,
               catalog=None, first_marker: int = 1) -> Draft:
        """The quotes that answer the question with their citations, or a refusal saying which check failed."""
        query, passages = as_query(query, language), list(passages or [])
        frame = FRAME.get(query.language, FRAME["en"])
        refusal = checks.before_scoring(query, passages, catalog)
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
        if asks_about_a_country(query) and query.aspect:
            bearing = bears_on_aspect(query, sentences, vectors, self.embedder, passages)
            bar = threshold - tuning.ASPECT_EVIDENCE_DISCOUNT
            refusal = checks.missing_topic(query, bearing, [bool(v >= bar) for v in score])
            if refusal:
                return self._refuse(frame, refusal, best)
            score = np.where(bearing, score, -1.0)
        # the figure must be in what answers best before the bonus for giving one ("två demonstrationer" is a
        # figure, not the number of asylum seekers asked about); the bonus then prefers figures among the quotes
        plain = score - tuning.ASKED_FOR_BONUS * np.array([_gives_asked(query, s.text) for s in sentences])
        top = [sentences[i].text for i in np.argsort(-plain)[:tuning.UNMET_TOP]
               if plain[i] >= plain.max() - tuning.UNMET_WINDOW]
        refusal = checks.missing_figure(query, top)
        if refusal:
            return self._refuse(frame, refusal, best)
        chosen = self.choose(sentences, score, vectors, threshold)
        return compose(frame, passages, sentences, chosen, best, self.stale_months, first_marker,
                       country_first=asks_about_a_country(query))

    def choose(self, sentences: list[Sentence], score: np.ndarray, vectors: dict, threshold: float,
               limit: int | None = None) -> list[int]:
        """`quotes.choose`, at most `limit` sentences (the answerer's own limit by default)."""
        return choose(sentences, score, vectors, threshold, limit or self.max_sentences)

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
                  "aspect": detail.get("aspect", ""),
                  "publisher": detail.get("publisher", ""),
                  "years": ", ".join(str(y) for y in detail.get("years", []))}
        reason = frame[refusal.reason].format(**values)
        return Draft(frame["refusal"] + " " + reason, refused=True, evidence=evidence,
                     refusal_reason=refusal.reason, refusal_detail=detail)


def compose(frame: dict, passages: list[Passage], sentences: list[Sentence], chosen: list[int], evidence: float,
            stale_months: int, first_marker: int = 1, intro: str = "", country_first: bool = False) -> Draft:
    """The chosen sentences as quotes, grouped by passage, one marker a passage: a precedent's and a law's first,
    then country information newest first. `country_first` (a question about the situation in a country): the
    newest country information first, then case law and committee views under their own heading."""
    by_passage: dict[int, list[int]] = {}
    for i in chosen:
        by_passage.setdefault(sentences[i].passage_index, []).append(i)
    order = sorted(by_passage, key=lambda pi: _source_order(passages[pi], min(by_passage[pi]), country_first))
    lines = [intro or frame["intro"]]
    assessed = [pi for pi in order if passages[pi].doc_type in _ASSESSMENTS]
    for marker, pi in enumerate(order, start=first_marker):
        if country_first and assessed and pi == assessed[0] and pi != order[0]:
            lines.append(frame["case_law"] + ":")
        quotes = sorted((sentences[i] for i in by_passage[pi]), key=lambda s: s.start)
        lines.append(f"- {_label(passages[pi])}: " + " ".join(f"\u201c{s.text}\u201d [{marker}]" for s in quotes))
    citations = citations_by_passage(passages, sentences, chosen, order, first_marker)
    warnings = currency_warnings(frame, [passages[pi] for pi in order], stale_months)
    if any(passages[pi].fictional for pi in order):
        warnings.append(frame["fictional"])
    return Draft("\n".join(lines), tuple(citations), warnings=tuple(warnings), evidence=evidence)


_ASSESSMENTS = ("precedent", "case-summary")  # how courts and committees assessed a case


def bears_on_aspect(query: Query, sentences: list[Sentence], vectors: dict, embedder,
                    passages: list[Passage] | None = None, blind_bears: bool = False) -> list[bool]:
    """Whether each sentence bears on the query's aspect: it holds one of the aspect's words (stemmed, or their
    glossary forms in the other language), or, scored (`vectors`), its embedding is close to the aspect's words
    embedded alone (`tuning.ASPECT_MIN_SIMILARITY`).

    A sentence of another language than the query's, when no aspect word has a glossary form, can only be judged by
    the embedding, which tells little across languages (the aspect embedded alone is 0.75-0.82 from every sentence
    of the other language, evals/claims-demo.yaml): `blind_bears` then lets the sentence's own evidence decide (a
    claim); an answer keeps the embedding's word (it must not quote what it cannot show to bear on the question)."""
    from ..glossary import translate_terms

    phrase = " ".join(query.aspect)
    forms = translate_terms(phrase, query.language)
    stems = set(tokenize(" ".join([phrase, *forms])))
    near = {}
    if vectors and query.aspect:
        aspect = embedder.embed_queries([phrase])[0]
        near = {i: float(v @ aspect) >= tuning.ASPECT_MIN_SIMILARITY for i, v in vectors.items()}
    out = []
    for i, s in enumerate(sentences):
        blind = blind_bears and not forms and passages is not None \
            and passages[s.passage_index].language not in ("", query.language)
        out.append(blind or bool(stems & set(tokenize(s.text))) or near.get(i, False))
    return out


def asks_about_a_country(query: Query) -> bool:
    """A question about the situation in a country (its risks, its practice), not about a named decision, law or
    article: its answer leads with the country information."""
    return bool(query.subject_countries) and not (query.references or query.named_decisions)


def _gives_asked(query: Query, sentence: str) -> bool:
    """The sentence gives what the question asks for: a figure for "how many", a date for "when"."""
    if query.asks_figure:
        return checks.gives_figure(sentence)
    return query.asks_date and checks.gives_date(sentence)


def as_query(query: Query | str, language: str = "") -> Query:
    """A `Query` as it is, or a question's text parsed (callers that hold only the text: tests, the claim check)."""
    if isinstance(query, Query):
        return query
    from ..query import parse_query

    return parse_query(query, language)


def names_a_retrieved_document(query: Query, passages: list[Passage]) -> bool:
    """The question names a decision, or an article or section, that is among the first passages found."""
    keys = [key.lower() for key in query.named_decisions]
    head = " ".join((p.title + " " + p.text[:300]).lower() for p in passages[:3])
    return any(key in head for key in keys) or bool(referenced_passages(query, passages) & {0, 1, 2})


def referenced_passages(query: Query, passages: list[Passage]) -> set[int]:
    """Indexes of the passages that are the article or section the question names ("Article 3 of the ECHR",
    "4 kap. 1 § utlänningslagen")."""
    from ..references import article_number, article_of_section, section_key

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
    ages = {p.source: months_between(p.date, today) for p in coi}
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


def _label(p: Passage) -> str:
    bits = [p.title or p.source, p.date, p.locator]
    return "**" + " · ".join(b for b in bits if b) + "**"


def _source_order(p: Passage, first_sentence: int, country_first: bool = False):
    rank = {"precedent": 0, "statute": 1, "treaty": 1, "case-summary": 2, "coi": 3}.get(p.doc_type, 4)
    if country_first:  # country information, then the law, then how courts and committees assessed cases
        rank = {"coi": 0, "statute": 1, "treaty": 1, "precedent": 2, "case-summary": 3}.get(p.doc_type, 4)
    newest_first = -int((p.date or "0").replace("-", "")[:8].ljust(8, "0")) if p.doc_type == "coi" else 0
    return (rank, newest_first, first_sentence)


def _order_in_passage(sentences: list[Sentence]) -> list[int]:
    """0 for the first quotable sentence of its passage, 1 for the next, ..."""
    seen: dict[int, int] = {}
    out = []
    for s in sentences:
        out.append(seen.get(s.passage_index, 0))
        seen[s.passage_index] = out[-1] + 1
    return out


def _overlap(q_tokens: set[str], text: str) -> float:
    if not q_tokens:
        return 0.0
    tokens = set(tokenize(text))
    return len(q_tokens & tokens) / len(q_tokens)
