"""HTML and XHTML: the article's headings and paragraphs without the site around them, plus <head> metadata."""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from ..errors import LoadError
from ..records import RawDocument
from .limits import check_time
from .normalize import one_line
from .sections import Block, units_from_blocks

_DROPPED_TAGS = {"script", "style", "noscript", "template", "nav", "aside", "form", "button", "select",
                 "textarea", "iframe", "object", "embed", "svg", "canvas", "head", "title", "meta", "link"}
# class or id words that mark navigation and site furniture rather than content
_BOILERPLATE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|menubar|footer|cookies?|consent|breadcrumbs?|skip-?link)(?:$|[\s_-])",
    re.IGNORECASE)
_BLOCK_TAGS = {"p", "div", "li", "dd", "dt", "blockquote", "pre", "tr", "table", "ul", "ol", "dl", "section",
               "article", "main", "body", "figure", "figcaption", "caption", "address", "center", "hr", "details",
               "summary", "fieldset", "header"}
_CELL_TAGS = {"td", "th"}
_HEADING_TAGS = {f"h{n}": n for n in range(1, 7)}
_LINE_BREAK = "\u2028"  # <br>: survives whitespace collapsing, becomes "\n" in normalize_text

_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']""")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


def _encoding(data: bytes) -> str:
    """What the file says it is (BOM, XML declaration, <meta charset>); else UTF-8 if it decodes, else cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = data[:4096]
    declared = _XML_DECLARATION.match(head) or _META_CHARSET.search(head)
    if declared:
        return declared.group(1).decode("ascii").lower()
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _parse(data: bytes) -> etree._Element:
    encoding = _encoding(data)
    try:
        parser = lxml_html.HTMLParser(encoding=encoding, remove_comments=True, remove_pis=True)
    except LookupError:
        raise LoadError(f"HTML declares an unknown encoding {encoding!r}") from None
    try:
        root = lxml_html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise LoadError(f"HTML cannot be parsed: {exc}") from None
    return root


def _name(element) -> str:
    tag = element.tag
    if not isinstance(tag, str):  # comments, processing instructions, entities
        return ""
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _is_boilerplate(element, name: str) -> bool:
    if name in _DROPPED_TAGS:
        return True
    if name == "header" and any(_name(a) in ("article", "main") for a in element.iterancestors()):
        return False  # an article's own header holds its title
    if name in ("header", "footer"):
        return True
    marks = f"{element.get('class', '')} {element.get('id', '')} {element.get('role', '')}"
    return bool(_BOILERPLATE.search(marks)) or element.get("role") in ("navigation", "banner", "contentinfo")


class _BlockCollector:
    """Walks the body once, cutting text into blocks at block-level elements."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.buffer: list[str] = []

    def flush(self) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        if text.strip():
            lines = (" ".join(line.split()) for line in text.split(_LINE_BREAK))
            self.blocks.append(Block("\n".join(lines)))

    def walk(self, element) -> None:
        check_time()
        name = _name(element)
        if name and not _is_boilerplate(element, name):
            if name in _HEADING_TAGS:
                self.flush()
                heading = one_line(element.text_content())
                if heading:
                    self.blocks.append(Block(heading, level=_HEADING_TAGS[name]))
            elif name == "br":
                self.buffer.append(_LINE_BREAK)
            else:
                block = name in _BLOCK_TAGS
                if block:
                    self.flush()
                elif name in _CELL_TAGS:
                    self.buffer.append(" ")
                self.buffer.append(element.text or "")
                for child in element:
                    self.walk(child)
                if block:
                    self.flush()
        self.buffer.append(element.tail or "")


def _head_meta(root) -> dict:
    """<title>, <meta name=... content=...> and RDFa <meta property=... content=...>; the first value of a key wins."""
    meta: dict = {}
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or root.get("xml:lang")
    head = next((e for e in root.iter() if _name(e) == "head"), None)
    if head is not None:
        for element in head.iter():
            name = _name(element)
            if name == "title":
                title = one_line(element.text_content())
                if title:
                    meta.setdefault("title", title)
            elif name == "meta":
                key = element.get("name") or element.get("property")
                value = one_line(element.get("content") or "")
                if key and value:
                    meta.setdefault(key.strip(), value)
    if lang and lang.strip():
        meta.setdefault("lang", lang.strip())
    return meta


def load_html(path: Path, data: bytes) -> RawDocument:
    root = _parse(data)
    body = next((e for e in root.iter() if _name(e) == "body"), root)
    collector = _BlockCollector()
    collector.walk(body)
    collector.flush()
    units = units_from_blocks(collector.blocks)
    if not units:
        raise LoadError("HTML has no text")
    return RawDocument(path=path, units=units, file_meta=_head_meta(root))
