"""Dense search by language in the two layouts of one synthetic index: one collection filtered by language (the
layout before issue #25) against one collection per language searched unfiltered (the layout now).

    python benchmarks/layouts.py ONE_COLLECTION_INDEX PER_LANGUAGE_INDEX [--queries 40]

Both indexes must hold the same chunks (scale_build.py, with and without the per-language layout). The searches
alternate between the two in one process, over the dev questions' vectors, 60 neighbours per language as the
retriever asks; p50 / p95 in ms and the CPU flags are printed.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import CANDIDATES, cpu_flags, machine, percentiles, questions  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("one_collection")
    parser.add_argument("per_language")
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args(argv)
    from landinfo.settings import Settings
    from landinfo.store import Store

    stores = {name: Store.open(Settings(index_dir=Path(folder)))
              for name, folder in (("one collection, language filter", args.one_collection),
                                   ("a collection per language", args.per_language))}
    embedder = next(iter(stores.values())).embedder
    vectors = [embedder.embed_queries([q])[0] for q in questions(args.queries)]
    times: dict[str, list[float]] = {name: [] for name in stores}
    for rep in range(2):
        for vector in vectors:
            for name, store in stores.items():
                t0 = time.perf_counter()
                for language in ("sv", "en"):
                    store.index.query(vector, CANDIDATES, language=language)
                if rep:  # the first round warms both
                    times[name].append((time.perf_counter() - t0) * 1000)
    print(f"{machine()}; CPU flags: {cpu_flags()}")
    for name, ms in times.items():
        p50, p95 = percentiles(ms)
        print(f"{name}: both languages' 60 nearest, p50 {p50:.1f} ms, p95 {p95:.1f} ms ({len(ms)} questions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
