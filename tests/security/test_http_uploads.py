"""What a client can make the chat server keep, and what a bad upload tells it (real `landinfo serve` on loopback):
an upload over the size limit or past the scratch quota is refused with 413 and nothing of it is kept, answer
exports are pruned (count and age), an upload error names no server path, and a bad file input is one log line."""
from __future__ import annotations

import os
import time
import uuid
from contextlib import closing
from pathlib import Path

import pytest

from conftest import DEMO_CORPUS
from fakes import FAKE_MODEL
from landinfo.ingest import ingest
from landinfo.settings import Settings
from served import call_by_index, serving

USER, PASSWORD = "officer", "correct-horse-42"
MB = 1_000_000
LIMITS = {"LANDINFO_MAX_UPLOAD_MB": "1", "LANDINFO_SCRATCH_QUOTA_MB": "4", "LANDINFO_EXPORTS_KEPT": "4",
          "LANDINFO_EXPORT_MAX_AGE_S": "600"}
QUESTIONS = ("How many journalists were detained in Veldoria in 2025?", "What happens to returnees in Veldoria?",
             "Is there forced recruitment in Kestrania?")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    index = folder / "index"
    ingest(DEMO_CORPUS, Settings(index_dir=index, embedding_model=FAKE_MODEL), progress=False)
    with serving(folder, users=f"{USER}:{PASSWORD}", env_extra={**LIMITS, "LANDINFO_INDEX_DIR": str(index)}) as served:
        served.folder = folder
        yield served


def _scratch_bytes(served) -> int:
    return sum(p.stat().st_size for p in served.scratch.rglob("*") if p.is_file())


def _upload(client, name: str, body: bytes):
    return client.post("/gradio_api/upload", files={"files": (name, body)})


def _fn(config: dict, api_name: str | None = None, elem_id: str | None = None) -> int:
    """The event of `api_name`, or the one whose trigger is the component with `elem_id`."""
    if api_name:
        return next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)
    component = next(c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id)
    return next(d["id"] for d in config["dependencies"] if [component, "upload"] in d.get("targets", []))


def _inputs(config: dict, fn: int) -> list:
    return next(d["inputs"] for d in config["dependencies"] if d["id"] == fn)


def test_an_upload_over_the_size_limit_is_refused_and_not_kept(server):
    marker = uuid.uuid4().hex.encode()
    with closing(server.client(USER, PASSWORD)) as client:
        big = _upload(client, "big.yaml", marker + b"x" * (2 * MB))
        assert big.status_code == 413, big.text[:200]
        assert str(server.scratch) not in big.text
        assert _upload(client, "small.yaml", b"name: x\n" + b"#" * (MB // 2)).status_code == 200
    kept = [p for p in server.scratch.rglob("*") if p.is_file() and marker in p.read_bytes()]
    assert kept == []


def test_uploads_past_the_scratch_quota_are_refused(server):
    with closing(server.client(USER, PASSWORD)) as client:
        codes = [_upload(client, f"part{i}.yaml", os.urandom(9 * MB // 10)).status_code for i in range(8)]
        chunked = client.post("/gradio_api/upload", content=iter([b"x" * 1000]),
                              headers={"Content-Type": "multipart/form-data; boundary=b"})
    print(f"uploads of 0.9 MB against a 4 MB quota: {codes}; scratch now {_scratch_bytes(server) / MB:.1f} MB")
    assert 200 in codes and codes[-1] == 413
    assert codes == sorted(codes)  # once refused, refused until something is removed
    assert _scratch_bytes(server) <= 4 * MB + MB  # the quota, plus what the server itself wrote (exports)
    assert chunked.status_code in (411, 413)  # a body of unknown length cannot be held to the quota


def test_answer_exports_are_pruned_oldest_first(server):
    with closing(server.client(USER, PASSWORD)) as client:
        config = client.get("/config").json()
        respond = _fn(config, "respond")
        exports = None
        for i in range(5):
            question = QUESTIONS[i % len(QUESTIONS)]
            said = call_by_index(client, respond, [question, [], [], "en", [], [], [], "", "", False])
            assert '"success":true' in said.replace(" ", ""), said[-500:]
            exports = exports or next(server.scratch.glob("landinfo-*/exports"))
            kept = sorted(exports.iterdir())
            assert 2 <= len(kept) <= 4, [p.name for p in kept]  # LANDINFO_EXPORTS_KEPT=4: two answers
        old = time.time() - 3600
        for path in kept:
            os.utime(path, (old, old))  # an hour old, past LANDINFO_EXPORT_MAX_AGE_S=600
        call_by_index(client, respond, [QUESTIONS[0], [], [], "en", [], [], [], "", "", False])
        assert not set(kept) & set(exports.iterdir())
        assert len(list(exports.iterdir())) == 2  # the new answer's Markdown and Word files


def test_an_upload_error_names_no_server_path(server):
    with closing(server.client(USER, PASSWORD)) as client:
        config = client.get("/config").json()
        uploaded = _upload(client, "broken.yaml", b"name: [unclosed\n")
        assert uploaded.status_code == 200
        (path,) = uploaded.json()
        fn = _fn(config, elem_id="trainer-upload")
        data = [{"path": path, "orig_name": "broken.yaml", "meta": {"_type": "gradio.FileData"}}, "en"]
        said = call_by_index(client, fn, data + [None] * (len(_inputs(config, fn)) - 2))
    assert "process_completed" in said
    assert "broken.yaml" in said and "YAML" in said  # the officer still learns what is wrong with which file
    assert str(server.scratch) not in said and "/gradio/" not in said


def test_a_bad_file_input_is_one_log_line_and_no_path(server):
    requests = 12
    with closing(server.client(USER, PASSWORD)) as client:
        config = client.get("/config").json()
        fn = _fn(config, elem_id="trainer-upload")
        before = len(server.output().splitlines())
        said = []
        for i in range(requests):
            name = "/etc/hostname" if i % 2 else f"not-uploaded-{i}.yaml"  # absolute, or relative to the cwd
            data = [{"path": name, "orig_name": "x.yaml", "meta": {"_type": "gradio.FileData"}}, "en"]
            said.append(call_by_index(client, fn, data + [None] * (len(_inputs(config, fn)) - 2)))
        time.sleep(0.5)
    lines = server.output().splitlines()[before:]
    print(f"{requests} bad file inputs -> {len(lines)} log lines")
    assert all('"success":false' in s.replace(" ", "") for s in said)
    assert "Traceback" not in "\n".join(lines)
    assert len(lines) <= requests
    assert not any(str(server.folder) in s for s in said)  # the server's working folder is not given away
