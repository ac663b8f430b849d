"""Answers on the demo corpus with the real model: what a case officer reads."""
from __future__ import annotations

import json

import pytest

from landinfo.answer.types import FRAME
from landinfo.answer.assistant import Assistant
from landinfo.cli import main
from landinfo.export import answer_to_docx, answer_to_markdown
from landinfo.records import Filters

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assistant(demo_settings):
    return Assistant(demo_settings)


def _verbatim(answer):
    by_id = {p.id: p for p in answer.passages}
    for c in answer.citations:
        p = by_id[c.passage_id]
        assert p.text[c.start - p.start:c.end - p.start] == c.quote
        assert f"[{c.marker}]" in answer.text


def test_swedish_question_gets_a_swedish_frame_and_cited_quotes(assistant):
    answer = assistant.ask("Vad riskerar en journalist som återvänder till Veldoria?")
    assert not answer.refused and answer.language == "sv"
    assert answer.text.startswith(FRAME["sv"]["intro"])
    assert answer.citations
    _verbatim(answer)


def test_english_question_is_answered_from_a_swedish_precedent(assistant):
    answer = assistant.ask("What was the outcome of case UM 9901-24?")
    assert not answer.refused and answer.language == "en"
    assert answer.citations[0].source == "case-law/MIG_DEMO_2024-1_UM9901-24.txt"
    assert answer.citations[0].quote.startswith("Rubrik:")
    _verbatim(answer)


def test_off_topic_question_is_refused_with_the_closest_passages(assistant):
    answer = assistant.ask("Which football team won the 1998 World Cup?")
    assert answer.refused and not answer.citations
    assert "do not answer" in answer.text
    assert answer.passages  # still shown to the officer
    sv = assistant.ask("Hur många veldoriska medborgare sökte asyl i Sverige under 2025?")
    assert sv.refused and "besvarar inte" in sv.text


def test_old_country_information_is_flagged(assistant):
    answer = assistant.ask("Hur behandlades återvändande i Veldoria enligt rapporten från 2022?",
                           Filters(doc_types=("coi",), until="2023-12-31"))
    assert not answer.refused
    assert all(c.date < "2024" for c in answer.citations)
    assert any("äldre än 24 månader" in w for w in answer.warnings)


def test_filters_restrict_the_sources(assistant):
    answer = assistant.ask("How are journalists treated?", Filters(doc_types=("precedent",)))
    assert answer.passages and all(p.doc_type == "precedent" for p in answer.passages)


def test_ask_json_has_the_documented_shape(demo_settings, capsys):
    code = main(["--index-dir", str(demo_settings.index_dir), "ask", "How are journalists treated in Veldoria?",
                 "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {"question", "answer", "refused", "citations", "passages", "warnings", "timings"} <= set(data)
    assert {"marker", "passage_id", "source", "title", "date", "page", "section", "quote", "start", "end"} \
        <= set(data["citations"][0])
    assert {"id", "source", "title", "doc_type", "country", "language", "date", "page", "section", "text",
            "score"} <= set(data["passages"][0])


def test_search_batch_prints_one_json_object_per_query(demo_settings, tmp_path, capsys):
    queries = tmp_path / "q.txt"
    queries.write_text("MIG DEMO 2025:2\njournalists detained\n", encoding="utf-8")
    assert main(["--index-dir", str(demo_settings.index_dir), "search", "--batch", str(queries)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["query"] == "MIG DEMO 2025:2"
    assert first["passages"][0]["source"] == "case-law/MIG_DEMO_2025-2_UM9902-25.txt"


def test_export_carries_every_quote_and_source(assistant, tmp_path):
    answer = assistant.ask("Vad riskerar en journalist som återvänder till Veldoria?")
    markdown = answer_to_markdown(answer)
    for c in answer.citations:
        assert c.quote in markdown and c.source in markdown
    path = tmp_path / "answer.docx"
    answer_to_docx(answer, str(path))
    from docx import Document

    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    assert answer.citations[0].quote in text


def test_demo_question_set_holds_its_baseline(demo_settings, tmp_path):
    """evals/demo.yaml runs in the default suite: every quote verbatim, no metric below the committed baseline."""
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    args = ["--index-dir", str(demo_settings.index_dir), "eval", str(repo / "evals" / "demo.yaml"),
            "--out", str(tmp_path / "runs"), "--fail-on-regression", "--quiet", "--json"]
    baseline = repo / "evals" / "baselines" / "demo.json"
    args += ["--compare", str(baseline)] if baseline.exists() else ["--no-compare"]
    assert main(args) == 0


def test_each_source_line_says_where_its_quotes_are(assistant):
    """The page of a PDF ("p. 2"), else the innermost heading: the locator every citation carries."""
    answers = [assistant.ask(q) for q in ("Vad riskerar en journalist som återvänder till Veldoria?",
                                          "Hur många journalister greps i Veldoria under 2021?",
                                          "What was the outcome of case UM 9901-24?")]
    citations = [c for answer in answers for c in answer.citations]
    assert any(c.page for c in citations) and any(not c.page and c.section for c in citations)
    for answer in answers:
        lines = answer.text.splitlines()
        for c in answer.citations:
            assert c.locator == (f"p. {c.page}" if c.page else c.section.split(" > ")[-1])
            line = next(line for line in lines if line.endswith(f"[{c.marker}]"))
            label = " · ".join(bit for bit in (c.title or c.source, c.date, c.locator) if bit)
            assert line.startswith(f"- **{label}**: ")
