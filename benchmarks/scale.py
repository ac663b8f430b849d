"""Scale: retrieval latency and memory at 10k, 100k and 1M chunks, embedded Chroma against a Chroma server.

    python benchmarks/scale.py [--sizes 10000,100000,1000000] [--base-index indexes/dev-shared]
                               [--budget-min 20] [--queries 40] [--out benchmarks/RESULTS-scale.md]

The index is enlarged synthetically from real chunks: every chunk of the base index (texts, metadata and the real
model's vectors) is copied as often as needed; copy c of a chunk gets id "<id>~c", its own document id, a vector
moved by Gaussian noise (cosine ~0.93 to the original, renormalised) and its text with every 11th word dropped from
a copy-specific offset. Queries are the questions of evals/dev.yaml, embedded once with the real model.

Each mode runs in its own process (so its memory is its own), growing one collection 10k -> 100k -> ... through
the product's own paths: VectorIndex.add (what ingest calls), Store.rebuild_lexical (the end of every ingest),
VectorIndex.query (dense, 60 candidates as the Retriever asks), LexicalIndex.top (BM25) and Retriever.retrieve
(the full hybrid, query embedding included). A size is skipped when its insertion would not fit the time budget
(measured rows/s); then, at that size, BM25 alone (tokens perturbed like the text, same LexicalIndex.top) and an
exact numpy scan of the vectors (a reference point, not Chroma) are measured instead, and the table says so.
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


def run_worker(args, kind: str, sizes: list[int], deadline: float) -> list[dict]:
    command = [sys.executable, __file__, "--worker", kind, "--workdir", args.workdir,
               "--sizes", ",".join(map(str, sizes)), "--deadline", str(deadline)]
    log(f"worker {kind}: start")
    records = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        for line in process.stdout:
            if line.startswith("RESULT "):
                records.append(json.loads(line[7:]))
                log(f"worker {kind}: {records[-1]}")
    if process.returncode:
        log(f"worker {kind} exited with {process.returncode}")
    return records


def fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return f"{value:,.{digits}f}"


def pair(record: dict, key: str) -> str:
    if key + "_p50" not in record:
        return "–"
    return f"{fmt(record[key + '_p50'])} / {fmt(record[key + '_p95'])}"


def markdown(info: dict, records: list[dict]) -> str:
    lines = [
        "# Scale benchmark",
        "",
        f"Run {info['date']} on {info['machine']} with `python benchmarks/scale.py {info['argv']}` "
        f"({info['minutes']:.1f} min in all; load average {info['load_before']} before, {info['load_after']} after: "
        "the machine's 2 cores were shared with other workers, so absolute times are pessimistic).",
        "",
        f"Base: {info['base_chunks']:,} real chunks of {info['origin']}, model {info['model']} ({info['dim']} dims), "
        f"enlarged synthetically (see the docstring of scale.py). {info['queries']} questions of evals/dev.yaml; "
        f"p50 / p95 in ms over them, after 3 warm-up queries. Embedding one query with the real model takes "
        f"{info['query_embed_ms']:.0f} ms of each hybrid figure.",
        "",
        "| chunks | mode | insert rows/s | BM25 rebuild s | table load s | dense (Chroma) p50 / p95 | "
        "dense + country filter | BM25 p50 / p95 | hybrid Retriever p50 / p95 | RSS app MB | RSS server MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in records:
        if r.get("skipped"):
            continue
        lines.append(
            f"| {r['size']:,} | {r['mode']} | {fmt(r.get('insert_rows_per_s'), 0)} | {fmt(r.get('bm25_rebuild_s'))} | "
            f"{fmt(r.get('table_load_s'))} | {pair(r, 'dense')} | {pair(r, 'filtered')} | {pair(r, 'bm25')} | "
            f"{pair(r, 'hybrid')} | {fmt(r.get('rss_mb'), 0)} | {fmt(r.get('server_rss_mb'), 0)} |")
    skipped = [r for r in records if r.get("skipped")]
    if skipped:
        lines += ["", "Not measured:", ""]
        lines += [f"- {r['size']:,} chunks, {r['mode']}: {r['skipped']}" for r in skipped]
    notes = [r for r in records if r.get("note")]
    if notes:
        lines += ["", "Notes:", ""] + [f"- {r['size']:,} chunks, {r['mode']}: {r['note']}" for r in notes]
    return "\n".join(lines) + "\n"


def machine() -> str:
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    import chromadb

    return (f"{os.cpu_count()} CPU cores (nproc; {cpu}), {mem / 1024 / 1024:.1f} GiB RAM, Python "
            f"{platform.python_version()}, chromadb {chromadb.__version__}")


def parent(args) -> int:
    started = time.time()
    deadline = started + args.budget_min * 60 - 4 * 60  # the last minutes are for the fallback at unreached sizes
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    log("preparing the base chunks and query vectors")
    info = prepare_base(args, work / "base")
    log(f"base: {info}")
    sizes = [int(s) for s in args.sizes.split(",")]
    records = []
    kinds = args.modes.split(",")
    for n, kind in enumerate(kinds):  # each mode gets an equal share of what is left
        records += run_worker(args, kind, sizes, time.time() + (deadline - time.time()) / (len(kinds) - n))
    missing = [size for size in sizes if not any(r["size"] == size and not r.get("skipped") for r in records)]
    if missing:
        records += run_worker(args, "bm25-exact", missing, deadline + 4 * 60)
    info.update(date=datetime.now().strftime("%Y-%m-%d %H:%M"), machine=machine(), argv=" ".join(sys.argv[1:]),
                minutes=(time.time() - started) / 60, load_before=load_before,
                load_after=" ".join(f"{x:.1f}" for x in os.getloadavg()))
    text = markdown(info, records)
    print(text)
    if args.out:
        out = Path(args.out)
        old = out.read_text() if out.exists() else ""
        notes = old[old.index(NOTES_MARK):] if NOTES_MARK in old else ""  # the reading of earlier figures stays
        out.write_text(text + ("\n" + notes if notes else ""))
    shutil.rmtree(work, ignore_errors=True)
    return 0


# ---- workers -------------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    chroma = Path(sys.executable).with_name("chroma")
    log_file = (folder / "server.log").open("w")
    server = subprocess.Popen([str(chroma if chroma.exists() else "chroma"), "run", "--path", str(folder / "db"),
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


def chroma_worker(args, mode: str) -> None:
    from landinfo.lexical import LexicalIndex  # noqa: F401  (imported before timing)
    from landinfo.records import Filters
    from landinfo.retrieve import Retriever, lexical_query
    from landinfo.settings import Settings
    from landinfo.store import Store

    work = Path(args.workdir)
    base = Base(work / "base")
    folder = work / mode
    folder.mkdir(parents=True)
    server, url = (None, "")
    if mode == "server":
        server, url = start_server(folder)
    settings = Settings(index_dir=folder / "index", chroma_url=url)
    store = Store.open(settings, create=True)
    store.embedder.embed_queries(["warm-up: loads the model"])
    baseline = rss_mb()
    queries, qvecs = base.queries, base.query_vectors
    country = Filters(countries=("Afghanistan",))
    count, rate, scaling, fixed = 0, None, 0.0, 0.0
    try:
        for size in map(int, args.sizes.split(",")):
            remaining = args.deadline - time.time()
            # projected: insertion at the measured rate, which halves for each tenfold growth (seen here from 10k to
            # 100k), BM25 rebuild and table load scaled by size, the queries as long as before
            projected_rate = rate * (count / size) ** 0.3 if rate else None
            if rate and (size - count) / projected_rate + scaling * size / count + fixed > remaining:
                emit({"size": size, "mode": mode, "skipped": (
                    f"inserting {size - count:,} more rows at ~{projected_rate:,.0f} rows/s (measured {rate:,.0f} up "
                    f"to {count:,}) would take {(size - count) / projected_rate / 60:.0f} min; "
                    f"{max(0, remaining) / 60:.1f} min of this mode's share of the budget were left")})
                break
            t0 = time.perf_counter()
            for start in range(count, size, 5000):
                ids, vectors, texts, metas = base.rows(start, min(size, start + 5000))
                store.index.add(ids, vectors, texts, metas)
            rate = (size - count) / (time.perf_counter() - t0)
            count = size
            log(f"{mode} {size}: inserted at {rate:.0f} rows/s")
            started_after = t0 = time.perf_counter()
            store.rebuild_lexical()
            rebuild = time.perf_counter() - t0
            record = {"size": size, "mode": mode, "insert_rows_per_s": rate, "bm25_rebuild_s": rebuild}
            for name, fn, items in (
                    ("dense", lambda v: store.index.query(v, CANDIDATES), qvecs),
                    ("filtered", lambda v: store.index.query(v, CANDIDATES, country), qvecs),
                    ("bm25", lambda q: store.lexical.top(lexical_query(q), CANDIDATES), queries)):
                timed(fn, items[:3])
                record[name + "_p50"], record[name + "_p95"] = percentiles(timed(fn, items))
            retriever = Retriever(settings, store=store)
            t0 = time.perf_counter()
            retriever.retrieve(queries[0], None, 10)  # builds the in-memory chunk table
            record["table_load_s"] = time.perf_counter() - t0
            timed(lambda q: retriever.retrieve(q, None, 10), queries[:3])
            record["hybrid_p50"], record["hybrid_p95"] = percentiles(
                timed(lambda q: retriever.retrieve(q, None, 10), queries))
            record["rss_mb"] = rss_mb()
            record["note"] = f"app RSS includes {baseline:,.0f} MB taken before the first chunk (model, libraries)"
            if server is not None:
                record["server_rss_mb"] = rss_mb(server.pid)
            emit(record)
            scaling = record["bm25_rebuild_s"] + record["table_load_s"]
            fixed = time.perf_counter() - started_after - scaling
            del retriever
            gc.collect()
    finally:
        store.close()
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def bm25_exact_worker(args) -> None:
    """Sizes Chroma could not reach in time: BM25 through LexicalIndex.top, and an exact numpy scan of the vectors."""
    import bm25s

    from landinfo.lexical import LexicalIndex, tokenize
    from landinfo.retrieve import lexical_query

    work = Path(args.workdir)
    base = Base(work / "base")
    for size in map(int, args.sizes.split(",")):
        gc.collect()
        t0 = time.perf_counter()
        tokens = [tokenize(text, (meta.get("language"),) if meta.get("language") in ("sv", "en") else ("sv", "en"))
                  or ["∅"] for text, meta in zip(base.texts, base.metas)]
        ids, corpus = [], []
        for j in range(size):
            i, c = j % len(base), j // len(base)
            ids.append(base.ids[i] if c == 0 else f"{base.ids[i]}~{c}")
            words = tokens[i]
            corpus.append(words if c == 0 else [w for k, w in enumerate(words)
                                                 if (k - (c * 7) % DROP_EVERY) % DROP_EVERY or k < (c * 7) % DROP_EVERY])
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(corpus, show_progress=False)
        del corpus
        gc.collect()
        lexical = LexicalIndex(work / "unused")
        lexical._set(ids, bm25)
        build = time.perf_counter() - t0
        log(f"bm25 {size}: built in {build:.0f} s")
        record = {"size": size, "mode": "BM25 + exact numpy scan (no Chroma)", "bm25_rebuild_s": build}
        fn = lambda q: lexical.top(lexical_query(q), CANDIDATES)  # noqa: E731
        timed(fn, base.queries[:3])
        record["bm25_p50"], record["bm25_p95"] = percentiles(timed(fn, base.queries))
        rss_bm25 = rss_mb()
        vectors = np.empty((size, base.vectors.shape[1]), dtype=np.float32)
        for start in range(0, size, 50_000):
            vectors[start:start + 50_000] = base.rows(start, min(size, start + 50_000))[1]
        scan = lambda v: np.argpartition(-(vectors @ v), CANDIDATES)[:CANDIDATES]  # noqa: E731
        timed(scan, base.query_vectors[:3])
        record["dense_p50"], record["dense_p95"] = percentiles(timed(scan, base.query_vectors))
        record["rss_mb"] = rss_mb()
        record["note"] = (f"dense is an exact numpy scan of {size:,} float32 vectors (not Chroma's HNSW); "
                          f"RSS {rss_bm25:,.0f} MB with BM25 alone, {record['rss_mb']:,.0f} MB with the vectors too; "
                          "BM25 built from tokens (text tokenised once per base chunk, then perturbed), "
                          "not through Store.rebuild_lexical")
        emit(record)
        del vectors, lexical, bm25


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--modes", default="embedded,server")
    parser.add_argument("--base-index", default=str(REPO / "indexes" / "dev-shared"),
                        help="an index of the real model to take chunks and vectors from (copied first); "
                             "absent: the demo corpus is ingested")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--budget-min", type=float, default=20)
    parser.add_argument("--workdir", default="/tmp/landinfo-scale")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "RESULTS-scale.md"))
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--deadline", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker in ("embedded", "server"):
        chroma_worker(args, args.worker)
        return 0
    if args.worker == "bm25-exact":
        bm25_exact_worker(args)
        return 0
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
