"""Passages -> an answer whose every sentence is a verbatim quote with its source. No language model."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from . import datafiles, tuning
from .lexical import tokenize
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

    def to_json(self) -> dict:
        return {
            "question": self.question, "language": self.language, "answer": self.text, "refused": self.refused,
            "citations": [c.to_json() for c in self.citations], "passages": [p.to_json() for p in self.passages],
            "warnings": list(self.warnings), "timings": self.timings, "mode": self.mode,
            "evidence": round(float(self.evidence), 4),
            "filters": self.filters.to_json() if self.filters else None,
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
    """Picks the sentences of the retrieved passages that answer the question, and cites each."""

    def __init__(self, embedder, max_sentences: int = tuning.MAX_SENTENCES, min_evidence: float = tuning.MIN_EVIDENCE,
                 stale_months: int = 24, shortlist: int = tuning.SHORTLIST):
        self.embedder = embedder
        self.shortlist = shortlist
        self.max_sentences = max_sentences
        self.min_evidence = min_evidence
        self.stale_months = stale_months

    def score(self, question: str, passages: list[Passage], language: str = "") -> tuple[list[Sentence], np.ndarray]:
        sentences = candidate_sentences(passages)
        if not sentences:
            return [], np.zeros(0)
        from .retrieve import lexical_query

        q_tokens = set(lexical_query(question))
        overlap = np.array([_overlap(q_tokens, s.text) for s in sentences])
        prior = np.array([1.0 / (1.0 + tuning.RANK_DECAY * s.passage_index) for s in sentences])
        holding = np.array([s.text.startswith(("Rubrik:", "Domslut")) for s in sentences], dtype=float)
        # "What does Article 3 of the ECHR say?": the article itself is the answer, whatever else matches the words
        named = referenced_passages(question, passages)
        in_named = np.array([s.passage_index in named for s in sentences], dtype=float)
        # ... and it says what it says first: within the named passage, earlier sentences count more
        opening = in_named * np.array([1.0 / (1 + k) for k in _order_in_passage(sentences)])
        shortlist = np.argsort(-(overlap + tuning.SHORTLIST_PRIOR * prior + in_named))[:self.shortlist]
        q_vec = self.embedder.embed_queries([question])[0]
        s_vecs = self.embedder.embed_passages([sentences[i].text for i in shortlist])
        sims = np.full(len(sentences), -1.0)
        sims[shortlist] = s_vecs @ q_vec
        # The model scores a translation lower than a same-language paraphrase; even that out.
        other_language = np.array([bool(language) and passages[s.passage_index].language not in ("", language)
                                   for s in sentences])
        score = np.where(sims > -1, sims + tuning.OVERLAP_WEIGHT * overlap + tuning.PRIOR_WEIGHT * prior
                         + tuning.HOLDING_BONUS * holding + tuning.CROSS_LINGUAL_OFFSET * other_language
                         + tuning.NAMED_PASSAGE_BONUS * in_named + tuning.OPENING_BONUS * opening, -1.0)
        return sentences, score

    def answer(self, question: str, language: str, passages: list[Passage]) -> Draft:
        """The quotes that answer the question with their citations, or a refusal saying why."""
        frame = FRAME.get(language, FRAME["en"])
        sentences, score = self.score(question, passages, language)
        best = float(score.max()) if len(score) else 0.0
        threshold = self.min_evidence
        if names_a_retrieved_document(question, passages):
            # "What was the outcome of UM 9901-24?": the document is there; its best sentences answer.
            threshold -= tuning.NAMED_DOCUMENT_EVIDENCE_DISCOUNT
        if not sentences or best < threshold:
            return Draft(frame["refusal"], refused=True, evidence=best)
        top = [sentences[i].text for i in np.argsort(-score)[:tuning.UNMET_TOP]
               if score[i] >= best - tuning.UNMET_WINDOW]
        unmet = unmet_requirement(question, passages, top)
        if unmet:
            return Draft(frame["refusal"] + " " + frame[unmet], refused=True, evidence=best)
        order = np.argsort(-score)
        chosen: list[int] = []
        for i in order:
            if score[i] < max(threshold, best - tuning.ANSWER_WINDOW) or len(chosen) >= self.max_sentences:
                break
            if any(_near_duplicate(sentences[i].text, sentences[j].text) for j in chosen):
                continue
            chosen.append(int(i))
        return self._compose(frame, passages, sentences, chosen, best)

    def _compose(self, frame, passages, sentences, chosen, evidence: float) -> Draft:
        by_passage: dict[int, list[int]] = {}
        for i in chosen:
            by_passage.setdefault(sentences[i].passage_index, []).append(i)
        order = sorted(by_passage, key=lambda pi: _source_order(passages[pi], min(by_passage[pi])))
        lines, citations = [frame["intro"]], []
        for marker, pi in enumerate(order, start=1):
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
        warnings = currency_warnings(frame, [passages[pi] for pi in order], self.stale_months)
        if any(passages[pi].fictional for pi in order):
            warnings.append(frame["fictional"])
        return Draft("\n".join(lines), tuple(citations), warnings=tuple(warnings), evidence=evidence)


_ASKS_NUMBER = re.compile(r"\b(how many|how much|number of|what percentage|hur många|hur mycket|antal(?:et)?|"
                          r"hur stor andel|vilket belopp)\b", re.I)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# "Regulation (EU) 2024/1347", "604/2013", "MIG 2009:30", "(2005:716)": a year inside a number names an act
_NUMBERED_ACT = re.compile(r"\b\d{1,4}\s*[/:]\s*\d{1,4}\b")
_DIGIT = re.compile(r"\d|\b(two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|thousands?|"
                    r"millions?|två|tre|fyra|fem|sex|sju|åtta|nio|tio|tiotals|hundra|hundratals|tusen|tusentals|"
                    r"miljon(?:er)?)\b", re.I)
_MONTHS = (r"jan\w*|feb\w*|mar\w*|apr\w*|ma[jy]|jun\w*|jul\w*|aug\w*|sep\w*|o[ck]t\w*|nov\w*|dec\w*")
_NOT_A_FIGURE = re.compile(rf"\b\d{{1,2}}\s+(?:{_MONTHS})\s+\d{{4}}\b|\b\d{{4}}-\d{{2}}(?:-\d{{2}})?\b|"
                           rf"\b(?:1[89]|20)\d\d\b|\b\d+\s*(?:kap\.|§)|\b(?:article|artikel|art\.)\s*\d+", re.I)


def names_a_retrieved_document(question: str, passages: list[Passage]) -> bool:
    """The question names a decision, or an article or section, that is among the first passages found."""
    from .references import parse_references

    keys = [r.key.lower() for r in parse_references(question)
            if r.kind in ("mig", "case_number", "case_name", "ecthr_application")]
    head = " ".join((p.title + " " + p.text[:300]).lower() for p in passages[:3])
    return any(key in head for key in keys) or bool(referenced_passages(question, passages) & {0, 1, 2})


def referenced_passages(question: str, passages: list[Passage]) -> set[int]:
    """Indexes of the passages that are the article or section the question names ("Article 3 of the ECHR",
    "4 kap. 1 § utlänningslagen")."""
    from .references import article_number, article_of_section, parse_references, section_key

    found: set[int] = set()
    for ref in parse_references(question):
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


def unmet_requirement(question: str, passages: list[Passage], best_sentences: list[str]) -> str:
    """Why the evidence cannot answer even if it is on topic: '' when nothing is missing.

    A question about a country that no retrieved passage concerns, a question for a number that no
    well-matching sentence gives, or for a year that no passage mentions, is not answered by guessing.
    """
    from .countries import countries_in

    named = [c for c in countries_in(question) if c != "Sweden"]
    if named:
        covered = " ".join(p.country + " " + p.text + " " + p.title for p in passages)
        if not any(c.lower() in covered.lower() or set(countries_in(covered)) & {c} for c in named):
            return "missing_country"
    evidence = " ".join(best_sentences)
    if _ASKS_NUMBER.search(question) and not _DIGIT.search(_NOT_A_FIGURE.sub(" ", evidence)):
        return "missing_number"
    years = set(_YEAR.findall(_NUMBERED_ACT.sub(" ", question)))
    if years and not any(y in p.text for p in passages for y in years):
        return "missing_year"
    return ""


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
