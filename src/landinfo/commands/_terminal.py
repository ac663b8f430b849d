"""What the command line prints as plain text: names and texts from the corpus with their control characters
escaped, so that a file name with a newline cannot forge a line of output, nor an escape sequence recolour or
rewrite the terminal (the JSON output escapes them already)."""
from __future__ import annotations

import unicodedata

_LINE_SEPARATORS = ("Zl", "Zp")  # U+2028, U+2029: a new line to some terminals and readers


def escape_controls(text: str) -> str:
    """`text` with each control character or line separator written as its Python escape (\\n, \\x1b, \\u2028)."""
    if text.isprintable():
        return text
    return "".join(c.encode("unicode_escape").decode("ascii")
                   if unicodedata.category(c) == "Cc" or unicodedata.category(c) in _LINE_SEPARATORS else c
                   for c in text)
