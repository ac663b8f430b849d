"""No endpoint reads or serves a server file it was not meant to: every endpoint the app has (from /config, and
/gradio_api/info with all endpoints), every parameter of each, gets a FileData naming a file that holds a secret;
the secret must come back in no response, in no file URL the responses give, and in no copy on disk.

The hole this closes: mounted with gr.mount_gradio_app, the Blocks never counted as launched and gradio skipped
every path check on inputs, so a chat message {"type": "file", "file": {"path": "/etc/shadow"}} was copied into
its cache and served back."""
from __future__ import annotations

import json
import re
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import pytest

from served import call_by_index, serving

USER, PASSWORD = "officer", "correct-horse-42"
FILE_URL = re.compile(r"/gradio_api/file=[^\"'\s\\)]+")


def _file_data(path: Path) -> dict:
    return {"path": str(path), "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def _payloads(path: Path) -> list:
    """What a client can put in one parameter to name a server file: bare, as a chat message, as a path string."""
    data = _file_data(path)
    return [data, [data], [{"role": "user", "content": [{"type": "file", "file": data}]}], str(path)]


def _call_by_name(client: httpx.Client, api_name: str, data: list) -> str:
    started = client.post(f"/gradio_api/call{api_name}", json={"data": data})
    if started.status_code != 200:
        return started.text
    event = started.json().get("event_id")
    result = client.get(f"/gradio_api/call{api_name}/{event}", timeout=60)
    return started.text + result.text


def _defaults(config: dict, inputs: list[int]) -> list:
    props = {c["id"]: c.get("props", {}) for c in config["components"]}
    return [props.get(i, {}).get("value") for i in inputs]


def _copies_of(secret: str, folders: list[Path], since: float) -> list[str]:
    found = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            try:
                if path.is_file() and path.stat().st_mtime >= since and path.stat().st_size < 1 << 20 \
                        and secret.encode() in path.read_bytes():
                    found.append(str(path))
            except OSError:
                continue
    return found


@pytest.mark.parametrize("login", [False, True], ids=["no-login", "login"])
def test_no_endpoint_reads_or_serves_a_server_file(tmp_path, login):
    started = time.time()
    secret = f"landinfo-secret-{uuid.uuid4().hex}"
    outside = tmp_path / "outside"
    outside.mkdir()
    secret_file = outside / "secret.yaml"  # a name the trainer's upload accepts
    secret_file.write_text(f"name: {secret}\nquestions: []\n", encoding="utf-8")
    with serving(tmp_path, users=f"{USER}:{PASSWORD}" if login else None) as served:
        client = served.client(USER, PASSWORD) if login else served.client()
        config = client.get("/config").json()
        info = client.get("/gradio_api/info", params={"all_endpoints": "true"}).json()
        responses, calls = [], 0
        for dep in config["dependencies"]:
            if not dep.get("backend_fn") or not dep.get("inputs"):
                continue
            for position in range(len(dep["inputs"])):
                for payload in _payloads(secret_file):
                    data = _defaults(config, dep["inputs"])
                    data[position] = payload
                    responses.append(call_by_index(client, dep["id"], data))
                    calls += 1
        named = info.get("named_endpoints", {})
        for api_name, endpoint in named.items():
            parameters = endpoint.get("parameters", [])
            for position in range(len(parameters)):
                data = [p.get("parameter_default") if p.get("parameter_has_default") else None for p in parameters]
                data[position] = _file_data(secret_file)
                responses.append(_call_by_name(client, api_name, data))
                calls += 1
        urls = sorted({u for text in responses for u in FILE_URL.findall(text)})
        fetched = [client.get(url).text for url in urls]
        direct = [client.get(f"/gradio_api/file={secret_file}").text]
    everything = "\n".join(responses + fetched + direct)
    endpoints = sum(1 for d in config["dependencies"] if d.get("backend_fn") and d.get("inputs"))
    parameters = sum(len(d["inputs"]) for d in config["dependencies"] if d.get("backend_fn"))
    print(f"file-path battery ({'login' if login else 'no login'}): {endpoints} endpoints, {parameters} parameters, "
          f"{len(named)} named endpoints, {calls} calls, {len(urls)} file URLs fetched")
    assert endpoints >= 10 and len(named) >= 5  # the chat, filters, feedback, trainer: the battery reached them
    assert secret not in everything
    copies = _copies_of(secret, [served.scratch, Path(tempfile.gettempdir()), tmp_path / "index"], started)
    assert [c for c in copies if Path(c) != secret_file] == []


def test_a_server_path_sent_as_a_chat_message_is_refused_not_copied(tmp_path):
    """The exact request of the report: the chat's own endpoint, a user message that is a file."""
    secret = f"landinfo-secret-{uuid.uuid4().hex}"
    target = tmp_path / "shadow"
    target.write_text(secret, encoding="utf-8")
    with serving(tmp_path) as served:
        client = served.client()
        message = {"role": "user", "content": [{"type": "file", "file": _file_data(target)}]}
        text = _call_by_name(client, "/respond", ["hello", [message], [], [], [], "", "", False])
    assert "error" in text.lower()
    assert secret not in text and not FILE_URL.search(text)
    assert not list(served.scratch.rglob("shadow"))


def test_remote_urls_are_not_fetched_on_a_clients_behalf(tmp_path):
    """gradio's /file=<url> would fetch any public URL from the server: a way out of an offline machine."""
    with serving(tmp_path) as served:
        client = served.client()
        for url in ("http://example.org/x", "https://example.org/x", "HTTP://example.org/x", "ftp://example.org/x"):
            response = client.get(f"/gradio_api/file={url}")
            assert response.status_code == 403, url


def test_the_page_carries_anti_framing_and_no_sniff_headers(tmp_path):
    with serving(tmp_path, users=f"{USER}:{PASSWORD}") as served:
        anonymous = served.client()
        responses = [anonymous.get("/"), anonymous.get("/config"), anonymous.get("/doc/0000/view"),
                     served.client(USER, PASSWORD).get("/")]
    for response in responses:
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "SAMEORIGIN"


def test_nothing_about_the_server_is_shown_before_login(tmp_path):
    """The login page embeds no API description and no server path; /config and /gradio_api/info want a login."""
    with serving(tmp_path, users=f"{USER}:{PASSWORD}") as served:
        anonymous = served.client()
        page = anonymous.get("/").text
        config = anonymous.get("/config")
        info = anonymous.get("/gradio_api/info")
        logged = served.client(USER, PASSWORD)
        full_page = logged.get("/").text
        full_config = logged.get("/config").text
    assert config.status_code == 401 and info.status_code == 401
    assert "respond" not in page and "named_endpoints" not in page
    for path in (str(tmp_path), str(Path.cwd()), "/work", "/root", "evals/"):
        assert path not in page, path
    assert "respond" in full_page  # logged in, the page works as before
    assert str(tmp_path) not in full_config  # the trainer's question sets are offered by name, not server path
    json.loads(full_config)
