"""What every request to the chat server meets, whatever route it takes: it must name one of the server's own host
names (DNS rebinding), a browser request from another origin is refused (CSRF, and gradio's CORS for any localhost
page), gradio's session routes that skip the login get it here, an upload must fit the scratch quota; and every
response gets anti-framing and no-sniff headers, no remote URL is fetched on a client's behalf, and the login page
describes no API. A pure ASGI middleware, so the queue's event streams pass through unbuffered."""
from __future__ import annotations

import ipaddress
import re
from typing import Callable
from urllib.parse import urlsplit

from starlette.requests import Request

HEADERS = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"SAMEORIGIN",
    b"referrer-policy": b"no-referrer",
}
FRAME_POLICY = b"frame-ancestors 'self'"
# gradio's /file=<url> fetches any public URL for the caller: a way out of this machine, never needed here
_REMOTE_FILE = re.compile(r"/file=[a-zA-Z][a-zA-Z0-9+.-]*:/")
# the page template embeds the whole API description, even on the login page
_API_INFO = re.compile(rb"(gradio_api_info = ).*?(;\s*</script>)", re.S)
_READING = frozenset({"GET", "HEAD", "OPTIONS"})
_LOGIN = frozenset({"/login", "/login/"})
# gradio routes that touch a session (reset and cancel are POSTs) but do not ask for the login themselves
_SESSION_ROUTES = ("/gradio_api/heartbeat/", "/gradio_api/stream/")
_UPLOADS = frozenset({"/gradio_api/upload", "/gradio_api/upload/", "/gradio_api/process_recording"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class ServedHosts:
    """The host names a request may give: loopback ones, the bound address, and the configured public names; any IP
    address when bound to all of them (a rebinding page always gives its own domain name, never an address)."""

    def __init__(self, bound: str, public: str = ""):
        self.any_address = bound.strip("[]") in _WILDCARDS
        self.names = {"localhost", bound.strip("[]").lower(), *(n.strip().lower() for n in public.split(","))} - {""}

    def allows(self, host: str) -> bool:
        name = _hostname(host)
        if not name:
            return False
        if name in self.names:
            return True
        try:
            address = ipaddress.ip_address(name)
        except ValueError:
            return False
        return address.is_loopback or self.any_address


class SecurityMiddleware:
    """`logged_in(request)` says whether a request carries a valid login (always True without users);
    `upload_room()` how many bytes the scratch folder may still take."""

    def __init__(self, app, logged_in: Callable[[Request], bool], hosts: ServedHosts,
                 upload_room: Callable[[], int]):
        self.app = app
        self.logged_in = logged_in
        self.hosts = hosts
        self.upload_room = upload_room

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        refusal = self._refusal(scope)
        if refusal and scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 1008})
        if refusal:
            return await _plain(send, *refusal)
        path = scope.get("path", "")
        if scope.get("method") in ("GET", "HEAD") and path.rstrip("/") == "" and not self.logged_in(Request(scope)):
            return await self.app(scope, receive, _without_api_info(_with_headers(send)))
        return await self.app(scope, receive, _with_headers(send))

    def _refusal(self, scope) -> tuple[int, bytes] | None:
        """(status, text) when the request is refused before any route sees it."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if not self.hosts.allows(host):
            return 400, b"Unknown host."
        method, path = scope.get("method", "GET"), scope.get("path", "")
        origin = headers.get("origin")
        if origin is None and method not in _READING:
            origin = headers.get("referer")  # an older browser's form post: no Origin, but the page it came from
        if origin is not None and _origin(origin) != _origin(f"{scope.get('scheme', 'http')}://{host}"):
            return 403, b"Requests from other sites are not accepted."
        if _REMOTE_FILE.search(path):
            return 403, b"Remote files are not served."
        needs_login = (method not in _READING and path not in _LOGIN) or path.startswith(_SESSION_ROUTES)
        if needs_login and scope["type"] == "http" and not self.logged_in(Request(scope)):
            return 401, b"Log in first."
        if method == "POST" and path in _UPLOADS:
            length = headers.get("content-length", "")
            if not length.isdigit():
                return 411, b"An upload must say its length."
            if int(length) > self.upload_room():
                return 413, b"The server's scratch space is full; try again later or ask the administrator."
        return None


def _hostname(host: str) -> str:
    try:
        return (urlsplit(f"//{host}").hostname or "").rstrip(".")
    except ValueError:
        return ""


def _origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or URL, the port made explicit; None for 'null' or what is no URL."""
    try:
        parts = urlsplit(url.strip())
        scheme = {"ws": "http", "wss": "https"}.get(parts.scheme.lower(), parts.scheme.lower())
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return None
        return scheme, parts.hostname.rstrip("."), parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        return None


def _with_headers(send):
    async def sending(message):
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            headers += [(name, value) for name, value in HEADERS.items() if name not in present]
            if b"content-security-policy" not in present:
                headers.append((b"content-security-policy", FRAME_POLICY))
            message = {**message, "headers": headers}
        await send(message)
    return sending


def _without_api_info(send):
    """Buffer the (small) login page and blank its embedded API description."""
    start: dict = {}
    body = bytearray()

    async def sending(message):
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            return await send(message)
        body.extend(message.get("body", b""))
        if message.get("more_body"):
            return
        page = _API_INFO.sub(rb"\1{}\2", bytes(body))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(page)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": page})
    return sending


async def _plain(send, status: int, text: bytes) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(text)).encode()),
               *HEADERS.items(), (b"content-security-policy", FRAME_POLICY)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": text})
