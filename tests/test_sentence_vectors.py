"""The quotable sentences' vectors, embedded once at ingest: what a question then reads instead of embedding them,
kept in step with the chunks as files change, go and come back, and made again for an index built before them."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fakes import FakeEmbedder
from landinfo import sentence_vectors
from landinfo.answer.assistant import Assistant
from landinfo.answer.quotes import quotable_spans
from landinfo.ingest import ingest
from landinfo.store import Store

_REPORT = ("---\ntitle: Iran report\ndoc_type: coi\ncountries: [Iran]\ndate: 2024-05-01\nlanguage: en\n---\n"
           "# Iran report\n\n## Journalists\n\nJournalists who criticise the authorities are detained in Evin prison. "
           "Several journalists were sentenced to long prison terms in 2024 after reporting on protests. "
           "Returning journalists are questioned at the airport about their work abroad.\n\n## Women\n\n"
           "Women who defy the dress code face arrest and fines. Activists for women's rights were given prison "
           "sentences for organising gatherings.\n")


def _corpus(root: Path) -> Path:
    (root / "coi").mkdir(parents=True)
    (root / "coi" / "iran.md").write_text(_REPORT, encoding="utf-8")
    (root / "coi" / "iraq.md").write_text(
        _REPORT.replace("Iran", "Iraq").replace("Evin prison", "a Baghdad prison"), encoding="utf-8")
    return root


def _ids(settings) -> tuple[set[str], set[str]]:
    with Store.open(settings) as store:
        return {cid for cid, _, _ in store.index.iter_all()}, store.sentences.chunk_ids()


def test_every_quotable_sentence_of_every_chunk_is_stored_at_ingest_as_the_answerer_would_embed_it(
        tmp_path, fake_settings):
    report = ingest(_corpus(tmp_path / "c"), fake_settings, progress=False)
    assert report.sentence_seconds > 0 and report.sentences_synced == 0
    with Store.open(fake_settings) as store:
        rows = list(store.index.iter_all())
        wanted = [(cid, s, e) for cid, text, _ in rows for s, e in quotable_spans(text)]
        texts = {cid: text for cid, text, _ in rows}
        found = store.sentences.lookup(wanted)
        status = store.status()["sentence_vectors"]
    assert len(wanted) > len(rows) and all(v is not None for v in found)
    live = FakeEmbedder().embed_passages([texts[cid][s:e] for cid, s, e in wanted])
    assert np.allclose(np.stack(found), live, atol=1e-3)  # float16 on disk
    assert status["chunks"] == len(rows) and status["sentences"] == len(wanted) and status["bytes"] > 0


def test_a_question_embeds_no_sentence_and_answers_as_if_it_had(tmp_path, fake_settings):
    ingest(_corpus(tmp_path / "c"), fake_settings, progress=False)
    # the fake embedder's similarities are far below the real model's calibrated evidence threshold
    assistant = Assistant(fake_settings.model_copy(update={"refusal_threshold": 0.05}))
    embedder = assistant.retriever.store.embedder
    question = "Are returning journalists questioned at the airport in Iran?"
    embedded: list[str] = []
    real = embedder.embed_passages
    embedder.embed_passages = lambda texts: embedded.extend(texts) or real(texts)
    try:
        stored = assistant.ask(question)
        assert stored.citations and not stored.refused
        assert embedded == []
        assistant.extractive.stored = None  # what every question did before: embed the shortlisted sentences
        live = assistant.ask(question)
        assert embedded
    finally:
        del embedder.embed_passages
    assert stored.text == live.text


def test_sentences_follow_their_chunks_when_a_file_changes_and_when_it_is_pruned(tmp_path, fake_settings):
    root = _corpus(tmp_path / "c")
    ingest(root, fake_settings, progress=False)
    path = root / "coi" / "iran.md"
    path.write_text(_REPORT.replace("Evin prison", "Qarchak prison"), encoding="utf-8")
    ingest(root, fake_settings, progress=False)
    chunks, sentences = _ids(fake_settings)
    assert chunks == sentences
    path.unlink()
    ingest(root, fake_settings, prune=True, progress=False)
    chunks_after, sentences_after = _ids(fake_settings)
    assert chunks_after == sentences_after and chunks_after < chunks


def test_an_index_built_before_sentence_vectors_answers_the_same_and_its_next_ingest_stores_them(
        tmp_path, fake_settings):
    root = _corpus(tmp_path / "c")
    ingest(root, fake_settings, progress=False)
    question = "What happens to women who defy the dress code in Iraq?"
    before = Assistant(fake_settings).ask(question).text
    for path in Path(fake_settings.index_dir).glob("sentences-*"):
        path.unlink()  # as an index made before this version left it
    older = Assistant(fake_settings)
    assert older.retriever.store.status()["sentence_vectors"]["sentences"] == 0
    assert older.ask(question).text == before
    report = ingest(root, fake_settings, progress=False)
    chunks, sentences = _ids(fake_settings)
    assert report.embedded == 0 and report.sentences_synced == len(chunks) and sentences == chunks


def test_rows_made_under_other_quoting_rules_are_never_read_and_are_made_again(tmp_path, fake_settings,
                                                                               monkeypatch):
    root = _corpus(tmp_path / "c")
    ingest(root, fake_settings, progress=False)
    monkeypatch.setattr(sentence_vectors, "RULES_VERSION", sentence_vectors.RULES_VERSION + 1)
    with Store.open(fake_settings) as store:
        cid, text, _ = next(store.index.iter_all())
        start, end = quotable_spans(text)[0]
        assert store.sentences.lookup([(cid, start, end)]) == [None]
    report = ingest(root, fake_settings, progress=False)
    chunks, sentences = _ids(fake_settings)
    assert report.sentences_synced == len(chunks) and sentences == chunks


@pytest.mark.parametrize("damage", [b"not a database at all" * 100])
def test_a_damaged_sentence_file_is_one_line_naming_it(tmp_path, fake_settings, damage):
    from landinfo.errors import LandinfoError

    ingest(_corpus(tmp_path / "c"), fake_settings, progress=False)
    for path in Path(fake_settings.index_dir).glob("sentences-*"):
        path.unlink()
    store_file = next(iter(Path(fake_settings.index_dir).glob("manifest-*.sqlite3"))).name.replace(
        "manifest-", "sentences-")
    (Path(fake_settings.index_dir) / store_file).write_bytes(damage)
    with pytest.raises(LandinfoError) as caught:
        Store.open(fake_settings)
    message = str(caught.value)
    assert store_file in message and "\n" not in message and "landinfo ingest" in message
