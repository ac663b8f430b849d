"""A crafted PDF page cannot exhaust memory: a cited page is rendered within LANDINFO_MAX_PAGE_PIXELS (scaled down
to fit), and a page that cannot be shown even so (3 x 14,400 pt: a sliver 200,000 pixels tall) is served as a
"page too large" picture in the reader's language, not a 500 (issue #20, finding 6). Real PDFs made with
reportlab, a real ingest, the real document routes on loopback, the render's memory measured in its own process."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time

import pytest
import uvicorn
from fastapi import FastAPI
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from landinfo.ingest import ingest
from landinfo.pdf_pages import PdfPages
from landinfo.settings import Settings
from landinfo.sources import SourceLibrary
from landinfo.store import Store
from landinfo.ui_docs import doc_router
from measured import PEAK_MB
from test_sources import _free_port, _get

SLIVER, TALL = (3, 14_400), (250, 14_400)  # points; 14,400 is the most a PDF page may measure
CAP = Settings().max_page_pixels


def _crafted(path):
    """Page 1 an ordinary A4 report page, page 2 a 3 x 14,400 pt sliver, page 3 a 250 x 14,400 pt strip."""
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    pdf.setFont("Helvetica", 11)
    pdf.drawString(72, 760, "Returnees are questioned at the airport about their reasons for leaving.")
    for size in (SLIVER, TALL):
        pdf.showPage()
        pdf.setPageSize(size)
        pdf.setFont("Helvetica", 2)
        pdf.drawString(0, size[1] - 20, "Detention of journalists was reported in the northern provinces.")
    pdf.save()
    return path


def test_rendering_a_page_14400_points_tall_stays_within_the_pixel_cap_and_its_memory(tmp_path):
    pdf = _crafted(tmp_path / "crafted.pdf")
    script = PEAK_MB + (
        "import io, json, sys\n"
        "from PIL import Image\n"
        "from pathlib import Path\nfrom landinfo.pdf_pages import PdfPages\n"
        "image = PdfPages().image(Path(sys.argv[1]), 3)\n"
        "size = Image.open(io.BytesIO(image)).size\n"
        "print(json.dumps({'size': size, 'peak_mb': peak_mb()}))\n")
    done = subprocess.run([sys.executable, "-c", script, str(pdf)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    measured = json.loads(done.stdout)
    width, height = measured["size"]
    print(f"render of the {TALL[0]} x {TALL[1]} pt page: {width} x {height} px, peak RSS {measured['peak_mb']:.0f} MB")
    assert width * height <= CAP
    assert height / width == pytest.approx(TALL[1] / TALL[0], rel=0.02)  # scaled down, not cut off or squashed
    assert measured["peak_mb"] < 300  # before the cap: 758 MB for this page


def test_a_sliver_page_is_refused_without_rendering_and_an_ordinary_page_is_unchanged(tmp_path):
    pdf = _crafted(tmp_path / "crafted.pdf")
    pages = PdfPages(max_pixels=CAP)
    assert pages.too_large(pdf, 2) and not pages.too_large(pdf, 1) and not pages.too_large(pdf, 3)
    started = time.perf_counter()
    assert pages.image(pdf, 2) is None
    assert time.perf_counter() - started < 2
    ordinary = Image.open(io.BytesIO(pages.image(pdf, 1)))
    assert ordinary.width == 1100
    small = Image.open(io.BytesIO(PdfPages(max_pixels=200_000).image(pdf, 1)))  # a lower cap scales it down
    assert small.width * small.height <= 200_000 and small.width < 1100


@pytest.fixture
def doc_server(tmp_path, fake_settings):
    root = tmp_path / "corpus"
    root.mkdir()
    _crafted(root / "crafted.pdf")
    ingest(root, fake_settings, progress=False)
    store = Store.open(fake_settings)
    app = FastAPI()
    app.include_router(doc_router(SourceLibrary(store.manifest.records, max_page_pixels=CAP)))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.time() + 10
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    (doc_id,) = [r.doc_id for r in store.manifest.records().values() if r.status == "indexed"]
    yield server.config.port, doc_id
    server.should_exit = True
    store.close()


def test_a_page_too_large_to_show_is_said_so_in_the_readers_language_not_a_500(doc_server):
    port, doc_id = doc_server
    status, headers, body = _get(port, f"/doc/{doc_id}/page/2.jpg")
    assert status == 200 and headers["content-type"].startswith("image/svg+xml")
    assert b"too large to show" in body and b"<script" not in body
    assert "default-src 'none'" in headers["content-security-policy"]
    swedish = _get(port, f"/doc/{doc_id}/page/2.jpg?lang=sv")[2].decode()
    assert "för stor för att visas" in swedish
    # the full-page view asks for the picture in its own language; the tall strip is shown as a JPEG
    view = _get(port, f"/doc/{doc_id}/page?n=2&lang=sv")[2].decode()
    assert f'src="/doc/{doc_id}/page/2.jpg?lang=sv"' in view
    status, headers, body = _get(port, f"/doc/{doc_id}/page/3.jpg")
    assert status == 200 and headers["content-type"] == "image/jpeg"
    width, height = Image.open(io.BytesIO(body)).size
    assert width * height <= CAP
