"""PDF: one unit per page with text, read with pypdf and repaired by pdf_text."""
from __future__ import annotations

import io
import logging
import re
import warnings
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PyPdfError

from ..errors import LoadError
from ..records import RawDocument, Unit
from .filemeta import clean_meta
from .limits import check_time
from .pdf_text import Vocabulary, repair_page

# pypdf reports every font it cannot fully decode ("fontTools is required ...", "Rotated text discovered")
# through this logger, dozens of times per file, while the text comes out fine. Errors still show.
logging.getLogger("pypdf").setLevel(logging.ERROR)
log = logging.getLogger(__name__)

_MIN_LETTERS_PER_PAGE = 5  # below this on average the PDF is a scan: there is nothing to index without OCR
_COLUMN_GAP = re.compile(r"\S {6,}\S")


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError("encrypted PDF (needs a password)")
        return reader
    except DependencyError:
        raise LoadError("encrypted PDF (AES: needs the 'cryptography' package)") from None
    except FileNotDecryptedError:
        raise LoadError("encrypted PDF (needs a password)") from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise LoadError(f"corrupt PDF: {_short(exc)}") from None


def _short(exc: Exception) -> str:
    words = str(exc).strip().rstrip(".") or type(exc).__name__
    return words if len(words) <= 100 else words[:97] + "..."


def _scattered(text: str) -> bool:
    """pypdf's plain mode cut words into tab-separated scraps, one per line (seen in footnotes set in InDesign)."""
    lines = text.split("\n")
    scraps = sum(1 for line in lines if len(line.strip()) <= 4)
    return text.count("\t") >= 10 and scraps * 4 >= len(lines)


def _single_column(layout: str) -> bool:
    lines = [line.strip() for line in layout.split("\n") if line.strip()]
    return sum(1 for line in lines if _COLUMN_GAP.search(line)) * 10 <= len(lines)


def _check_time_visitor(_operator, _operands, _cm, _tm) -> None:
    """Called by pypdf before each operator of a page: a page too slow to read stops at the time limit."""
    check_time()


def _page_text(page, number: int) -> str:
    """Plain extraction; layout extraction for a page whose plain text comes out in scraps, unless it has columns."""
    check_time()
    try:
        text = page.extract_text(visitor_operand_before=_check_time_visitor) or ""
        if _scattered(text):
            layout = page.extract_text(extraction_mode="layout") or ""
            if _single_column(layout):
                text = layout
        return text
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError,
            ZeroDivisionError) as exc:
        log.warning("page %d: text cannot be extracted (%s); page skipped", number, _short(exc))
        return ""


def _info(reader: PdfReader) -> dict:
    try:
        info = reader.metadata
        if info is None:
            return {}
        try:
            created = info.creation_date
        except (ValueError, TypeError, PdfReadError):
            created = None
        return clean_meta({"title": info.title, "author": info.author, "subject": info.subject,
                           "created": created})
    except (PyPdfError, ValueError, TypeError, AttributeError):
        return {}


def load_pdf(path: Path, data: bytes) -> RawDocument:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = _open(data)
        try:
            pages = reader.pages
            count = len(pages)
            raw = [_page_text(pages[i], i + 1) for i in range(count)]
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
            raise LoadError(f"corrupt PDF: {_short(exc)}") from None
        meta = _info(reader)
    if count == 0:
        raise LoadError("PDF has no pages")
    letters = sum(sum(1 for c in text if c.isalpha()) for text in raw)
    if letters < _MIN_LETTERS_PER_PAGE * count:
        raise LoadError("no text layer: needs OCR")
    vocabulary = Vocabulary(raw)
    units = []
    for number, text in enumerate(raw, start=1):
        check_time()
        repaired = repair_page(text, vocabulary)
        if repaired:
            units.append(Unit(text=repaired, page=number))
    return RawDocument(path=path, units=tuple(units), file_meta=meta)
