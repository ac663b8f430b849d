"""Folder -> index: load, detect metadata, drop duplicates, chunk, embed what is new, keep BM25 in sync."""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .chunking import chunk_document, embedding_text
from .dedup import group_duplicates
from .errors import LandinfoError, LoadError
from .index import chunk_metadata
from .loaders import SUPPORTED_SUFFIXES, load_file
from .locking import ingest_lock
from .metadata import MetadataOverrides, detect_meta, is_metadata_file
from .records import DocMeta, Document
from .settings import Settings
from .store import Store

_FLUSH_CHUNKS = 64
# Bump when loading, metadata detection or chunking change: files are re-read and their chunk metadata
# refreshed; chunks whose text is unchanged keep their vectors (nothing is re-embedded for them).
PIPELINE_VERSION = "5"


@dataclass
class IngestReport:
    files: dict = field(default_factory=lambda: {"ingested": 0, "unchanged": 0, "skipped": 0, "failed": 0,
                                                 "duplicates": 0, "removed": 0, "missing": 0})
    chunks: dict = field(default_factory=lambda: {"added": 0, "removed": 0, "unchanged": 0})
    embedded: int = 0
    problems: list = field(default_factory=list)  # {"path", "reason"}: files that failed
    skipped: list = field(default_factory=list)  # {"path", "reason"}: files not meant to be indexed
    duplicates: list = field(default_factory=list)  # {"path", "same_as"}
    seconds: float = 0.0
    embed_seconds: float = 0.0

    def to_json(self) -> dict:
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        out["embed_seconds"] = round(self.embed_seconds, 3)
        return out


def document_id(path: Path) -> str:
    return hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _meta_json(meta: DocMeta) -> dict:
    return json.loads(json.dumps(asdict(meta), ensure_ascii=False))


def _meta_from_json(data: dict) -> DocMeta:
    values = dict(data)
    for key in ("countries", "references"):
        values[key] = tuple(values.get(key, ()))
    return DocMeta(**{k: v for k, v in values.items() if k in DocMeta.__dataclass_fields__})


def discover(root: Path, report: IngestReport) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.is_symlink() and root not in path.resolve().parents:
            report.skipped.append({"path": rel.as_posix(), "reason": "link to a file outside the corpus folder"})
            report.files["skipped"] += 1
            continue
        if is_metadata_file(path, root):
            report.skipped.append({"path": rel.as_posix(), "reason": "metadata (sidecar, manifest or listing)"})
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            report.skipped.append({"path": rel.as_posix(), "reason": f"unsupported file type {path.suffix or '(none)'}"})
            report.files["skipped"] += 1
            continue
        files.append(path)
    return files


def ingest(root: Path, settings: Settings, prune: bool = False, progress: bool = True) -> IngestReport:
    """Bring the index in line with the files under `root`. Re-running on an unchanged folder embeds nothing."""
    started = time.perf_counter()
    root = Path(root).resolve()
    if not root.is_dir():
        raise LandinfoError(f"{root}: not a folder")
    report = IngestReport()
    with ingest_lock(Path(settings.index_dir)):
        store = Store.open(settings, create=True)
        _Ingestion(root, settings, store, report, progress).run(prune)
        store.close()
    report.seconds = time.perf_counter() - started
    return report


