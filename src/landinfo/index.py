"""The vector store: Chroma, embedded on disk or a server. The only module that imports chromadb."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import weakref
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import urlparse

import httpx
import numpy as np

from .coverage import default_period
from .errors import EmptyIndexError, IndexMismatchError, IndexUnavailableError, LandinfoError
from .locking import chroma_lock
from .records import Filters, Passage
from .scratch import owned_folder, remove_leftovers
from .settings import Settings

SCHEMA_VERSION = 1
_GET_PAGE = 2000


@dataclass(frozen=True)
class IndexShape:
    """What shaped the vectors; two indexes with different shapes must never be mixed."""

    embedding_model: str
    chunk_tokens: int
    chunk_overlap_tokens: int
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def from_settings(cls, settings: Settings, model_name: str) -> "IndexShape":
        return cls(model_name, settings.chunk_tokens, settings.chunk_overlap_tokens)

    def fingerprint(self) -> str:
        raw = json.dumps(self.__dict__, sort_keys=True).encode()
        return hashlib.sha256(raw).hexdigest()[:10]

    def as_metadata(self) -> dict:
        return {"embedding_model": self.embedding_model, "chunk_tokens": self.chunk_tokens,
                "chunk_overlap_tokens": self.chunk_overlap_tokens, "schema_version": self.schema_version}


_STAMP = "chroma.generation"  # in the index folder: rewritten after every write, read before every read


def _chroma_settings(**extra):
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, **extra)


def _server_client(settings: Settings):
    import chromadb

    url = urlparse(settings.chroma_url)
    if not url.hostname:
        raise LandinfoError(f"LANDINFO_CHROMA_URL is not a URL: {settings.chroma_url!r}")
    try:
        return chromadb.HttpClient(host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https",
                                   settings=_chroma_settings())
    except ValueError as exc:  # chromadb's way of saying the server does not answer
        raise LandinfoError(f"cannot reach the Chroma server at {settings.chroma_url} ({exc})") from None


def read_generation(index_dir: Path) -> bytes:
    """What the last write into this folder's Chroma stamped; b"" before the first one."""
    try:
        return (Path(index_dir) / _STAMP).read_bytes()
    except OSError:
        return b""


class _Embedded:
    """This process's Chroma over one folder, and the generation of the folder it was opened at.

    chromadb keeps one System per path in its SharedSystemClient cache, with HNSW segments and SQLite state in
    memory, and does not notice writes by another process: its queries then fail ("Error finding id"). So a
    folder another process has written to since is opened again, after taking chromadb's cached System for it
    out of that cache; the old one is stopped once no call uses it any more. A read-only folder is opened
    through a private copy of its SQLite file (chromadb writes to it when it opens it) beside links to its
    vector folders, which are only read."""

    def __init__(self, folder: Path, generation: bytes, read_only: bool):
        import chromadb
        from chromadb.api.shared_system_client import SharedSystemClient

        self.folder, self.generation, self.read_only = folder, generation, read_only
        self.users = 0  # calls in flight
        self.retired = False
        self.workdir = _working_copy(folder) if read_only else None
        path = str(self.workdir or folder)
        with SharedSystemClient._refcount_lock:
            SharedSystemClient._identifier_to_system.pop(path, None)
            SharedSystemClient._identifier_to_refcount.pop(path, None)
        try:
            self.client = chromadb.PersistentClient(path=path, settings=_chroma_settings())
        except Exception as exc:  # chromadb raises its own errors, ValueError and sqlite's, depending on the damage
            self.close()
            raise LandinfoError(f"{folder}: Chroma cannot open its database ({type(exc).__name__}: {exc}); if the "
                                "index is damaged, move the folder aside and run `landinfo ingest` again") from None
        self._system = self.client._system  # chromadb's cache entry for the path is replaced at the next reopen
        if self.workdir is not None:
            weakref.finalize(self, shutil.rmtree, self.workdir, True)

    def close(self) -> None:
        system = getattr(self, "_system", None)
        if system is not None:
            system.stop()
            self._system = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


