"""Question-set files: what a trainer gets told when a file is wrong, and spreadsheets converted to YAML."""
from pathlib import Path

import pytest
import yaml

from landinfo.errors import QuestionSetError
from landinfo.evaluate.convert import convert_table
from landinfo.evaluate.questionset import dump_question_set, load_question_set

REPO = Path(__file__).resolve().parent.parent

GOOD = """
name: future-risk-iran
description: "Risk on return"
corpus: ../shared/corpus
questions:
  - id: q1
    question: "Vilken risk löper en konvertit?"
    language: sv
    country: Iran
    answerable: true
    expected_sources:
      - source: coi/us-state-dept-2024/iran-2024.md
        quote: "apostasy is punishable by death"
      - source: law/international/echr.pdf
        page: 32
    key_points: ["dödsstraff", "artikel 3"]
    kind: risk-assessment
  - id: q2
    question: "What does MIG 2031:1 say?"
    language: en
    answerable: false
    kind: unanswerable
"""


def write(tmp_path, text, name="set.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_every_field(tmp_path):
    qset = load_question_set(write(tmp_path, GOOD))
    q1, q2 = qset.questions
    assert qset.name == "future-risk-iran" and q1.country == "Iran" and q1.kind == "risk-assessment"
    assert q1.expected_sources[1].page == 32 and q1.expected_sources[0].quote.startswith("apostasy")
    assert not q2.answerable and q2.expected_sources == ()


def test_every_problem_is_reported_by_question_id_and_field(tmp_path):
    bad = GOOD.replace("language: sv", "language: de").replace("id: q2", "id: q1") + """
  - id: q7
    question: "Vad gäller?"
    language: sv
    answerable: yes please
  - id: q8
    question: "Vad gäller?"
    language: en
    expected_source:
      - source: x.md
  - id: q9
    question: "Vad gäller?"
    language: en
"""
    with pytest.raises(QuestionSetError) as caught:
        load_question_set(write(tmp_path, bad))
    message = str(caught.value)
    assert "q1.language: must be sv or en" in message
    assert "duplicate question ids: q1" in message
    assert "q7.answerable:" in message
    assert "q8.expected_source: unknown field" in message
    assert "q9.expected_sources: required when answerable is true" in message


def test_broken_yaml_and_missing_file_are_question_set_errors(tmp_path):
    with pytest.raises(QuestionSetError, match="not valid YAML"):
        load_question_set(write(tmp_path, "name: x\nquestions: [\n"))
    with pytest.raises(QuestionSetError, match="cannot read"):
        load_question_set(tmp_path / "absent.yaml")


@pytest.mark.parametrize("name", ["demo", "dev", "reference"])
def test_the_shipped_sets_are_valid(name):
    path = REPO / "evals" / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"{path} not in this checkout")
    assert len(load_question_set(path).questions) >= 10


def test_dumped_yaml_loads_back_unchanged(tmp_path):
    qset = load_question_set(write(tmp_path, GOOD))
    again = load_question_set(write(tmp_path, dump_question_set(qset), "again.yaml"))
    assert again.model_dump() == qset.model_dump()


CSV_ROWS = [
    ["id", "question", "language", "country", "answerable", "sources", "quotes", "key_points", "kind", "notes"],
    ["q1", "Vilken risk löper en konvertit?", "sv", "Iran", "ja",
     "coi/us-state-dept-2024/iran-2024.md; law/international/echr.pdf#32", "apostasy is punishable by death;",
     "dödsstraff; artikel 3", "risk-assessment", "from the 2024 course"],
    ["q2", "What does MIG 2031:1 say?", "EN", "", "no", "", "", "", "unanswerable", ""],
]


def assert_converted(qset):
    q1, q2 = qset.questions
    assert [e.source for e in q1.expected_sources] == ["coi/us-state-dept-2024/iran-2024.md",
                                                       "law/international/echr.pdf"]
    assert q1.expected_sources[1].page == 32 and q1.expected_sources[1].quote is None
    assert q1.expected_sources[0].quote == "apostasy is punishable by death"
    assert q1.key_points == ("dödsstraff", "artikel 3") and q1.answerable and q1.country == "Iran"
    assert q2.language == "en" and not q2.answerable and q2.kind == "unanswerable"


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_csv_converts_with_either_delimiter_and_round_trips_through_yaml(tmp_path, delimiter):
    import csv

    path = tmp_path / "trainer.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        csv.writer(out, delimiter=delimiter).writerows(CSV_ROWS)
    qset, notes = convert_table(path, name="trainer")
    assert_converted(qset)
    assert notes == ["column 'notes' ignored (not one of id, question, language, country, answerable, sources, "
                     "quotes, key_points, kind)"]
    assert load_question_set(write(tmp_path, dump_question_set(qset))).model_dump() == qset.model_dump()


def test_xlsx_converts_and_round_trips(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    for row in CSV_ROWS:
        book.active.append(row)
    book.active.append([None] * len(CSV_ROWS[0]))  # an empty row at the end is skipped
    path = tmp_path / "trainer.xlsx"
    book.save(path)
    qset, _ = convert_table(path, name="trainer")
    assert_converted(qset)
    assert load_question_set(write(tmp_path, dump_question_set(qset))).model_dump() == qset.model_dump()


def test_a_bad_spreadsheet_row_names_its_id_and_nothing_is_written(tmp_path):
    import csv

    path = tmp_path / "bad.csv"
    rows = [CSV_ROWS[0], ["q1", "Fråga", "de", "", "", "a.md", "one;two", "", "fact", ""],
            ["q2", "Question", "en", "", "", "b.pdf#x", "", "", "fact", ""]]
    with open(path, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    with pytest.raises(QuestionSetError) as caught:
        convert_table(path)
    message = str(caught.value)
    assert "q1.language: must be sv or en" in message
    assert "q1.quotes: more quotes than sources" in message
    assert "q2.expected_sources[0].page" in message


def test_convert_command_writes_yaml_that_loads(tmp_path):
    import argparse
    import csv

    from landinfo.commands import eval as eval_command
    from landinfo.settings import Settings

    source = tmp_path / "trainer.csv"
    with open(source, "w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(CSV_ROWS)
    parser = argparse.ArgumentParser()
    eval_command.register(parser)
    target = tmp_path / "sets" / "iran-risk.yaml"
    args = parser.parse_args(["convert", str(source), "-o", str(target)])
    assert args.func(args, Settings()) == 0
    written = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert written["name"] == "iran-risk" and written["questions"][0]["expected_sources"][1]["page"] == 32
    assert_converted(load_question_set(target))
