"""How fast an answer and a claim check are, before and after the sentence vectors stored at ingest (issue #23).

    .venv/bin/python benchmarks/answer_speed.py [--index-dir indexes/test-shared] [--set evals/reference.yaml]
        [--questions 100] [--claims-set evals/claims-reference.yaml] [--check-runs 5] [--no-first] [--no-serve]
        [--out benchmarks/RESULTS-speed.md]

All in one run on one machine, so that the figures compare:
- ask: every question of --set (up to --questions) asked twice in one warm process, once embedding the shortlisted
  sentences at question time as every question did before ("before": the answerer's stored vectors switched off)
  and once reading them ("after"); the order alternates between questions so that a change of load hits both. The
  answer step (`timings.answer_ms`: the answer and its premise section), the whole ask (`total_ms`) and the answers
  that differ.
- check: an account of 10 single-clause claims (as benchmarks/check.py makes it), --check-runs times each way,
  alternating; its `total_ms` and the quote step.
- first question: `landinfo ask --batch` of the set's first 10 questions in a fresh process (it warms up first):
  the first answer's `total_ms` against the median of the next nine; and through `landinfo serve`, the set's first
  question asked ten times one after another through the chat's own API endpoint (/respond, what the browser's Ask
  calls; benchmarks/load.py), timed from submit to the end of the streamed answer; and in a real browser (chromium)
  from the click on Ask to the shown answer, the page opened first as an officer opens it (its load events run).
Prints the CPU's flags (int8 and vector speed depend on them) and the load average before and after.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
           "GRADIO_ANALYTICS_ENABLED": "False"}
FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile", "amx_int8")


def cpu() -> str:
    """The CPU's model, the flags that decide vector and int8 speed, and the cores this process may use."""
    text = Path("/proc/cpuinfo").read_text(errors="replace") if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")), "?")
    flags = next((line.split(":", 1)[1].split() for line in text.splitlines() if line.startswith("flags")), [])
    cores = len(os.sched_getaffinity(0))
    return f"{model}; {cores} cores; flags: {' '.join(f for f in FLAGS if f in flags) or 'none of ' + '/'.join(FLAGS)}"


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def bench_ask(assistant, questions: list[str]) -> dict:
    stored = assistant.extractive.stored
    runs = {"before": {"answer": [], "total": []}, "after": {"answer": [], "total": []}}
    changed = []
    for k, question in enumerate(questions):
        texts = {}
        for mode in (("before", "after") if k % 2 == 0 else ("after", "before")):
            assistant.extractive.stored = stored if mode == "after" else None
            answer = assistant.ask(question)
            runs[mode]["answer"].append(answer.timings["answer_ms"])
            runs[mode]["total"].append(answer.timings["total_ms"])
            texts[mode] = answer.text
        if texts["before"] != texts["after"]:
            changed.append(question)
    assistant.extractive.stored = stored
    return {"runs": runs, "changed": changed}


def bench_check(assistant, claims_set: Path, runs: int) -> dict:
    from landinfo.account_check import AccountChecker
    from landinfo.evaluate.questionset import load_question_set

    items = [q for q in load_question_set(claims_set).questions if q.is_claim_check]
    single = lambda q: [c for c in q.claims if ";" not in c.text and " – " not in c.text]  # noqa: E731 one claim each
    item = next(q for q in items if len(single(q)) >= 10)
    account = "\n".join(c.text.rstrip(".") + "." for c in single(item)[:10])
    checker = AccountChecker(assistant)
    checker.check(account, item.country or "")
    out = {"before": {"total": [], "quote": []}, "after": {"total": [], "quote": []}, "same": True}
    for k in range(runs):
        results = {}
        for mode in (("before", "after") if k % 2 == 0 else ("after", "before")):
            result = _check(checker, account, item.country or "", live=mode == "before")
            out[mode]["total"].append(result.timings["total_ms"])
            out[mode]["quote"].append(result.timings["quote_ms"])
            results[mode] = [c.to_json() for c in result.claims]
        out["same"] &= results["before"] == results["after"]
    out["account"] = f"{item.id} ({item.language}, {item.country}), {len(account.splitlines())} claims"
    return out


