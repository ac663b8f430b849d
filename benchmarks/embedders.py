"""The embedding backends side by side: torch, onnx-fp32 and onnx-int8 on the same texts in one process.

    python benchmarks/embedders.py [--corpus ../shared/corpus] [--queries 60] [--sentences 256] [--chunks 64]
                                   [--rounds 3] [--threads 0] [--out benchmarks/RESULTS-embedders.md]

Texts come from the corpus's Markdown and text files (../shared/corpus when present, else the demo corpus):
chunks of about 300 tokens (consecutive sentences), quotable sentences of 10-40 words, and the questions of
evals/*.yaml. Measures, for each backend: single-query latency (one question a call; median and p95 over
--queries, the backends taking turns question by question), sentences/s (calls of 64) and chunks/s (calls of 16),
each the median of --rounds rounds in which the backends take turns; and the cosine of each backend's vectors to
torch's on every text (min, median). Ratios are to torch in the same run: the machine may be shared with other
work, so compare figures within a run only. Prints the table and appends a section to --out.
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from datetime import datetime
from importlib import metadata
from pathlib import Path

import numpy as np
import yaml

from landinfo.embedder import make_embedder
from landinfo.sentences import split_sentences
from landinfo.settings import Settings

REPO = Path(__file__).resolve().parent.parent
BACKENDS = ("torch", "onnx-fp32", "onnx-int8")
CPU_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile")
SENTENCE_BATCH, CHUNK_BATCH = 64, 16
CHUNK_TOKENS = 300
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)


def cpu() -> tuple[str, list[str]]:
    """The CPU's model name and which of CPU_FLAGS it has (from /proc/cpuinfo)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")),
                 platform.processor() or platform.machine())
    flags = set(next((line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), []))
    return model, [flag for flag in CPU_FLAGS if flag in flags]


def corpus_texts(corpus: Path, count_tokens, sentences: int, chunks: int) -> tuple[list[str], list[str]]:
    """Quotable sentences of 10-40 words and chunks of about CHUNK_TOKENS tokens, in corpus order."""
    quotable, packed = [], []
    for path in sorted([*corpus.rglob("*.md"), *corpus.rglob("*.txt")]):
        text = FRONT_MATTER.sub("", path.read_text(encoding="utf-8", errors="replace"))
        for paragraph in re.split(r"\n\s*\n", text):
            spans = [" ".join(paragraph[start:end].split()) for start, end in split_sentences(paragraph)]
            quotable += [s for s in spans if 10 <= len(s.split()) <= 40]
            chunk = ""
            for sentence in spans:
                chunk = f"{chunk} {sentence}".strip()
                if count_tokens(chunk) >= CHUNK_TOKENS:
                    packed.append(chunk)
                    chunk = ""
        if len(quotable) >= sentences and len(packed) >= chunks:
            break
    if len(quotable) < sentences or len(packed) < chunks:
        raise SystemExit(f"{corpus}: only {len(quotable)} sentences and {len(packed)} chunks of ~{CHUNK_TOKENS} tokens")
    return quotable[:sentences], packed[:chunks]


