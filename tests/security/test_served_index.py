"""A served index while another process ingests into it, and index folders that are not what they should be.

An app instance (the chat's Backend, in this process) keeps answering correctly while `landinfo ingest` runs in
another process on the same LANDINFO_INDEX_DIR, and finds the new document once that ingest has finished, without
a restart: embedded Chroma and a real `chroma run` on loopback. A file where the index folder should be, a damaged
manifest and a read-only index folder are each one line from the CLI, or (read-only) simply searched."""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chroma_server import ChromaServer
from fakes import FAKE_MODEL
from pseudo_reports import write_pseudo_reports
from landinfo.cli import main
from landinfo.settings import Settings
from landinfo.ui_backend import Backend

OLD = {  # file -> (question, words only that file has)
    "ferry.md": ("When does the Norvik ferry leave?",
                 "# Norvik ferry\n\nThe Norvik ferry leaves every Tuesday from the old harbour of Castrelle.\n"),
    "road.md": ("Is the Halvard mountain road open in winter?",
                "# Halvard road\n\nThe Halvard mountain road is closed in winter because of avalanches.\n"),
}
NEW_FILE, NEW_QUESTION = "quorvath.md", "Who crosses the Quorvath glacier pass?"
NEW_TEXT = "# Quorvath\n\nThe Quorvath glacier salt caravans cross the northern pass every spring.\n"
FILLER_FILES = 16  # ~24 chunks each: an ingest of a few seconds, many flushes (stamps) while it runs
INGEST_TIMEOUT = 240


def _filler(root: Path) -> None:
    """Reports enough for an ingest that takes a while and writes Chroma many times."""
    write_pseudo_reports(root, FILLER_FILES)


def _environment(monkeypatch, index_dir: Path, chroma_url: str = "") -> dict:
    """The same settings for this process (the served instance) and for the ingest subprocess."""
    values = {"LANDINFO_INDEX_DIR": str(index_dir), "LANDINFO_EMBEDDING_MODEL": FAKE_MODEL,
              "LANDINFO_CHUNK_TOKENS": "120", "LANDINFO_CHUNK_OVERLAP_TOKENS": "20",
              "LANDINFO_CHROMA_URL": chroma_url}
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return {**os.environ, **values}


