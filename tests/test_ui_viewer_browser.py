"""The source viewer as a case officer uses it (issue #15), in Debian chromium driven by Playwright against
`python app.py` on loopback with a login: a PDF citation shows its page with the quote marked where the PDF has
the text, a publisher the data file does not know says "no description", the Corpus tab lists the reference
corpus's countries, Enter asks, markers open their source from the keyboard, and the page fits 1280x800 and
1920x1080. Screenshots go to the test's tmp folder (printed), as artefacts to look at."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import DEMO_CORPUS, REPO, needs_shared
from test_ui_browser import (ANSWER_TIMEOUT, CHROMIUM_ARGS, CHROMIUM, PASSWORD, USER, _free_port, _log_in,
                             _wait_for_log, _wait_until_serving)

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api")

DIO = "What does the Directorate of Internal Order do?"  # cited from the demo PDF, page 2
DIO_QUOTE = "(DIO) is the state security service"  # part of the quoted sentence: its heading repeats the rest
RETURNEES = "Vad händer med personer som återvänder till Veldoria med nödpass?"  # cites the 2022 Swedish report
UNKNOWN_PUBLISHER = "Institute of Nowhere Studies"


def _serve(index_dir: Path, folder: Path, model: str | None = None):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDINFO_")}
    env.update(LANDINFO_INDEX_DIR=str(index_dir), LANDINFO_HOST="127.0.0.1", LANDINFO_PORT=str(port),
               LANDINFO_FEEDBACK_DIR=str(folder / "feedback"), LANDINFO_USERS=f"{USER}:{PASSWORD}",
               GRADIO_TEMP_DIR=str(folder / "gradio"))
    if model:
        env["LANDINFO_EMBEDDING_MODEL"] = model
    log = (folder / "server.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    _wait_until_serving(f"http://127.0.0.1:{port}/", proc)
    serving = time.perf_counter() - started
    _wait_for_log(folder / "server.log", "landinfo: ready in")
    print(f"\n{index_dir.name}: app serves after {serving:.1f} s, warm (first answer computed) after "
          f"{time.perf_counter() - started:.1f} s")
    return proc, log, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory) -> Path:
    """The demo corpus with one report's publisher changed to one the publishers file does not know."""
    corpus = tmp_path_factory.mktemp("viewer") / "corpus"
    shutil.copytree(DEMO_CORPUS, corpus, ignore=shutil.ignore_patterns("src"))
    sidecar = corpus / "coi" / "veldoria-aterkomst-2022.md.meta.yaml"
    sidecar.write_text(yaml.safe_dump({"publisher": UNKNOWN_PUBLISHER}), encoding="utf-8")
    return corpus


@pytest.fixture(scope="module")
def server(demo_copy):
    """The chat over that copy, indexed with the real model (the answerer's evidence needs real similarities)."""
    from landinfo.ingest import ingest
    from landinfo.settings import Settings

    folder = demo_copy.parent
    settings = Settings(index_dir=folder / "index")
    ingest(demo_copy, settings, progress=False)
    proc, log, url = _serve(settings.index_dir, folder)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser(chromium_browser):
    return chromium_browser


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("viewer-screenshots")
    print(f"\nscreenshots: {folder}")
    return folder


def _page(browser, url: str, width: int = 1440, height: int = 1000):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    _log_in(page, url, PASSWORD)
    page.locator("#question textarea").wait_for(timeout=60_000)
    return context, page


def _ask_with_enter(page, question: str) -> None:
    done_before = page.locator("#chat .answer-meta").count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#chat .answer-meta').length > {done_before}",
                           timeout=ANSWER_TIMEOUT)
    page.locator("#sources-panel details.turn").nth(0).wait_for()


def _pdf_box(path: Path, page_number: int, text: str) -> tuple[float, float, float, float]:
    """Where PDFium has `text` on the page, as fractions of the page with a top-left origin (the first line)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[page_number - 1]
        left, bottom, right, top = page.get_bbox()
        text_page = page.get_textpage()
        first, count = text_page.search(text).get_next()
        boxes = [text_page.get_charbox(i) for i in range(first, first + count)]
    finally:
        pdf.close()
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
    width, height = right - left, top - bottom
    return ((x0 - left) / width, (top - y1) / height, (x1 - left) / width, (top - y0) / height)


def _wait_until(page, expression: str, timeout_s: float = 30.0) -> None:
    """Poll `expression` from outside the page: the full-page view's CSP (default-src 'none') forbids the eval that
    Playwright's in-page polling of wait_for_function needs once the first check fails (seen under load)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true within {timeout_s:.0f} s: {expression}"
        time.sleep(0.1)


