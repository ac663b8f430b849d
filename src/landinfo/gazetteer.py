"""Names below the country level that tie a question to one country, from data rather than word lists: the
subdivisions of every country (ISO 3166-2, through pycountry's offline tables) and the proper names that the
indexed country reports themselves tie to one country (`CorpusNames`: a province, clan, militia, party or ethnic
group whose mentions fall almost all in one country's reports).

Names are compared by `fold`, which forgets what transliterations disagree on (diacritics, doubled letters, q/k,
o/u, a leading Arabic article, a final h), so "Kismaayo" finds "Kismayo" and "Qandahar" finds "Kandahar".
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from . import tuning

_NAME = re.compile(r"(?<![\w’'-])[A-ZÀ-ÖØ-Þ][\w’'-]{2,}(?:\s+[A-ZÀ-ÖØ-Þ][\w’'-]{2,})?")
_ARTICLE = re.compile(r"^(?:al|as|ar|an|ad|at|ash|el|ez|es)[\s-]+")


def fold(name: str) -> str:
    """The key two spellings of one name share: "Kismaayo" and "Kismayo", "Qandahar" and "Kandahar",
    "As Sulaymānīyah" and "Sulaymaniya"."""
    text = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower()
    text = re.sub(r"[’'`ʻʿʾ.]", "", text)
    text = _ARTICLE.sub("", text.replace("-", " ").strip())
    text = text.replace("q", "k").replace("ou", "u").replace("o", "u").replace("ee", "i").replace("y", "i").replace("ph", "f")
    text = re.sub(r"(\w)\1+", r"\1", text)
    text = re.sub(r"(?<=\w)h\b", "", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Region:
    name: str  # as written in the text
    country: str  # English name, as data/countries.tsv writes it
    via: str  # "subdivision" | "corpus"
    start: int
    end: int


def regions_in(text: str, corpus: "CorpusNames | None" = None) -> list[Region]:
    """The subdivisions and corpus-tied names the text writes with a capital, two-word names before one-word."""
    subdivisions = subdivision_table()
    tied = corpus.countries if corpus is not None else {}
    found: list[Region] = []
    for m in _NAME.finditer(text):
        spans = [(m.start(), m.end())]
        words = list(re.finditer(r"\S+", m.group(0)))
        if len(words) > 1:
            spans += [(m.start() + w.start(), m.start() + w.end()) for w in words]
        taken = -1
        for start, end in spans:
            if start < taken:
                continue
            key = fold(text[start:end])
            if key in subdivisions:
                found.append(Region(text[start:end], subdivisions[key], "subdivision", start, end))
            elif key in tied:
                found.append(Region(text[start:end], tied[key], "corpus", start, end))
            else:
                continue
            taken = end
    return found


@lru_cache(maxsize=1)
def subdivision_table() -> dict[str, str]:
    """Folded subdivision name -> country, for the names that belong to one country only and are not also a
    country's name, a demonym or an everyday word ("Somali" is a region of Ethiopia and a people; "Delta" a word)."""
    import pycountry

    from .countries import FOLDED_NAMES, countries_in

    owners: dict[str, set[str]] = defaultdict(set)
    for sub in pycountry.subdivisions:
        country = _country_name(sub.country_code, FOLDED_NAMES)
        if not country:
            continue
        key = fold(sub.name)
        if len(key) >= 4 and not countries_in(sub.name):
            owners[key].add(country)
    return {key: next(iter(countries)) for key, countries in owners.items()
            if len(countries) == 1 and not _excluded(key)}


@dataclass
class CorpusNames:
    """Proper names the indexed country reports tie to one country: a name whose mentions fall in at least
    `tuning.CORPUS_NAME_SHARE` of the documents of one country, among the single-country reports that mention it."""

    countries: dict[str, str] = field(default_factory=dict)  # folded name -> country

    @classmethod
    def from_documents(cls, documents: Iterable[tuple[str, str]]) -> "CorpusNames":
        """`documents`: (country, whole text) of each single-country report; a name counts once a document."""
        from .countries import countries_in

        docs_by_name: dict[str, Counter] = defaultdict(Counter)
        written: dict[str, str] = {}
        for country, text in documents:
            names = {m.group(0) for m in _NAME.finditer(text)}
            names |= {w for name in names for w in name.split()[1:]}
            for name in names:
                key = fold(name)
                written.setdefault(key, name)
                docs_by_name[key][country] += 1
        tied = {}
        for key, counts in docs_by_name.items():
            country, top = counts.most_common(1)[0]
            if sum(counts.values()) >= tuning.CORPUS_NAME_MIN_DOCUMENTS \
                    and top / sum(counts.values()) >= tuning.CORPUS_NAME_SHARE \
                    and not _excluded(key) and not countries_in(written[key]):
                tied[key] = country
        return cls(tied)

    @classmethod
    def from_chunks(cls, texts: list[str], metas: list[dict], types: tuple[str, ...] = ("coi", "case-summary"),
                    home_country: str = "") -> "CorpusNames":
        """From the index's chunks: each document of one country (not the deciding state) counted once."""
        joined: dict[str, list[str]] = defaultdict(list)
        country_of: dict[str, str] = {}
        for text, meta in zip(texts, metas):
            countries = [c.strip() for c in (meta.get("country") or "").split(",") if c.strip()]
            if meta.get("doc_type") not in types or len(countries) != 1 or countries[0] == home_country:
                continue
            doc = meta.get("doc_id") or meta.get("source", "")
            joined[doc].append(text)
            country_of[doc] = countries[0]
        return cls.from_documents((country_of[doc], "\n".join(parts)) for doc, parts in joined.items())


def _country_name(code: str, folded: dict[str, str]) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return ""
    for name in (getattr(country, "common_name", ""), country.name, getattr(country, "official_name", "")):
        key = "".join(c for c in unicodedata.normalize("NFKD", name or "") if not unicodedata.combining(c)).lower()
        if key in folded:
            return folded[key]
    return country.name


def _excluded(key: str) -> bool:
    """A country's own name or demonym, a stop word, or an everyday word of English or Swedish."""
    return len(key) < 4 or key in _common_keys()


@lru_cache(maxsize=1)
def _common_keys() -> frozenset[str]:
    from .countries import FOLDED_NAMES
    from .places import everyday_words, stop_words

    words = set(everyday_words()) | stop_words() | set(FOLDED_NAMES)
    return frozenset(fold(w) for w in words)
