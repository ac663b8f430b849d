"""The audit log, opt-in (LANDINFO_AUDIT_LOG): one JSON line per answer and per account check saying who asked,
when, against which corpus version, which passages were retrieved and cited, and whether the answer was refused.
The question's text only with LANDINFO_AUDIT_QUESTIONS; an account's text never (its hash is in its record).

The file is created 0600 (its folder 0700 when missing) and each line is appended with one write to a file opened
O_APPEND, so lines of several processes never interleave. Lines older than the retention are removed at start and
then at most once an hour, by writing the rest to a temporary file and renaming it over the log. Appenders hold a
shared lock on the file and pruning an exclusive one; an appender that finds the file renamed under it reopens it,
so no line is lost to a prune.
"""
from __future__ import annotations

import fcntl
import getpass
import json
import os
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .provenance import utc_now

PRUNE_EVERY_S = 3600.0


class AuditLog:
    def __init__(self, path: Path, questions: bool = False, retention_days: int = 90):
        self.path = Path(path)
        self.questions = questions
        self.retention_days = retention_days
        self._lock = threading.Lock()
        self._pruned_at: float | None = None  # time.monotonic() of the last prune

    @classmethod
    def from_settings(cls, settings) -> "AuditLog | None":
        """The log the settings name, pruned now; None when audit_log is unset."""
        if not settings.audit_log:
            return None
        log = cls(settings.audit_log, settings.audit_questions, settings.audit_retention_days)
        with log._lock:
            log.prune()
        return log

    def answer(self, answer, user: str) -> None:
        record = answer.provenance
        entry = {"time": utc_now(), "user": user, "kind": "answer",
                 "corpus_version": record.get("corpus_version", ""),
                 "passages": [p.id for p in answer.passages],
                 "cited": list(dict.fromkeys(c.passage_id for c in answer.citations)), "refused": answer.refused}
        if self.questions:
            entry["question"] = answer.question
        self.write(entry)

    def check(self, check, user: str) -> None:
        record = check.provenance
        entry = {"time": utc_now(), "user": user, "kind": "account_check",
                 "corpus_version": record.get("corpus_version", ""),
                 "account_sha256": record.get("account_sha256", ""),
                 "claims": [{"status": c.status, "passages": [p.id for p in c.passages],
                             "cited": list(dict.fromkeys(x.passage_id for x in c.citations))} for c in check.claims],
                 "refused": not any(c.citations for c in check.claims)}
        self.write(entry)

    def write(self, entry: dict) -> None:
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
        with self._lock:
            if self._pruned_at is None or time.monotonic() - self._pruned_at >= PRUNE_EVERY_S:
                self.prune()
            fd = self._open_current(fcntl.LOCK_SH)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)

    def prune(self) -> int:
        """Remove the lines older than the retention; how many went. A line that cannot be read is kept."""
        self._pruned_at = time.monotonic()
        if not self.path.exists():
            return 0
        cutoff = datetime.now(timezone.utc) - timedelta(days=self.retention_days)
        fd = self._open_current(fcntl.LOCK_EX)
        try:
            with os.fdopen(os.dup(fd), "rb") as fh:
                lines = fh.read().splitlines(keepends=True)
            kept = [line for line in lines if not _older(line, cutoff)]
            if len(kept) == len(lines):
                return 0
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")  # 0600
            try:
                with os.fdopen(handle, "wb") as out:
                    out.writelines(kept)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            return len(lines) - len(kept)
        finally:
            os.close(fd)

    def _open_current(self, lock: int) -> int:
        """The log opened for appending (created 0600, its folder 0700), locked; reopened if a prune replaced it."""
        if not self.path.parent.exists():
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(fd, lock)
            try:
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    return fd
            except FileNotFoundError:
                pass
            os.close(fd)


def _older(line: bytes, cutoff: datetime) -> bool:
    try:
        return datetime.fromisoformat(json.loads(line)["time"]) < cutoff
    except (ValueError, KeyError, TypeError):
        return False


def os_user() -> str:
    """Who runs the command line ('' when the system cannot say)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
