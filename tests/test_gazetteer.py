"""Places below the country level and the names the corpus ties to one country (gazetteer.py), as a question is
read: an officer writes the applicant's province, clan or party, not the country."""
from __future__ import annotations

from landinfo.catalog import Catalog
from landinfo.gazetteer import CorpusNames, fold, regions_in, subdivision_table
from landinfo.query import parse_query


def test_spellings_of_one_name_share_a_key():
    assert fold("Kismaayo") == fold("Kismayo")
    assert fold("Qandahar") == fold("Kandahar")
    assert fold("Baluchistan") == fold("Balochistan")
    assert fold("As Sulaymānīyah") == fold("Sulaymaniya")
    assert fold("Kirkuk") != fold("Kabul")


def test_a_subdivision_names_its_country_and_a_people_or_a_word_does_not():
    table = subdivision_table()
    assert table[fold("Borno")] == "Nigeria" and table[fold("Tigray")] == "Ethiopia"
    assert table[fold("South Kordofan")] == "Sudan"
    assert fold("Somali") not in table  # a region of Ethiopia, and Somalia's people
    assert fold("Delta") not in table  # a state of Nigeria, and an everyday word


def _reports(*docs):
    return CorpusNames.from_documents(docs)


def test_a_name_the_reports_of_one_country_share_maps_to_that_country():
    names = _reports(("Iraq", "Yazidis from Sinjar were displaced."), ("Iraq", "Return to Sinjar remains slow."),
                     ("Syria", "Kurdish forces hold the north."), ("Iraq", "Kurdish parties govern the north."),
                     ("Iran", "Kurdish activists were executed."))
    assert names.countries[fold("Sinjar")] == "Iraq"
    assert fold("Kurdish") not in names.countries  # in the reports of three countries
    assert fold("Iraq") not in names.countries


def test_one_report_alone_ties_no_name():
    names = _reports(("Somalia", "Al-Shabaab controls Jilib."), ("Kenya", "Refugees in Dadaab."))
    assert fold("Jilib") not in names.countries


def test_the_question_finds_its_country_through_a_province_or_a_corpus_name():
    catalog = Catalog.from_metas([])
    catalog.corpus_names = _reports(("Iraq", "Yazidis from Sinjar."), ("Iraq", "Sinjar agreement."))
    q = parse_query("What risk does a Yazidi woman from Sinjar face on return?", catalog=catalog)
    assert q.subject_countries == ("Iraq",)
    assert q.to_json()["countries_via"] == [{"country": "Iraq", "via": "corpus", "name": "Sinjar"}]
    q = parse_query("Hur ser säkerhetsläget ut för en kristen kvinna i delstaten Borno?", catalog=catalog)
    assert q.to_json()["countries_via"] == [{"country": "Nigeria", "via": "subdivision", "name": "Borno"}]


def test_two_countries_in_one_question_are_both_kept_with_how_each_was_found():
    q = parse_query("En somalier som har bott i Kenya i tio år – kan han återvända till Mogadishu?")
    via = {(c["country"], c["via"]) for c in q.to_json()["countries_via"]}
    assert {("Somalia", "demonym"), ("Kenya", "name")} <= via
    assert set(q.subject_countries) == {"Somalia", "Kenya"}


def test_a_country_named_in_the_question_is_not_found_again_through_its_province():
    q = parse_query("Is Borno state in Nigeria safe for Christians?")
    assert q.subject_countries == ("Nigeria",)
    assert [r.name for r in regions_in("Is Borno state in Nigeria safe?")] == ["Borno"]
