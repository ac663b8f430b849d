"""`landinfo <command>`: a thin layer over the library. Every error is one line on stderr, `landinfo: <what>: <why>`:
exit 2 for usage errors (arguments, files named on the command line, settings), found before any model loads;
exit 1 for what goes wrong while running."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from .errors import LandinfoError, UsageError
from .settings import load_settings

COMMANDS = ("ingest", "status", "search", "ask", "eval", "serve", "feedback", "users")


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line like every other error (exit 2), pointing at --help."""

    def error(self, message: str):
        self.exit(2, f"landinfo: {self.prog.removeprefix('landinfo').strip() or 'arguments'}: {message} "
                     f"(see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="landinfo", description="Offline COI and case-law assistant with verified citations.")
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
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error argparse has already printed (2)
        return int(exc.code or 0)
    overrides = {}
    if args.index_dir:
        overrides["index_dir"] = args.index_dir
    if args.model:
        overrides["embedding_model"] = args.model
    try:
        settings = load_settings(**overrides)
        return int(args.func(args, settings) or 0)
    except UsageError as exc:
        return _fail(str(exc), 2)
    except LandinfoError as exc:
        return _fail(str(exc), 1)
    except BrokenPipeError:  # `landinfo search ... | head`: the reader has gone, nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # a file the library had to read or write
        return _fail(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc), 1)
    except KeyboardInterrupt:
        return _fail("interrupted; what was already indexed is kept, run the same command again to finish", 130)


def _fail(message: str, code: int) -> int:
    print(f"landinfo: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
