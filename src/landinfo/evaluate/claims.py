"""Metrics of a claim-check item: `(item, result) -> float | None` like every metric, `result` being the object
`landinfo check --json` prints.

- claim_recall: share of the trainer's claims that the splitter found as checkable claims, a trainer's claim
  matched by the found claim that overlaps most of it (characters of the account; words when the trainer's text
  is not in the account as written).
- claim_source_recall@5: share of the covered claims whose matched claim has an expected source among its first
  five passages (an unmatched claim counts as a miss).
- not_covered_accuracy: share of the matched claims whose status says "no indexed country information" exactly
  when the trainer marked the claim not covered.
- claim_verbatim_rate: share of the quotes of every claim that stand character for character in their passage.

`pooled` adds the counts behind each over a whole run, so that a figure is per claim, not per account.
"""
from __future__ import annotations

import re

from landinfo.evaluate.metrics import passage_matches, quote_is_verbatim
from landinfo.evaluate.questionset import ExpectedClaim, Question

MATCH_OVERLAP = 0.5  # share of a trainer's claim a found claim must cover to be its match (hand-set, 2026-11-30)
SOURCE_CUTOFF = 5
METRIC_NAMES = ("claim_recall", f"claim_source_recall@{SOURCE_CUTOFF}", "not_covered_accuracy",
                "claim_verbatim_rate")
_WORD = re.compile(r"\w+")


def match(item: Question, result: dict) -> list[dict | None]:
    """For each of the trainer's claims, the checkable claim of `result` that overlaps most of it, or None."""
    account = item.account
    found = [c for c in result.get("claims") or [] if not c.get("personal") and c.get("status") != "personal"]
    out = []
    for expected in item.claims:
        best, share = None, 0.0
        span = _span(account, expected.text)
        for claim in found:
            covered = _overlap(span, claim, account, expected)
            if covered > share:
                best, share = claim, covered
        out.append(best if share >= MATCH_OVERLAP else None)
    return out


def counts(item: Question, result: dict) -> dict[str, list[int]]:
    """[hits, total] behind each metric, for one account."""
    matched = match(item, result)
    recall = [sum(m is not None for m in matched), len(matched)]
    sources = [0, 0]
    status = [0, 0]
    for expected, claim in zip(item.claims, matched):
        if expected.covered:
            sources[1] += 1
            sources[0] += claim is not None and _has_expected_source(claim, expected)
        if claim is not None:
            status[1] += 1
            status[0] += (claim.get("status") == "not_covered") == (not expected.covered)
    quotes = [0, 0]
    for claim in result.get("claims") or []:
        for citation in claim.get("citations") or []:
            quotes[1] += 1
            quotes[0] += quote_is_verbatim(citation, claim)
    return dict(zip(METRIC_NAMES, (recall, sources, status, quotes)))


def claim_metrics(item: Question, result: dict) -> dict[str, float | None]:
    """Each metric's share for one account; None where nothing was counted."""
    return {name: (hits / total if total else None) for name, (hits, total) in counts(item, result).items()}


def pooled(pairs) -> dict[str, dict]:
    """Over (item, result) pairs: each metric as {"value", "hits", "total"}, counted per claim (or per quote)."""
    sums = {name: [0, 0] for name in METRIC_NAMES}
    for item, result in pairs:
        for name, (hits, total) in counts(item, result).items():
            sums[name][0] += hits
            sums[name][1] += total
    return {name: {"value": (h / t if t else None), "hits": h, "total": t} for name, (h, t) in sums.items()}


def verdict(item: Question, result: dict, error: str = "") -> tuple[bool, list[str]]:
    """An account passes when every claim was found, every covered one has an expected source in the first five
    passages, every status about coverage is right and every quote is verbatim."""
    reasons = [f"error: {error}"] if error else []
    matched = match(item, result)
    for expected, claim in zip(item.claims, matched):
        short = expected.text[:60]
        if claim is None:
            reasons.append(f"claim not found: {short!r}")
        elif (claim.get("status") == "not_covered") != (not expected.covered):
            reasons.append(f"status {claim.get('status')} for a claim {'not ' if not expected.covered else ''}"
                           f"covered by the corpus: {short!r}")
        elif expected.covered and not _has_expected_source(claim, expected):
            reasons.append(f"no expected source in the first {SOURCE_CUTOFF} passages: {short!r}")
    quotes = counts(item, result)["claim_verbatim_rate"]
    if quotes[0] < quotes[1]:
        reasons.append(f"{quotes[1] - quotes[0]} quote(s) not verbatim in their passage")
    return not reasons, reasons


def _has_expected_source(claim: dict, expected: ExpectedClaim) -> bool:
    passages = (claim.get("passages") or [])[:SOURCE_CUTOFF]
    return any(passage_matches(p, e) for p in passages for e in expected.expected_sources)


def _span(account: str, text: str) -> tuple[int, int] | None:
    start = account.find(text.strip())
    if start < 0:
        folded = " ".join(account.split())
        return None if " ".join(text.split()) not in folded else (-1, -1)
    return start, start + len(text.strip())


def _overlap(span: tuple[int, int] | None, claim: dict, account: str, expected: ExpectedClaim) -> float:
    """Share of the trainer's claim that the found claim covers: by offsets when both stand in the account,
    else by words."""
    start, end = claim.get("start", -1), claim.get("end", -1)
    if span and span[0] >= 0 and start is not None and start >= 0:
        inside = max(0, min(end, span[1]) - max(start, span[0]))
        return inside / max(1, span[1] - span[0])
    want = [w.casefold() for w in _WORD.findall(expected.text)]
    have = {w.casefold() for w in _WORD.findall(claim.get("text") or "")}
    return sum(w in have for w in want) / max(1, len(want))
