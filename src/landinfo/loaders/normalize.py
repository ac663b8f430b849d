"""The one text normalisation every loader applies, so that unit texts are the exact strings later quoted."""
from __future__ import annotations

import re
import unicodedata

# Spaces that look like a space but are not U+0020 (no-break, thin, em, ideographic ...), and tabs.
_ODD_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
# Characters that carry nothing a reader sees: zero-width marks, byte-order marks, soft hyphens, C0/C1 controls.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st"})


def _windows_1252_punctuation() -> dict[int, str]:
    """C1 controls in extracted text are Windows-1252 punctuation read as Latin-1 ("\x97" for "—")."""
    table = {}
    for code in range(0x80, 0xA0):
        try:
            table[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:  # five codes are undefined; _INVISIBLE drops them
            pass
    return table


_WINDOWS_1252_C1 = _windows_1252_punctuation()
_SPACE_RUN = re.compile(r" {2,}")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """NFC, one kind of space, no runs of spaces, no trailing spaces, paragraphs separated by exactly "\\n\\n"."""
    text = unicodedata.normalize("NFC", text.translate(_WINDOWS_1252_C1)).translate(_LIGATURES)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    text = text.replace("\f", "\n\n")
    text = _INVISIBLE.sub("", _ODD_SPACES.sub(" ", text))
    lines = [_SPACE_RUN.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def one_line(text: str) -> str:
    """A heading or a metadata value: normalised, with every line break turned into a space."""
    return " ".join(normalize_text(text).split())
