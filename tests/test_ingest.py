"""Ingest with the fake embedder on small generated corpora: incremental, duplicate-aware, failure-tolerant."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakes import FAKE_MODEL
from landinfo.cli import main
from landinfo.ingest import ingest
from landinfo.store import Store


def _corpus(root: Path) -> Path:
    (root / "coi").mkdir(parents=True)
    (root / "coi" / "iran.md").write_text(
        "---\ntitle: Iran report\ndoc_type: coi\ncountries: [Iran]\ndate: 2024-05-01\nlanguage: en\n---\n"
        "# Iran report\n\n## Journalists\n\nJournalists are detained and tortured in Evin prison. "
        "Several were sentenced to death in 2024.\n\n## Women\n\nWomen who defy the dress code face arrest.\n",
        encoding="utf-8")
    (root / "lag.md").write_text(
        "---\nbeteckning: 2005:716\nrubrik: Utlänningslag\n---\n# Utlänningslag\n\n## 4 kap. Flyktingar\n\n"
        "#### 1 §\n\nMed flykting avses i denna lag en utlänning som befinner sig utanför det land som "
        "utlänningen är medborgare i.\n\n#### 2 §\n\nMed alternativt skyddsbehövande avses en utlänning som "
        "riskerar dödsstraff.\n", encoding="utf-8")
    return root


def test_reingest_of_unchanged_corpus_embeds_nothing(tmp_path, fake_settings):
    root = _corpus(tmp_path / "c")
    first = ingest(root, fake_settings, progress=False)
    assert first.files["ingested"] == 2 and first.embedded > 0 and not first.problems
    second = ingest(root, fake_settings, progress=False)
    assert second.embedded == 0 and second.chunks["added"] == 0
    assert second.files["unchanged"] == 2


def test_changed_file_replaces_its_chunks_and_prune_removes_deleted(tmp_path, fake_settings):
    root = _corpus(tmp_path / "c")
    ingest(root, fake_settings, progress=False)
    store = Store.open(fake_settings)
    before = store.index.count()
    store.close()
    path = root / "coi" / "iran.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Evin prison", "Qarchak prison"), encoding="utf-8")
    report = ingest(root, fake_settings, progress=False)
    assert report.files["ingested"] == 1 and report.chunks["removed"] >= 1 and report.chunks["added"] >= 1
    store = Store.open(fake_settings)
    texts = [t for _, t, _ in store.index.iter_all()]
    assert any("Qarchak" in t for t in texts) and not any("Evin" in t for t in texts)
    assert store.index.count() == before
    store.close()
    path.unlink()
    kept = ingest(root, fake_settings, progress=False)
    assert kept.files["missing"] == 1
    pruned = ingest(root, fake_settings, prune=True, progress=False)
    assert pruned.files["removed"] == 1
    store = Store.open(fake_settings)
    assert not any("Qarchak" in t for _, t, _ in store.index.iter_all())
    assert len(store.lexical) == store.index.count()
    store.close()


def test_bad_file_is_one_line_and_the_rest_is_indexed(tmp_path, fake_settings, capsys):
    root = _corpus(tmp_path / "c")
    (root / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    (root / "notes.xyz").write_text("whatever")
    code = main(["--index-dir", str(fake_settings.index_dir), "--model", FAKE_MODEL, "ingest", str(root), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["files"]["ingested"] == 2 and report["files"]["failed"] == 1
    assert [p["path"] for p in report["problems"]] == ["broken.pdf"]
    assert "\n" not in report["problems"][0]["reason"]
    assert any(s["path"] == "notes.xyz" and "unsupported" in s["reason"] for s in report["skipped"])


def test_statute_section_is_addressable(tmp_path, fake_settings):
    root = _corpus(tmp_path / "c")
    ingest(root, fake_settings, progress=False)
    store = Store.open(fake_settings)
    sections = {m["section"] for _, _, m in store.index.iter_all()}
    store.close()
    assert any(s.endswith("4 kap. Flyktingar > 1 §") for s in sections)


def test_status_json_reports_what_is_indexed(tmp_path, fake_settings, capsys):
    root = _corpus(tmp_path / "c")
    ingest(root, fake_settings, progress=False)
    assert main(["--index-dir", str(fake_settings.index_dir), "--model", FAKE_MODEL, "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["documents"] == 2 and status["chunks"] > 0
    assert status["by_type"].get("coi") == 1 and status["by_type"].get("statute") == 1
    assert status["by_country"].get("Iran") == 1
    assert status["embedding_model"] == "fake-hash-256"
    assert status["date_range"][0] and status["index_bytes"] > 0


def test_other_model_is_refused_rather_than_mixed(tmp_path, fake_settings):
    from landinfo.errors import IndexMismatchError
    from landinfo.settings import Settings

    ingest(_corpus(tmp_path / "c"), fake_settings, progress=False)
    other = Settings(index_dir=fake_settings.index_dir, embedding_model="minilm")
    with pytest.raises(IndexMismatchError, match="fake-hash-256"):
        Store.open(other)


def test_other_chunking_builds_a_separate_index(tmp_path, fake_settings):
    from landinfo.settings import Settings

    root = _corpus(tmp_path / "c")
    ingest(root, fake_settings, progress=False)
    bigger = Settings(index_dir=fake_settings.index_dir, embedding_model=FAKE_MODEL, chunk_tokens=400)
    report = ingest(root, bigger, progress=False)
    assert report.files["ingested"] == 2  # its own collection and manifest, nothing mixed
    with Store.open(bigger) as store:
        assert store.shape.chunk_tokens == 400


def test_links_out_of_the_corpus_are_not_indexed(tmp_path, fake_settings):
    root = _corpus(tmp_path / "c")
    secret = tmp_path / "secret.md"
    secret.write_text("# Private\n\nA private note that must never be indexed.\n", encoding="utf-8")
    (root / "linked.md").symlink_to(secret)
    report = ingest(root, fake_settings, progress=False)
    assert any(s["path"] == "linked.md" and "outside" in s["reason"] for s in report.skipped)
    with Store.open(fake_settings) as store:
        assert not any("private note" in t for _, t, _ in store.index.iter_all())
