"""The chat says how it read the question and which check refused it (issue #12), before any browser."""
from __future__ import annotations

from landinfo.answer.types import Answer
from landinfo.query import parse_query
from landinfo.ui_render import answer_markdown


def _answer(question: str, **changes) -> Answer:
    values = dict(question=question, language="sv", text="Källorna besvarar inte den här frågan.", refused=True,
                  citations=(), passages=(), query=parse_query(question), timings={"total_ms": 10.0})
    values.update(changes)
    return Answer(**values)


def test_the_refusal_names_the_check_and_the_reading_of_the_question():
    html = answer_markdown(_answer("Hur många journalister greps i Mogadishu 2024?",
                                   refusal_reason="missing_period"), 1, "sv")
    line = html.split('query-read">')[1]
    assert "Frågan lästes som: sv · Somalia (Mogadishu: stad) · om: journalister greps · 2024 · efterfrågar en siffra" \
        in line
    assert "inte besvarad: kontrollen missing_period" in line


def test_a_premise_is_shown_as_read_and_nothing_when_no_query():
    html = answer_markdown(_answer("Why did the court grant asylum in MIG 2013:6?", language="en", refused=False),
                           1, "en")
    assert "Read as: en · MIG 2013:6 · assumes: did the court grant asylum in MIG 2013:6" in html
    assert "query-read" not in answer_markdown(_answer("x", query=None), 1, "en")


def test_the_line_says_how_each_country_was_found_and_what_the_question_is_about():
    html = answer_markdown(_answer("Vad riskerar en kristen kvinna från delstaten Borno?", refused=False), 1, "sv")
    assert "Nigeria (Borno: provins eller region) · om: kristen" in html
    html = answer_markdown(_answer("What risk does a Somali who lived in Kenya face?", language="en",
                                   refused=False), 1, "en")
    assert "Somalia (Somali) · Kenya" in html
