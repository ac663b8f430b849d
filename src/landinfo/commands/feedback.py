"""landinfo feedback export [--out FILE] [--format jsonl|csv]"""
from __future__ import annotations

import sys

from ._files import check_output


def register(p) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write every rating collected so far")
    export.add_argument("--out", metavar="FILE", help="file to write (default: standard output)")
    export.add_argument("--format", choices=["jsonl", "csv"], default=None,
                        help="jsonl or csv (default: from the --out suffix, else jsonl)")
    export.set_defaults(func=run)


def run(args, settings) -> int:
    check_output(args.out, "--out")
    from ..feedback import FeedbackStore, to_csv, to_jsonl, write_private

    records = FeedbackStore(settings.feedback_dir).records()
    fmt = args.format or ("csv" if args.out and args.out.lower().endswith(".csv") else "jsonl")
    text = to_csv(records) if fmt == "csv" else to_jsonl(records)
    if args.out:
        write_private(args.out, text)
        print(f"{len(records)} ratings written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
