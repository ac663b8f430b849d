"""How an index is laid out (issue #25): one Chroma collection per document language, a compact chunk table written
beside BM25 by the ingest, an index built before either still searched and grown, and a read-only index whose
database is too large to copy refused in one line."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from landinfo import tuning
from landinfo.errors import LandinfoError
from landinfo.index import IndexShape, VectorIndex
from landinfo.index.chroma import _working_copy
from landinfo.ingest import ingest
from landinfo.retrieve import Retriever
from landinfo.store import Store

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "corpus"


@pytest.fixture
def demo_index(fake_settings):
    ingest(DEMO, fake_settings, progress=False)
    return fake_settings


def test_each_language_has_its_own_collection_and_a_question_finds_both(demo_index):
    with Store.open(demo_index) as store:
        languages = store.index.languages
        table = store.load_chunk_table()
        by_language = {lang: int(table.doc_sizes[table.doc_language == table.languages.index(lang)].sum())
                       for lang in table.languages}
        counts = {tag: store.index._call(lambda cols, tag=tag: cols.of(tag).count()) for tag in languages}
        widths = store.index._call(lambda cols: {c.configuration_json["hnsw"]["ef_search"]
                                                 for c in cols.members.values()})
    assert set(languages) == {"sv", "en"}
    assert widths == {tuning.HNSW_EF_SEARCH}, "every search as wide as tuned"
    assert counts == by_language, "each collection holds exactly its language's chunks"
    passages = Retriever(demo_index).retrieve("risk of persecution for returnees", k=10)
    assert {p.language for p in passages} == {"sv", "en"}


def test_the_chunk_table_is_written_with_bm25_and_matches_the_index(demo_index):
    with Store.open(demo_index) as store:
        table = store.load_chunk_table()
        ids = sorted(store.index.all_ids())
        assert [table.id_of(i) for i in range(len(table))] == ids
        assert store.lexical.ids == ids, "BM25's rows are the table's rows"
        assert isinstance(table.doc, np.memmap), "read memory-mapped, not loaded"
        some = ids[len(ids) // 2]
        (_, _text, meta), = store.index.get([some])
        assert table.doc_of(int(table.rows_of([some])[0])).doc_id == meta["doc_id"]


def test_a_document_whose_language_changes_moves_to_that_collection(demo_index):
    with Store.open(demo_index) as store:
        (cid, _text, meta), = store.index.get([sorted(store.index.all_ids())[0]])
        before = store.index.count()
        other = "en" if meta["language"] == "sv" else "sv"
        store.index.update_metadata([cid], [{**meta, "language": other}])
        assert store.index.count() == before
        held = store.index._call(lambda cols: {t: bool(c.get(ids=[cid])["ids"]) for t, c in cols.members.items()})
        assert held == {"sv": other == "sv", "en": other == "en"}
        (_, _, moved), = store.index.get([cid])
        assert moved["language"] == other


def test_an_index_of_one_collection_built_before_is_searched_and_grown_in_place(fake_settings):
    import chromadb

    from fakes import FakeEmbedder
    from landinfo.index.chroma import _chroma_settings

    shape = IndexShape.from_settings(fake_settings, FakeEmbedder().name)
    client = chromadb.PersistentClient(path=str(fake_settings.index_dir / "chroma"), settings=_chroma_settings())
    old = client.create_collection(f"{fake_settings.collection}-{shape.fingerprint()}", embedding_function=None,
                                   metadata=shape.as_metadata(), configuration={"hnsw": {"space": "cosine"}})
    vectors = np.eye(4, FakeEmbedder.dim, dtype=np.float32)
    old.add(ids=["a", "b"], embeddings=vectors[:2].tolist(), documents=["alpha", "beta"],
            metadatas=[{"doc_id": "A", "language": "sv"}, {"doc_id": "B", "language": "en"}])
    del client, old
    index = VectorIndex(fake_settings, shape, create=True)
    width = index._call(lambda cols: cols.members[""].configuration_json["hnsw"]["ef_search"])
    assert width == tuning.HNSW_EF_SEARCH, "an older index searches as widely from its next ingest on"
    index.add(["c"], vectors[2:3], ["gamma"], [{"doc_id": "C", "language": "en"}])
    assert index.languages == [] and index.count() == 3
    assert [cid for cid, _ in index.query(vectors[1], 3, language="en")][:1] == ["b"]
    assert {cid for cid, _ in index.query(vectors[0], 3, language="sv")} == {"a"}
    index.close()


def test_an_index_without_a_chunk_table_is_searched_from_its_chunks(demo_index):
    folder = Store.lexical_folder(demo_index, Store.open(demo_index).shape)
    (folder / "summary.json").unlink()
    passages = Retriever(demo_index).retrieve("MIG 2024:1", k=5)
    assert passages and passages[0].text
    with Store.open(demo_index) as store:
        assert store.lexical_stale(), "the next ingest writes the table"


def test_a_read_only_database_too_large_to_copy_is_one_line(tmp_path, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    folder = tmp_path / "chroma"
    folder.mkdir()
    (folder / "chroma.sqlite3").write_bytes(b"\0" * (3 * 2**20))
    with pytest.raises(LandinfoError) as caught:
        _working_copy(folder, limit_mb=2)
    message = str(caught.value)
    assert "\n" not in message and str(folder) in message and "LANDINFO_MAX_READONLY_COPY_MB" in message
    assert "chroma run" in message
    assert not list(temp.iterdir()), "nothing copied"
    assert _working_copy(folder, limit_mb=4).parent == temp, "under the limit, the copy is made as before"