def _ingest_process(corpus: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "landinfo.cli", "ingest", str(corpus)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _sources(backend: Backend, question: str) -> list[str]:
    return [p.source for p in backend.ask(question, None).passages]


def _serve_through_an_ingest(tmp_path: Path, env: dict) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, (_question, text) in OLD.items():
        (corpus / name).write_text(text, encoding="utf-8")
    first = subprocess.run([sys.executable, "-m", "landinfo.cli", "ingest", str(corpus)], env=env,
                           capture_output=True, text=True, timeout=INGEST_TIMEOUT)
    assert first.returncode == 0, first.stdout + first.stderr

    backend = Backend(Settings())  # the chat, serving: model, BM25 and chunk table loaded
    for name, (question, _text) in OLD.items():
        assert _sources(backend, question)[0] == name
    assert NEW_FILE not in _sources(backend, NEW_QUESTION)

    _filler(corpus)
    (corpus / NEW_FILE).write_text(NEW_TEXT, encoding="utf-8")
    ingest = _ingest_process(corpus, env)
    asked_during = 0
    try:
        deadline = time.monotonic() + INGEST_TIMEOUT
        while ingest.poll() is None and time.monotonic() < deadline:
            for name, (question, _text) in OLD.items():
                assert _sources(backend, question)[0] == name, "an old document was lost during the ingest"
                asked_during += 1
    finally:
        if ingest.poll() is None:
            ingest.kill()
        output = ingest.communicate(timeout=60)[0]
    assert ingest.returncode == 0, output
    assert f"{FILLER_FILES + 1} ingested" in output, output
    assert asked_during >= 4, f"only {asked_during} questions were asked while the ingest ran"

    # The same instance, no restart: the new document is found, and the old ones still are.
    assert _sources(backend, NEW_QUESTION)[0] == NEW_FILE
    for name, (question, _text) in OLD.items():
        assert _sources(backend, question)[0] == name
    fresh = Backend(Settings())  # a new instance sees the same
    assert _sources(fresh, NEW_QUESTION)[0] == NEW_FILE


def test_embedded_index_keeps_answering_during_an_ingest_by_another_process_and_reloads_after(tmp_path,
                                                                                              monkeypatch):
    _serve_through_an_ingest(tmp_path, _environment(monkeypatch, tmp_path / "indexes"))


def test_server_mode_index_keeps_answering_during_an_ingest_by_another_process_and_reloads_after(tmp_path,
                                                                                                 monkeypatch):
    server = ChromaServer(tmp_path).start()
    try:
        _serve_through_an_ingest(tmp_path, _environment(monkeypatch, tmp_path / "indexes", server.url))
    finally:
        server.stop()


def test_a_write_that_left_no_stamp_is_retried_on_a_reopened_chroma_not_shown(tmp_path, monkeypatch):
    """A process that wrote to Chroma without stamping the folder (killed between the two, or another tool):
    the stale query fails inside Chroma, is retried once on a re-opened one, and the user sees an answer."""
    env = _environment(monkeypatch, tmp_path / "indexes")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, (_question, text) in OLD.items():
        (corpus / name).write_text(text, encoding="utf-8")
    assert main(["ingest", str(corpus)]) == 0
    backend = Backend(Settings())
    question, _text = OLD["ferry.md"]
    assert _sources(backend, question)[0] == "ferry.md"
    write = ("import chromadb, numpy\n"
             "from chromadb.config import Settings\n"
             f"client = chromadb.PersistentClient(path={str(tmp_path / 'indexes' / 'chroma')!r}, "
             "settings=Settings(anonymized_telemetry=False))\n"
             "col = client.get_collection(client.list_collections()[0].name)\n"
             "vectors = numpy.random.default_rng(1).random((300, 256)).tolist()\n"
             "col.upsert(ids=[f'raw-{i}' for i in range(300)], embeddings=vectors,\n"
             "           documents=['raw'] * 300, metadatas=[{'language': 'en'}] * 300)\n")
    subprocess.run([sys.executable, "-c", write], env=env, check=True, timeout=120)
    assert _sources(backend, question)[0] == "ferry.md"


@pytest.fixture
def indexed(tmp_path, monkeypatch) -> Path:
    """Two small documents ingested with the fake embedder; returns the corpus folder."""
    _environment(monkeypatch, tmp_path / "indexes")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, (_question, text) in OLD.items():
        (corpus / name).write_text(text, encoding="utf-8")
    assert main(["ingest", str(corpus)]) == 0
    return corpus


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("landinfo: ") and "\n" not in err and "Traceback" not in err, err
    return err


def _commands(corpus: Path) -> list[list[str]]:
    return [["search", "Norvik ferry"], ["ask", "When does the Norvik ferry leave?"], ["status"],
            ["ingest", str(corpus)]]


def test_an_index_folder_that_is_a_file_is_one_line(tmp_path, monkeypatch, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.md").write_text(OLD["ferry.md"][1], encoding="utf-8")
    not_a_folder = tmp_path / "indexes.txt"
    not_a_folder.write_text("I am a file\n")
    _environment(monkeypatch, not_a_folder)
    for argv in _commands(corpus):
        assert main(argv) == 2, argv  # a usage error: the setting names a file (issue #20)
        err = _one_line(capsys)
        assert str(not_a_folder) in err and "is a file, not a folder" in err, (argv, err)
    assert not_a_folder.read_text() == "I am a file\n"


def test_a_damaged_manifest_is_one_line_naming_it_and_the_advice_works(indexed, tmp_path, capsys):
    (manifest,) = (tmp_path / "indexes").glob("manifest-*.sqlite3")
    for extra in (tmp_path / "indexes").glob("manifest-*.sqlite3-*"):
        extra.unlink()
    manifest.write_bytes(random.Random(5).randbytes(8192))
    capsys.readouterr()
    for argv in _commands(indexed):
        assert main(argv) == 1, argv
        err = _one_line(capsys)
        assert str(manifest) in err and "not a landinfo manifest, or damaged" in err, (argv, err)

    manifest.rename(tmp_path / "damaged-manifest")  # what the line says to do
    assert main(["ingest", str(indexed), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"]["ingested"] == len(OLD) and report["embedded"] == 0  # the vectors were reused
    assert main(["search", "Norvik ferry", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["passages"][0]["source"] == "ferry.md"


def _without_write_access() -> list[str]:
    """A command prefix under which file modes hold: nothing for a normal user; for root, setpriv dropping the
    capabilities that let root write anywhere (dac_override, fowner...)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a folder cannot be made read-only for this process")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner,-linux_immutable", "--"]


def _set_writable(folder: Path, writable: bool) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode | 0o200 if writable else mode & ~0o222)


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
            for p in folder.rglob("*")}


def test_a_read_only_index_is_searched_and_served_and_refuses_an_ingest_in_one_line(indexed, tmp_path):
    prefix = _without_write_access()
    read_only = tmp_path / "read-only-index"
    shutil.copytree(tmp_path / "indexes", read_only)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {**os.environ, "LANDINFO_INDEX_DIR": str(read_only), "TMPDIR": str(scratch)}
    _set_writable(read_only, False)
    try:
        probe = subprocess.run([*prefix, sys.executable, "-c", f"open({str(read_only / 'probe')!r}, 'w')"],
                               capture_output=True, env=env, timeout=60)
        if probe.returncode == 0:
            pytest.skip(f"{read_only} stayed writable for this process (chmod a-w had no effect)")
        before = _snapshot(read_only)

        script = (  # one process: a case officer's search and status, the chat's backend, then an ingest
            "import contextlib, io, json\n"
            "from landinfo.cli import main\nfrom landinfo.settings import Settings\n"
            "from landinfo.ui_backend import Backend\n"
            "results = {}\n"
            f"for name, argv in [('search', ['search', 'Norvik ferry', '--json']), ('status', ['status', '--json']),\n"
            f"                   ('ingest', ['ingest', {str(indexed)!r}])]:\n"
            "    out, err = io.StringIO(), io.StringIO()\n"
            "    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):\n"
            "        code = main(argv)\n"
            "    results[name] = [code, out.getvalue(), err.getvalue()]\n"
            "backend = Backend(Settings())\n"
            "answer = backend.ask('Is the Halvard mountain road open in winter?', None)\n"
            "results['served'] = [answer.passages[0].source, backend.corpus()['documents']]\n"
            "print(json.dumps(results))\n")
        run = subprocess.run([*prefix, sys.executable, "-c", script], capture_output=True, text=True, env=env,
                             timeout=INGEST_TIMEOUT)
        assert run.returncode == 0, run.stderr
        results = json.loads(run.stdout.splitlines()[-1])
        code, out, err = results["search"]
        assert code == 0 and json.loads(out)["passages"][0]["source"] == "ferry.md", err
        code, out, err = results["status"]
        assert code == 0 and json.loads(out)["documents"] == len(OLD), err
        assert results["served"] == ["road.md", len(OLD)]
        code, out, err = results["ingest"]
        err = err.strip()
        assert code == 1 and err.startswith(f"landinfo: {read_only}: cannot write to the index folder"), err
        assert "\n" not in err and "Traceback" not in err, err
        assert _snapshot(read_only) == before  # nothing in the index was touched
        assert not list(scratch.iterdir())  # the private copy of Chroma's database went with the process
    finally:
        _set_writable(read_only, True)
