"""Word .docx: paragraphs and tables in reading order; heading styles and bold capitals start sections."""
from __future__ import annotations

import io
import re
from pathlib import Path

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..errors import LoadError
from ..records import RawDocument
from .filemeta import clean_meta
from .normalize import one_line
from .sections import Block, units_from_blocks

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 files and password-protected Word files
_HEADING_STYLE = re.compile(r"^(?:heading|rubrik|überschrift|titre)\s*(\d)$", re.IGNORECASE)
_CORE_PROPERTIES = ("title", "subject", "author", "keywords", "category", "comments", "identifier", "language",
                    "created", "modified")


class _Outline:
    """Heading levels: Title above Heading 1 above Heading 2 ...; a bold all-caps line one below the last styled one."""

    def __init__(self) -> None:
        self.styled_level = 1

    def level(self, paragraph: Paragraph, text: str) -> int:
        name = paragraph.style.name if paragraph.style is not None else ""
        if name == "Title":
            self.styled_level = 1
            return 1
        match = _HEADING_STYLE.match(name or "")
        if match:
            self.styled_level = int(match.group(1)) + 1
            return self.styled_level
        if _is_bold_capitals(paragraph, text):
            return self.styled_level + 1
        return 0


def _is_bold_capitals(paragraph: Paragraph, text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if not 3 <= len(letters) <= 60 or len(text.split()) > 8:
        return False
    runs = [run for run in paragraph.runs if run.text.strip()]
    if not runs:
        return False
    style_font = paragraph.style.font if paragraph.style is not None else None
    style_bold = bool(style_font and style_font.bold)
    style_caps = bool(style_font and style_font.all_caps)
    bold = all(run.bold or (run.bold is None and style_bold) for run in runs)
    capitals = all(c.isupper() for c in letters) or all(run.font.all_caps or style_caps for run in runs)
    return bold and capitals


def _content_blocks(container, outline: _Outline, seen_cells: dict) -> list[Block]:
    blocks: list[Block] = []
    for item in container.iter_inner_content():
        if isinstance(item, Paragraph):
            text = item.text
            if text.strip():
                blocks.append(Block(text, outline.level(item, one_line(text))))
        elif isinstance(item, Table):
            blocks += _table_blocks(item, outline, seen_cells)
    return blocks


def _table_blocks(table: Table, outline: _Outline, seen_cells: dict) -> list[Block]:
    """A row with one filled cell gives that cell's paragraphs; a row of several gives one line, cells in order.

    A cell merged across columns or rows is read once (python-docx hands it back for every grid position).
    """
    blocks: list[Block] = []
    for row in table.rows:
        filled: list[list[Block]] = []
        for cell in row.cells:
            if id(cell._tc) in seen_cells:
                continue
            seen_cells[id(cell._tc)] = cell._tc  # kept alive so that its id is not reused
            cell_blocks = _content_blocks(cell, outline, seen_cells)
            if cell_blocks:
                filled.append(cell_blocks)
        if len(filled) == 1:
            blocks += filled[0]
        elif filled:
            blocks.append(Block(" ".join(one_line(" ".join(b.text for b in cell)) for cell in filled)))
    return blocks


def _core_meta(document) -> dict:
    properties = document.core_properties
    return clean_meta({name: getattr(properties, name, None) for name in _CORE_PROPERTIES})


def load_docx(path: Path, data: bytes) -> RawDocument:
    if data.startswith(_OLE_SIGNATURE):
        raise LoadError("not a .docx: an old-format Word .doc or a password-protected Word file")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # a broken zip or package fails in many ways, all meaning the same to the user
        raise LoadError("not a Word document (corrupt .docx)") from None
    units = units_from_blocks(_content_blocks(document, _Outline(), {}))
    if not units:
        raise LoadError("Word document has no text")
    return RawDocument(path=path, units=units, file_meta=_core_meta(document))
