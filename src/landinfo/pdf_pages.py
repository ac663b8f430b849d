"""A cited PDF page as an image, and where on it a quote stands (pypdfium2: render, text page, character boxes).

The loader's text is pypdf's, repaired (letter-spacing joined, line-end hyphens removed, words rejoined), so a
quote is never searched for as it is: both sides are reduced to their letters and digits, case-folded and
without accents, the quote is found in the page's reduced text and mapped back to PDFium's characters, whose
boxes become the highlight. A quote whose start or end is not on the cited page is looked for across the page
break, and then both pages are marked. The only module that imports pypdfium2; PDFium is not thread-safe, so
every call into it holds one lock.

A page is rendered PAGE_WIDTH_PX wide unless that would take more than `max_pixels` (a PDF page may measure up to
14,400 pt a side: a 250 x 14,400 pt page is 70 megapixels, 758 MB of bitmaps, at that width); then it is scaled
down to fit. A page that, so scaled, would still be taller or wider than a JPEG may be (65,500 px) is not
rendered: `too_large` says so, and the viewer shows "page too large" instead (issue #20).
"""
from __future__ import annotations

import io
import math
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

PAGE_WIDTH_PX = 1100  # rendered width of every page: sharp in the full-page view, scaled down in the panel
JPEG_QUALITY = 85  # JPEG, not PNG: encoding a page as PNG alone took 40-270 ms here (benchmarks/page_render.py)
JPEG_MAX_SIDE = 65_500  # pixels: the most libjpeg encodes along either side
_MIN_PIECE = 12  # letters: a quote found in pieces (reading order, a page break) has none shorter, but its last
_MAX_PIECES = 8
_MAX_SKIPPED = 5  # per cent of a quote's letters that may be missing from the page text
_PDFIUM = threading.Lock()

Box = tuple[float, float, float, float]  # left, top, right, bottom as fractions of the page (top-left origin)


@dataclass(frozen=True)
class PageMarks:
    """The boxes of one quote (or the part of it) on one page."""

    page: int  # 1-based
    boxes: tuple[Box, ...]
    aspect: float  # page height / width, so the page's box can be laid out before the image arrives


@dataclass(frozen=True)
class _PageText:
    key: str  # the page's letters and digits, reduced (see `reduce`)
    chars: tuple[int, ...]  # for each character of key, the PDFium character index it comes from
    boxes: tuple[Box | None, ...]  # for each PDFium character, its box (None for generated spaces, line breaks)
    aspect: float


def reduce(text: str, offset: int = 0) -> tuple[str, list[int]]:
    """`text`'s letters and digits, case-folded and without accents or ligatures, and where each came from."""
    out: list[str] = []
    where: list[int] = []
    for i, char in enumerate(text):
        if char.isascii():
            if char.isalnum():
                out.append(char.lower())
                where.append(offset + i)
            continue
        for part in unicodedata.normalize("NFKD", char):
            if part.isalnum():
                folded = part.casefold()
                out.append(folded)
                where.extend([offset + i] * len(folded))
    return "".join(out), where


