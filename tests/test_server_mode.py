"""Server mode: the same corpus indexed in a real `chroma run` server answers exactly as the embedded store
does, several app instances sharing that server and one index folder see each other's ingests, and a server that
dies mid-session is one clear line, after which the same instance answers again once the server is back."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chroma_server import ChromaServer, free_port
from fakes import FAKE_MODEL
from landinfo.answer.assistant import Assistant
from landinfo.cli import main
from landinfo.errors import IndexUnavailableError
from landinfo.retrieve import Retriever
from landinfo.settings import Settings

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "corpus"
QUERIES = [
    (["risk of persecution for returnees"], []),
    (["Ildaran minority discrimination"], []),
    (["MIG 2024:1"], []),
    (["säkerhetsläget vid återvändande"], ["--country", "Veldoria"]),
    (["journalists detained"], ["--type", "coi", "--since", "2025"]),
]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    """A real Chroma server on a free loopback port, stopped at the end of the module."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server")).start()
    yield server.url
    server.stop()


def _use(monkeypatch, index_dir: Path, chroma_url: str = "") -> None:
    monkeypatch.setenv("LANDINFO_INDEX_DIR", str(index_dir))
    monkeypatch.setenv("LANDINFO_EMBEDDING_MODEL", FAKE_MODEL)
    if chroma_url:
        monkeypatch.setenv("LANDINFO_CHROMA_URL", chroma_url)
    else:
        monkeypatch.delenv("LANDINFO_CHROMA_URL", raising=False)


def _run_json(capsys, argv: list[str]):
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    return [json.loads(line) for line in out.splitlines() if line.strip()] if argv[0] == "search" else json.loads(out)


def _search_all(capsys) -> list[list[tuple[str, float]]]:
    results = []
    for words, flags in QUERIES:
        (found,) = _run_json(capsys, ["search", *words, "--json", "--k", "10", *flags])
        results.append([(p["id"], p["score"]) for p in found["passages"]])
    return results


def test_server_mode_finds_exactly_what_embedded_mode_finds(chroma_url, tmp_path, monkeypatch, capsys):
    _use(monkeypatch, tmp_path / "embedded")
    embedded_report = _run_json(capsys, ["ingest", str(DEMO), "--json"])
    embedded = _search_all(capsys)
    embedded_status = _run_json(capsys, ["status", "--json"])

    _use(monkeypatch, tmp_path / "server", chroma_url)
    server_report = _run_json(capsys, ["ingest", str(DEMO), "--json"])
    server = _search_all(capsys)
    server_status = _run_json(capsys, ["status", "--json"])

    assert server_report["files"] == embedded_report["files"]
    assert server_report["chunks"]["added"] == embedded_report["chunks"]["added"] > 0
    assert server_status["chroma"] == chroma_url and embedded_status["chroma"] == "embedded"
    assert server_status["chunks"] == embedded_status["chunks"]
    assert not (tmp_path / "server" / "chroma").exists()  # the vectors live in the server, not beside the app
    assert all(embedded), "every query finds something"
    for query, e, s in zip(QUERIES, embedded, server):
        assert [cid for cid, _ in s] == [cid for cid, _ in e], query
        assert [score for _, score in s] == pytest.approx([score for _, score in e], abs=1e-6), query

    again = _run_json(capsys, ["ingest", str(DEMO), "--json"])  # the manifest and the server agree
    assert again["embedded"] == 0 and again["files"]["unchanged"] == server_report["files"]["ingested"]


def test_instances_sharing_server_and_index_folder_see_each_others_ingest(chroma_url, tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(DEMO, corpus)
    shared = Settings(index_dir=tmp_path / "shared-index", embedding_model=FAKE_MODEL, chroma_url=chroma_url,
                      collection="sharing")
    from landinfo.ingest import ingest

    ingest(corpus, shared, progress=False)
    reader = Retriever(shared.model_copy())  # another app instance, already serving
    query = "Quorvath glacier salt caravans"
    assert all("quorvath" not in p.text.lower() for p in reader.retrieve(query, None, 5))

    (corpus / "coi" / "quorvath-2026.md").write_text(
        "# Quorvath salt routes 2026\n\nFictional training material. The Quorvath glacier salt caravans cross the "
        "northern pass every spring; traders report checkpoints run by local militias along the route.\n",
        encoding="utf-8")
    report = ingest(corpus, shared, progress=False)  # a third instance ingests
    assert report.files["ingested"] == 1

    assert "coi/quorvath-2026.md" in [p.source for p in reader.retrieve(query, None, 5)]


def test_a_serving_instance_sees_an_edited_document(chroma_url, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.md").write_text("# Ferry\n\nThe ferry to Norvik leaves every Tuesday from the old harbour.\n")
    (corpus / "road.md").write_text("# Road\n\nThe mountain road to Castrelle is closed in winter because of snow.\n")
    shared = Settings(index_dir=tmp_path / "shared-index", embedding_model=FAKE_MODEL, chroma_url=chroma_url,
                      collection="editing")
    from landinfo.ingest import ingest

    ingest(corpus, shared, progress=False)
    reader = Retriever(shared.model_copy())
    assert any("every Tuesday" in p.text for p in reader.retrieve("ferry Norvik", None, 2))
    (corpus / "ferry.md").write_text("# Ferry\n\nThe ferry to Norvik was cancelled in 2026 after the harbour fell.\n")
    ingest(corpus, shared, progress=False)
    texts = [p.text for p in reader.retrieve("ferry Norvik", None, 2)]
    assert any("cancelled in 2026" in t for t in texts) and not any("every Tuesday" in t for t in texts)


def test_unreachable_server_is_one_clear_line(tmp_path, monkeypatch, capsys):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    _use(monkeypatch, tmp_path / "indexes", url)
    assert main(["search", "anything", "--json"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"landinfo: cannot reach the Chroma server at {url}") and "\n" not in err


def test_a_server_killed_mid_session_is_one_clear_line_and_the_instance_recovers(tmp_path, monkeypatch, capsys):
    server = ChromaServer(tmp_path).start()
    try:
        _use(monkeypatch, tmp_path / "indexes", server.url)
        _run_json(capsys, ["ingest", str(DEMO), "--json"])
        assistant = Assistant(Settings())  # an app instance, already serving (fake model: passages, no answer)
        question = "How many journalists were detained in Veldoria in 2025?"
        before = assistant.ask(question)
        assert before.passages

        server.kill()
        with pytest.raises(IndexUnavailableError, match=f"the Chroma server at {server.url} stopped answering"):
            assistant.ask(question)
        assert main(["search", "journalists detained", "--json"]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"landinfo: cannot reach the Chroma server at {server.url}") and "\n" not in err

        server.start()  # same port, same folder: nothing was lost, and nobody restarts the app
        after = assistant.ask(question)
        assert after.text == before.text
        assert [p.id for p in after.passages] == [p.id for p in before.passages]
    finally:
        server.stop()
