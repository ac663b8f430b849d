"""Metrics: plain functions `(item, result) -> float | None`, None where the metric does not apply to the item.

`item` is a Question of the set; `result` is the answer object of `landinfo ask --json`.
"""
from __future__ import annotations

import math
import re
from functools import partial
from typing import Callable

from landinfo.evaluate.questionset import ExpectedSource, Question, contains_normalized, source_matches

Metric = Callable[[Question, dict], "float | None"]
_WHITESPACE = re.compile(r"\s+")


def passage_matches(passage: dict, expected: ExpectedSource) -> bool:
    """The passage is the expected one: right file (or a duplicate of it), right PDF page, and it holds the quote."""
    if not _from_source(passage, expected):
        return False
    if expected.quote and not contains_normalized(passage.get("text", ""), expected.quote):
        return False
    return True


def expected_ranks(item: Question, result: dict, k: int) -> list[int | None]:
    """For each expected source, the 1-based rank of the first top-k passage that matches it, or None."""
    passages = _passages(result)[:k]
    return [next((rank for rank, p in enumerate(passages, 1) if passage_matches(p, e)), None)
            for e in item.expected_sources]


def hit_at(item: Question, result: dict, k: int = 10) -> float | None:
    """1 when any expected passage is among the first k."""
    if not item.expected_sources:
        return None
    return float(any(rank is not None for rank in expected_ranks(item, result, k)))


def recall_at(item: Question, result: dict, k: int = 10) -> float | None:
    """Share of the expected passages found among the first k."""
    if not item.expected_sources:
        return None
    ranks = expected_ranks(item, result, k)
    return sum(rank is not None for rank in ranks) / len(ranks)


def reciprocal_rank(item: Question, result: dict, k: int = 10) -> float | None:
    """1 / rank of the first expected passage among the first k (0 when none); its mean is MRR."""
    if not item.expected_sources:
        return None
    found = [rank for rank in expected_ranks(item, result, k) if rank is not None]
    return 1.0 / min(found) if found else 0.0


def ndcg_at(item: Question, result: dict, k: int = 10) -> float | None:
    """Binary-relevance nDCG: each expected passage earns a gain once, at the first rank that matches it."""
    if not item.expected_sources:
        return None
    credited: set[int] = set()
    dcg = 0.0
    for rank, passage in enumerate(_passages(result)[:k], 1):
        new = [i for i, e in enumerate(item.expected_sources) if i not in credited and passage_matches(passage, e)]
        if new:
            credited.add(new[0])
            dcg += 1.0 / math.log2(rank + 1)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(len(item.expected_sources), k) + 1))
    return dcg / ideal


def citation_precision(item: Question, result: dict) -> float | None:
    """Share of citations that point into an expected source or hold a key point."""
    citations = result.get("citations") or []
    if not citations:
        return None
    passages = {p.get("id"): p for p in _passages(result)}
    good = 0
    for citation in citations:
        passage = passages.get(citation.get("passage_id"), {})
        cited = {**citation, "duplicates": passage.get("duplicates") or []}
        text = f"{passage.get('text', '')}\n{citation.get('quote', '')}"
        if any(_from_source(cited, e) for e in item.expected_sources) or any(
            contains_normalized(text, point) for point in item.key_points
        ):
            good += 1
    return good / len(citations)


def citation_recall(item: Question, result: dict) -> float | None:
    """Share of the expected sources that at least one citation points into."""
    if not item.expected_sources:
        return None
    passages = {p.get("id"): p for p in _passages(result)}
    cited = [{**c, "duplicates": passages.get(c.get("passage_id"), {}).get("duplicates") or []}
             for c in result.get("citations") or []]
    return sum(any(_from_source(c, e) for c in cited) for e in item.expected_sources) / len(item.expected_sources)


def key_point_coverage(item: Question, result: dict) -> float | None:
    """Share of the key points found in the answer text (case, whitespace, soft hyphens and NFC normalised)."""
    if not item.key_points:
        return None
    answer = result.get("answer") or ""
    return sum(contains_normalized(answer, point) for point in item.key_points) / len(item.key_points)


def refusal_correct(item: Question, result: dict) -> float | None:
    """Answerable: 1 when not refused. Not answerable: 1 when refused, or when the answer holds every key point
    (it corrects the premise)."""
    refused = bool(result.get("refused"))
    if item.answerable:
        return float(not refused)
    return float(refused or (bool(item.key_points) and key_point_coverage(item, result) == 1.0))


def verbatim_quote_rate(item: Question, result: dict) -> float | None:
    """Share of citations whose quote appears character for character (runs of whitespace aside) in the text of
    the passage it cites. Anything below 1 is a bug."""
    citations = result.get("citations") or []
    if not citations:
        return None
    return sum(quote_is_verbatim(c, result) for c in citations) / len(citations)


def quote_is_verbatim(citation: dict, result: dict) -> bool:
    passage = next((p for p in _passages(result) if p.get("id") == citation.get("passage_id")), None)
    quote = _WHITESPACE.sub(" ", citation.get("quote") or "").strip()
    return bool(passage) and bool(quote) and quote in _WHITESPACE.sub(" ", passage.get("text") or "")


def metric_functions(k: int = 10) -> dict[str, Metric]:
    """The metrics of a run, by the name they carry in rows, summaries and reports."""
    cutoffs = sorted({min(5, k), k})
    metrics: dict[str, Metric] = {}
    for name, fn in (("hit", hit_at), ("recall", recall_at)):
        metrics.update({f"{name}@{c}": partial(fn, k=c) for c in cutoffs})
    metrics["mrr"] = partial(reciprocal_rank, k=k)
    metrics[f"ndcg@{k}"] = partial(ndcg_at, k=k)
    metrics.update(
        citation_precision=citation_precision,
        citation_recall=citation_recall,
        key_point_coverage=key_point_coverage,
        refusal_accuracy=refusal_correct,
        verbatim_quote_rate=verbatim_quote_rate,
    )
    return metrics


def verdict(item: Question, result: dict, values: dict[str, float | None], k: int,
            error: str = "") -> tuple[bool, list[str]]:
    """Pass/fail of one question and, when it fails, why. A question passes when it behaved right about refusing,
    an answerable one has an expected passage in the top k, and every citation quote is verbatim."""
    reasons = [f"error: {error}"] if error else []
    if values.get("refusal_accuracy") == 0.0:
        reasons.append("refused although the sources answer" if item.answerable
                       else "answered instead of refusing or correcting the premise")
    if item.answerable and values.get(f"hit@{k}") == 0.0:
        reasons.append(f"no expected passage in the top {k}")
    not_verbatim = [c.get("marker") for c in result.get("citations") or [] if not quote_is_verbatim(c, result)]
    if not_verbatim:
        reasons.append(f"quote of citation {', '.join(f'[{m}]' for m in not_verbatim)} not verbatim in its passage")
    return not reasons, reasons


def _from_source(passage: dict, expected: ExpectedSource) -> bool:
    sources = [passage.get("source") or "", *(passage.get("duplicates") or [])]
    if not any(source_matches(source, expected.source) for source in sources):
        return False
    page = passage.get("page")
    return expected.page is None or page is None or page == expected.page


def _passages(result: dict) -> list[dict]:
    return list(result.get("passages") or [])
