"""Folder -> index: load, detect metadata, drop duplicates, chunk, embed what is new, keep BM25 in sync.

Files are read and indexed one after another, each recorded once its chunks are stored: a slow or broken file
costs only itself (one line in the report, within max_file_mb and max_file_seconds), and what was indexed
before it stays indexed even if the run is stopped. Duplicate groups are kept current as files come in, so
that each document is embedded once, from its canonical copy.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
import types
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path


from .chunking import chunk_document, embedding_text
from .dedup import BANDS, FORMAT_RANK, IDENTIFIER_RE, MIN_SHINGLES, NUM_HASHES, _signature, group_duplicates, shingles
from .errors import LandinfoError, LoadError
from .index import chunk_metadata
from .loaders import SUPPORTED_SUFFIXES, Limits, load_file
from .loaders.limits import too_large
from .locking import ingest_lock
from .manifest import FileRecord
from .metadata import MetadataOverrides, detect_meta, is_metadata_file
from .records import DocMeta, Document
from .settings import Settings
from .store import Store

_REASON_CHARS = 300  # a failure's reason is one line of at most this many characters
_FLUSH_CHUNKS = 64  # documents are embedded and stored in batches of about this many chunks ...
_FLUSH_SECONDS = 1.0  # ... or as soon as the file read after them takes longer than this
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
    embed_seconds: float = 0.0  # the chunks' vectors
    sentence_seconds: float = 0.0  # the quotable sentences' vectors (sentence_vectors.py), besides embed_seconds
    sentences_synced: int = 0  # chunks already indexed whose sentence vectors were missing (an older index)

    def to_json(self) -> dict:
        out = asdict(self)
        out["seconds"] = round(self.seconds, 3)
        out["embed_seconds"] = round(self.embed_seconds, 3)
        out["sentence_seconds"] = round(self.sentence_seconds, 3)
        return out


def shown(text) -> str:
    """A path (or a message naming one) as people read it and JSON, SQLite and Chroma store it.

    A name that is not valid UTF-8 comes from the file system with its bad bytes as lone surrogates, which
    nothing downstream can encode; they are shown escaped instead: b"bad\\xff.txt" -> "bad\\\\xff.txt".
    """
    try:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    except UnicodeError:
        return str(text).encode("utf-8", "backslashreplace").decode("utf-8")


def document_id(path: Path) -> str:
    """A document's id: 16 hex digits of the SHA-256 of the file's absolute path, symbolic links resolved. Stable
    while the corpus stays where it is; the same folder ingested from another path gets other ids."""
    return hashlib.sha256(os.fsencode(path.resolve())).hexdigest()[:16]


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


def _full_text(doc: Document) -> str:
    return "\n\n".join(u.text for u in doc.units)


def _one_line(reason: str) -> str:
    line = shown(" ".join(str(reason).split()))
    return line if len(line) <= _REASON_CHARS else line[:_REASON_CHARS - 3] + "..."


def discover(root: Path, report: IngestReport) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        shown_rel = shown(rel.as_posix())
        try:
            if any(part.startswith(".") for part in rel.parts) or not path.is_file():
                continue
            outside = path.is_symlink() and root not in path.resolve().parents
        except (OSError, RuntimeError) as exc:  # a link loop, a file that went away
            report.problems.append({"path": shown_rel, "reason": _one_line(f"cannot be read: {exc}")})
            report.files["failed"] += 1
            continue
        if outside:
            report.skipped.append({"path": shown_rel, "reason": "link to a file outside the corpus folder"})
            report.files["skipped"] += 1
            continue
        if is_metadata_file(path, root):
            report.skipped.append({"path": shown_rel, "reason": "metadata (sidecar, manifest or listing)"})
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            report.skipped.append({"path": shown_rel, "reason": f"unsupported file type {shown(path.suffix) or '(none)'}"})
            report.files["skipped"] += 1
            continue
        files.append(path)
    return files


def ingest(root: Path, settings: Settings, prune: bool = False, progress: bool = True) -> IngestReport:
    """Bring the index in line with the files under `root`. Re-running on an unchanged folder embeds nothing."""
    started = time.perf_counter()
    root = Path(root).resolve()
    if not root.is_dir():
        raise LandinfoError(f"{shown(str(root))}: not a folder")
    report = IngestReport()
    with ingest_lock(Path(settings.index_dir)):
        store = Store.open(settings, create=True)
        _Ingestion(root, settings, store, report, progress).run(prune)
        store.close()
    report.seconds = time.perf_counter() - started
    return report


class _Groups:
    """Duplicate groups over the folder, kept current as files are read one at a time.

    dedup.group_duplicates decides what is a copy of what. For a file just read, this finds the files it could be
    a copy of exactly as group_duplicates pairs candidates (a shared identifier or a shared MinHash band) and
    regroups them, their groups and it together; copies only ever join, so the groups after the last file are
    the ones group_duplicates gives for the whole folder at once.
    """

    def __init__(self, docs: list[tuple[str, DocMeta, str]]):
        self.docs: dict[str, tuple[DocMeta, str]] = {key: (meta, text) for key, meta, text in docs}
        self.group_of: dict[str, tuple[str, ...]] = {}  # key -> (canonical, *duplicates), for keys with copies
        self._holders: dict[object, set[str]] | None = None  # identifier or (band, hash) -> keys; built when needed
        self._regroup(set(self.docs))

    def __contains__(self, key: str) -> bool:
        return key in self.docs

    def _marks(self, key: str) -> list[object]:
        meta, text = self.docs[key]
        marks: list[object] = [ref for ref in meta.references if IDENTIFIER_RE.match(ref)]
        shingle_set = shingles(text)
        if len(shingle_set) >= MIN_SHINGLES:
            signature, rows = _signature(shingle_set), NUM_HASHES // BANDS
            marks += [(band, signature[band * rows:(band + 1) * rows].tobytes()) for band in range(BANDS)]
        return marks

    def add(self, key: str, meta: DocMeta, text: str) -> list[str]:
        """Take in a file just read; the files whose role may have changed (its group's, and its own)."""
        if self._holders is None:  # the first file read in this run: a folder with none read never needs them
            self._holders = defaultdict(set)
            for known in self.docs:
                for mark in self._marks(known):
                    self._holders[mark].add(known)
        self.docs[key] = (meta, text)
        involved = {key}
        for mark in self._marks(key):
            for other in self._holders[mark]:
                involved.update(self.group_of.get(other, (other,)))
            self._holders[mark].add(key)
        self._regroup(involved)
        return sorted(involved)

    def _regroup(self, keys: set[str]) -> None:
        for key in keys:
            self.group_of.pop(key, None)
        docs = [(key, *self.docs[key]) for key in sorted(keys)]
        for group in group_duplicates(docs):
            members = (group.canonical, *group.duplicates)
            for member in members:
                self.group_of[member] = members

    def role(self, key: str) -> tuple[str, tuple[str, ...]]:
        """(canonical, duplicates): (key, its copies) for a file to index, (the copy indexed, ()) for a copy."""
        members = self.group_of.get(key, (key,))
        return (key, members[1:]) if members[0] == key else (members[0], ())


def _canonical_first(key: str) -> tuple:
    """The order in which dedup picks a group's canonical copy, so that copies rarely displace what was indexed."""
    return FORMAT_RANK.get(Path(key).suffix.lower(), 9), len(key), key


class _Ingestion:
    def __init__(self, root: Path, settings: Settings, store: Store, report: IngestReport, progress: bool):
        self.root, self.settings, self.store, self.report = root, settings, store, report
        self.root_key = shown(str(root))
        self.embedder = store.embedder
        self.overrides = MetadataOverrides.for_root(root)
        self.limits = Limits(settings.max_file_mb or None, settings.max_file_seconds or None,
                             settings.max_xml_part_mb or None)
        self.progress = progress and sys.stderr.isatty() or settings.progress
        self.records: dict[str, FileRecord] = {}  # the manifest, kept current as files are recorded
        self.paths: dict[str, Path] = {}  # key (the path as stored, shown) -> the file
        self.sources: dict[str, str] = {}  # key -> path relative to the root, shown
        self.signatures: dict[str, str] = {}
        self.failed: set[str] = set()
        self.indexed_now: set[str] = set()
        self.pending: list[tuple[str, Document, list]] = []  # read and chunked, not stored yet
        self.groups = _Groups([])
        self.changed = False
        self.chunk_bar = None

    def run(self, prune: bool) -> None:
        report = self.report
        for path, reason in self.overrides.problems:
            report.problems.append({"path": shown(str(path)), "reason": _one_line(reason)})
        self.records = self.store.manifest.records()
        to_read = []
        for path in discover(self.root, report):
            key = shown(str(path))
            self.paths[key], self.sources[key] = path, shown(path.relative_to(self.root).as_posix())
            signature = self._signature(key)
            old = self.records.get(key)
            if signature and old and old.signature == signature and old.status in ("indexed", "duplicate"):
                report.files["unchanged"] += 1
            elif signature:
                self.signatures[key] = signature
                to_read.append(key)
        present = set(self.paths)
        known = [(key, _meta_from_json(rec.meta), rec.fulltext) for key, rec in sorted(self.records.items())
                 if key in present and key not in self.signatures and rec.status in ("indexed", "duplicate")]
        self.groups = _Groups(known)  # what is indexed already and stays (unchanged, or unreadable now)
        bar = _bar(len(to_read), self.progress)
        for key in sorted(to_read, key=_canonical_first):
            self._take(key)
            bar.update(1)
        bar.close()
        self._flush()
        for key in sorted(k for k in present if k in self.groups):
            self._settle(key)  # files not read: a canonical copy that went away, a changed list of copies
        self._flush()
        self._count(present)
        report.problems.sort(key=lambda problem: problem["path"])
        self._handle_missing(present, prune)
        if self.chunk_bar is not None:
            self.chunk_bar.close()
        synced, seconds = self.store.sync_sentences()
        self.report.sentences_synced += synced
        self.report.sentence_seconds += seconds
        if self.changed or self.store.lexical_stale():
            self.store.rebuild_lexical()

    def _fail(self, key: str, reason: str) -> None:
        self.report.problems.append({"path": self.sources[key], "reason": _one_line(reason)})
        self.report.files["failed"] += 1
        self.failed.add(key)

    def _signature(self, key: str) -> str | None:
        """Hash of the file and of the metadata overrides that apply to it; None (and one line) if unreadable."""
        path, limit = self.paths[key], self.limits.max_bytes
        try:
            size = path.stat().st_size
            if limit is not None and size > limit:
                raise LoadError(too_large(size, limit))  # refused before it is opened
            override = json.dumps(_meta_json(self.overrides.apply(path, DocMeta())), sort_keys=True)
            return _file_hash(path) + hashlib.sha256(override.encode()).hexdigest()[:16] + PIPELINE_VERSION
        except LoadError as exc:
            self._fail(key, str(exc))
        except OSError as exc:
            self._fail(key, f"cannot be read: {exc.strerror or exc}")
        except Exception as exc:  # an override that cannot be applied must not stop the batch
            self._fail(key, f"could not be read ({type(exc).__name__}: {exc})")
        return None  # if it was indexed before, that version stays

    def _load(self, key: str) -> Document | None:
        """The file as a document, or None and one line saying why not. Touches nothing but the report."""
        path, source = self.paths[key], self.sources[key]
        try:
            raw = load_file(path, self.limits)
            meta = self.overrides.apply(path, detect_meta(raw, source))
            doc = Document(doc_id=document_id(path), source=source, path=Path(key), units=raw.units, meta=meta,
                           content_hash=self.signatures[key])
            _full_text(doc).encode("utf-8")  # what the manifest and Chroma store must be valid Unicode
            json.dumps(_meta_json(meta), ensure_ascii=False).encode("utf-8")
            return doc
        except LoadError as exc:
            self._fail(key, str(exc))
        except Exception as exc:  # a loader or metadata bug must not stop the batch
            self._fail(key, f"could not be read ({type(exc).__name__}: {exc})")
        return None

    def _load_meanwhile(self, key: str) -> Document | None:
        """_load in a thread of its own; when it takes longer than _FLUSH_SECONDS, the documents read before it
        are stored meanwhile, so that a slow file holds up only itself."""
        loaded: list[Document | None] = []
        reader = threading.Thread(target=lambda: loaded.append(self._load(key)), daemon=True,
                                  name="landinfo-ingest-read")
        reader.start()
        reader.join(_FLUSH_SECONDS)
        if reader.is_alive():
            self._flush()
            reader.join()
        return loaded[0] if loaded else None

    def _read(self, key: str, meanwhile: bool = False) -> tuple[Document, list] | None:
        """The file as a document and its chunks, or None and one line saying why not."""
        doc = self._load_meanwhile(key) if meanwhile else self._load(key)
        if doc is None:
            return None
        try:
            return doc, chunk_document(doc, self.embedder.count_tokens, self.settings.chunk_tokens,
                                       self.settings.chunk_overlap_tokens)
        except Exception as exc:  # a chunking bug must not stop the batch
            self._fail(key, f"could not be chunked ({type(exc).__name__}: {exc})")
        return None

    def _take(self, key: str) -> None:
        """Read one changed or new file and settle it, with every file whose role it changes."""
        read = self._read(key, meanwhile=True)
        if read is None:
            old = self.records.get(key)
            if old is None or old.status not in ("indexed", "duplicate"):
                return
            involved = self.groups.add(key, _meta_from_json(old.meta), old.fulltext)  # its last good version stays
        else:
            involved = self.groups.add(key, read[0].meta, _full_text(read[0]))
        if len(involved) > 1:
            self._flush()  # the records of its copies must be current before their roles change
        for member in involved:
            self._settle(member, read if member == key else None)

    def _settle(self, key: str, read: tuple[Document, list] | None = None) -> None:
        """Make the index and the manifest say what the groups say of `key`: indexed, or a copy of another."""
        canonical, dups = self.groups.role(key)
        rec = self.records.get(key)
        doc, chunks = read if read else (None, None)
        if canonical != key:
            if rec and rec.status == "indexed" and rec.chunk_ids:
                self.store.delete_chunks(rec.chunk_ids)
                self.report.chunks["removed"] += len(rec.chunk_ids)
                self.changed = True
            if doc or (rec and (rec.status != "duplicate" or rec.canonical != canonical)):
                self._put(key, doc.content_hash if doc else rec.signature, doc.doc_id if doc else rec.doc_id,
                          "duplicate", meta=_meta_json(doc.meta) if doc else rec.meta,
                          fulltext=_full_text(doc) if doc else rec.fulltext, canonical=canonical)
            return
        dup_sources = tuple(self.sources.get(d, d) for d in dups)
        if doc is None and rec is not None and rec.status == "duplicate" and key not in self.failed:
            self.signatures.setdefault(key, rec.signature)
            read = self._read(key)  # its canonical copy went away: index it now
            doc, chunks = read if read else (None, None)
        if doc is not None:
            self._queue(key, replace(doc, duplicates=dup_sources), chunks)
        elif rec is not None and rec.status == "indexed" and tuple(rec.meta.get("_duplicates", ())) != dup_sources:
            self._retag_duplicates(rec, dup_sources)

    def _put(self, key: str, signature: str, doc_id: str, status: str, chunk_ids=(), meta: dict | None = None,
             fulltext: str = "", canonical: str = "") -> None:
        source = self.sources[key]
        self.store.manifest.put(key, self.root_key, source, signature, doc_id, status, chunk_ids, meta, fulltext,
                                canonical=canonical)
        self.records[key] = FileRecord(path=key, root=self.root_key, source=source, signature=signature,
                                       doc_id=doc_id, status=status, reason="", canonical=canonical,
                                       chunk_ids=tuple(chunk_ids), meta=meta or {}, fulltext=fulltext)

    def _retag_duplicates(self, rec: FileRecord, dup_sources) -> None:
        rows = self.store.index.get(list(rec.chunk_ids))
        metas = []
        for _cid, _text, meta in rows:
            meta = dict(meta)
            meta["duplicates"] = json.dumps(list(dup_sources), ensure_ascii=False)
            metas.append(meta)
        self.store.index.update_metadata([r[0] for r in rows], metas)
        meta = dict(rec.meta)
        meta["_duplicates"] = list(dup_sources)
        self._put(rec.path, rec.signature, rec.doc_id, "indexed", rec.chunk_ids, meta, rec.fulltext)

    def _queue(self, key: str, doc: Document, chunks: list) -> None:
        self.pending.append((key, doc, chunks))
        if sum(len(c) for _, _, c in self.pending) >= _FLUSH_CHUNKS:
            self._flush()

    def _flush(self) -> None:
        """Embed and store the pending documents, then record them: a crash before the record is harmless."""
        if not self.pending:
            return
        index, report = self.store.index, self.report
        new_ids, new_texts, new_metas, new_chunks = [], [], [], []
        kept_ids, kept_metas = [], []
        for _key, doc, chunks in self.pending:
            old_ids = index.ids_of_document(doc.doc_id)
            stale = old_ids - {c.chunk_id for c in chunks}
            if stale:
                self.store.delete_chunks(stale)
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
            report.sentence_seconds += self.store.add_chunks(new_ids, vectors, [c.text for c in new_chunks],
                                                             new_metas)
            report.chunks["added"] += len(new_ids)
        for key, doc, chunks in self.pending:
            meta = _meta_json(doc.meta)
            meta["_duplicates"] = list(doc.duplicates)
            self._put(key, doc.content_hash, doc.doc_id, "indexed", [c.chunk_id for c in chunks], meta,
                      _full_text(doc))
            self.indexed_now.add(key)
        self.changed = True
        self.pending = []

    def _count(self, present: set[str]) -> None:
        """Copies and newly indexed files as the run leaves them (a file indexed early may have become a copy)."""
        for key in sorted(k for k in present if k in self.groups):
            canonical, _ = self.groups.role(key)
            if canonical != key:
                self.report.duplicates.append({"path": self.sources[key], "same_as": self.sources[canonical]})
                self.report.files["duplicates"] += 1
        self.report.files["ingested"] = sum(1 for key in self.indexed_now if self.groups.role(key)[0] == key)

    def _handle_missing(self, present: set[str], prune: bool) -> None:
        for key, rec in self.records.items():
            if rec.root != self.root_key or key in present:
                continue
            if not prune:
                self.report.files["missing"] += 1
                self.report.skipped.append({"path": rec.source, "reason": "file is gone; `--prune` removes it"})
                continue
            if rec.status == "indexed" and rec.chunk_ids:
                self.store.delete_chunks(rec.chunk_ids)
                self.report.chunks["removed"] += len(rec.chunk_ids)
            self.store.manifest.remove(key)
            self.report.files["removed"] += 1
            self.changed = True


def _bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="files", unit="file", disable=not enabled, file=sys.stderr)


class _CallableModule(types.ModuleType):
    """`from landinfo import ingest; ingest(folder, settings)`: the public function shares its name with this module,
    which Python binds to `landinfo.ingest` once it is imported, so the module itself calls the function."""

    def __call__(self, root: Path, settings: Settings, prune: bool = False, progress: bool = True) -> IngestReport:
        return ingest(root, settings, prune=prune, progress=progress)


sys.modules[__name__].__class__ = _CallableModule
