"""Which sentences of the retrieved passages may be quoted, which of them are chosen, and whether a quote is real.

Shared by the answerer, the premise section and the claim check: one splitter, one choice, one verbatim test.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Container

import numpy as np

from .. import datafiles, tuning
from ..records import Passage
from ..sentences import SPLITTER_PATTERNS, split_sentences
from .types import Citation


@dataclass(frozen=True)
class Sentence:
    passage_index: int
    text: str
    start: int  # offset in the passage text
    end: int


_LEADING_MARKERS = re.compile(r"(?:\[\d+\]\s*)+")
_TRAILING_MARKERS = re.compile(r"(?:\s*\[\d+\])+$")
_MARKER_IN_TEXT = re.compile(r"\[\d+\]")
_DISCLAIMER = re.compile(r"fiktiv|fictional|påhittad|invented for training", re.I)
_HOLDING = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in datafiles.holding_phrases()) + r")(?!\w)", re.I)


def candidate_sentences(passages: list[Passage], per_passage: int = tuning.SENTENCES_PER_PASSAGE,
                        skip: Container[str] | None = None) -> list[Sentence]:
    """Quotable sentences (`quotable_spans`) of the passages, less the disclaimers of fictional ones and those in
    `skip` (the index's `Boilerplate`: templates and navigation)."""
    out = []
    for pi, passage in enumerate(passages):
        for start, end in quotable_spans(passage.text, per_passage):
            text = passage.text[start:end]
            if (passage.fictional and _DISCLAIMER.search(text)) or (skip is not None and text in skip):
                continue
            out.append(Sentence(pi, text, start, end))
    return out


def quotable_spans(text: str, per_passage: int = tuning.SENTENCES_PER_PASSAGE) -> list[tuple[int, int]]:
    """Where the sentences a passage's text may be quoted by are (what ingest embeds, sentence_vectors.py). A bracketed
    number ("[9]") at either edge of a sentence is left out of its quote and a sentence with one inside is not
    quoted: a source's own brackets never pose as the answer's citation markers. Nor is a heading, or a sentence of
    fewer than `tuning.MIN_QUOTE_WORDS` or more than `tuning.MAX_QUOTE_WORDS` words."""
    out = []
    for start, end in split_sentences(text)[:per_passage]:
        lead = _LEADING_MARKERS.match(text, start, end)
        trail = _TRAILING_MARKERS.search(text, start, end)
        start, end = (lead.end() if lead else start), (trail.start() if trail else end)
        sentence = text[start:end]
        if not sentence or _MARKER_IN_TEXT.search(sentence):
            continue
        if not tuning.MIN_QUOTE_WORDS <= len(sentence.split()) <= tuning.MAX_QUOTE_WORDS or _is_heading(sentence):
            continue
        out.append((start, end))
    return out


def quoting_rules() -> tuple:
    """Everything `quotable_spans` decides by: a change here changes which sentences ingest embeds."""
    return (SPLITTER_PATTERNS, _LEADING_MARKERS.pattern, _TRAILING_MARKERS.pattern, _MARKER_IN_TEXT.pattern,
            tuning.MIN_QUOTE_WORDS, tuning.MAX_QUOTE_WORDS, tuning.SENTENCES_PER_PASSAGE, tuning.HEADING_MAX_WORDS)


def choose(sentences: list[Sentence], score: np.ndarray, vectors: dict, threshold: float, limit: int) -> list[int]:
    """The best sentence, then (maximal marginal relevance) the next ones that score well and say something
    the chosen ones do not, down to `tuning.ANSWER_WINDOW` under the best; at least `tuning.MIN_SENTENCES`
    when sentences within `tuning.SECOND_WINDOW` exist; at most `limit`."""
    order = [int(i) for i in np.argsort(-score) if score[i] > -1]
    if not order:
        return []
    best = score[order[0]]
    chosen = [order[0]]
    pool = [i for i in order[1:] if score[i] >= min(best - tuning.ANSWER_WINDOW, threshold)
            or (len(chosen) < tuning.MIN_SENTENCES and score[i] >= best - tuning.SECOND_WINDOW)]
    while pool and len(chosen) < limit:
        def value(i: int) -> float:
            similar = max((float(vectors[i] @ vectors[j]) for j in chosen if i in vectors and j in vectors),
                          default=0.0)
            return score[i] - tuning.REDUNDANCY * similar
        pick = max(pool, key=value)
        pool.remove(pick)
        within = score[pick] >= max(threshold, best - tuning.ANSWER_WINDOW) \
            or (len(chosen) < tuning.MIN_SENTENCES and score[pick] >= best - tuning.SECOND_WINDOW)
        if not within:
            continue
        if any(near_duplicate(sentences[pick].text, sentences[j].text) for j in chosen):
            continue
        chosen.append(pick)
    return chosen


def near_duplicate(a: str, b: str) -> bool:
    """Two sentences that share most of their words (`tuning.NEAR_DUPLICATE` of the shorter one's)."""
    wa, wb = set(a.lower().split()), set(b.lower().split())
    return bool(wa and wb) and len(wa & wb) / min(len(wa), len(wb)) > tuning.NEAR_DUPLICATE


def states_holding(sentence: str) -> bool:
    """The sentence states what a court or committee decided ("Kommittén drog slutsatsen att ...")."""
    return bool(_HOLDING.search(sentence))


def citations_by_passage(passages: list[Passage], sentences: list[Sentence], chosen: list[int],
                         order: list[int], first_marker: int = 1) -> list[Citation]:
    """The chosen sentences as citations: one marker a passage, passages in `order`, quotes in reading order."""
    by_passage: dict[int, list[int]] = {}
    for i in chosen:
        by_passage.setdefault(sentences[i].passage_index, []).append(i)
    out = []
    for marker, pi in enumerate(order, start=first_marker):
        for i in sorted(by_passage[pi], key=lambda j: sentences[j].start):
            out.append(Citation.from_passage(marker, passages[pi], sentences[i].start, sentences[i].end))
    return out


def verify_citations(citations: list[Citation], passages: list[Passage]) -> list[str]:
    """Problems with citations: a quote that is not verbatim in the passage it claims to come from."""
    by_id = {p.id: p for p in passages}
    problems = []
    for c in citations:
        p = by_id.get(c.passage_id)
        if p is None:
            problems.append(f"[{c.marker}] cites a passage that was not retrieved")
        elif p.text[c.start - p.start:c.end - p.start] != c.quote:
            problems.append(f"[{c.marker}] quote is not verbatim at its offsets in {p.source}")
    return problems


def _is_heading(text: str) -> bool:
    """A line without closing punctuation, e.g. a title or heading repeated at the top of a section."""
    return "\n" not in text and text.rstrip("\"”’)")[-1:] not in ".!?…" \
        and len(text.split()) < tuning.HEADING_MAX_WORDS
