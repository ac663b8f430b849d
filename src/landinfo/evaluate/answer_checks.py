"""What the answer layer did, counted over a run: answered or refused per kind, the check behind each refusal, and
citations of country information about another country than the question's."""
from __future__ import annotations

from collections import Counter

from landinfo.evaluate.runner import Row


def answer_checks(rows: list[Row] | tuple[Row, ...]) -> dict:
    """{"by_kind": {kind: {"answered", "refused"}}, "refusal_reasons": {"answerable"|"unanswerable": {reason: n}},
    "off_country_citations": n, "questions_with_off_country": [ids]}."""
    by_kind: dict[str, Counter] = {}
    reasons = {"answerable": Counter(), "unanswerable": Counter()}
    off_country: dict[str, int] = {}
    for row in rows:
        refused = bool(row.result.get("refused"))
        by_kind.setdefault(row.question.kind, Counter())["refused" if refused else "answered"] += 1
        if refused:
            group = "answerable" if row.question.answerable else "unanswerable"
            reasons[group][row.result.get("refusal_reason") or "unstated"] += 1
        n = off_country_citations(row)
        if n:
            off_country[row.question.id] = n
    return {
        "by_kind": {kind: {"answered": c["answered"], "refused": c["refused"]} for kind, c in sorted(by_kind.items())},
        "refusal_reasons": {group: dict(sorted(c.items())) for group, c in reasons.items()},
        "off_country_citations": sum(off_country.values()),
        "questions_with_off_country": sorted(off_country),
    }


def off_country_citations(row: Row) -> int:
    """Citations of a country-information passage whose countries do not include the question's country (the
    set's `country`); 0 when the question names none."""
    country = row.question.country
    if not country:
        return 0
    passages = {p.get("id"): p for p in row.result.get("passages") or []}
    count = 0
    for citation in row.result.get("citations") or []:
        passage = passages.get(citation.get("passage_id"), {})
        countries = {c.strip() for c in (passage.get("country") or "").split(",") if c.strip()}
        if passage.get("doc_type") == "coi" and countries and country not in countries:
            count += 1
    return count


def check_lines(checks: dict) -> list[str]:
    """The block as plain lines, for the terminal and the Markdown report."""
    kinds = ", ".join(f"{kind} {c['answered']}/{c['refused']}" for kind, c in checks["by_kind"].items())
    lines = [f"answered/refused by kind: {kinds}"]
    for group in ("answerable", "unanswerable"):
        found = checks["refusal_reasons"][group]
        if found:
            lines.append(f"refusals of {group} questions by check: "
                         + ", ".join(f"{reason} {n}" for reason, n in found.items()))
    ids = checks["questions_with_off_country"]
    lines.append(f"off-country COI citations: {checks['off_country_citations']}"
                 + (f" ({', '.join(ids)})" if ids else ""))
    return lines
