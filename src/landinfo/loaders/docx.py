"""Word .docx: paragraphs and tables in reading order; heading styles and bold capitals start sections.

The body is streamed with lxml's iterparse, one top-level paragraph or table at a time, each dropped once read,
and empty paragraphs are skipped before python-docx wraps them: time follows the markup linearly and memory
the text, not the markup (three million empty paragraphs take seconds and no memory to speak of). python-docx's
own objects give each paragraph and table the meaning it always had: text, style, runs, merged cells. The
package is opened by .ooxml, which refuses one that unpacks past max_file_mb before inflating anything.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.parts.styles import StylesPart
from docx.styles.styles import Styles
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from ..errors import LoadError
from ..records import RawDocument
from .filemeta import clean_meta
from .limits import check_time
from .normalize import one_line
from .ooxml import CORRUPT, Package
from .sections import Block, units_from_blocks

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Word 97-2003 files and password-protected Word files
_HEADING_STYLE = re.compile(r"^(?:heading|rubrik|überschrift|titre)\s*(\d)$", re.IGNORECASE)
_BODY, _TC, _P, _TBL = qn("w:body"), qn("w:tc"), qn("w:p"), qn("w:tbl")
_TEXT_CHILDREN = frozenset((qn("w:r"), qn("w:hyperlink")))  # what python-docx's Paragraph.text reads
_CHECK_EVERY = 1024  # elements between two looks at the clock
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


def _has_text(p) -> bool:
    """False for a paragraph with no runs or hyperlinks, whose text python-docx would find empty."""
    return any(child.tag in _TEXT_CHILDREN for child in p)


def _content_blocks(container, outline: _Outline, seen_cells: dict) -> list[Block]:
    blocks: list[Block] = []
    for item in container.iter_inner_content():
        check_time()
        if isinstance(item, Paragraph):
            blocks += _paragraph_blocks(item, outline)
        elif isinstance(item, Table):
            blocks += _table_blocks(item, outline, seen_cells)
    return blocks


def _paragraph_blocks(paragraph: Paragraph, outline: _Outline) -> list[Block]:
    if not _has_text(paragraph._p):
        return []
    text = paragraph.text
    return [Block(text, outline.level(paragraph, one_line(text)))] if text.strip() else []


def _table_blocks(table: Table, outline: _Outline, seen_cells: dict) -> list[Block]:
    """A row with one filled cell gives that cell's paragraphs; a row of several gives one line, cells in order.

    A cell merged across columns or rows is read once (python-docx hands it back for every grid position).
    """
    blocks: list[Block] = []
    for row in table.rows:
        check_time()
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


class _Story:
    """What python-docx's Paragraph and Table ask of the document around them: the part that has the styles."""

    def __init__(self, styles: Styles):
        self.part = self
        self._styles = styles

    def get_style(self, style_id, style_type):
        return self._styles.get_by_id(style_id, style_type)


def _body_blocks(stream, story: _Story) -> list[Block]:
    """The blocks of the body's paragraphs and tables, read one top-level element at a time.

    iterparse builds plain lxml elements (quicker than python-docx's classes for the millions a hostile file may
    hold); a top-level paragraph with text, or a table, is handed to python-docx as a copy with its classes.
    Every top-level element is dropped once read; an empty paragraph, or one python-docx would not read (in a
    text box or a content control), as soon as it is parsed. What stays in memory is the text, and the table
    being read.
    """
    outline = _Outline()
    blocks: list[Block] = []
    body = None
    elements = etree.iterparse(stream, events=("end",), tag=(_P, _TBL), remove_blank_text=True,
                               resolve_entities=False, no_network=True)
    for count, (_event, element) in enumerate(elements):
        if count % _CHECK_EVERY == 0:
            check_time()
        parent = element.getparent()
        if parent is None:
            continue
        if body is None and parent.tag == _BODY:
            body = parent
        if parent is body:
            if not len(element):
                pass  # an empty paragraph (or table): nothing to read
            elif element.tag == _TBL:
                blocks += _table_blocks(Table(_with_docx_classes(element), story), outline, {})
            elif _has_text(element):
                blocks += _paragraph_blocks(Paragraph(_with_docx_classes(element), story), outline)
            while element.getprevious() is not None:
                del body[0]  # what came before it at the top level and was not read (bookmarks, settings)
            body.remove(element)  # (iterparse may have parsed what follows already: that stays)
        elif parent.tag != _TC or (element.tag == _P and not _has_text(element)):
            # never read (python-docx reads the body's and the cells' own paragraphs and tables only), or empty
            parent.remove(element)
    return blocks


def _with_docx_classes(element):
    return parse_xml(etree.tostring(element, with_tail=False))


def _styles(package: Package, main: str) -> Styles:
    """The document's styles, or python-docx's defaults when it has none (as python-docx itself does)."""
    part = package.related(main, RT.STYLES)
    if part is None:
        return Styles(parse_xml(StylesPart._default_styles_xml()))
    return Styles(parse_xml(package.read(part)))


def _core_meta(package: Package) -> dict:
    part = package.related("", RT.CORE_PROPERTIES)
    if part is None:
        return {}
    properties = CoreProperties(parse_xml(package.read(part)))
    return clean_meta({name: getattr(properties, name, None) for name in _CORE_PROPERTIES})


def load_docx(path: Path, data: bytes) -> RawDocument:
    if data.startswith(_OLE_SIGNATURE):
        raise LoadError("not a .docx: an old-format Word .doc or a password-protected Word file")
    package = Package(data)  # refuses a zip that unpacks past max_file_mb before anything is inflated
    try:
        main = package.related("", RT.OFFICE_DOCUMENT)
        if main is None or package.content_type(main) != CT.WML_DOCUMENT_MAIN:
            raise LoadError(CORRUPT)
        story = _Story(_styles(package, main))
        with package.open(main) as stream:
            blocks = _body_blocks(stream, story)
        file_meta = _core_meta(package)
    except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError, ValueError, OSError, EOFError, zlib.error,
            NotImplementedError, RuntimeError):
        # a broken zip or package fails in many ways, all meaning the same to the user
        raise LoadError(CORRUPT) from None
    units = units_from_blocks(blocks)
    if not units:
        raise LoadError("Word document has no text")
    return RawDocument(path=path, units=units, file_meta=file_meta)
