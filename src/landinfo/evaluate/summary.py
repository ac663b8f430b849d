"""A run's summary: each metric overall, per kind and per language with 95 % intervals, latency, and every
question's pass/fail. Written as summary.json; a copy of it serves as a committed baseline."""
from __future__ import annotations

from landinfo.evaluate.answer_checks import answer_checks
from landinfo.evaluate.metrics import quote_is_verbatim
from landinfo.evaluate.runner import Row, Run
from landinfo.evaluate.stats import mean_ci, percentile

FORMAT = "landinfo-eval-summary/1"
PASS_RULE = ("A question passes when it behaved right about refusing (answerable: not refused; not answerable: "
             "refused or premise corrected), an answerable one has an expected passage in the top {k}, "
             "and every citation quote is verbatim in its passage.")


def summarize(run: Run, context: dict | None = None) -> dict:
    """Everything a report or a later comparison needs, as JSON-ready data. `context` says what was evaluated
    (corpus, index, model) and is kept under "run"."""
    names = ["pass_rate", *run.metric_names]
    rows = run.rows
    citations = [c for row in rows for c in row.result.get("citations") or []]
    qset = run.qset
    return {
        "format": FORMAT,
        "set": {"name": qset.name, "description": qset.description, "path": str(qset.path or ""),
                "fingerprint": qset.fingerprint(), "questions": len(qset.questions), "asked": len(rows)},
        "run": {"started_at": _iso(run.started_at), "finished_at": _iso(run.finished_at), "k": run.k,
                "use_filters": run.use_filters, **(context or {})},
        "pass_rule": PASS_RULE.format(k=run.k),
        "metric_names": names,
        "overall": _group(rows, names),
        "by_kind": {kind: _group(group, names) for kind, group in _split(rows, lambda r: r.question.kind)},
        "by_language": {lang: _group(group, names) for lang, group in _split(rows, lambda r: r.question.language)},
        "latency_ms": _latency(rows),
        "errors": sum(bool(row.error) for row in rows),
        "citations": len(citations),
        "citations_not_verbatim": sum(
            not quote_is_verbatim(c, row.result) for row in rows for c in row.result.get("citations") or []),
        "answer_checks": answer_checks(rows),
        "questions": [_question(row) for row in rows],
    }


def values_of(row: Row) -> dict[str, float | None]:
    return {"pass_rate": float(row.passed), **row.metrics}


def _group(rows: list[Row] | tuple[Row, ...], names: list[str]) -> dict:
    values = [values_of(row) for row in rows]
    return {"questions": len(rows), **{name: mean_ci([v.get(name) for v in values]) for name in names}}


def _split(rows, key) -> list[tuple[str, list[Row]]]:
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return sorted(groups.items())


def _latency(rows) -> dict:
    def spread(values: list[float]) -> dict:
        return {"p50": percentile(values, 50), "p95": percentile(values, 95), "n": len(values)}

    timings = [row.result.get("timings") or {} for row in rows]
    return {
        "total": spread([row.latency_ms for row in rows]),
        "retrieve": spread([t["retrieve_ms"] for t in timings if t.get("retrieve_ms") is not None]),
        "answer": spread([t["answer_ms"] for t in timings if t.get("answer_ms") is not None]),
    }


def _question(row: Row) -> dict:
    q = row.question
    return {"id": q.id, "question": q.question, "kind": q.kind, "language": q.language, "answerable": q.answerable,
            "pass": row.passed, "reasons": list(row.reasons), "metrics": row.metrics,
            "refused": bool(row.result.get("refused")), "refusal_reason": row.result.get("refusal_reason"),
            "expected_ranks": list(row.ranks), "latency_ms": round(row.latency_ms, 1)}


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
