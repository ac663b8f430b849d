"""The whole reference corpus (../shared/corpus) through the real pipeline: facts a user would check."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import SHARED_CORPUS, needs_shared
from landinfo.cli import main
from landinfo.ingest import ingest
from landinfo.retrieve import Retriever
from landinfo.store import Store

pytestmark = [needs_shared, pytest.mark.slow]


def test_everything_readable_is_indexed_once(shared_settings):
    report = shared_settings.__dict__["_ingest_report"]
    assert report.problems == []
    with Store.open(shared_settings) as store:
        status = store.status()
    assert status["documents"] >= 400 and status["chunks"] > 2000
    assert status["by_type"]["case-summary"] > 250 and status["by_type"]["coi"] >= 25
    assert set(status["by_language"]) == {"sv", "en"}


def test_reingest_embeds_nothing(shared_settings):
    report = ingest(SHARED_CORPUS, shared_settings, progress=False)
    assert report.embedded == 0 and report.chunks["added"] == 0 and report.chunks["removed"] == 0
    assert report.files["unchanged"] >= 400


def test_the_precedent_in_three_formats_is_indexed_once(shared_settings):
    with Store.open(shared_settings) as store:
        records = {r.source: r for r in store.manifest.records().values()}
    docx = records["case-law/mig-originals/UM7533-12.docx"]
    assert docx.status == "duplicate" and docx.canonical.endswith("case-law/mig/MIG_2013-6_UM7533-12.txt")
    canonical = records["case-law/mig/MIG_2013-6_UM7533-12.txt"]
    assert canonical.status == "indexed"
    assert "MIG 2013:6" in canonical.meta["references"] and canonical.meta["date"] == "2013-03-22"
    assert set(canonical.meta["_duplicates"]) == {"case-law/mig-originals/UM7533-12.docx",
                                                    "case-law/mig-originals/UM7533-12.xhtml"}
    hits = Retriever(shared_settings).retrieve("MIG 2013:6", None, 10)
    assert hits[0].source == "case-law/mig/MIG_2013-6_UM7533-12.txt"
    assert not [p for p in hits if p.source.startswith("case-law/mig-originals/")]


def test_article_33_of_the_refugee_convention_is_on_its_page(shared_settings):
    hits = Retriever(shared_settings).retrieve("Article 33 of the 1951 Refugee Convention", None, 5)
    top = hits[0]
    assert top.source.endswith("1951-Refugee Convention-1967-protocol (UNHCR Mandate).pdf")
    assert top.page == 32 and "Article 33" in top.section
    assert "No Contracting State shall expel or return" in " ".join(top.text.split())


@pytest.mark.parametrize("query", ["What does Article 3 of the ECHR say?", "Vad säger artikel 3 i Europakonventionen?"])
def test_article_3_of_the_echr_is_the_conventions_not_a_protocols(shared_settings, query):
    """ECHR_ENG.pdf prints the protocols after the Convention, each with its own Article 3."""
    hits = Retriever(shared_settings).retrieve(query, None, 2)
    assert [(h.source.split("/")[-1], h.page) for h in hits] == [
        ("ECHR_ENG.pdf", 5), ("CoE_European Convention for the Protection of Human Rights and Fundamental "
                              "Freedoms_1950_EN.pdf", 2)]
    assert all("No one shall be subjected to torture" in " ".join(h.text.split()) for h in hits)


def test_statute_section_is_one_addressable_passage(shared_settings):
    hits = Retriever(shared_settings).retrieve("4 kap. 1 § utlänningslagen", None, 5)
    assert hits[0].source == "law/sfs/sfs-2005-716.md"
    assert hits[0].section.endswith("1 §") and "4 kap." in hits[0].section
    assert "Med flykting avses" in hits[0].text


def test_swedish_question_finds_the_english_report(shared_settings):
    hits = Retriever(shared_settings).retrieve("Hur behandlas journalister i Eritrea?", None, 10)
    assert any(p.source == "coi/us-state-dept-2024/eritrea-2024.md" for p in hits)


def test_filters_apply_before_ranking(shared_settings):
    hits = Retriever(shared_settings).retrieve("tortyr vid återvändande", None, 10)
    assert {p.doc_type for p in hits} - {"coi"}
    from landinfo.records import Filters

    only = Retriever(shared_settings).retrieve("tortyr vid återvändande",
                                               Filters(countries=("Iran",), doc_types=("coi",)), 10)
    assert only and all(p.doc_type == "coi" and "Iran" in p.country for p in only)


def test_a_corrupt_copy_is_reported_and_the_rest_ingested(tmp_path, shared_settings, capsys):
    corpus = tmp_path / "mixed"
    corpus.mkdir()
    pdf = SHARED_CORPUS / "law" / "international" / "CHARTER OF FUNDAMENTAL RIGHTS OF THE EUROPEAN UNION.pdf"
    (corpus / "charter-broken.pdf").write_bytes(pdf.read_bytes()[:20000])
    shutil.copy(SHARED_CORPUS / "case-law" / "mig" / "MIG_2013-4_UM8680-11.txt", corpus / "mig.txt")
    code = main(["--index-dir", str(tmp_path / "idx"), "ingest", str(corpus), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    assert report["files"]["ingested"] == 1 and report["files"]["failed"] == 1
    assert report["problems"][0]["path"] == "charter-broken.pdf"
    assert report["problems"][0]["reason"]


def test_every_quote_of_real_answers_is_verbatim(shared_settings):
    from landinfo.answer.assistant import Assistant

    assistant = Assistant(shared_settings)
    questions = [
        "Vilken bedömning gjorde CAT-kommittén av risken för tortyr för en iransk kvinna dömd till stening?",
        "How are journalists treated in Eritrea?",
        "Vad krävs enligt MIG 2009:30 för att muntlig förhandling ska kunna vägras?",
        "What does Article 3 of the European Convention on Human Rights prohibit?",
        "Vilka är förföljelsegrunderna i 4 kap. 1 § utlänningslagen?",
        "What happens to people who return to Afghanistan after working for the former government?",
    ]
    for question in questions:
        answer = assistant.ask(question)
        by_id = {p.id: p for p in answer.passages}
        assert answer.citations or answer.refused, question
        for c in answer.citations:
            passage = by_id[c.passage_id]
            assert passage.text[c.start - passage.start:c.end - passage.start] == c.quote
            assert f"[{c.marker}]" in answer.text and c.quote in answer.text


@pytest.mark.parametrize("question, page, opening", [
    ("What does Article 3 of the ECHR say?", 5, "No one shall be subjected to torture"),
    ("Vad innebär den diskretionära klausulen i artikel 17 i Dublinförordningen?", 11,
     "each Member State may decide to examine an application"),
])
def test_a_question_naming_an_article_is_answered_with_that_article(shared_settings, question, page, opening):
    from landinfo.answer.assistant import Assistant

    answer = Assistant(shared_settings).ask(question)
    assert not answer.refused, answer.text
    first = answer.citations[0]
    assert first.page == page and opening in " ".join(first.quote.split()), (first.source, first.page, first.quote)


def test_the_year_in_a_regulation_number_is_not_a_year_the_question_asks_about(shared_settings):
    from landinfo.answer.assistant import Assistant

    answer = Assistant(shared_settings).ask(
        "Which situations of armed conflict count as serious harm under Article 15 of Regulation (EU) 2024/1347?")
    assert not answer.refused, answer.text
    assert any("indiscriminate violence" in c.quote for c in answer.citations), answer.text


def test_reference_set_does_not_regress(shared_settings, tmp_path):
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    baseline = repo / "evals" / "baselines" / "reference.json"
    if not baseline.exists():
        pytest.skip("no committed baseline summary for evals/reference.yaml")
    code = main(["--index-dir", str(shared_settings.index_dir), "eval", str(repo / "evals" / "reference.yaml"),
                 "--corpus", str(SHARED_CORPUS), "--out", str(tmp_path / "runs"), "--compare", str(baseline),
                 "--fail-on-regression", "--quiet"])
    assert code == 0, "evals/reference.yaml regressed against evals/baselines/reference.json (see the report)"
