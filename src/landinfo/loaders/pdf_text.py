"""Repairs for what pypdf's text extraction gets wrong on real PDFs.

pypdf splits words ("N o Contracting", "c o n v e n t i o n", "protec-" / "tion") but never invents
them. So a repair joins fragments only when the document itself vouches for the result: the joined
word occurs intact elsewhere in it, or a fragment is plainly no word of its own.
"""
from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter

from .normalize import normalize_text

_WORD = re.compile(r"[^\W\d_]{2,}")
_COMPOUND = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")
_ONE_LETTER_WORDS = {"a", "i"}  # English "a", "I"; Swedish "i"

# A lone letter, then the rest of its word: "N o Contracting", "T he", "(1) H\nas been", "D\necisions"
_SPLIT_INITIAL = re.compile(r"(?<![^\s(\[“‘])([^\W\d_])( ?\n ?| )([^\W\d_]+)")
# A word, then its last letter: "an d", "par t" (but not the elision in "de l’Union")
_SPLIT_FINAL = re.compile(r"(?<!\S)([^\W\d_]{2,}) ([^\W\d_])(?![\w’'])")
# The same two, minus "a" and "I", and a word hyphenated across a line end: what the vocabulary skips
_LONE_LETTER_THEN_REST = re.compile(r"(?<![^\s(\[“‘])(?![aAiI]\W)[^\W\d_](?: ?\n ?| )[^\W\d_]+")
_REST_THEN_LONE_LETTER = re.compile(r"(?<!\S)[^\W\d_]{2,} (?![aAiI](?!\w))[^\W\d_](?![\w’'])")
_LINE_END_HYPHENATION = re.compile(r"[^\W\d_]+ ?[-\u2010\u00ad] *\n\s*[^\W\d_]+")

_LETTER_OR_GAP = re.compile(r"( +)")
_ENUMERATORS_ONLY = re.compile(r"\s*(?:\(?\w{1,4}[.)]\s*)*$")  # "", "1. ", "(2) ", "A. "
_SPACED_HYPHEN = re.compile(r"(?<![\w-])([^\W\d_]+)- ([^\W\d_]+)")  # "non- compliance" inside a line
_LAST_WORD = re.compile(r"([^\W\d_]+)$")
_FIRST_WORD = re.compile(r"[^\W\d_]+")
_SOFT_HYPHEN = re.compile(" ?\u00ad ?")
_HYPHENATED_PREFIXES = {"non", "self", "ex", "quasi", "well", "half", "cross", "anti"}
_HYPHENS = ("-", "\u2010", "\u00ad")
_PARAGRAPH_END = tuple(".!?:;”\"'»)")
_ENUMERATION = re.compile(r"^(?:\(?\d{1,3}[.)]|\([a-zivx]{1,5}\)|[a-z]\)|[•▪–—] )")


class Vocabulary:
    """Lower-cased words (two letters or more) and hyphenated compounds that occur intact in a document.

    What may be the halves of a broken word is left out ("protec-" / "tion" across a line end, a lone
    letter and what follows it), so that a fragment never counts as a word of its own.
    """

    def __init__(self, texts) -> None:
        self.words: Counter[str] = Counter()
        for text in texts:
            intact = _LINE_END_HYPHENATION.sub(" ", text)
            intact = _REST_THEN_LONE_LETTER.sub(" ", _LONE_LETTER_THEN_REST.sub(" ", intact))
            self.words.update(w.lower() for w in _WORD.findall(intact))
            self.words.update(w.lower() for w in _COMPOUND.findall(intact))

    def is_word(self, token: str) -> bool:
        lowered = token.lower()
        return lowered in _ONE_LETTER_WORDS if len(token) == 1 else lowered in self.words

    def knows(self, word: str) -> bool:
        return word.lower() in self.words


def _join_letter_spacing(line: str) -> str:
    """'c o n v e n t i o n  a n d' -> 'convention and': letters one gap apart, words a wider gap apart."""
    parts = _LETTER_OR_GAP.split(line.strip())
    tokens, gaps = parts[0::2], parts[1::2]
    singles = sum(1 for t in tokens if len(t) == 1 and t.isalpha())
    if singles < 3 or singles * 2 < len(tokens):
        return line
    letter_gap = min((len(g) for i, g in enumerate(gaps) if len(tokens[i]) == 1 or len(tokens[i + 1]) == 1),
                     default=1)
    out = [tokens[0]]
    for gap, left, right in zip(gaps, tokens, tokens[1:]):
        inside_word = len(gap) <= letter_gap and (len(left) == 1 or len(right) == 1)
        out.append(right if inside_word else " " + right)
    return "".join(out)


def _rejoin(first: str, second: str, vocabulary: Vocabulary) -> str:
    """'protec' + 'tion' -> 'protection'; 'third' + 'country' -> 'third-country'; 'non' + 'refoulement' -> 'non-refoulement'."""
    if vocabulary.knows(first + second):
        return first + second
    compound = f"{first}-{second}"
    if vocabulary.knows(compound) or first.lower() in _HYPHENATED_PREFIXES:
        return compound
    if vocabulary.is_word(first) and vocabulary.is_word(second):
        return compound
    return first + second