_OPEN_LOCK = threading.Lock()
_OPEN: dict[Path, _Embedded] = {}  # chroma folder -> this process's Chroma over it


def _embedded(folder: Path, generation: bytes, read_only: bool, failed: _Embedded | None = None) -> _Embedded:
    """The open Chroma over `folder` at `generation` (call with _OPEN_LOCK held); `failed`: the one a call failed on."""
    current = _OPEN.get(folder)
    if current is not None and current.generation == generation and current is not failed \
            and current.read_only == read_only:
        return current
    if current is not None:
        del _OPEN[folder]
        current.retired = True
        if current.users == 0:
            current.close()
    _OPEN[folder] = _Embedded(folder, generation, read_only)
    return _OPEN[folder]


def _working_copy(folder: Path) -> Path:
    """A private folder, in the temp folder, with a copy of the read-only index's SQLite file and links to the
    rest; it names this process as its owner, and copies that killed processes left there are removed first."""
    temp = Path(tempfile.gettempdir())
    remove_leftovers(temp)
    work = owned_folder("landinfo-readonly-", temp)
    try:
        for entry in folder.iterdir():
            if entry.name.startswith("chroma.sqlite3"):
                shutil.copyfile(entry, work / entry.name)
            else:
                (work / entry.name).symlink_to(entry)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise LandinfoError(f"{folder} is read-only, and a private copy of its Chroma database could not be made "
                            f"in {work.parent} ({exc.strerror or exc})") from None
    return work


def _writable(folder: Path) -> bool:
    sqlite = folder / "chroma.sqlite3"
    return os.access(folder, os.W_OK) and (not sqlite.exists() or os.access(sqlite, os.W_OK))


