"""`landinfo <command>`: a thin layer over the library. Library errors -> one line on stderr, exit 1."""
from __future__ import annotations

import argparse
import importlib
import sys

from .errors import LandinfoError
from .settings import Settings

COMMANDS = ("ingest", "status", "search", "ask", "eval", "serve", "feedback", "users")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="landinfo", description="Offline COI and case-law assistant with verified citations.")
    parser.add_argument("--index-dir", help="index folder (default: $LANDINFO_INDEX_DIR or indexes/)")
    parser.add_argument("--model", help="embedding model (default: $LANDINFO_EMBEDDING_MODEL)")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"landinfo.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"landinfo.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    overrides = {}
    if args.index_dir:
        overrides["index_dir"] = args.index_dir
    if args.model:
        overrides["embedding_model"] = args.model
    try:
        settings = Settings(**overrides)
        return int(args.func(args, settings) or 0)
    except LandinfoError as exc:
        print(f"landinfo: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("landinfo: interrupted; what was already indexed is kept, run the same command again to finish",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
