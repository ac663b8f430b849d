"""An answer with its sources as Markdown or Word, for pasting into a case file.

Source text is shown as text: in the Markdown every character a renderer would read (emphasis, links, HTML,
bare URLs) is escaped, and each quote of the sources list is an indented code block, literal in every
renderer and verbatim when the Markdown is pasted as plain text.
"""
from __future__ import annotations

import re

from . import datafiles
from .answer.types import FRAME, Answer
from .records import locator
from .word import WordDocument

# The export's own headings, per language: data/text/<language>.yaml, section export.
HEADINGS = {language: sections["export"] for language, sections in datafiles.text().items()}

MARKER = re.compile(r"\[(\d+)\]")
# "- **title · date · p. 3**: “" before the first quote of a line of an extractive answer
_LABEL = re.compile(r"\*\*(.*)\*\*(:\s*\u201c?)", re.S)
# What CommonMark and GFM read inside a line: escapes, code, emphasis (an _ between two letters or digits
# cannot be), links and images, HTML and autolinks, entities, strikethrough, tables, closing heading marks,
# math ($) where the renderer has it; and the GFM links of bare http://, ftp://, www. and e-mail addresses,
# which an escape in the address breaks.
_MD_ACTIVE = re.compile(r"[\\`*\[\]<~|$#]|(?<![^\W_])_|_(?![^\W_])|&(?=#?\w+;)"
                        r"|(?<=[A-Za-z]):(?=//)|(?<=\w)@(?=\w)|(?<=\bwww)\.", re.I)
# What starts a block at the beginning of a line: quote, list, setext underline; "1." or "1)"
_MD_LINE_START = re.compile(r"^(\s*)(?:([>+=-])|(\d{1,9})([.)]))")


def markdown_text(text: str) -> str:
    """`text` as Markdown that renders as exactly these characters, on one line, and never as a link."""
    return _MD_ACTIVE.sub(r"\\\g<0>", " ".join(text.splitlines()))


def _line_start_safe(line: str) -> str:
    return _MD_LINE_START.sub(lambda m: m.group(1) + (f"\\{m.group(2)}" if m.group(2)
                                                      else f"{m.group(3)}\\{m.group(4)}"), line)


def quote_spans(answer: Answer) -> list[tuple[int, int]]:
    """Where the answer text quotes its sources (the characters inside the “ ”), in order."""
    spans, at = [], 0
    for c in answer.citations:
        found = answer.text.find(f"\u201c{c.quote}\u201d", at) if c.quote else -1
        if found >= 0:
            spans.append((found + 1, found + 1 + len(c.quote)))
            at = found + len(c.quote) + 2
    return spans


def answer_lines(answer: Answer, upto: int | None = None) -> list[tuple[bool, list[tuple[str, str]]]]:
    """The answer text (its first `upto` characters) line by line: (a list item?, pieces), each piece
    ("quote", source characters), ("label", a source's title · date · place) or ("frame", the answer's own
    words and markers)."""
    text = answer.text if upto is None else answer.text[:upto]
    spans = quote_spans(answer)
    lines, start = [], 0
    for line in text.split("\n"):
        end = start + len(line)
        item = line.startswith("- ")
        pieces: list[tuple[str, str]] = []
        at = start + 2 * item
        for s, e in spans:
            if s < end and e > at:
                pieces += _frame(text[at:max(s, at)], label=item and not pieces)
                pieces.append(("quote", text[max(s, at):min(e, end)]))
                at = min(e, end)
        pieces += _frame(text[at:end], label=item and not pieces)
        lines.append((item, pieces))
        start = end + 1
    return lines


def _frame(text: str, label: bool) -> list[tuple[str, str]]:
    match = _LABEL.fullmatch(text) if label else None
    if match:
        return [("label", match.group(1)), ("frame", match.group(2))]
    return [("frame", text)] if text else []


def _frame_markdown(text: str) -> str:
    """The answer's own words escaped (a language model's may carry markup), its [n] markers as they are."""
    parts = MARKER.split(text)
    return "".join(markdown_text(p) if i % 2 == 0 else f"[{p}]" for i, p in enumerate(parts))


def _body_markdown(answer: Answer) -> list[str]:
    render = {"quote": markdown_text, "label": lambda s: f"**{markdown_text(s)}**", "frame": _frame_markdown}
    return [("- " if item else "") + _line_start_safe("".join(render[kind](s) for kind, s in pieces))
            for item, pieces in answer_lines(answer)]


def _code(text: str) -> str:
    """An inline code span that holds `text` whatever backticks it contains."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _code_block(text: str) -> list[str]:
    return [""] + ["    " + line for line in text.split("\n")] + [""]


def _link(url: str) -> str:
    """The source's own web address as a link; anything that is not a plain http(s) address as text."""
    if re.fullmatch(r"https?://[^\s<>]+", url or ""):
        return f" <{url}>"
    return f" {markdown_text(url)}" if url else ""


