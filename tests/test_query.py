"""The question read once (query.py), what the index holds by name (catalog.py) and the answer checks
(answer/checks.py): each check's reason, without a model."""
from __future__ import annotations

import pytest

from fakes import FakeEmbedder
from landinfo.answer import checks
from landinfo.answer.extractive import ExtractiveAnswerer
from landinfo.catalog import Catalog
from landinfo.query import parse_query, premise_clause, years_in
from landinfo.records import Passage

METAS = [
    {"doc_id": "mig", "references": "|MIG 2009:30|UM 7867-08|", "country": "Iraq", "title": "MIG 2009:30",
     "source": "mig.txt", "section": ""},
    {"doc_id": "law", "references": "|SFS 2005:716|", "country": "", "title": "Utlänningslag (2005:716)",
     "source": "sfs-2005-716.md", "section": "Utlänningslag > 4 kap. Flyktingar > 1 §"},
    {"doc_id": "echr", "references": "", "country": "", "title": "European Convention on Human Rights",
     "source": "ECHR.pdf", "section": "Section I > Article 3"},
    {"doc_id": "cat", "references": "|Agiza mot Sverige|", "country": "Egypt", "title": "CAT i målet Agiza",
     "source": "agiza.md", "section": ""},
    {"doc_id": "coi", "references": "", "country": "Somalia", "title": "Somalia report", "source": "so.md",
     "section": ""},
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_metas(METAS)


def passage(pid: str, text: str, country: str = "", doc_type: str = "coi", date: str = "2025-07",
            period: str = "") -> Passage:
    return Passage(id=pid, text=text, source=f"{pid}.md", title=pid, doc_type=doc_type, country=country,
                   language="en", date=date, page=None, section="", score=1.0, start=0, end=len(text),
                   doc_id=pid, period=period)


def test_language_references_years_and_what_is_asked():
    q = parse_query("Hur många journalister greps i Eritrea 2015–2016 enligt 4 kap. 1 § utlänningslagen?")
    assert q.language == "sv"
    assert [(r.kind, r.key) for r in q.references] == [("section", "4 kap. 1 §")]
    assert q.years == (2015, 2016) and q.asks_figure and not q.asks_date
    assert q.countries == ("Eritrea",) and q.subject_countries == ("Eritrea",)
    assert "journalists" in q.expansions  # the glossary's English forms for a Swedish question
    assert parse_query("When was the law passed?").asks_date and parse_query("Vilket år infördes den?").asks_date
    assert not parse_query("Vad händer när en asylsökande håller sig undan?").asks_date  # "när" as a conjunction


def test_numbers_of_acts_and_cases_are_not_years():
    assert years_in("MIG 2009:30, Regulation (EU) 2024/1347 and SFS 2005:716") == ()
    assert years_in("What happened in 2024?") == (2024,)


def test_a_city_names_its_country_and_everyday_words_do_not(catalog):
    q = parse_query("What is the security situation in Mogadishu?", catalog=catalog)
    assert [(p.name, p.country) for p in q.places] == [("Mogadishu", "Somalia")]
    assert q.subject_countries == ("Somalia",)
    for text in ("Since Human Rights Watch reported in March, what changed?", "Freedom of the press in Iran?"):
        assert not parse_query(text, catalog=catalog).places, text


def test_the_deciding_state_is_not_a_country_asked_about():
    q = parse_query("Får Sverige utvisa en irakisk medborgare?", home_country="Sweden")
    assert q.countries == ("Sweden", "Iraq") and q.subject_countries == ("Iraq",)


@pytest.mark.parametrize("question, clause, kind", [
    ("Why did the court grant permanent residence in MIG 2013:6?",
     "did the court grant permanent residence in MIG 2013:6", "why"),
    ("Varför beviljade domstolen uppehållstillstånd?", "beviljade domstolen uppehållstillstånd", "why"),
    ("Since Iraq has ratified the Refugee Convention, how are claims processed?",
     "Iraq has ratified the Refugee Convention", "since"),
    ("Eftersom Eritrea har ett asylsystem, hur prövas ansökningarna?", "Eritrea har ett asylsystem", "since"),
    ("Utlänningslagen tillåter att barn hålls i förvar i två veckor – vilka villkor gäller?",
     "Utlänningslagen tillåter att barn hålls i förvar i två veckor", "statement"),
    ("What does Article 3 of the ECHR say?", "", ""),
])
def test_premise_clause(question, clause, kind):
    assert premise_clause(question) == (clause, kind)


def test_catalog_knows_what_is_indexed(catalog):
    refs = {r.key: r for r in parse_query(
        "MIG 2009:30, MIG 2099:1, 4 kap. 1 § utlänningslagen, 24 kap. 2 § utlänningslagen, "
        "Article 3 of the ECHR, Article 60 of the ECHR, J.K. mot Sverige").references}
    assert catalog.has(refs["MIG 2009:30"]) and catalog.has(refs["MIG 2099:1"]) is False
    assert catalog.has(refs["4 kap. 1 §"]) and catalog.has(refs["24 kap. 2 §"]) is False
    assert catalog.has(refs["Article 3"]) and catalog.has(refs["Article 60"]) is False
    (case,) = parse_query("Vad beslutade kommittén i målet J.K. mot Sverige?").references
    assert case.kind == "case_name" and catalog.has(case) is False
    assert catalog.decisions_named("Why did CAT accept the expulsion of Agiza to Egypt?") == ["Agiza mot Sverige"]
    assert catalog.countries == ("Egypt", "Iraq", "Somalia")


def test_missing_reference_names_what_is_missing(catalog):
    refusal = checks.missing_reference(parse_query("Vad kom domstolen fram till i MIG 2099:1?"), [], catalog)
    assert refusal.reason == "missing_reference" and refusal.detail == {"reference": "MIG 2099:1"}
    refusal = checks.missing_reference(parse_query("Vad säger 24 kap. 2 § utlänningslagen?"), [], catalog)
    assert refusal.detail == {"reference": "24 kap. 2 § SFS 2005:716"}
    assert checks.missing_reference(parse_query("Vad säger 4 kap. 1 § utlänningslagen?"), [], catalog) is None


def test_country_checks_keep_other_countries_out():
    q = parse_query("Are journalists in Eritrea at risk?")
    eritrea, iran, law = (passage("er", "x", "Eritrea"), passage("ir", "x", "Iran"),
                          passage("law", "x", "", "statute"))
    assert checks.quotable(eritrea, q) and checks.quotable(law, q) and not checks.quotable(iran, q)
    assert checks.missing_country(q, [iran, law]).detail == {"country": "Eritrea"}
    assert checks.missing_country(q, [iran, eritrea]) is None
    # a question naming a law is about the law, whatever country it mentions
    assert checks.missing_country(parse_query("Gäller 4 kap. 1 § för Eritrea?"), [law]) is None


def test_a_report_covers_the_year_it_reports_on_not_only_the_years_its_text_names():
    q = parse_query("What happened to journalists in Eritrea in 2024?")
    report = passage("us", "On May 3, journalists were detained.", "Eritrea", date="2025-07", period="2024")
    old = passage("ud", "Journalists were detained.", "Eritrea", date="2019-12", period="2018-2019")
    assert checks.missing_period(q, [report]) is None
    assert checks.missing_period(q, [old]).detail == {"years": [2024]}
    assert checks.missing_period(q, [passage("x", "In 2024 ...", "Eritrea", date="2019")]) is None


def test_a_figure_is_not_a_date_or_a_section():
    assert checks.gives_figure("16 journalists remained in detention.")
    assert checks.gives_figure("Två tredjedelar av de tillfrågade.")
    assert not checks.gives_figure("On 21 August 2024, under 4 kap. 1 § and Article 33, the law changed.")
    q = parse_query("How many journalists were detained?")
    assert checks.missing_figure(q, ["Journalists were detained in 2024."]).reason == "missing_figure"
    assert checks.missing_figure(q, ["Sixteen journalists were detained."]) is None


def test_the_answerer_refuses_with_the_reason_and_never_quotes_another_country(catalog):
    answerer = ExtractiveAnswerer(FakeEmbedder(), min_evidence=0.1)
    eritrea = passage("er", "Journalists in Eritrea are detained without charge for years.", "Eritrea")
    iran = passage("ir", "Journalists in Iran are detained without charge for years and tortured.", "Iran")
    draft = answerer.answer(parse_query("Are journalists in Eritrea detained without charge?"),
                            passages=[iran, eritrea], catalog=catalog)
    assert not draft.refused and {c.passage_id for c in draft.citations} == {"er"}
    draft = answerer.answer(parse_query("What did the court hold in MIG 2099:1?"), passages=[eritrea],
                            catalog=catalog)
    assert draft.refused and draft.refusal_reason == "missing_reference" and "MIG 2099:1" in draft.text
    draft = answerer.answer(parse_query("Hur behandlas journalister i Somalia?"), passages=[iran], catalog=catalog)
    assert draft.refusal_reason == "missing_country" and "Somalia" in draft.text


def test_answers_quote_two_sentences_when_the_evidence_has_them():
    answerer = ExtractiveAnswerer(FakeEmbedder(), min_evidence=0.1)
    text = ("Journalists in Eritrea are detained without charge. In Eritrea, journalists are often detained for "
            "years. The weather was mild.")
    draft = answerer.answer(parse_query("Are journalists in Eritrea detained?"),
                            passages=[passage("er", text, "Eritrea")])
    assert len(draft.citations) == 2 and all(text[c.start:c.end] == c.quote for c in draft.citations)
    assert "weather" not in draft.text


@pytest.mark.parametrize("question, publishers", [
    ("Vad skriver UD om läget i Libyen?", ("Utrikesdepartementet",)),
    ("Enligt UD, hur behandlas journalister i Iran?", ("Utrikesdepartementet",)),
    ("What does Human Rights Watch say about Iran?", ("Human Rights Watch",)),
    ("Why did the Migration Agency stop transfers to Greece?", ()),
    ("Varför stoppade Migrationsverket överföringarna till Grekland?", ()),
    ("What did Amnesty report, according to the US State Department?", ("US Department of State",)),
])
def test_a_publisher_is_a_demanded_source_only_in_an_attribution_frame(question, publishers):
    assert parse_query(question).publishers == publishers


@pytest.mark.parametrize("question, asks_date", [
    ("When did Eritrea introduce national service?", True),
    ("När infördes den nya lagen?", True),
    ("Which year was the law adopted?", True),
    ("When may a residence permit be revoked?", False),
    ("When does a decision on expulsion expire?", False),
    ("När får ett beslut om utvisning verkställas?", False),
    ("Under what conditions can a person be excluded from refugee status?", False),
])
def test_a_date_is_asked_for_only_when_the_question_asks_when_something_happened(question, asks_date):
    assert parse_query(question).asks_date is asks_date


@pytest.mark.parametrize("question", ["What was the unemployment rate in Iran?", "How high was inflation in 2024?",
                                      "Hur hög är arbetslösheten i Irak?", "How large is the Hazara population?"])
def test_rates_and_levels_are_figures(question):
    assert parse_query(question).asks_figure


def test_a_decision_against_another_state_that_the_index_lacks_is_refused_as_missing(catalog):
    q = parse_query("What did the court hold in Saadi v. Italy about diplomatic assurances?", catalog=catalog)
    assert [r.key for r in q.references if r.kind == "case_name"] == ["Saadi mot Italy"]
    assert checks.missing_reference(q, [], catalog).detail == {"reference": "Saadi mot Italy"}


def test_a_report_that_cites_the_publisher_asked_for_meets_the_question():
    q = parse_query("What does Amnesty report about executions in Iran?")
    citing = passage("us", "Amnesty International reported at least 800 executions in Iran.", "Iran")
    silent = passage("us2", "Executions continued in Iran.", "Iran")
    assert checks.missing_source(q, [citing]) is None
    assert checks.missing_source(q, [silent]).reason == "missing_source"
