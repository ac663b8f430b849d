"""Case officers' ratings of answers, one JSON object a line in feedback_dir/feedback.jsonl (0600), kept on this machine."""
from __future__ import annotations

import csv
import io
import json
import os
import threading
from datetime import datetime, timezone
from pathlib import Path

from .answer.types import Answer
from .records import locator

RATINGS = ("helpful", "wrong", "missing-source")
# What a spreadsheet reads as the start of a formula in a cell (OWASP, CSV injection): such a cell gets a ' first.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("timestamp", "rating", "comment", "user", "question", "language", "refused", "answer",
               "sources", "filters")


class FeedbackStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / "feedback.jsonl"
        self._lock = threading.Lock()

    def add(self, answer: Answer, rating: str, comment: str = "", user: str = "") -> dict:
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {', '.join(RATINGS)}")
        record = {
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "rating": rating,
            "comment": comment.strip(),
            "user": user,
            "question": answer.question,
            "language": answer.language,
            "refused": answer.refused,
            "answer": answer.text,
            "citations": [c.to_json() for c in answer.citations],
            "filters": answer.filters.to_json() if answer.filters else None,
            "mode": answer.mode,
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as fh:
                fh.write(line)
            os.chmod(self.path, 0o600)  # a file made by an older version may be 0644
        return record

    def records(self) -> list[dict]:
        """Every record, oldest first; a line damaged by a crash mid-write is skipped."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out


def to_csv(records: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        row = dict(record)
        row["sources"] = "; ".join(_cited(c) for c in _first_per_marker(record.get("citations") or []))
        row["filters"] = filter_summary(record.get("filters"))
        writer.writerow({column: spreadsheet_text(row.get(column)) for column in CSV_COLUMNS})
    return buffer.getvalue()


def spreadsheet_text(value) -> str:
    """A cell's text, with a ' before it when a spreadsheet would read it as a formula (=HYPERLINK(...), +cmd|...):
    the ratings hold what anyone typed into the chat."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_private(path: str, text: str) -> None:
    """Write `text` to `path`, created 0600 (and made so if it was there): ratings are case material."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def to_jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def filter_summary(filters: dict | None) -> str:
    """'country=Veldoria, type=coi, since=2024' from a Filters JSON object; '' when nothing is filtered."""
    if not filters:
        return ""
    bits = []
    for key, label in (("countries", "country"), ("doc_types", "type"), ("languages", "language")):
        if filters.get(key):
            bits.append(f"{label}={'|'.join(filters[key])}")
    for key in ("since", "until"):
        if filters.get(key):
            bits.append(f"{key}={filters[key]}")
    if filters.get("prefer_recent"):
        bits.append("prefer recent")
    return ", ".join(bits)


def _first_per_marker(citations: list[dict]) -> list[dict]:
    seen, out = set(), []
    for c in citations:
        if c.get("marker") not in seen:
            seen.add(c.get("marker"))
            out.append(c)
    return out


def _cited(c: dict) -> str:
    where = locator(c.get("page"), c.get("section") or "")
    return f"[{c.get('marker')}] {c.get('title') or c.get('source')}" + (f", {where}" if where else "")
