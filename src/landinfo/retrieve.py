"""Question -> best passages: dense (Chroma) + BM25, fused, reference-aware, re-scored, diversified."""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np

from .index import country_key, date_number, to_passage, until_number
from .lexical import LexicalIndex, tokenize
from .records import Filters, Passage
from .catalog import Catalog
from .boilerplate import Boilerplate
from .gazetteer import CorpusNames
from .query import Query, parse_query
from .references import Reference, article_number, article_of_section, document_is_instrument, section_key
from .settings import Settings
from .store import Store
from . import tuning
from .tuning import Weights


@dataclass
class _Table:
    """Per-chunk metadata held in memory for filtering, reference matching and building passages."""

    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    metas: list[dict] = field(default_factory=list)
    row: dict[str, int] = field(default_factory=dict)
    by_doc: dict[str, list[int]] = field(default_factory=dict)
    doc_refs: dict[str, set[str]] = field(default_factory=dict)
    section_keys: list[str | None] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    rows_by_section: dict[str, list[int]] = field(default_factory=dict)  # "4 kap. 1 §" -> rows
    rows_by_article: dict[str, list[int]] = field(default_factory=dict)  # "33" -> rows
    # 0 for the first article of its number in its document, 1 for a later one: the ECHR's own Article 3 comes
    # before the Articles 3 of the protocols printed after it
    article_repeat: list[int] = field(default_factory=list)
    doc_type: np.ndarray = None
    language: np.ndarray = None
    date_num: np.ndarray = None
    lexical: LexicalIndex | None = None  # the BM25 index loaded with this table
    catalog: Catalog | None = None  # what the table's documents are, by name (the answer checks read it)
    lexical_rows: np.ndarray | None = None  # table row of each BM25 row (-1: none); None when both share rows

    @classmethod
    def build(cls, store: Store, lexical: LexicalIndex | None) -> "_Table":
        table = cls(lexical=lexical)
        for chunk_id, text, meta in store.index.iter_all():
            if chunk_id in table.row:  # pages read while an ingest writes can overlap
                continue
            i = len(table.ids)
            table.ids.append(chunk_id)
            table.texts.append(text)
            table.metas.append(meta)
            table.row[chunk_id] = i
            doc = meta.get("doc_id", "")
            table.by_doc.setdefault(doc, []).append(i)
            refs = {r for r in (meta.get("references") or "").split("|") if r}
            table.doc_refs.setdefault(doc, set()).update(r.lower() for r in refs)
            section = meta.get("section", "")
            key = section_key(section) if section else None
            table.section_keys.append(key)
            if key:
                table.rows_by_section.setdefault(key, []).append(i)
            article = article_of_section(section)
            table.articles.append(article)
            if article:
                table.rows_by_article.setdefault(article, []).append(i)
        table.article_repeat = [0] * len(table.ids)
        for rows in table.by_doc.values():
            rows.sort(key=lambda i: (table.metas[i].get("unit_index", 0), table.metas[i].get("start", 0)))
            started: set[str] = set()
            previous, repeat = "", 0
            for i in rows:
                article = table.articles[i]
                if article != previous:
                    repeat = int(bool(article) and article in started)
                    started.add(article)
                table.article_repeat[i] = repeat
                previous = article
        table.doc_type = np.array([m.get("doc_type", "") for m in table.metas], dtype=object)
        table.language = np.array([m.get("language", "") for m in table.metas], dtype=object)
        table.date_num = np.array([m.get("date_num", 0) for m in table.metas], dtype=np.int64)
        table.catalog = Catalog.from_metas(table.metas)
        table.catalog.corpus_names = CorpusNames.from_chunks(table.texts, table.metas)
        table.catalog.boilerplate = Boilerplate.from_chunks(table.texts, table.metas)
        if lexical is not None and len(lexical) >= tuning.CORPUS_STATISTICS_MIN_CHUNKS:
            table.catalog.term_share = lexical.document_share
        if lexical is not None and lexical.ids != table.ids:
            table.lexical_rows = np.array([table.row.get(cid, -1) for cid in lexical.ids], dtype=np.int64)
        return table

    def lexical_mask(self, mask: np.ndarray | None) -> np.ndarray | None:
        """A mask over the table's rows as a mask over the BM25 rows (they differ when an ingest ran between)."""
        if mask is None or self.lexical_rows is None:
            return mask
        out = np.zeros(len(self.lexical_rows), dtype=bool)
        known = self.lexical_rows >= 0
        out[known] = mask[self.lexical_rows[known]]
        return out

    def allowed(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or filters.is_empty():
            return None
        mask = np.ones(len(self.ids), dtype=bool)
        if filters.countries:
            keys = [country_key(c) for c in filters.countries]
            mask &= np.array([any(m.get(k) for k in keys) for m in self.metas], dtype=bool)
        if filters.doc_types:
            mask &= np.isin(self.doc_type, list(filters.doc_types))
        if filters.languages:
            mask &= np.isin(self.language, list(filters.languages))
        if filters.since:
            mask &= self.date_num >= date_number(filters.since)
        if filters.until:
            mask &= self.date_num <= until_number(filters.until)
        return mask


class Retriever:
    """Loads the index once; `retrieve` is safe to call from several threads."""

    def __init__(self, settings: Settings, store: Store | None = None, weights: Weights | None = None,
                 use_dense: bool = True, use_lexical: bool = True, use_references: bool = True,
                 use_rescoring: bool = True):
        self.settings = settings
        self.store = store or Store.open(settings)
        self.weights = weights or Weights()
        self.use_dense, self.use_lexical = use_dense, use_lexical
        self.use_references, self.use_rescoring = use_references, use_rescoring
        self._lock = threading.Lock()
        self._table: _Table | None = None
        self._table_generation = None
        self.cross_encoder = None
        if settings.cross_encoder:
            from .rerank import load_cross_encoder

            self.cross_encoder = load_cross_encoder(settings.cross_encoder)

    @property
    def table(self) -> _Table:
        """The in-memory chunk table and its BM25 index, loaded again when an ingest (any process's) has finished.

        An ingest rebuilds BM25 last, so its files' generation says when; while one runs, Chroma may hold chunks
        the table does not (their dense hits are left out) and the table chunks Chroma no longer has."""
        with self._lock:
            generation = self.store.lexical_generation()
            if self._table is None or (generation != self._table_generation and generation):
                try:
                    lexical = self.store.load_lexical()
                except (OSError, ValueError):
                    if self._table is not None:
                        return self._table  # an ingest is swapping the BM25 files in: take them next time
                    lexical = None
                self._table = _Table.build(self.store, lexical)
                self.store.lexical = lexical
                self._table_generation = generation
            return self._table

    @property
    def catalog(self) -> Catalog:
        """What the index holds by name: its decisions, acts, sections, articles and countries."""
        return self.table.catalog

    def parse(self, question: str) -> Query:
        """The question read once, against what this index holds."""
        return parse_query(question, home_country=self.settings.home_country, catalog=self.catalog)

    def passages_of(self, doc_ids: set[str]) -> list[Passage]:
        """Every chunk of these documents, in document order (a named decision read whole for its holding)."""
        table = self.table
        rows = [i for doc in sorted(doc_ids) for i in table.by_doc.get(doc, [])]
        return [to_passage(table.ids[i], table.texts[i], table.metas[i], 0.0) for i in rows]

    def retrieve(self, query: Query | str, filters: Filters | None = None, k: int | None = None,
                 timings: dict | None = None) -> list[Passage]:
        k = k or self.settings.top_k
        t0 = time.perf_counter()
        table = self.table
        if not table.ids:
            return []
        if not isinstance(query, Query):
            query = self.parse(query)
        allowed = table.allowed(filters)
        n = self.settings.candidates
        scores: dict[int, float] = {}
        languages = self._languages(table, filters)
        if self.use_dense:
            vector = self.store.embedder.embed_queries([query.text])[0]
            if self.weights.filtered_language_queries:
                for language, weight in languages:
                    hits = self.store.index.query(vector, n, _with_language(filters, language))
                    self._fuse(scores, table, hits, self.weights.dense * weight)
            else:
                # One query, split by language in memory: a filtered Chroma query costs time linear in the index.
                hits = self.store.index.query(vector, n * 2 * len(languages), filters)
                for language, weight in languages:
                    own = [h for h in hits if language is None or table.language[table.row.get(h[0], 0)] == language]
                    self._fuse(scores, table, own[:n], self.weights.dense * weight)
        if self.use_lexical and table.lexical is not None:
            tokens = query.lexical_tokens()
            for language, weight in languages:
                mask = allowed if language is None else _and(allowed, table.language == language)
                hits = table.lexical.top(tokens, n, table.lexical_mask(mask))
                self._fuse(scores, table, hits, self.weights.lexical * weight, full=len(hits) >= n)
        referenced_docs: set[str] = set()
        if self.use_references:
            referenced_docs = self._reference_boost(query, table, scores, allowed)
        if self.use_rescoring:
            self._rescore(query, table, scores, filters)
        ranked = sorted(scores, key=lambda i: -scores[i])
        picked = _diversify(ranked, table, k, self.weights.per_document, referenced_docs)
        passages = [to_passage(table.ids[i], table.texts[i], table.metas[i], scores[i]) for i in picked]
        if self.cross_encoder is not None:
            passages = self.cross_encoder.rerank(query.text, passages)
        if timings is not None:
            timings["retrieve_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        return passages

    def _languages(self, table: _Table, filters: Filters | None) -> list[tuple[str | None, float]]:
        """One ranked list per document language, so answers in the other language are not crowded out."""
        if not self.weights.per_language or (filters is not None and filters.languages):
            return [(None, 1.0)]
        present = sorted({lang for lang in table.language if lang})
        return [(lang, 1.0) for lang in present] or [(None, 1.0)]

    def _fuse(self, scores: dict[int, float], table: _Table, hits, weight: float, full: bool = True) -> None:
        if not hits:
            return
        if self.weights.fusion == "rrf":
            for rank, (cid, _score) in enumerate(hits):
                i = table.row.get(cid)
                if i is not None:
                    scores[i] = scores.get(i, 0.0) + weight / (self.weights.rrf_k + rank + 1)
            return
        # Score fusion: each list's scores scaled to [0, 1] by its best and its n-th hit.
        # A list cut at n is scaled from its n-th hit; a list that ran out of candidates (a small corpus) from 0.
        top, floor = hits[0][1], (hits[-1][1] if full else 0.0)
        span = (top - floor) or 1.0
        for cid, score in hits:
            i = table.row.get(cid)
            if i is not None:
                scores[i] = scores.get(i, 0.0) + weight * self.weights.score_scale * (score - floor) / span

    def _reference_boost(self, query: Query, table: _Table, scores: dict[int, float],
                         allowed: np.ndarray | None) -> set[str]:
        referenced_docs: set[str] = set()
        refs = query.references
        if not refs:
            return referenced_docs
        ok = (lambda i: True) if allowed is None else (lambda i: bool(allowed[i]))
        names_document = any(r.kind in ("mig", "case_number", "case_name", "ecthr_application") for r in refs)
        for ref in refs:
            if ref.kind == "article" and not ref.instrument:
                if len(query.instruments) == 1:
                    ref = replace(ref, instrument=query.instruments[0])
            if ref.kind in ("section", "article"):
                candidates = (table.rows_by_section.get(ref.key, []) if ref.kind == "section"
                              else table.rows_by_article.get(article_number(ref), []))
                rows = [i for i in candidates if ok(i) and _section_matches(ref, table, i)]
                # Without a named instrument every "Article 3" matches: let the other signals choose.
                weight = (self.weights.reference_section if ref.instrument or ref.kind == "section"
                          else self.weights.unnamed_article)
                if names_document:
                    # "Article 6 ECHR in MIG 2009:30": the question is about the judgment citing it.
                    weight = min(weight, self.weights.reference_document * self.weights.article_in_named_document)
                protocol = query.protocol
                for i in rows:
                    repeat = ref.kind == "article" and table.article_repeat[i] and not protocol
                    scores[i] = scores.get(i, 0.0) + (weight * self.weights.repeated_article if repeat else weight)
                    if weight >= self.weights.reference_section or names_document:
                        referenced_docs.add(table.metas[i].get("doc_id", ""))
                continue
            key = ref.key.lower()
            docs = {doc for doc, doc_refs in table.doc_refs.items() if key in doc_refs}
            if not docs and ref.kind == "case_name":
                docs = {doc for doc, doc_refs in table.doc_refs.items() if _case_name_in(key, doc_refs)}
            for doc in docs:
                referenced_docs.add(doc)
                rows = [i for i in table.by_doc[doc] if ok(i)]
                if not rows:
                    continue
                best = max(rows, key=lambda i: scores.get(i, 0.0))
                if scores.get(best, 0.0) == 0.0:
                    best = rows[0]
                for i in rows:
                    share = 1.0 if i == best else self.weights.other_chunks_of_named_document
                    bonus = self.weights.reference_document * share
                    scores[i] = scores.get(i, 0.0) + bonus
        return referenced_docs

    def _rescore(self, query: Query, table: _Table, scores: dict[int, float], filters: Filters | None) -> None:
        named = {c.lower() for c in query.subject_countries}
        today = date.today()
        for i in list(scores):
            meta = table.metas[i]
            if named:
                doc_countries = {c.strip().lower() for c in meta.get("country", "").split(",") if c.strip()}
                if doc_countries & named:
                    scores[i] += self.weights.country_match
                elif doc_countries:
                    scores[i] -= self.weights.country_mismatch
            if filters is not None and filters.prefer_recent and meta.get("doc_type") == "coi":
                year = int(str(meta.get("date_num", 0))[:4] or 0)
                if year:
                    age = max(0.0, today.year - year)
                    floor = self.weights.recent_floor
                    scores[i] *= 0.5 ** (age / self.weights.recent_halflife_years) * (1 - floor) + floor


def lexical_query(query: str) -> list[str]:
    """BM25 tokens of a question's text, plus its domain terms in the other language (`Query.lexical_tokens`)."""
    return parse_query(query).lexical_tokens()


def _with_language(filters: Filters | None, language: str | None) -> Filters | None:
    if language is None:
        return filters
    return replace(filters or Filters(), languages=(language,))


def _and(mask: np.ndarray | None, other: np.ndarray) -> np.ndarray:
    return other if mask is None else (mask & other)


def _section_matches(ref: Reference, table: _Table, i: int) -> bool:
    meta = table.metas[i]
    if ref.kind == "section":
        if table.section_keys[i] != ref.key:
            return False
        return not ref.instrument or ref.instrument.lower() in table.doc_refs.get(meta.get("doc_id", ""), set())
    if table.articles[i] != article_number(ref):
        return False
    return document_is_instrument(ref.instrument, meta.get("title", ""), meta.get("source", ""))


def _case_name_in(key: str, doc_refs: set[str]) -> bool:
    """"S.T. mot Sverige" also names "T.A. och S.T. mot Sverige", but "I." does not name "M.I."."""
    name = key.replace(" mot sverige", "").replace(" v. sweden", "").strip()
    pattern = re.compile(rf"(?:^|[\s,]){re.escape(name)}(?:\s|$)")
    return bool(name) and any(pattern.search(ref) for ref in doc_refs)


def _diversify(ranked: list[int], table: _Table, k: int, per_document: int, referenced: set[str]) -> list[int]:
    """At most `per_document` chunks of one document, unless the question names that document."""
    picked, held = [], []
    used: dict[str, int] = {}
    for i in ranked:
        doc = table.metas[i].get("doc_id", "")
        limit = max(per_document, k) if doc in referenced and len(referenced) == 1 else per_document
        if used.get(doc, 0) < limit:
            picked.append(i)
            used[doc] = used.get(doc, 0) + 1
        else:
            held.append(i)
        if len(picked) == k:
            return picked
    return picked + held[: k - len(picked)]
