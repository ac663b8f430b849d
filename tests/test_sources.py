"""Source documents: only indexed corpus files are shown, with the cited passage marked where it stands."""
from __future__ import annotations

import html
import http.client
import shutil
import socket
import threading
import time

import pytest
import uvicorn
from fastapi import FastAPI

from conftest import DEMO_CORPUS
from landinfo.ingest import document_id, ingest
from landinfo.records import Filters
from landinfo.retrieve import Retriever
from landinfo.sources import Focus, SourceLibrary, highlight, parse_focus, render_document, text_link
from landinfo.store import Store
from landinfo.ui_docs import doc_router

SECRET = "TOPSECRET-outside-the-corpus"
REPORT = """---
title: Testland report
type: coi
country: Veldoria
date: 2025-01-10
---
# Testland report

## 1. Security

The security service detained 40 journalists in 2024. Most were released within a week.

A line with markup that must stay text: <script>alert("x")</script> & <b>bold</b>.

## 2. Returnees

Returnees are questioned at the airport about their reasons for leaving and their activities abroad.
"""


@pytest.fixture
def corpus(tmp_path, fake_settings):
    root = tmp_path / "corpus"
    (root / "coi").mkdir(parents=True)
    (root / "coi" / "testland.md").write_text(REPORT, encoding="utf-8")
    shutil.copy(DEMO_CORPUS / "coi" / "veldoria-coi-2026.pdf", root / "coi" / "veldoria-coi-2026.pdf")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{SECRET}\n\nThe password of the server is hunter2 and more words here.\n")
    (root / "coi" / "leak.txt").symlink_to(outside / "secret.txt")
    (root / "coi" / "minority.html").write_text(
        "<html><head><title>Minority report</title><script>steal()</script></head><body><article>"
        "<h1>Minority report</h1><p>Identity cards record the holder's ethnicity &amp; religion since 2021.</p>"
        "<p>Landlords use the entry &lt;script&gt; to refuse tenants.</p></article></body></html>", encoding="utf-8")
    from docx import Document

    docx = Document()
    docx.add_heading("Court decision", level=1)
    docx.add_paragraph("The court found that the applicant could not be required to submit the summons in original.")
    (root / "case").mkdir()
    docx.save(root / "case" / "decision.docx")
    ingest(root, fake_settings, progress=False)
    store = Store.open(fake_settings)
    yield root, store
    store.close()


def _ids(store) -> dict[str, str]:
    return {rec.source: rec.doc_id for rec in store.manifest.records().values()}


def test_indexed_files_are_found_by_id_and_a_symlink_out_of_the_corpus_is_not(corpus):
    root, store = corpus
    library = SourceLibrary(store.manifest.records)
    ids = _ids(store)
    report = library.get(ids["coi/testland.md"])
    assert report is not None and report.path == (root / "coi" / "testland.md").resolve()
    assert library.get(ids["coi/veldoria-coi-2026.pdf"]).is_pdf
    leak_id = ids.get("coi/leak.txt", document_id(root / "coi" / "leak.txt"))
    assert library.get(leak_id) is None
    for bad in ("", "../../etc/passwd", "/etc/passwd", "0" * 16, ids["coi/testland.md"].upper(), None):
        assert library.get(bad) is None


def test_a_retrieved_passage_opens_at_its_place_in_its_document(corpus, fake_settings):
    _, store = corpus
    library = SourceLibrary(store.manifest.records)
    passage = next(p for p in Retriever(fake_settings, store).retrieve("journalists detained security service", k=10)
                   if p.source == "coi/testland.md" and "40 journalists" in p.text)
    unit = library.locate(passage)
    assert unit is not None
    units = library.units(library.get(passage.doc_id))
    assert units[unit].text[passage.start:passage.end] == passage.text

    quote_start = units[unit].text.index("The security service detained")
    quote = (quote_start, quote_start + len("The security service detained 40 journalists in 2024."))
    focus = Focus(unit, (passage.start, passage.end), (quote,))
    link = library.link(passage.doc_id, None, focus)
    assert link.startswith(f"/doc/{passage.doc_id}/view?") and link.endswith("#passage")
    assert parse_focus(*(dict(pair.split("=") for pair in link.split("?")[1].split("#")[0].split("&")).get(k)
                         for k in ("u", "p", "q"))) == focus

    page = render_document(library.get(passage.doc_id), units, focus)
    assert '<span class="passage" id="passage">' in page
    assert "<mark>The security service detained 40 journalists in 2024.</mark>" in page
    assert "&lt;script&gt;alert" in page and "<script>" not in page


@pytest.mark.parametrize("source, quote", [
    ("coi/testland.md", "Returnees are questioned at the airport"),
    ("coi/minority.html", "Identity cards record the holder's ethnicity & religion since 2021."),
    ("case/decision.docx", "could not be required to submit the summons in original"),
    ("coi/veldoria-coi-2026.pdf", "Veldorian Press Freedom Watch recorded the detention of 63 journalists in 2025"),
])
def test_every_format_renders_as_inert_text_with_the_quote_marked(corpus, source, quote):
    _, store = corpus
    library = SourceLibrary(store.manifest.records)
    doc = library.by_source(source)
    unit, span = library.find_quote(doc, quote)
    page = render_document(doc, library.units(doc), Focus(unit, None, (span,)))
    assert f'<mark id="passage">{html.escape(quote)}</mark>' in page
    assert "<script" not in page.split("</style>", 1)[1] and "steal()" not in page