def _check(checker, account: str, country: str, live: bool):
    """One check; `live`: with the stored sentence vectors out of sight (the checker reads them from the store)."""
    store = checker.assistant.retriever.store
    kept = store.sentences
    if live:
        store.sentences = _NoVectors()
    try:
        return checker.check(account, country)
    finally:
        store.sentences = kept


class _NoVectors:
    """A sentence store with nothing in it: every sentence is embedded at question time, as before issue #23."""

    def lookup(self, wanted):
        return [None] * len(wanted)


def bench_first_batch(index_dir: Path, questions: list[str]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as handle:
        handle.write("\n".join(questions) + "\n")
    env = dict(os.environ, **OFFLINE, LANDINFO_INDEX_DIR=str(index_dir))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "landinfo.cli", "ask", "--batch", handle.name], env=env,
                          capture_output=True, text=True, cwd=REPO, timeout=1800)
    wall = time.perf_counter() - started
    os.unlink(handle.name)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    totals = [json.loads(line)["timings"]["total_ms"] for line in done.stdout.splitlines() if line.strip()]
    warm = [line for line in done.stderr.splitlines() if "warm start" in line]
    return {"totals": totals, "wall_s": wall, "warm": warm[-1] if warm else ""}


def bench_first_serve(index_dir: Path, questions: list[str]) -> dict:
    from load import Server, check_answer  # benchmarks/load.py

    for key, value in OFFLINE.items():
        os.environ[key] = value
    import httpx
    from gradio_client import Client

    with tempfile.TemporaryDirectory(prefix="landinfo-speed-") as folder, Server(index_dir, Path(folder)) as server:
        client = Client(server.url, verbose=False, download_files=False,
                        httpx_kwargs={"timeout": httpx.Timeout(120.0, connect=30.0)})
        seconds, errors = [], []
        for question in questions:
            started = time.monotonic()
            outputs = client.submit(question, [], [], [], [], "", "", False, api_name="/respond").result(timeout=300)
            seconds.append(time.monotonic() - started)
            error = check_answer(outputs, question)
            if error:
                errors.append(error)
        warm = [line for line in server.log_path.read_text(errors="replace").splitlines() if "warm start" in line]
        return {"seconds": seconds, "errors": errors, "ready_s": server.ready_s, "warm": warm[-1] if warm else ""}


