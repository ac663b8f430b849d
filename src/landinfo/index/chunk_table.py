"""What every serving instance keeps of the index: compact per-chunk arrays and the corpus summary, not the texts.

Written by the ingest job beside the BM25 index (same folder, same rows, swapped in together) and read back
memory-mapped, so an instance over a million chunks holds tens of megabytes here, and fetches the texts of the
chunks it shows (`SearchBackend.fetch`). Rows are the chunks sorted by id; BM25's rows are the same.

Per chunk: its id, its document, its section and article (codes), and whether the article is a repeat of one
earlier in the document (the ECHR's protocols print their own Article 3 after the Convention's). Per document:
what filters and re-scoring read (type, language, countries, date), its title, source and references. The corpus
summary is the catalogue of what the index holds by name, the names its country reports tie to one country, and its
publishers' templates: statistics of all texts, computed once here instead of in every instance.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

import numpy as np

from ..boilerplate import Boilerplate
from ..catalog import Catalog
from ..gazetteer import CorpusNames
from ..records import Filters
from ..references import article_of_section, section_key
from .chroma import country_key, date_number, until_number

FORMAT = 1
_FILES = ("chunk_ids.npy", "chunk_doc.npy", "chunk_section.npy", "chunk_article.npy", "chunk_repeat.npy",
          "doc_rows.npy", "doc_start.npy")


@dataclass(frozen=True)
class DocInfo:
    doc_id: str
    title: str
    source: str
    doc_type: str
    language: str
    countries: tuple[str, ...]
    date_num: int
    references: frozenset[str]  # lower-case
    country_keys: frozenset[str] = frozenset()  # what the country filter matches ("c_afghanistan")

    def to_json(self) -> dict:
        return {**self.__dict__, "countries": list(self.countries), "references": sorted(self.references),
                "country_keys": sorted(self.country_keys)}

    @classmethod
    def from_json(cls, raw: dict) -> "DocInfo":
        return cls(raw["doc_id"], raw["title"], raw["source"], raw["doc_type"], raw["language"],
                   tuple(raw["countries"]), int(raw["date_num"]), frozenset(raw["references"]),
                   frozenset(raw["country_keys"]))

    @classmethod
    def from_meta(cls, meta: dict) -> "DocInfo":
        refs = {r.lower() for r in (meta.get("references") or "").split("|") if r}
        return cls(meta.get("doc_id", ""), meta.get("title", ""), meta.get("source", ""), meta.get("doc_type", ""),
                   meta.get("language", ""), tuple(c.strip() for c in (meta.get("country") or "").split(",")
                                                    if c.strip()), int(meta.get("date_num", 0) or 0), frozenset(refs),
                   frozenset(k for k, v in meta.items() if k.startswith("c_") and v is True))


@dataclass
class ChunkTable:
    ids: np.ndarray  # sorted chunk ids, utf-8 bytes
    doc: np.ndarray  # int32: row -> document number
    section: np.ndarray  # int32: row -> number in `sections` (-1: none)
    article: np.ndarray  # int32: row -> number in `articles` (-1: none)
    repeat: np.ndarray  # int8: 1 for a later article of the same number in its document
    doc_rows: np.ndarray  # int32: rows grouped by document, in document order
    doc_start: np.ndarray  # int32: document d's rows are doc_rows[doc_start[d]:doc_start[d + 1]]
    docs: list[DocInfo]
    sections: list[str]
    articles: list[str]
    catalog: Catalog
    doc_number: dict[str, int] = field(default_factory=dict)
    doc_language: np.ndarray = None  # per document, as `languages` numbers
    languages: list[str] = field(default_factory=list)
    doc_type_number: np.ndarray = None
    doc_types: list[str] = field(default_factory=list)
    doc_date: np.ndarray = None
    doc_sizes: np.ndarray = None
    _section_number: dict[str, int] = field(default_factory=dict)
    _allowed_cache: dict = field(default_factory=dict)
    _article_number: dict[str, int] = field(default_factory=dict)

    def __post_init__(self):
        self.doc_number = {d.doc_id: i for i, d in enumerate(self.docs)}
        self.languages = sorted({d.language for d in self.docs})
        self.doc_language = np.array([self.languages.index(d.language) for d in self.docs], dtype=np.int16)
        self.doc_types = sorted({d.doc_type for d in self.docs})
        self.doc_type_number = np.array([self.doc_types.index(d.doc_type) for d in self.docs], dtype=np.int16)
        self.doc_date = np.array([d.date_num for d in self.docs], dtype=np.int64)
        self.doc_sizes = np.diff(self.doc_start).astype(np.int64)  # chunks of each document
        self._section_number = {s: i for i, s in enumerate(self.sections)}
        self._article_number = {a: i for i, a in enumerate(self.articles)}

    def __len__(self) -> int:
        return len(self.ids)

    # -- rows and ids --------------------------------------------------------------------------------------------

    def rows_of(self, chunk_ids: list[str]) -> np.ndarray:
        """The row of each id; -1 for an id the table lacks (a chunk written after it)."""
        if not chunk_ids or not len(self.ids):
            return np.full(len(chunk_ids), -1, dtype=np.int64)
        keys = np.array([c.encode() for c in chunk_ids], dtype=self.ids.dtype)
        pos = np.minimum(np.searchsorted(self.ids, keys), len(self.ids) - 1)
        return np.where(self.ids[pos] == keys, pos, -1)

    def id_of(self, row: int) -> str:
        return bytes(self.ids[row]).decode()

    def doc_of(self, row: int) -> DocInfo:
        return self.docs[self.doc[row]]

    def rows_of_document(self, doc_id: str) -> list[int]:
        d = self.doc_number.get(doc_id)
        return [] if d is None else self.doc_rows[self.doc_start[d]:self.doc_start[d + 1]].tolist()

    def rows_of_section(self, key: str) -> np.ndarray:
        code = self._section_number.get(key)
        return np.empty(0, dtype=np.int64) if code is None else np.flatnonzero(self.section == code)

    def rows_of_article(self, number: str) -> np.ndarray:
        code = self._article_number.get(number)
        return np.empty(0, dtype=np.int64) if code is None else np.flatnonzero(self.article == code)

    def section_of(self, row: int) -> str | None:
        code = int(self.section[row])
        return self.sections[code] if code >= 0 else None

    def article_of(self, row: int) -> str:
        code = int(self.article[row])
        return self.articles[code] if code >= 0 else ""

    # -- filters -------------------------------------------------------------------------------------------------

    def allowed_documents(self, filters: Filters | None) -> np.ndarray | None:
        """Which documents pass the filters (None: all); kept for the next call with the same filters, since one
        question asks this for each language and each kind of search (a country test of every document: ~40 ms at
        a million chunks)."""
        if filters is None or filters.is_empty():
            return None
        key = replace(filters, prefer_recent=False)
        mask = self._allowed_cache.get(key)
        if mask is None:
            if len(self._allowed_cache) >= 64:
                self._allowed_cache.clear()
            mask = self._allowed_cache[key] = self._documents_passing(filters)
        return mask

    def _documents_passing(self, filters: Filters) -> np.ndarray:
        mask = np.ones(len(self.docs), dtype=bool)
        if filters.countries:
            keys = {country_key(c) for c in filters.countries}
            mask &= np.array([bool(d.country_keys & keys) for d in self.docs], dtype=bool)
        if filters.doc_types:
            mask &= np.isin(self.doc_type_number, [self.doc_types.index(t) for t in filters.doc_types
                                                   if t in self.doc_types])
        if filters.languages:
            mask &= np.isin(self.doc_language, [self.languages.index(lang) for lang in filters.languages
                                                if lang in self.languages])
        if filters.since:
            mask &= self.doc_date >= date_number(filters.since)
        if filters.until:
            mask &= self.doc_date <= until_number(filters.until)
        return mask

    def allowed(self, filters: Filters | None) -> np.ndarray | None:
        """Which rows pass the filters; None: all. Kept like the documents' (1 MB at a million chunks)."""
        docs = self.allowed_documents(filters)
        if docs is None:
            return None
        key = ("rows", replace(filters, prefer_recent=False))
        rows = self._allowed_cache.get(key)
        if rows is None:
            rows = self._allowed_cache[key] = docs[self.doc]
        return rows

    # -- files ---------------------------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        for name, array in zip(_FILES, (self.ids, self.doc, self.section, self.article, self.repeat,
                                        self.doc_rows, self.doc_start)):
            np.save(folder / name, array)
        summary = {
            "format": FORMAT, "docs": [d.to_json() for d in self.docs], "sections": self.sections,
            "articles": self.articles, "catalog": _catalog_json(self.catalog),
        }
        (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False))

    @classmethod
    def load(cls, folder: Path) -> "ChunkTable | None":
        """The table the last ingest wrote (memory-mapped), or None when that ingest predates it."""
        folder = Path(folder)
        try:
            summary = json.loads((folder / "summary.json").read_text())
        except FileNotFoundError:
            return None
        if summary.get("format") != FORMAT:
            return None
        arrays = [np.load(folder / name, mmap_mode="r") for name in _FILES]
        return cls(*arrays, docs=[DocInfo.from_json(d) for d in summary["docs"]], sections=summary["sections"],
                   articles=summary["articles"], catalog=_catalog_from_json(summary["catalog"]))

    # -- building ------------------------------------------------------------------------------------------------

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, dict]]) -> "ChunkTable":
        """From (chunk id, text, metadata) of every chunk, sorted by id (BM25's rows must be in that order)."""
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict] = []
        for chunk_id, text, meta in rows:
            ids.append(chunk_id)
            texts.append(text)
            metas.append(meta)
        docs: list[DocInfo] = []
        doc_number: dict[str, int] = {}
        sections: dict[str, int] = {}
        articles: dict[str, int] = {}
        n = len(ids)
        doc = np.zeros(n, dtype=np.int32)
        section = np.full(n, -1, dtype=np.int32)
        article = np.full(n, -1, dtype=np.int32)
        position = []
        for i, meta in enumerate(metas):
            doc_id = meta.get("doc_id", "")
            d = doc_number.get(doc_id)
            if d is None:
                d = doc_number[doc_id] = len(docs)
                docs.append(DocInfo.from_meta(meta))
            doc[i] = d
            raw = meta.get("section", "")
            key = section_key(raw) if raw else None
            if key:
                section[i] = sections.setdefault(key, len(sections))
            number = article_of_section(raw)
            if number:
                article[i] = articles.setdefault(number, len(articles))
            position.append((meta.get("unit_index", 0), meta.get("start", 0)))
        order = sorted(range(n), key=lambda i: (doc[i], *position[i]))
        doc_rows = np.array(order, dtype=np.int32)
        doc_start = np.searchsorted(doc[doc_rows], np.arange(len(docs) + 1)).astype(np.int32)
        repeat = np.zeros(n, dtype=np.int8)
        for d in range(len(docs)):
            started: set[int] = set()
            previous, flag = -2, 0
            for i in doc_rows[doc_start[d]:doc_start[d + 1]]:
                a = int(article[i])
                if a != previous:
                    flag = int(a >= 0 and a in started)
                    started.add(a)
                repeat[i] = flag
                previous = a
        catalog = Catalog.from_metas(metas)
        catalog.corpus_names = CorpusNames.from_chunks(texts, metas)
        catalog.boilerplate = Boilerplate.from_chunks(texts, metas)
        encoded = np.array([c.encode() for c in ids], dtype=f"S{max((len(c.encode()) for c in ids), default=1)}")
        return cls(encoded, doc, section, article, repeat, doc_rows, doc_start, docs=docs,
                   sections=list(sections), articles=list(articles), catalog=catalog)


def _catalog_json(catalog: Catalog) -> dict:
    sets = lambda d: {k: sorted(v) for k, v in d.items()}  # noqa: E731
    return {
        "countries": list(catalog.countries), "references": sets(catalog.references), "names": catalog.names,
        "sections": sets(catalog.sections), "articles": sets(catalog.articles),
        "instruments": sets(catalog.instruments),
        "corpus_names": dict(catalog.corpus_names.countries) if catalog.corpus_names else {},
        "templates": sorted(catalog.boilerplate.templates) if catalog.boilerplate else [],
    }


def _catalog_from_json(raw: dict) -> Catalog:
    sets = lambda d: {k: set(v) for k, v in d.items()}  # noqa: E731
    return Catalog(countries=tuple(raw["countries"]), references=sets(raw["references"]), names=raw["names"],
                   sections=sets(raw["sections"]), articles=sets(raw["articles"]),
                   instruments=sets(raw["instruments"]), corpus_names=CorpusNames(dict(raw["corpus_names"])),
                   boilerplate=Boilerplate(frozenset(raw["templates"])))