def questions(count: int) -> list[str]:
    asked = []
    for path in sorted((REPO / "evals").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        asked += [item["question"] for item in data.get("questions", []) if isinstance(item, dict) and "question" in item]
    asked = list(dict.fromkeys(asked))
    if len(asked) < count:
        raise SystemExit(f"evals/*.yaml hold only {len(asked)} questions, {count} asked for")
    return asked[:count]


def throughput(embedders: dict, texts: list[str], batch: int, rounds: int) -> tuple[dict, dict]:
    """Texts/s of each backend (median over rounds, backends taking turns) and its vectors from the first round."""
    rates, vectors = {b: [] for b in embedders}, {}
    for _ in range(rounds):
        for backend, embedder in embedders.items():
            started = time.perf_counter()
            out = np.concatenate([embedder.embed_passages(texts[i:i + batch]) for i in range(0, len(texts), batch)])
            rates[backend].append(len(texts) / (time.perf_counter() - started))
            vectors.setdefault(backend, out)
    return {b: statistics.median(r) for b, r in rates.items()}, vectors


def latencies(embedders: dict, asked: list[str]) -> tuple[dict, dict]:
    """Milliseconds per single-question call of each backend (backends taking turns), and the vectors."""
    times, vectors = {b: [] for b in embedders}, {b: [] for b in embedders}
    for question in asked:
        for backend, embedder in embedders.items():
            started = time.perf_counter()
            vectors[backend].append(embedder.embed_queries([question])[0])
            times[backend].append(1000 * (time.perf_counter() - started))
    return times, {b: np.stack(v) for b, v in vectors.items()}


def main(argv=None) -> int:
    shared = REPO.parent / "shared" / "corpus"
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=shared if shared.is_dir() else REPO / "corpus")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--sentences", type=int, default=256)
    parser.add_argument("--chunks", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="embed_threads; 0 = the cores this process may use")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "RESULTS-embedders.md")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()
    settings = {b: Settings(embedding_backend=b, embed_threads=args.threads) for b in BACKENDS}
    started = time.perf_counter()
    embedders = {b: make_embedder(s) for b, s in settings.items()}
    for embedder in embedders.values():
        embedder.embed_queries(["warm-up"])
    ready_s = time.perf_counter() - started
    sentences, chunks = corpus_texts(args.corpus, embedders["torch"].count_tokens, args.sentences, args.chunks)
    asked = questions(args.queries)

    for embedder in embedders.values():  # warm-up at each shape measured
        embedder.embed_passages(sentences[:SENTENCE_BATCH])
        embedder.embed_passages(chunks[:CHUNK_BATCH])
    times, query_vectors = latencies(embedders, asked)
    sentence_rates, sentence_vectors = throughput(embedders, sentences, SENTENCE_BATCH, args.rounds)
    chunk_rates, chunk_vectors = throughput(embedders, chunks, CHUNK_BATCH, args.rounds)
    load_after = os.getloadavg()

    rows = []
    for backend in BACKENDS:
        cos = np.concatenate([(v[backend] * v["torch"]).sum(axis=1)
                              for v in (query_vectors, sentence_vectors, chunk_vectors)])
        median_ms = statistics.median(times[backend])
        p95_ms = float(np.percentile(times[backend], 95))
        rows.append((backend, median_ms, p95_ms, sentence_rates[backend], chunk_rates[backend], cos))
    base = rows[0]
    table = ["| backend | query ms median (speed x torch) | query ms p95 | sentences/s, calls of 64 (x torch) "
             "| chunks/s, calls of 16 (x torch) | cosine to torch min / median |",
             "|---|---:|---:|---:|---:|---:|"]
    for backend, median_ms, p95_ms, sentence_rate, chunk_rate, cos in rows:
        table.append(f"| {backend} | {median_ms:.1f} ({base[1] / median_ms:.2f}x) | {p95_ms:.1f} "
                     f"| {sentence_rate:.1f} ({sentence_rate / base[3]:.2f}x) | {chunk_rate:.1f} ({chunk_rate / base[4]:.2f}x) "
                     f"| {cos.min():.5f} / {np.median(cos):.5f} |")

    model, flags = cpu()
    threads = settings["torch"].embed_thread_count()
    import torch
    sizes = ", ".join(f"{b} {(Path(e.path) / 'model.onnx').stat().st_size / 1e6:.0f} MB"
                      for b, e in embedders.items() if b != "torch")
    tokens = [embedders["torch"].count_tokens(c) for c in chunks]
    words = [len(s.split()) for s in sentences]
    section = [
        f"## Run {datetime.now():%Y-%m-%d %H:%M}", "",
        f"{model}, {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable); flags: {', '.join(flags) or 'none of ' + ', '.join(CPU_FLAGS)}; "
        f"embed threads {threads} (torch.get_num_threads() {torch.get_num_threads()}); Python {platform.python_version()}, "
        f"torch {metadata.version('torch')}, onnxruntime {metadata.version('onnxruntime')}.", "",
        *table, "",
        f"- command: `{' '.join(['python benchmarks/embedders.py', *(sys.argv[1:] if argv is None else argv)])}`; "
        f"corpus {args.corpus} ({len(chunks)} chunks of {statistics.median(tokens):.0f} tokens median, "
        f"{len(sentences)} sentences of {statistics.median(words):.0f} words median, {len(asked)} questions from evals/*.yaml)",
        f"- query latency: one question per call, the backends taking turns question by question; throughput: the median "
        f"of {args.rounds} rounds, backends taking turns; cosine over all {len(asked) + len(sentences) + len(chunks)} texts",
        f"- ONNX model files: {sizes}; the three models loaded and warmed up in {ready_s:.1f} s (conversions already cached)",
        f"- load average {' '.join(f'{x:.2f}' for x in load_before)} before, {' '.join(f'{x:.2f}' for x in load_after)} "
        f"after: the machine is shared with other work, so compare the ratios within this run, not figures across runs",
        "",
    ]
    print("\n".join(section))
    if not args.out.exists():
        args.out.write_text("# Embedding backends\n\nWritten by `python benchmarks/embedders.py`; each run appends a "
                            "section.\n\n", encoding="utf-8")
    with open(args.out, "a", encoding="utf-8") as out:
        out.write("\n".join(section) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
