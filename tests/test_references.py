import pytest

from landinfo.references import Reference, document_references, parse_references, section_key
from raw_reading import CORPUS


def keys(text: str, kind: str | None = None) -> list[str]:
    return [r.key for r in parse_references(text) if kind is None or r.kind == kind]


def with_instrument(text: str, kind: str) -> list[tuple[str, str]]:
    return [(r.key, r.instrument) for r in parse_references(text) if r.kind == kind]


def test_mig_and_case_numbers_in_any_spelling_get_one_key():
    assert keys("Se MIG 2009:30 och mig 2009 : 30", "mig") == ["MIG 2009:30"]
    assert keys("mål UM7867-08, UM 7867–08 och UM 7867-08", "case_number") == ["UM 7867-08"]


def test_sfs_numbers_written_out_or_after_a_statute_name():
    assert keys("SFS 2005:716", "sfs") == ["SFS 2005:716"]
    assert keys("lagen (1994:137) om mottagande av asylsökande", "sfs") == ["SFS 1994:137"]
    assert keys("Prop. 2004/05:170 s. 153", "sfs") == []


def test_sections_take_chapter_and_statute_from_the_phrase():
    assert with_instrument("enligt 4 kap 1§ UtlL", "section") == [("4 kap. 1 §", "SFS 2005:716")]
    assert with_instrument("12 kap. 19 b § utlänningslagen", "section") == [("12 kap. 19 b §", "SFS 2005:716")]
    assert with_instrument("4 kap. 2 a § utlänningsförordningen", "section") == [("4 kap. 2 a §", "SFS 2006:97")]
    assert with_instrument("enligt 32 § förvaltningslagen", "section") == [("32 §", "SFS 2017:900")]
    assert with_instrument("8 § LMA", "section") == [("8 §", "SFS 1994:137")]
    assert with_instrument("8 § lagen om mottagande av asylsökande", "section") == [("8 §", "SFS 1994:137")]


def test_a_list_of_sections_shares_its_chapter_and_statute():
    found = with_instrument("12 kap. 4 §, 18 §, 19 § och 22 § utlänningslagen (2005:716)", "section")
    assert found == [(f"12 kap. {n} §", "SFS 2005:716") for n in (4, 18, 19, 22)]
    found = with_instrument("1 kap. 10 § samt 5 kap. 6 § och 9 § utlänningslagen (2005:716)", "section")
    assert [k for k, _ in found] == ["1 kap. 10 §", "5 kap. 6 §", "5 kap. 9 §"]


def test_a_bare_section_without_statute_is_not_a_reference():
    assert keys("se 8 § nedan", "section") == []


def test_section_without_named_statute_keeps_no_instrument():
    assert with_instrument("Enligt 4 kap. 1 § är en flykting", "section") == [("4 kap. 1 §", "")]


def test_english_chapter_and_section_maps_to_the_swedish_key():
    assert with_instrument("Chapter 4, Section 1 of the Aliens Act", "section") == [("4 kap. 1 §", "SFS 2005:716")]


@pytest.mark.parametrize("text, expected", [
    ("Article 33 of the 1951 Convention", [("Article 33", "refugee-convention")]),
    ("artikel 33 i flyktingkonventionen", [("Article 33", "refugee-convention")]),
    ("art. 3 ECHR", [("Article 3", "echr")]),
    ("artikel 3 i Europakonventionen", [("Article 3", "echr")]),
    ("Article 19(2) of the Charter", [("Article 19(2)", "eu-charter")]),
    ("artikel 19 i rättighetsstadgan", [("Article 19", "eu-charter")]),
    ("Article 17 of the Dublin III Regulation", [("Article 17", "dublin")]),
    ("artikel 9 i skyddsgrundsförordningen", [("Article 9", "qualification-regulation")]),
    ("Article 3", [("Article 3", "")]),
])
def test_articles_get_one_key_in_both_languages_and_the_treaty_when_named(text, expected):
    assert with_instrument(text, "article") == expected


def test_a_list_of_articles_gives_each_article():
    found = with_instrument("artiklarna 2, 3 och 8 i Europakonventionen", "article")
    assert found == [("Article 2", "echr"), ("Article 3", "echr"), ("Article 8", "echr")]


@pytest.mark.parametrize("text, key", [
    ("I målet J.K. m.fl. mot Sverige fann domstolen", "J.K. m.fl. mot Sverige"),
    ("J.K. and Others v. Sweden", "J.K. m.fl. mot Sverige"),
    ("CAT-kommitténs granskning (1996-11-15) i målet Tala mot Sverige", "Tala mot Sverige"),
    ("In X v. Sweden the Court held", "X mot Sverige"),
    ("i målet L. M. V. R. G. och M. A. B. C. mot Sverige", "L.M.V.R.G. och M.A.B.C. mot Sverige"),
    ("i målet Naku mot Litauen och Sverige", "Naku mot Litauen och Sverige"),
])
def test_case_names_are_read_in_swedish_and_english_with_one_key(text, key):
    assert keys(text, "case_name") == [key]


def test_a_complaint_against_sweden_is_not_a_case_name():
    assert keys("ett klagomål mot Sverige", "case_name") == []


def test_ecthr_application_numbers_but_not_parliamentary_years():
    assert keys("application no. 59166/12", "ecthr_application") == ["59166/12"]
    assert keys("Prop. 2004/05:170 och bet. 2015/16:SfU16", "ecthr_application") == []


