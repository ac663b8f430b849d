"""Dates as the corpus writes them (YYYY, YYYY-MM, YYYY-MM-DD) and how old they are."""
from __future__ import annotations

from datetime import date


def months_between(iso: str, today: date) -> int:
    """Whole months from `iso` to `today`; a date without a month counts from its year's June."""
    parts = [int(p) for p in iso.split("-")[:2] if p.isdigit()]
    if not parts:
        return 0
    year, month = parts[0], parts[1] if len(parts) > 1 else 6
    return (today.year - year) * 12 + today.month - month
