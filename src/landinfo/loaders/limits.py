"""How much one file may cost to read: its size (packed and unpacked), the size of an XML part parsed whole,
and the time its loader may take.

`load_file` sets the limits for the file it reads; loaders call `check_time()` in their loops (a cooperative
deadline: a loop that has run past the limit stops with a LoadError), `check_zip()` before unpacking, and
`part_limit()`/`check_part()` before parsing an XML part whole (one C call the deadline cannot interrupt: a
200 MB styles.xml took 2.28 GB and 34 s).
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
    max_part_mb: float | None = None  # an XML part parsed whole (a .docx's styles, properties, relationships)

    @property
    def max_bytes(self) -> int | None:
        return None if self.max_mb is None else int(self.max_mb * _MB)

    @property
    def max_part_bytes(self) -> int | None:
        return None if self.max_part_mb is None else int(self.max_part_mb * _MB)


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


def too_large(size: int, limit: int, verb: str = "is", what: str = "", setting: str = "LANDINFO_MAX_FILE_MB") -> str:
    """'is 250 MB, over the 200 MB limit (LANDINFO_MAX_FILE_MB)'"""
    return f"{verb} {_mb(size)} MB, over the {_mb(limit)} MB limit{' ' + what if what else ''} ({setting})"


def _mb(size: int) -> str:
    value = size / _MB
    return f"{value:,.0f}" if value >= 10 else f"{value:.2g}"


def part_limit() -> int | None:
    """The most bytes an XML part parsed whole may have (None: no limit), to bound the read itself."""
    return _current.get().limits.max_part_bytes


def check_part(part: str, size: int) -> None:
    """Raise LoadError when the XML part `part` of `size` bytes (unpacked) is over max_xml_part_mb."""
    limit = part_limit()
    if limit is not None and size > limit:
        raise LoadError(f"{part} " + too_large(size, limit, "unpacks to", "for one XML part",
                                               "LANDINFO_MAX_XML_PART_MB"))


def check_zip(archive: zipfile.ZipFile) -> None:
    """Refuse an archive whose members, as its directory declares them, unpack to more than max_file_mb.

    zipfile never inflates a member past its declared size (it stops there and fails the CRC check), so the
    declared sizes bound what reading the archive can cost.
    """
    check_size(sum(info.file_size for info in archive.infolist()), "unpacks to")
