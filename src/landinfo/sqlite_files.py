"""SQLite files beside an index (the manifest, the sentence vectors), opened read-only when the folder is."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote


def read_only_connection(path: Path) -> sqlite3.Connection:
    """A connection that never writes: `immutable`, since a WAL file cannot be opened read-only without writing its
    -shm file beside it. One per read, so that each sees what a later ingest wrote."""
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro&immutable=1"
    return sqlite3.connect(uri, uri=True, check_same_thread=False)


def read_once(path: Path, query):
    """query(connection) on a read-only connection of its own, closed after."""
    db = read_only_connection(path)
    try:
        return query(db)
    finally:
        db.close()
