"""What a case officer typed or read stays in the server's private scratch folder (0700, files 0600) and is gone
when the server stops, by SIGTERM (systemd, docker stop) as by SIGINT; ratings go to the configured folder, 0600."""
from __future__ import annotations

import json
import os
import signal
import stat
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import DEMO_CORPUS
from fakes import FAKE_MODEL
from landinfo.ingest import ingest
from landinfo.settings import Settings
from served import call_by_index, serving


def _fn_index(config: dict, api_name: str) -> int:
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _files_holding(token: str, folder: Path, since: float) -> list[Path]:
    """Files under `folder` written since `since` that hold `token`. The walk goes on past folders other processes
    remove meanwhile (the system temp folder is shared: a clean-clone CI run failed on another run's model cache)."""
    found = []
    for parent, _folders, names in os.walk(folder):  # os.walk skips what vanishes; Path.rglob raises
        for name in names:
            path = Path(parent) / name
            try:
                if path.is_file() and path.stat().st_mtime >= since and token.encode() in path.read_bytes():
                    found.append(path)
            except OSError:
                continue
    return found


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("private-index") / "index"
    ingest(DEMO_CORPUS, Settings(index_dir=index, embedding_model=FAKE_MODEL), progress=False)
    return index


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_exports_and_uploads_live_in_a_private_folder_that_goes_with_the_server(tmp_path, demo_index, stop):
    started = time.time()
    token = f"case-{uuid.uuid4().hex[:10]}"
    question = f"How many journalists were detained in Veldoria in 2025? {token}"
    feedback = tmp_path / "ratings"
    with serving(tmp_path, env_extra={"LANDINFO_INDEX_DIR": str(demo_index), "LANDINFO_FEEDBACK_DIR": str(feedback)},
                 stop=stop) as served:
        client = served.client()
        config = client.get("/config").json()
        session = uuid.uuid4().hex[:11]
        answer = call_by_index(client, _fn_index(config, "respond"),
                               [question, [], [], "en", [], [], [], "", "", False], session)
        assert "process_completed" in answer and '"success":true' in answer.replace(" ", "")
        rated = call_by_index(client, _fn_index(config, "handler"), [f"useful {token}", None, None], session)
        assert '"success":true' in rated.replace(" ", "")
        (root,) = list(served.scratch.iterdir())
        assert _mode(root) == 0o700
        holding = _files_holding(token, root, started)
        assert {p.suffix for p in holding} >= {".md"}  # the export, and gradio's copy of it for the download
        assert all(_mode(p) == 0o600 for p in holding), {str(p): oct(_mode(p)) for p in holding}
        assert any("gradio" in p.relative_to(root).parts for p in holding)  # gradio's cache is inside it too
        outside = [p for p in _files_holding(token, Path(tempfile.gettempdir()), started)
                   if root not in p.parents and tmp_path not in p.parents]
        assert outside == []
        ratings = feedback / "feedback.jsonl"
        assert _mode(feedback) == 0o700 and _mode(ratings) == 0o600
        assert json.loads(ratings.read_text(encoding="utf-8").splitlines()[-1])["comment"] == f"useful {token}"
    assert served.proc.returncode is not None
    assert not root.exists(), f"{root} outlived the server ({stop.name})"
    assert ratings.exists()  # what the officer chose to rate stays


def test_feedback_defaults_to_a_folder_of_its_own_not_the_working_directory(monkeypatch):
    monkeypatch.delenv("LANDINFO_FEEDBACK_DIR")
    folder = Settings().feedback_dir
    assert folder.is_absolute() and Path.cwd() not in [folder, *folder.parents]


def test_the_scratch_folder_is_made_private_even_under_a_permissive_umask(tmp_path):
    from landinfo.scratch import Scratch, write_private

    old = os.umask(0)
    try:
        scratch = Scratch(tmp_path)
        written = write_private(scratch.folder("exports") / "a.md", "text")
    finally:
        os.umask(old)
    assert _mode(scratch.root) == 0o700 and _mode(scratch.root / "exports") == 0o700 and _mode(written) == 0o600
    scratch.remove()
    assert not scratch.root.exists()
