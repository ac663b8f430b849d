"""The chat's private scratch folder: exports, exercise files and gradio's upload cache, nowhere else.

One folder per server process, mode 0700, files 0600, in memory (/dev/shm) where the machine has it, removed on
normal exit, SIGTERM and SIGINT. Answers and questions are case material: they must not outlive the process.
A process killed without cleaning up (SIGKILL, a crash) cannot remove its folder, so each folder names its owner
process (`owned_folder`), and the next server's start removes the `landinfo-*` folders of processes that have
exited (`remove_leftovers`): its scratch folders and the private copies of a read-only index (index.py).
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
        self.base = base
        self.root = owned_folder("landinfo-", base)
        atexit.register(self.remove)

    @classmethod
    def for_process(cls, base: Path | None = None) -> "Scratch":
        """The server's folder, made at its start, when what killed processes left beside it is removed."""
        with cls._guard:
            if cls._process is None or not cls._process.root.is_dir():
                cls._process = cls(base)
                for folder in dict.fromkeys((cls._process.base, Path(tempfile.gettempdir()))):
                    remove_leftovers(folder)
            return cls._process

    def folder(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(mode=0o700, exist_ok=True)
        return path

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


_OWNER = ".owner"  # in each folder a process makes: "<pid> <start time> <pid namespace>" of that process


def owned_folder(prefix: str, base: Path) -> Path:
    """A new folder (0700) in `base` that names its owner process, so that a later start can tell it from a live
    process's folder when its owner was killed before it could remove it."""
    root = Path(tempfile.mkdtemp(prefix=prefix, dir=base))  # mkdtemp makes it 0700
    os.chmod(root, 0o700)
    write_private(root / _OWNER, " ".join(_identity(os.getpid())))
    return root


def remove_leftovers(base: Path) -> list[Path]:
    """Remove the `landinfo-*` folders in `base` whose owner process has exited; the folders removed. Kept: a live
    process's (a pid that was reused since counts as exited: its start time differs), one without an owner record
    or with one this code cannot judge (another pid namespace), a link, another user's."""
    removed = []
    try:
        entries = sorted(Path(base).glob("landinfo-*"))
    except OSError:
        return removed
    for path in entries:
        try:
            if path.is_symlink() or not path.is_dir() or path.lstat().st_uid != os.getuid():
                continue
            owner = (path / _OWNER).read_text(encoding="utf-8").split()
        except (OSError, UnicodeDecodeError):
            continue
        if not _exited(owner):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _identity(pid: int) -> tuple[str, str, str]:
    """(pid, start time in clock ticks since boot, pid namespace); the last two '' where /proc does not say."""
    stat = _stat(pid)
    try:
        namespace = os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        namespace = ""
    return str(pid), stat[19] if len(stat) > 19 else "", namespace


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: state, ppid, ... (field 22, the start time, is [19]); [] if absent."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def _exited(owner: list[str]) -> bool:
    """Whether the process an owner record names is gone: no such pid, a zombie, or a pid reused by a process
    started later. False when in doubt (a record not ours, another pid namespace, no /proc)."""
    if len(owner) != 3 or not owner[0].isdigit():
        return False
    pid, started, namespace = int(owner[0]), owner[1], owner[2]
    if pid == os.getpid() or namespace != _identity(os.getpid())[2]:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # another user's process has this pid now
    stat = _stat(pid)
    if not stat or not started:
        return False
    return stat[0] == "Z" or stat[19] != started


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
