"""A cited PDF page as an image and the quote's place on it: every sentence the loader reads from a PDF is found
again on its page, the boxes cover the drawn text, letter-spaced and hyphenated lines and a sentence over a page
break included."""
from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from conftest import DEMO_CORPUS, SHARED_CORPUS, needs_shared
from landinfo.loaders import load_file
from landinfo.pdf_pages import PAGE_WIDTH_PX, PdfPages, reduce

DEMO_PDF = DEMO_CORPUS / "coi" / "veldoria-coi-2026.pdf"
WIDTH, HEIGHT = A4


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n\n", text) if len(s) >= 30]


def _overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _drawn_box(x: float, y: float, text: str, size: float = 11) -> tuple[float, float, float, float]:
    """Where reportlab put a line of text, as page fractions with a top-left origin (as PageMarks has them)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return (x / WIDTH, (HEIGHT - y - size) / HEIGHT, (x + stringWidth(text, "Helvetica", size)) / WIDTH,
            (HEIGHT - y + size * 0.3) / HEIGHT)


@pytest.fixture
def repaired_pdf(tmp_path) -> tuple[Path, dict]:
    """Two pages: a letter-spaced heading, a word hyphenated at a line end, and a sentence over the page break."""
    path = tmp_path / "repaired.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    lines = {
        "spaced": (72, 760, "c o n v e n t i o n   o n   r e f u g e e s"),
        "first": (72, 700, "The authorities granted international protec-"),
        "second": (72, 686, "tion to every applicant who was heard in person."),
        "filler": (72, 640, "Nothing else was recorded about the hearings that year."),
        "before_break": (72, 80, "The committee noted that the detention of returnees"),
    }
    pdf.setFont("Helvetica", 11)
    for x, y, text in lines.values():
        pdf.drawString(x, y, text)
    pdf.showPage()
    pdf.setFont("Helvetica", 11)
    after = (72, 760, "continued throughout the following winter months.")
    pdf.drawString(*after)
    pdf.drawString(72, 700, "A second paragraph on this page says something different altogether.")
    pdf.save()
    boxes = {name: _drawn_box(x, y, text) for name, (x, y, text) in lines.items()}
    boxes["after_break"] = _drawn_box(*after)
    return path, boxes


def test_every_sentence_of_the_demo_pdf_is_found_on_its_page_where_pdfium_has_it():
    import pypdfium2 as pdfium

    pages = PdfPages()
    units = load_file(DEMO_PDF).units
    sentences = [(u.page, s) for u in units for s in _sentences(u.text)]
    assert len(sentences) > 50
    missed = [(page, s) for page, s in sentences if not pages.locate(DEMO_PDF, page, s)]
    assert missed == []
    # the boxes lie over the words PDFium itself finds for the sentence's first words
    pdf = pdfium.PdfDocument(str(DEMO_PDF))
    try:
        page, sentence = next((p, s) for p, s in sentences if p == 2)
        words = " ".join(sentence.split()[:3])
        pdf_page = pdf[page - 1]
        text_page = pdf_page.get_textpage()
        searcher = text_page.search(words)
        first, count = searcher.get_next()
        x0, y0, x1, y1 = text_page.get_charbox(first)
        left, bottom, right, top = pdf_page.get_bbox()
        char = ((x0 - left) / (right - left), (top - y1) / (top - bottom), (x1 - left) / (right - left),
                (top - y0) / (top - bottom))
    finally:
        pdf.close()
    marks = pages.locate(DEMO_PDF, page, sentence)
    assert [m.page for m in marks] == [page]
    assert any(_overlaps(box, char) for box in marks[0].boxes)


def test_letter_spacing_and_a_line_end_hyphen_are_found_in_the_drawn_lines(repaired_pdf):
    path, drawn = repaired_pdf
    units = load_file(path).units
    first_page = units[0].text
    assert "convention on refugees" in first_page.lower()  # the loader joined the letters...
    quote = next(s for s in _sentences(first_page) if "protection" in s)  # ...and the hyphenated word
    assert "protec-" not in quote
    marks = PdfPages().locate(path, 1, quote)
    assert [m.page for m in marks] == [1]
    boxes = marks[0].boxes
    assert len(boxes) == 2  # one box a line
    assert _overlaps(boxes[0], drawn["first"]) and _overlaps(boxes[1], drawn["second"])
    assert not any(_overlaps(b, drawn["filler"]) for b in boxes)
    spaced = PdfPages().locate(path, 1, "Convention on refugees")
    assert spaced and _overlaps(spaced[0].boxes[0], drawn["spaced"])


def test_a_quote_over_a_page_break_marks_both_pages(repaired_pdf):
    path, drawn = repaired_pdf
    quote = "The committee noted that the detention of returnees continued throughout the following winter months."
    for cited in (1, 2):  # cited at the page it starts on, or at the one it ends on
        marks = PdfPages().locate(path, cited, quote)
        assert [m.page for m in marks] == [1, 2]
        assert _overlaps(marks[0].boxes[0], drawn["before_break"])
        assert _overlaps(marks[1].boxes[0], drawn["after_break"])


def test_a_quote_that_is_not_on_the_page_is_not_marked(repaired_pdf):
    path, _ = repaired_pdf
    pages = PdfPages()
    assert pages.locate(path, 1, "Asylum seekers were deported without any hearing at all.") == []
    assert pages.locate(path, 9, "The authorities granted international protection") == []
    assert pages.locate(path, 1, "") == []


def test_reduced_text_ignores_case_accents_ligatures_hyphens_and_spacing():
    assert reduce("Ö-ver\u00adens\u2010kom\nmelse, “ﬁnal” É")[0] == reduce("överenskommelse final e")[0]
    assert reduce("c o n v e n t i o n")[0] == "convention"
    key, where = reduce("a ﬁ b")
    assert key == "afib" and where == [0, 2, 2, 4]


def test_a_page_renders_as_a_jpeg_of_the_set_width_and_is_cached():
    pages = PdfPages()
    started = time.perf_counter()
    first = pages.image(DEMO_PDF, 1)
    cold = time.perf_counter() - started
    image = Image.open(io.BytesIO(first))
    assert image.format == "JPEG" and image.width == PAGE_WIDTH_PX
    assert image.height == pytest.approx(PAGE_WIDTH_PX * HEIGHT / WIDTH, rel=0.01)
    started = time.perf_counter()
    assert pages.image(DEMO_PDF, 1) is first
    assert time.perf_counter() - started < cold / 5
    assert pages.image(DEMO_PDF, 99) is None and pages.image(DEMO_PDF, 0) is None


def test_a_corrupt_pdf_is_not_rendered(tmp_path):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nnot really a pdf")
    pages = PdfPages()
    assert pages.image(broken, 1) is None
    assert pages.locate(broken, 1, "anything at all here") == []


@needs_shared
def test_the_reference_corpus_pdfs_quote_for_quote():
    """Every sentence the loader reads from the reference corpus's PDFs, looked for on its page: at least 99 %."""
    pages = PdfPages()
    total = missed = 0
    for path in sorted(SHARED_CORPUS.rglob("*.pdf")):
        for unit in load_file(path).units:
            for sentence in _sentences(unit.text):
                total += 1
                missed += not pages.locate(path, unit.page, sentence)
    assert total > 1500
    assert missed / total <= 0.01


