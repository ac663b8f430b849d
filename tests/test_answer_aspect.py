"""An answer about a country quotes what bears on what was asked, leads with the country information, and never
quotes a publisher's template or a line that only points elsewhere (issue #22). Fake embedder: no model."""
from __future__ import annotations

from fakes import FakeEmbedder
from landinfo.answer.extractive import ExtractiveAnswerer
from landinfo.boilerplate import Boilerplate, template_key
from landinfo.query import parse_query
from landinfo.records import Passage


def passage(pid: str, text: str, country: str = "Eritrea", doc_type: str = "coi", date: str = "2025-07",
            publisher: str = "") -> Passage:
    return Passage(id=pid, text=text, source=f"{pid}.md", title=pid, doc_type=doc_type, country=country,
                   language="en", date=date, page=None, section="", score=1.0, start=0, end=len(text),
                   doc_id=pid, publisher=publisher)


def test_the_aspect_is_what_is_left_of_a_risk_question():
    assert parse_query("What risk does a returning journalist face in Eritrea?").aspect == ("journalist",)
    assert parse_query("Vad riskerar en konvertit som återvänder till Iran?").aspect == ("konvertit",)


def test_a_country_the_sources_cover_but_not_on_the_aspect_is_refused_as_missing_topic():
    answerer = ExtractiveAnswerer(FakeEmbedder(), min_evidence=0.1)
    conscripts = passage("er", "Returnees to Eritrea who evaded national service face detention on return.")
    draft = answerer.answer(parse_query("What risk does a returning journalist face in Eritrea?"),
                            passages=[conscripts])
    assert draft.refused and draft.refusal_reason == "missing_topic"
    assert draft.text.endswith("The indexed sources on Eritrea say nothing about journalist.")
    journalists = passage("er2", "Journalists returning to Eritrea face detention on return without charge.")
    draft = answerer.answer(parse_query("What risk does a returning journalist face in Eritrea?"),
                            passages=[conscripts, journalists])
    assert not draft.refused and {c.passage_id for c in draft.citations} == {"er2"}


def test_a_risk_answer_leads_with_country_information_and_heads_the_case_law():
    answerer = ExtractiveAnswerer(FakeEmbedder(), min_evidence=0.1)
    view = passage("cat", "The Committee found that deserters returned to Eritrea risk torture and detention.",
                   doc_type="case-summary", date="1999-05")
    report = passage("us", "Deserters returned to Eritrea risk detention and torture in military prisons.",
                     date="2025-07")
    draft = answerer.answer(parse_query("Do deserters returned to Eritrea risk torture?"), passages=[view, report])
    lines = draft.text.splitlines()
    assert lines[1].startswith("- **us") and lines[2] == "How courts and committees assessed similar cases:"
    assert lines[3].startswith("- **cat") and [c.marker for c in draft.citations] == [1, 2]


def test_a_question_about_a_decision_keeps_the_decision_first():
    answerer = ExtractiveAnswerer(FakeEmbedder(), min_evidence=0.1)
    view = passage("cat", "The Committee found that deserters returned to Eritrea risk torture.",
                   doc_type="case-summary", date="1999-05")
    report = passage("us", "Deserters returned to Eritrea risk torture in military prisons.", date="2025-07")
    draft = answerer.answer(parse_query("What did the court hold in MIG 2009:30 about deserters?"),
                            passages=[view, report])
    assert "How courts" not in draft.text


def test_templates_of_a_publisher_and_navigation_are_never_quoted():
    texts = [f"Here follows a summary of the report on {country} with a link to the full report. "
             f"{country} detains journalists without charge for long periods of time."
             for country in ("Eritrea", "Iran", "Syria", "Somalia", "Iraq")]
    metas = [{"doc_id": f"d{i}", "publisher": "UD"} for i in range(len(texts))]
    boilerplate = Boilerplate.from_chunks(texts, metas)
    assert template_key("Here follows a summary of the report on Eritrea with a link to the full report.") \
        in boilerplate.templates
    assert "Eritrea detains journalists without charge for long periods of time." not in boilerplate
    assert "gov/trafficking-in-persons-report/." in boilerplate  # what is left of an address: navigation
    assert "Journalists were detained, see https://example.org/report for details." not in boilerplate
    answerer = ExtractiveAnswerer(FakeEmbedder(), min_evidence=0.1, boilerplate=lambda: boilerplate)
    draft = answerer.answer(parse_query("What does the report on Eritrea say about journalists?"),
                            passages=[passage("d0", texts[0], publisher="UD")])
    assert "Here follows" not in draft.text and "detains journalists" in draft.text
