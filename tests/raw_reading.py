"""Read corpus files into RawDocuments with plain pypdf / python-docx / lxml, so metadata and dedup tests
do not depend on the loaders. Close to what the loaders give: Markdown sections with heading paths,
front matter as file_meta, PDF pages, DOCX paragraphs and table rows, XHTML <meta property> values."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from landinfo.records import RawDocument, Unit

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


def read_raw(path: Path) -> RawDocument:
    suffix = path.suffix.lower()
    if suffix == ".md":
        return _markdown(path)
    if suffix == ".pdf":
        return _pdf(path)
    if suffix == ".docx":
        return _docx(path)
    if suffix in (".xhtml", ".html", ".htm"):
        return _xhtml(path)
    return RawDocument(path, (Unit(path.read_text(encoding="utf-8")),), {})


def _markdown(path: Path) -> RawDocument:
    text = path.read_text(encoding="utf-8")
    meta: dict = {}
    m = re.match(r"^---\n(.*?)\n---[ \t]*(?:\n|$)", text, re.DOTALL)
    if m:
        meta = yaml.safe_load(m.group(1)) or {}
        text = text[m.end():]
    units, stack, body = [], [], []

    def flush():
        if "".join(body).strip():
            units.append(Unit("\n".join(body).strip(), section=" > ".join(h for _, h in stack)))
        body.clear()

    for line in text.splitlines():
        heading = re.match(r"^(#{1,6})\s+(.*)$", line)
        if heading:
            flush()
            level = len(heading.group(1))
            stack[:] = [(lvl, h) for lvl, h in stack if lvl < level] + [(level, heading.group(2).strip())]
        else:
            body.append(line)
    flush()
    if not units and stack:
        units.append(Unit("", section=" > ".join(h for _, h in stack)))
    return RawDocument(path, tuple(units), meta)


def _pdf(path: Path, max_pages: int | None = None) -> RawDocument:
    import pypdf

    reader = pypdf.PdfReader(path)
    pages = reader.pages if max_pages is None else reader.pages[:max_pages]
    units = tuple(Unit(page.extract_text() or "", page=i + 1) for i, page in enumerate(pages))
    meta = {str(k).lstrip("/").lower(): str(v) for k, v in (reader.metadata or {}).items()}
    return RawDocument(path, units, meta)


def _docx(path: Path) -> RawDocument:
    import docx

    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:
                if cell.text not in cells:
                    cells.append(cell.text)
            if any(c.strip() for c in cells):
                lines.append("\t".join(cells))
    core = document.core_properties
    meta = {k: getattr(core, k) for k in ("title", "author", "created", "modified") if getattr(core, k)}
    return RawDocument(path, (Unit("\n".join(lines)),), meta)


def _xhtml(path: Path) -> RawDocument:
    from lxml import etree

    tree = etree.parse(str(path), etree.XMLParser(recover=True))
    meta = {}
    for element in tree.iter("{*}meta"):
        prop, content = element.get("property"), element.get("content")
        if prop and content and prop not in meta:
            meta[prop] = content
    body = next(tree.iter("{*}body"))
    blocks = [" ".join("".join(el.itertext()).split()) for el in body.iter("{*}p", "{*}h1", "{*}h2", "{*}h3", "{*}li")]
    return RawDocument(path, (Unit("\n".join(b for b in blocks if b)),), meta)
