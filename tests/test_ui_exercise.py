"""The trainer's exercise: key points ticked from the trainee's own words, results saved as Markdown and JSON."""
from __future__ import annotations

import json

from conftest import REPO
from landinfo.answer.types import Answer, Citation
from landinfo.evaluate.questionset import load_question_set
from landinfo.ui_exercise import Exercise, covered_points, expected_html, question_sets

DEMO = REPO / "evals" / "demo.yaml"


def _answer(question: str) -> Answer:
    return Answer(question=question, language="en", text="According to the sources: “63 journalists” [1]",
                  refused=False, passages=(),
                  citations=(Citation(1, "p", "coi/veldoria-coi-2026.pdf", "Veldoria report", "2026-03-20", 2, "",
                                      "63 journalists", 0, 14),))


def test_key_points_are_ticked_case_insensitively_from_the_assessment():
    qset = load_question_set(DEMO)
    q3 = next(q for q in qset.questions if q.id == "q3")  # key points "MIG DEMO 2026:1", "två år"
    assert covered_points(q3, "Enligt mig demo 2026:1 ska information äldre än TVÅ\n ÅR användas varsamt") == \
        ["MIG DEMO 2026:1", "två år"]
    assert covered_points(q3, "Old information should be used with care") == []


def test_an_exercise_records_each_revealed_question_and_saves_a_report():
    exercise = Exercise(load_question_set(DEMO))
    exercise.reveal("Press monitors counted 63 detained journalists.", _answer(exercise.question.question))
    assert exercise.result.covered == ["63"]
    exercise.move(1)
    exercise.result.assessment = "draft not revealed"
    exercise.move(-5)
    assert exercise.index == 0

    data = json.loads(exercise.to_json_text())
    assert data["question_set"] == "demo" and data["answered"] == 1
    assert data["key_points_covered"] == 1 and data["key_points_total"] == 1
    first = data["questions"][0]
    assert first["revealed"] and first["cited"] == ["[1] Veldoria report, p. 2"]

    report = exercise.to_markdown()
    assert "## q1:" in report and "- [x] 63" in report and "Press monitors counted 63" in report
    assert "draft not revealed" not in report  # only revealed questions are reported

    exercise.result.covered = []  # the trainer unticks the point
    assert "- [ ] 63" in exercise.to_markdown()


def test_an_unanswerable_question_says_the_sources_do_not_answer():
    qset = load_question_set(DEMO)
    unanswerable = next(q for q in qset.questions if not q.answerable)
    assert "do not answer" in expected_html(unanswerable, None, "en")
    answerable = qset.questions[0]
    shown = expected_html(answerable, None, "en")
    assert "coi/veldoria-coi-2026.pdf" in shown and "<mark>Veldorian Press Freedom Watch recorded" in shown


def test_the_question_sets_of_the_repository_are_offered():
    names = [name for name, _ in question_sets(REPO / "evals")]
    assert "demo.yaml" in names
