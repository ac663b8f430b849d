"""One ingest at a time per index folder."""
from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

from .errors import IndexLockedError, LandinfoError, UsageError


def index_folder(index_dir: Path) -> Path:
    """The index folder, or one line when something else is in its place (a usage error: the setting is wrong)."""
    if index_dir.exists() and not index_dir.is_dir():
        raise UsageError(f"{index_dir}: the index folder (LANDINFO_INDEX_DIR or --index-dir) is a file, not a "
                            "folder; point it at a folder (it is created if missing)")
    return index_dir


@contextmanager
def ingest_lock(index_dir: Path):
    try:
        index_folder(index_dir).mkdir(parents=True, exist_ok=True)
        fh = (index_dir / "ingest.lock").open("a+")
    except OSError as exc:
        raise LandinfoError(f"{index_dir}: cannot write to the index folder ({exc.strerror}); ingest needs write "
                            "access to it (a read-only index can only be searched)") from None
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise IndexLockedError(
                f"another ingest (pid {holder}) is writing to {index_dir}; wait for it to finish") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextmanager
def chroma_lock(index_dir: Path, exclusive: bool):
    """Calls into the embedded Chroma of one index folder, across processes: reads share it, a write holds it alone,
    so no process reads Chroma's files while another rewrites them. Where the lock file cannot be made (a
    read-only folder) there is no writer to wait for."""
    path = index_dir / "chroma.lock"
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            yield
            return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)
