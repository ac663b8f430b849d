"""The parts of one index that belong together: embedder, vectors, lexical index and manifest."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .chunking import embedding_text
from .embedder import Embedder, embedder_for_index_name, make_embedder, other_backends
from .index import IndexShape, VectorIndex
from .index.chunk_table import ChunkTable
from .lexical import LexicalIndex
from .locking import index_folder
from .manifest import Manifest
from .records import Chunk
from .sentence_vectors import SentenceVectors, embed_chunk_sentences, version
from .settings import Settings


_SYNC_BATCH = 64  # chunks whose sentences are embedded and stored in one transaction


@dataclass
class Store:
    settings: Settings
    embedder: Embedder
    shape: IndexShape
    index: VectorIndex
    manifest: Manifest
    lexical: LexicalIndex | None
    sentences: SentenceVectors

    @classmethod
    def open(cls, settings: Settings, create: bool = False) -> "Store":
        folder = index_folder(Path(settings.index_dir))
        embedder = make_embedder(settings)
        shape = IndexShape.from_settings(settings, embedder.name)
        index = VectorIndex(settings, shape, create=create, also=other_backends(embedder.name))
        shape = index.shape
        if shape.embedding_model != embedder.name:  # built by another backend: its queries are embedded by that one
            embedder = embedder_for_index_name(settings, shape.embedding_model)
        manifest = Manifest(folder / f"manifest-{shape.fingerprint()}.sqlite3", read_only=False if create else None)
        sentences = SentenceVectors(folder / f"sentences-{shape.fingerprint()}.sqlite3",
                                    version(embedder.name, settings.passage_prefix), manifest.read_only or None)
        store = cls(settings, embedder, shape, index, manifest, None, sentences)
        try:
            store.lexical = store.load_lexical()
        except (OSError, ValueError):  # an ingest is swapping it in; the retriever loads it again
            pass
        return store

    @staticmethod
    def lexical_folder(settings: Settings, shape: IndexShape) -> Path:
        return Path(settings.index_dir) / f"lexical-{shape.fingerprint()}"

    def lexical_generation(self) -> int:
        """Changes with every BM25 rebuild, i.e. at the end of every ingest that changed something; 0: none."""
        try:
            return (self.lexical_folder(self.settings, self.shape) / "ids.json").stat().st_mtime_ns
        except OSError:
            return 0

    def load_lexical(self) -> LexicalIndex | None:
        """The BM25 index as the last ingest left it (OSError or ValueError while an ingest swaps it in)."""
        return LexicalIndex.load(self.lexical_folder(self.settings, self.shape))

    def lexical_stale(self) -> bool:
        folder = self.lexical_folder(self.settings, self.shape)
        return self.lexical is None or len(self.lexical) != self.index.count() \
            or not (folder / "summary.json").exists()

    def load_chunk_table(self) -> ChunkTable | None:
        """The compact chunk table the last ingest wrote beside BM25; None for an index built before it was."""
        return ChunkTable.load(self.lexical_folder(self.settings, self.shape))

    def _chunks_by_id(self) -> list[tuple[str, str, dict]]:
        """(id, text, metadata) of every chunk, sorted by id: the order of the chunk table's and BM25's rows."""
        return sorted(self.index.iter_all(), key=lambda row: row[0])

    def chunk_table_from_index(self) -> ChunkTable:
        """The chunk table built here from every chunk in Chroma (an index whose ingest wrote none)."""
        return ChunkTable.build(self._chunks_by_id())

    def rebuild_lexical(self) -> None:
        """BM25 and the chunk table, from every chunk, in one read of the index; swapped in together (the end of an
        ingest). The texts BM25 indexes are made one at a time as it tokenises them."""
        chunks = self._chunks_by_id()
        table = ChunkTable.build(chunks)

        def rows():
            for chunk_id, text, meta in chunks:
                chunk = Chunk(chunk_id, meta.get("doc_id", ""), text, 0, 0, 0, None, meta.get("section", ""))
                yield (chunk_id, embedding_text(chunk, meta.get("title", "")) + " " +
                       meta.get("references", "").replace("|", " "), meta.get("language", ""))
        self.lexical = LexicalIndex.build(self.lexical_folder(self.settings, self.shape), rows(), also=table.save)

    def delete_chunks(self, ids) -> None:
        """Chunks out of the index, with their sentence vectors."""
        ids = list(ids)
        self.index.delete(ids)
        self.sentences.delete(ids)

    def add_chunks(self, ids, vectors, texts, metadatas) -> float:
        """Chunks into the index, their quotable sentences embedded and stored first (so that every chunk in the
        index has them, even after a kill -9); the seconds the sentences took."""
        t0 = time.perf_counter()
        self.sentences.start_version()
        self.sentences.put(embed_chunk_sentences(self.embedder, list(zip(ids, texts))))
        seconds = time.perf_counter() - t0
        self.index.add(ids, vectors, texts, metadatas)
        return seconds

    def sync_sentences(self) -> tuple[int, float]:
        """Embed the sentences of chunks that have none stored (an index built before they were, or with other
        quoting rules), in batches, and drop the rows of chunks gone; (chunks embedded, seconds)."""
        t0 = time.perf_counter()
        self.sentences.start_version()
        stored = self.sentences.chunk_ids()
        indexed = self.index.all_ids()
        self.sentences.delete(stored - indexed)
        missing = sorted(indexed - stored)
        for start in range(0, len(missing), _SYNC_BATCH):
            rows = self.index.get(missing[start:start + _SYNC_BATCH])
            self.sentences.put(embed_chunk_sentences(self.embedder, [(cid, text) for cid, text, _ in rows]))
        return len(missing), time.perf_counter() - t0

    def close(self) -> None:
        self.sentences.close()
        self.manifest.close()
        self.index.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def status(self) -> dict:
        records = [r for r in self.manifest.records().values() if r.status == "indexed"]
        by_type: dict[str, int] = {}
        by_country: dict[str, int] = {}
        by_language: dict[str, int] = {}
        dates = []
        for rec in records:
            meta = rec.meta
            by_type[meta.get("doc_type") or "other"] = by_type.get(meta.get("doc_type") or "other", 0) + 1
            for country in meta.get("countries") or ["(none)"]:
                by_country[country] = by_country.get(country, 0) + 1
            lang = meta.get("language") or "?"
            by_language[lang] = by_language.get(lang, 0) + 1
            if meta.get("date"):
                dates.append(meta["date"])
        folder = Path(self.settings.index_dir)
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
        return {
            "documents": len(records), "chunks": self.index.count(),
            "duplicates": sum(1 for r in self.manifest.records().values() if r.status == "duplicate"),
            "by_type": dict(sorted(by_type.items())), "by_country": dict(sorted(by_country.items())),
            "by_language": dict(sorted(by_language.items())),
            "date_range": [min(dates), max(dates)] if dates else [None, None],
            "embedding_model": self.shape.embedding_model, "chunk_tokens": self.shape.chunk_tokens,
            "collection": self.index.name, "collections_by_language": self.index.languages,
            "index_dir": str(folder), "index_bytes": size,
            "chroma": self.settings.chroma_url or "embedded",
            "sentence_vectors": self.sentences.summary().to_json(),
        }
