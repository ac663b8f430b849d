"""Where sentences end: the chunker's splitter (chunk boundaries) and the answerer's (quotable sentences).

There are two splitters, on purpose, and they stay two until a change of figures is wanted:

- `chunk_sentence_spans` cuts a paragraph where a full stop is followed by a capital or a digit; a line break
  inside a paragraph (a PDF's wrapped line) does not end a sentence. Chunk ids derive from chunk text, so any
  change here moves chunk boundaries and re-embeds every index.
- `split_sentences` cuts a passage into the sentences the answerer may quote (and the LLM check reads): also at
  every line break, so that a heading or a list item is never glued to the sentence after it.

Measured on 2026-11-30 (issue #11): chunking with the answerer's splitter keeps the 47 chunk ids of the demo corpus
but changes 31 of the 2,852 chunks of ../shared/corpus. Giving the chunker the answerer's abbreviations as well
keeps every chunk id of both corpora; giving the answerer the chunker's changes the quotable sentences of 5
shared-corpus chunks ("Protocols Nos. 11", "bet. 2000/01:SfU8", "rskr. 2000/01:143"). So each keeps its own list:
the abbreviations both honour are `ABBREVIATIONS`, and each adds those only it honours.
"""
from __future__ import annotations

import re
from typing import Iterator

# Words after which a full stop ends no sentence, for both splitters (lower case, without the final stop).
ABBREVIATIONS = frozenset({
    "art", "aug", "ca", "cf", "dec", "dr", "dvs", "feb", "ibid", "inc", "jan", "jfr", "kap", "mr", "ms", "no",
    "nov", "nr", "oct", "op", "para", "paras", "prop", "resp", "sept", "st", "vs",
})
# The answerer's splitter reads the last word before the stop: "t.ex." ends in "ex", "m.fl." in "fl", "bl.a." in a
# single letter (every single letter is an initial or an abbreviation to both splitters).
_QUOTE_ABBREVIATIONS = ABBREVIATIONS | {"ang", "bl", "enl", "ex", "fl", "forts", "prof"}
# The chunker's splitter compares the whole last word, inner stops included.
_CHUNK_ABBREVIATIONS = ABBREVIATIONS | {
    "bet", "bl.a", "cit", "d.v.s", "dnr", "e.g", "etc", "f.d", "i.e", "m.fl", "m.m", "nos", "o.d", "osv", "p",
    "p.g.a", "ref", "rskr", "s", "s.k", "sfs", "t.ex", "u.s", "v",
}

_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+[\"'”’)]*|$)", re.M)
_ABBREV_END = re.compile(r"(?:\b(?:" + "|".join(sorted(_QUOTE_ABBREVIATIONS)) + r")|\b\w)\.$", re.I)
# what the answerer's splitter cuts by (the sentence vectors stored at ingest record it, sentence_vectors.py)
SPLITTER_PATTERNS = (_SENTENCE.pattern, _ABBREV_END.pattern)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)]*\s+(?=[\"'“‘(]?[A-ZÅÄÖÉÜ0-9§])")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a passage; abbreviations like "bl.a." and "4 kap." do not end a sentence."""
    spans: list[tuple[int, int]] = []
    pending = None
    for m in _SENTENCE.finditer(text):
        start, end = strip_span(text, m.start(), m.end())
        if end <= start:
            continue
        if pending is not None:
            start = pending
            pending = None
        if _ABBREV_END.search(text[start:end]) and end < len(text) and text[end:end + 1] != "\n":
            pending = start
            continue
        spans.append((start, end))
    if pending is not None and pending < len(text):
        spans.append((pending, len(text.rstrip())))
    return spans


def chunk_sentence_spans(paragraph: str) -> Iterator[tuple[int, int]]:
    """Sentence spans of one paragraph, for packing chunks: a stop ends a sentence when a capital or digit follows."""
    pos = 0
    for m in _SENTENCE_END.finditer(paragraph):
        before = paragraph[pos:m.start()].rstrip("\"'”’)").split()
        last_word = before[-1].rstrip(".").lower() if before else ""
        if last_word in _CHUNK_ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue
        yield strip_span(paragraph, pos, m.start())
        pos = m.end()
    if paragraph[pos:].strip():
        yield strip_span(paragraph, pos, len(paragraph))


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the white space at either end."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