def _where(c) -> str:
    return locator(c.page, c.section or "", whole_path=True)


def provenance_rows(answer: Answer) -> tuple[list[tuple[str, str]], list[str], str]:
    """The provenance record as an export shows it: (label, value) rows, one line per passage retrieved, and how
    to re-run it; nothing for an answer without a record."""
    record = answer.provenance
    if not record:
        return [], [], ""
    words = HEADINGS.get(answer.language, HEADINGS["en"])
    index, program = record["index"], record["landinfo"]
    rows = [(words["provenance_corpus"], record["corpus_version"]),
            (words["provenance_index"], f"pipeline {index['pipeline_version']} · shape {index['shape']}"),
            (words["provenance_model"], f"{index['embedder']} ({index['backend']})"
             + (f" · {record['settings']['llm_provider']} {record['settings']['llm_model']}"
                if record["settings"].get("llm_provider") else "")),
            (words["provenance_program"], f"landinfo {program['version']}"
             + (f" · {program['commit'][:12]}" if program["commit"] else "")),
            (words["provenance_time"], record["time"]),
            (words["provenance_cited"], ", ".join(record["cited"]) or "–")]
    passages = [f"{rank}. {p['id']} · {p['score']:.6f} · {p['source']} {locator(p['page'], p['section'] or '')}".strip()
                for rank, p in enumerate(record["passages"], 1)]
    return rows, passages, words["provenance_replay"]


def _provenance_markdown(answer: Answer) -> list[str]:
    rows, passages, replay = provenance_rows(answer)
    if not rows:
        return []
    words = HEADINGS.get(answer.language, HEADINGS["en"])
    lines = ["", f"### {words['provenance']}", ""]
    lines += [f"- {markdown_text(label)}: {_code(value)}" for label, value in rows]
    lines += ["", f"{markdown_text(words['provenance_passages'])}:", *_code_block("\n".join(passages)),
              markdown_text(replay)]
    return lines


def answer_to_markdown(answer: Answer) -> str:
    frame = FRAME.get(answer.language, FRAME["en"])
    lines = [f"## {markdown_text(answer.question)}", "", *_body_markdown(answer), ""]
    for warning in dict.fromkeys(answer.warnings):
        lines.append(f"> ⚠ {markdown_text(warning)}")
    if answer.warnings:
        lines.append("")
    if answer.citations:
        lines.append(f"### {frame['sources']}")
        by_marker: dict[int, list] = {}
        for c in answer.citations:
            by_marker.setdefault(c.marker, []).append(c)
        for marker, cites in by_marker.items():
            c = cites[0]
            bits = [c.title or c.source, c.doc_type, c.publisher, c.date or "undated", _where(c)]
            lines.append(f"[{marker}] " + markdown_text(" · ".join(b for b in bits if b))
                         + f" — {_code(c.source)}" + _link(c.url))
            lines += _code_block("\n\n".join(q.quote for q in cites))
    elif answer.refused and answer.passages:
        lines.append(f"### {HEADINGS.get(answer.language, HEADINGS['en'])['closest']}")
        for p in answer.passages[:3]:
            where = locator(p.page, p.section, whole_path=True)
            lines.append(f"- {markdown_text(p.title or p.source)} ({markdown_text(p.date or 'undated')}) "
                         f"{markdown_text(where)} — {_code(p.source)}")
    lines += _provenance_markdown(answer)
    return "\n".join(lines).rstrip() + "\n"


def answer_to_docx(answer: Answer, path: str) -> None:
    frame = FRAME.get(answer.language, FRAME["en"])
    doc = WordDocument()
    doc.heading(answer.question, level=1)
    for item, pieces in answer_lines(answer):  # Word shows text as text: only the label's ** go
        doc.paragraph(("- " if item else "") + "".join(s for _, s in pieces))
    for warning in answer.warnings:
        doc.paragraph("⚠ " + warning)
    if answer.citations:
        doc.heading(frame["sources"], level=2)
        for c in answer.citations:
            bits = [c.title or c.source, c.date or "undated", _where(c), c.source]
            doc.paragraph(f"[{c.marker}] " + " · ".join(b for b in bits if b))
            doc.paragraph(c.quote, style="Intense Quote")
    rows, passages, replay = provenance_rows(answer)
    if rows:
        words = HEADINGS.get(answer.language, HEADINGS["en"])
        doc.heading(words["provenance"], level=2)
        for label, value in rows:
            doc.paragraph(f"{label}: {value}")
        doc.paragraph(words["provenance_passages"] + ":\n" + "\n".join(passages))
        doc.paragraph(replay, italic=True)
    doc.save(path)