def test_a_pdf_opens_in_the_browsers_viewer_at_its_page(corpus, fake_settings):
    _, store = corpus
    library = SourceLibrary(store.manifest.records)
    pdf_id = _ids(store)["coi/veldoria-coi-2026.pdf"]
    passage = next(p for p in Retriever(fake_settings, store).retrieve("journalists detained 2025", Filters(), k=20)
                   if p.doc_id == pdf_id and p.page)
    assert library.link(pdf_id, passage.page) == f"/doc/{pdf_id}/file#page={passage.page}"
    assert library.locate(passage) is not None


def test_a_quote_from_a_question_set_is_found_across_line_breaks(corpus):
    _, store = corpus
    library = SourceLibrary(store.manifest.records)
    doc = library.by_source("testland.md")
    unit, (start, end) = library.find_quote(doc, "Returnees are questioned   at the airport")
    assert library.units(doc)[unit].text[start:end] == "Returnees are questioned at the airport"
    assert library.by_source("land.md") is None  # whole path components only


def test_highlight_nests_quotes_inside_the_passage_and_escapes_text():
    text = "<b>one</b> two three four five"
    out = highlight(text, (3, 25), [(0, 8), (11, 14), (13, 18)])  # the first quote starts before the passage
    assert out == ('&lt;b&gt;<span class="passage"><mark>one&lt;/</mark>b&gt; <mark>two thr</mark>ee four'
                   '</span> five')
    assert highlight("abc def", None, [(4, 7)], anchor="passage") == 'abc <mark id="passage">def</mark>'
    assert parse_focus("3", "10-2", "1-2,x,5-9") == Focus(3, None, ((1, 2), (5, 9)))
    assert parse_focus("../1", "1-2", None) is None
    assert text_link("abcdef0123456789", None) == "/doc/abcdef0123456789/view"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def doc_server(corpus):
    _, store = corpus
    library = SourceLibrary(store.manifest.records)
    app = FastAPI()
    app.include_router(doc_router(library))
    locked = FastAPI()
    locked.include_router(doc_router(library, allowed=lambda request: False))
    servers = []
    for application in (app, locked):
        server = uvicorn.Server(uvicorn.Config(application, host="127.0.0.1", port=_free_port(), log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        servers.append(server)
    deadline = time.time() + 10
    while not all(s.started for s in servers) and time.time() < deadline:
        time.sleep(0.05)
    yield [s.config.port for s in servers], _ids(store), corpus[0]
    for server in servers:
        server.should_exit = True


def _get(port: int, raw_path: str) -> tuple[int, dict, bytes]:
    """GET with the path sent exactly as written: no client-side normalisation of '..' or '%2e'."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest("GET", raw_path, skip_accept_encoding=True)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), body


def test_documents_are_served_over_http_by_id(doc_server):
    (port, _), ids, _ = doc_server
    status, headers, body = _get(port, f"/doc/{ids['coi/veldoria-coi-2026.pdf']}/file")
    assert status == 200 and headers["content-type"] == "application/pdf" and body.startswith(b"%PDF")
    status, headers, body = _get(port, f"/doc/{ids['coi/testland.md']}/view?u=1&p=0-40&q=0-20")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "script-src" not in headers["content-security-policy"] and "default-src 'none'" in headers["content-security-policy"]
    assert b"<mark" in body and b"Testland report" in body


@pytest.mark.parametrize("path", [
    "/doc/../../etc/passwd",
    "/doc/../../../../etc/passwd/file",
    "/doc/..%2f..%2f..%2fetc%2fpasswd/file",
    "/doc/%2e%2e%2f%2e%2e%2fetc%2fpasswd/file",
    "/doc/%252e%252e%252f%252e%252e%252fetc%252fpasswd/file",
    "/doc/%2fetc%2fpasswd/file",
    "/doc//etc/passwd/file",
    "/doc/etc/passwd",
    "/doc/0000000000000000/file",
    "/doc/0000000000000000/view",
    "/etc/passwd",
    "/doc/{leak}/file",
    "/doc/{leak}/view",
    "/doc/{report}/../../../../etc/passwd",
    "/doc/{report}/file/../../../../../etc/passwd",
    "/doc/{report}%2f..%2f..%2f..%2fetc%2fpasswd/file",
])
def test_nothing_outside_the_indexed_corpus_can_be_fetched(doc_server, path):
    (port, _), ids, root = doc_server
    leak = ids.get("coi/leak.txt", document_id(root / "coi" / "leak.txt"))
    status, _, body = _get(port, path.format(leak=leak, report=ids["coi/testland.md"]))
    assert status == 404
    assert b"root:" not in body and SECRET.encode() not in body and b"hunter2" not in body


def test_documents_need_a_login_when_the_app_has_users(doc_server):
    (_, locked_port), ids, _ = doc_server
    status, _, body = _get(locked_port, f"/doc/{ids['coi/testland.md']}/view")
    assert status == 401 and b"Testland" not in body
