"""Builds the demo corpus PDF from its source text, byte for byte the same on every run.

    python corpus/src/make_pdf.py                      # corpus/src/*.md.src -> corpus/coi/*.pdf
    python corpus/src/make_pdf.py SOURCE.md.src OUT.pdf

The source is a small Markdown subset: YAML front matter (title, author, subject, keywords,
date, footer), then `# ` title, `## ` section, `### ` subsection, `> ` boxed notice, and
paragraphs separated by blank lines.
"""
from __future__ import annotations

import calendar
import datetime as dt
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

import yaml
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

HERE = Path(__file__).resolve().parent
DEFAULT_OUT_DIR = HERE.parent / "coi"


def split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        raise ValueError("source must start with YAML front matter")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=base["BodyText"], fontName="Helvetica", fontSize=10.5, leading=14, spaceAfter=6)
    return {
        "title": ParagraphStyle("title", parent=base["Title"], fontName="Helvetica-Bold", fontSize=18, leading=22),
        "h1": ParagraphStyle("h1", parent=base["Heading1"], fontName="Helvetica-Bold", fontSize=14, leading=18, spaceBefore=10, keepWithNext=1),
        "h2": ParagraphStyle("h2", parent=base["Heading2"], fontName="Helvetica-Bold", fontSize=11.5, leading=15, spaceBefore=6, keepWithNext=1),
        "notice": ParagraphStyle(
            "notice", parent=body, fontName="Helvetica-Bold", textColor=colors.darkred,
            borderColor=colors.darkred, borderWidth=1, borderPadding=5, spaceBefore=4, spaceAfter=10,
        ),
        "body": body,
    }


def parse_blocks(body: str) -> list[tuple[str, str]]:
    """(style, text) for each block of the source body."""
    blocks = []
    for raw in body.strip().split("\n\n"):
        text = " ".join(line.strip() for line in raw.strip().splitlines())
        for prefix, style in (("### ", "h2"), ("## ", "h1"), ("# ", "title"), ("> ", "notice")):
            if text.startswith(prefix):
                blocks.append((style, text[len(prefix):]))
                break
        else:
            blocks.append(("body", text))
    return blocks


class _ReportDoc(SimpleDocTemplate):
    """Adds a PDF outline entry for every section heading, and a footer drawn last on each page
    (so extracted page text ends with it instead of starting with it)."""

    footer = ""

    def afterFlowable(self, flowable):
        level = {"h1": 0, "h2": 1}.get(getattr(flowable, "style", None) and flowable.style.name)
        if level is None:
            return
        key = f"s{self.seq.nextf('heading')}"
        self.canv.bookmarkPage(key)
        self.canv.addOutlineEntry(flowable.getPlainText(), key, level=level, closed=False)

    def afterPage(self):
        canvas = self.canv
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.darkred)
        canvas.drawString(self.leftMargin, 1.3 * cm, self.footer)
        canvas.drawRightString(self.pagesize[0] - self.rightMargin, 1.3 * cm, f"Page {self.page}")
        canvas.restoreState()


@contextmanager
def _fixed_timestamp(date: dt.date):
    """reportlab stamps CreationDate from SOURCE_DATE_EPOCH when it is set."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(calendar.timegm(date.timetuple()))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def build_pdf(source: Path, target: Path) -> Path:
    meta, body = split_front_matter(Path(source).read_text(encoding="utf-8"))
    styles = _styles()
    story = []
    for style, text in parse_blocks(body):
        story.append(Paragraph(escape(text), styles[style]))
        if style == "title":
            story.append(Spacer(1, 4))

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    doc = _ReportDoc(
        str(target), pagesize=A4, invariant=1,
        leftMargin=2.2 * cm, rightMargin=2.2 * cm, topMargin=2.2 * cm, bottomMargin=2.2 * cm,
        title=meta["title"], author=meta["author"], subject=meta.get("subject", ""),
        keywords=meta.get("keywords", ""), creator="landinfo corpus/src/make_pdf.py", lang="en",
    )
    doc.footer = meta.get("footer", "")
    date = meta["date"] if isinstance(meta["date"], dt.date) else dt.date.fromisoformat(str(meta["date"]))
    with _fixed_timestamp(date):
        doc.build(story)
    return target


def main(argv: list[str]) -> int:
    if len(argv) == 2:
        pairs = [(Path(argv[0]), Path(argv[1]))]
    elif not argv:
        pairs = [(src, DEFAULT_OUT_DIR / (src.name.removesuffix(".md.src") + ".pdf")) for src in sorted(HERE.glob("*.md.src"))]
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for source, target in pairs:
        print(build_pdf(source, target))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