class PdfPages:
    """Rendered pages and reduced page texts of PDF files, cached by (file, size, mtime, page); no render has more
    than `max_pixels` pixels (Settings.max_page_pixels)."""

    def __init__(self, images: int = 48, texts: int = 256, max_pixels: int = 8_000_000):
        self.max_pixels = max_pixels
        self._images: OrderedDict[tuple, bytes] = OrderedDict()
        self._texts: OrderedDict[tuple, _PageText | None] = OrderedDict()
        self._limits = {"images": images, "texts": texts}
        self._lock = threading.Lock()

    @staticmethod
    def _key(path: Path, page: int) -> tuple:
        stat = path.stat()
        return (str(path), stat.st_size, stat.st_mtime_ns, page)

    def _cached(self, table: OrderedDict, key: tuple):
        with self._lock:
            if key in table:
                table.move_to_end(key)
                return True, table[key]
        return False, None

    def _store(self, table: OrderedDict, key: tuple, value, limit: int) -> None:
        with self._lock:
            table[key] = value
            while len(table) > limit:
                table.popitem(last=False)

    def page_count(self, path: Path) -> int:
        """The PDF's number of pages; 0 when PDFium cannot open it."""
        import pypdfium2 as pdfium

        with _PDFIUM:
            try:
                pdf = pdfium.PdfDocument(str(path))
            except pdfium.PdfiumError:
                return 0
            try:
                return len(pdf)
            finally:
                pdf.close()

    def image(self, path: Path, page: int) -> bytes | None:
        """Page `page` (1-based) as a JPEG PAGE_WIDTH_PX wide, or narrower to stay within max_pixels; None when the
        file has no such page, is unreadable, or the page is too large to show (see `too_large`)."""
        key = self._key(path, page)
        hit, value = self._cached(self._images, key)
        if hit:
            return value
        value = _render(path, page, self.max_pixels)
        if value is not None:
            self._store(self._images, key, value, self._limits["images"])
        return value

    def too_large(self, path: Path, page: int) -> bool:
        """True when the page exists but cannot be shown as an image within max_pixels (it is not rendered)."""
        with _PDFIUM:
            pdf, pdf_page = _open(path, page)
            if pdf is None:
                return False
            try:
                return _scale(pdf_page.get_width(), pdf_page.get_height(), self.max_pixels) is None
            finally:
                pdf.close()

    def text(self, path: Path, page: int) -> _PageText | None:
        key = self._key(path, page)
        hit, value = self._cached(self._texts, key)
        if hit:
            return value
        value = _page_text(path, page)
        self._store(self._texts, key, value, self._limits["texts"])
        return value

    def locate(self, path: Path, page: int, quote: str) -> list[PageMarks]:
        """Where `quote` stands on `page`, or across the break to the page after or before; [] when not found.

        A quote the page's reading order splits (two columns, a running header inside a sentence) is found in
        pieces of at least _MIN_PIECE letters each, at most _MAX_PIECES of them."""
        needle, _ = reduce(quote)
        here = self.text(path, page) if needle else None
        if here is None:
            return []
        at = here.key.find(needle)
        if at >= 0:
            return [_marks(here, page, [(at, len(needle))])]
        for numbers in ((page,), (page, page + 1), (page - 1, page)):
            texts = {n: self.text(path, n) if n == page or n >= 1 else None for n in numbers}
            if any(text is None for text in texts.values()):
                continue
            pieces = _pieces(needle, texts)
            if pieces is not None and page in pieces:  # a quote wholly on another page is not this page's
                return [_marks(texts[n], n, spans) for n, spans in sorted(pieces.items())]
        return []


def merge(found: list[PageMarks]) -> list[PageMarks]:
    """The marks of several quotes, one PageMarks a page, in page order."""
    pages: dict[int, PageMarks] = {}
    for marks in found:
        earlier = pages.get(marks.page)
        pages[marks.page] = marks if earlier is None else PageMarks(marks.page, earlier.boxes + marks.boxes,
                                                                     marks.aspect)
    return [pages[n] for n in sorted(pages)]


