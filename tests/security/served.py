"""`landinfo serve` as a subprocess on a free loopback port, for the security battery: started, logged into, stopped."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from fakes import FAKE_MODEL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    url: str
    proc: subprocess.Popen
    scratch: Path  # LANDINFO_SCRATCH_DIR: the private folder is made inside it
    log: Path

    def client(self, user: str | None = None, password: str | None = None, **kwargs) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=30, **kwargs)
        if user is not None:
            response = client.post("/login", data={"username": user, "password": password})
            assert response.status_code == 200, f"login failed: {response.status_code} {response.text[:200]}"
        return client

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(tmp_path: Path, users: str | None = None, env_extra: dict | None = None, stop=signal.SIGTERM):
    """Serve an empty or prepared index (LANDINFO_INDEX_DIR in env_extra) with the fake embedder."""
    port = free_port()
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANDINFO_", "GRADIO_TEMP"))}
    env.update(LANDINFO_INDEX_DIR=str(tmp_path / "index"), LANDINFO_EMBEDDING_MODEL=FAKE_MODEL,
               LANDINFO_HOST="127.0.0.1", LANDINFO_PORT=str(port), LANDINFO_SCRATCH_DIR=str(scratch),
               LANDINFO_FEEDBACK_DIR=str(tmp_path / "feedback"))
    if users is not None:
        env["LANDINFO_USERS"] = users
    env.update(env_extra or {})
    log = tmp_path / f"serve-{port}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "landinfo.cli", "serve"], env=env, stdout=sink,
                                stderr=subprocess.STDOUT, cwd=tmp_path)
    served = Served(f"http://127.0.0.1:{port}", proc, scratch, log)
    try:
        deadline = time.time() + 120
        while True:
            try:
                httpx.get(served.url + "/gradio_api/info", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, f"the server exited: {served.output()[-2000:]}"
                assert time.time() < deadline, "the server did not start within 120 s"
                time.sleep(0.25)
        yield served
    finally:
        if proc.poll() is None:
            proc.send_signal(stop)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def client_from(address: str, url: str) -> httpx.Client:
    """A client whose connections come from `address` (any 127.x.y.z is loopback on Linux)."""
    return httpx.Client(base_url=url, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def login(client: httpx.Client, user: str, password: str) -> httpx.Response:
    return client.post("/login", data={"username": user, "password": password})


def read_events(client: httpx.Client, session: str, deadline: float) -> str:
    """The queue's event stream for a session, until its last event completes (bounded)."""
    text = []
    with client.stream("GET", "/gradio_api/queue/data", params={"session_hash": session},
                       timeout=httpx.Timeout(30, read=30)) as response:
        for line in response.iter_lines():
            text.append(line)
            if '"msg":"process_completed"' in line.replace(" ", "") or time.time() > deadline:
                break
    return "\n".join(text)


def call_by_index(client: httpx.Client, fn_index: int, data: list, session: str | None = None) -> str:
    """Run one event through the queue, as the page does, and return everything the server said."""
    session = session or uuid.uuid4().hex[:11]
    joined = client.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                         "event_data": None, "trigger_id": None})
    if joined.status_code != 200:
        return joined.text
    return joined.text + read_events(client, session, time.time() + 30)
