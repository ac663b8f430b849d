"""The seam the retriever searches through: dense and lexical top-k under filters, texts by id, the corpus summary.

`SearchBackend` is what any engine must offer; `ChromaBm25` is the one built here: Chroma's collections (one per
language, embedded or a `chroma run` server) for vectors and texts, bm25s (memory-mapped) for BM25, and the
ingest job's chunk table for filters. An engine that does both kinds of search in one query (OpenSearch,
Elasticsearch) would implement the same four calls; `tests/test_search_backend.py` is the contract.
"""
from __future__ import annotations

import math
import threading
from dataclasses import replace
from typing import Protocol, Sequence

import numpy as np

from .. import tuning
from ..errors import IndexUnavailableError
from ..records import Filters
from .chunk_table import ChunkTable

# At 1M chunks (benchmarks/RESULTS-scale.md), one language's collection of 625k answered 60 neighbours in 3 ms,
# 2,000 in 14 ms, 5,000 in 25 ms and 10,000 in 44 ms; restricted to 25,000 ids in 26 ms; by a metadata filter
# (a country of 3.8 % of the chunks) in ~1.8 s.
MAX_DENSE_CANDIDATES = 5000  # the most unfiltered neighbours asked for, to be filtered here
MAX_ID_LIST = 50000  # the most chunk ids a search may be restricted to; past it, Chroma filters by metadata
_HEADROOM = 2.0  # neighbours asked for per hit wanted, beyond what the filter's share of the language predicts


class SearchBackend(Protocol):
    def dense(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine), best first: the k nearest chunks that pass the filters."""

    def lexical(self, tokens: list[str], k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score > 0), best first: the k best chunks that pass the filters."""

    def fetch(self, ids: Sequence[str]) -> list[tuple[str, str, dict]]:
        """(id, text, metadata) of these chunks, in the order asked; ids the index lacks are left out."""

    def summary(self) -> ChunkTable:
        """The compact per-chunk arrays and corpus summary of the index as the last ingest left it."""


class ChromaBm25:
    """Chroma + bm25s behind the seam. Safe to call from several threads; the table is read again when an ingest
    (any process's) has rebuilt it."""

    def __init__(self, store, table_source=None):
        """`table_source(lexical)`: (table, lexical) for an index whose ingest wrote no table (built before there
        was one); by default built from the index's chunks."""
        self.store = store
        self._table_source = table_source or (lambda lexical: (store.chunk_table_from_index(), lexical))
        self._lock = threading.Lock()
        self._table: ChunkTable | None = None
        self._lexical = None
        self._lexical_rows: np.ndarray | None = None  # table row of each BM25 row, when the two differ
        self._generation = None
        self.dense_stats = {"unfiltered": 0, "ids": 0, "filtered": 0}  # which way each dense search went

    # -- the corpus as the last ingest left it -------------------------------------------------------------------

    def summary(self) -> ChunkTable:
        return self._current()[0]

    def _current(self):
        with self._lock:
            generation = self.store.lexical_generation()
            if self._table is None or (generation != self._generation and generation):
                try:
                    lexical = self.store.load_lexical()
                    table = self.store.load_chunk_table()
                except (OSError, ValueError):
                    if self._table is not None:
                        return self._table, self._lexical, self._lexical_rows  # being swapped in: next time
                    lexical, table = None, None
                mapping = None
                if table is None:
                    table, lexical = self._table_source(lexical)
                    if lexical is not None:
                        mapping = table.rows_of(lexical.ids)
                if lexical is not None and len(lexical) >= tuning.CORPUS_STATISTICS_MIN_CHUNKS:
                    table.catalog.term_share = lexical.document_share
                self._table, self._lexical, self._lexical_rows = table, lexical, mapping
                self.store.lexical = lexical
                self.store.index.refresh()
                self._generation = generation
            return self._table, self._lexical, self._lexical_rows

    # -- search ----------------------------------------------------------------------------------------------------

    def dense(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Unfiltered HNSW searches of each language's collection where the filters leave a good share of it;
        see `_dense_language` for the rest."""
        table = self.summary()
        languages = list(filters.languages) if filters and filters.languages else [None]
        rest = replace(filters, languages=()) if filters else None
        if rest is not None and rest.is_empty():
            rest = None
        hits: list[tuple[str, float]] = []
        for language in languages:
            hits += self._dense_language(table, vector, k, language, rest)
        return sorted(hits, key=lambda h: -h[1])[:k]

    def _dense_language(self, table: ChunkTable, vector, k: int, language, rest) -> list[tuple[str, float]]:
        """One language's k nearest that pass `rest`. A filter that leaves a good share of the language: an unfiltered
        search for enough more neighbours, filtered here. A rarer one: a search restricted to the ids that pass it
        (Chroma looks them up by key: 6 ms for 1,000 ids of 100k chunks, where a metadata filter took 190 ms). Only
        a filter that leaves more ids than MAX_ID_LIST and too small a share: Chroma's metadata filter."""
        index = self.store.index
        if rest is None:
            self.dense_stats["unfiltered"] += 1
            return index.query(vector, k, language=language)
        allowed_docs = table.allowed_documents(rest)
        pool = np.ones(len(table.docs), dtype=bool) if language is None else \
            table.doc_language == (table.languages.index(language) if language in table.languages else -1)
        rows_in_pool = int(table.doc_sizes[pool].sum())
        rows_allowed = int(table.doc_sizes[pool & allowed_docs].sum())
        if rows_allowed == 0:
            return []
        wanted = math.ceil(k * _HEADROOM * rows_in_pool / rows_allowed)
        if wanted <= MAX_DENSE_CANDIDATES:
            near = index.query(vector, wanted, language=language)
            rows = table.rows_of([cid for cid, _ in near])
            kept = [hit for hit, row in zip(near, rows) if row >= 0 and allowed_docs[table.doc[row]]]
            if len(kept) >= k or len(near) < wanted:
                self.dense_stats["unfiltered"] += 1
                return kept[:k]
        if rows_allowed <= MAX_ID_LIST and language is not None:
            within = [table.id_of(int(i)) for d in np.flatnonzero(pool & allowed_docs)
                      for i in table.doc_rows[table.doc_start[d]:table.doc_start[d + 1]]]
            try:
                hits = index.query(vector, k, language=language, within=within)
                self.dense_stats["ids"] += 1
                return hits
            except IndexUnavailableError:  # a chunk of the table is gone from Chroma: an ingest is running
                pass
        self.dense_stats["filtered"] += 1
        return index.query(vector, k, rest, language=language)

    def lexical(self, tokens: list[str], k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        table, lexical, mapping = self._current()
        if lexical is None or not tokens:
            return []
        mask = table.allowed(filters)
        if mapping is not None:  # an index built before the table: BM25's rows are Chroma's order
            if mask is not None:
                mask = np.where(mapping >= 0, mask[np.maximum(mapping, 0)], False)
            return [(table.id_of(mapping[i]), s) for i, s in lexical.top_rows(tokens, k, mask) if mapping[i] >= 0]
        return [(table.id_of(i), s) for i, s in lexical.top_rows(tokens, k, mask)]

    def fetch(self, ids: Sequence[str]) -> list[tuple[str, str, dict]]:
        return self.store.index.get(list(ids))
