"""Faults during ingest: a `landinfo ingest` killed with SIGKILL part-way, in embedded and in server mode, or a
Chroma server killed under a running ingest, and then run again, ends with exactly the index a clean run builds
(nothing twice, nothing lost; Chroma, BM25 and manifest agree), and a second ingest started while one is running is
refused with a clear message and harms nothing."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chroma_server import ChromaServer
from fakes import FAKE_MODEL
from pseudo_reports import write_pseudo_reports
from landinfo.cli import main
from landinfo.ingest import ingest
from landinfo.settings import Settings
from landinfo.store import Store

FILES = 60
CHUNK_TOKENS = 120


def _write_corpus(root: Path) -> None:
    write_pseudo_reports(root, FILES)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("reliability") / "corpus"
    _write_corpus(root)
    return root


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> dict:
    """What one uninterrupted ingest of the corpus stores: chunk ids and the top passages of a query."""
    settings = _settings(tmp_path_factory.mktemp("reference") / "indexes")
    report = ingest(corpus, settings, progress=False)
    assert report.files["ingested"] == FILES
    return _contents(settings)


def _settings(index_dir: Path, chroma_url: str = "") -> Settings:
    return Settings(index_dir=index_dir, embedding_model=FAKE_MODEL, chunk_tokens=CHUNK_TOKENS, chroma_url=chroma_url)


def _env(index_dir: Path, chroma_url: str = "") -> dict:
    env = dict(os.environ, LANDINFO_INDEX_DIR=str(index_dir), LANDINFO_EMBEDDING_MODEL=FAKE_MODEL,
               LANDINFO_CHUNK_TOKENS=str(CHUNK_TOKENS), LANDINFO_CHROMA_URL=chroma_url)
    if not chroma_url:
        env.pop("LANDINFO_CHROMA_URL")
    return env


def _start_ingest(corpus: Path, index_dir: Path, chroma_url: str = "") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "landinfo.cli", "ingest", str(corpus), "--json"],
                            env=_env(index_dir, chroma_url), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _finish_ingest(corpus: Path, index_dir: Path, chroma_url: str = "") -> dict:
    finish = subprocess.run([sys.executable, "-m", "landinfo.cli", "ingest", str(corpus), "--json"],
                            env=_env(index_dir, chroma_url), capture_output=True, text=True, timeout=300)
    assert finish.returncode == 0, finish.stderr
    return json.loads(finish.stdout)


def _recorded(index_dir: Path) -> tuple[int, int]:
    """(files, chunks) the manifest records as indexed, read the way a second process would."""
    manifests = list(index_dir.glob("manifest-*.sqlite3"))
    if not manifests:
        return 0, 0
    try:
        with sqlite3.connect(f"file:{manifests[0]}?mode=ro", uri=True, timeout=5) as db:
            rows = db.execute("SELECT chunk_ids FROM files WHERE status = 'indexed'").fetchall()
    except sqlite3.OperationalError:  # the table is not created yet
        return 0, 0
    return len(rows), sum(len(json.loads(ids)) for (ids,) in rows)


def _wait_for(predicate, seconds: float, what: str, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if process is not None and process.poll() is not None:
            pytest.fail(f"ingest ended (exit {process.returncode}) before {what}: {process.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.001)


def _contents(settings: Settings) -> dict:
    """Chunk ids as Chroma, BM25 and the manifest each hold them, plus a search result, via the public paths."""
    store = Store.open(settings)
    try:
        chroma_ids = [cid for cid, _text, _meta in store.index.iter_all()]
        lexical_ids = list(store.lexical.ids) if store.lexical is not None else []
        records = [r for r in store.manifest.records().values() if r.status == "indexed"]
        manifest_ids = [cid for r in records for cid in r.chunk_ids]
        sentence_ids = sorted(store.sentences.chunk_ids())
        status = store.status()
    finally:
        store.close()
    from landinfo.retrieve import Retriever

    top = [p.id for p in Retriever(settings).retrieve("Report 17 province section", None, 10)]
    return {"chroma": chroma_ids, "lexical": lexical_ids, "manifest": manifest_ids, "sentences": sentence_ids,
            "files": len(records),
            "status_chunks": status["chunks"], "status_documents": status["documents"], "top": top}


def _assert_consistent_and_complete(found: dict, reference: dict) -> None:
    for where in ("chroma", "lexical", "manifest", "sentences"):
        ids = found[where]
        assert len(ids) == len(set(ids)), f"{where} holds a chunk twice"
        assert set(ids) == set(reference["chroma"]), (
            f"{where}: {len(set(reference['chroma']) - set(ids))} chunks lost, "
            f"{len(set(ids) - set(reference['chroma']))} chunks that a clean ingest does not have")
    assert found["files"] == found["status_documents"] == FILES
    assert found["status_chunks"] == len(reference["chroma"])
    assert found["top"] == reference["top"]


@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_ingest_killed_twice_midway_then_rerun_gives_the_clean_index(corpus, reference, tmp_path, mode):
    index_dir = tmp_path / "indexes"
    server = ChromaServer(tmp_path).start() if mode == "server" else None
    url = server.url if server else ""
    try:
        _kill_twice_then_finish(corpus, reference, index_dir, url)
    finally:
        if server:
            server.stop()


def _kill_twice_then_finish(corpus: Path, reference: dict, index_dir: Path, url: str) -> None:
    killed_at = []
    for at_least in (3, 31):  # kill early, then again in the resumed run, likely while it records a batch
        process = _start_ingest(corpus, index_dir, url)
        _wait_for(lambda: _recorded(index_dir)[0] >= at_least, 120, f"{at_least} files to be indexed", process)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
        killed_at.append(_recorded(index_dir)[0])
    print(f"killed with {killed_at} of {FILES} files recorded")
    assert all(n < FILES for n in killed_at), f"the ingest finished before it was killed ({killed_at})"
    recorded_chunks = _recorded(index_dir)[1]

    report = _finish_ingest(corpus, index_dir, url)
    assert report["files"]["unchanged"] == killed_at[-1]  # what the killed runs recorded is not redone
    assert report["files"]["ingested"] == FILES - killed_at[-1]
    assert report["problems"] == []
    # a killed run stored each batch's sentence vectors before its chunks: none is missing for a chunk it stored
    assert report["sentences_synced"] == 0
    # chunks stored by a killed run before it recorded their file are found again, not stored twice
    assert report["chunks"]["added"] + report["chunks"]["unchanged"] == len(reference["chroma"]) - recorded_chunks
    print(f"final run: {report['files']} {report['chunks']}")
    _assert_consistent_and_complete(_contents(_settings(index_dir, url)), reference)


def test_chroma_server_killed_during_ingest_then_restarted_and_rerun_gives_the_clean_index(corpus, reference,
                                                                                            tmp_path):
    index_dir = tmp_path / "indexes"
    server = ChromaServer(tmp_path).start()
    try:
        process = _start_ingest(corpus, index_dir, server.url)
        _wait_for(lambda: _recorded(index_dir)[0] >= 5, 120, "5 files to be indexed", process)
        server.kill()
        out, err = process.communicate(timeout=120)
        recorded = _recorded(index_dir)[0]
        assert process.returncode == 1 and recorded < FILES, f"exit {process.returncode}, {recorded} files: {err}"
        assert err.strip().startswith(f"landinfo: the Chroma server at {server.url} stopped answering"), err
        assert "\n" not in err.strip() and "Traceback" not in err

        server.start()
        report = _finish_ingest(corpus, index_dir, server.url)
        assert report["files"]["unchanged"] == recorded and report["problems"] == []
        _assert_consistent_and_complete(_contents(_settings(index_dir, server.url)), reference)
    finally:
        server.stop()


def test_second_ingest_at_once_is_refused_clearly_and_the_first_completes(corpus, reference, tmp_path, monkeypatch,
                                                                          capsys):
    index_dir = tmp_path / "indexes"
    first = _start_ingest(corpus, index_dir)
    lock = index_dir / "ingest.lock"
    _wait_for(lambda: lock.exists() and lock.read_text().strip() == str(first.pid), 60,
              "the first ingest to take the lock", first)

    for name, value in _env(index_dir).items():
        if name.startswith("LANDINFO_"):
            monkeypatch.setenv(name, value)
    code = main(["ingest", str(corpus), "--json"])
    err = capsys.readouterr().err.strip()
    assert first.poll() is None, "the first ingest ended before the second one tried; the test proved nothing"
    assert code == 1
    assert err == (f"landinfo: another ingest (pid {first.pid}) is writing to {index_dir}; "
                   "wait for it to finish")

    out, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert json.loads(out)["files"]["ingested"] == FILES
    _assert_consistent_and_complete(_contents(_settings(index_dir)), reference)
    assert main(["ingest", str(corpus), "--json"]) == 0  # the lock is free again once the first has finished
    assert json.loads(capsys.readouterr().out)["files"]["unchanged"] == FILES