def _drop_cap(match: re.Match) -> bool:
    """A big initial: alone on its line ("D\necisions"), or after an enumerator ("(1) E nsuring")."""
    letter, gap, _ = match.groups()
    line_start = match.string.rfind("\n", 0, match.start()) + 1
    before = match.string[line_start:match.start()]
    return letter.isupper() and bool(_ENUMERATORS_ONLY.match(before)) and ("\n" in gap or before.strip() != "")


def _join_split_letters(text: str, vocabulary: Vocabulary) -> str:
    def initial(match: re.Match) -> str:
        letter, gap, rest = match.groups()
        if not rest[0].islower():
            return match.group(0)
        joined = letter + rest
        if vocabulary.is_word(letter):  # "a t" -> "at", but "a new" stays
            plausible = vocabulary.knows(joined) and not vocabulary.is_word(rest)
        elif _drop_cap(match):  # "D\necisions" -> "Decisions", "(1) E nsuring" -> "Ensuring"
            plausible = vocabulary.knows(joined) or not vocabulary.is_word(rest)
        else:  # "t he" -> "the", but "s largest" stays
            plausible = vocabulary.knows(joined)
        return joined if plausible else match.group(0)

    def final(match: re.Match) -> str:
        rest, letter = match.groups()
        joined = rest + letter
        if vocabulary.knows(joined) and not vocabulary.is_word(letter):
            return joined
        return match.group(0)

    def hyphen(match: re.Match) -> str:  # "non- compliance": joined only on evidence, else left alone
        first, second = match.groups()
        evidence = (vocabulary.knows(first + second) or vocabulary.knows(f"{first}-{second}")
                    or first.lower() in _HYPHENATED_PREFIXES)
        return _rejoin(first, second, vocabulary) if evidence else match.group(0)

    text = _SPLIT_FINAL.sub(final, _SPLIT_INITIAL.sub(initial, text))
    return _SPACED_HYPHEN.sub(hyphen, text)


def _dehyphenate(left: str, right: str, vocabulary: Vocabulary) -> str:
    """Join a paragraph so far ending in 'protec-' and a line starting 'tion ...'."""
    head = _LAST_WORD.search(left[-64:-1])  # the tail only: `left` is a whole paragraph so far
    tail = _FIRST_WORD.match(right)
    if left.endswith("\u00ad") or not (head and tail):
        return left[:-1] + right
    first, second = head.group(1), tail.group(0)
    return left[:-1 - len(first)] + _rejoin(first, second, vocabulary) + right[len(second):]


def _paragraphs(lines: list[str], vocabulary: Vocabulary) -> str:
    """Lines of one page joined into paragraphs; a short line, or a finished sentence short of the margin, ends one."""
    lengths = [len(line) for line in lines if line]
    if not lengths:
        return ""
    full = statistics.quantiles(lengths, n=5)[-1] if len(lengths) >= 5 else max(lengths)
    paragraphs: list[str] = []
    current = ""
    for i, line in enumerate(lines):
        if not line:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        if not current:
            current = line
        elif current.endswith(_HYPHENS) and current[-2:-1].isalpha() and line[0].islower():
            current = _dehyphenate(current, line, vocabulary)
        elif current.endswith("-") and current[-2:-1].isalpha() and line[0].isupper():
            current += line  # "Secretary-" + "General"
        else:
            current += " " + line
        following = lines[i + 1] if i + 1 < len(lines) else ""
        ends = len(line) < 0.6 * full or (line.endswith(_PARAGRAPH_END) and len(line) < 0.85 * full) or (
            line.endswith((".", ";", ":")) and _ENUMERATION.match(following))
        if ends and not line.endswith(_HYPHENS):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _join_tab_separated(line: str, vocabulary: Vocabulary) -> str:
    """'The\ts entence \tin \tbr ackets': where tabs separate the words, a space inside a word is spurious."""
    chunks = line.split("\t")
    if len(chunks) < 4 or any(len(chunk.split()) > 2 for chunk in chunks):
        return line
    words = []
    for chunk in chunks:
        parts = chunk.split()
        if len(parts) == 2 and (vocabulary.knows("".join(parts)) or not any(map(vocabulary.is_word, parts))):
            parts = ["".join(parts)]
        words += parts
    return " ".join(words)


def repair_page(raw: str, vocabulary: Vocabulary) -> str:
    """One page of pypdf text as readable paragraphs."""
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_join_tab_separated(line, vocabulary).replace("\t", " ") for line in text.split("\n"))
    text = "\n".join(_join_letter_spacing(line) for line in lines)
    text = _join_split_letters(text, vocabulary)
    lines = [_SOFT_HYPHEN.sub("\u00ad", " ".join(line.split())) for line in text.split("\n")]
    return normalize_text(_paragraphs(lines, vocabulary))
