"""Question -> best passages: dense + BM25 through the search backend, fused, reference-aware, re-scored,
diversified. Ranking reads the compact chunk table; only the passages returned are fetched with their texts."""
from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import date

import numpy as np

from .index import to_passage
from .index.backend import ChromaBm25, SearchBackend
from .index.chunk_table import ChunkTable
from .records import Filters, Passage
from .catalog import Catalog
from .query import Query, parse_query
from .references import Reference, article_number, document_is_instrument
from .settings import Settings
from .store import Store
from .tuning import Weights


class Retriever:
    """Searches through a SearchBackend; `retrieve` is safe to call from several threads."""

    def __init__(self, settings: Settings, store: Store | None = None, weights: Weights | None = None,
                 use_dense: bool = True, use_lexical: bool = True, use_references: bool = True,
                 use_rescoring: bool = True, backend: SearchBackend | None = None):
        self.settings = settings
        self.store = store or Store.open(settings)
        self.backend = backend or ChromaBm25(self.store)
        self.weights = weights or Weights()
        self.use_dense, self.use_lexical = use_dense, use_lexical
        self.use_references, self.use_rescoring = use_references, use_rescoring
        self.cross_encoder = None
        if settings.cross_encoder:
            from .rerank import load_cross_encoder

            self.cross_encoder = load_cross_encoder(settings.cross_encoder)

    @property
    def table(self) -> ChunkTable:
        """The compact chunk table, read again when an ingest (any process's) has rebuilt it.

        An ingest writes it last, with BM25; while one runs, Chroma may hold chunks the table does not (their dense
        hits are left out) and the table chunks Chroma no longer has (they are left out when fetched)."""
        return self.backend.summary()

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
        ids = [table.id_of(i) for doc in sorted(doc_ids) for i in table.rows_of_document(doc)]
        return [to_passage(cid, text, meta, 0.0) for cid, text, meta in self.backend.fetch(ids)]

    def retrieve(self, query: Query | str, filters: Filters | None = None, k: int | None = None,
                 timings: dict | None = None) -> list[Passage]:
        k = k or self.settings.top_k
        t0 = time.perf_counter()
        table = self.table
        if not len(table):
            return []
        if not isinstance(query, Query):
            query = self.parse(query)
        allowed = table.allowed(filters)
        n = self.settings.candidates
        scores: dict[int, float] = {}
        languages = self._languages(table, filters)
        if self.use_dense:
            vector = self.store.embedder.embed_queries([query.text])[0]
            for language, weight in languages:
                hits = self.backend.dense(vector, n, _with_language(filters, language))
                self._fuse(scores, table, hits, self.weights.dense * weight)
        if self.use_lexical:
            tokens = query.lexical_tokens()
            for language, weight in languages:
                hits = self.backend.lexical(tokens, n, _with_language(filters, language))
                self._fuse(scores, table, hits, self.weights.lexical * weight, full=len(hits) >= n)
        referenced_docs: set[str] = set()
        if self.use_references:
            referenced_docs = self._reference_boost(query, table, scores, allowed)
        if self.use_rescoring:
            self._rescore(query, table, scores, filters)
        ranked = sorted(scores, key=lambda i: -scores[i])
        picked = _diversify(ranked, table, k, self.weights.per_document, referenced_docs)
        row_of = {table.id_of(i): i for i in picked}
        passages = [to_passage(cid, text, meta, scores[row_of[cid]])
                    for cid, text, meta in self.backend.fetch(list(row_of))]
        if self.cross_encoder is not None:
            passages = self.cross_encoder.rerank(query.text, passages)
        if timings is not None:
            timings["retrieve_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        return passages

    def _languages(self, table: ChunkTable, filters: Filters | None) -> list[tuple[str | None, float]]:
        """One ranked list per document language, so answers in the other language are not crowded out."""
        if not self.weights.per_language or (filters is not None and filters.languages):
            return [(None, 1.0)]
        present = [lang for lang in table.languages if lang]
        return [(lang, 1.0) for lang in present] or [(None, 1.0)]

    def _fuse(self, scores: dict[int, float], table: ChunkTable, hits, weight: float, full: bool = True) -> None:
        if not hits:
            return
        rows = table.rows_of([cid for cid, _ in hits]).tolist()
        if self.weights.fusion == "rrf":
            for rank, (i, (_cid, _score)) in enumerate(zip(rows, hits)):
                if i >= 0:
                    scores[i] = scores.get(i, 0.0) + weight / (self.weights.rrf_k + rank + 1)
            return
        # Score fusion: each list's scores scaled to [0, 1] by its best and its n-th hit.
        # A list cut at n is scaled from its n-th hit; a list that ran out of candidates (a small corpus) from 0.
        top, floor = hits[0][1], (hits[-1][1] if full else 0.0)
        span = (top - floor) or 1.0
        for i, (_cid, score) in zip(rows, hits):
            if i >= 0:
                scores[i] = scores.get(i, 0.0) + weight * self.weights.score_scale * (score - floor) / span

    def _reference_boost(self, query: Query, table: ChunkTable, scores: dict[int, float],
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
                candidates = (table.rows_of_section(ref.key) if ref.kind == "section"
                              else table.rows_of_article(article_number(ref))).tolist()
                rows = [i for i in candidates if ok(i) and _section_matches(ref, table, i)]
                # Without a named instrument every "Article 3" matches: let the other signals choose.
                weight = (self.weights.reference_section if ref.instrument or ref.kind == "section"
                          else self.weights.unnamed_article)
                if names_document:
                    # "Article 6 ECHR in MIG 2009:30": the question is about the judgment citing it.
                    weight = min(weight, self.weights.reference_document * self.weights.article_in_named_document)
                protocol = query.protocol
                for i in rows:
                    repeat = ref.kind == "article" and table.repeat[i] and not protocol
                    scores[i] = scores.get(i, 0.0) + (weight * self.weights.repeated_article if repeat else weight)
                    if weight >= self.weights.reference_section or names_document:
                        referenced_docs.add(table.doc_of(i).doc_id)
                continue
            key = ref.key.lower()
            named = table.catalog.references
            docs = set(named.get(key, ()))
            if not docs and ref.kind == "case_name":
                docs = {doc for written, holders in named.items() if _case_name_in(key, {written}) for doc in holders}
            for doc in docs:
                referenced_docs.add(doc)
                rows = [i for i in table.rows_of_document(doc) if ok(i)]
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

    def _rescore(self, query: Query, table: ChunkTable, scores: dict[int, float], filters: Filters | None) -> None:
        named = {c.lower() for c in query.subject_countries}
        today = date.today()
        for i in list(scores):
            doc = table.doc_of(i)
            if named:
                doc_countries = {c.lower() for c in doc.countries}
                if doc_countries & named:
                    scores[i] += self.weights.country_match
                elif doc_countries:
                    scores[i] -= self.weights.country_mismatch
            if filters is not None and filters.prefer_recent and doc.doc_type == "coi":
                year = int(str(doc.date_num)[:4] or 0)
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


def _section_matches(ref: Reference, table: ChunkTable, i: int) -> bool:
    doc = table.doc_of(i)
    if ref.kind == "section":
        if table.section_of(i) != ref.key:
            return False
        return not ref.instrument or ref.instrument.lower() in doc.references
    if table.article_of(i) != article_number(ref):
        return False
    return document_is_instrument(ref.instrument, doc.title, doc.source)


def _case_name_in(key: str, doc_refs: set[str]) -> bool:
    """"S.T. mot Sverige" also names "T.A. och S.T. mot Sverige", but "I." does not name "M.I."."""
    name = key.replace(" mot sverige", "").replace(" v. sweden", "").strip()
    pattern = re.compile(rf"(?:^|[\s,]){re.escape(name)}(?:\s|$)")
    return bool(name) and any(pattern.search(ref) for ref in doc_refs)


def _diversify(ranked: list[int], table: ChunkTable, k: int, per_document: int, referenced: set[str]) -> list[int]:
    """At most `per_document` chunks of one document, unless the question names that document."""
    picked, held = [], []
    used: dict[str, int] = {}
    for i in ranked:
        doc = table.doc_of(i).doc_id
        limit = max(per_document, k) if doc in referenced and len(referenced) == 1 else per_document
        if used.get(doc, 0) < limit:
            picked.append(i)
            used[doc] = used.get(doc, 0) + 1
        else:
            held.append(i)
        if len(picked) == k:
            return picked
    return picked + held[: k - len(picked)]
