"""Who may send what to the chat server (real `landinfo serve` on loopback): a page on another origin may not post to
it (CSRF; a page at another localhost port included), a host name that is not the server's gets no answer (DNS
rebinding), the queue's reset, cancel and heartbeat need the login like the rest, and X-Forwarded-For counts only
from a configured proxy (else rotating it dodges the per-address login back-off)."""
from __future__ import annotations

import uuid
from contextlib import closing
from urllib.parse import urlsplit

import httpx
import pytest

from served import serving

USER, PASSWORD = "anna", "anna-secret-1"
FOREIGN_ORIGINS = ("http://evil.example", "null", "http://localhost:9", "http://127.0.0.1:9", "https://127.0.0.1")
FOREIGN_HOSTS = ("evil.example", "evil.example:7860", "127.0.0.1.evil.example", "localhost.evil.example")
PUBLIC_HOST = "coi.example.org"


def _from(address: str, url: str) -> httpx.Client:
    """A client whose connections come from `address` (any 127.x.y.z is loopback on Linux)."""
    return httpx.Client(base_url=url, timeout=30, transport=httpx.HTTPTransport(local_address=address))


def _upload(client: httpx.Client, marker: str, **headers) -> httpx.Response:
    return client.post("/gradio_api/upload", files={"files": ("set.yaml", f"name: {marker}\n".encode())},
                       headers=headers)


def _join(client: httpx.Client, **headers) -> httpx.Response:
    return client.post("/gradio_api/queue/join", headers=headers,
                       json={"data": [], "fn_index": 0, "session_hash": uuid.uuid4().hex[:11]})


def _holding(marker: str, served) -> list[str]:
    return [str(p) for p in served.scratch.rglob("*") if p.is_file() and marker.encode() in p.read_bytes()]


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    """The default setup: loopback, no logins."""
    with serving(tmp_path_factory.mktemp("origin")) as served:
        yield served


@pytest.fixture(scope="module")
def login_server(tmp_path_factory):
    with serving(tmp_path_factory.mktemp("gate"), users=f"{USER}:{PASSWORD}",
                 env_extra={"LANDINFO_LOGIN_BACKOFF_S": "30"}) as served:
        yield served


def test_a_page_on_another_origin_cannot_upload_or_join_the_queue(open_server):
    marker = f"cross-{uuid.uuid4().hex}"
    with open_server.client() as client:
        for origin in FOREIGN_ORIGINS:
            assert _upload(client, marker, Origin=origin).status_code == 403, origin
            assert _join(client, Origin=origin).status_code == 403, origin
        # a form post whose browser sent no Origin but a Referer (older browsers)
        assert _upload(client, marker, Referer="http://evil.example/page.html").status_code == 403
        # gradio answers CORS for any localhost origin with credentials: the reply must not be readable either
        read = client.get("/config", headers={"Origin": "http://localhost:9"})
        assert read.status_code == 403 and "access-control-allow-origin" not in read.headers
    assert _holding(marker, open_server) == []


def test_the_page_itself_and_scripts_without_origin_still_upload(open_server):
    marker = f"same-{uuid.uuid4().hex}"
    port = urlsplit(open_server.url).port
    with open_server.client() as client:
        assert _upload(client, marker, Origin=open_server.url).status_code == 200
        assert _upload(client, marker, Referer=open_server.url + "/?view=api").status_code == 200
        assert _upload(client, marker).status_code == 200  # curl, gradio_client: no browser, no Origin
        local = client.post("/gradio_api/upload", files={"files": ("set.yaml", f"name: {marker}\n".encode())},
                            headers={"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"})
        assert local.status_code == 200
    assert _holding(marker, open_server)  # (one copy: gradio keeps one file per content)


