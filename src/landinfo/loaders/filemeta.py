"""Metadata that PDF and Word files carry about themselves, kept only when it says something."""
from __future__ import annotations

import datetime as dt
import re

from .normalize import one_line

_JUNK_VALUES = {"untitled", "unknown", "none", "null", "n/a", "title", "document", "dokument", "-", "()"}
_EDITOR_PREFIX = re.compile(r"^Microsoft (?:Word|PowerPoint|Excel) - ", re.IGNORECASE)
_FILE_NAME = re.compile(r"^[\w .()-]+\.(?:docx?|pdf|rtf|odt|indd|tmp|txt|html?|xlsx?|pptx?)$", re.IGNORECASE)
_TEMPLATE_NAME = re.compile(r"^[A-ZÅÄÖ]?[a-zåäö]+(?:[A-ZÅÄÖ][a-zåäö]+)+\d*$")  # "ReferatLagrummet", "Normal1"


def _title(value: str) -> str:
    """'' for what an editor or a template wrote rather than an author: file names, "Untitled", CamelCase ids."""
    title = _EDITOR_PREFIX.sub("", value).strip()
    if _FILE_NAME.match(title) or _TEMPLATE_NAME.match(title):
        return ""
    return title


def _iso_date(value: dt.date) -> str:
    """An ISO date, or '' for the placeholder dates tools write (before 1980, or in the future)."""
    today = dt.date.today()
    day = value.date() if isinstance(value, dt.datetime) else value
    return day.isoformat() if dt.date(1980, 1, 1) <= day <= today + dt.timedelta(days=1) else ""


def clean_meta(values: dict) -> dict:
    """Strings on one line, dates as ISO dates, and nothing empty or meaningless."""
    cleaned = {}
    for key, value in values.items():
        if isinstance(value, (dt.date, dt.datetime)):
            text = _iso_date(value)
        elif isinstance(value, str):
            text = one_line(value)
            if key == "title":
                text = _title(text)
        else:
            continue
        if text and text.lower() not in _JUNK_VALUES:
            cleaned[key] = text
    return cleaned
