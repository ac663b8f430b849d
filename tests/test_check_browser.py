"""The "Check an account" tab as a case officer uses it, in Debian chromium against `python app.py` over the demo
corpus: paste an account, see its claims, open a claim's source with the quote marked, export the annex, rate it
without the account's text."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from test_ui_browser import browser, logged_in, page, server  # noqa: F401  (the same served app and login)

pytestmark = pytest.mark.browser
ACCOUNT = ("My name is Aron. My father was ill for many years. "
           "Journalists who write about Orvask province in Veldoria are arrested by the security service. "
           "In Veldoria returnees who were politically active abroad are questioned at the airport.")
CHECK_TIMEOUT = 180_000  # ms: seconds on a quiet machine, but the two cores are shared


def test_an_account_is_split_checked_and_its_sources_open_with_the_quote_marked(page, server, tmp_path):  # noqa: F811
    page.get_by_role("tab", name="Check an account").click()
    page.locator("#check-account textarea").fill(ACCOUNT)
    page.locator("#check-run").click()
    results = page.locator("#check-results label")
    results.first.wait_for(timeout=CHECK_TIMEOUT)
    labels = [label.inner_text() for label in results.all()]
    assert len(labels) == 4
    assert "Personal statement" in labels[1] and "My father was ill" in labels[1]
    assert "Related country information found" in labels[2] and "Journalists who write" in labels[2]
    claims = page.locator("#check-claims textarea").input_value().splitlines()
    assert claims[1] == "(personal) My father was ill for many years."

    results.nth(2).click()
    panel = page.locator("#check-sources")
    card = panel.locator("article.card.cited").first
    card.wait_for(timeout=30_000)
    assert "Related country information found" in panel.inner_text()
    quote = card.locator("mark").first.inner_text()
    assert quote
    page.screenshot(path=tmp_path / "check.png")
    link = card.locator("a.open").last
    with page.context.expect_page() as opened:
        link.click()
    document = opened.value
    document.wait_for_load_state()
    marked = " ".join(m.inner_text() for m in document.locator("mark").all())
    assert " ".join(quote.split())[:40] in " ".join(marked.split())

    page.locator("#check-export").click()
    page.wait_for_function("document.querySelectorAll('#check-annex a').length >= 2", timeout=30_000)
    annex = page.locator('#check-annex a[href*=".md"]').first
    with page.expect_download() as download:
        annex.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("# Annex: country information on the applicant's account")
    assert "Journalists who write about Orvask province" in text and "Personal statements (not checked)" in text

    page.locator("#check-feedback-comment textarea").fill("claim 3 needs the 2022 report too")
    page.locator("#check-rate-helpful").click()
    page.locator("#check-feedback-status").get_by_text("saved").wait_for()
    records = [json.loads(line) for line in
               (server.folder / "feedback" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()]
    mine = [r for r in records if r["comment"] == "claim 3 needs the 2022 report too"]
    assert len(mine) == 1 and mine[0]["mode"] == "claim-check"
    assert "Aron" not in json.dumps(mine[0]) and "Orvask" not in mine[0]["question"]  # the account stays out


def test_a_claim_edited_merged_and_dropped_is_checked_again(page):  # noqa: F811
    page.get_by_role("tab", name="Check an account").click()
    page.locator("#check-account textarea").fill(ACCOUNT)
    page.locator("#check-run").click()
    page.locator("#check-results label").first.wait_for(timeout=CHECK_TIMEOUT)
    edited = ("Journalists who write about Orvask province in Veldoria are arrested by the security service. "
              "In Veldoria returnees who were politically active abroad are questioned at the airport.\n"
              "The security service in Veldoria tortures detained journalists.")
    page.locator("#check-claims textarea").fill(edited)
    page.locator("#check-rerun").click()
    page.wait_for_function("document.querySelectorAll('#check-results label').length == 2", timeout=CHECK_TIMEOUT)
    labels = [label.inner_text() for label in page.locator("#check-results label").all()]
    assert "questioned at the airport" in labels[0] and "tortures detained journalists" in labels[1]


def test_a_trainee_checks_a_fictional_account_as_an_exercise(page, tmp_path):  # noqa: F811
    page.get_by_role("tab", name="Trainer").click()
    page.locator("#trainer-set input").click()
    page.get_by_role("option", name="claims-demo.yaml").click()
    page.locator("#trainer-load").click()
    page.locator("#trainer-question").get_by_text("Castrelle Herald").first.wait_for()
    page.locator("#trainer-assessment textarea").fill("The emergency decree allows 30 days without charge.")
    page.locator("#trainer-reveal").click()
    page.locator("#trainer-answer .check-list li").first.wait_for(timeout=CHECK_TIMEOUT)
    statuses = page.locator("#trainer-answer").inner_text()
    assert "Personal statement" in statuses and "Related country information found" in statuses
    assert page.locator("#trainer-sources article.card.cited mark").count() >= 1
    assert "I januari 2024 protesterade folk" in page.locator("#trainer-expected").inner_text()
    page.screenshot(path=tmp_path / "trainer-check.png", full_page=True)
