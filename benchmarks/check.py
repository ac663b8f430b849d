"""How long `landinfo check` takes for an account of 10 claims, warm (model and index loaded), over an index.

    .venv/bin/python benchmarks/check.py [--index-dir indexes/test-shared] [--set evals/claims-reference.yaml]
                                         [--runs 5] [--shortlist N]

The account is made of the first 10 claims of the question set (in their accounts' order and language) under
the first account's country, so every run checks exactly 10 claims. Prints each phase's median and the machine's
load, since two shared cores make every figure depend on what else runs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", default=str(REPO / "indexes" / "test-shared"))
    parser.add_argument("--set", default=str(REPO / "evals" / "claims-reference.yaml"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--claims", type=int, default=10)
    parser.add_argument("--shortlist", type=int, help="sentences embedded per claim (default CLAIM_SHORTLIST)")
    args = parser.parse_args()

    from landinfo import account_check
    from landinfo.account_check import AccountChecker
    from landinfo.answer.assistant import Assistant
    from landinfo.claims import split_claims
    from landinfo.evaluate.questionset import load_question_set
    from landinfo.settings import Settings

    items = [q for q in load_question_set(args.set).questions if q.is_claim_check]
    single = lambda q: [c for c in q.claims if ";" not in c.text and " – " not in c.text]  # noqa: E731 one claim each
    item = next(q for q in items if len(single(q)) >= args.claims)
    account = "\n".join(c.text.rstrip(".") + "." for c in single(item)[:args.claims])
    claims = split_claims(account)
    checkable = [c for c in claims if not c.personal]
    print(f"account: {len(claims)} claims, {len(checkable)} checkable, from {item.id} ({item.language}, "
          f"{item.country}); index {args.index_dir}")
    if args.shortlist:
        account_check.CLAIM_SHORTLIST = args.shortlist
    print(f"shortlist {account_check.CLAIM_SHORTLIST} sentences a claim")
    checker = AccountChecker(Assistant(Settings(index_dir=Path(args.index_dir))))
    started = time.perf_counter()
    checker.check(account, item.country or "")
    print(f"first check (loads the model, the index and its tables): {time.perf_counter() - started:.1f} s")
    phases: dict[str, list[float]] = {}
    for _ in range(args.runs):
        result = checker.check(account, item.country or "")
        for name in ("retrieve_ms", "quote_ms", "total_ms"):
            phases.setdefault(name, []).append(result.timings[name])
    load = os.getloadavg()
    print(f"{args.runs} warm runs, median: " + ", ".join(
        f"{name.removesuffix('_ms')} {statistics.median(values) / 1000:.2f} s" for name, values in phases.items())
        + f" (total min {min(phases['total_ms']) / 1000:.2f} s, max {max(phases['total_ms']) / 1000:.2f} s)")
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
