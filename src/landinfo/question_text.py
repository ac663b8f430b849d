"""Whether a text can be a question at all: the one rule the command line and the chat both apply."""
from __future__ import annotations

import unicodedata


def has_words(text: str | None) -> bool:
    """True when the text holds at least one letter or digit of any script ("Vad?", "SFS 2005:716", "لماذا؟");
    False for empty, whitespace-only and punctuation- or symbol-only text ("?!...", "---", "   ", "🙂")."""
    return any(_is_word_character(ch) for ch in text or "")


def _is_word_character(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] == "L" or category == "Nd"

