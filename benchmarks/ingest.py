"""Ingest throughput on a corpus, and how much of it is embedding.

    python benchmarks/ingest.py ../shared/corpus [--out benchmarks/RESULTS.md]

Builds a fresh index in a temp folder, then re-ingests the unchanged corpus. Reports pages/s and chunks/s,
total ingest time over the embedding time of the same chunks (measured inside the same run around the
model call: target <= 1.25), the quotable sentences' pass apart (sentence_vectors.py: embedded at ingest since issue
#23), the index's size on disk, and re-ingest time as a share of the first ingest (target <= 5 %). The embedder is
the settings' (LANDINFO_EMBEDDING_BACKEND); the CPU's flags are printed, since int8 speed depends on them.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from datetime import date
from pathlib import Path

from landinfo.ingest import ingest
from landinfo.settings import Settings
from landinfo.store import Store


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp))
        with Store.open(settings, create=True) as store:  # model conversion/loading is not ingest time
            store.embedder.embed_passages(["warm"])
            model = store.embedder.name
        first = ingest(Path(args.corpus), settings, progress=False)
        disk = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
        again = ingest(Path(args.corpus), settings, progress=False)
        with Store.open(settings) as store:
            records = [r for r in store.manifest.records().values() if r.status == "indexed"]
            pages = len({(m["doc_id"], m["page"]) for _, _, m in store.index.iter_all() if m.get("page", -1) > 0})
    chars = sum(len(r.fulltext) for r in records)
    lines = [
        f"### Ingest of {args.corpus} ({date.today()}, {platform.machine()}, {os.cpu_count()} cores, {_cpu_flags()}; "
        f"{model}; load average before {os.getloadavg()[0]:.2f})", "",
        "| measure | value |", "|---|---|",
        f"| files indexed / duplicates / failed | {first.files['ingested']} / {first.files['duplicates']} / {first.files['failed']} |",
        f"| chunks | {first.chunks['added']} |",
        f"| first ingest | {first.seconds:.1f} s |",
        f"| of which embedding (model calls) | {first.embed_seconds:.1f} s |",
        f"| of which the quotable sentences' vectors | {getattr(first, 'sentence_seconds', 0.0):.1f} s |",
        f"| total / embedding | {first.seconds / max(first.embed_seconds, 1e-9):.3f} (target <= 1.25) |",
        f"| on disk | {disk / 1e6:.1f} MB |",
        f"| chunks/s | {first.chunks['added'] / first.seconds:.2f} |",
        f"| PDF pages, pages/s | {pages}, {pages / first.seconds:.2f} |",
        f"| text, pages of 3,000 characters per s | {chars / 1e6:.2f} M characters, {chars / 3000 / first.seconds:.2f} |",
        f"| re-ingest, unchanged corpus | {again.seconds:.1f} s, {again.embedded} embedded |",
        f"| re-ingest / first ingest | {100 * again.seconds / first.seconds:.1f} % (target <= 5 %) |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0


def _cpu_flags() -> str:
    try:
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")).split()
    except (OSError, StopIteration):
        return "flags unknown"
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile")
    return "flags: " + (" ".join(f for f in wanted if f in flags) or "none of " + "/".join(wanted))


if __name__ == "__main__":
    sys.exit(main())
