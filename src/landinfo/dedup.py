"""The same document in several files (a judgment as .txt, .xhtml and .docx): found, and one copy chosen.

Two documents are copies when they share an identifier (MIG number or case number) and one's text is
contained in the other's (word 5-shingle containment >= 0.8), or when their texts are near-identical
(containment >= 0.95 both ways) and their references do not contradict each other: two short case
summaries with the same boilerplate but different case names ("A.G. mot Sverige", "A.R. mot Sverige")
are different documents. Candidate pairs come from the shared identifiers and
from MinHash banding; only those are compared shingle by shingle.

An abridged copy (under 80% of the longest copy's length) is a duplicate but never the canonical one,
whatever its format: indexing it alone would lose the rest of the judgment.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Sequence

import numpy as np

from landinfo.records import DocMeta

SHINGLE_WORDS = 5
SHARED_REFERENCE_CONTAINMENT = 0.8
TEXT_ONLY_CONTAINMENT = 0.95
ABRIDGED_BELOW = 0.8  # share of the longest copy's shingles under which a copy counts as abridged
MIN_SHINGLES = 30  # texts shorter than this are never judged copies on text alone
NUM_HASHES, BANDS = 64, 16
FORMAT_RANK = {".txt": 0, ".md": 0, ".xhtml": 1, ".html": 1, ".htm": 1, ".docx": 2, ".pdf": 3}
IDENTIFIER_RE = re.compile(r"^(?:MIG \d{4}:\d+|UM \d+-\d{2})$")

_rng = np.random.default_rng(20240901)
_MULTIPLIERS = _rng.integers(1, 2**63, NUM_HASHES, dtype=np.uint64) | np.uint64(1)
_OFFSETS = _rng.integers(0, 2**63, NUM_HASHES, dtype=np.uint64)


@dataclass(frozen=True)
class DuplicateGroup:
    canonical: str  # the source to index
    duplicates: tuple[str, ...]  # the other sources holding the same document
    reason: str


def shingles(text: str) -> frozenset[int]:
    words = re.findall(r"\w+", text.lower())
    if len(words) < SHINGLE_WORDS:
        return frozenset([hash(" ".join(words))]) if words else frozenset()
    return frozenset(hash(" ".join(words[i:i + SHINGLE_WORDS])) for i in range(len(words) - SHINGLE_WORDS + 1))


def _signature(shingle_set: frozenset[int]) -> np.ndarray:
    values = np.fromiter(shingle_set, dtype=np.int64, count=len(shingle_set)).view(np.uint64)
    with np.errstate(over="ignore"):
        hashed = values[:, None] * _MULTIPLIERS[None, :] + _OFFSETS[None, :]
    return hashed.min(axis=0)


def _containment(a: frozenset[int], b: frozenset[int]) -> tuple[float, float]:
    """(share of the smaller set found in the larger, share of the larger found in the smaller)."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    if not small:
        return 0.0, 0.0
    common = len(small & large)
    return common / len(small), common / len(large)


def _identifiers(meta: DocMeta) -> set[str]:
    return {ref for ref in meta.references if IDENTIFIER_RE.match(ref)}


def group_duplicates(docs: Sequence[tuple[str, DocMeta, str]]) -> list[DuplicateGroup]:
    """Groups of copies among (source, meta, full text); documents with no copy are left out."""
    sets = [shingles(text) for _, _, text in docs]
    candidates: dict[tuple[int, int], str] = {}
    by_identifier: dict[str, list[int]] = defaultdict(list)
    for i, (_, meta, _) in enumerate(docs):
        for identifier in _identifiers(meta):
            by_identifier[identifier].append(i)
    for identifier, members in by_identifier.items():
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                candidates.setdefault((i, j), identifier)
    rows = NUM_HASHES // BANDS
    buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
    for i, shingle_set in enumerate(sets):
        if len(shingle_set) >= MIN_SHINGLES:
            signature = _signature(shingle_set)
            for band in range(BANDS):
                buckets[(band, signature[band * rows:(band + 1) * rows].tobytes())].append(i)
    for members in buckets.values():
        for x, i in enumerate(members):
            for j in members[x + 1:]:
                candidates.setdefault((i, j), "")

    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    evidence: dict[int, list[str]] = defaultdict(list)
    for (i, j), identifier in candidates.items():
        shared = _identifiers(docs[i][1]) & _identifiers(docs[j][1])
        refs_i, refs_j = set(docs[i][1].references), set(docs[j][1].references)
        conflicting = bool(refs_i and refs_j and not refs_i & refs_j)  # templated texts of different cases
        contained, mutual = _containment(sets[i], sets[j])
        if shared and contained >= SHARED_REFERENCE_CONTAINMENT:
            note = f"same {', '.join(sorted(shared))}, text contained {contained:.2f}"
        elif not conflicting and min(len(sets[i]), len(sets[j])) >= MIN_SHINGLES and mutual >= TEXT_ONLY_CONTAINMENT:
            note = f"near-identical text ({mutual:.2f})"
        else:
            continue
        root_i, root_j = find(i), find(j)
        if root_i != root_j:
            parent[root_j] = root_i
            evidence[root_i].extend(evidence.pop(root_j, []))
        evidence[root_i].append(note)

    components: dict[int, list[int]] = defaultdict(list)
    for i in range(len(docs)):
        components[find(i)].append(i)
    groups = []
    for root, members in components.items():
        if len(members) > 1:
            groups.append(_group([docs[i][0] for i in members], [len(sets[i]) for i in members], evidence[root]))
    return sorted(groups, key=lambda g: g.canonical)


def _group(sources: list[str], sizes: list[int], notes: list[str]) -> DuplicateGroup:
    longest = max(sizes)
    complete = [s for s, n in zip(sources, sizes) if n >= ABRIDGED_BELOW * longest]
    canonical = min(complete, key=lambda s: (FORMAT_RANK.get(PurePosixPath(s).suffix.lower(), 9), len(s), s))
    reason = "; ".join(dict.fromkeys(notes))
    abridged = [f"{s} is abridged ({n / longest:.0%} of the longest copy)"
                for s, n in zip(sources, sizes) if n < ABRIDGED_BELOW * longest]
    if abridged:
        reason += "; " + "; ".join(abridged)
    return DuplicateGroup(canonical, tuple(sorted(s for s in sources if s != canonical)), reason)
