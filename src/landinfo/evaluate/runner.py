"""Ask every question of a set, score each answer with the metrics, keep one row per question."""
from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from tqdm import tqdm

from landinfo.errors import LandinfoError
from landinfo.evaluate import claims
from landinfo.evaluate.metrics import expected_ranks, metric_functions, verdict
from landinfo.evaluate.questionset import Question, QuestionSet
from landinfo.records import Filters

Ask = Callable[[str, "Filters | None"], dict]
Check = Callable[[str, str], dict]  # (account, country) -> the object `landinfo check --json` prints


@dataclass(frozen=True)
class Row:
    """One question, what the system answered, and how that scored."""

    question: Question
    result: dict
    metrics: dict[str, float | None]
    passed: bool
    reasons: tuple[str, ...]
    ranks: tuple[int | None, ...]  # rank of each expected source in the retrieved passages
    latency_ms: float
    error: str = ""

    def to_json(self) -> dict:
        q = self.question
        return {
            "id": q.id, "question": q.question or q.account, "language": q.language, "kind": q.kind,
            "country": q.country,
            "answerable": q.answerable, "expected_sources": [e.model_dump(exclude_none=True) for e in q.expected_sources],
            "key_points": list(q.key_points), "pass": self.passed, "reasons": list(self.reasons),
            "metrics": self.metrics, "expected_ranks": list(self.ranks), "latency_ms": round(self.latency_ms, 1),
            "error": self.error, "result": self.result,
        }


@dataclass(frozen=True)
class Run:
    qset: QuestionSet
    rows: tuple[Row, ...]
    k: int
    use_filters: bool
    started_at: datetime
    finished_at: datetime

    @property
    def metric_names(self) -> list[str]:
        names = list(metric_functions(self.k))
        if any(q.is_claim_check for q in self.qset.questions):
            names += list(claims.METRIC_NAMES)
        return names


def run_set(qset: QuestionSet, ask: Ask, k: int = 10, use_filters: bool = False, progress: bool = True,
            limit: int | None = None, check: Check | None = None) -> Run:
    """Ask each question (the first `limit` when given); a claim-check item's account goes to `check` instead.
    A question whose ask raises an unexpected exception fails with the error recorded; a LandinfoError (no index,
    model missing) stops the run, since every question would fail the same way."""
    questions = qset.questions[:limit] if limit else qset.questions
    metrics = metric_functions(k)
    started = datetime.now(timezone.utc)
    rows: list[Row] = []
    bar = tqdm(questions, desc=qset.name, unit="q", file=sys.stderr, disable=not progress, leave=False)
    for question in bar:
        if question.is_claim_check:
            rows.append(_check_one(question, check, metrics))
        else:
            rows.append(_ask_one(question, ask, metrics, k, use_filters))
        bar.set_postfix(passed=f"{sum(r.passed for r in rows)}/{len(rows)}")
    bar.close()
    return Run(qset=qset, rows=tuple(rows), k=k, use_filters=use_filters,
               started_at=started, finished_at=datetime.now(timezone.utc))


def filters_for(question: Question, use_filters: bool) -> Filters | None:
    if use_filters and question.country:
        return Filters(countries=(question.country,))
    return None


def _ask_one(question: Question, ask: Ask, metrics: dict, k: int, use_filters: bool) -> Row:
    error = ""
    clock = time.perf_counter()
    try:
        result = ask(question.question, filters_for(question, use_filters))
    except LandinfoError:
        raise
    except Exception as exc:  # a bug on one question must not hide the results of the others
        error = f"{type(exc).__name__}: {exc}"
        result = {"question": question.question, "answer": "", "refused": False, "citations": [], "passages": [],
                  "warnings": [traceback.format_exc(limit=3)], "timings": {}}
    measured_ms = (time.perf_counter() - clock) * 1000
    latency_ms = float((result.get("timings") or {}).get("total_ms") or measured_ms)
    values = {name: _rounded(fn(question, result)) for name, fn in metrics.items()}
    passed, reasons = verdict(question, result, values, k, error)
    return Row(question=question, result=result, metrics=values, passed=passed, reasons=tuple(reasons),
               ranks=tuple(expected_ranks(question, result, k)), latency_ms=latency_ms, error=error)


def _check_one(question: Question, check: Check | None, metrics: dict) -> Row:
    """A claim-check item: the account checked, scored by evaluate.claims; the question metrics do not apply."""
    error = ""
    clock = time.perf_counter()
    try:
        if check is None:
            raise RuntimeError("claim-check items need a checker (landinfo eval passes one)")
        result = check(question.account, question.country or "")
    except LandinfoError:
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        result = {"account": question.account, "claims": [], "warnings": [traceback.format_exc(limit=3)],
                  "timings": {}}
    measured_ms = (time.perf_counter() - clock) * 1000
    latency_ms = float((result.get("timings") or {}).get("total_ms") or measured_ms)
    values = {name: None for name in metrics}
    values.update({name: _rounded(v) for name, v in claims.claim_metrics(question, result).items()})
    passed, reasons = claims.verdict(question, result, error)
    return Row(question=question, result=result, metrics=values, passed=passed, reasons=tuple(reasons),
               ranks=(), latency_ms=latency_ms, error=error)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(float(value), 6)
