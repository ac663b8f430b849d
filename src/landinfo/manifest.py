"""What has been ingested: one row per file, in SQLite beside the index (atomic, survives kill -9)."""
from __future__ import annotations

import json
import os
import sqlite3
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from .errors import LandinfoError
from .sqlite_files import read_once

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
    """The manifest file of one index. Opened read-only (each read a fresh connection, so it sees a later ingest)
    when its folder or file cannot be written: a read-only index is searched, never changed."""

    def __init__(self, db_path: Path, read_only: bool | None = None):
        """read_only: None = when the folder or the file cannot be written."""
        self.path = db_path
        if read_only is None:
            read_only = not os.access(db_path.parent, os.W_OK) or (db_path.exists() and not os.access(db_path, os.W_OK))
        self.read_only = read_only
        if read_only:
            self._db = None
            self._read(lambda db: db.execute("SELECT count(*) FROM files").fetchone())
            return
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(db_path), timeout=30, check_same_thread=False)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
            self._db.commit()
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise self._damaged(exc) from None

    def _damaged(self, exc: Exception) -> LandinfoError:
        return LandinfoError(f"{self.path}: not a landinfo manifest, or damaged ({exc}); move it aside and run "
                             "`landinfo ingest` on the same folder again to rebuild it (stored vectors are reused)")

    def _read(self, query):
        """query(connection), turning a damaged file into one line."""
        try:
            if not self.read_only:
                return query(self._db)
            return read_once(self.path, query)
        except sqlite3.OperationalError as exc:
            if not self.read_only:
                raise
            if "no such table" in str(exc):
                raise self._damaged(exc) from None
            raise LandinfoError(f"{self.path}: cannot be read ({exc})") from None
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None

    def _write(self, statement: str, values: tuple) -> None:
        if self.read_only:
            raise LandinfoError(f"{self.path} is read-only: the index can be searched but not changed")
        try:
            self._db.execute(statement, values)
            self._db.commit()
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()

    def records(self, root: str | None = None) -> dict[str, FileRecord]:
        query = "SELECT path, root, source, signature, doc_id, status, reason, canonical, chunk_ids, meta, fulltext FROM files"
        rows = self._read(lambda db: db.execute(query + (" WHERE root = ?" if root else ""),
                                                (root,) if root else ()).fetchall())
        return {r[0]: FileRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], tuple(json.loads(r[8])),
                                 json.loads(r[9]), zlib.decompress(r[10]).decode() if r[10] else "")
                for r in rows}

    def put(self, path: str, root: str, source: str, signature: str, doc_id: str, status: str,
            chunk_ids=(), meta: dict | None = None, fulltext: str = "", reason: str = "",
            canonical: str = "") -> None:
        self._write(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (path, root, source, signature, doc_id, status, reason, canonical, json.dumps(list(chunk_ids)),
             json.dumps(meta or {}, ensure_ascii=False), zlib.compress(fulltext.encode()) if fulltext else None,
             time.time()))

    def remove(self, path: str) -> None:
        self._write("DELETE FROM files WHERE path = ?", (path,))

    def indexed_files(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(source, signature, chunk ids) of every indexed file, without its text: what a corpus version hashes."""
        rows = self._read(lambda db: db.execute(
            "SELECT source, signature, chunk_ids FROM files WHERE status = 'indexed'").fetchall())
        return [(source, signature, tuple(json.loads(ids))) for source, signature, ids in rows]

    def indexed_chunk_count(self) -> int:
        rows = self._read(lambda db: db.execute("SELECT chunk_ids FROM files WHERE status = 'indexed'").fetchall())
        return sum(len(json.loads(ids)) for (ids,) in rows)

    def get_info(self, key: str, default: str = "") -> str:
        row = self._read(lambda db: db.execute("SELECT value FROM info WHERE key = ?", (key,)).fetchone())
        return row[0] if row else default

    def set_info(self, key: str, value: str) -> None:
        self._write("INSERT OR REPLACE INTO info VALUES (?, ?)", (key, value))
