"""A run against a baseline: what moved, whether the move is beyond bootstrap noise, which questions changed."""
from __future__ import annotations

import json
from pathlib import Path

from landinfo.errors import LandinfoError
from landinfo.evaluate import corpus
from landinfo.evaluate.stats import paired_delta_ci

DEFAULT_THRESHOLD = 0.02
_EPSILON = 1e-9


def load_summary(path: str | Path) -> dict:
    """A summary from a run folder or from a summary JSON (such as a committed evals/baselines/<set>.json)."""
    path = Path(path)
    file = path / "summary.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LandinfoError(f"cannot read baseline {file}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise LandinfoError(f"baseline {file} is not JSON: {exc}") from None
    if not str(data.get("format", "")).startswith("landinfo-eval-summary/"):
        raise LandinfoError(f"{file} is not a landinfo eval summary (no 'format': 'landinfo-eval-summary/1')")
    data.setdefault("run", {})["loaded_from"] = str(file)
    return data


def compare(current: dict, baseline: dict, threshold: float = DEFAULT_THRESHOLD) -> dict:
    """Per metric the change over the questions both runs share (paired, with a bootstrap 95 % interval) and a
    status: 'regressed' when it dropped by more than `threshold` (absolute), 'improved' when it rose by more."""
    now, before = _per_question(current), _per_question(baseline)
    shared = [qid for qid in now if qid in before]
    metrics = {}
    for name in current.get("metric_names", []):
        if name not in baseline.get("metric_names", []):
            continue
        metrics[name] = _metric_change(name, current, baseline, now, before, shared, threshold)
    regressions = [name for name, m in metrics.items() if m["status"] == "regressed"]
    improvements = [name for name, m in metrics.items() if m["status"] == "improved"]
    notes = []
    if current["set"].get("name") != baseline.get("set", {}).get("name"):
        notes.append(f"The baseline is a run of another set ('{baseline.get('set', {}).get('name')}').")
    elif current["set"].get("fingerprint") != baseline.get("set", {}).get("fingerprint"):
        notes.append(f"The question set differs from the baseline's; changes are measured on the {len(shared)} "
                     "questions both runs share.")
    if current["run"].get("k") != baseline.get("run", {}).get("k"):
        notes.append(f"k differs: {baseline.get('run', {}).get('k')} in the baseline, {current['run'].get('k')} now.")
    return {
        "baseline": {"id": baseline["run"].get("id", ""), "started_at": baseline["run"].get("started_at", ""),
                     "path": baseline["run"].get("loaded_from", "")},
        "threshold": threshold,
        "status": "regression" if regressions else "improved" if improvements else "unchanged",
        "regressions": regressions,
        "improvements": improvements,
        "metrics": metrics,
        "by_kind": _by_kind_changes(now, before, shared, list(metrics)),
        "questions": _question_changes(now, before),
        "latency_ms": _latency_change(current, baseline),
        "corpus": _corpus_change(current, baseline),
        "notes": notes,
    }


def gate_failures(summary: dict) -> list[str]:
    """Why `--fail-on-regression` should stop a corpus update: regressed metrics and non-verbatim quotes."""
    comparison = summary.get("comparison") or {}
    failures = [f"{name} dropped by {-comparison['metrics'][name]['delta']:.3f}"
                for name in comparison.get("regressions", [])]
    if summary.get("citations_not_verbatim"):
        failures.append(f"{summary['citations_not_verbatim']} citation quote(s) not verbatim in their passage")
    return failures


def _metric_change(name, current, baseline, now, before, shared, threshold) -> dict:
    current_mean = current["overall"].get(name, {}).get("mean")
    baseline_mean = baseline.get("overall", {}).get(name, {}).get("mean")
    paired = paired_delta_ci({q: now[q]["values"].get(name) for q in shared},
                             {q: before[q]["values"].get(name) for q in shared})
    if paired["n"]:
        delta = paired["mean"]
        beyond_noise = paired["high"] < 0 if delta < 0 else paired["low"] > 0
    elif current_mean is not None and baseline_mean is not None:
        # an old baseline without per-question values: compare against the current run's own interval
        delta = round(current_mean - baseline_mean, 4)
        low, high = current["overall"][name]["low"], current["overall"][name]["high"]
        beyond_noise = not (low <= baseline_mean <= high)
    else:
        return {"current": current_mean, "baseline": baseline_mean, "delta": None, "delta_ci": None,
                "beyond_noise": None, "status": "same"}
    status = "regressed" if delta < -threshold - _EPSILON else "improved" if delta > threshold + _EPSILON else "same"
    return {"current": current_mean, "baseline": baseline_mean, "delta": delta,
            "delta_ci": [paired["low"], paired["high"]] if paired["n"] else None,
            "beyond_noise": bool(beyond_noise), "status": status}


def _per_question(summary: dict) -> dict[str, dict]:
    questions = {}
    for q in summary.get("questions", []):
        values = {"pass_rate": None if q.get("pass") is None else float(q["pass"]), **(q.get("metrics") or {})}
        questions[str(q["id"])] = {**q, "values": values}
    return questions


def _question_changes(now: dict, before: dict) -> dict:
    def brief(q: dict, other: dict | None = None) -> dict:
        out = {"id": q["id"], "question": q.get("question", ""), "kind": q.get("kind", ""),
               "language": q.get("language", ""), "reasons": q.get("reasons", [])}
        if other is not None:
            out["changes"] = {name: [other["values"].get(name), value] for name, value in q["values"].items()
                              if name != "pass_rate" and name in other["values"] and other["values"][name] != value}
            out["was_reasons"] = other.get("reasons", [])
        return out

    shared = [qid for qid in now if qid in before]
    flipped = {qid for qid in shared if now[qid].get("pass") != before[qid].get("pass")}
    return {
        "now_failing": [brief(now[q], before[q]) for q in shared if q in flipped and not now[q].get("pass")],
        "now_passing": [brief(now[q], before[q]) for q in shared if q in flipped and now[q].get("pass")],
        "scores_changed": [c for c in (brief(now[q], before[q]) for q in shared if q not in flipped) if c["changes"]],
        "edited": [q for q in shared if now[q].get("question") != before[q].get("question")],
        "new": [brief(now[q]) for q in now if q not in before],
        "not_in_this_run": sorted(q for q in before if q not in now),
    }


def _by_kind_changes(now: dict, before: dict, shared: list[str], names: list[str]) -> dict:
    kinds = sorted({now[q].get("kind", "") for q in shared})
    changes = {}
    for kind in kinds:
        ids = [q for q in shared if now[q].get("kind", "") == kind]
        changes[kind] = {name: _mean_change(now, before, ids, name) for name in names}
    return changes


def _mean_change(now: dict, before: dict, ids: list[str], name: str) -> float | None:
    pairs = [(now[q]["values"].get(name), before[q]["values"].get(name)) for q in ids]
    deltas = [a - b for a, b in pairs if a is not None and b is not None]
    return round(sum(deltas) / len(deltas), 4) if deltas else None


def _latency_change(current: dict, baseline: dict) -> dict:
    out = {}
    for quantile in ("p50", "p95"):
        now = current.get("latency_ms", {}).get("total", {}).get(quantile)
        before = baseline.get("latency_ms", {}).get("total", {}).get(quantile)
        out[quantile] = [before, now]
    return out


def _corpus_change(current: dict, baseline: dict) -> dict | None:
    now, before = current["run"].get("corpus_files"), baseline.get("run", {}).get("corpus_files")
    if now is None or before is None:
        return None
    return corpus.diff(before, now)
