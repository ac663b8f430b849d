"""Two officers asking at once: answer latency by the embedder's thread count (issue #23, threads and concurrency).

    .venv/bin/python benchmarks/two_at_once.py [--index-dir indexes/test-shared] [--set evals/reference.yaml]
        [--questions 30] [--threads 1 2] [--out benchmarks/RESULTS-speed.md]

For each thread count a fresh process (torch's threads are process-wide) with LANDINFO_EMBED_THREADS set warms up,
asks the questions one at a time, then from two threads at once (each its own half, as two chat sessions with
`LANDINFO_CONCURRENCY=2` would), and reports the whole ask's p50/p95 each way and the questions answered per second.
The embedder is the index's (the backend that built it). Prints the CPU's flags and the load average.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

from answer_speed import OFFLINE, cpu, load, pct  # noqa: E402


def child(index_dir: str, set_path: str, n: int) -> dict:
    from landinfo.answer.assistant import Assistant
    from landinfo.evaluate.questionset import load_question_set
    from landinfo.settings import load_settings

    questions = [q.question for q in load_question_set(set_path).questions if q.question][:n]
    assistant = Assistant(load_settings(index_dir=index_dir))
    assistant.warm()
    alone = []
    for question in questions:
        started = time.perf_counter()
        assistant.ask(question)
        alone.append(time.perf_counter() - started)
    together: list[float] = []
    lock = threading.Lock()

    def session(part: list[str]) -> None:
        for question in part:
            started = time.perf_counter()
            assistant.ask(question)
            with lock:
                together.append(time.perf_counter() - started)

    sessions = [threading.Thread(target=session, args=(questions[i::2],)) for i in (0, 1)]
    started = time.perf_counter()
    for thread in sessions:
        thread.start()
    for thread in sessions:
        thread.join()
    wall = time.perf_counter() - started
    return {"alone": alone, "together": together, "together_wall": wall,
            "embedder": assistant.retriever.store.embedder.name}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", default=str(REPO / "indexes" / "test-shared"))
    parser.add_argument("--set", default=str(REPO / "evals" / "reference.yaml"))
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "RESULTS-speed.md"))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.index_dir, args.set, args.questions)))
        return 0
    lines = [f"### two at once: {args.questions} questions of {Path(args.set).name} · {cpu()} · load {load()}", "",
             "| embed threads | one at a time p50 / p95 s | two at once p50 / p95 s | answers/s two at once |",
             "|---:|---:|---:|---:|"]
    embedder = ""
    for threads in args.threads:
        env = dict(os.environ, **OFFLINE, LANDINFO_EMBED_THREADS=str(threads), PYTHONPATH=str(REPO / "src"))
        done = subprocess.run([sys.executable, __file__, "--child", "--index-dir", args.index_dir, "--set", args.set,
                               "--questions", str(args.questions)], env=env, capture_output=True, text=True,
                              timeout=3600)
        if done.returncode:
            raise RuntimeError(done.stderr[-3000:])
        result = json.loads(done.stdout.strip().splitlines()[-1])
        embedder = result["embedder"]
        alone, together = result["alone"], result["together"]
        lines.append(f"| {threads} | {statistics.median(alone):.2f} / {pct(alone, .95):.2f} | "
                     f"{statistics.median(together):.2f} / {pct(together, .95):.2f} | "
                     f"{len(together) / result['together_wall']:.1f} |")
        print(lines[-1], flush=True)
    lines += ["", f"embedder {embedder}; load average after: {load()}", ""]
    text = "\n".join(lines)
    print(text)
    with open(args.out, "a", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
