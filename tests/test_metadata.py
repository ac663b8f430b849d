import json
from pathlib import Path

import pytest

from landinfo.metadata import MetadataOverrides, detect_language, detect_meta, is_metadata_file
from landinfo.records import DocMeta, RawDocument, Unit
from raw_reading import CORPUS, read_raw



def on_corpus(test):
    """Real-document tests: marked `shared`, skipped when ../shared/corpus is absent."""
    return pytest.mark.shared(pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not available")(test))


MIG_TEXT = (
    "MIG 2009:30 (Migrationsöverdomstolen, mål UM 7867-08, avgörandedatum 2009-11-03)\n\n"
    "Rubrik: Behovet av muntlig förhandling är särskilt framträdande i mål som rör avvisning.\n\n"
    "MIG 2007:48\n\nA ansökte om asyl i Sverige och uppgav att han vid ett återvändande till Irak riskerar "
    "att dödas. Migrationsverket avslog ansökan och beslutade att han skulle avvisas till Irak."
)
COI_TEXT = (
    "Executive Summary\n\nThe human rights situation in Eritrea did not improve during the year. "
    "Significant human rights issues included credible reports of arbitrary detention, torture and "
    "indefinite national service. The government did not take credible steps to identify officials who "
    "committed human rights abuses. Eritrean refugees in Ethiopia and Sudan reported abuses as well."
)


def raw(text: str, name: str = "document.md", section: str = "", **file_meta) -> RawDocument:
    return RawDocument(Path("/corpus") / name, (Unit(text, section=section),), file_meta)


# ---------------------------------------------------------------- detection on small documents


def test_a_mig_judgment_anywhere_is_a_precedent_with_its_own_identifiers():
    meta = detect_meta(raw(MIG_TEXT, "inbox/judgment.txt"), "inbox/judgment.txt")
    assert meta.doc_type == "precedent"
    assert meta.title == "MIG 2009:30"
    assert meta.date == "2009-11-03"
    assert meta.references == ("MIG 2009:30", "UM 7867-08")  # not the cited MIG 2007:48
    assert meta.language == "sv"
    assert meta.countries == ("Iraq",)
    assert meta.publisher == "Migrationsöverdomstolen"


def test_a_country_report_in_a_folder_named_case_law_is_still_coi():
    text = "# Eritrea — Country Reports on Human Rights Practices\n\n" + COI_TEXT
    meta = detect_meta(raw(text, "case-law/eritrea.md"), "case-law/eritrea.md")
    assert meta.doc_type == "coi"
    assert meta.countries == ("Eritrea",)  # Ethiopia and Sudan are passing mentions
    assert meta.language == "en"
    assert meta.publisher == "US Department of State"


def test_a_statute_is_titled_with_its_sfs_number_and_has_no_countries():
    units = tuple(Unit(f"{n} § En utlänning som vistas i Sverige och kommer från Irak ...",
                       section=f"Utlänningslag > 4 kap. Flyktingar > {n} §") for n in range(1, 7))
    document = RawDocument(Path("/corpus/x/lag.md"), units,
                           {"beteckning": "2005:716", "rubrik": "Utlänningslag", "utfardad_datum": "2005-09-29"})
    meta = detect_meta(document, "x/lag.md")
    assert (meta.doc_type, meta.title, meta.references) == ("statute", "Utlänningslag (2005:716)", ("SFS 2005:716",))
    assert meta.countries == ()
    assert meta.date == "2005-09-29"


def test_a_case_summary_gets_the_country_of_return_and_the_decision_date():
    text = ("Ärendet gällde avvisning av en zairisk medborgare till Zaire. Klaganden uppgav att hon fängslats. "
            "Medlemmar av partiet var alltjämt utsatta för förföljelse i Zaire.")
    title = "CAT-kommitténs granskning (1996-05-08) i målet Muzonzo [Kisoki] mot Sverige"
    meta = detect_meta(raw(text, section=title), "summaries/kisoki.md")
    assert meta.doc_type == "case-summary"
    assert meta.countries == ("Zaire",)
    assert meta.date == "1996-05-08"
    assert meta.references == ("Muzonzo Kisoki mot Sverige",)


def test_a_passing_mention_of_another_country_is_not_kept():
    text = ("Ärendet rörde avvisning av en irakisk man till hemlandet. Han hade ansökt om asyl i Israel 1997 "
            "och en fatwa hade utfärdats mot honom.")
    meta = detect_meta(raw(text, section="CAT-kommitténs granskning (2006-11-17) i målet M.R.A. mot Sverige"), "a.md")
    assert meta.countries == ("Iraq",)


def test_country_in_parentheses_after_hemlandet_counts():
    text = "Fråga om utvisning av klaganden till hemlandet (Uzbekistan) står i strid med artikel 3."
    meta = detect_meta(raw(text, section="CAT:s granskning (2013-05-21) i målet D.Y. mot Sverige"), "a.md")
    assert meta.countries == ("Uzbekistan",)


def test_swedish_country_names_in_the_file_name_become_english():
    name = "2019_12_manskliga-rattigheter-demokrati-och-rattsstatens-principer-i-sydsudan.md"
    text = "# Mänskliga rättigheter, demokrati och rättsstatens principer i Sydsudan\n\nSituationen är allvarlig."
    meta = detect_meta(raw(text, name), name)
    assert (meta.doc_type, meta.countries, meta.date) == ("coi", ("South Sudan",), "2019-12")


def test_state_department_report_date_and_url_from_its_source_pdf():
    text = ("# Iran — Country Reports on Human Rights Practices\n\nEditions included: 2024\n\nSource PDF: "
            "https://www.state.gov/wp-content/uploads/2025/07/624521_IRAN-2024-HUMAN-RIGHTS-REPORT.pdf\n\n" + COI_TEXT)
    meta = detect_meta(raw(text, "iran-2024.md"), "iran-2024.md")
    assert meta.date == "2025-07"
    assert meta.url.endswith("IRAN-2024-HUMAN-RIGHTS-REPORT.pdf")


def test_pdf_info_date_is_the_last_resort_and_junk_titles_are_ignored():
    document = RawDocument(Path("/corpus/report.pdf"), (Unit("Annual Report on Detention\nSome text.", page=1),),
                           {"/Title": "Microsoft Word - draft3.docx", "/CreationDate": "D:20110214155849+01'00'"})
    meta = detect_meta(document, "report.pdf")
    assert meta.title == "Annual Report on Detention"
    assert meta.date == "2011-02-14"


@pytest.mark.parametrize("text, language", [
    ("The government did not take credible steps to identify and punish officials.", "en"),
    ("Regeringen föreslår att lagen ska ändras och att det ska införas nya regler.", "sv"),
    ("Förvärv av stöldgods i god tro", "sv"),
])
def test_language_from_stop_words(text, language):
    assert detect_language(text) == language


def test_fictional_from_front_matter_or_a_marker_in_the_first_lines():
    assert detect_meta(raw("Text om Irak.", fictional=True), "a.md").fictional
    assert detect_meta(raw("FIKTIV RAPPORT – endast för test\n\nText om Irak."), "a.md").fictional
    assert not detect_meta(raw("Text om Irak."), "a.md").fictional


# ---------------------------------------------------------------- overrides


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_manifest_rows_then_deeper_manifests_then_sidecars_win(tmp_path):
    write(tmp_path / "manifest.yaml", "- file: 'reports/*.pdf'\n  doc_type: coi\n  publisher: UNHCR\n")
    write(tmp_path / "reports" / "manifest.csv", "file,countries,date\nsyria.pdf,Syrien;Irak,2023-05\n")
    write(tmp_path / "reports" / "syria.pdf.meta.yaml", "title: 'Syria: Security situation'\ndate: 2023-05-30\n")
    pdf = write(tmp_path / "reports" / "syria.pdf", "")
    overrides = MetadataOverrides.for_root(tmp_path)
    meta = overrides.apply(pdf, DocMeta(title="x", doc_type="other", language="en"))
    assert meta == DocMeta(title="Syria: Security situation", doc_type="coi", countries=("Syria", "Iraq"),
                           date="2023-05-30", language="en", publisher="UNHCR")
    assert overrides.problems == []


def test_a_bad_sidecar_date_is_reported_and_ignored_not_raised(tmp_path):
    write(tmp_path / "report.pdf.meta.yaml", "date: 2023-13-45\ntitle: Good title\n")
    pdf = write(tmp_path / "report.pdf", "")
    overrides = MetadataOverrides.for_root(tmp_path)
    meta = overrides.apply(pdf, DocMeta(date="2020-01-01"))
    assert (meta.date, meta.title) == ("2020-01-01", "Good title")
    [(where, reason)] = overrides.problems
    assert where == "report.pdf.meta.yaml" and "date" in reason and "2023-13-45" in reason


def test_bad_values_unknown_fields_and_broken_files_are_problems(tmp_path):
    write(tmp_path / "manifest.yaml", "- file: a.md\n  doc_type: rapport\n  language: de\n  contry: Iran\n- title: x\n")
    write(tmp_path / "sub" / "manifest.yaml", "- file: [unclosed\n")
    write(tmp_path / "metadata" / "broken.json", "{not json")
    overrides = MetadataOverrides.for_root(tmp_path)
    reasons = " | ".join(f"{w}: {r}" for w, r in overrides.problems)
    for expected in ("doc_type", "language", "unknown field 'contry'", "row 2: no 'file'",
                     "sub/manifest.yaml: unreadable manifest", "metadata/broken.json: unreadable listing"):
        assert expected in reasons
    assert overrides.apply(write(tmp_path / "a.md", "x"), DocMeta()) == DocMeta()


LISTING = [
    {"title": "Mänskliga rättigheter, demokrati och rättsstatens principer i Iran",
     "url": "/rapporter/2019/12/manskliga-rattigheter-demokrati-och-rattsstatens-principer-i-iran/",
     "published": "2019-12-18"},
    {"title": "Same slug, other month", "url": "/rapporter/2022/06/samma/", "published": "2022-06-22"},
    {"title": "Same slug, older", "url": "/rapporter/2017/04/samma/", "published": "2017-04-02"},
]


def test_a_listing_in_the_metadata_folder_names_and_dates_matching_files(tmp_path):
    write(tmp_path / "metadata" / "rapporter.json", json.dumps(LISTING))
    iran = write(tmp_path / "coi" / "2019_12_manskliga-rattigheter-demokrati-och-rattsstatens-principer-i-iran.md", "")
    older = write(tmp_path / "coi" / "2017_04_samma.md", "")
    unknown = write(tmp_path / "coi" / "2017_04_annan.md", "")
    overrides = MetadataOverrides.for_root(tmp_path)
    meta = overrides.apply(iran, DocMeta(date="2019-12"))
    assert meta.title == LISTING[0]["title"]
    assert meta.url == "https://www.regeringen.se" + LISTING[0]["url"]
    assert meta.date == "2019-12-18"
    assert meta.publisher == "Regeringskansliet"
    assert overrides.apply(older, DocMeta()).date == "2017-04-02"  # slug shared: year and month decide
    assert overrides.apply(unknown, DocMeta(title="kept")) == DocMeta(title="kept")


def test_a_manifest_can_point_at_a_listing_and_still_override_it(tmp_path):
    write(tmp_path / "lists" / "mine.json", json.dumps(LISTING))
    write(tmp_path / "ud" / "manifest.yaml", "listing: ../lists/mine.json\nfiles:\n  - file: '*samma*'\n    doc_type: coi\n")
    doc = write(tmp_path / "ud" / "2022_06_samma.md", "")
    meta = MetadataOverrides.for_root(tmp_path).apply(doc, DocMeta(title="detected"))
    assert (meta.title, meta.date, meta.doc_type) == ("Same slug, other month", "2022-06-22", "coi")


def test_metadata_files_are_not_documents(tmp_path):
    for name in ("report.pdf.meta.yaml", "sub/manifest.csv", "manifest.yaml", "metadata/list.json", "README.md"):
        assert is_metadata_file(tmp_path / name, tmp_path), name
    for name in ("report.pdf", "sub/README.md", "coi/list.json", "readmefirst.pdf"):
        assert not is_metadata_file(tmp_path / name, tmp_path), name


# ---------------------------------------------------------------- the real corpus


def corpus_meta(rel: str) -> DocMeta:
    return detect_meta(read_raw(CORPUS / rel), rel)


@on_corpus
def test_the_word_precedent_is_mig_2013_6_of_2013_03_22():
    meta = corpus_meta("case-law/mig-originals/UM7533-12.docx")
    assert (meta.doc_type, meta.title, meta.date) == ("precedent", "MIG 2013:6", "2013-03-22")
    assert "MIG 2013:6" in meta.references and "UM 7533-12" in meta.references


@on_corpus
def test_the_mig_text_file():
    meta = corpus_meta("case-law/mig/MIG_2009-30_UM7867-08.txt")
    assert (meta.doc_type, meta.language, meta.date) == ("precedent", "sv", "2009-11-03")
    assert {"MIG 2009:30", "UM 7867-08"} <= set(meta.references)


@on_corpus
def test_the_state_department_iran_report_and_the_aliens_act():
    iran = corpus_meta("coi/us-state-dept-2024/iran-2024.md")
    assert (iran.doc_type, iran.language, iran.countries) == ("coi", "en", ("Iran",))
    act = corpus_meta("law/sfs/sfs-2005-716.md")
    assert act.doc_type == "statute" and "SFS 2005:716" in act.references and act.countries == ()


@on_corpus
def test_a_ud_summary_takes_title_url_and_date_from_the_listing():
    rel = "coi/ud-summaries/2019_12_manskliga-rattigheter-demokrati-och-rattsstatens-principer-i-etiopien.md"
    meta = MetadataOverrides.for_root(CORPUS).apply(CORPUS / rel, corpus_meta(rel))
    assert meta.title == "Mänskliga rättigheter, demokrati och rättsstatens principer i Etiopien"
    assert meta.url == ("https://www.regeringen.se/rapporter/2019/12/"
                        "manskliga-rattigheter-demokrati-och-rattsstatens-principer-i-etiopien/")
    assert meta.date.startswith("2019-12-") and len(meta.date) == 10
    assert meta.countries == ("Ethiopia",)


@on_corpus
def test_the_zaire_case_summary_is_about_zaire():
    meta = corpus_meta("case-law/international/"
                       "1996_05_cat-kommittens-granskning-1996-05-08-i-malet-muzonzo-kisoki-mot-sverige.md")
    assert (meta.doc_type, meta.countries) == ("case-summary", ("Zaire",))


@on_corpus
def test_every_listed_file_matches_its_listing_entry():
    overrides = MetadataOverrides.for_root(CORPUS)
    files = sorted((CORPUS / "coi" / "ud-summaries").glob("*.md")) + sorted((CORPUS / "case-law" / "international").glob("*.md"))
    unmatched = [p.name for p in files if not overrides.apply(p, DocMeta()).url.startswith("https://www.regeringen.se/")]
    assert unmatched == [] and len(files) > 250
    assert overrides.problems == []


EXPECTED_TYPE = {"case-law/mig": "precedent", "case-law/mig-originals": "precedent",
                 "case-law/international": "case-summary", "coi/ud-summaries": "coi", "coi/us-state-dept-2024": "coi",
                 "law/sfs": "statute", "legislative": "legislative"}


@on_corpus
def test_document_types_agree_with_the_corpus_folders():
    """Text formats only (the PDFs take long to read); the 1919 declaration filed under legislative reads as a treaty."""
    results = []
    for folder, expected in EXPECTED_TYPE.items():
        for path in sorted((CORPUS / folder).iterdir()):
            rel = path.relative_to(CORPUS).as_posix()
            results.append((rel, detect_meta(read_raw(path), rel).doc_type, expected))
    wrong = [(rel, got) for rel, got, expected in results if got != expected]
    assert len(results) > 400 and len(wrong) <= 2, wrong
