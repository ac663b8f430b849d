"""The years a document reports on (coverage.py), read at ingest and carried to every passage: a 2024 country
report published in 2025 answers a question about 2024."""
from __future__ import annotations

from pathlib import Path

import pytest

from landinfo.coverage import default_period, period_years, stated_period
from landinfo.ingest import ingest
from landinfo.retrieve import Retriever

REPORT = """---
title: Eritrea — Country Reports on Human Rights Practices
date: 2025-07
doc_type: coi
countries: [Eritrea]
---
# Eritrea — Country Reports on Human Rights Practices

Editions included: 2024

## Eritrea — 2024 Human Rights Report

On May 3, security forces detained sixteen journalists without charge in the capital.
"""
SUMMARY = """---
title: Mänskliga rättigheter i Eritrea
date: 2019-12-18
doc_type: coi
countries: [Eritrea]
---
Här följer en sammanfattning av rapporten om situationen per den 31 december 2018. Journalister hålls fängslade.
"""


@pytest.mark.parametrize("title, head, date, period", [
    ("Eritrea — Country Reports on Human Rights Practices", "Editions included: 2024", "2025-07", "2024"),
    ("Iran: 2023 Human Rights Report", "", "2024-04", "2023"),
    ("Mänskliga rättigheter i Irak", "situationen per den 31 december 2018 samt", "2019-12-18", "2018"),
    ("Country update", "Reporting period: 2021–2022", "2023-01", "2021-2022"),
    ("Utlänningslag (2005:716)", "1 kap. 1 §", "2005-09-29", ""),
    ("A plan", "Editions included: 2030", "2025-01", ""),  # a year after publication is not a period reported on
])
def test_stated_period(title, head, date, period):
    assert stated_period(title, head, date) == period


def test_a_report_stating_no_period_covers_the_year_before_it_and_its_own():
    assert default_period("coi", "2019-12-18") == "2018-2019"
    assert default_period("precedent", "2019-12-18") == "" and default_period("coi", "") == ""
    assert period_years("2015-2016") == (2015, 2016) and period_years("") is None


def test_the_period_is_stored_at_ingest_and_shown_on_each_passage(fake_settings, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "eritrea-2024.md").write_text(REPORT, encoding="utf-8")
    (corpus / "ud-eritrea.md").write_text(SUMMARY, encoding="utf-8")
    ingest(corpus, fake_settings, progress=False)
    passages = Retriever(fake_settings).retrieve("journalists detained Eritrea", None, 5)
    periods = {Path(p.source).name: p.period for p in passages}
    assert periods == {"eritrea-2024.md": "2024", "ud-eritrea.md": "2018"}
    assert all(p.to_json()["period"] == p.period for p in passages)
