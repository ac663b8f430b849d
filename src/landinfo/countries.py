"""Country names in Swedish and English text, mapped to one English name.

Names are matched case-sensitively ("Turkey", not "turkey"; "Jordanien", not "jordan");
Swedish adjectives and demonyms by their stem ("iransk", "iranska", "irakier", "afghaner").
The table of names, stems and adjectives is data/countries.tsv.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from . import datafiles

STRONG_BEFORE = re.compile(
    r"(?:\btill|\bfrån|\bhemlandet|\bhemland|medborgare\s+i|medborgarskap\s+i|\bursprungligen\s+från|national\s+of"
    r"|citizen\s+of|\breturn(?:ed)?\s+to|\bdeport\w*\s+to|\bexpel\w*\s+to|\bremov\w*\s+to|\bfrom)\s*\(?\s*$",
    re.IGNORECASE,
)
STRONG_AFTER = re.compile(
    r"^\s+(?:medborgare|man|kvinna|familj|mor|far|make|maka|makar|par|pojke|flicka|pojkar|flickor|män|kvinnor"
    r"|barn|asylsökande|klagande|national|citizen|man|woman|family|asylum)", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    country: str
    start: int
    end: int
    strong: bool  # names a person's nationality or a destination ("iransk medborgare", "utvisning till Irak")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


def _build():
    names: dict[str, list[tuple[tuple[str, ...], str]]] = {}  # first word -> (all words, English name)
    stems: dict[str, str] = {}
    folded: dict[str, str] = {}
    for english, other_names, stem_list, adjectives in datafiles.countries():
        for name in [english, *other_names, *(a + s for a in adjectives for s in ("", "s"))]:
            words = tuple(WORD_RE.findall(name))
            names.setdefault(words[0], []).append((words, english))
            folded.setdefault(_fold(name), english)
        for stem in stem_list:
            stems[stem] = english
    for candidates in names.values():
        candidates.sort(key=lambda pair: -len(pair[0]))  # "South Sudan" before "South Africa"... longest first
    return names, stems, folded


NAMES, STEMS, FOLDED_NAMES = _build()
_PROPER = {_fold(name) for english, others, _, _ in datafiles.countries() for name in (english, *others)}
COUNTRIES = tuple(sorted({english for c in NAMES.values() for _, english in c}))
LONGEST_STEM = max(len(stem) for stem in STEMS)


def _country_at(words: list[re.Match], i: int) -> tuple[str, int] | None:
    """The country named by the words starting at index i, and how many words it takes."""
    word = words[i].group(0)
    for name_words, english in NAMES.get(word, ()):
        n = len(name_words)
        if tuple(w.group(0) for w in words[i:i + n]) == name_words:
            return english, n
    lower = word[0].lower() + word[1:]
    for k in range(min(len(lower), LONGEST_STEM), 3, -1):
        if lower[:k] in STEMS:
            return STEMS[lower[:k]], 1
    return None


def country_mentions(text: str) -> list[Mention]:
    """Every country named in the text, in order, marked strong when it names nationality or destination."""
    words = list(WORD_RE.finditer(text))
    found = []
    i = 0
    while i < len(words):
        hit = _country_at(words, i)
        if not hit:
            i += 1
            continue
        country, n = hit
        start, end = words[i].start(), words[i + n - 1].end()
        strong = bool(STRONG_BEFORE.search(text[max(0, start - 30):start])
                      or STRONG_AFTER.match(text[end:end + 30]))
        found.append(Mention(country, start, end, strong))
        i += n
    return found


def is_proper_name(written: str) -> bool:
    """"Iraq", "Irak": a country's name, not an adjective or demonym ("irakisk", "Iraqi")."""
    return _fold(written) in _PROPER


def countries_in(text: str) -> tuple[str, ...]:
    """The countries a text names, in order of first mention (for a question: "läget i Irak" -> Iraq)."""
    return tuple(dict.fromkeys(m.country for m in country_mentions(text)))


def countries_in_slug(slug: str) -> tuple[str, ...]:
    """Countries in a file name or URL slug, where case and diacritics are lost ("...-i-etiopien", "iran-2024")."""
    words = " " + " ".join(re.split(r"[^a-z]+", _fold(slug))) + " "
    found = []
    for folded, english in sorted(FOLDED_NAMES.items(), key=lambda item: -len(item[0])):
        key = " " + " ".join(re.split(r"[^a-z]+", folded)).strip() + " "
        if len(key.strip()) > 3 and key in words:
            found.append(english)
            words = words.replace(key, "  ")
    return tuple(dict.fromkeys(found))
