"""Source documents: an indexed file found by its doc_id (never by a path from a request), and its text
rendered as HTML with a passage marked, so that a citation can be read where it stands."""
from __future__ import annotations

import hashlib
import html
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlencode

from .errors import LandinfoError
from .loaders import SUPPORTED_SUFFIXES, load_file
from .pdf_pages import PageMarks, PdfPages, merge
from .records import Passage, Unit

DOC_ID = re.compile(r"[0-9a-f]{16}")
Span = tuple[int, int]


@dataclass(frozen=True)
class SourceFile:
    """An indexed file that may be shown: its real path lies inside the folder it was ingested from."""

    doc_id: str
    path: Path
    source: str
    meta: dict
    file_hash: str  # sha256 of the bytes that were indexed

    @property
    def is_pdf(self) -> bool:
        return self.path.suffix.lower() == ".pdf"

    @property
    def title(self) -> str:
        return self.meta.get("title") or self.source


@dataclass(frozen=True)
class Focus:
    """Where to open a document: a unit, the passage in it, and the quoted parts of the passage."""

    unit: int
    passage: Span | None = None
    quotes: tuple[Span, ...] = ()


def showable(record) -> SourceFile | None:
    """The record as a SourceFile, or None when it is not an indexed file inside its corpus root."""
    if record is None or record.status != "indexed" or not DOC_ID.fullmatch(record.doc_id or ""):
        return None
    try:
        root = Path(record.root).resolve(strict=True)
        real = Path(record.path).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not Path(record.path).is_relative_to(root) or not real.is_relative_to(root):
        return None  # a symlink that leads out of the corpus
    if not real.is_file() or real.suffix.lower() not in SUPPORTED_SUFFIXES:
        return None
    return SourceFile(record.doc_id, real, record.source, dict(record.meta), record.signature[:64])


