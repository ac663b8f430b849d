"""The SearchBackend contract (index/backend.py), run against embedded Chroma and a `chroma run` on loopback.

Every backend the retriever may search through must pass it: dense top-k under filters as good as an exact search of
the same vectors, lexical top-k under filters, texts by id in the order asked, and a corpus summary that says what
the index holds. The index is 10,000 synthetic chunks (LANDINFO_CONTRACT_CHUNKS to change it): two languages, five
countries of very different sizes (one in 1 % of the documents, which a filter must still find), three document
types, dates over twenty years.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from chroma_server import ChromaServer
from fakes import FAKE_MODEL
from landinfo.index import chunk_metadata  # noqa: F401  (the metadata shape the rows below imitate)
from landinfo.index import date_number, country_key
from landinfo.index.backend import ChromaBm25
from landinfo.lexical import tokenize
from landinfo.records import Filters
from landinfo.settings import Settings
from landinfo.store import Store

CHUNKS = int(os.environ.get("LANDINFO_CONTRACT_CHUNKS", "10000"))
PER_DOC = 20
DIM = 64
COUNTRIES = [("Eritrea", 0.50), ("Somalia", 0.30), ("Iraq", 0.14), ("Syria", 0.05), ("Tuvalu", 0.01)]
TYPES = ["coi", "case-law", "statute"]
WORDS = [f"ord{i}" for i in range(400)]

pytestmark = pytest.mark.slow


def _corpus(n: int):
    rng = np.random.default_rng(7)
    cycle = [name for name, share in COUNTRIES for _ in range(round(share * 100))]  # 100 documents
    vectors = rng.standard_normal((n, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids, texts, metas = [], [], []
    for i in range(n):
        d = i // PER_DOC
        country = cycle[d % len(cycle)]
        language = "sv" if d % 3 == 0 else "en"
        date = f"{2005 + d % 20}-0{1 + d % 9}-15"
        words = list(rng.choice(WORDS, 30)) + [f"unik{i}"]
        ids.append(f"d{d:05d}:{i % PER_DOC:03d}")
        texts.append(" ".join(words))
        metas.append({"doc_id": f"d{d:05d}", "source": f"doc{d}.pdf", "path": f"/corpus/doc{d}.pdf",
                      "title": f"Report {d}", "doc_type": TYPES[d % 3], "country": country, "language": language,
                      "date": date, "date_num": date_number(date), "page": 1 + i % PER_DOC, "section": "",
                      "start": 0, "end": len(texts[-1]), "unit_index": i % PER_DOC, "url": "", "publisher": "",
                      "fictional": False, "period": "", "references": "", "duplicates": "[]",
                      country_key(country): True})
    return ids, vectors, texts, metas


@pytest.fixture(scope="module")
def corpus():
    return _corpus(CHUNKS)


@pytest.fixture(scope="module", params=["embedded", "server"])
def backend(request, corpus, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"contract-{request.param}")
    server = None
    settings = Settings(index_dir=folder / "index", embedding_model=FAKE_MODEL)
    if request.param == "server":
        (folder / "server").mkdir()
        server = ChromaServer(folder / "server").start()
        settings = Settings(index_dir=folder / "index", embedding_model=FAKE_MODEL, chroma_url=server.url)
    ids, vectors, texts, metas = corpus
    try:
        with Store.open(settings, create=True) as store:
            store.index.add(ids, vectors, texts, metas)
            store.rebuild_lexical()
        store = Store.open(settings)
        yield ChromaBm25(store)
        store.close()
    finally:
        if server is not None:
            server.stop()


def _passes(meta: dict, filters: Filters) -> bool:
    if filters.countries and not any(meta.get(country_key(c)) for c in filters.countries):
        return False
    if filters.doc_types and meta["doc_type"] not in filters.doc_types:
        return False
    if filters.languages and meta["language"] not in filters.languages:
        return False
    if filters.since and meta["date_num"] < date_number(filters.since):
        return False
    return True


FILTERS = [
    Filters(),
    Filters(languages=("sv",)),
    Filters(countries=("Eritrea",), languages=("en",)),
    Filters(countries=("Syria",)),
    Filters(countries=("Tuvalu",), languages=("sv",)),  # about 0.3 % of the chunks: the filtered fallback
    Filters(doc_types=("statute",), since="2018"),
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: str(f.to_json()))
def test_dense_top_k_under_filters_matches_an_exact_search(backend, corpus, filters):
    ids, vectors, _texts, metas = corpus
    rng = np.random.default_rng(11)
    recalls = []
    for _ in range(10):
        query = vectors[rng.integers(len(ids))] + 0.6 * rng.standard_normal(DIM).astype(np.float32)
        query /= np.linalg.norm(query)
        hits = backend.dense(query, 10, filters)
        allowed = np.array([_passes(m, filters) for m in metas])
        scores = np.where(allowed, vectors @ query, -np.inf)
        exact = [ids[i] for i in np.argsort(-scores)[:min(10, int(allowed.sum()))]]
        by_id = dict(zip(ids, metas))
        assert all(_passes(by_id[cid], filters) for cid, _ in hits), "a hit that the filters exclude"
        assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
        assert len(hits) == len(exact)
        assert exact, "the corpus has chunks for every filter"
        recalls.append(len({cid for cid, _ in hits} & set(exact)) / len(exact))
        cosine = {cid: float(vectors[ids.index(cid)] @ query) for cid, _ in hits[:3]}
        assert all(abs(cosine[cid] - s) < 1e-3 for cid, s in hits[:3])
    assert np.mean(recalls) >= 0.9


@pytest.mark.parametrize("path", ["unfiltered", "ids", "filtered"])
def test_each_way_of_filtering_gives_the_exact_top_k(backend, corpus, monkeypatch, path):
    """A common filter is applied here to a larger unfiltered search, a rare one by restricting the search to the ids
    that pass, and a rare one with too many ids by Chroma's metadata filter: each must give the exact answer."""
    ids, vectors, _texts, metas = corpus
    filters = Filters(countries=("Tuvalu",), languages=("sv",))
    if path == "unfiltered":
        filters = Filters(countries=("Eritrea",))
    monkeypatch.setattr("landinfo.index.backend.MAX_DENSE_CANDIDATES", 200)
    monkeypatch.setattr("landinfo.index.backend.MAX_ID_LIST", 1 if path == "filtered" else 20000)
    before = dict(backend.dense_stats)
    hits = backend.dense(vectors[5], 10, filters)
    assert {k: backend.dense_stats[k] - before[k] for k in before} == {k: int(k == path) for k in before}
    allowed = np.array([_passes(m, filters) for m in metas])
    exact = [ids[i] for i in np.argsort(-np.where(allowed, vectors @ vectors[5], -np.inf))[:10]]
    assert len({cid for cid, _ in hits} & set(exact)) >= 9


