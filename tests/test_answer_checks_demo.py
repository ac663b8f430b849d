"""The answer layer's checks and premises end to end on the demo corpus, with the real model: what an officer reads
and what `ask --json` gives."""
from __future__ import annotations

import json

import pytest

from landinfo.answer.assistant import Assistant
from landinfo.answer.quotes import verify_citations
from landinfo.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(demo_settings):
    return Assistant(demo_settings)


@pytest.mark.parametrize("question, reason, shown", [
    ("Vad kom Migrationsöverdomstolen fram till i MIG DEMO 2030:5?", "missing_reference", "MIG DEMO 2030:5"),
    ("How are journalists treated in Somalia?", "missing_country", "Somalia"),
    ("Hur behandlades journalister i Veldoria under 2015?", "missing_period", "2015"),
])
def test_each_refusal_names_the_check_and_what_is_missing(assistant, question, reason, shown):
    answer = assistant.ask(question)
    assert answer.refused and answer.refusal_reason == reason
    assert shown in answer.text and not answer.citations
    assert answer.passages  # the closest passages are still shown


def test_a_question_assuming_the_wrong_outcome_gets_what_the_court_held_first(assistant):
    answer = assistant.ask("Varför avslog Migrationsöverdomstolen journalistens överklagande i MIG DEMO 2024:1?")
    premise = answer.premise
    assert premise is not None and premise.kind == "decision"
    assert answer.text.startswith("Vad domstolen kom fram till:")
    assert premise.citations and all(c.source.endswith("MIG_DEMO_2024-1_UM9901-24.txt") for c in premise.citations)
    assert set(premise.citations) <= set(answer.citations)
    assert not verify_citations(list(answer.citations), list(answer.passages))


def test_a_since_clause_is_searched_on_its_own(assistant):
    answer = assistant.ask("Since Veldoria releases detained journalists within 72 hours, what risk does a "
                           "returning journalist face?")
    assert answer.premise is not None and answer.premise.kind == "since"
    assert answer.premise.clause == "Veldoria releases detained journalists within 72 hours"
    assert answer.text.startswith("What the sources say about: Veldoria releases")
    assert not verify_citations(list(answer.citations), list(answer.passages))


def test_ask_json_carries_the_query_the_reason_and_the_premise(demo_settings, capsys):
    argv = ["--index-dir", str(demo_settings.index_dir), "ask", "--json", "What did the court hold in MIG DEMO 2030:5?"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["refused"] and out["refusal_reason"] == "missing_reference"
    assert out["query"]["references"][0]["key"] == "MIG DEMO 2030:5" and out["query"]["language"] == "en"
    assert out["premise"] is None and {"answer", "citations", "passages", "warnings"} <= set(out)
