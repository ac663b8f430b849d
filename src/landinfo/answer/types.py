"""What an answer is, for everyone who shows, exports, rates or checks one: no model, no numpy.

`FRAME` is the words of an answer around its quotes, per language (data/text/<language>.yaml, section answer).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from .. import datafiles
from ..records import Filters, Passage, locator

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..query import Query

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

    @classmethod
    def from_passage(cls, marker: int, passage: Passage, start: int, end: int) -> "Citation":
        """The words `passage.text[start:end]` as a citation; the offsets become the source text's."""
        return cls(marker=marker, passage_id=passage.id, source=passage.source, title=passage.title,
                   date=passage.date, page=passage.page, section=passage.section, quote=passage.text[start:end],
                   start=passage.start + start, end=passage.start + end, doc_type=passage.doc_type,
                   publisher=passage.publisher, url=passage.url)

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
    refusal_reason: str = ""  # the check that failed (checks.REASONS); '' when answered
    refusal_detail: dict = field(default_factory=dict)


class Answerer(Protocol):
    """Writes a `Draft` from the passages found for a question; None when it cannot give one it can vouch for."""

    def answer(self, query: "Query | str", language: str = "", passages: list[Passage] | None = None,
               catalog: "Catalog | None" = None, first_marker: int = 1) -> Draft | None: ...


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
    refusal_reason: str = ""  # the check that failed: missing_reference, missing_country, ... (checks.REASONS)
    refusal_detail: dict = field(default_factory=dict)
    query: "Query | None" = None  # the parsed question
    premise: Premise | None = None
    provenance: dict = field(default_factory=dict)  # what it was made from, to show and re-run it (provenance.py)

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
            "provenance": self.provenance,
        }