def test_a_foreign_host_name_gets_no_page_and_no_api_description(open_server):
    with open_server.client() as client:
        for host in FOREIGN_HOSTS:
            for path in ("/", "/config", "/gradio_api/info", "/gradio_api/info?all_endpoints=true"):
                response = client.get(path, headers={"Host": host})
                assert 400 <= response.status_code < 500, (host, path, response.status_code)
                assert "named_endpoints" not in response.text and "dependencies" not in response.text
                assert "gradio_api_info" not in response.text
            assert _join(client, Host=host).status_code >= 400
        port = urlsplit(open_server.url).port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost"):
            assert client.get("/gradio_api/info", headers={"Host": host}).status_code == 200, host


def test_a_public_name_is_served_only_when_configured(tmp_path):
    with serving(tmp_path, env_extra={"LANDINFO_PUBLIC_HOSTS": f"{PUBLIC_HOST}, intranet-coi"}) as served:
        with served.client() as client:
            assert client.get("/config", headers={"Host": PUBLIC_HOST}).status_code == 200
            assert client.get("/config", headers={"Host": "INTRANET-COI:443"}).status_code == 200
            assert _upload(client, "x", Host=PUBLIC_HOST, Origin=f"http://{PUBLIC_HOST}").status_code == 200
            assert _upload(client, "x", Host=PUBLIC_HOST, Origin="http://evil.example").status_code == 403
            assert client.get("/config", headers={"Host": "evil.example"}).status_code == 400


def test_reset_cancel_and_heartbeat_need_the_login(login_server):
    session = uuid.uuid4().hex[:11]
    cancel = {"session_hash": session, "fn_index": 0, "event_id": "e" * 32}
    with login_server.client() as anonymous:
        assert anonymous.post("/gradio_api/reset", json={"event_id": "e" * 32}).status_code in (401, 403)
        assert anonymous.post("/gradio_api/cancel", json=cancel).status_code in (401, 403)
        with anonymous.stream("GET", f"/gradio_api/heartbeat/{session}", timeout=10) as heartbeat:
            assert heartbeat.status_code in (401, 403)
        assert anonymous.get("/").status_code == 200  # the login page itself
    with closing(login_server.client(USER, PASSWORD)) as officer:
        assert officer.post("/gradio_api/reset", json={"event_id": "e" * 32}).status_code == 200
        assert officer.post("/gradio_api/cancel", json=cancel).status_code == 200
        with officer.stream("GET", f"/gradio_api/heartbeat/{session}", timeout=10) as heartbeat:
            assert heartbeat.status_code == 200


def test_a_rotated_x_forwarded_for_does_not_dodge_the_address_back_off(tmp_path):
    """Six wrong logins, each for another (unknown) user and with another X-Forwarded-For, from 127.0.0.1 (a proxy
    uvicorn believes by default): the sixth waits, because without a configured proxy the address is the connection's."""
    with serving(tmp_path, users=f"{USER}:{PASSWORD}", env_extra={"LANDINFO_LOGIN_BACKOFF_S": "30"}) as served:
        with served.client() as client:
            said = [client.post("/login", data={"username": f"ghost{i}", "password": "guess"},
                                headers={"X-Forwarded-For": f"10.9.8.{i}"}) for i in range(6)]
    assert [r.status_code for r in said] == [400] * 6
    assert "Too many failed logins" not in said[4].text
    assert "Too many failed logins" in said[5].text
    assert "from 127.0.0.1" in served.output() and "from 10.9.8." not in served.output()


def test_a_configured_proxy_is_trusted_for_the_client_address(tmp_path):
    with serving(tmp_path, users=f"{USER}:{PASSWORD}",
                 env_extra={"LANDINFO_FORWARDED_ALLOW_IPS": "127.0.0.1", "LANDINFO_LOGIN_BACKOFF_S": "30"}) as served:
        with served.client() as proxy:
            said = [proxy.post("/login", data={"username": f"ghost{i}", "password": "guess"},
                               headers={"X-Forwarded-For": "10.9.8.7"}) for i in range(6)]
            other = proxy.post("/login", data={"username": "ghost9", "password": "guess"},
                               headers={"X-Forwarded-For": "10.9.8.99"})
    assert "Too many failed logins" in said[5].text  # the forwarded address is the one held back
    assert "Too many failed logins" not in other.text  # another client behind the proxy is not
    assert "from 10.9.8.7" in served.output()
