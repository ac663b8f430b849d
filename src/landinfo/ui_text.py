"""The browser UI's words in English and Swedish, from data/text/<language>.yaml (section ui); answer frames
and export headings live in the same files (answer.FRAME, export.HEADINGS)."""
from __future__ import annotations

from . import datafiles

TEXT: dict[str, dict[str, str]] = {language: sections["ui"] for language, sections in datafiles.text().items()}


def t(language: str, key: str, **values) -> str:
    words = TEXT.get(language) or TEXT["en"]
    text = words.get(key, TEXT["en"].get(key, key))
    return text.format(**values) if values else text


def number(language: str, n: int) -> str:
    """A count as the language writes it: 12,500 in English, 12 500 (a no-break space) in Swedish."""
    text = f"{n:,}"
    return text.replace(",", "\u00a0") if language == "sv" else text
