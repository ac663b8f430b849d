"""Files named on the command line: read or checked for writing before any model loads, failures as one line."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import LandinfoError, UsageError


def read_text(path: str, flag: str) -> str:
    """The UTF-8 text of an input file; UsageError when it is missing, a folder, unreadable or not UTF-8."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise UsageError(f"{named(flag, path)}: is a folder; give a file") from None
    except OSError as exc:
        raise UsageError(f"{named(flag, path)}: {reason(exc)}") from None
    return utf8_text(data, named(flag, path), "save the file as UTF-8")


def read_stdin(what: str = "standard input") -> str:
    """Standard input as UTF-8 text; UsageError naming the first line that is not (the bytes are decoded here, not
    by the locale's codec: under the C locale Python would let them through as surrogates, to fail much later)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # already text (a test's StringIO)
        return sys.stdin.read()
    return utf8_text(stream.read(), what, "send UTF-8 text")


def utf8_text(data: bytes, where: str, fix: str) -> str:
    """`data` decoded as UTF-8 (a BOM dropped); UsageError '<where>: line N is not UTF-8 text (byte 0xNN); <fix>'."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise UsageError(f"{where}: line {line} is not UTF-8 text (byte 0x{data[exc.start]:02x}); {fix}") from None


def check_output(path: str | None, flag: str) -> None:
    """UsageError unless a file can be written at `path`: its folder exists and is writable, it is not a folder."""
    if not path:
        return
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise UsageError(f"{named(flag, path)}: is a folder; give a file name")
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise UsageError(f"{named(flag, path)}: the folder {folder} {why}")
    if not os.access(folder, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UsageError(f"{named(flag, path)}: permission denied")


def write_output(path: str, flag: str, write) -> None:
    """write(path), with a failure (disk full, the folder removed meanwhile) as one line."""
    try:
        write(path)
    except OSError as exc:
        raise LandinfoError(f"{named(flag, path)}: not written ({reason(exc)})") from None


def named(flag: str, path) -> str:
    """'--batch FILE', or 'LANDINFO_AUTH_FILE=FILE' for a path that comes from a setting."""
    return f"{flag}{path}" if flag.endswith("=") else f"{flag} {path}"


def reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()