def _fractions(page, mark_selector: str, sheet_selector: str) -> tuple[float, float, float, float]:
    """A mark's box in the browser as fractions of its page sheet (the rendered page image)."""
    return tuple(page.evaluate("""([mark, sheet]) => {
        const m = document.querySelector(mark).getBoundingClientRect();
        const s = document.querySelector(sheet).getBoundingClientRect();
        return [(m.left - s.left) / s.width, (m.top - s.top) / s.height,
                (m.right - s.left) / s.width, (m.bottom - s.top) / s.height];
    }""", [mark_selector, sheet_selector]))


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_a_pdf_citation_shows_its_page_with_the_quote_marked_over_the_pdfs_text(browser, server, demo_copy, shots):
    context, page = _page(browser, server)
    try:
        started = time.perf_counter()
        _ask_with_enter(page, DIO)  # Enter asks
        print(f"\nfirst answer in the browser after start: {time.perf_counter() - started:.1f} s")
        card = page.locator("#sources-panel article.card", has=page.locator("figure.pdf-pages")).first
        card.wait_for()
        assert "Fictional Country Information Desk" in card.inner_text()
        page.wait_for_function("""() => { const img = document.querySelector('#sources-panel .page-sheet img');
                                          return img && img.complete && img.naturalWidth > 0; }""", timeout=30_000)
        assert page.locator("#sources-panel figure.pdf-pages .hl").count() >= 1
        sheet = "#sources-panel figure.pdf-pages .page-sheet"
        marked = _fractions(page, f"{sheet} .hl", sheet)
        expected = _pdf_box(demo_copy / "coi" / "veldoria-coi-2026.pdf", 2, DIO_QUOTE)
        assert _overlaps(marked, expected), (marked, expected)
        # the window onto the page shows the mark, not the top of the page
        window = page.locator("#sources-panel .page-window").first.bounding_box()
        mark = page.locator(f"{sheet} .hl").first.bounding_box()
        assert window["y"] <= mark["y"] and mark["y"] + mark["height"] <= window["y"] + window["height"]
        card.screenshot(path=shots / "pdf-card.png")
        # the full-page view, opened from the card, marks the same place at full width
        href = page.locator("#sources-panel a.page-window").first.get_attribute("href")
        full = context.new_page()
        full.goto(server + href)
        _wait_until(full, "(document.querySelector('.page-sheet img') || {naturalWidth: 0}).naturalWidth > 0")
        assert _overlaps(_fractions(full, "#quote", ".page-sheet"), expected)
        assert full.locator("header a").first.get_attribute("href").endswith("/file#page=2")
        full.screenshot(path=shots / "pdf-full-page.png", full_page=True)
    finally:
        context.close()


def test_an_unknown_publisher_says_no_description(browser, server, shots):
    context, page = _page(browser, server)
    try:
        _ask_with_enter(page, RETURNEES)
        card = page.locator("#sources-panel article.card", has_text=UNKNOWN_PUBLISHER).first
        card.wait_for(timeout=10_000)
        assert "no description" in card.locator(".publisher").inner_text()
        known = page.locator("#sources-panel article.card", has_text="Fictional Country Information Desk").first
        if known.count():
            assert "no description" not in known.locator(".publisher").inner_text()
        card.screenshot(path=shots / "unknown-publisher.png")
    finally:
        context.close()


def test_markers_open_their_source_from_the_keyboard(browser, server):
    context, page = _page(browser, server)
    try:
        _ask_with_enter(page, DIO)
        marker = page.locator("#chat a.cite").first
        marker.focus()
        assert page.evaluate("document.activeElement.classList.contains('cite')")
        target = (marker.get_attribute("href") or "").lstrip("#")  # the chat's sanitiser keeps href, not data-
        page.keyboard.press("Enter")
        page.wait_for_function(f"document.getElementById('{target}').classList.contains('flash')", timeout=5_000)
        assert page.url.rstrip("/").count("#") == 0  # the chat stays; no new tab, no navigation
    finally:
        context.close()


@pytest.mark.parametrize("width, height", [(1280, 800), (1920, 1080)])
def test_the_layout_fits_the_screen(browser, server, shots, width, height):
    context, page = _page(browser, server, width, height)
    try:
        _ask_with_enter(page, DIO)
        page.wait_for_timeout(500)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow} px wider than a {width} px window"
        for selector in ("#question textarea", "#sources-panel", "#filter-since input"):
            box = page.locator(selector).first.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, selector
        assert page.locator("#question textarea").bounding_box()["y"] < height  # the question box is on screen
        since = page.locator("#filter-since input")
        assert since.count() == 1  # a single-line input, not a text area
        assert "2024-06-30" in page.locator("#filter-since").inner_text()  # the date hint
        page.screenshot(path=shots / f"layout-{width}x{height}.png")
    finally:
        context.close()


@needs_shared
def test_the_corpus_tab_lists_the_reference_corpus_countries(browser, shared_settings, tmp_path, shots):
    questions = yaml.safe_load((REPO / "evals" / "reference.yaml").read_text(encoding="utf-8"))["questions"]
    countries = {q["country"] for q in questions if q.get("country")}
    assert len(countries) >= 5
    proc, log, url = _serve(shared_settings.index_dir, tmp_path)
    try:
        context, page = _page(browser, url, 1920, 1080)
        status = page.locator("#corpus-status .status")
        status.wait_for(timeout=60_000)
        assert " documents · " in status.inner_text() and "countries" in status.inner_text()
        page.get_by_role("tab", name="Corpus").click()
        table = page.locator("#corpus-overview table.countries")
        table.wait_for(timeout=30_000)
        listed = set(table.locator("tbody tr td:first-child").all_inner_texts())
        assert countries <= listed, countries - listed
        assert page.locator("#corpus-overview svg.timeline circle").count() > 10
        page.screenshot(path=shots / "corpus-tab.png", full_page=True)
        context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
        time.sleep(0)
