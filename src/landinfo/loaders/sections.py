"""Turn a flat run of headings and paragraphs into units addressed by their heading path.

Every structured format (Markdown, plain text with numbered headings, DOCX, HTML) reduces its file to
`Block`s; this module alone decides where a unit starts and what its section path is.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..records import Unit
from .normalize import normalize_text, one_line

SECTION_SEPARATOR = " > "


@dataclass(frozen=True)
class Block:
    """A heading (level 1 = outermost) or, with level 0, a paragraph of body text."""

    text: str
    level: int = 0


def units_from_blocks(blocks: Iterable[Block]) -> tuple[Unit, ...]:
    """One unit per run of body text, its section the path of headings above it.

    The unit's text starts with every heading line met since the previous unit, in document order: its
    own heading, and any heading with no body of its own (a chapter title straight above its first
    section, a group title above sibling sections), so that no heading is emitted as an empty unit and
    no heading's words are lost. Headings at the very end with nothing below them make one last unit.
    """
    units: list[Unit] = []
    path: list[tuple[int, str]] = []  # (level, heading) from the outermost heading in
    pending: list[str] = []  # heading lines not yet in any unit's text
    body: list[str] = []

    def emit() -> None:
        text = "\n\n".join(pending + body)
        units.append(Unit(text=text, section=SECTION_SEPARATOR.join(heading for _, heading in path)))
        pending.clear()
        body.clear()

    for block in blocks:
        if block.level:
            heading = one_line(block.text)
            if not heading:
                continue
            if body:
                emit()
            while path and path[-1][0] >= block.level:
                path.pop()
            path.append((block.level, heading))
            pending.append(heading)
        else:
            paragraph = normalize_text(block.text)
            if paragraph:
                body.append(paragraph)
    if body or pending:
        emit()
    return tuple(units)