class _ServerGuard:
    """A collection on a Chroma server whose failures to answer become one IndexUnavailableError.

    The HTTP client reconnects by itself, so once the server is back the same object works again."""

    def __init__(self, collection, url: str):
        self._collection = collection
        self._url = url

    def __getattr__(self, name):
        method = getattr(self._collection, name)
        if not callable(method):
            return method

        def guarded(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except (httpx.TransportError, ConnectionError) as exc:
                raise _unavailable(self._url, exc) from None
        return guarded


def _unavailable(url: str, exc: Exception) -> IndexUnavailableError:
    return IndexUnavailableError(f"the Chroma server at {url} stopped answering ({type(exc).__name__}: {exc}); "
                                 "start it again and retry")


class VectorIndex:
    """One Chroma collection per index shape; its name carries the shape's fingerprint.

    Embedded, every call first checks the folder's generation stamp (one small file read) and re-opens Chroma
    when another process has written since; a call that fails inside Chroma is retried once on a re-opened one."""

    def __init__(self, settings: Settings, shape: IndexShape, create: bool = False, also=frozenset()):
        """`also`: other embedding_model names whose index this one may open instead when it has none of its own
        (another backend of the same model: its queries are then embedded by that backend, store.py)."""
        self._also = frozenset(also)
        self._url = settings.chroma_url
        self._folder = Path(settings.index_dir)
        self._chroma_dir = self._folder / "chroma"
        self._read_only = False
        self._embedded: _Embedded | None = None
        self._server = self._col = None
        try:
            self._open(settings, shape, create)
        except (httpx.TransportError, ConnectionError) as exc:
            raise _unavailable(settings.chroma_url, exc) from None

    def _open(self, settings: Settings, shape: IndexShape, create: bool) -> None:
        self.shape = shape
        self.name = f"{settings.collection}-{shape.fingerprint()}"
        if self._url:
            client = self._server = _server_client(settings)
        else:
            if not create and not (self._chroma_dir / "chroma.sqlite3").exists():
                raise EmptyIndexError("nothing has been ingested yet: run `landinfo ingest corpus/` first")
            try:
                self._chroma_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LandinfoError(f"{self._chroma_dir}: cannot create the index folder ({exc.strerror})") from None
            self._read_only = not create and not _writable(self._chroma_dir)
            with chroma_lock(self._folder, exclusive=create):
                embedded = self._acquire()[1]
                try:
                    self._find_collection(embedded.client, settings, shape, create)
                finally:
                    self._release(embedded)
            if create:
                self._stamp()  # a collection may have been made
            return
        self._find_collection(client, settings, shape, create)

    def _find_collection(self, client, settings: Settings, shape: IndexShape, create: bool) -> None:
        existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
        if self.name not in existing and not create:
            others = sorted(n for n in existing if n.startswith(settings.collection + "-"))
            stored = [(n, client.get_collection(n, embedding_function=None).metadata or {}) for n in others]
            same_model = [(n, m) for n, m in stored if m.get("embedding_model") == shape.embedding_model] \
                or [(n, m) for n, m in stored if m.get("embedding_model") in self._also]
            if same_model:
                # Chunking only matters when ingesting; a query can use an index chunked another way.
                name, meta = same_model[0]
                self.shape = shape = IndexShape(meta["embedding_model"], int(meta.get("chunk_tokens", 0)),
                                                int(meta.get("chunk_overlap_tokens", 0)))
                self.name = name
            elif stored:
                built = stored[0][1]
                raise IndexMismatchError(
                    f"the index was built with embedding model {built.get('embedding_model')!r}; the settings "
                    f"now say {shape.embedding_model!r}. Vectors of two models are never mixed: use "
                    f"LANDINFO_EMBEDDING_MODEL={built.get('embedding_model')!r}, or run `landinfo ingest` to "
                    f"build an index for this model.")
            else:
                raise EmptyIndexError("nothing has been ingested yet: run `landinfo ingest corpus/` first")
        if create:
            collection = client.get_or_create_collection(
                self.name, embedding_function=None, metadata=shape.as_metadata(),
                configuration={"hnsw": {"space": "cosine"}})
        else:
            collection = client.get_collection(self.name, embedding_function=None)
        self._col = _ServerGuard(collection, settings.chroma_url) if settings.chroma_url else collection
        stored = self._col.metadata or {}
        if stored and stored.get("embedding_model") != shape.embedding_model:
            raise IndexMismatchError(f"collection {self.name} holds vectors of {stored.get('embedding_model')!r}")

    def close(self) -> None:
        """Let go of this process's Chroma over the folder; any user of it left in the process opens it again."""
        with _OPEN_LOCK:
            current = _OPEN.get(self._chroma_dir)
            if current is not None and current is self._embedded:
                del _OPEN[self._chroma_dir]
                current.retired = True
                if current.users == 0:
                    current.close()
            self._embedded = None

    @property
    def read_only(self) -> bool:
        """An embedded index in a folder this process cannot write to: searched through a private copy."""
        return self._read_only

    def _acquire(self, retry: bool = False, failed: _Embedded | None = None):
        """The collection to call now, and the open Chroma it belongs to (its `users` counted up)."""
        if self._url:
            if retry:
                self._col = _ServerGuard(self._server.get_collection(self.name, embedding_function=None), self._url)
            return self._col, None
        generation = read_generation(self._folder)
        with _OPEN_LOCK:
            embedded = _embedded(self._chroma_dir, generation, self._read_only, failed)
            embedded.users += 1
            if embedded is not self._embedded and self._col is not None:
                try:
                    self._col = embedded.client.get_collection(self.name, embedding_function=None)
                except Exception as exc:
                    embedded.users -= 1
                    raise self._rebuilt(exc) from None
            self._embedded = embedded
            return self._col, embedded

    @staticmethod
    def _release(embedded: _Embedded | None) -> None:
        if embedded is None:
            return
        with _OPEN_LOCK:
            embedded.users -= 1
            if embedded.retired and embedded.users == 0:
                embedded.close()

    def _call(self, op, write: bool = False):
        """op(collection), on a Chroma that has seen the last write; once more on a re-opened one if it fails.

        Embedded, the folder's Chroma lock is shared by reads and held alone by a write, which stamps the folder
        before letting go."""
        import chromadb.errors

        failed = error = None
        for retry in (False, True):
            with nullcontext() if self._url else chroma_lock(self._folder, exclusive=write):
                col, embedded = self._acquire(retry, failed)
                try:
                    result = op(col)
                    if write and not self._url:
                        self._stamp()
                    return result
                except chromadb.errors.InternalError as exc:
                    failed, error = embedded, exc
                finally:
                    self._release(embedded)
        raise self._rebuilt(error)

    def _rebuilt(self, exc: Exception) -> IndexUnavailableError:
        where = f"the Chroma server at {self._url}" if self._url else str(self._chroma_dir)
        return IndexUnavailableError(f"the index in {where} is being rebuilt, or was changed while it was read "
                                     f"({type(exc).__name__}: {exc}); try again in a moment")

    def _write(self, op) -> None:
        if self._read_only:
            raise LandinfoError(f"{self._chroma_dir} is read-only: the index can be searched but not changed")
        self._call(op, write=True)

    def _stamp(self) -> None:
        """Tell other processes that the vectors changed: they re-open Chroma before their next call."""
        token = f"{time.time_ns()} {os.getpid()} {threading.get_ident()}".encode()
        with _OPEN_LOCK:
            if _OPEN.get(self._chroma_dir) is self._embedded and self._embedded is not None:
                self._embedded.generation = token  # this process wrote it, so its Chroma has seen it
        stamp = self._folder / _STAMP
        tmp = stamp.with_name(f"{_STAMP}.{os.getpid()}.tmp")
        tmp.write_bytes(token)
        os.replace(tmp, stamp)

    def count(self) -> int:
        return self._call(lambda col: col.count())

    def add(self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str], metadatas: Sequence[dict]):
        for start in range(0, len(ids), 1000):
            end = start + 1000
            self._write(lambda col: col.upsert(
                ids=list(ids[start:end]), embeddings=vectors[start:end].tolist(),
                documents=list(texts[start:end]), metadatas=list(metadatas[start:end])))

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), 1000):
            self._write(lambda col: col.delete(ids=ids[start:start + 1000]))

    def existing(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 1000):
            found.update(self._call(lambda col: col.get(ids=list(ids[start:start + 1000]), include=[]))["ids"])
        return found

    def all_ids(self) -> set[str]:
        found: set[str] = set()
        offset = 0
        while True:
            page = self._call(lambda col: col.get(include=[], limit=_GET_PAGE, offset=offset))["ids"]
            if not page:
                return found
            found.update(page)
            offset += len(page)

    def ids_of_document(self, doc_id: str) -> set[str]:
        return set(self._call(lambda col: col.get(where={"doc_id": doc_id}, include=[]))["ids"])

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        if ids:
            self._write(lambda col: col.update(ids=list(ids), metadatas=list(metadatas)))

    def iter_all(self, with_vectors: bool = False):
        """(id, text, metadata[, vector]) of every chunk, in pages."""
        include = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
        offset = 0
        while True:
            page = self._call(lambda col: col.get(include=include, limit=_GET_PAGE, offset=offset))
            if not page["ids"]:
                return
            for i, cid in enumerate(page["ids"]):
                row = (cid, page["documents"][i], page["metadatas"][i])
                yield row + (page["embeddings"][i],) if with_vectors else row
            offset += len(page["ids"])

    def get(self, ids: Sequence[str]) -> list[tuple[str, str, dict]]:
        if not ids:
            return []
        page = self._call(lambda col: col.get(ids=list(ids), include=["documents", "metadatas"]))
        by_id = {cid: (cid, page["documents"][i], page["metadatas"][i]) for i, cid in enumerate(page["ids"])}
        return [by_id[i] for i in ids if i in by_id]

    def query(self, vector: np.ndarray, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first, among chunks that pass the filters."""
        def run(col):
            total = col.count()
            if total == 0:
                return None
            return col.query(query_embeddings=[vector.tolist()], n_results=min(n, total),
                             where=where_clause(filters), include=["distances"])
        res = self._call(run)
        if res is None:
            return []
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]


def date_number(date: str) -> int:
    """'2019-12-05' -> 20191205; '2019-12' -> 20191200; '' -> 0. Sortable, comparable in Chroma filters."""
    digits = (date or "").replace("-", "")
    if not digits.isdigit():
        return 0
    return int(digits.ljust(8, "0")[:8])


def until_number(date: str) -> int:
    """The last day an inclusive 'until' covers: '2024' -> 20249999, '2024-06' -> 20240699; '' -> no bound."""
    digits = (date or "").replace("-", "")
    if not digits.isdigit():
        return 99999999
    return int(digits.ljust(8, "9")[:8])


def country_key(country: str) -> str:
    return "c_" + "".join(ch if ch.isalnum() else "_" for ch in country.lower())


def where_clause(filters: Filters | None) -> dict | None:
    if filters is None or filters.is_empty():
        return None
    clauses: list[dict] = []
    if filters.countries:
        ors = [{country_key(c): True} for c in filters.countries]
        clauses.append(ors[0] if len(ors) == 1 else {"$or": ors})
    if filters.doc_types:
        clauses.append({"doc_type": {"$in": list(filters.doc_types)}})
    if filters.languages:
        clauses.append({"language": {"$in": list(filters.languages)}})
    if filters.since:
        clauses.append({"date_num": {"$gte": date_number(filters.since)}})
    if filters.until:
        clauses.append({"date_num": {"$lte": until_number(filters.until)}})
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def chunk_metadata(chunk, doc) -> dict:
    """Flat Chroma metadata for a chunk (Chroma takes scalars only)."""
    meta = doc.meta
    out = {
        "doc_id": doc.doc_id, "source": doc.source, "path": str(doc.path), "title": meta.title,
        "doc_type": meta.doc_type, "country": ", ".join(meta.countries), "language": meta.language,
        "date": meta.date, "date_num": date_number(meta.date), "page": chunk.page if chunk.page else -1,
        "section": chunk.section, "start": chunk.start, "end": chunk.end, "unit_index": chunk.unit_index,
        "url": meta.url, "publisher": meta.publisher, "fictional": bool(meta.fictional),
        "period": meta.period or default_period(meta.doc_type, meta.date),
        "references": "|" + "|".join(meta.references) + "|" if meta.references else "",
        "duplicates": json.dumps(list(doc.duplicates), ensure_ascii=False),
    }
    for country in meta.countries:
        out[country_key(country)] = True
    return out


def to_passage(chunk_id: str, text: str, meta: dict, score: float) -> Passage:
    """The one place Chroma's rows become Passages."""
    page = meta.get("page", -1)
    return Passage(
        id=chunk_id, text=text, source=meta.get("source", ""), title=meta.get("title", ""),
        doc_type=meta.get("doc_type", ""), country=meta.get("country", ""), language=meta.get("language", ""),
        date=meta.get("date", ""), page=page if isinstance(page, int) and page > 0 else None,
        section=meta.get("section", ""), score=float(score), start=int(meta.get("start", 0)),
        end=int(meta.get("end", 0)), doc_id=meta.get("doc_id", ""), url=meta.get("url", ""),
        publisher=meta.get("publisher", ""), fictional=bool(meta.get("fictional", False)),
        duplicates=tuple(json.loads(meta.get("duplicates") or "[]")),
        # an index built before periods were stored: the default a report that states none gets
        period=meta.get("period") or default_period(meta.get("doc_type", ""), meta.get("date", "")),
    )
