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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import urlparse

import httpx
import numpy as np

from .. import tuning
from ..coverage import default_period
from ..errors import EmptyIndexError, IndexMismatchError, IndexUnavailableError, LandinfoError
from ..locking import chroma_lock
from ..records import Filters, Passage
from ..scratch import owned_folder, remove_leftovers
from ..settings import Settings

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

    def __init__(self, folder: Path, generation: bytes, read_only: bool, copy_limit_mb: float = 0.0):
        import chromadb
        from chromadb.api.shared_system_client import SharedSystemClient

        self.folder, self.generation, self.read_only = folder, generation, read_only
        self.users = 0  # calls in flight
        self.retired = False
        self.workdir = _working_copy(folder, copy_limit_mb) if read_only else None
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


def _embedded(folder: Path, generation: bytes, read_only: bool, failed: _Embedded | None = None,
              copy_limit_mb: float = 0.0) -> _Embedded:
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
    _OPEN[folder] = _Embedded(folder, generation, read_only, copy_limit_mb)
    return _OPEN[folder]


def _working_copy(folder: Path, limit_mb: float = 0.0) -> Path:
    """A private folder, in the temp folder, with a copy of the read-only index's SQLite file and links to the
    rest; it names this process as its owner, and copies that killed processes left there are removed first.
    A database larger than `limit_mb` (0: no limit) is refused: at a million chunks it is gigabytes per process."""
    size_mb = sum(e.stat().st_size for e in folder.iterdir() if e.name.startswith("chroma.sqlite3")) / 2**20
    if limit_mb and size_mb > limit_mb:
        raise LandinfoError(
            f"{folder} is read-only, and its Chroma database ({size_mb:,.0f} MB) is larger than "
            f"LANDINFO_MAX_READONLY_COPY_MB ({limit_mb:,.0f}) allows a private copy to be: serve it with "
            f"`chroma run --path {folder}` and set LANDINFO_CHROMA_URL, or let this process write to the folder")
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


LAYOUT_KEY = "layout"  # in the anchor collection's metadata: "per-language" (absent: one collection, built earlier)
PER_LANGUAGE = "per-language"


def language_tag(language: str | None) -> str:
    """The collection suffix of a document language: 'sv', 'en'; 'und' when the language is not known."""
    tag = "".join(ch for ch in (language or "").lower() if ch.isascii() and ch.isalnum())[:8]
    return tag or "und"


_HNSW = {"hnsw": {"space": "cosine", "ef_search": tuning.HNSW_EF_SEARCH}}


def _search_widely(collection) -> None:
    """An index made before HNSW_EF_SEARCH was set searches as widely from its next ingest on."""
    hnsw = (getattr(collection, "configuration_json", None) or {}).get("hnsw") or {}
    if hnsw.get("ef_search") != tuning.HNSW_EF_SEARCH:
        collection.modify(configuration={"hnsw": {"ef_search": tuning.HNSW_EF_SEARCH}})


class _Collections:
    """The collections of one index as one call sees them, and the client that can make a missing language's."""

    def __init__(self, members: dict[str, object], make):
        self.members = members  # language tag -> collection; {"": collection} for an index of one collection
        self._make = make

    @property
    def single(self) -> bool:
        return "" in self.members

    def of(self, tag: str, create: bool = False):
        """The collection holding chunks of that language (of every language, in a one-collection index)."""
        if self.single:
            return self.members[""]
        if tag not in self.members and create:
            self.members[tag] = self._make(tag)
        return self.members.get(tag)