def bench_first_browser(index_dir: Path, question: str, times: int = 10) -> dict:
    """`landinfo serve` in a real browser (Debian's chromium, headless): the page opened as an officer opens it (3 s for
    its load events, which run while an officer types the first question), the same question asked
    `times` times, a new conversation before each; seconds from the click on Ask until the answer
    and its sources panel are shown."""
    from load import Server  # benchmarks/load.py
    from playwright.sync_api import sync_playwright

    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    seconds = []
    with tempfile.TemporaryDirectory(prefix="landinfo-speed-") as folder, Server(index_dir, Path(folder)) as server, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        page = browser.new_page()
        page.goto(server.url)
        page.locator("#question textarea").wait_for(timeout=60_000)
        page.wait_for_timeout(3000)  # the page's own load events finish while an officer types the first question
        for _ in range(times):
            page.locator("#new-chat").click()
            page.wait_for_function("document.querySelectorAll('#chat .answer-meta').length == 0", timeout=30_000)
            page.locator("#question textarea").fill(question)
            started = time.perf_counter()
            page.locator("#ask").click()
            page.wait_for_function("document.querySelectorAll('#chat .answer-meta').length > 0", timeout=300_000)
            page.locator("#sources-panel details.turn").nth(0).wait_for()
            seconds.append(time.perf_counter() - started)
        browser.close()
        return {"seconds": seconds, "ready_s": server.ready_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", default=str(REPO / "indexes" / "test-shared"))
    parser.add_argument("--set", default=str(REPO / "evals" / "reference.yaml"))
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--claims-set", default=str(REPO / "evals" / "claims-reference.yaml"))
    parser.add_argument("--check-runs", type=int, default=5)
    parser.add_argument("--no-first", action="store_true", help="skip the fresh-process first-question runs")
    parser.add_argument("--no-serve", action="store_true", help="skip the `landinfo serve` first-question run")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "RESULTS-speed.md"))
    args = parser.parse_args()
    os.environ.update(OFFLINE)
    os.environ["LANDINFO_INDEX_DIR"] = args.index_dir

    from landinfo.answer.assistant import Assistant
    from landinfo.evaluate.questionset import load_question_set
    from landinfo.settings import load_settings

    settings = load_settings()
    questions = [q.question for q in load_question_set(args.set).questions if q.question][:args.questions]
    lines = [f"## {dt.datetime.now().strftime('%Y-%m-%d %H:%M')} · {Path(args.index_dir).name} · {cpu()}",
             "", f"load average before: {load()}"]
    print("\n".join(lines), flush=True)
    assistant = Assistant(settings)
    warm = assistant.warm()
    lines.append(f"embedder: {assistant.retriever.store.embedder.name}; sentence vectors: "
                 f"{assistant.retriever.store.status()['sentence_vectors']}; warm start {warm}")

    asked = bench_ask(assistant, questions)
    before, after = asked["runs"]["before"], asked["runs"]["after"]
    lines += ["", f"### ask: {len(questions)} questions of {Path(args.set).name}, each both ways, warm", "",
              "| | answer step p50 / p95 ms | whole ask p50 / p95 ms |", "|---|---:|---:|"]
    for name, run in (("before: sentences embedded at question time", before),
                      ("after: sentence vectors stored at ingest", after)):
        lines.append(f"| {name} | {statistics.median(run['answer']):.0f} / {pct(run['answer'], .95):.0f} | "
                     f"{statistics.median(run['total']):.0f} / {pct(run['total'], .95):.0f} |")
    lines.append(f"| ratio before / after (medians) | {statistics.median(before['answer']) / statistics.median(after['answer']):.1f}× | "
                 f"{statistics.median(before['total']) / statistics.median(after['total']):.1f}× |")
    lines.append(f"\nanswers that differ: {len(asked['changed'])} of {len(questions)}"
                 + "".join(f"\n- {q}" for q in asked["changed"]))
    print("\n".join(lines[-8:]), flush=True)

    checked = bench_check(assistant, Path(args.claims_set), args.check_runs)
    lines += ["", f"### check: {checked['account']}, {args.check_runs} runs each way, warm", "",
              "| | total median (min) s | quote step median s |", "|---|---:|---:|"]
    for mode in ("before", "after"):
        run = checked[mode]
        lines.append(f"| {mode} | {statistics.median(run['total']) / 1000:.2f} ({min(run['total']) / 1000:.2f}) | "
                     f"{statistics.median(run['quote']) / 1000:.2f} |")
    lines.append(f"| ratio before / after | {statistics.median(checked['before']['total']) / statistics.median(checked['after']['total']):.1f}× | |")
    lines.append(f"\nsame claims, statuses and quotes both ways: {checked['same']}")
    print("\n".join(lines[-7:]), flush=True)

    if not args.no_first:
        first = bench_first_batch(Path(args.index_dir), questions[:10])
        totals = first["totals"]
        lines += ["", "### first question", "",
                  f"- `ask --batch` (fresh process, {first['wall_s']:.1f} s in all; {first['warm']}): first "
                  f"{totals[0]:.0f} ms, median of the next nine {statistics.median(totals[1:]):.0f} ms, ratio "
                  f"{totals[0] / statistics.median(totals[1:]):.2f}"]
        if not args.no_serve:
            shown = bench_first_browser(Path(args.index_dir), questions[0])
            secs = shown["seconds"]
            lines.append(f"- `serve` in chromium, the first question asked 10 times, a new conversation before each "
                         f"(ready {shown['ready_s']:.1f} s after start): first {secs[0]:.2f} s, median of the next "
                         f"nine {statistics.median(secs[1:]):.2f} s, ratio {secs[0] / statistics.median(secs[1:]):.2f}")
            # one question ten times: the chat streams an answer out at a pace set by its length, so only the same
            # answer compares the first time with the next nine
            served = bench_first_serve(Path(args.index_dir), questions[:1] * 10)
            secs = served["seconds"]
            lines.append(f"- `serve`, the first question asked 10 times through /respond (ready {served['ready_s']:.1f} s after start; "
                         f"{served['warm']}): first {secs[0]:.2f} s, median of the next nine "
                         f"{statistics.median(secs[1:]):.2f} s, ratio {secs[0] / statistics.median(secs[1:]):.2f}; "
                         f"errors {len(served['errors'])}")
        print("\n".join(lines[-3:]), flush=True)
    lines += ["", f"load average after: {load()}", ""]
    with open(args.out, "a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    print(f"appended to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
