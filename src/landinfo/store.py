"""The parts of one index that belong together: embedder, vectors, lexical index and manifest."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .chunking import embedding_text
from .embedder import Embedder, make_embedder
from .index import IndexShape, VectorIndex
from .lexical import LexicalIndex
from .locking import index_folder
from .manifest import Manifest
from .records import Chunk
from .settings import Settings


@dataclass
class Store:
    settings: Settings
    embedder: Embedder
    shape: IndexShape
    index: VectorIndex
    manifest: Manifest
    lexical: LexicalIndex | None

    @classmethod
    def open(cls, settings: Settings, create: bool = False) -> "Store":
        folder = index_folder(Path(settings.index_dir))
        embedder = make_embedder(settings)
        shape = IndexShape.from_settings(settings, embedder.name)
        index = VectorIndex(settings, shape, create=create)
        shape = index.shape
        manifest = Manifest(folder / f"manifest-{shape.fingerprint()}.sqlite3", read_only=False if create else None)
        store = cls(settings, embedder, shape, index, manifest, None)
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
        return self.lexical is None or len(self.lexical) != self.index.count()

    def rebuild_lexical(self) -> None:
        rows = []
        for chunk_id, text, meta in self.index.iter_all():
            chunk = Chunk(chunk_id, meta.get("doc_id", ""), text, 0, 0, 0, None, meta.get("section", ""))
            rows.append((chunk_id, embedding_text(chunk, meta.get("title", "")) + " " +
                         meta.get("references", "").replace("|", " "), meta.get("language", "")))
        self.lexical = LexicalIndex.build(self.lexical_folder(self.settings, self.shape), rows)

    def close(self) -> None:
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
            "collection": self.index.name, "index_dir": str(folder), "index_bytes": size,
            "chroma": self.settings.chroma_url or "embedded",
        }