def _pieces(needle: str, texts: dict[int, _PageText]) -> dict[int, list[tuple[int, int]]] | None:
    """The needle cut into the fewest pieces found in order on these pages (longest first match each time):
    {page: [(start in its key, length)]}, or None. A letter no piece of _MIN_PIECE letters starts with is
    skipped (a running head's "EN" that PDFium reads after the head, not before it), up to _MAX_SKIPPED of them."""
    found: dict[int, list[tuple[int, int]]] = {}
    at = skipped = pieces = 0
    allowed = max(2, len(needle) * _MAX_SKIPPED // 100)
    while at < len(needle):
        best = (0, 0, 0)  # length, page, start
        for number, text in texts.items():
            length = _longest_prefix(needle, at, text.key)
            if length > best[0]:
                best = (length, number, text.key.find(needle[at:at + length]))
        length, number, start = best
        if length < min(_MIN_PIECE, len(needle) - at):
            skipped += 1
            at += 1
            if skipped > allowed:
                return None
            continue
        pieces += 1
        if pieces > _MAX_PIECES:
            return None
        found.setdefault(number, []).append((start, length))
        at += length
    return found or None


def _longest_prefix(needle: str, at: int, key: str) -> int:
    """The length of the longest needle[at:at+n] found in key (being found is monotone in n)."""
    low, high = 0, len(needle) - at
    while low < high:
        mid = (low + high + 1) // 2
        if needle[at:at + mid] in key:
            low = mid
        else:
            high = mid - 1
    return low


def _marks(text: _PageText, page: int, spans: list[tuple[int, int]]) -> PageMarks:
    indices = sorted({i for start, length in spans for i in text.chars[start:start + length]})
    return PageMarks(page, _lines([text.boxes[i] for i in indices if text.boxes[i] is not None]), text.aspect)


def _lines(boxes: list[Box]) -> tuple[Box, ...]:
    """Character boxes merged into one box a line (a new line where the text moves back or off the line)."""
    out: list[list[float]] = []
    for left, top, right, bottom in boxes:
        if out:
            line = out[-1]
            middle = (top + bottom) / 2
            if line[1] <= middle <= line[3] and left >= line[0] - 0.002:
                line[0], line[1] = min(line[0], left), min(line[1], top)
                line[2], line[3] = max(line[2], right), max(line[3], bottom)
                continue
        out.append([left, top, right, bottom])
    return tuple(tuple(round(v, 5) for v in line) for line in out)


def _open(path: Path, page: int):
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError:
        return None, None
    if not 1 <= page <= len(pdf):
        pdf.close()
        return None, None
    return pdf, pdf[page - 1]


def _scale(width: float, height: float, max_pixels: int) -> float | None:
    """Pixels per point for a page of width x height points: PAGE_WIDTH_PX wide, or less so that the image has at
    most max_pixels; None when even then a side would be longer than a JPEG's (nothing to show but a sliver)."""
    if width <= 0 or height <= 0:
        return None
    scale = PAGE_WIDTH_PX / width
    if (width * scale + 1) * (height * scale + 1) > max_pixels:
        # the largest scale whose image, each side rounded up as PDFium does, has at most max_pixels:
        # (w*s + 1) * (h*s + 1) = max_pixels, solved for s
        area, sides = width * height, width + height
        scale = (math.sqrt(sides * sides + 4 * area * (max_pixels - 1)) - sides) / (2 * area)
    if max(width, height) * scale > JPEG_MAX_SIDE:
        return None
    return scale


def _render(path: Path, page: int, max_pixels: int) -> bytes | None:
    with _PDFIUM:
        pdf, pdf_page = _open(path, page)
        if pdf is None:
            return None
        try:
            scale = _scale(pdf_page.get_width(), pdf_page.get_height(), max_pixels)
            if scale is None:
                return None
            bitmap = pdf_page.render(scale=scale, may_draw_forms=False)
            image = bitmap.to_pil()
        finally:
            pdf.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, "jpeg", quality=JPEG_QUALITY)
    return out.getvalue()


def _page_text(path: Path, page: int) -> _PageText | None:
    with _PDFIUM:
        pdf, pdf_page = _open(path, page)
        if pdf is None:
            return None
        try:
            left, bottom, right, top = pdf_page.get_bbox()
            width, height = (right - left) or 1.0, (top - bottom) or 1.0
            text_page = pdf_page.get_textpage()
            count = text_page.count_chars()
            text = text_page.get_text_range(0, count) if count else ""
            if len(text) != count:  # one string per character when the range does not line up with the indices
                text = "".join(text_page.get_text_range(i, 1)[:1] or " " for i in range(count))
            boxes: list[Box | None] = []
            for i, char in enumerate(text):
                if char.isspace():
                    boxes.append(None)
                    continue
                x0, y0, x1, y1 = text_page.get_charbox(i)
                boxes.append(((x0 - left) / width, (top - y1) / height, (x1 - left) / width, (top - y0) / height)
                             if x1 > x0 and y1 > y0 else None)
        finally:
            pdf.close()
    key, chars = reduce(text)
    return _PageText(key, tuple(chars), tuple(boxes), height / width)
