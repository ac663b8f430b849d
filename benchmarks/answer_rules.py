"""Each answer rule's effect, on the development set and on the held-out set: the whole pipeline (`Assistant.ask`)
run once with every rule, then once with each rule switched off, over the same retrieved passages (retrieval is
cached per query; sentence embeddings are memoized), scored with the eval harness's own metrics.

    python benchmarks/answer_rules.py evals/dev.yaml evals/reference.yaml --index-dir indexes/test-shared \
        [--rules all,-country] [--json out.json]

A rule is tuned on dev only; the held-out column is read, never tuned on. Figures: the issue's targets
(answered when answerable, refused when unanswerable, false premises refused or corrected, key-point coverage,
citation precision, off-country COI citations, verbatim quotes).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from unittest import mock

import numpy as np

from landinfo import tuning
from landinfo import gazetteer
from landinfo.answer import checks, extractive
from landinfo.answer.assistant import Assistant
from landinfo.evaluate.answer_checks import off_country_citations
from landinfo.evaluate.metrics import citation_precision, key_point_coverage, quote_is_verbatim, refusal_correct
from landinfo.evaluate.questionset import load_question_set
from landinfo.evaluate.runner import Row
from landinfo.settings import Settings


def _off(*targets):
    """Patches that switch a rule off: each target (object, attribute, value)."""
    @contextmanager
    def patched():
        with ExitStack() as stack:
            for obj, name, value in targets:
                stack.enter_context(mock.patch.object(obj, name, value))
            yield
    return patched


def _skip(name: str) -> tuple:
    """The checks that run before scoring, less one."""
    return tuple(check for check in checks.BEFORE_SCORING if check.__name__ != name)


RULES = {
    "all": _off(),
    "-reference": _off((checks, "BEFORE_SCORING", _skip("missing_reference"))),
    "-country": _off((checks, "BEFORE_SCORING", _skip("missing_country")),
                     (checks, "quotable", lambda *a: True)),
    "-period": _off((checks, "BEFORE_SCORING", _skip("missing_period"))),
    "-figure": _off((checks, "missing_figure", lambda *a: None), (tuning, "ASKED_FOR_BONUS", 0.0)),
    "-mmr": _off((tuning, "MIN_SENTENCES", 1), (tuning, "REDUNDANCY", 0.0)),
    "-premise": _off((Assistant, "premise", lambda *a, **k: None)),
    "second-0.05": _off((tuning, "SECOND_WINDOW", 0.05)),
    "-places": _off((gazetteer, "regions_in", lambda *a, **k: [])),
    "-topic": _off((extractive, "bears_on_aspect", lambda q, sentences, *a, **k: [True] * len(sentences))),
    "-coi-first": _off((extractive, "compose", lambda *a, **k: _COMPOSE(*a, **{**k, "country_first": False}))),
    "-boilerplate": _off((Assistant, "boilerplate", lambda self: None)),
}
_COMPOSE = extractive.compose


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question_sets", nargs="+")
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--rules", default=",".join(RULES), help=f"comma-separated, of {', '.join(RULES)}")
    parser.add_argument("--json", help="write every figure here")
    args = parser.parse_args(argv)
    assistant = Assistant(Settings(index_dir=Path(args.index_dir)))
    _cache(assistant)
    sets = [load_question_set(path) for path in args.question_sets]
    results: dict = {}
    for rule in args.rules.split(","):
        started = time.perf_counter()
        with RULES[rule]():
            for qset in sets:
                rows = [_row(q, assistant.ask(q.question).to_json()) for q in qset.questions if not q.is_claim_check]
                results.setdefault(rule, {})[qset.name] = _figures(rows)
        print(f"{rule}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    _print(results, [s.name for s in sets])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


def _cache(assistant: Assistant) -> None:
    """Retrieval once per (query, filters, k); each sentence embedded once."""
    retriever, embedder = assistant.retriever, assistant.retriever.store.embedder
    retrieve, seen = retriever.retrieve, {}

    def cached_retrieve(query, filters=None, k=None, timings=None):
        key = (getattr(query, "text", query), getattr(query, "subject_countries", None), repr(filters), k)
        if key not in seen:
            seen[key] = retrieve(query, filters, k, timings)
        return list(seen[key])
    retriever.retrieve = cached_retrieve
    for name in ("embed_queries", "embed_passages"):
        original, memo = getattr(embedder, name), {}

        def embed(texts, original=original, memo=memo):
            missing = [t for t in dict.fromkeys(texts) if t not in memo]
            if missing:
                memo.update(zip(missing, original(missing)))
            return np.stack([memo[t] for t in texts]) if texts else original(texts)
        setattr(embedder, name, embed)


def _row(question, result: dict) -> Row:
    return Row(question=question, result=result, metrics={}, passed=True, reasons=(), ranks=(), latency_ms=0.0)


def _figures(rows: list[Row]) -> dict:
    def mean(values):
        values = [v for v in values if v is not None]
        return (round(float(np.mean(values)), 3), len(values)) if values else (None, 0)

    answerable = [r for r in rows if r.question.answerable]
    unanswerable = [r for r in rows if not r.question.answerable and r.question.kind != "false-premise"]
    premise = [r for r in rows if r.question.kind == "false-premise"]
    citations = [(c, r.result) for r in rows for c in r.result.get("citations") or []]
    return {
        "answered_when_answerable": mean([refusal_correct(r.question, r.result) for r in answerable]),
        "refused_when_unanswerable": mean([refusal_correct(r.question, r.result) for r in unanswerable]),
        "false_premise_handled": mean([refusal_correct(r.question, r.result) for r in premise]),
        "key_point_coverage": mean([key_point_coverage(r.question, r.result) for r in answerable]),
        "citation_precision": mean([citation_precision(r.question, r.result) for r in answerable]),
        "off_country_citations": sum(off_country_citations(r) for r in rows),
        "verbatim": mean([float(quote_is_verbatim(c, result)) for c, result in citations]),
        "refusal_reasons": _count(r.result.get("refusal_reason") for r in rows if r.result.get("refused")),
        "failing": sorted(r.question.id for r in rows if refusal_correct(r.question, r.result) == 0.0),
        "off_country": sorted(r.question.id for r in rows if off_country_citations(r)),
    }


def _count(values) -> dict:
    out: dict = {}
    for v in values:
        out[v or "unstated"] = out.get(v or "unstated", 0) + 1
    return out


def _print(results: dict, names: list[str]) -> None:
    keys = ["answered_when_answerable", "refused_when_unanswerable", "false_premise_handled", "key_point_coverage",
            "citation_precision", "off_country_citations", "verbatim"]
    short = ["answered", "refused", "premise", "keypts", "cit.prec", "off-ctry", "verbatim"]
    for name in names:
        print(f"\n{name}")
        print(f"{'rule':<12}" + "".join(f"{s:>10}" for s in short))
        for rule, sets in results.items():
            figures = sets[name]
            cells = [figures[k][0] if isinstance(figures[k], tuple) else figures[k] for k in keys]
            print(f"{rule:<12}" + "".join(f"{'-' if c is None else c:>10}" for c in cells))


if __name__ == "__main__":
    sys.exit(main())
