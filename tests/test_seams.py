"""The seams between stages: where a citation points (the locator), the threshold an answerer refuses below."""
from __future__ import annotations

import inspect

from landinfo import tuning
from landinfo.answer.types import Citation
from landinfo.answer.extractive import ExtractiveAnswerer
from landinfo.answer.assistant import Assistant
from landinfo.records import Passage, locator


def _passage(page, section) -> Passage:
    return Passage(id="a", text="Text.", source="coi/x.pdf", title="X", doc_type="coi", country="", language="en",
                   date="2025-01-01", page=page, section=section, score=1.0)


def test_a_pdf_passage_is_located_by_its_page_and_any_other_by_its_innermost_heading():
    assert _passage(12, "Chapter II > Article 15").locator == "p. 12"
    assert _passage(None, "Utlänningslag > 4 kap. Flyktingar > 1 §").locator == "1 §"
    assert _passage(None, "").locator == ""


def test_a_citation_is_located_like_its_passage():
    citation = Citation(marker=1, passage_id="a", source="coi/x.pdf", title="X", date="2025-01-01", page=None,
                        section="4 kap. Flyktingar > 1 §", quote="Text.", start=0, end=5)
    assert citation.locator == "1 §"


def test_the_locator_words_the_page_and_gives_the_whole_heading_path_when_asked():
    assert locator(3, "", page_label="s. {page}") == "s. 3"
    assert locator(None, "4 kap. Flyktingar > 1 §", whole_path=True) == "4 kap. Flyktingar > 1 §"


def test_the_answerer_refuses_below_the_calibrated_threshold_unless_the_settings_name_another(demo_settings):
    assert inspect.signature(ExtractiveAnswerer).parameters["min_evidence"].default == tuning.MIN_EVIDENCE == 0.855
    assert Assistant(demo_settings).extractive.min_evidence == tuning.MIN_EVIDENCE
    assert Assistant(demo_settings.model_copy(update={"refusal_threshold": 0.9})).extractive.min_evidence == 0.9
