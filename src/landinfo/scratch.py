"""The chat's private scratch folder: exports, exercise files and gradio's upload cache, nowhere else.

One folder per server process, mode 0700, files 0600, in memory (/dev/shm) where the machine has it, removed on
normal exit, SIGTERM and SIGINT. Answers and questions are case material: they must not outlive the process.
"""
from __future__ import annotations

import atexit
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path

_MEMORY = Path("/dev/shm")


def default_base() -> Path:
    """/dev/shm when it is a writable folder (RAM: nothing reaches a disk), else the system temp folder."""
    if _MEMORY.is_dir() and os.access(_MEMORY, os.W_OK | os.X_OK):
        return _MEMORY
    return Path(tempfile.gettempdir())


class Scratch:
    """A private folder that removes itself; `Scratch.for_process()` gives the one the server uses."""

    _process: "Scratch | None" = None
    _guard = threading.Lock()

    def __init__(self, base: Path | None = None):
        base = Path(base) if base else default_base()
        base.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="landinfo-", dir=base))  # mkdtemp makes it 0700
        os.chmod(self.root, 0o700)
        atexit.register(self.remove)

    @classmethod
    def for_process(cls, base: Path | None = None) -> "Scratch":
        with cls._guard:
            if cls._process is None or not cls._process.root.is_dir():
                cls._process = cls(base)
            return cls._process

    def folder(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(mode=0o700, exist_ok=True)
        return path

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def private_file(path: Path) -> Path:
    """Make a file this process wrote readable by its owner only."""
    os.chmod(path, 0o600)
    return path


def write_private(path: Path, text: str) -> Path:
    """Write text to a new file that only its owner can read (the mode is set at creation, not after)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    return private_file(path)


_STOPPING = threading.Event()


def stopping() -> bool:
    """True once the process was told to stop (SIGTERM): long work in other threads (an account check) asks this
    between steps and ends, for the interpreter waits for every such thread before it exits."""
    return _STOPPING.is_set()


def exit_on_sigterm() -> None:
    """Turn SIGTERM (systemd, docker stop) into a normal exit, so `finally` blocks and atexit handlers run, and
    tell long work in other threads to stop (`stopping`).

    uvicorn replaces the handler while it serves and raises the signal again after its graceful shutdown; the
    default action would then kill the process before any clean-up."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit)


def _exit(signum, frame):
    _STOPPING.set()
    raise SystemExit(128 + signum)
