"""How much one file may cost to read: its size (packed and unpacked) and the time its loader may take.

`load_file` sets the limits for the file it reads; loaders call `check_time()` in their loops (a cooperative
deadline: a loop that has run past the limit stops with a LoadError) and `check_zip()` before unpacking.
"""
from __future__ import annotations

import time
import zipfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Iterator

from ..errors import LoadError

_MB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """None = no limit (what the source viewer uses for a file that was indexed within the limits)."""

    max_mb: float | None = None
    max_seconds: float | None = None

    @property
    def max_bytes(self) -> int | None:
        return None if self.max_mb is None else int(self.max_mb * _MB)


@dataclass(frozen=True)
class _Reading:
    limits: Limits
    deadline: float | None


_current: ContextVar[_Reading] = ContextVar("landinfo_reading", default=_Reading(Limits(), None))


@contextmanager
def reading(limits: Limits) -> Iterator[None]:
    """The limits of the file being read, from now on, in this thread."""
    deadline = None if limits.max_seconds is None else time.monotonic() + limits.max_seconds
    token = _current.set(_Reading(limits, deadline))
    try:
        yield
    finally:
        _current.reset(token)


def check_time() -> None:
    """Raise LoadError when the file being read has taken longer than max_file_seconds."""
    reading_now = _current.get()
    if reading_now.deadline is not None and time.monotonic() > reading_now.deadline:
        raise LoadError(f"took longer than {reading_now.limits.max_seconds:g} s to read (LANDINFO_MAX_FILE_SECONDS)")


def check_size(size: int, verb: str = "is") -> None:
    """Raise LoadError when `size` bytes are over max_file_mb."""
    limit = _current.get().limits.max_bytes
    if limit is not None and size > limit:
        raise LoadError(too_large(size, limit, verb))


def too_large(size: int, limit: int, verb: str = "is") -> str:
    """'is 250 MB, over the 200 MB limit (LANDINFO_MAX_FILE_MB)'"""
    return f"{verb} {_mb(size)} MB, over the {_mb(limit)} MB limit (LANDINFO_MAX_FILE_MB)"


def _mb(size: int) -> str:
    value = size / _MB
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def check_zip(archive: zipfile.ZipFile) -> None:
    """Refuse an archive whose members, as its directory declares them, unpack to more than max_file_mb.

    zipfile never inflates a member past its declared size (it stops there and fails the CRC check), so the
    declared sizes bound what reading the archive can cost.
    """
    check_size(sum(info.file_size for info in archive.infolist()), "unpacks to")