# The routes: /doc/<id>/page/<n>.jpg (the image) and /doc/<id>/page?n=&u=&q= (the full-page view), over a real
# HTTP server on loopback, with test_sources' corpus (a Markdown report, the demo PDF, a symlink out of the corpus).
from test_sources import _get, corpus, doc_server  # noqa: E402,F401  (fixtures)


def test_a_page_image_is_served_to_a_logged_in_user_only(doc_server):
    (port, locked), ids, _ = doc_server
    pdf = ids["coi/veldoria-coi-2026.pdf"]
    status, headers, body = _get(port, f"/doc/{pdf}/page/2.jpg")
    assert status == 200 and headers["content-type"] == "image/jpeg" and body[:3] == b"\xff\xd8\xff"
    assert headers["x-content-type-options"] == "nosniff"
    assert _get(locked, f"/doc/{pdf}/page/2.jpg")[0] == 401
    for path in (f"/doc/{pdf}/page/99.jpg", f"/doc/{pdf}/page/0.jpg", f"/doc/{ids['coi/testland.md']}/page/1.jpg",
                 "/doc/0000000000000000/page/1.jpg", f"/doc/{pdf}/page/..%2f..%2fetc%2fpasswd.jpg"):
        assert _get(port, path)[0] in (404, 422), path


def test_the_full_page_view_marks_the_quote_and_runs_no_script(doc_server):
    (port, locked), ids, root = doc_server
    pdf = ids["coi/veldoria-coi-2026.pdf"]
    units = load_file(root / "coi" / "veldoria-coi-2026.pdf").units
    unit = next(i for i, u in enumerate(units) if u.page == 2)
    start = units[unit].text.index("The Directorate of Internal Order (DIO) is")
    end = units[unit].text.index(".", start) + 1
    status, headers, body = _get(port, f"/doc/{pdf}/page?n=2&u={unit}&q={start}-{end}")
    page = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/html")
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy and "img-src 'self'" in policy and "script" not in policy
    assert f'src="/doc/{pdf}/page/2.jpg"' in page and 'id="quote"' in page and page.count('class="hl"') == 1
    assert f"/doc/{pdf}/file#page=2" in page and "<script" not in page
    swedish = _get(port, f"/doc/{pdf}/page?n=2&u={unit}&q={start}-{end}&lang=sv")[2].decode()
    assert "Öppna PDF vid s. 2" in swedish or "s. 2" in swedish
    unmarked = _get(port, f"/doc/{pdf}/page?n=3&u={unit}&q={start}-{end}")[2].decode()  # not on that page
    assert 'class="hl"' not in unmarked and "could not be found" in unmarked
    assert _get(port, f"/doc/{pdf}/page?n=9")[0] == 404
    assert _get(port, f"/doc/{ids['coi/testland.md']}/page?n=1")[0] == 404
    assert _get(locked, f"/doc/{pdf}/page?n=2")[0] == 401
