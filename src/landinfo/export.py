"""An answer with its sources as Markdown or Word, for pasting into a case file."""
from __future__ import annotations

from .answer import FRAME, Answer


def _where(c) -> str:
    return f"p. {c.page}" if c.page else (c.section or "")


def answer_to_markdown(answer: Answer) -> str:
    frame = FRAME.get(answer.language, FRAME["en"])
    lines = [f"## {answer.question}", "", answer.text, ""]
    for warning in answer.warnings:
        lines.append(f"> ⚠ {warning}")
    if answer.warnings:
        lines.append("")
    if answer.citations:
        lines.append(f"### {frame['sources']}")
        seen = set()
        for c in answer.citations:
            if c.marker not in seen:
                seen.add(c.marker)
                bits = [c.title or c.source, c.doc_type, c.publisher, c.date or "undated", _where(c)]
                lines.append(f"[{c.marker}] " + " · ".join(b for b in bits if b) + f" — `{c.source}`"
                             + (f" <{c.url}>" if c.url else ""))
            lines.append(f"    > {c.quote}")
    elif answer.refused and answer.passages:
        lines.append("### " + ("Närmaste avsnitt" if answer.language == "sv" else "Closest passages"))
        for p in answer.passages[:3]:
            where = f"p. {p.page}" if p.page else p.section
            lines.append(f"- {p.title or p.source} ({p.date or 'undated'}) {where} — `{p.source}`")
    return "\n".join(lines).rstrip() + "\n"


def answer_to_docx(answer: Answer, path: str) -> None:
    from docx import Document

    frame = FRAME.get(answer.language, FRAME["en"])
    doc = Document()
    doc.add_heading(answer.question, level=1)
    for line in answer.text.splitlines():
        doc.add_paragraph(line.replace("**", ""))
    for warning in answer.warnings:
        doc.add_paragraph("⚠ " + warning)
    if answer.citations:
        doc.add_heading(frame["sources"], level=2)
        for c in answer.citations:
            bits = [c.title or c.source, c.date or "undated", _where(c), c.source]
            doc.add_paragraph(f"[{c.marker}] " + " · ".join(b for b in bits if b))
            doc.add_paragraph(c.quote, style="Intense Quote")
    doc.save(path)
