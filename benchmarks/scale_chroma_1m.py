"""Chroma itself at 1M chunks: the size `scale.py` cannot reach inside its budget.

    python benchmarks/scale_chroma_1m.py [--checkpoints 250000,500000,1000000] [--out benchmarks/RESULTS-scale-1m.md]

One collection is grown once, through VectorIndex.add (what ingest calls), from the same synthetic rows as scale.py
(real chunks and vectors of indexes/dev-shared, copied with noise). At each checkpoint the embedded store is timed:
dense query (60 candidates, as the Retriever asks) and dense query with a country filter, over the dev questions'
real query vectors. After the last checkpoint the embedded client is closed and `chroma run` serves the very same
folder on loopback, so server mode is measured on identical data without inserting a second million rows.

Not measured here, and why: the BM25 rebuild and the hybrid Retriever. Both read every chunk into the app's memory
(scale.py measured 46-62 s and 24-38 s at 100k); BM25 alone at 1M is in RESULTS-scale.md.
Results stream to the output file after every checkpoint, so a run cut short still leaves what it measured;
a finished run removes its working folder.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import CANDIDATES, REPO, Base, log, machine, percentiles, prepare_base, rss_mb, start_server, timed  # noqa: E402


def measure(index, base: Base, country) -> dict:
    qvecs = base.query_vectors
    record = {}
    for name, fn in (("dense", lambda v: index.query(v, CANDIDATES)),
                     ("filtered", lambda v: index.query(v, CANDIDATES, country))):
        timed(fn, qvecs[:3])
        record[name + "_p50"], record[name + "_p95"] = percentiles(timed(fn, qvecs))
    return record


def disk_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20


def write(out: Path, info: dict, rows: list[dict]) -> None:
    lines = [
        "# Chroma at 1M chunks",
        "",
        f"Run {info['date']} on {info['machine']} with `python benchmarks/scale_chroma_1m.py {info['argv']}` "
        f"(load average {info['load_before']} before). Base: {info['base_chunks']:,} real chunks of "
        f"{info['origin']}, model {info['model']} ({info['dim']} dims), enlarged as in scale.py; "
        f"{info['queries']} dev questions, p50 / p95 in ms after 3 warm-up queries; query vectors precomputed "
        f"(embedding one question: {info['query_embed_ms']:.0f} ms, not included).",
        "",
        "| chunks | mode | insert rows/s (this step) | dense p50 / p95 | dense + country filter p50 / p95 "
        "| RSS app MB | RSS server MB | on disk MB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        rate = f"{r['insert_rows_per_s']:,.0f}" if r.get("insert_rows_per_s") else "–"
        server = f"{r['server_rss_mb']:,.0f}" if r.get("server_rss_mb") else "–"
        lines.append(f"| {r['size']:,} | {r['mode']} | {rate} | {r['dense_p50']:,.1f} / {r['dense_p95']:,.1f} "
                     f"| {r['filtered_p50']:,.1f} / {r['filtered_p95']:,.1f} | {r['rss_mb']:,.0f} | {server} "
                     f"| {r['disk_mb']:,.0f} |")
    if info.get("done"):
        lines += ["", f"Finished in {info['minutes']:.0f} min; load average {info['load_after']} after."]
    else:
        lines += ["", "Run in progress or cut short: only the rows above were measured."]
    out.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoints", default="250000,500000,1000000")
    parser.add_argument("--base-index", default=str(REPO / "indexes" / "dev-shared"))
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--workdir", default="/tmp/landinfo-scale-1m")
    parser.add_argument("--out", default=str(REPO / "benchmarks" / "RESULTS-scale-1m.md"))
    args = parser.parse_args(argv)

    from landinfo.index import IndexShape, VectorIndex
    from landinfo.records import Filters
    from landinfo.settings import Settings

    started = time.time()
    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    info = prepare_base(args, work / "base")
    info.update(date=datetime.now().strftime("%Y-%m-%d %H:%M"), machine=machine(), argv=" ".join(sys.argv[1:]),
                load_before=" ".join(f"{x:.1f}" for x in os.getloadavg()))
    base = Base(work / "base")
    country = Filters(countries=("Afghanistan",))
    index_dir = work / "index"
    settings = Settings(index_dir=index_dir)
    shape = IndexShape.from_settings(settings, info["model"])
    out = Path(args.out)
    rows: list[dict] = []

    index = VectorIndex(settings, shape, create=True)
    count = 0
    for size in map(int, args.checkpoints.split(",")):
        t0 = time.perf_counter()
        for start in range(count, size, 5000):
            ids, vectors, texts, metas = base.rows(start, min(size, start + 5000))
            index.add(ids, vectors, texts, metas)
            if (start // 5000) % 20 == 0:
                log(f"{start + 5000:,} rows, {(start + 5000 - count) / (time.perf_counter() - t0):.0f} rows/s")
        rate = (size - count) / (time.perf_counter() - t0)
        count = size
        record = {"size": size, "mode": "embedded", "insert_rows_per_s": rate, **measure(index, base, country),
                  "rss_mb": rss_mb(), "disk_mb": disk_mb(index_dir)}
        log(json.dumps(record))
        rows.append(record)
        write(out, info, rows)

    index.close()  # the embedded Chroma lets go of the folder before the server opens it
    served = work / "served"  # start_server serves <folder>/db: make that the grown folder
    served.mkdir()
    os.symlink(index_dir / "chroma", served / "db")
    server, url = start_server(served)
    try:
        remote = VectorIndex(Settings(index_dir=work / "remote", chroma_url=url), shape)
        record = {"size": count, "mode": "server (same folder)", **measure(remote, base, country),
                  "rss_mb": rss_mb(), "server_rss_mb": rss_mb(server.pid), "disk_mb": disk_mb(index_dir)}
        log(json.dumps(record))
        rows.append(record)
    finally:
        server.terminate()
        server.wait(timeout=60)
    info.update(done=True, minutes=(time.time() - started) / 60,
                load_after=" ".join(f"{x:.1f}" for x in os.getloadavg()))
    write(out, info, rows)
    shutil.rmtree(work, ignore_errors=True)  # ~8 GB at 1M chunks
    return 0


if __name__ == "__main__":
    sys.exit(main())
