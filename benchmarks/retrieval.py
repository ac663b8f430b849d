"""Retrieval quality and latency: dense-only, BM25-only, plain fusion and the full pipeline, in one process.

    python benchmarks/retrieval.py evals/dev.yaml --index-dir indexes/dev-shared [--out benchmarks/RESULTS.md]

The index must hold the set's corpus (`landinfo ingest ../shared/corpus`). Metrics are the eval harness's own
functions (a passage counts when it comes from the expected file, page for PDFs, and contains the quote).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from landinfo.evaluate.metrics import hit_at, ndcg_at, recall_at, reciprocal_rank
from landinfo.evaluate.questionset import load_question_set, source_matches
from landinfo.retrieve import Retriever
from landinfo.settings import Settings
from landinfo.store import Store

CONFIGS = {
    "dense": dict(use_dense=True, use_lexical=False, use_references=False, use_rescoring=False),
    "bm25": dict(use_dense=False, use_lexical=True, use_references=False, use_rescoring=False),
    "fusion": dict(use_dense=True, use_lexical=True, use_references=False, use_rescoring=False),
    "full": dict(use_dense=True, use_lexical=True, use_references=True, use_rescoring=True),
}
GROUPS = {
    "all": lambda q: True,
    "cross-lingual": lambda q: q.kind == "cross-lingual",
    "reference": lambda q: q.kind == "exact-citation",
    "swedish": lambda q: q.language == "sv",
    "english": lambda q: q.language == "en",
}


def evaluate(retriever: Retriever, questions, k: int = 10) -> dict:
    rows = []
    for q in questions:
        t0 = time.perf_counter()
        passages = retriever.retrieve(q.question, None, k)
        ms = (time.perf_counter() - t0) * 1000
        result = {"passages": [p.to_json() for p in passages]}
        rows.append({"q": q, "ms": ms, "r5": recall_at(q, result, 5), "r10": recall_at(q, result, 10),
                     "hit10": hit_at(q, result, 10), "mrr": reciprocal_rank(q, result, 10),
                     "ndcg": ndcg_at(q, result, 10), "rank1": reciprocal_rank(q, result, 1),
                     "doc1": float(bool(passages) and any(source_matches(passages[0].source, e.source)
                                                          for e in q.expected_sources))})
    return {"rows": rows}


def summarize(rows, group) -> dict:
    picked = [r for r in rows if GROUPS[group](r["q"]) and r["r10"] is not None]
    if not picked:
        return {}
    mean = lambda key: sum(r[key] for r in picked) / len(picked)  # noqa: E731
    return {"n": len(picked), "recall@5": mean("r5"), "recall@10": mean("r10"), "MRR": mean("mrr"),
            "nDCG@10": mean("ndcg"), "rank1": mean("rank1"), "doc1": mean("doc1")}


def latency(rows) -> tuple[float, float]:
    ms = sorted(r["ms"] for r in rows)
    return statistics.median(ms), ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("question_set")
    parser.add_argument("--index-dir", default=os.environ.get("LANDINFO_INDEX_DIR", "indexes"))
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--out", help="append the Markdown table to this file")
    parser.add_argument("--misses", action="store_true", help="list the questions the full pipeline misses")
    args = parser.parse_args(argv)
    qset = load_question_set(args.question_set)
    questions = [q for q in qset.questions if q.answerable and q.expected_sources]
    settings = Settings(index_dir=Path(args.index_dir))
    store = Store.open(settings)
    warm = Retriever(settings, store=store)
    warm.retrieve("warm-up query", None, 10)
    lines = [f"### {qset.name}: {len(questions)} answerable questions, {store.index.count()} chunks "
             f"({date.today()}, {platform.machine()}, {os.cpu_count()} cores)", "",
             "| config | group | n | recall@5 | recall@10 | MRR | nDCG@10 | passage at rank 1 | document at rank 1 "
             "| p50 ms | p95 ms |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    results = {}
    for name in args.configs.split(","):
        retriever = Retriever(settings, store=store, **CONFIGS[name])
        retriever._table = warm.table
        retriever._table_generation = warm._table_generation
        out = evaluate(retriever, questions)
        results[name] = out
        p50, p95 = latency(out["rows"])
        for group in GROUPS:
            s = summarize(out["rows"], group)
            if s:
                lines.append(f"| {name} | {group} | {s['n']} | {s['recall@5']:.2f} | {s['recall@10']:.2f} | "
                             f"{s['MRR']:.2f} | {s['nDCG@10']:.2f} | {s['rank1']:.2f} | {s['doc1']:.2f} | "
                             f"{p50:.0f} | {p95:.0f} |" if group == "all" else
                             f"| {name} | {group} | {s['n']} | {s['recall@5']:.2f} | {s['recall@10']:.2f} | "
                             f"{s['MRR']:.2f} | {s['nDCG@10']:.2f} | {s['rank1']:.2f} | {s['doc1']:.2f} | | |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.misses and "full" in results:
        for r in results["full"]["rows"]:
            if r["r10"] is not None and (r["r10"] < 1 or (r["q"].kind == "exact-citation" and r["rank1"] < 1)):
                q = r["q"]
                print(f"MISS {q.id} [{q.kind}/{q.language}] r10={r['r10']:.2f} rank1={r['rank1']:.0f} "
                      f"doc1={r['doc1']:.0f} {q.question}", file=sys.stderr)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
