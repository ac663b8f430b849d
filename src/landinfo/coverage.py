"""The years a document reports on, as opposed to the day it was published: a "2024 Country Report" published in
July 2025 covers 2024. Read once at ingest from the title and the first lines (`stated_period`); a country report that states no
period is taken to cover the year before its publication and the year of it (`default_period`); laws and judgments
report on no period."""
from __future__ import annotations

import re

_YEAR = r"((?:19|20)\d\d)"
# "Editions included: 2024", "Reporting period: 2023", "Rapportperiod 2022"
_LABELLED = re.compile(rf"\b(?:editions?\s+included|reporting\s+period|rapportperiod(?:en)?|avser\s+år(?:et)?|"
                       rf"covering(?:\s+the\s+year)?)\W{{1,4}}{_YEAR}(?:\s*[-–]\s*{_YEAR})?", re.I)
# "2024 Human Rights Report", "2023 Country Reports on ...", "Human Rights Practices for 2024"
_REPORT_YEAR = re.compile(rf"\b{_YEAR}\s+(?:[A-Z][\w-]*\s+){{0,4}}(?:Reports?|Rapport(?:en)?|Review|Update)\b"
                          rf"|\bReports?\s+on\s+[\w\s]{{0,40}}?\bfor\s+{_YEAR}\b")
# "situationen per den 31 december 2018", "as of 31 December 2023", "as of December 31, 2023"
_AS_OF = re.compile(rf"\b(?:per\s+den|as\s+of|as\s+at|fram\s+till)\s+(?:\d{{1,2}}\s+)?[A-Za-zåäö]+\.?\s*"
                    rf"(?:\d{{1,2}},?\s+)?{_YEAR}\b", re.I)


def stated_period(title: str, head: str, date: str) -> str:
    """The years the document says it reports on ("2024", "2015-2016"), or ''."""
    published = _year(date)
    for pattern in (_LABELLED, _REPORT_YEAR, _AS_OF):
        for text in (title, head):
            m = pattern.search(text or "")
            if not m:
                continue
            years = [int(y) for y in m.groups() if y]
            if published and any(y > published for y in years):
                continue  # a year after publication is a plan or a deadline, not the period reported on
            return f"{min(years)}-{max(years)}" if len(set(years)) > 1 else str(years[0])
    return ""


def default_period(doc_type: str, date: str) -> str:
    """What a country report that states no period covers: the year before its publication and the year of it."""
    published = _year(date)
    return f"{published - 1}-{published}" if doc_type == "coi" and published else ""


def period_years(period: str) -> tuple[int, int] | None:
    years = [int(y) for y in re.findall(r"\d{4}", period or "")]
    return (min(years), max(years)) if years else None


def _year(date: str) -> int:
    m = re.match(r"(\d{4})", date or "")
    return int(m.group(1)) if m else 0