class _Ingestion:
    def __init__(self, root: Path, settings: Settings, store: Store, report: IngestReport, progress: bool):
        self.root, self.settings, self.store, self.report = root, settings, store, report
        self.embedder = store.embedder
        self.overrides = MetadataOverrides.for_root(root)
        self.progress = progress and sys.stderr.isatty() or os.environ.get("LANDINFO_PROGRESS") == "1"
        self.pending: list[tuple[Document, list]] = []
        self.changed = False
        self.chunk_bar = None

    def run(self, prune: bool) -> None:
        report, manifest = self.report, self.store.manifest
        for path, reason in self.overrides.problems:
            report.problems.append({"path": str(path), "reason": reason})
        files = discover(self.root, report)
        records = manifest.records()
        loaded: dict[str, Document] = {}
        signatures: dict[str, str] = {}
        bar = _bar(len(files), self.progress)
        for path in files:
            key = str(path)
            override = json.dumps(_meta_json(self.overrides.apply(path, DocMeta())), sort_keys=True)
            signatures[key] = (_file_hash(path) + hashlib.sha256(override.encode()).hexdigest()[:16]
                               + PIPELINE_VERSION)
            old = records.get(key)
            if old and old.signature == signatures[key] and old.status in ("indexed", "duplicate"):
                report.files["unchanged"] += 1
            else:
                doc = self._load(path, signatures[key])
                if doc is not None:
                    loaded[key] = doc
            bar.update(1)
        bar.close()
        groups = self._duplicates(loaded, records, set(signatures))
        self._apply(loaded, records, groups, signatures)
        self._handle_missing(records, set(signatures), prune)
        if self.chunk_bar is not None:
            self.chunk_bar.close()
        if self.changed or self.store.lexical_stale():
            self.store.rebuild_lexical()

    def _load(self, path: Path, signature: str) -> Document | None:
        rel = path.relative_to(self.root).as_posix()
        try:
            raw = load_file(path)
            meta = self.overrides.apply(path, detect_meta(raw, rel))
        except LoadError as exc:
            self.report.problems.append({"path": rel, "reason": str(exc)})
            self.report.files["failed"] += 1
            return None
        except Exception as exc:  # a loader bug must not stop the batch
            self.report.problems.append({"path": rel, "reason": f"could not be read ({type(exc).__name__}: {exc})"})
            self.report.files["failed"] += 1
            return None
        return Document(doc_id=document_id(path), source=rel, path=path, units=raw.units, meta=meta,
                        content_hash=signature)

    def _duplicates(self, loaded, records, present: set[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
        """path -> (canonical path, duplicates of it) over every present file, loaded now or before."""
        docs = []
        for key in present:
            if key in loaded:
                doc = loaded[key]
                docs.append((key, doc.meta, "\n\n".join(u.text for u in doc.units)))
            elif key in records and records[key].status in ("indexed", "duplicate"):
                rec = records[key]
                docs.append((key, _meta_from_json(rec.meta), rec.fulltext))
        result: dict[str, tuple[str, tuple[str, ...]]] = {}
        for group in group_duplicates(docs):
            for dup in group.duplicates:
                result[dup] = (group.canonical, ())
            result[group.canonical] = (group.canonical, tuple(group.duplicates))
        return result

    def _rel(self, key: str) -> str:
        try:
            return Path(key).relative_to(self.root).as_posix()
        except ValueError:
            return key

    def _apply(self, loaded, records, groups, signatures) -> None:
        report, manifest, index = self.report, self.store.manifest, self.store.index
        for key in sorted(signatures):
            canonical, dups = groups.get(key, (key, ()))
            rec = records.get(key)
            if canonical != key:
                report.duplicates.append({"path": self._rel(key), "same_as": self._rel(canonical)})
                report.files["duplicates"] += 1
                if rec and rec.status == "indexed" and rec.chunk_ids:
                    index.delete(rec.chunk_ids)
                    report.chunks["removed"] += len(rec.chunk_ids)
                    self.changed = True
                doc = loaded.get(key)
                meta = _meta_json(doc.meta) if doc else (rec.meta if rec else {})
                text = "\n\n".join(u.text for u in doc.units) if doc else (rec.fulltext if rec else "")
                if doc or (rec and rec.status != "duplicate") or (rec and rec.canonical != canonical):
                    manifest.put(key, str(self.root), self._rel(key), signatures[key], document_id(Path(key)),
                                 "duplicate", meta=meta, fulltext=text, canonical=canonical)
                continue
            dup_sources = tuple(self._rel(d) for d in dups)
            doc = loaded.get(key)
            if doc is None and rec is not None and rec.status == "duplicate":
                doc = self._load(Path(key), signatures[key])  # its canonical copy went away: index it now
            if doc is not None:
                self._queue(replace(doc, duplicates=dup_sources))
            elif rec is not None and tuple(rec.meta.get("_duplicates", ())) != dup_sources:
                self._retag_duplicates(rec, dup_sources)
        self._flush()

    def _retag_duplicates(self, rec, dup_sources) -> None:
        rows = self.store.index.get(list(rec.chunk_ids))
        metas = []
        for _cid, _text, meta in rows:
            meta = dict(meta)
            meta["duplicates"] = json.dumps(list(dup_sources), ensure_ascii=False)
            metas.append(meta)
        self.store.index.update_metadata([r[0] for r in rows], metas)
        meta = dict(rec.meta)
        meta["_duplicates"] = list(dup_sources)
        self.store.manifest.put(rec.path, rec.root, rec.source, rec.signature, rec.doc_id, "indexed",
                                rec.chunk_ids, meta, rec.fulltext)

    def _queue(self, doc: Document) -> None:
        chunks = chunk_document(doc, self.embedder.count_tokens, self.settings.chunk_tokens,
                                self.settings.chunk_overlap_tokens)
        self.pending.append((doc, chunks))
        if sum(len(c) for _, c in self.pending) >= _FLUSH_CHUNKS:
            self._flush()

    def _flush(self) -> None:
        """Embed and store the pending documents, then record them: a crash before the record is harmless."""
        if not self.pending:
            return
        index, report = self.store.index, self.report
        new_ids, new_texts, new_metas, new_chunks = [], [], [], []
        kept_ids, kept_metas = [], []
        for doc, chunks in self.pending:
            old_ids = index.ids_of_document(doc.doc_id)
            ids = {c.chunk_id for c in chunks}
            stale = old_ids - ids
            if stale:
                index.delete(stale)
                report.chunks["removed"] += len(stale)
            for chunk in chunks:
                if chunk.chunk_id in old_ids:
                    report.chunks["unchanged"] += 1
                    kept_ids.append(chunk.chunk_id)
                    kept_metas.append(chunk_metadata(chunk, doc))
                    continue
                new_ids.append(chunk.chunk_id)
                new_texts.append(embedding_text(chunk, doc.meta.title))
                new_metas.append(chunk_metadata(chunk, doc))
                new_chunks.append(chunk)
        index.update_metadata(kept_ids, kept_metas)
        if new_ids:
            t0 = time.perf_counter()
            vectors = self.embedder.embed_passages(new_texts)
            report.embed_seconds += time.perf_counter() - t0
            report.embedded += len(new_ids)
            if self.progress:
                if self.chunk_bar is None:
                    from tqdm import tqdm

                    self.chunk_bar = tqdm(desc="chunks embedded", unit="chunk", file=sys.stderr)
                self.chunk_bar.update(len(new_ids))
            index.add(new_ids, vectors, [c.text for c in new_chunks], new_metas)
            report.chunks["added"] += len(new_ids)
        for doc, chunks in self.pending:
            meta = _meta_json(doc.meta)
            meta["_duplicates"] = list(doc.duplicates)
            self.store.manifest.put(str(doc.path), str(self.root), doc.source, doc.content_hash, doc.doc_id,
                                    "indexed", [c.chunk_id for c in chunks], meta,
                                    "\n\n".join(u.text for u in doc.units))
            report.files["ingested"] += 1
        self.changed = True
        self.pending = []

    def _handle_missing(self, records, present: set[str], prune: bool) -> None:
        for key, rec in records.items():
            if rec.root != str(self.root) or key in present:
                continue
            if not prune:
                self.report.files["missing"] += 1
                self.report.skipped.append({"path": rec.source, "reason": "file is gone; `--prune` removes it"})
                continue
            if rec.status == "indexed" and rec.chunk_ids:
                self.store.index.delete(rec.chunk_ids)
                self.report.chunks["removed"] += len(rec.chunk_ids)
            self.store.manifest.remove(key)
            self.report.files["removed"] += 1
            self.changed = True


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="files", unit="file", disable=not enabled, file=sys.stderr)
