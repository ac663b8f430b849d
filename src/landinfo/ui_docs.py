"""HTTP routes that serve indexed source documents by doc_id: the file itself, or its text with a passage marked.

Nothing else on disk can be reached: the id is looked up in the manifest, never joined to a path.
"""
from __future__ import annotations

from typing import Callable

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from .pdf_view import render_page_view, too_large_svg

from .errors import LandinfoError
from .sources import Focus, SourceLibrary, parse_focus, render_document, text_link

# The rendered text is inert: no scripts, nothing fetched, not embeddable elsewhere.
_VIEW_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# The full-page view of a PDF page: its one image comes from this server, nothing else is fetched or run.
_PAGE_VIEW_HEADERS = {**_VIEW_HEADERS, "Content-Security-Policy":
                      "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"}
# A rendered page may be kept by this browser for a while (the sources panel shows it again with every answer).
_IMAGE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
# What stands in for a page too large to render: a picture, inert even when opened on its own.
_SVG_HEADERS = {**_IMAGE_HEADERS, "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
_FILE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox", "Cache-Control": "no-store"}


def doc_router(library: SourceLibrary, allowed: Callable[[Request], bool] = lambda request: True,
               prefix: str = "/doc") -> APIRouter:
    """Routes under `prefix`; `allowed(request)` says whether the requester is logged in."""
    router = APIRouter()

    def refuse(request: Request) -> Response | None:
        if not allowed(request):
            return PlainTextResponse("Log in first.", status_code=401)
        return None

    def indexed_document(doc_id: str, request: Request):
        """(document, None) for a logged-in request for an indexed document, else (None, the refusal)."""
        denied = refuse(request)
        if denied:
            return None, denied
        doc = library.get(doc_id)
        if doc is None:
            return None, PlainTextResponse("Not found.", status_code=404)
        return doc, None

    @router.get(prefix + "/{doc_id}/file")
    def original(doc_id: str, request: Request):
        doc, refusal = indexed_document(doc_id, request)
        if refusal:
            return refusal
        media = "application/pdf" if doc.is_pdf else "application/octet-stream"
        if doc.path.suffix.lower() in (".txt", ".md", ".markdown"):
            media = "text/plain; charset=utf-8"
        disposition = "inline" if doc.is_pdf or media.startswith("text/") else "attachment"
        return FileResponse(doc.path, media_type=media,
                            filename=doc.path.name, content_disposition_type=disposition, headers=_FILE_HEADERS)

    @router.get(prefix + "/{doc_id}/view")
    def view(doc_id: str, request: Request, u: str | None = None, p: str | None = None, q: str | None = None,
             lang: str = "en"):
        doc, refusal = indexed_document(doc_id, request)
        if refusal:
            return refusal
        try:
            units = library.units(doc)
        except LandinfoError as exc:
            return PlainTextResponse(f"The document cannot be read: {exc}", status_code=500)
        focus = parse_focus(u, p, q)
        if focus is not None and focus.unit >= len(units):
            focus = None
        page = render_document(doc, units, focus, library.changed_since_indexed(doc),
                               "sv" if lang == "sv" else "en", prefix)
        return HTMLResponse(page, headers=_VIEW_HEADERS)

    @router.get(prefix + "/{doc_id}/page/{number}.jpg")
    def page_image(doc_id: str, number: int, request: Request, lang: str = "en"):
        doc, refusal = indexed_document(doc_id, request)
        if refusal:
            return refusal
        if not (doc.is_pdf and 0 < number < 100_000):
            return PlainTextResponse("No such page.", status_code=404)
        image = library.pages.image(doc.path, number)
        if image is None and library.pages.too_large(doc.path, number):
            return Response(too_large_svg(number, "sv" if lang == "sv" else "en"), media_type="image/svg+xml",
                            headers=_SVG_HEADERS)
        if image is None:
            return PlainTextResponse("No such page.", status_code=404)
        return Response(image, media_type="image/jpeg", headers=_IMAGE_HEADERS)

    @router.get(prefix + "/{doc_id}/page")
    def page_view(doc_id: str, request: Request, n: int = 1, u: str | None = None, q: str | None = None,
                  lang: str = "en"):
        """The page `n` of a PDF, the quotes `q` (spans of unit `u`'s text, as the text view takes them) marked."""
        doc, refusal = indexed_document(doc_id, request)
        if refusal:
            return refusal
        language = "sv" if lang == "sv" else "en"
        if not doc.is_pdf:
            return PlainTextResponse("Not a PDF.", status_code=404)
        pages = library.pages.page_count(doc.path)
        if not 1 <= n <= pages:
            return PlainTextResponse("No such page.", status_code=404)
        focus = parse_focus(u, None, q)
        quotes: list[str] = []
        if focus is not None:
            try:
                units = library.units(doc)
            except LandinfoError:
                units = ()
            if focus.unit < len(units):
                text = units[focus.unit].text
                quotes = [text[s:e] for s, e in focus.quotes if e <= len(text)]
            else:
                focus = None
        marked = library.marks(doc, n, quotes)
        text_view = text_link(doc_id, Focus(focus.unit, None, focus.quotes) if focus else None, language, prefix)
        page = render_page_view(doc, n, pages, marked, bool(quotes), language,
                                prefix, text_view)
        return HTMLResponse(page, headers=_PAGE_VIEW_HEADERS)

    return router
