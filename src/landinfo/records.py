"""Plain data that flows between the stages: load -> chunk -> embed -> index -> retrieve -> answer."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

DOC_TYPES = ("precedent", "coi", "statute", "case-summary", "legislative", "treaty", "other")


@dataclass(frozen=True)
class Unit:
    """One addressable piece of a document: a PDF page, or a section under a heading."""

    text: str
    page: int | None = None  # 1-based page for paged formats (PDF)
    section: str = ""  # heading path, e.g. "4 kap. Flyktingar och andra skyddsbehövande > 1 §"


@dataclass(frozen=True)
class DocMeta:
    """What is known about a document; detected automatically, overridable by a sidecar/manifest."""

    title: str = ""
    doc_type: str = "other"  # one of DOC_TYPES
    countries: tuple[str, ...] = ()  # English country names
    date: str = ""  # ISO date (YYYY-MM-DD, or YYYY-MM / YYYY when that is all that is known)
    language: str = ""  # "sv" | "en"
    references: tuple[str, ...] = ()  # "MIG 2009:30", "UM 7867-08", "SFS 2005:716", "J.K. m.fl. mot Sverige"
    url: str = ""
    publisher: str = ""
    fictional: bool = False
    period: str = ""  # the years it reports on when it says so ("2024", "2015-2016"); see coverage.py

    def with_overrides(self, **values) -> "DocMeta":
        return replace(self, **values)


@dataclass(frozen=True)
class RawDocument:
    """What a loader returns: the text units of one file plus whatever metadata the file itself states."""

    path: Path
    units: tuple[Unit, ...]
    file_meta: dict = field(default_factory=dict)  # front matter, PDF info, DOCX core properties, HTML meta


@dataclass(frozen=True)
class Document:
    """A loaded file with its detected metadata, ready to chunk."""

    doc_id: str  # stable: hash of the source path relative to its corpus root
    source: str  # path relative to the folder it was ingested from, with "/" separators
    path: Path
    units: tuple[Unit, ...]
    meta: DocMeta
    content_hash: str  # sha256 of the file bytes
    duplicates: tuple[str, ...] = ()  # other sources holding the same document (not indexed separately)


@dataclass(frozen=True)
class Chunk:
    """A piece of a unit sized for the embedder; `start`/`end` are offsets into the unit's text."""

    chunk_id: str
    doc_id: str
    text: str
    unit_index: int
    start: int
    end: int
    page: int | None
    section: str


def locator(page: int | None, section: str, whole_path: bool = False, page_label: str = "p. {page}") -> str:
    """Where a passage or quote sits in its document: "p. 12" in a paged document (a PDF), else its section, the
    innermost heading ("1 §") or with `whole_path` the heading path ("4 kap. Flyktingar > 1 §"); '' when neither.

    `page_label` words the page in another language or style ("s. {page}", "page {page}")."""
    if page:
        return page_label.format(page=page)
    if not section:
        return ""
    return section if whole_path else section.split(" > ")[-1]


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with everything a citation needs."""

    id: str
    text: str
    source: str
    title: str
    doc_type: str
    country: str  # countries joined with ", "
    language: str
    date: str
    page: int | None
    section: str
    score: float
    start: int = 0  # offsets of `text` inside its page/section text
    end: int = 0
    doc_id: str = ""
    url: str = ""
    publisher: str = ""
    fictional: bool = False
    duplicates: tuple[str, ...] = ()
    period: str = ""  # the years its document reports on ("2024"); '' for laws and judgments

    @property
    def locator(self) -> str:
        """"p. 12", or the innermost section heading: see `locator`."""
        return locator(self.page, self.section)

    def to_json(self) -> dict:
        return {
            "id": self.id, "source": self.source, "title": self.title, "doc_type": self.doc_type,
            "country": self.country, "language": self.language, "date": self.date, "page": self.page,
            "section": self.section, "text": self.text, "score": round(float(self.score), 6),
            "start": self.start, "end": self.end, "url": self.url, "publisher": self.publisher,
            "fictional": self.fictional, "duplicates": list(self.duplicates), "period": self.period,
        }


_PERIOD = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)


def period(text: str) -> tuple[date, date]:
    """First and last day of YYYY, YYYY-MM or YYYY-MM-DD, the forms a date filter takes; ValueError (saying why)
    for anything else, a month 13 or a 30 February included."""
    match = _PERIOD.fullmatch(text)
    if not match:
        raise ValueError("not a date")
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        first = date(year, month or 1, day or 1)
        last = date(year, month or 12, day or calendar.monthrange(year, month or 12)[1])
    except ValueError as exc:
        raise ValueError(f"not a real date ({exc})") from None
    return first, last


@dataclass(frozen=True)
class Filters:
    """Restrictions applied before ranking. Empty tuples / strings mean "no restriction"."""

    countries: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    since: str = ""  # ISO date, inclusive
    until: str = ""  # ISO date, inclusive
    prefer_recent: bool = False  # boost newer COI; never applied to case law or statutes

    def is_empty(self) -> bool:
        return not (self.countries or self.doc_types or self.languages or self.since or self.until)

    def to_json(self) -> dict:
        return {"countries": list(self.countries), "doc_types": list(self.doc_types),
                "languages": list(self.languages), "since": self.since, "until": self.until,
                "prefer_recent": self.prefer_recent}

    @classmethod
    def from_json(cls, data: dict | None) -> "Filters | None":
        """The filters `to_json` wrote (a provenance record's); None for none."""
        if not data:
            return None
        return cls(countries=tuple(data.get("countries") or ()), doc_types=tuple(data.get("doc_types") or ()),
                   languages=tuple(data.get("languages") or ()), since=data.get("since") or "",
                   until=data.get("until") or "", prefer_recent=bool(data.get("prefer_recent")))