def test_parse_references_keeps_text_order_and_drops_repeats():
    refs = parse_references("MIG 2009:30 ... UM 7867-08 ... MIG 2009:30")
    assert [r.key for r in refs] == ["MIG 2009:30", "UM 7867-08"]
    assert refs[0] == Reference("mig", "MIG 2009:30", "MIG 2009:30")


def test_document_references_are_the_documents_own_not_what_it_cites():
    head = ("MIG 2009:30 (Migrationsöverdomstolen, mål UM 7867-08, avgörandedatum 2009-11-03)\n\n"
            "Rubrik: Behovet av muntlig förhandling enligt 12 kap. 19 § utlänningslagen ...\n\nMIG 2007:48\n")
    assert document_references(head, {}) == ("MIG 2009:30", "UM 7867-08")


def test_document_references_from_a_court_form_stop_at_the_cited_cases():
    head = ("Migrationsöverdomstolen\tMIG 2013:6\nMålnummer:\tUM7533-12\tAvdelning:\t1\n"
            "Avgörandedatum:\t2013-03-22\nRubrik:\tEtt barn ...\nRättsfall:\tMIG 2007:48\nMIG 2010:23")
    assert document_references(head, {}) == ("MIG 2013:6", "UM 7533-12")


def test_document_references_prefer_rdfa_identifiers_over_cited_cases_in_the_text():
    head = "1 kap. 10 § utlänningslagen (2005:716)\nProp. 2004/05:170 s. 191\nMIG 2007:48"
    meta = {"dcterms:identifier": "MIG 2013:6", "rpubl:malnummer": "UM7533-12"}
    assert document_references(head, meta) == ("MIG 2013:6", "UM 7533-12")


def test_document_references_of_a_statute_and_of_a_memo_about_it():
    assert document_references("Utlänningslag\n1 §", {"beteckning": "2005:716"}) == ("SFS 2005:716",)
    assert document_references("Utlänningslag (2005:716)\n1 §", {}) == ("SFS 2005:716",)
    memo = "Ändring av en avvisningsbestämmelse i utlänningslagen (2005:716)\nI promemorian föreslås"
    assert document_references(memo, {}) == ()


def test_document_references_of_a_case_summary_is_its_case_name():
    title = "Europadomstolens avgörande (18-01-24) i målet Dabo mot Sverige (12510/18)"
    assert document_references(title + "\nFråga om ...", {}) == ("Dabo mot Sverige", "12510/18")


@pytest.mark.parametrize("path, key", [
    ("Utlänningslag > 4 kap. Flyktingar och andra skyddsbehövande > Flyktingar > 1 §", "4 kap. 1 §"),
    ("Utlänningslag > 12 kap. Verkställighet > Ny prövning > 19 b §", "12 kap. 19 b §"),
    ("Lag om mottagande av asylsökande m.fl. > 8 §", "8 §"),
    ("Convention > Chapter V > Article 33 Prohibition of expulsion or return", "Article 33"),
    ("Utlänningslag > 4 kap. Flyktingar och andra skyddsbehövande", None),
    ("", None),
])
def test_section_key_of_a_heading_path(path, key):
    assert section_key(path) == key


@pytest.mark.shared
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")
def test_every_mig_file_names_its_own_mig_and_case_number():
    for path in sorted((CORPUS / "case-law" / "mig").glob("*.txt")):
        refs = document_references(path.read_text(encoding="utf-8")[:3000], {})
        mig, case = path.stem.split("_")[1:3]  # MIG_2009-30_UM7867-08
        year, number = mig.split("-")
        assert refs == (f"MIG {year}:{number}", f"UM {case[2:]}"), path.name


@pytest.mark.shared
@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")
def test_case_summary_titles_give_their_case_name():
    titles = [p.read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
              for p in sorted((CORPUS / "case-law" / "international").glob("*.md"))]
    named = [t for t in titles if any(r.kind == "case_name" for r in parse_references(t))]
    assert len(named) >= len(titles) - 3  # a UN working-group opinion has no "mot Sverige" in its title


def test_a_question_names_an_instrument_in_either_language_and_a_document_is_one_by_its_title():
    from landinfo.references import document_is_instrument, instruments_named, mentions_protocol

    assert instruments_named("Vad säger artikel 3 i europakonventionens text?") == ["echr"]
    assert instruments_named("What does Article 33 say?") == []
    assert mentions_protocol("Article 1 of Protocol No. 6") and not mentions_protocol("Article 3 of the ECHR")
    title = "Convention for the Protection of Human Rights and Fundamental Freedoms"
    assert document_is_instrument("echr", title, "treaties/ECHR_ENG.pdf")
    assert not document_is_instrument("refugee-convention", title, "treaties/ECHR_ENG.pdf")
    assert document_is_instrument("cat", title, "treaties/ECHR_ENG.pdf")  # no words known: any document may be


def test_references_become_single_bm25_tokens():
    from landinfo.lexical import tokenize
    from landinfo.references import reference_tokens

    text = "Enligt 4 kap. 1 § och artikel 33, se MIG 2009:30 och UM 7867-08 (2005:716)."
    assert reference_tokens(text) == ["ref:4kap1", "ref:art33", "ref:mig2009:30", "ref:um7867-08",
                                      "ref:sfs2009:30", "ref:sfs2005:716"]
    assert tokenize(text)[-6:] == reference_tokens(text)
