"""The vectors of every sentence the answerer and the claim check may quote, embedded once when its chunk is ingested.

At question time the answer step then embeds only the question (and its premise clause and aspect): scoring ~24
sentences a question took up to 0.54 s on 2 cores when they were embedded then (issue #23).

One SQLite file beside the index, a row per chunk: the chunk's quotable sentence spans (`quotes.quotable_spans`,
offsets into the chunk's text) and their vectors as float16. A row is read by its chunk id, so a question reads the
rows of its ~10 passages, never the whole file (SQLite maps the file into memory, `_MMAP_BYTES`). Each ingest batch
is one transaction, written before its chunks reach Chroma: a chunk in the index has its sentences even after a
kill -9, and a row whose chunk never got there is removed by the next ingest's `sync`.

A chunk id hashes the chunk's text (chunking.chunk_id), so a row can only ever be read for the text it was made
from. The rows hold the version of the quoting rules and the embedder they were made with (`version`); rows of
another version are never read, and the next ingest embeds the chunks again.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .answer import quotes
from .errors import LandinfoError
from .sqlite_files import read_once

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentences (
    chunk_id TEXT PRIMARY KEY,
    spans BLOB NOT NULL,     -- int32 (start, end) pairs: offsets into the chunk's text
    vectors BLOB NOT NULL    -- float16, one row of `dim` values per span
);
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_MMAP_BYTES = 1 << 30  # reads go through the OS page cache, not a copy per process
_STORED = np.float16  # the scores move by ~1e-4; sentences are ranked on differences of ~1e-2 (tuning.ANSWER_WINDOW)
# Bump when what makes a sentence quotable changes in a way `version` cannot see.
RULES_VERSION = 1


def version(embedder_name: str, passage_prefix: str) -> str:
    """What shapes the stored rows: the quoting rules (the splitter's patterns, the word limits) and the embedder."""
    rules = (RULES_VERSION, quotes.quoting_rules(), embedder_name, passage_prefix, np.dtype(_STORED).name)
    return hashlib.sha256(repr(rules).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Summary:
    chunks: int
    sentences: int
    bytes: int  # the file and its write-ahead log on disk

    def to_json(self) -> dict:
        return {"chunks": self.chunks, "sentences": self.sentences, "bytes": self.bytes}


class SentenceVectors:
    """The sentence vectors of one index. Read-only (each read a fresh connection) when the folder or file cannot be
    written, as the manifest is."""

    def __init__(self, db_path: Path, version: str, read_only: bool | None = None):
        self.path = Path(db_path)
        self.version = version
        if read_only is None:
            read_only = not os.access(self.path.parent, os.W_OK) \
                or (self.path.exists() and not os.access(self.path, os.W_OK))
        self.read_only = read_only
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._current = False  # the stored rows are of `version`
        if read_only:
            self._current = self.path.exists() and self._stored_version() == version
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(str(self.path), timeout=30, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA mmap_size={_MMAP_BYTES}")
            self._db.executescript(_SCHEMA)
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None
        self._current = self._stored_version() in (version, None)

    def _damaged(self, exc: Exception) -> LandinfoError:
        return LandinfoError(f"{self.path}: not a landinfo sentence store, or damaged ({exc}); delete it and run "
                             "`landinfo ingest` again to embed the sentences anew (the index itself is kept)")

    def _read(self, query):
        with self._lock:
            try:
                if self._db is not None:
                    return query(self._db)
                return read_once(self.path, query)
            except sqlite3.DatabaseError as exc:
                raise self._damaged(exc) from None

    def _stored_version(self) -> str | None:
        row = self._read(lambda db: db.execute("SELECT value FROM info WHERE key = 'version'").fetchone())
        return row[0] if row else None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # ---- ingest ----

    def start_version(self) -> None:
        """Make the file hold rows of this version only: rows of another (other rules, another embedder) go."""
        if self._current and self._stored_version() == self.version:
            return
        self._write(lambda db: (db.execute("DELETE FROM sentences"),
                                db.execute("INSERT OR REPLACE INTO info VALUES ('version', ?)", (self.version,))))
        self._current = True

    def put(self, rows: Iterable[tuple[str, Sequence[tuple[int, int]], np.ndarray]]) -> None:
        """(chunk id, spans, their vectors) in one transaction."""
        values = [(cid, np.asarray(spans, dtype=np.int32).reshape(-1, 2).tobytes(),
                   np.asarray(vectors, dtype=_STORED).tobytes()) for cid, spans, vectors in rows]
        if values:
            self._write(lambda db: db.executemany("INSERT OR REPLACE INTO sentences VALUES (?, ?, ?)", values))

    def delete(self, chunk_ids: Iterable[str]) -> None:
        ids = [(cid,) for cid in chunk_ids]
        if ids:
            self._write(lambda db: db.executemany("DELETE FROM sentences WHERE chunk_id = ?", ids))

    def chunk_ids(self) -> set[str]:
        if not self._current:
            return set()
        return {r[0] for r in self._read(lambda db: db.execute("SELECT chunk_id FROM sentences").fetchall())}

    def _write(self, op) -> None:
        if self._db is None:
            raise LandinfoError(f"{self.path} is read-only: the index can be searched but not changed")
        with self._lock:
            try:
                with self._db:
                    op(self._db)
            except sqlite3.OperationalError:
                raise
            except sqlite3.DatabaseError as exc:
                raise self._damaged(exc) from None

    # ---- questions ----

    def lookup(self, wanted: Sequence[tuple[str, int, int]]) -> list[np.ndarray | None]:
        """The stored vector of each (chunk id, start, end), float32; None where there is none (a chunk ingested
        before sentence vectors were stored, a passage that is no chunk, rows of another version)."""
        if not wanted or not self._current:
            return [None] * len(wanted)
        ids = sorted({cid for cid, _, _ in wanted})
        marks = ",".join("?" * len(ids))
        rows = self._read(lambda db: db.execute(
            f"SELECT chunk_id, spans, vectors FROM sentences WHERE chunk_id IN ({marks})", ids).fetchall())
        by_span: dict[tuple[str, int, int], np.ndarray] = {}
        for cid, spans, vectors in rows:
            pairs = np.frombuffer(spans, dtype=np.int32).reshape(-1, 2)
            matrix = np.frombuffer(vectors, dtype=_STORED).reshape(len(pairs), -1) if len(pairs) else None
            for k, (start, end) in enumerate(pairs):
                by_span[(cid, int(start), int(end))] = matrix[k]
        return [None if (v := by_span.get(key)) is None else v.astype(np.float32) for key in wanted]

    def summary(self) -> Summary:
        size = sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*") if p.is_file())
        if not self._current:
            return Summary(0, 0, size)
        chunks, spans = self._read(lambda db: db.execute(
            "SELECT count(*), coalesce(sum(length(spans)), 0) FROM sentences").fetchone())
        return Summary(int(chunks), int(spans) // 8, size)

    def touch(self) -> None:
        """Read the file's first pages (the warm start: the first question does not wait for the disk)."""
        if self._current:
            self._read(lambda db: db.execute("SELECT chunk_id, length(vectors) FROM sentences LIMIT 64").fetchall())


def embed_chunk_sentences(embedder, chunks: Sequence[tuple[str, str]]) -> list[tuple[str, list, np.ndarray]]:
    """(chunk id, spans, vectors) for chunks given as (chunk id, text): every quotable sentence embedded as a
    passage, as the answerer would embed it; a sentence that recurs (the overlap of neighbouring chunks, a
    publisher's template) is embedded once (10% of the sentences of ../shared/corpus)."""
    spans = [quotes.quotable_spans(text) for _, text in chunks]
    texts = [text[s:e] for (_, text), pairs in zip(chunks, spans) for s, e in pairs]
    unique = list(dict.fromkeys(texts))
    vectors = embedder.embed_passages(unique) if unique else np.zeros((0, 0), dtype=np.float32)
    row = {text: k for k, text in enumerate(unique)}
    out, k = [], 0
    for (cid, _), pairs in zip(chunks, spans):
        out.append((cid, pairs, vectors[[row[t] for t in texts[k:k + len(pairs)]]] if pairs else vectors[:0]))
        k += len(pairs)
    return out
