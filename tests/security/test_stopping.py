"""A long account check stops when nobody waits for it any more: when its client leaves (the page closed, the
event stream dropped), so that its answer slot goes to the next question, and when the server is told to stop
(SIGTERM), so that the process exits promptly instead of checking on with its port already closed."""
from __future__ import annotations

import signal
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from conftest import DEMO_CORPUS
from fakes import FAKE_MODEL
from landinfo.ingest import ingest
from landinfo.settings import Settings
from served import call_by_index, serving

PARAGRAPH = ("Journalists who write about Orvask province are arrested by the security service. "
             "In March 2025 the police arrested me at a demonstration in Castrelle. "
             "Returnees who were politically active abroad are questioned at the airport on arrival. ")
# ~6,000 checkable claims: about 100 s of checking with the fake model on two shared cores (~16 ms a claim)
LONG_ACCOUNT = "\n\n".join([PARAGRAPH] * 2000)
UNLIMITED = {"LANDINFO_MAX_ACCOUNT_CHARS": "100000000", "LANDINFO_MAX_ACCOUNT_CLAIMS": "100000000"}
QUESTION = ["How many journalists were detained in Veldoria in 2025?", [], [], "en", [], [], [], "", "", False]


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("stopping-index") / "index"
    ingest(DEMO_CORPUS, Settings(index_dir=index, embedding_model=FAKE_MODEL), progress=False)
    return index


def _fn_index(config: dict, api_name: str) -> int:
    return next(d["id"] for d in config["dependencies"] if d.get("api_name") == api_name)


@contextmanager
def _a_long_check_running(served):
    """A long account check started through the queue, its page's event stream open until the block ends (a second
    into the check); yields the app's config."""
    client = served.client()
    config = client.get("/config").json()
    session = uuid.uuid4().hex[:11]
    _start_check(client, _fn_index(config, "check_account"), session)
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session},
                       timeout=httpx.Timeout(30, read=60)) as stream:
        _until_started(stream)
        time.sleep(1)
        yield config


def _start_check(client: httpx.Client, fn_index: int, session: str) -> None:
    joined = client.post("/gradio_api/queue/join", json={"data": [LONG_ACCOUNT, "", "en"], "fn_index": fn_index,
                                                         "session_hash": session, "event_data": None,
                                                         "trigger_id": None})
    assert joined.status_code == 200, joined.text


def _until_started(stream) -> None:
    deadline = time.monotonic() + 60
    for line in stream.iter_lines():
        if '"process_starts"' in line.replace(" ", ""):
            return
        assert time.monotonic() < deadline, "the check did not start within 60 s"
    pytest.fail("the event stream ended before the check started")


def test_a_check_whose_client_left_gives_its_slot_to_the_next_question(tmp_path, demo_index):
    env = {"LANDINFO_INDEX_DIR": str(demo_index), "LANDINFO_CONCURRENCY": "1", **UNLIMITED}
    with serving(tmp_path, env_extra=env) as served:
        with _a_long_check_running(served) as config:
            pass
        left = time.monotonic()  # the page closed: the stream is gone
        answer = call_by_index(served.client(), _fn_index(config, "respond"), QUESTION)
        waited = time.monotonic() - left
        assert '"success":true' in answer.replace(" ", ""), answer[-500:]
        assert waited < 25, f"the question waited {waited:.0f} s for the abandoned check's slot"
        assert "account check stopped" in served.output()


def test_sigterm_during_a_long_check_ends_the_process_within_seconds(tmp_path, demo_index):
    with serving(tmp_path, env_extra={"LANDINFO_INDEX_DIR": str(demo_index), **UNLIMITED}) as served:
        with _a_long_check_running(served):
            stopped = time.monotonic()
            served.proc.send_signal(signal.SIGTERM)
            try:
                served.proc.wait(timeout=10)
            except Exception:
                pytest.fail(f"still running 10 s after SIGTERM: {served.output()[-1500:]}")
        took = time.monotonic() - stopped
        assert took < 10
        assert list(served.scratch.iterdir()) == []  # and the private folder went with it
        print(f"exited {took:.1f} s after SIGTERM")
