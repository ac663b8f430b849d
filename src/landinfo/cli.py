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

# What `landinfo --help` lists. landinfo.commands.<name> is imported only for the command being run, so
# `landinfo status` starts without what eval (matplotlib) or serve (gradio) need.
COMMANDS = {
    "ingest": "index a folder of PDF / DOCX / HTML / Markdown / text files",
    "status": "what is indexed",
    "search": "find the passages that best match a query",
    "ask": "answer a question with cited sources",
    "check": "check an applicant's account, claim by claim, against the country information",
    "replay": "ask a recorded answer's question again and say whether anything differs",
    "eval": "evaluate question sets; 'eval convert' turns a CSV/XLSX into a set",
    "serve": "the chat and trainer in the browser (http://127.0.0.1:7860 by default)",
    "feedback": "case officers' ratings of answers given in the chat",
    "users": "who may log in to the chat (passwords stored as argon2 hashes)",
}


class _Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line like every other error (exit 2), pointing at --help."""

    def error(self, message: str):
        self.exit(2, f"landinfo: {self.prog.removeprefix('landinfo').strip() or 'arguments'}: {message} "
                     f"(see `{self.prog} --help`)\n")


class _Unparsed(Exception):
    pass


class _Probe(argparse.ArgumentParser):
    """Finds the command only: no help, no output, no exit."""

    def error(self, message: str):
        raise _Unparsed(message)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of `landinfo`; only `command`'s module is imported, to add its arguments."""
    parser = _Parser(prog="landinfo", description="Offline COI and case-law assistant with verified citations.")
    _add_global_flags(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, summary in COMMANDS.items():
        command_parser = sub.add_parser(name, help=summary)
        if name == command:
            importlib.import_module(f"landinfo.commands.{name}").register(command_parser)
    return parser


def _add_global_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index-dir", help="index folder (default: $LANDINFO_INDEX_DIR or indexes/)")
    parser.add_argument("--model", help="embedding model (default: $LANDINFO_EMBEDDING_MODEL)")


def command_of(argv: list[str] | None) -> str | None:
    """The command `argv` names, read as argparse reads it (abbreviated flags and all); None when there is none."""
    probe = _Probe(prog="landinfo", add_help=False)
    _add_global_flags(probe)
    sub = probe.add_subparsers(dest="command")
    for name in COMMANDS:
        sub.add_parser(name, add_help=False)
    try:
        return probe.parse_known_args(argv)[0].command
    except _Unparsed:  # the real parser says what is wrong
        return None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(command_of(argv))
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
