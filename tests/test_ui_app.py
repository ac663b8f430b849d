"""The server side of the browser UI without a browser: users, a missing index, corpus status, quiet logs."""
from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import DEMO_CORPUS
from fakes import FAKE_MODEL
from landinfo.errors import LandinfoError
from landinfo.ingest import ingest
from landinfo.settings import Settings
from landinfo.ui_backend import Backend, NotReady, load_users


def test_users_come_from_the_auth_file_and_the_environment(tmp_path, monkeypatch):
    users = tmp_path / "users.txt"
    users.write_text("# shared deployment\nanna:correct horse\n\n bo : pass:with:colons\n", encoding="utf-8")
    assert load_users(Settings()) == []
    monkeypatch.setenv("LANDINFO_USERS", "carl:x1, dina:y2")  # read through Settings, like every other variable
    settings = Settings(auth_file=users)
    assert load_users(settings) == [
        ("anna", "correct horse"), ("bo", "pass:with:colons"), ("carl", "x1"), ("dina", "y2")]
    assert "x1" not in repr(settings)
    monkeypatch.delenv("LANDINFO_USERS")
    users.write_text("anna\n", encoding="utf-8")
    with pytest.raises(LandinfoError, match=r"users.txt:1: expected 'user:password'"):
        load_users(Settings(auth_file=users))
    with pytest.raises(LandinfoError, match="cannot read"):
        load_users(Settings(auth_file=tmp_path / "missing.txt"))


def test_without_an_index_the_backend_says_what_to_run(fake_settings):
    backend = Backend(fake_settings)
    assert not backend.ready() and backend.corpus() is None
    assert "landinfo ingest corpus/" in backend.problem
    with pytest.raises(NotReady):
        backend.ask("Anything?", None)


@pytest.fixture
def demo_fake(fake_settings):
    ingest(DEMO_CORPUS, fake_settings, progress=False)
    return fake_settings


def test_corpus_status_counts_documents_countries_and_newest_coi(demo_fake):
    corpus = Backend(demo_fake).corpus()
    assert corpus["documents"] == 8 and corpus["countries"] == {"Kestrania": 2, "Veldoria": 6}
    assert corpus["newest_coi"] == "2026-04-14" and corpus["model"] == "fake-hash-256"


@pytest.mark.parametrize("log_answers", [False, True])
def test_questions_and_answers_reach_the_log_only_when_asked_to(demo_fake, caplog, log_answers):
    backend = Backend(demo_fake.model_copy(update={"log_answers": log_answers}))
    with caplog.at_level(logging.INFO, logger="landinfo"):
        answer = backend.ask("Which journalists were detained in Castrelle?", None)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "answered in" in logged
    assert ("detained in Castrelle" in logged) is log_answers
    assert (answer.text[:40] in logged) is log_answers


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _outward_address() -> str | None:
    """This machine's address on its network (no packet is sent), or None when it has only loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_serve_binds_loopback_and_asks_for_a_login_when_given_users(tmp_path):
    users = tmp_path / "users.txt"
    users.write_text("anna:secret-1\n", encoding="utf-8")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDINFO_")}
    env.update(LANDINFO_INDEX_DIR=str(tmp_path / "index"), LANDINFO_EMBEDDING_MODEL=FAKE_MODEL,
               GRADIO_TEMP_DIR=str(tmp_path / "gradio"))
    proc = subprocess.Popen([sys.executable, "-m", "landinfo.cli", "serve", "--port", str(port),
                             "--auth-file", str(users)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while True:
            try:
                status = _status(f"http://127.0.0.1:{port}/doc/0000000000000000/view")
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, "the server did not start"
                time.sleep(0.25)
        assert status == 401  # documents need the login before anything else is looked at
        outward = _outward_address()
        if outward:
            with pytest.raises(OSError):
                socket.create_connection((outward, port), timeout=2).close()
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0].decode(errors="replace")
    assert f"serving on http://127.0.0.1:{port}" in output
