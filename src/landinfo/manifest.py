"""What has been ingested: one row per file, in SQLite beside the index (atomic, survives kill -9)."""
from __future__ import annotations

import json
import sqlite3
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,          -- absolute path of the file
    root TEXT NOT NULL,             -- the folder it was ingested from
    source TEXT NOT NULL,           -- path relative to root
    signature TEXT NOT NULL,        -- hash of the file bytes and of the metadata overrides that apply to it
    doc_id TEXT NOT NULL,
    status TEXT NOT NULL,           -- indexed | duplicate | failed
    reason TEXT NOT NULL DEFAULT '',
    canonical TEXT NOT NULL DEFAULT '',   -- for duplicates: the source that is indexed instead
    chunk_ids TEXT NOT NULL DEFAULT '[]',
    meta TEXT NOT NULL DEFAULT '{}',
    fulltext BLOB,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class FileRecord:
    path: str
    root: str
    source: str
    signature: str
    doc_id: str
    status: str
    reason: str
    canonical: str
    chunk_ids: tuple[str, ...]
    meta: dict
    fulltext: str


class Manifest:
    def __init__(self, db_path: Path):
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(db_path), timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def records(self, root: str | None = None) -> dict[str, FileRecord]:
        query = "SELECT path, root, source, signature, doc_id, status, reason, canonical, chunk_ids, meta, fulltext FROM files"
        rows = self._db.execute(query + (" WHERE root = ?" if root else ""), (root,) if root else ()).fetchall()
        return {r[0]: FileRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], tuple(json.loads(r[8])),
                                 json.loads(r[9]), zlib.decompress(r[10]).decode() if r[10] else "")
                for r in rows}

    def put(self, path: str, root: str, source: str, signature: str, doc_id: str, status: str,
            chunk_ids=(), meta: dict | None = None, fulltext: str = "", reason: str = "",
            canonical: str = "") -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (path, root, source, signature, doc_id, status, reason, canonical, json.dumps(list(chunk_ids)),
             json.dumps(meta or {}, ensure_ascii=False), zlib.compress(fulltext.encode()) if fulltext else None,
             time.time()))
        self._db.commit()

    def remove(self, path: str) -> None:
        self._db.execute("DELETE FROM files WHERE path = ?", (path,))
        self._db.commit()

    def indexed_chunk_count(self) -> int:
        total = 0
        for (ids,) in self._db.execute("SELECT chunk_ids FROM files WHERE status = 'indexed'"):
            total += len(json.loads(ids))
        return total

    def get_info(self, key: str, default: str = "") -> str:
        row = self._db.execute("SELECT value FROM info WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_info(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO info VALUES (?, ?)", (key, value))
        self._db.commit()
