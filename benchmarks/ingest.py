"""Ingest throughput on a corpus, and how much of it is embedding.

    python benchmarks/ingest.py ../shared/corpus [--out benchmarks/RESULTS.md]

Builds a fresh index in a temp folder, then re-ingests the unchanged corpus. Reports pages/s and chunks/s,
total ingest time over the embedding time of the same chunks (measured inside the same run around the
model call: target <= 1.25), and re-ingest time as a share of the first ingest (target <= 5 %).
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
        Store.open(settings, create=True).close()  # model conversion/loading is not ingest time
        first = ingest(Path(args.corpus), settings, progress=False)
        again = ingest(Path(args.corpus), settings, progress=False)
        with Store.open(settings) as store:
            records = [r for r in store.manifest.records().values() if r.status == "indexed"]
            pages = len({(m["doc_id"], m["page"]) for _, _, m in store.index.iter_all() if m.get("page", -1) > 0})
    chars = sum(len(r.fulltext) for r in records)
    lines = [
        f"### Ingest of {args.corpus} ({date.today()}, {platform.machine()}, {os.cpu_count()} cores)", "",
        "| measure | value |", "|---|---|",
        f"| files indexed / duplicates / failed | {first.files['ingested']} / {first.files['duplicates']} / {first.files['failed']} |",
        f"| chunks | {first.chunks['added']} |",
        f"| first ingest | {first.seconds:.1f} s |",
        f"| of which embedding (model calls) | {first.embed_seconds:.1f} s |",
        f"| total / embedding | {first.seconds / max(first.embed_seconds, 1e-9):.3f} (target <= 1.25) |",
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


if __name__ == "__main__":
    sys.exit(main())
