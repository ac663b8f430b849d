"""Source descriptions: the shipped publishers file is valid, each citation card says who published the source,
what kind of source it is and one line about the publisher, and an unknown publisher gets "no description"."""
from __future__ import annotations

import pytest

from landinfo import publishers
from landinfo.datafiles import data_file
from landinfo.errors import DataFileError
from landinfo.records import Passage
from landinfo.ui_render import publisher_html, source_card

SHIPPED = data_file("publishers.tsv")


def test_the_shipped_file_loads_and_every_row_is_complete():
    known = publishers.load(SHIPPED)
    rows = {p.name: p for p in known.values()}
    assert len(rows) >= 20
    for publisher in rows.values():
        assert publisher.source_type in publishers.SOURCE_TYPES
        for language in ("en", "sv"):
            line = publisher.description[language]
            assert line and "\n" not in line and len(line) <= 200, publisher.name
    assert {p.source_type for p in rows.values()} == set(publishers.SOURCE_TYPES)


def test_the_publishers_of_the_reference_and_demo_corpora_are_described():
    for name in ("Regeringskansliet", "Utrikesdepartementet", "US Department of State", "Migrationsöverdomstolen",
                 "European Union", "Council of Europe", "UNHCR", "Fictional Country Information Desk (FCID)"):
        assert publishers.description(name, "en") and publishers.description(name, "sv"), name
    assert publishers.find("  us department  of state ").name == "US Department of State"  # case and spacing
    assert publishers.find("UD").name == "Utrikesdepartementet"  # another name


def test_the_kind_of_source_comes_from_the_document_then_the_publisher():
    assert publishers.source_type("Regeringskansliet", "statute") == "legislation"
    assert publishers.source_type("Regeringskansliet", "case-summary") == "government"
    assert publishers.source_type("UNHCR", "coi") == "un"
    assert publishers.source_type("Council of Europe", "treaty") == "treaty"
    assert publishers.source_type("Human Rights Watch", "coi") == "ngo"
    assert publishers.source_type("Migrationsöverdomstolen (fiktivt avgörande)", "precedent") == "training"
    assert publishers.source_type("Some Unknown Institute", "coi") == ""
    assert publishers.source_type("Some Unknown Institute", "precedent") == "court"


def test_an_unknown_publisher_gets_no_description_rather_than_a_guess():
    card = publisher_html("Institute of Nowhere Studies", "coi", "en")
    assert "Institute of Nowhere Studies" in card and "no description" in card
    assert "ingen beskrivning" in publisher_html("Institute of Nowhere Studies", "coi", "sv")
    # a name that merely starts like a known one is not taken for it
    assert publishers.find("UNHCR Regional Bureau for Asia") is None
    assert "unknown publisher" in publisher_html("", "coi", "en")


def test_a_citation_card_shows_publisher_type_and_description_in_the_ui_language():
    passage = Passage(id="p1", text="Journalists were detained.", source="coi/x.md", title="Report", doc_type="coi",
                      country="Testland", language="en", date="2025-01-01", page=None, section="", score=1.0,
                      publisher="UNHCR")
    english = source_card(passage, 1, [], "en", 24, None)
    assert "UNHCR" in english and "UN body" in english and "The UN Refugee Agency" in english
    swedish = source_card(passage, 1, [], "sv", 24, None)
    assert "FN-organ" in swedish and "FN:s flyktingorgan" in swedish


@pytest.mark.parametrize("row, reason", [
    ("Acme\t\tthink-tank\tA tank.\tEn tank.", "type 'think-tank' is not one of"),
    ("Acme\t\tngo\tA tank.\t", "needs a description in English and in Swedish"),
    ("\t\tngo\tA tank.\tEn tank.", "a publisher needs a name"),
    ("Acme\tUNHCR\tngo\tA tank.\tEn tank.", "'UNHCR' is already a name of UNHCR"),
    ("Acme\tngo", "2 tab-separated columns"),
])
def test_a_malformed_row_names_its_file_and_line(tmp_path, row, reason):
    broken = tmp_path / "publishers.tsv"
    broken.write_text(SHIPPED.read_text(encoding="utf-8") + row + "\n", encoding="utf-8")
    lines = broken.read_text(encoding="utf-8").count("\n")
    with pytest.raises(DataFileError) as error:
        publishers.load(broken)
    assert f"publishers.tsv:{lines}:" in str(error.value) and reason in str(error.value)
