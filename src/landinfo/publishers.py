"""Who published a source, what kind of source it is, and one line about the publisher, in Swedish and English,
from data/publishers.tsv (maintainers add rows there). An unknown publisher gets no description, never a guess."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from .datafiles import Source, _rows
from .errors import DataFileError

SOURCE_TYPES = ("government", "ngo", "un", "court", "legislation", "treaty", "training")
COLUMNS = ("name", "other_names", "type", "description_en", "description_sv")
# What a document is says more about the kind of source than who published it: a statute from a ministry is
# legislation, a judgment a court's. Other kinds (COI, case summaries) take their publisher's type.
_BY_DOC_TYPE = {"statute": "legislation", "legislative": "legislation", "treaty": "treaty", "precedent": "court"}


@dataclass(frozen=True)
class Publisher:
    name: str
    other_names: tuple[str, ...]
    source_type: str
    description: dict  # language -> one line


def _folded(name: str) -> str:
    return re.sub(r"[\s.,]+", " ", name).strip().casefold()


def load(source: Source = "publishers.tsv") -> dict[str, Publisher]:
    """Every name and other name of every publisher (folded: case and spacing ignored) -> its Publisher."""
    path, rows = _rows(source, COLUMNS, len(COLUMNS))
    found: dict[str, Publisher] = {}
    for number, (name, others, kind, english, swedish) in rows:
        if not name:
            raise DataFileError(f"{path}:{number}: a publisher needs a name")
        if kind not in SOURCE_TYPES:
            raise DataFileError(f"{path}:{number}: type {kind!r} is not one of {', '.join(SOURCE_TYPES)}")
        if not english or not swedish:
            raise DataFileError(f"{path}:{number}: {name} needs a description in English and in Swedish")
        publisher = Publisher(name, tuple(o.strip() for o in others.split("|") if o.strip()), kind,
                              {"en": english, "sv": swedish})
        for alias in (name, *publisher.other_names):
            key = _folded(alias)
            if key in found:
                raise DataFileError(f"{path}:{number}: {alias!r} is already a name of {found[key].name}")
            found[key] = publisher
    return found


@cache
def _publishers() -> dict[str, Publisher]:
    return load()


COI_TYPES = ("government", "ngo", "un")  # publishers whose reports are country information


@cache
def all_publishers() -> tuple[tuple[str, Publisher], ...]:
    """Every name and other name, as written in the file, with its publisher (longest names first)."""
    pairs = {alias: p for p in _publishers().values() for alias in (p.name, *p.other_names)}
    return tuple(sorted(pairs.items(), key=lambda pair: (-len(pair[0]), pair[0])))


def find(name: str) -> Publisher | None:
    """The publisher of that name or other name (case and spacing ignored); None when the file does not know it."""
    return _publishers().get(_folded(name or "")) if name else None


def source_type(publisher: str, doc_type: str) -> str:
    """One of SOURCE_TYPES, or "" when neither the document's type nor a known publisher says."""
    known = find(publisher)
    if known is not None and known.source_type == "training":
        return "training"
    return _BY_DOC_TYPE.get(doc_type, "") or (known.source_type if known is not None else "")


def description(publisher: str, language: str) -> str:
    """The one line about the publisher in `language` (English when it has none); "" for an unknown publisher."""
    known = find(publisher)
    return known.description.get(language, known.description["en"]) if known is not None else ""