@pytest.mark.parametrize("filters", FILTERS[:4], ids=lambda f: str(f.to_json()))
def test_lexical_top_k_under_filters(backend, corpus, filters):
    ids, _vectors, texts, metas = corpus
    by_id = dict(zip(ids, metas))
    hits = backend.lexical(tokenize("ord7 ord19 ord233"), 25, filters)
    assert hits and len(hits) <= 25
    assert all(_passes(by_id[cid], filters) for cid, _ in hits)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True) and hits[-1][1] > 0
    holders = [cid for cid, text in zip(ids, texts) if {"ord7", "ord19", "ord233"} <= set(text.split())
               and _passes(by_id[cid], filters)]
    assert set(holders[:3]) <= {cid for cid, _ in hits}, "chunks holding every word must rank in the top"


def test_a_unique_word_finds_its_one_chunk(backend, corpus):
    ids = corpus[0]
    target = ids[len(ids) // 2]
    hits = backend.lexical(tokenize(f"unik{len(ids) // 2}"), 5)
    assert [cid for cid, _ in hits] == [target]


def test_fetch_returns_texts_and_metadata_in_the_order_asked(backend, corpus):
    ids, _vectors, texts, metas = corpus
    asked = [ids[9000 % len(ids)], "no-such-chunk", ids[3], ids[-1]]
    rows = backend.fetch(asked)
    assert [r[0] for r in rows] == [asked[0], asked[2], asked[3]]
    for cid, text, meta in rows:
        i = ids.index(cid)
        assert text == texts[i] and meta["doc_id"] == metas[i]["doc_id"] and meta["language"] == metas[i]["language"]


def test_summary_says_what_the_index_holds(backend, corpus):
    ids, _vectors, _texts, metas = corpus
    table = backend.summary()
    assert len(table) == len(ids)
    assert set(table.languages) == {"sv", "en"}
    assert set(table.catalog.countries) == {m["country"] for m in metas}
    assert table.rows_of_document("d00001") == [ids.index(f"d00001:{k:03d}") for k in range(PER_DOC)]
    assert sorted(backend.store.index.languages) == ["en", "sv"], "one collection per language"