class VectorIndex:
    """The vectors of one index shape, one Chroma collection per document language.

    Every dense query is then an unfiltered HNSW search of one language's collection (a filtered Chroma query costs
    time linear in the collection: 2.7 s at 1M chunks, benchmarks/RESULTS-scale-1m.md). An anchor collection named
    after the shape's fingerprint holds no vectors, only the shape and the layout; the languages' collections are
    named after it ("landinfo-1a2b3c4d5e-sv"). An index built before holds everything in the anchor itself and is
    read and grown that way. Embedded, every call first checks the folder's generation stamp (one small file read)
    and re-opens Chroma when another process has written since; a call that fails inside Chroma is retried once on
    a re-opened one."""

    def __init__(self, settings: Settings, shape: IndexShape, create: bool = False, also=frozenset()):
        """`also`: other embedding_model names whose index this one may open instead when it has none of its own
        (another backend of the same model: its queries are then embedded by that backend, store.py)."""
        self._also = frozenset(also)
        self._url = settings.chroma_url
        self._folder = Path(settings.index_dir)
        self._chroma_dir = self._folder / "chroma"
        self._read_only = False
        self._copy_limit_mb = settings.max_readonly_copy_mb
        self._embedded: _Embedded | None = None
        self._server = None
        self._cols: _Collections | None = None
        try:
            self._open(settings, shape, create)
        except (httpx.TransportError, ConnectionError) as exc:
            raise _unavailable(settings.chroma_url, exc) from None

    def _open(self, settings: Settings, shape: IndexShape, create: bool) -> None:
        self.shape = shape
        self.name = f"{settings.collection}-{shape.fingerprint()}"
        self._prefix = settings.collection + "-"
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
                    self._find_collections(embedded.client, shape, create)
                finally:
                    self._release(embedded)
            if create:
                self._stamp()  # a collection may have been made
            return
        self._find_collections(client, shape, create)

    def _find_collections(self, client, shape: IndexShape, create: bool) -> None:
        existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
        if self.name not in existing and not create:
            anchors = sorted({self._prefix + n[len(self._prefix):].split("-")[0]
                              for n in existing if n.startswith(self._prefix)} & existing)
            stored = [(n, client.get_collection(n, embedding_function=None).metadata or {}) for n in anchors]
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
        if create and self.name not in existing:
            client.create_collection(self.name, embedding_function=None,
                                     metadata={**shape.as_metadata(), LAYOUT_KEY: PER_LANGUAGE},
                                     configuration=_HNSW)
        self._cols = self._members(client)
        if create:
            for col in self._cols.members.values():
                _search_widely(col)
        anchor = self._guard(client.get_collection(self.name, embedding_function=None))
        stored = anchor.metadata or {}
        if stored and stored.get("embedding_model") != shape.embedding_model:
            raise IndexMismatchError(f"collection {self.name} holds vectors of {stored.get('embedding_model')!r}")

    def _guard(self, collection):
        return _ServerGuard(collection, self._url) if self._url else collection

    def _members(self, client) -> _Collections:
        """This index's collections as they are now (another process may have added a language)."""
        anchor = client.get_collection(self.name, embedding_function=None)
        if (anchor.metadata or {}).get(LAYOUT_KEY) != PER_LANGUAGE:
            return _Collections({"": self._guard(anchor)}, None)
        prefix = self.name + "-"
        members = {n[len(prefix):]: self._guard(client.get_collection(n, embedding_function=None))
                   for n in sorted(c.name if hasattr(c, "name") else str(c) for c in client.list_collections())
                   if n.startswith(prefix)}
        metadata = {**self.shape.as_metadata(), LAYOUT_KEY: PER_LANGUAGE}

        def make(tag: str):
            return self._guard(client.get_or_create_collection(
                prefix + tag, embedding_function=None, metadata={**metadata, "language": tag},
                configuration=_HNSW))
        return _Collections(members, make)

    def refresh(self) -> None:
        """Look again for languages another process added (a server's index; embedded, every write is seen)."""
        if self._url:
            try:
                self._cols = self._members(self._server)
            except (httpx.TransportError, ConnectionError) as exc:
                raise _unavailable(self._url, exc) from None

    @property
    def languages(self) -> list[str]:
        """The language tags with a collection of their own ([] in an index of one collection)."""
        cols = self._cols
        return [] if cols is None or cols.single else sorted(cols.members)

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
        """The collections to call now, and the open Chroma they belong to (its `users` counted up)."""
        if self._url:
            if retry:
                self._cols = self._members(self._server)
            return self._cols, None
        generation = read_generation(self._folder)
        with _OPEN_LOCK:
            embedded = _embedded(self._chroma_dir, generation, self._read_only, failed, self._copy_limit_mb)
            embedded.users += 1
            if embedded is not self._embedded and self._cols is not None:
                try:
                    self._cols = self._members(embedded.client)
                except Exception as exc:
                    embedded.users -= 1
                    raise self._rebuilt(exc) from None
            self._embedded = embedded
            return self._cols, embedded

    @staticmethod
    def _release(embedded: _Embedded | None) -> None:
        if embedded is None:
            return
        with _OPEN_LOCK:
            embedded.users -= 1
            if embedded.retired and embedded.users == 0:
                embedded.close()

    def _call(self, op, write: bool = False):
        """op(collections), on a Chroma that has seen the last write; once more on a re-opened one if it fails.

        Embedded, the folder's Chroma lock is shared by reads and held alone by a write, which stamps the folder
        before letting go."""
        import chromadb.errors

        failed = error = None
        for retry in (False, True):
            with nullcontext() if self._url else chroma_lock(self._folder, exclusive=write):
                cols, embedded = self._acquire(retry, failed)
                try:
                    result = op(cols)
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
        return self._call(lambda cols: sum(col.count() for col in cols.members.values()))

    def add(self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str], metadatas: Sequence[dict]):
        """Into the collection of each chunk's language, out of any other (a document whose language changed)."""
        by_tag: dict[str, list[int]] = {}
        for i, meta in enumerate(metadatas):
            by_tag.setdefault(language_tag(meta.get("language")), []).append(i)
        for tag, rows in by_tag.items():
            for start in range(0, len(rows), 1000):
                part = rows[start:start + 1000]

                def upsert(cols, tag=tag, part=part):
                    part_ids = [ids[i] for i in part]
                    for other, col in cols.members.items():
                        if other not in ("", tag):
                            col.delete(ids=part_ids)
                    cols.of(tag, create=True).upsert(
                        ids=part_ids, embeddings=vectors[part].tolist(), documents=[texts[i] for i in part],
                        metadatas=[metadatas[i] for i in part])
                self._write(upsert)

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), 1000):
            part = ids[start:start + 1000]
            self._write(lambda cols: [col.delete(ids=part) for col in cols.members.values()])

    def existing(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 1000):
            part = list(ids[start:start + 1000])
            found.update(self._call(lambda cols: [i for col in cols.members.values()
                                                  for i in col.get(ids=part, include=[])["ids"]]))
        return found

    def all_ids(self) -> set[str]:
        return {row[0] for row in self._pages([])}

    def ids_of_document(self, doc_id: str) -> set[str]:
        return set(self._call(lambda cols: [i for col in cols.members.values()
                                            for i in col.get(where={"doc_id": doc_id}, include=[])["ids"]]))

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        """New metadata for stored chunks; a chunk whose language changed moves to that language's collection."""
        if not ids:
            return
        new = dict(zip(ids, metadatas))

        def update(cols):
            for tag, col in list(cols.members.items()):
                held = col.get(ids=list(ids), include=[])["ids"]
                stay = [i for i in held if tag == "" or language_tag(new[i].get("language")) == tag]
                if stay:
                    col.update(ids=stay, metadatas=[new[i] for i in stay])
                move = [i for i in held if i not in set(stay)]
                if move:
                    rows = col.get(ids=move, include=["embeddings", "documents"])
                    col.delete(ids=move)
                    for k, cid in enumerate(rows["ids"]):
                        cols.of(language_tag(new[cid].get("language")), create=True).upsert(
                            ids=[cid], embeddings=[list(rows["embeddings"][k])], documents=[rows["documents"][k]],
                            metadatas=[new[cid]])
        self._write(update)

    def _pages(self, include: list[str]):
        """(id, *included) of every chunk, collection by collection, in pages."""
        for tag in self._call(lambda cols: list(cols.members)):
            offset = 0
            while True:
                page = self._call(lambda cols: cols.members[tag].get(include=include, limit=_GET_PAGE,
                                                                    offset=offset) if tag in cols.members else None)
                if not page or not page["ids"]:
                    break
                columns = [page[name] for name in include]
                for i, cid in enumerate(page["ids"]):
                    yield (cid, *(column[i] for column in columns))
                offset += len(page["ids"])

    def iter_all(self, with_vectors: bool = False):
        """(id, text, metadata[, vector]) of every chunk, in pages."""
        yield from self._pages(["documents", "metadatas"] + (["embeddings"] if with_vectors else []))

    def get(self, ids: Sequence[str]) -> list[tuple[str, str, dict]]:
        """(id, text, metadata) of these chunks, in the order asked; ids the index lacks are left out."""
        if not ids:
            return []

        def fetch(cols):
            found = {}
            for col in cols.members.values():
                page = col.get(ids=list(ids), include=["documents", "metadatas"])
                found.update({cid: (cid, page["documents"][i], page["metadatas"][i])
                              for i, cid in enumerate(page["ids"])})
                if len(found) == len(ids):
                    break
            return found
        by_id = self._call(fetch)
        return [by_id[i] for i in ids if i in by_id]

    def query(self, vector: np.ndarray, n: int, filters: Filters | None = None, language: str | None = None,
              within: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first, among chunks that pass the filters (and are in `language`,
        and among the ids `within`, which must all be in that language's collection).

        Without filters besides the language, each language's collection is searched unfiltered."""
        languages = [language] if language else list(filters.languages) if filters and filters.languages else None
        ids = list(within) if within is not None else None

        def run(cols):
            if cols.single:
                merged = replace(filters or Filters(), languages=tuple(languages)) if languages else filters
                targets = [(cols.members[""], where_clause(merged))]
            else:
                rest = where_clause(replace(filters, languages=()) if filters else None)
                tags = sorted({language_tag(lang) for lang in languages}) if languages else list(cols.members)
                targets = [(cols.members[t], rest) for t in tags if t in cols.members]
            hits = []
            for col, where in targets:
                res = col.query(query_embeddings=[vector.tolist()], n_results=n, where=where, ids=ids,
                                include=["distances"])
                hits += [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]
            return sorted(hits, key=lambda h: -h[1])[:n]
        if ids is not None and not ids:
            return []
        return self._call(run)


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