class SourceLibrary:
    """Indexed files by doc_id; re-reads the manifest when an id is unknown (an ingest may have run since)."""

    def __init__(self, records: Callable[[], dict], cache_size: int = 16, max_page_pixels: int = 8_000_000):
        self._records = records
        self._by_id: dict[str, object] = {}
        self._lock = threading.Lock()
        self._units: OrderedDict[tuple, tuple[Unit, ...]] = OrderedDict()
        self._cache_size = cache_size
        self.pages = PdfPages(max_pixels=max_page_pixels)  # rendered PDF pages and where quotes stand on them, cached

    def _refresh(self) -> None:
        self._by_id = {rec.doc_id: rec for rec in self._records().values() if rec.status == "indexed"}

    def get(self, doc_id: str) -> SourceFile | None:
        if not isinstance(doc_id, str) or not DOC_ID.fullmatch(doc_id):
            return None
        with self._lock:
            if doc_id not in self._by_id:
                self._refresh()
            record = self._by_id.get(doc_id)
        return showable(record)

    def indexed(self) -> list:
        """The manifest's records of every indexed file (read afresh: an ingest may have run since)."""
        with self._lock:
            self._refresh()
            return list(self._by_id.values())

    def by_source(self, source: str) -> SourceFile | None:
        """The indexed file whose corpus-relative path ends with `source` ('coi/x.pdf' matches 'corpus/coi/x.pdf')."""
        from .evaluate.questionset import source_matches

        with self._lock:
            self._refresh()
            records = list(self._by_id.values())
        for record in records:
            if source_matches(record.source, source):
                return showable(record)
        return None

    def units(self, doc: SourceFile) -> tuple[Unit, ...]:
        stat = doc.path.stat()
        key = (str(doc.path), stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if key in self._units:
                self._units.move_to_end(key)
                return self._units[key]
        units = load_file(doc.path).units
        with self._lock:
            self._units[key] = units
            while len(self._units) > self._cache_size:
                self._units.popitem(last=False)
        return units

    def changed_since_indexed(self, doc: SourceFile) -> bool:
        digest = hashlib.sha256()
        with doc.path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest() != doc.file_hash

    def locate(self, passage: Passage) -> int | None:
        """The index of the unit that holds `passage` at its offsets."""
        doc = self.get(passage.doc_id)
        if doc is None:
            return None
        try:
            units = self.units(doc)
        except LandinfoError:
            return None
        for i, unit in enumerate(units):
            if _same_place(unit, passage.page, passage.section) and unit.text[passage.start:passage.end] == passage.text:
                return i
        return None

    def find_quote(self, doc: SourceFile, quote: str, page: int | None = None) -> tuple[int, Span] | None:
        """(unit index, span) of the first place `quote` stands verbatim, on `page` when one is given."""
        try:
            units = self.units(doc)
        except LandinfoError:
            return None
        needle = " ".join(quote.split())
        for i, unit in enumerate(units):
            if page and unit.page and unit.page != page:
                continue
            span = _find_loose(unit.text, needle)
            if span:
                return i, span
        return None

    def link(self, doc_id: str, page: int | None = None, focus: Focus | None = None, language: str = "en",
             prefix: str = "/doc") -> str:
        """Where a citation opens: a PDF in the browser's viewer at its page, anything else as marked-up text."""
        doc = self.get(doc_id)
        if doc is not None and doc.is_pdf:
            return f"{prefix}/{doc_id}/file" + (f"#page={page}" if page else "")
        return text_link(doc_id, focus, language, prefix)


    def marks(self, doc: SourceFile, page: int | None, quotes: list[str]) -> list[PageMarks]:
        """Where the quotes stand on the PDF page they were cited at (and the next or previous page when one runs
        over): one PageMarks a page, in page order; [] when none is found."""
        if not doc.is_pdf or not page:
            return []
        try:
            return merge([marks for quote in quotes for marks in self.pages.locate(doc.path, page, quote)])
        except OSError:
            return []


def page_link(doc_id: str, page: int, focus: Focus | None = None, language: str = "en", prefix: str = "/doc") -> str:
    """The full-page view of a cited PDF page, the quotes of `focus` marked on it."""
    query: dict = {"n": page}
    if focus is not None:
        query["u"] = focus.unit
        if focus.quotes:
            query["q"] = ",".join("%d-%d" % q for q in focus.quotes)
    if language == "sv":
        query["lang"] = "sv"
    return f"{prefix}/{doc_id}/page?{urlencode(query)}"


def page_image(doc_id: str, page: int, prefix: str = "/doc", language: str = "en") -> str:
    """The rendered page; in Swedish the picture that stands in for a page too large to show says so in Swedish."""
    return f"{prefix}/{doc_id}/page/{page}.jpg" + ("?lang=sv" if language == "sv" else "")


def text_link(doc_id: str, focus: Focus | None, language: str = "en", prefix: str = "/doc") -> str:
    query: dict = {}
    if focus is not None:
        query["u"] = focus.unit
        if focus.passage:
            query["p"] = "%d-%d" % focus.passage
        if focus.quotes:
            query["q"] = ",".join("%d-%d" % q for q in focus.quotes)
    if language == "sv":
        query["lang"] = "sv"
    return f"{prefix}/{doc_id}/view" + (f"?{urlencode(query)}" if query else "") + ("#passage" if focus else "")


def parse_focus(unit: str | None, passage: str | None, quotes: str | None) -> Focus | None:
    """A Focus from the view's query parameters; anything malformed is ignored rather than trusted."""
    if not unit or not unit.isdigit() or len(unit) > 6:
        return None
    return Focus(int(unit), _parse_span(passage), tuple(s for s in map(_parse_span, (quotes or "").split(",")[:20]) if s))


def _parse_span(text: str | None) -> Span | None:
    match = re.fullmatch(r"(\d{1,9})-(\d{1,9})", text or "")
    if not match:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    return (start, end) if start < end else None


def _same_place(unit: Unit, page: int | None, section: str) -> bool:
    if page:
        return unit.page == page
    return unit.section == (section or "")


def _find_loose(text: str, needle: str) -> Span | None:
    """The span of `needle` in `text`, where any run of whitespace in the needle matches any run in the text."""
    if not needle:
        return None
    pattern = r"\s+".join(re.escape(word) for word in needle.split(" "))
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


def highlight(text: str, passage: Span | None = None, quotes: tuple[Span, ...] | list[Span] = (),
              anchor: str = "") -> str:
    """`text` escaped as HTML, the passage wrapped in <span class="passage"> and the quotes in <mark>."""
    size = len(text)
    marks = sorted((max(0, s), min(size, e)) for s, e in quotes if s < e)
    if passage:
        ps, pe = max(0, passage[0]), min(size, passage[1])
        marks = [(max(s, ps), min(e, pe)) for s, e in marks if s < pe and e > ps]
    merged: list[list[int]] = []
    for s, e in marks:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    events: dict[int, list[str]] = {}

    def add(at: int, tag: str) -> None:
        events.setdefault(at, []).append(tag)

    id_attr = f' id="{html.escape(anchor)}"' if anchor else ""
    if passage and ps < pe:
        add(ps, f'<span class="passage"{id_attr}>')
    for s, e in merged:
        add(s, "<mark>" if passage or not anchor or s != merged[0][0] else f"<mark{id_attr}>")
        add(e, "</mark>")
    if passage and ps < pe:
        add(pe, "</span>")
    out, last = [], 0
    for at in sorted(events):
        out.append(html.escape(text[last:at]))
        closing = [t for t in events[at] if t.startswith("</")]
        opening = [t for t in events[at] if not t.startswith("</")]
        out.extend(closing + opening)
        last = at
    out.append(html.escape(text[last:]))
    return "".join(out)


_PAGE_CSS = """
:root { color-scheme: light; }
body { font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; background: #f5f6f8; margin: 0; }
header { background: #1f3a5f; color: #fff; padding: 16px 32px; position: sticky; top: 0; z-index: 1; }
header h1 { font-size: 20px; margin: 0 0 4px; font-weight: 600; }
header .meta { font-size: 13px; opacity: .85; }
header a { color: #cfe1ff; }
main { max-width: 860px; margin: 24px auto; background: #fff; padding: 24px 40px 48px; border-radius: 6px;
       box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { font-size: 17px; margin: 28px 0 8px; color: #1f3a5f; border-bottom: 1px solid #e3e7ed; padding-bottom: 4px; }
.page-label { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: #6b7785; margin: 28px 0 6px; }
.unit { white-space: pre-wrap; }
.unit.headed::first-line { font-weight: 600; color: #1f3a5f; font-size: 17px; }
.unit.focus { border-left: 3px solid #e0a800; padding-left: 12px; margin-left: -15px; }
.passage { background: #fff6d6; scroll-margin-top: 120px; }
mark { background: #ffd54f; color: inherit; padding: 0 1px; scroll-margin-top: 120px; }
.warning { background: #fdecea; color: #8a1c12; padding: 8px 12px; border-radius: 4px; margin-bottom: 16px; }
"""

_PAGE_TEXT = {
    "en": {"page": "Page", "original": "Original file", "pdf": "Open the PDF", "changed":
           "This file has changed since it was indexed; the marked passage may be out of place. Re-run the ingest."},
    "sv": {"page": "Sida", "original": "Originalfil", "pdf": "Öppna PDF-filen", "changed":
           "Filen har ändrats sedan den indexerades; markeringen kan hamna fel. Kör inläsningen igen."},
}


def render_document(doc: SourceFile, units: tuple[Unit, ...], focus: Focus | None = None,
                    changed: bool = False, language: str = "en", prefix: str = "/doc") -> str:
    """A whole document as a standalone HTML page, the focused passage marked and anchored as #passage."""
    words = _PAGE_TEXT.get(language, _PAGE_TEXT["en"])
    meta = doc.meta
    facts = [meta.get("doc_type", ""), ", ".join(meta.get("countries") or []), meta.get("date", ""),
             meta.get("publisher", ""), doc.source]
    original = f"{prefix}/{doc.doc_id}/file"
    focused_page = units[focus.unit].page if focus and focus.unit < len(units) else None
    if doc.is_pdf:
        original += f"#page={focused_page}" if focused_page else ""
    parts = [
        "<!doctype html><html lang=\"%s\"><head><meta charset=\"utf-8\">" % language,
        f"<title>{html.escape(doc.title)}</title><style>{_PAGE_CSS}</style></head><body>",
        f"<header><h1>{html.escape(doc.title)}</h1><div class=\"meta\">"
        + " · ".join(html.escape(f) for f in facts if f)
        + f" · <a href=\"{html.escape(original)}\">{words['pdf'] if doc.is_pdf else words['original']}</a></div></header>",
        "<main>",
    ]
    if changed:
        parts.append(f"<div class=\"warning\">{html.escape(words['changed'])}</div>")
    last_heading = None
    for i, unit in enumerate(units):
        if unit.page is not None:
            parts.append(f"<div class=\"page-label\" id=\"page-{unit.page}\">{words['page']} {unit.page}</div>")
        heading = unit.section.split(" > ")[-1] if unit.section else ""
        headed = bool(heading) and unit.text.startswith(heading)
        if heading and not headed and heading != last_heading and heading != doc.title:
            parts.append(f"<h2>{html.escape(heading)}</h2>")
        last_heading = heading
        classes = "unit" + (" headed" if headed else "")
        if focus is not None and focus.unit == i:
            body = highlight(unit.text, focus.passage, focus.quotes, anchor="passage")
            parts.append(f"<div class=\"{classes} focus\" id=\"u{i}\">{body}</div>")
        else:
            parts.append(f"<div class=\"{classes}\" id=\"u{i}\">{html.escape(unit.text)}</div>")
    parts.append("</main></body></html>")
    return "\n".join(parts)
