"""landinfo users add NAME [--file FILE] [--password-stdin]"""
from __future__ import annotations

import getpass
import sys

from ..errors import LandinfoError, UsageError
from ._files import check_output


def register(p) -> None:
    actions = p.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add NAME to the users file, or give NAME a new password")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--file", metavar="FILE", help="users file (default: $LANDINFO_AUTH_FILE); created with mode 0600")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password once from standard input (for scripts) instead of asking twice")
    add.set_defaults(func=run_add)


def run_add(args, settings) -> int:
    from ..auth import add_user, check_name, check_password

    path = args.file or settings.auth_file
    if not path:
        raise UsageError("users add: no users file; give --file FILE or set LANDINFO_AUTH_FILE")
    check_output(str(path), "--file" if args.file else "LANDINFO_AUTH_FILE=")
    try:
        check_name(args.name)
    except LandinfoError as exc:
        raise UsageError(str(exc)) from None
    replaced = add_user(path, args.name, check_password(_read_password(args)))
    print(f"{args.name}: password {'replaced' if replaced else 'added'} in {path} (argon2 hash); "
          "a running `landinfo serve` reads it when restarted", file=sys.stderr)
    return 0


def _read_password(args) -> str:
    if args.password_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Same password again: ") != first:
        raise LandinfoError("the two passwords differ; nothing was written")
    return first
