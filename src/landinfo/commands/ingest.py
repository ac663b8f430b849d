"""landinfo ingest FOLDER [--prune] [--json] [--max-file-mb MB] [--max-file-seconds S]"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import UsageError
from ._terminal import escape_controls


def register(p) -> None:
    p.add_argument("folder", nargs="?", help="folder to ingest (default: $LANDINFO_CORPUS_DIR or corpus/)")
    p.add_argument("--prune", action="store_true", help="remove from the index files that are gone from the folder")
    p.add_argument("--json", action="store_true", help="print a machine-readable report")
    p.add_argument("--max-file-mb", type=float, help="refuse files larger than this (default: $LANDINFO_MAX_FILE_MB or 200)")
    p.add_argument("--max-file-seconds", type=float,
                   help="refuse files slower to read than this (default: $LANDINFO_MAX_FILE_SECONDS or 120)")
    p.set_defaults(func=run)


def run(args, settings) -> int:
    folder = _folder(args, settings)
    from ..ingest import ingest

    limits = {name: getattr(args, name) for name in ("max_file_mb", "max_file_seconds")
              if getattr(args, name) is not None}
    settings = settings.model_copy(update=limits) if limits else settings
    report = ingest(folder, settings, prune=args.prune, progress=not args.json)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print_report(report)
    return 1 if report.files["failed"] else 0


def _folder(args, settings) -> Path:
    """The folder to ingest; UsageError when it (named on the command line or by LANDINFO_CORPUS_DIR) is missing
    or not a folder."""
    named = f"ingest {args.folder}" if args.folder else f"LANDINFO_CORPUS_DIR={settings.corpus_dir}"
    folder = Path(args.folder) if args.folder else Path(settings.corpus_dir)
    if not folder.exists():
        raise UsageError(f"{named}: no such folder")
    if not folder.is_dir():
        raise UsageError(f"{named}: not a folder; give the folder that holds the documents")
    return folder


def print_report(report) -> None:
    f, c = report.files, report.chunks
    print(f"files: {f['ingested']} ingested, {f['unchanged']} unchanged, {f['duplicates']} duplicates, "
          f"{f['skipped']} skipped, {f['failed']} failed" + (f", {f['removed']} removed" if f["removed"] else "")
          + (f", {f['missing']} missing (use --prune)" if f["missing"] else ""))
    print(f"chunks: {c['added']} added, {c['removed']} removed, {c['unchanged']} unchanged; "
          f"{report.embedded} embedded in {report.embed_seconds:.1f} s; total {report.seconds:.1f} s")
    for dup in report.duplicates:
        print(escape_controls(f"  duplicate: {dup['path']} is the same document as {dup['same_as']} (indexed once)"))
    for item in report.skipped:
        if not item["reason"].startswith("metadata"):
            print(escape_controls(f"  skipped: {item['path']}: {item['reason']}"))
    for problem in report.problems:
        print(escape_controls(f"  failed: {problem['path']}: {problem['reason']}"), file=sys.stderr)
