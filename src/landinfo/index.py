"""The vector store: Chroma, embedded on disk or a server. The only module that imports chromadb."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence
from urllib.parse import urlparse

import httpx
import numpy as np

from .errors import EmptyIndexError, IndexMismatchError, IndexUnavailableError, LandinfoError
from .records import Filters, Passage
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


def _client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise LandinfoError(f"LANDINFO_CHROMA_URL is not a URL: {settings.chroma_url!r}")
        try:
            return chromadb.HttpClient(host=url.hostname, port=url.port or 8000, ssl=url.scheme == "https",
                                       settings=chroma_settings)
        except ValueError as exc:  # chromadb's way of saying the server does not answer
            raise LandinfoError(f"cannot reach the Chroma server at {settings.chroma_url} ({exc})") from None
    path = Path(settings.index_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


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
    """One Chroma collection per index shape; its name carries the shape's fingerprint."""

    def __init__(self, settings: Settings, shape: IndexShape, create: bool = False):
        try:
            self._open(settings, shape, create)
        except (httpx.TransportError, ConnectionError) as exc:
            raise _unavailable(settings.chroma_url, exc) from None

    def _open(self, settings: Settings, shape: IndexShape, create: bool) -> None:
        self.shape = shape
        self.name = f"{settings.collection}-{shape.fingerprint()}"
        self._client = _client(settings)
        existing = {c.name if hasattr(c, "name") else str(c) for c in self._client.list_collections()}
        if self.name not in existing and not create:
            others = sorted(n for n in existing if n.startswith(settings.collection + "-"))
            stored = [(n, self._client.get_collection(n, embedding_function=None).metadata or {}) for n in others]
            same_model = [(n, m) for n, m in stored if m.get("embedding_model") == shape.embedding_model]
            if same_model:
                # Chunking only matters when ingesting; a query can use an index chunked another way.
                name, meta = same_model[0]
                self.shape = IndexShape(shape.embedding_model, int(meta.get("chunk_tokens", 0)),
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
        collection = self._client.get_or_create_collection(
            self.name, embedding_function=None, metadata=shape.as_metadata(),
            configuration={"hnsw": {"space": "cosine"}})
        self._col = _ServerGuard(collection, settings.chroma_url) if settings.chroma_url else collection
        stored = self._col.metadata or {}
        if stored and stored.get("embedding_model") != shape.embedding_model:
            raise IndexMismatchError(f"collection {self.name} holds vectors of {stored.get('embedding_model')!r}")

    def count(self) -> int:
        return self._col.count()

    def add(self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str], metadatas: Sequence[dict]):
        for start in range(0, len(ids), 1000):
            end = start + 1000
            self._col.upsert(ids=list(ids[start:end]), embeddings=vectors[start:end].tolist(),
                             documents=list(texts[start:end]), metadatas=list(metadatas[start:end]))

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        for start in range(0, len(ids), 1000):
            self._col.delete(ids=ids[start:start + 1000])

    def existing(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 1000):
            found.update(self._col.get(ids=list(ids[start:start + 1000]), include=[])["ids"])
        return found

    def ids_of_document(self, doc_id: str) -> set[str]:
        return set(self._col.get(where={"doc_id": doc_id}, include=[])["ids"])

    def update_metadata(self, ids: Sequence[str], metadatas: Sequence[dict]) -> None:
        if ids:
            self._col.update(ids=list(ids), metadatas=list(metadatas))

    def iter_all(self, with_vectors: bool = False):
        """(id, text, metadata[, vector]) of every chunk, in pages."""
        include = ["documents", "metadatas"] + (["embeddings"] if with_vectors else [])
        offset = 0
        while True:
            page = self._col.get(include=include, limit=_GET_PAGE, offset=offset)
            if not page["ids"]:
                return
            for i, cid in enumerate(page["ids"]):
                row = (cid, page["documents"][i], page["metadatas"][i])
                yield row + (page["embeddings"][i],) if with_vectors else row
            offset += len(page["ids"])

    def get(self, ids: Sequence[str]) -> list[tuple[str, str, dict]]:
        if not ids:
            return []
        page = self._col.get(ids=list(ids), include=["documents", "metadatas"])
        by_id = {cid: (cid, page["documents"][i], page["metadatas"][i]) for i, cid in enumerate(page["ids"])}
        return [by_id[i] for i in ids if i in by_id]

    def query(self, vector: np.ndarray, n: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first, among chunks that pass the filters."""
        if self.count() == 0:
            return []
        res = self._col.query(query_embeddings=[vector.tolist()], n_results=min(n, self.count()),
                              where=where_clause(filters), include=["distances"])
        return [(cid, 1.0 - float(d)) for cid, d in zip(res["ids"][0], res["distances"][0])]


def date_number(date: str) -> int:
    """'2019-12-05' -> 20191205; '2019-12' -> 20191200; '' -> 0. Sortable, comparable in Chroma filters."""
    digits = (date or "").replace("-", "")
    if not digits.isdigit():
        return 0
    return int(digits.ljust(8, "0")[:8])


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
        clauses.append({"date_num": {"$lte": date_number(filters.until) or 99999999}})
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
    )
