"""Scale: hybrid retrieval, memory, cold start and several instances at 100k and 1M chunks, embedded and server.

    python benchmarks/scale_build.py ...   # once: the synthetic indexes (see its docstring), then --finish-only
    python benchmarks/scale.py --index 100000=/path/big-100k --index 1000000=/path/big [--modes embedded,server]
                               [--queries 40] [--instances 4 --together 200] [--out benchmarks/RESULTS-scale.md]

The indexes are enlarged synthetically from real chunks: every chunk of a real index (texts, metadata and the real
model's vectors) is copied as often as needed; copy c of a chunk gets id "<id>~c", its own document id, a vector
moved by Gaussian noise (cosine ~0.93 to the original, renormalised) and its text with every 11th word dropped from
a copy-specific offset. Questions are those of evals/dev.yaml (written the way officers ask).

Each measurement runs in a fresh process (its memory and its cold start are its own), through the product's own
paths: Assistant.ask for the first answer and the answers together, Retriever.retrieve for hybrid retrieval (the
question's embedding included), and, as the floor, one bare unfiltered query of Chroma's largest collection with the
question's vector. Server mode serves the very same folder with `chroma run` on loopback; its instances read the
folder's BM25 and chunk table, read-only. CPU flags are printed with the results: compare within one run only.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
NOISE = 0.4  # norm of the noise added to a unit vector: cosine to the original ~ 1 / sqrt(1 + 0.4^2) = 0.93
DROP_EVERY = 11
CANDIDATES = 60
NOTES_MARK = "<!-- notes: written by hand, kept when the table is regenerated -->"


# ---- shared helpers ---------------------------------------------------------------------------------------

def rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def emit(record: dict) -> None:
    print("RESULT " + json.dumps(record), flush=True)


class Base:
    """The real chunks everything is enlarged from, saved once by the parent for the workers."""

    def __init__(self, folder: Path):
        self.ids = json.loads((folder / "ids.json").read_text())
        self.texts = json.loads((folder / "texts.json").read_text())
        self.metas = json.loads((folder / "metas.json").read_text())
        self.vectors = np.load(folder / "vectors.npy")
        self.queries = json.loads((folder / "queries.json").read_text())
        self.query_vectors = np.load(folder / "query_vectors.npy")

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, start: int, end: int):
        """Synthetic rows [start, end): (ids, vectors, texts, metadatas)."""
        n = len(self)
        js = np.arange(start, end)
        base, copy = js % n, js // n
        rng = np.random.default_rng(start)
        noise = rng.standard_normal((end - start, self.vectors.shape[1])).astype(np.float32)
        noise *= NOISE / np.sqrt(self.vectors.shape[1])
        noise[copy == 0] = 0.0
        vectors = self.vectors[base] + noise
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids, texts, metas = [], [], []
        for i, c in zip(base.tolist(), copy.tolist()):
            if c == 0:
                ids.append(self.ids[i])
                texts.append(self.texts[i])
                metas.append(self.metas[i])
                continue
            words = self.texts[i].split(" ")
            del words[(c * 7) % DROP_EVERY::DROP_EVERY]
            ids.append(f"{self.ids[i]}~{c}")
            texts.append(" ".join(words))
            meta = dict(self.metas[i])
            meta["doc_id"] = f"{meta.get('doc_id', '')}~{c}"
            meta["source"] = f"{meta.get('source', '')}~{c}"
            metas.append(meta)
        return ids, vectors, texts, metas


# ---- parent: base data, workers, table ----------------------------------------------------------------------

def prepare_base(args, folder: Path) -> dict:
    from landinfo.evaluate.questionset import load_question_set
    from landinfo.ingest import ingest
    from landinfo.settings import Settings
    from landinfo.store import Store

    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "index"
    shutil.rmtree(copy, ignore_errors=True)
    source = Path(args.base_index) if args.base_index else None
    if source and (source / "chroma").is_dir():
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("ingest.lock"))  # never open a live index
        origin = f"{source} (copied)"
    else:
        ingest(REPO / "corpus", Settings(index_dir=copy), progress=False)
        origin = "corpus/ (demo corpus, ingested with the real model)"
    settings = Settings(index_dir=copy)
    with Store.open(settings) as store:
        rows = list(store.index.iter_all(with_vectors=True))
        questions = [q.question for q in load_question_set(REPO / "evals" / "dev.yaml").questions][: args.queries]
        store.embedder.embed_queries(["warm-up: loads the model"])
        t0 = time.perf_counter()
        query_vectors = np.asarray([store.embedder.embed_queries([q])[0] for q in questions])
        embed_ms = (time.perf_counter() - t0) * 1000 / len(questions)
        model = store.embedder.name
    (folder / "ids.json").write_text(json.dumps([r[0] for r in rows]))
    (folder / "texts.json").write_text(json.dumps([r[1] for r in rows], ensure_ascii=False))
    (folder / "metas.json").write_text(json.dumps([r[2] for r in rows], ensure_ascii=False))
    np.save(folder / "vectors.npy", np.asarray([r[3] for r in rows], dtype=np.float32))
    (folder / "queries.json").write_text(json.dumps(questions, ensure_ascii=False))
    np.save(folder / "query_vectors.npy", np.asarray(query_vectors, dtype=np.float32))
    return {"base_chunks": len(rows), "origin": origin, "queries": len(questions), "model": model,
            "dim": int(np.asarray(query_vectors).shape[1]), "query_embed_ms": embed_ms}


def fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return f"{value:,.{digits}f}"


def pair(record: dict, key: str) -> str:
    if key + "_p50" not in record:
        return "–"
    return f"{fmt(record[key + '_p50'])} / {fmt(record[key + '_p95'])}"


def machine() -> str:
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import chromadb

    return (f"{os.cpu_count()} CPU cores (nproc; {cpu}), {mem / 1024 / 1024:.1f} GiB RAM, Python "
            f"{platform.python_version()}, chromadb {chromadb.__version__}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path, db: Path | None = None) -> tuple[subprocess.Popen, str]:
    """`chroma run` on a free loopback port, serving `db` (default <folder>/db); its log in <folder>/server.log."""
    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    log_file = (folder / "server.log").open("w")
    server = subprocess.Popen([str(chroma if chroma.exists() else "chroma"), "run", "--path", str(db or folder / "db"),
                               "--host", "127.0.0.1", "--port", str(port)], stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1):
                return server, url
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"chroma server did not start: {(folder / 'server.log').read_text()[-1000:]}")




def cpu_flags() -> str:
    flags = next((line.split(":", 1)[1].split() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("flags")), [])
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile", "amx_int8")
    return " ".join(f for f in wanted if f in flags) or "none of avx2/avx512/vnni/amx"


def disk_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file()) / 2**20


def memory() -> dict:
    return {"rss_mb": rss_mb(), "rss_anon_mb": rss_mb(field="RssAnon"), "rss_file_mb": rss_mb(field="RssFile"),
            "peak_mb": rss_mb(field="VmHWM")}


# ---- workers: one instance each ------------------------------------------------------------------------------

def questions(count: int) -> list[str]:
    from landinfo.evaluate.questionset import load_question_set

    return [q.question for q in load_question_set(REPO / "evals" / "dev.yaml").questions][:count]


def instance_worker(args) -> None:
    """Cold start to the first answer, then hybrid retrieval with and without a country filter, the floor, and
    whole answers, over the dev questions; memory at the end."""
    launched = float(args.launched)
    from landinfo.answer.assistant import Assistant
    from landinfo.records import Filters
    from landinfo.settings import Settings

    settings = Settings(index_dir=Path(args.index_dir), chroma_url=args.url or "")
    qs = questions(args.queries)
    assistant = Assistant(settings)
    opened = time.time()
    table = assistant.retriever.table
    table_loaded = time.time()
    first = assistant.ask(qs[0])
    record = {"cold_start_s": time.time() - launched, "imports_and_model_s": opened - launched,
              "table_and_bm25_s": table_loaded - opened, "first_answer_s": time.time() - table_loaded,
              "first_refused": first.refused, **memory()}
    retriever = assistant.retriever
    counts: dict[str, int] = {}
    for doc, size in zip(table.docs, table.doc_sizes.tolist()):
        for country in doc.countries:
            counts[country] = counts.get(country, 0) + size
    country = args.country or max(counts, key=counts.get)
    record["country"], record["country_share"] = country, counts.get(country, 0) / max(1, len(table))
    vectors = {q: retriever.store.embedder.embed_queries([q])[0] for q in qs}
    index = retriever.store.index
    sizes = index._call(lambda cols: {tag: col.count() for tag, col in cols.members.items()})
    largest = max(sizes, key=sizes.get) or None  # "": an index of one collection
    floor = lambda q: index.query(vectors[q], CANDIDATES, language=largest)  # noqa: E731
    hybrid = lambda q: retriever.retrieve(q)  # noqa: E731
    filtered = lambda q: retriever.retrieve(q, Filters(countries=(country,)))  # noqa: E731
    answer = lambda q: assistant.ask(q)  # noqa: E731
    tokens = {q: retriever.parse(q).lexical_tokens() for q in qs}
    bm25 = lambda q: [retriever.backend.lexical(tokens[q], CANDIDATES, Filters(languages=(lang,)))  # noqa: E731
                      for lang in table.languages if lang]
    for name, fn in (("floor", floor), ("bm25", bm25), ("hybrid", hybrid), ("hybrid_country", filtered),
                     ("ask", answer)):
        timed(fn, qs[:3])
        record[name + "_p50"], record[name + "_p95"] = percentiles(timed(fn, qs))
    record.update({f"end_{k}": v for k, v in memory().items()})
    record["dense_paths"] = dict(retriever.backend.dense_stats)
    emit(record)


def together_worker(args) -> None:
    """One of several instances: warm, wait for the common start, answer its share of the questions."""
    from landinfo.answer.assistant import Assistant
    from landinfo.settings import Settings

    settings = Settings(index_dir=Path(args.index_dir), chroma_url=args.url)
    qs = questions(args.queries)
    assistant = Assistant(settings)
    assistant.ask(qs[0])
    Path(args.ready).touch()
    start_file = Path(args.start_at)  # written by the parent once every instance is ready
    while not start_file.exists():
        time.sleep(0.01)
    start_at = float(start_file.read_text() or 0)
    while time.time() < start_at:
        time.sleep(0.01)
    latencies, errors = [], []
    for k in range(args.share):
        question = qs[(k * args.instances + args.instance_number) % len(qs)]
        t0 = time.perf_counter()
        try:
            assistant.ask(question)
        except Exception as exc:  # counted, and the instance goes on with its next question
            errors.append(f"{type(exc).__name__}: {exc}"[:200])
        latencies.append((time.perf_counter() - t0) * 1000)
    emit({"latencies": latencies, "errors": errors, **memory()})


# ---- parent ----------------------------------------------------------------------------------------------------

def spawn(args, worker: str, index_dir: Path, url: str, **extra) -> subprocess.Popen:
    command = [sys.executable, __file__, "--worker", worker, "--index-dir", str(index_dir), "--url", url,
               "--queries", str(args.queries), "--launched", repr(time.time())]
    for key, value in extra.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)


def results(process: subprocess.Popen) -> list[dict]:
    out, _ = process.communicate()
    found = [json.loads(line[7:]) for line in out.splitlines() if line.startswith("RESULT ")]
    if process.returncode:
        log(f"worker exited with {process.returncode}")
    return found


def together(args, index_dir: Path, url: str, work: Path) -> dict:
    share = args.together // args.instances
    ready = [work / f"ready-{i}" for i in range(args.instances)]
    start_file = work / "start-at"
    processes = []
    for i in range(args.instances):
        processes.append(spawn(args, "together", index_dir, url, ready=ready[i], start_at=start_file,
                               share=share, instances=args.instances, instance_number=i))
    while not all(r.exists() for r in ready):
        if any(p.poll() is not None for p in processes):
            break
        time.sleep(0.2)
    tmp = start_file.with_suffix(".tmp")
    tmp.write_text(repr(time.time() + 1.0))
    tmp.rename(start_file)
    found = [r for p in processes for r in results(p)]
    latencies = [ms for r in found for ms in r["latencies"]]
    errors = [e for r in found for e in r["errors"]]
    p50, p95 = percentiles(latencies) if latencies else (float("nan"), float("nan"))
    return {"instances": len(found), "answers": len(latencies), "errors": len(errors), "error_sample": errors[:3],
            "p50": p50, "p95": p95, "instance_rss_mb": [round(r["rss_mb"]) for r in found]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", action="append", default=[], help="SIZE=FOLDER, built by scale_build.py")
    parser.add_argument("--modes", default="embedded,server")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--country", default="", help="the filter's country (default: the largest)")
    parser.add_argument("--instances", type=int, default=4)
    parser.add_argument("--together", type=int, default=200, help="questions the instances answer together")
    parser.add_argument("--workdir", default="/tmp/landinfo-scale-run")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "RESULTS-scale.md"))
    for hidden in ("--worker", "--index-dir", "--url", "--launched", "--ready", "--start-at"):
        parser.add_argument(hidden, help=argparse.SUPPRESS, default="")
    for hidden in ("--share", "--instance-number"):
        parser.add_argument(hidden, type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "instance":
        instance_worker(args)
        return 0
    if args.worker == "together":
        together_worker(args)
        return 0
    return parent(args)


def parent(args) -> int:
    started = time.time()
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    info = {"date": datetime.now().strftime("%Y-%m-%d %H:%M"), "machine": machine(), "flags": cpu_flags(),
            "argv": " ".join(sys.argv[1:]), "load_before": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    rows = []
    for spec in args.index:
        size, folder = spec.split("=", 1)
        folder = Path(folder)
        for mode in args.modes.split(","):
            server, url = (None, "")
            if mode == "server":
                server, url = start_server(work, folder / "chroma")
            try:
                log(f"{size} {mode}: one instance")
                record = {"size": int(size), "mode": mode, "disk_mb": disk_mb(folder)}
                found = results(spawn(args, "instance", folder, url))
                record.update(found[0] if found else {"failed": True})
                if server is not None:
                    record["server_rss_mb"] = rss_mb(server.pid)
                    if args.instances:
                        log(f"{size} {mode}: {args.instances} instances, {args.together} questions together")
                        record["together"] = together(args, folder, url, work)
                        record["server_rss_after_mb"] = rss_mb(server.pid)
            finally:
                if server is not None:
                    server.terminate()
                    server.wait(timeout=120)
            log(json.dumps(record))
            rows.append(record)
            write(Path(args.out), info, rows, done=False)
    info.update(minutes=(time.time() - started) / 60, load_after=" ".join(f"{x:.1f}" for x in os.getloadavg()))
    write(Path(args.out), info, rows, done=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def write(out: Path, info: dict, rows: list[dict], done: bool) -> None:
    lines = [
        "# Scale benchmark",
        "",
        f"Run {info['date']} on {info['machine']}; CPU flags: {info['flags']}; "
        f"`python benchmarks/scale.py {info['argv']}` (load average {info['load_before']} before"
        + (f", {info['load_after']} after; {info['minutes']:.0f} min in all)." if done else "; run in progress).")
        + " p50 / p95 in ms over the dev questions, after 3 warm-up questions; every figure of one row comes from "
        "one fresh process.",
        "",
        "| chunks | mode | hybrid p50 / p95 | + country filter | floor: bare Chroma query | hybrid p95 / floor p95 "
        "| whole answer p50 / p95 | cold start to first answer s | instance RSS MB (anon + file) | server RSS MB "
        "| disk MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.get("failed"):
            lines.append(f"| {r['size']:,} | {r['mode']} | failed | | | | | | | | |")
            continue
        ratio = r["hybrid_p95"] / r["floor_p95"] if r.get("floor_p95") else float("nan")
        server = fmt(r.get("server_rss_mb"), 0) if r.get("server_rss_mb") else "–"
        lines.append(
            f"| {r['size']:,} | {r['mode']} | {pair(r, 'hybrid')} | {pair(r, 'hybrid_country')} | {pair(r, 'floor')} "
            f"| {ratio:.1f}× | {pair(r, 'ask')} | {r['cold_start_s']:.1f} | {fmt(r['end_rss_mb'], 0)} "
            f"({fmt(r['end_rss_anon_mb'], 0)} + {fmt(r['end_rss_file_mb'], 0)}) | {server} | {fmt(r['disk_mb'], 0)} |")
    lines += ["", "Per row: the country filtered on, how the dense searches went (unfiltered and filtered here / "
              "restricted to the ids that pass / Chroma's metadata filter), BM25 alone (both languages), the parts "
              "of the cold start, peak RSS:", ""]
    for r in rows:
        if not r.get("failed"):
            lines.append(f"- {r['size']:,} {r['mode']}: {r['country']} ({r['country_share']:.1%} of the chunks); "
                         f"dense {r['dense_paths']}; BM25 {pair(r, 'bm25')} ms; cold start = imports and model "
                         f"{r['imports_and_model_s']:.1f} s + chunk table and BM25 {r['table_and_bm25_s']:.1f} s + "
                         f"first answer {r['first_answer_s']:.1f} s; peak RSS {fmt(r['end_peak_mb'], 0)} MB")
    together_rows = [r for r in rows if r.get("together")]
    if together_rows:
        lines += ["", "Several instances against one `chroma run`, answering together (whole answers):", "",
                  "| chunks | instances | answers | errors | p50 / p95 ms | instance RSS MB | server RSS MB after |",
                  "|---:|---:|---:|---:|---:|---|---:|"]
        for r in together_rows:
            t = r["together"]
            lines.append(f"| {r['size']:,} | {t['instances']} | {t['answers']} | {t['errors']} | {fmt(t['p50'])} / "
                         f"{fmt(t['p95'])} | {', '.join(map(str, t['instance_rss_mb']))} "
                         f"| {fmt(r.get('server_rss_after_mb'), 0)} |")
            if t["error_sample"]:
                lines.append(f"  errors: {t['error_sample']}")
    old = out.read_text() if out.exists() else ""
    notes = old[old.index(NOTES_MARK):] if NOTES_MARK in old else ""  # the reading of the figures stays
    out.write_text("\n".join(lines) + "\n" + ("\n" + notes if notes else ""))


if __name__ == "__main__":
    sys.exit(main())
