"""Does re-scoring the top candidates by their best-matching sentence window help? Measured, not assumed.

    python benchmarks/sentence_windows.py --index-dir indexes/dev-shared [--top 20] [--out benchmarks/RESULTS.md]

For each answerable question the full pipeline's top `--top` passages are taken once. Each passage is cut into
windows of three consecutive sentences (one window when it has three or fewer); every window is embedded with the
index's own model, and the passage's window score is its best window's cosine to the question. The new score is
the pipeline's score plus w * window score, for w on a grid. w is chosen on evals/dev.yaml (the tuning set) by
nDCG@10 and then applied unchanged to evals/reference.yaml (held out). Window embedding happens at query time
here; the time it takes is reported, since a deployment would have to pay it per question or precompute windows
at ingest.
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

import numpy as np

from landinfo.sentences import split_sentences
from landinfo.evaluate.metrics import ndcg_at, recall_at, reciprocal_rank
from landinfo.evaluate.questionset import load_question_set
from landinfo.retrieve import Retriever
from landinfo.settings import Settings

REPO = Path(__file__).resolve().parent.parent
GRID = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)


def windows(text: str, size: int = 3) -> list[str]:
    spans = split_sentences(text)
    if len(spans) <= size:
        return [text]
    return [text[spans[i][0]:spans[i + size - 1][1]] for i in range(len(spans) - size + 1)]


def candidates(retriever: Retriever, questions, top: int) -> list[dict]:
    embedder = retriever.store.embedder
    out = []
    for q in questions:
        passages = retriever.retrieve(q.question, None, top)
        t0 = time.perf_counter()
        qv = embedder.embed_queries([q.question])[0]
        cut = [windows(p.text) for p in passages]
        flat = [w for ws in cut for w in ws]
        vectors = embedder.embed_passages(flat) if flat else np.zeros((0, len(qv)))
        sims = vectors @ qv
        best, at = [], 0
        for ws in cut:
            best.append(float(sims[at:at + len(ws)].max()) if ws else 0.0)
            at += len(ws)
        out.append({"q": q, "passages": passages, "window": best, "ms": (time.perf_counter() - t0) * 1000,
                    "windows": len(flat)})
    return out


def score(rows: list[dict], weight: float) -> dict:
    metrics = {"recall@10": [], "MRR": [], "nDCG@10": []}
    groups = {"all": metrics, "cross-lingual": {k: [] for k in metrics}}
    for row in rows:
        order = sorted(range(len(row["passages"])),
                       key=lambda i: -(row["passages"][i].score + weight * row["window"][i]))
        result = {"passages": [row["passages"][i].to_json() for i in order[:10]]}
        values = {"recall@10": recall_at(row["q"], result, 10), "MRR": reciprocal_rank(row["q"], result, 10),
                  "nDCG@10": ndcg_at(row["q"], result, 10)}
        for name, value in values.items():
            metrics[name].append(value)
            if row["q"].kind == "cross-lingual":
                groups["cross-lingual"][name].append(value)
    return {g: {k: sum(v) / len(v) for k, v in m.items() if v} for g, m in groups.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index-dir", default=str(REPO / "indexes" / "dev-shared"))
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    retriever = Retriever(Settings(index_dir=Path(args.index_dir)))
    retriever.retrieve("warm-up", None, 10)
    runs = {}
    for name in ("dev", "reference"):
        qset = load_question_set(REPO / "evals" / f"{name}.yaml")
        questions = [q for q in qset.questions if q.answerable and q.expected_sources]
        runs[name] = candidates(retriever, questions, args.top)
        print(f"{name}: {len(questions)} questions embedded", file=sys.stderr)
    dev = {w: score(runs["dev"], w) for w in GRID}
    chosen = max(GRID, key=lambda w: (round(dev[w]["all"]["nDCG@10"], 4), -w))
    lines = [f"### Sentence-window re-scoring ({date.today()}, {platform.machine()}, {os.cpu_count()} cores, "
             f"top {args.top} candidates, windows of 3 sentences)", "",
             "| set | w | recall@10 | MRR | nDCG@10 | cross-lingual recall@10 | cross-lingual nDCG@10 |",
             "|---|---|---|---|---|---|---|"]
    for name in ("dev", "reference"):
        for w in GRID if name == "dev" else sorted({0.0, chosen}):
            s = dev[w] if name == "dev" else score(runs[name], w)
            mark = " (chosen on dev)" if w == chosen and w else (" (pipeline as is)" if w == 0 else "")
            lines.append(f"| {name} | {w}{mark} | {s['all']['recall@10']:.3f} | {s['all']['MRR']:.3f} | "
                         f"{s['all']['nDCG@10']:.3f} | {s['cross-lingual']['recall@10']:.3f} | "
                         f"{s['cross-lingual']['nDCG@10']:.3f} |")
    ms = [r["ms"] for rows in runs.values() for r in rows]
    n_windows = [r["windows"] for rows in runs.values() for r in rows]
    lines += ["", f"Embedding the windows of {args.top} candidates per question: median {statistics.median(ms):.0f} ms "
              f"({statistics.median(n_windows):.0f} windows), p95 {sorted(ms)[int(0.95 * (len(ms) - 1))]:.0f} ms."]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
