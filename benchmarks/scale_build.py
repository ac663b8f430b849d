"""Build (or grow) a synthetic index of N chunks for the scale benchmarks, once, to be reused between runs.

    python benchmarks/scale_build.py --base-index /path/to/a/real/index --target /path/to/big \
        [--size 1000000] [--snapshot 100000:/path/to/big-100k]

The target starts as a copy of the real index's files (its manifest and sentence vectors come along) without its
vectors, and its Chroma collections (one per language) are grown through VectorIndex.add, what ingest calls, with the synthetic rows of scale.py (real
chunks and vectors copied with noise; a copy is its own document). The run can be stopped and started again: it
goes on from the collection's count. A snapshot copies the whole folder when the count passes a size (the embedded
Chroma is closed first, so its vector files are complete). `--finish-only` then runs, on the target or a snapshot,
the end-of-ingest steps that serving reads: the BM25 rebuild and the compact chunk arrays.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import Base, log, prepare_base  # noqa: E402

BATCH = 5000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-index", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--snapshot", action="append", default=[], help="SIZE:FOLDER, a copy of the target at SIZE")
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--finish-only", action="store_true", help="only the end-of-ingest steps")
    args = parser.parse_args(argv)

    from landinfo.index import VectorIndex
    from landinfo.settings import Settings
    from landinfo.store import Store

    target = Path(args.target)
    base_folder = target.parent / (target.name + "-base")
    if not (base_folder / "vectors.npy").exists():
        prepare_base(args, base_folder)
    base = Base(base_folder)
    with Store.open(Settings(index_dir=Path(args.base_index))) as store:
        shape = store.shape
    if not target.exists():  # the real index's files but its vectors: those are added anew, copy 0 of each row
        shutil.copytree(Path(args.base_index), target, ignore=shutil.ignore_patterns("*.lock", "chroma*"))
    settings = Settings(index_dir=target)
    snapshots = sorted((int(s.split(":")[0]), Path(s.split(":", 1)[1])) for s in args.snapshot)
    index = VectorIndex(settings, shape, create=True)
    count = index.count()
    log(f"{target}: {count:,} rows, growing to {args.size:,}")
    t0, start_count = time.perf_counter(), count
    while count < args.size and not args.finish_only:
        end = min(args.size, count + BATCH)
        for size, folder in snapshots:
            if count < size <= end:
                end = size
        ids, vectors, texts, metas = base.rows(count, end)
        index.add(ids, vectors, texts, metas)
        count = end
        rate = (count - start_count) / (time.perf_counter() - t0)
        log(f"{count:,} rows, {rate:.0f} rows/s")
        for size, folder in snapshots:
            if count == size and not folder.exists():
                index.close()
                shutil.copytree(target, folder, ignore=shutil.ignore_patterns("*.lock"))
                log(f"snapshot at {size:,}: {folder}")
    index.close()
    if args.finish_only:
        finish(target)
    (target / "scale-build.json").write_text(json.dumps({"size": count, "base": str(args.base_index)}))
    return 0


def finish(folder: Path) -> None:
    """The steps an ingest ends with, which serving reads: BM25 and the compact chunk arrays."""
    from landinfo.settings import Settings
    from landinfo.store import Store

    t0 = time.perf_counter()
    with Store.open(Settings(index_dir=folder), create=True) as store:  # as an ingest opens it (HNSW settings)
        store.rebuild_lexical()
    log(f"{folder}: BM25 and chunk table {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
