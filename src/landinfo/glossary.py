"""Bilingual Swedish <-> English glossary of asylum, country-of-origin and human-rights terms.

BM25 cannot match a Swedish question to an English report (or the reverse), so the lexical
query is expanded with the other language's words for each domain concept the question
mentions. Matching is on lower-cased whole words before stemming, so each concept lists the
inflected and derived forms that questions and the corpus actually use.

    translate_terms("Vilken risk för tortyr föreligger vid återvändande till Iran?", "sv")
    -> ["return", "returned", ..., "torture", "tortured", ..., "risk", "risks", "at risk", "iran", ...]

Swedish compounds not listed are still matched when a listed Swedish form of at least
five letters is the start ("tortyrrisk" -> torture) or the head ("leukemisjukdom" -> illness)
of the word. `detect_language` tells Swedish from English by stop words and å/ä/ö.

The concepts are data/glossary.tsv (one concept a row, Swedish forms and English forms), the forms never
matched inside a compound data/glossary-whole-words.txt, the stop words data/stopwords/.
"""
from __future__ import annotations

import re

from . import datafiles

__all__ = ["CONCEPTS", "translate_terms", "detect_language"]

# One entry per concept, in the order of data/glossary.tsv: (Swedish forms, English forms). Forms are
# lower-case; multi-word forms are phrases. The first English form of a country is its plain English name.
CONCEPTS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = datafiles.glossary()
# Forms that are ordinary words or common word endings in Swedish: matched as whole words only,
# never as the start or head of a compound ("domen" in "ungdomen", "förvar" in "förvarv").
_NO_COMPOUND = datafiles.whole_words()
_COMPOUND_MIN = 5     # a listed form must be this long to count as part of a longer compound
_PREFIX_REST = 2      # what follows a matched start: at least an inflection or a linking "s" + one letter
_HEAD_REST = 3        # what precedes a matched head: at least a short word ("ingripande" is not "gripande")

_TOKEN = re.compile(r"[^\W_]+")
_LANGUAGES = ("sv", "en")


def _words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _build() -> tuple[dict[str, dict[tuple[str, ...], list[int]]], dict[str, int], dict[str, list[int]]]:
    phrases: dict[str, dict[tuple[str, ...], list[int]]] = {lang: {} for lang in _LANGUAGES}
    for index, forms_by_language in enumerate(CONCEPTS):
        for lang, forms in zip(_LANGUAGES, forms_by_language):
            for form in forms:
                key = tuple(_words(form))
                if key:
                    ids = phrases[lang].setdefault(key, [])
                    if index not in ids:
                        ids.append(index)
    longest = {lang: max(len(k) for k in table) for lang, table in phrases.items()}
    compound_parts = {
        key[0]: ids for key, ids in phrases["sv"].items()
        if len(key) == 1 and len(key[0]) >= _COMPOUND_MIN and key[0] not in _NO_COMPOUND
    }
    return phrases, longest, compound_parts


_PHRASES, _LONGEST, _COMPOUND_PARTS = _build()


def _single_word(word: str, lang: str) -> tuple[list[tuple[int, int]], bool]:
    """Concept ids for one word, each with the length of text matched; and whether it matched whole."""
    table = _PHRASES[lang]
    ids = table.get((word,))
    if ids:
        return [(i, len(word)) for i in ids], True
    # Swedish genitive and English plural/third person: "Irans", "Migrationsverkets", "deportations".
    if word.endswith("s") and len(word) >= 5:
        ids = table.get((word[:-1],))
        if ids:
            return [(i, len(word) - 1) for i in ids], True
    if lang != "sv":
        return [], False
    found: list[tuple[int, int]] = []
    prefix_len = 0
    for end in range(len(word) - _PREFIX_REST, _COMPOUND_MIN - 1, -1):
        ids = _COMPOUND_PARTS.get(word[:end])
        if ids:
            found += [(i, end) for i in ids]
            prefix_len = end
            break
    for start in range(max(_HEAD_REST, prefix_len), len(word) - _COMPOUND_MIN + 1):
        ids = _COMPOUND_PARTS.get(word[start:])
        if ids:
            found += [(i, len(word) - start) for i in ids]
            break
    return found, False


def translate_terms(query: str, source_language: str) -> list[str]:
    """The other language's forms of every glossary concept that `query` mentions.

    Whole words and phrases match case-insensitively; the longest phrase wins, and the words it
    covers are not matched again. In Swedish, a word the glossary lacks also matches by its start
    or its head ("tortyrrisk" -> torture). Concepts matched by longer phrases come first; no
    form is returned twice. `source_language` is "sv" or "en".
    """
    if source_language not in _LANGUAGES:
        raise ValueError(f"source_language must be 'sv' or 'en', not {source_language!r}")
    target = 1 if source_language == "sv" else 0
    words = _words(query)
    table = _PHRASES[source_language]
    used = [False] * len(words)
    matches: list[tuple[int, int, int, int]] = []  # (words in phrase, letters, position, concept)
    for size in range(min(_LONGEST[source_language], len(words)), 1, -1):
        for start in range(len(words) - size + 1):
            if any(used[start:start + size]):
                continue
            ids = table.get(tuple(words[start:start + size]))
            if ids:
                used[start:start + size] = [True] * size
                letters = sum(len(w) for w in words[start:start + size])
                matches += [(size, letters, start, i) for i in ids]
    for position, word in enumerate(words):
        if not used[position]:
            found, _ = _single_word(word, source_language)
            matches += [(1, letters, position, i) for i, letters in found]
    matches.sort(key=lambda m: (-m[0], -m[1], m[2]))
    out: dict[str, None] = {}
    seen: set[int] = set()
    for *_, concept in matches:
        if concept in seen:
            continue
        seen.add(concept)
        for form in CONCEPTS[concept][target]:
            out.setdefault(form, None)
    return list(out)


_STOP = datafiles.stopwords("question")
_SWEDISH_LETTERS = frozenset("åäö")


def _vocabulary_only(lang: str) -> frozenset[str]:
    other = "en" if lang == "sv" else "sv"
    own = {k[0] for k in _PHRASES[lang] if len(k) == 1}
    theirs = {k[0] for k in _PHRASES[other] if len(k) == 1}
    return frozenset(own - theirs)


_GLOSSARY_ONLY = {lang: _vocabulary_only(lang) for lang in _LANGUAGES}


def detect_language(text: str) -> str:
    """ "sv" or "en": Swedish and English stop words counted, å/ä/ö counted for Swedish.

    Ties go to the glossary words of each language, then to Swedish (the agency's language).
    """
    words = _words(text)
    sv = sum(w in _STOP["sv"] for w in words) + sum(any(c in _SWEDISH_LETTERS for c in w) for w in words)
    en = sum(w in _STOP["en"] for w in words)
    if sv == en:
        sv = sum(w in _GLOSSARY_ONLY["sv"] for w in words)
        en = sum(w in _GLOSSARY_ONLY["en"] for w in words)
    return "en" if en > sv else "sv"
