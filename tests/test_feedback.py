"""Ratings of answers are kept as JSONL on this machine and exported with `landinfo feedback export`."""
from __future__ import annotations

import csv
import io
import json

import pytest

from landinfo.answer.types import Answer, Citation
from landinfo.cli import main
from landinfo.feedback import FeedbackStore, filter_summary
from landinfo.records import Filters, Passage
from landinfo.settings import Settings

PASSAGE = Passage(id="p1", text="Veldorian Press Freedom Watch recorded the detention of 63 journalists in 2025.",
                  source="coi/veldoria-coi-2026.pdf", title="Veldoria: Human rights situation", doc_type="coi",
                  country="Veldoria", language="en", date="2026-03-20", page=2, section="", score=0.9,
                  start=100, end=179, doc_id="69179a6dd2992e5e")
ANSWER = Answer(
    question="How many journalists were detained in 2025?", language="en",
    text="According to the sources:\n- **Veldoria** “Veldorian Press Freedom Watch recorded the detention of 63 "
         "journalists in 2025.” [1]",
    refused=False,
    citations=(Citation(1, "p1", PASSAGE.source, PASSAGE.title, PASSAGE.date, 2, "", PASSAGE.text, 100, 179, "coi"),),
    passages=(PASSAGE,), filters=Filters(countries=("Veldoria",), doc_types=("coi",), since="2024"))


def test_a_rating_is_stored_with_the_question_answer_citations_and_filters(tmp_path):
    store = FeedbackStore(tmp_path / "feedback")
    store.add(ANSWER, "missing-source", "  The 2022 report is missing  ", user="officer")
    lines = (tmp_path / "feedback" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["rating"] == "missing-source" and record["comment"] == "The 2022 report is missing"
    assert record["question"] == ANSWER.question and record["answer"] == ANSWER.text
    assert record["citations"][0]["page"] == 2 and record["citations"][0]["source"] == "coi/veldoria-coi-2026.pdf"
    assert record["filters"]["countries"] == ["Veldoria"] and record["user"] == "officer"
    assert record["timestamp"].endswith("+00:00")


def test_an_unknown_rating_is_refused_and_a_damaged_line_is_skipped(tmp_path):
    store = FeedbackStore(tmp_path)
    with pytest.raises(ValueError):
        store.add(ANSWER, "meh")
    store.add(ANSWER, "helpful")
    with store.path.open("a", encoding="utf-8") as fh:
        fh.write('{"rating": "wro')  # a write cut short
    assert [r["rating"] for r in store.records()] == ["helpful"]


def test_feedback_export_writes_csv_and_jsonl(tmp_path, capsys):
    store = FeedbackStore(Settings().feedback_dir)
    store.add(ANSWER, "helpful")
    store.add(ANSWER, "wrong", "Wrong year")
    out = tmp_path / "ratings.csv"
    assert main(["feedback", "export", "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["rating"] for r in rows] == ["helpful", "wrong"] and rows[1]["comment"] == "Wrong year"
    assert rows[0]["sources"] == "[1] Veldoria: Human rights situation, p. 2"
    assert rows[0]["filters"] == "country=Veldoria, type=coi, since=2024"

    capsys.readouterr()
    assert main(["feedback", "export", "--format", "jsonl"]) == 0
    exported = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["rating"] for r in exported] == ["helpful", "wrong"]


def test_filter_summary_reads_like_the_flags():
    assert filter_summary(None) == "" and filter_summary(Filters().to_json()) == ""
    assert filter_summary(Filters(languages=("sv", "en"), until="2025-12", prefer_recent=True).to_json()) == \
        "language=sv|en, until=2025-12, prefer recent"
