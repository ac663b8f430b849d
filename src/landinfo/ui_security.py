"""What every response of the chat server gets, whatever route made it: anti-framing and no-sniff headers, no
fetching of remote URLs on a client's behalf, and a login page that describes no API. A pure ASGI middleware, so
the queue's event streams pass through unbuffered."""
from __future__ import annotations

import re
from typing import Callable

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


class SecurityMiddleware:
    """`logged_in(request)` says whether a request carries a valid login (always True without users)."""

    def __init__(self, app, logged_in: Callable[[Request], bool]):
        self.app = app
        self.logged_in = logged_in

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        if _REMOTE_FILE.search(path):
            return await _plain(send, 403, b"Remote files are not served.")
        if scope.get("method") in ("GET", "HEAD") and path.rstrip("/") == "" and not self.logged_in(Request(scope)):
            return await self.app(scope, receive, _without_api_info(_with_headers(send)))
        return await self.app(scope, receive, _with_headers(send))


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
