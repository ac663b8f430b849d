"""The one writer of the Word files the program makes (answer exports, account annexes): every string it is
given passes `word_text` first.

XML 1.0 cannot hold the C0 control characters other than tab, line feed and carriage return, nor U+FFFE, U+FFFF
or a lone surrogate, and python-docx refuses them with a ValueError: a vertical tab pasted with a question
from Word ended the export in a traceback (issue #20). A vertical tab or form feed (Word's own line and page
break, as pasted) becomes a line break; the others are dropped.
"""
from __future__ import annotations

import re

_BREAKS = re.compile("[\x0b\x0c]")
_NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def word_text(text: str) -> str:
    """`text` with what a Word file cannot hold taken out (see the module's docstring)."""
    return _NOT_XML.sub("", _BREAKS.sub("\n", text))


class WordDocument:
    """A new Word document: headings and paragraphs of plain text (a line break for each '\\n'), then saved."""

    def __init__(self) -> None:
        from docx import Document

        self._document = Document()

    def heading(self, text: str, level: int) -> None:
        self._document.add_heading(word_text(text), level=level)

    def paragraph(self, text: str, style: str | None = None, italic: bool = False) -> None:
        if italic:
            self._document.add_paragraph(style=style).add_run(word_text(text)).italic = True
        else:
            self._document.add_paragraph(word_text(text), style=style)

    def save(self, path: str) -> None:
        self._document.save(path)
