"""Loaders: every supported format comes out as readable, addressable units, and every bad file as one clear reason."""
from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter
from reportlab.pdfgen import canvas

from conftest import SHARED_CORPUS, needs_shared
from landinfo.errors import LoadError
from landinfo.loaders import SUPPORTED_SUFFIXES, load_file
from landinfo.loaders.normalize import normalize_text

REFUGEE_CONVENTION = SHARED_CORPUS / "law/international/1951-Refugee Convention-1967-protocol (UNHCR Mandate).pdf"
QUALIFICATION_REGULATION = SHARED_CORPUS / "law/international/Subsidiary Protection - Third-country nations.pdf"
EU_CHARTER = SHARED_CORPUS / "law/international/CHARTER OF FUNDAMENTAL RIGHTS OF THE EUROPEAN UNION.pdf"


def full_text(document) -> str:
    return "\n\n".join(unit.text for unit in document.units)


def load_error(path: Path) -> str:
    with pytest.raises(LoadError) as caught:
        load_file(path)
    return str(caught.value)


# ---- PDF fixtures ----------------------------------------------------------------------------------

def _tracked(text: str) -> str:
    """A TJ operator that spaces out every glyph, the way InDesign sets a letter-spaced heading.

    reportlab has no public call for per-glyph kerning arrays, so the operator is written directly.
    """
    glyphs = " -350 ".join(f"({char})" for char in text)
    return f"[{glyphs}] TJ"


def make_pdf(path: Path, pages: list[list[str]], heading: str = "") -> Path:
    pdf = canvas.Canvas(str(path))
    for number, lines in enumerate(pages):
        if heading and number == 0:
            title = pdf.beginText(72, 780)
            title.setFont("Helvetica-Bold", 14)
            title._code.append(_tracked(heading))
            pdf.drawText(title)
        y = 740
        for line in lines:
            if line.startswith("DROPCAP "):  # a big initial, then the rest of the word in body type
                initial, rest = line.removeprefix("DROPCAP ")[0], line.removeprefix("DROPCAP ")[1:]
                pdf.setFont("Helvetica-Bold", 20)
                pdf.drawString(72, y, initial)
                pdf.setFont("Helvetica", 11)
                pdf.drawString(88, y, rest)
            else:
                pdf.setFont("Helvetica", 11)
                pdf.drawString(72, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return path


REPORT_PAGES = [
    [
        "The Convention is the centrepiece of international refugee protection today. Every",
        "State party has undertaken to respect it, and no reservation may be made to its core.",
        "States have agreed to cooperate with the Office of the High Commissioner in the protec-",
        "tion of refugees and to facilitate the supervision of the application of the Convention.",
        "A refugee is a person who has a well-founded fear of being persecuted and is outside the",
        "country of nationality. An applicant must show a real risk, and the fear must be well-",
        "founded in the circumstances of the case as they are known at the time of the decision.",
    ],
    [
        "Article 33",
        "DROPCAP No Contracting State shall expel or return a refugee in any manner whatsoever",
        "to the frontiers of territories where his life or freedom would be threatened.",
    ],
]


@pytest.fixture
def report_pdf(tmp_path) -> Path:
    return make_pdf(tmp_path / "report.pdf", REPORT_PAGES, heading="convention and protocol")


# ---- PDF -------------------------------------------------------------------------------------------

def test_pdf_gives_one_unit_per_page_with_page_numbers(report_pdf):
    document = load_file(report_pdf)
    assert [unit.page for unit in document.units] == [1, 2]
    assert all(unit.section == "" for unit in document.units)
    assert document.path == report_pdf


def test_pdf_letter_spaced_heading_comes_out_as_words(report_pdf):
    first_page = load_file(report_pdf).units[0].text
    assert first_page.startswith("convention and protocol")
    assert "c o n v" not in first_page


def test_pdf_split_initial_letter_is_rejoined(report_pdf):
    second_page = load_file(report_pdf).units[1].text
    assert "No Contracting State shall expel or return a refugee" in second_page


def test_pdf_words_hyphenated_at_line_end_are_rejoined(report_pdf):
    text = load_file(report_pdf).units[0].text
    assert "in the protection of refugees" in text
    assert "protec-" not in text
    assert "the fear must be well-founded in the circumstances" in text  # a real hyphen stays


def test_pdf_lines_are_joined_into_paragraphs(report_pdf):
    text = load_file(report_pdf).units[0].text
    assert "refugee protection today. Every State party" in text
    assert "\n" not in text.split("\n\n", 1)[1]  # below the heading, one paragraph, no line breaks


def test_pdf_info_becomes_file_meta(tmp_path, report_pdf):
    writer = PdfWriter(clone_from=report_pdf)
    writer.add_metadata({"/Title": "Country report: Veldoria", "/Author": "FLE", "/Subject": " ",
                         "/CreationDate": "D:20250314093000+01'00'"})
    path = tmp_path / "with-info.pdf"
    writer.write(path)
    assert load_file(path).file_meta == {"title": "Country report: Veldoria", "author": "FLE",
                                         "created": "2025-03-14"}


def test_pdf_junk_title_is_dropped(tmp_path, report_pdf):
    writer = PdfWriter(clone_from=report_pdf)
    writer.add_metadata({"/Title": "Microsoft Word - rapport_final_v3.docx"})
    path = tmp_path / "junk-title.pdf"
    writer.write(path)
    assert "title" not in load_file(path).file_meta


def test_pdf_with_a_user_password_is_refused(tmp_path, report_pdf):
    writer = PdfWriter(clone_from=report_pdf)
    writer.encrypt("secret", algorithm="AES-128")
    path = tmp_path / "locked.pdf"
    writer.write(path)
    assert load_error(path) == "encrypted PDF (needs a password)"


def test_pdf_with_only_an_owner_password_loads(tmp_path, report_pdf):
    pytest.importorskip("cryptography", reason="AES-encrypted PDFs need the 'cryptography' package")
    writer = PdfWriter(clone_from=report_pdf)
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    path = tmp_path / "restricted.pdf"
    writer.write(path)
    assert "No Contracting State" in full_text(load_file(path))


def test_truncated_pdf_is_corrupt(tmp_path, report_pdf):
    data = report_pdf.read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 2])
    assert load_error(path).startswith("corrupt PDF: ")


def test_scanned_pdf_without_text_layer_needs_ocr(tmp_path):
    pdf = canvas.Canvas(str(tmp_path / "scan.pdf"))
    for _ in range(3):
        pdf.setFillGray(0.8)
        pdf.rect(50, 50, 500, 700, fill=1)
        pdf.line(60, 700, 540, 700)
        pdf.showPage()
    pdf.save()
    assert load_error(tmp_path / "scan.pdf") == "no text layer: needs OCR"


@pytest.mark.parametrize("name", ["empty.pdf", "empty.md", "empty.docx", "empty.html", "empty.txt"])
def test_zero_byte_file_is_empty(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    assert load_error(tmp_path / name) == "empty file"


# ---- DOCX ------------------------------------------------------------------------------------------

def make_docx(path: Path) -> Path:
    document = docx.Document()
    document.core_properties.title = "Beslut i mål om uppehållstillstånd"
    document.add_paragraph("Migrationsverket, beslut 2024-02-01")
    document.add_heading("Bakgrund", level=1)
    document.add_paragraph("A ansökte om asyl den 3 januari 2024.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Målnummer:", "UM 1234-24"
    table.cell(1, 0).text, table.cell(1, 1).text = "Avgörandedatum:", "2024-02-01"
    document.add_heading("Skäl", level=1)
    document.add_heading("Skyddsbehov", level=2)
    document.add_paragraph("Migrationsverket bedömer att A inte är flykting.")
    bold = document.add_paragraph().add_run("DOMSLUT")
    bold.bold = True
    document.add_paragraph("Överklagandet avslås.")
    document.save(path)
    return path


def test_docx_headings_make_sections_in_reading_order(tmp_path):
    document = load_file(make_docx(tmp_path / "beslut.docx"))
    assert [unit.section for unit in document.units] == ["", "Bakgrund", "Skäl > Skyddsbehov",
                                                         "Skäl > Skyddsbehov > DOMSLUT"]
    assert document.units[0].text == "Migrationsverket, beslut 2024-02-01"
    assert document.units[1].text == ("Bakgrund\n\nA ansökte om asyl den 3 januari 2024.\n\n"
                                      "Målnummer: UM 1234-24\n\nAvgörandedatum: 2024-02-01")
    assert document.units[2].text.startswith("Skäl\n\nSkyddsbehov\n\nMigrationsverket bedömer")
    assert document.units[3].text == "DOMSLUT\n\nÖverklagandet avslås."


def test_docx_core_properties_become_file_meta(tmp_path):
    meta = load_file(make_docx(tmp_path / "beslut.docx")).file_meta
    assert meta["title"] == "Beslut i mål om uppehållstillstånd"
    assert len(meta["created"]) == 10 and meta["created"][4] == "-"


def test_docx_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "junk.docx"
    path.write_bytes(b"this was never a word document\n" * 20)
    assert load_error(path) == "not a Word document (corrupt .docx)"


def test_docx_that_is_a_zip_of_junk_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not word at all")
    path = tmp_path / "zip.docx"
    path.write_bytes(buffer.getvalue())
    assert load_error(path) == "not a Word document (corrupt .docx)"


def test_old_word_format_renamed_docx_is_refused(tmp_path):
    path = tmp_path / "gammal.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    assert load_error(path) == "not a .docx: an old-format Word .doc or a password-protected Word file"


# ---- HTML ------------------------------------------------------------------------------------------

PAGE = """<?xml version="1.0" encoding="iso-8859-1"?>
<html lang="sv"><head>
<title>Landrapport Veldoria</title>
<meta name="author" content="Fiktiva landinformationsenheten">
<meta property="dcterms:identifier" content="MIG 2013:4">
<meta property="rpubl:avgorandedatum" content="2013-02-14">
<script>var tracking = "do not index me";</script>
<style>body { color: red }</style>
</head><body>
<div id="cookie-banner"><p>Vi använder kakor.</p></div>
<header class="site-header"><a href="/">Hem</a></header>
<nav><ul><li><a href="/">Startsida</a></li><li>Rapporter</li></ul></nav>
<div class="breadcrumb">Hem · Länder · Veldoria</div>
<main><article>
<h1>Veldoria</h1>
<p>Inledning om läget i Veldoria.</p>
<h2>Återvändande</h2>
<p>Återvändande   asylsökande förhörs
   vid ankomsten.<br>Ny rad.</p>
<ul><li>Första punkten</li><li>Andra punkten</li></ul>
<h2>Minoriteter</h2>
<p>Den ildaranska minoriteten diskrimineras.</p>
</article></main>
<aside>Läs också: andra rapporter</aside>
<form><input name="q"><button>Sök</button></form>
<footer><p>© Fiktiva landinformationsenheten</p></footer>
</body></html>
"""


@pytest.fixture
def html_page(tmp_path) -> Path:
    path = tmp_path / "veldoria.html"
    path.write_bytes(PAGE.encode("iso-8859-1"))
    return path


def test_html_keeps_the_article_and_drops_the_site(html_page):
    text = full_text(load_file(html_page))
    for boilerplate in ("kakor", "Hem", "Startsida", "Rapporter", "Länder", "andra rapporter", "Sök",
                        "©", "tracking", "color"):
        assert boilerplate not in text
    assert "Den ildaranska minoriteten diskrimineras." in text


def test_html_headings_are_the_section_path(html_page):
    units = load_file(html_page).units
    assert [unit.section for unit in units] == ["Veldoria", "Veldoria > Återvändande", "Veldoria > Minoriteter"]
    assert units[1].text == ("Återvändande\n\nÅtervändande asylsökande förhörs vid ankomsten.\nNy rad.\n\n"
                             "Första punkten\n\nAndra punkten")


def test_html_head_metadata_and_declared_encoding(html_page):
    meta = load_file(html_page).file_meta
    assert meta["title"] == "Landrapport Veldoria"
    assert meta["author"] == "Fiktiva landinformationsenheten"
    assert meta["dcterms:identifier"] == "MIG 2013:4"
    assert meta["rpubl:avgorandedatum"] == "2013-02-14"


def test_html_without_declared_encoding_is_read_as_utf8(tmp_path):
    path = tmp_path / "utan-charset.html"
    path.write_bytes("<html><body><h1>Återvändande</h1><p>Öppet för åtal.</p></body></html>".encode("utf-8"))
    (unit,) = load_file(path).units
    assert unit.section == "Återvändande"
    assert unit.text == "Återvändande\n\nÖppet för åtal."


def test_html_without_text_is_refused(tmp_path):
    path = tmp_path / "blank.htm"
    path.write_text("<html><head><title>Tom</title><script>x()</script></head>"
                    "<body><nav><a href='/'>Hem</a></nav><div> </div></body></html>", encoding="utf-8")
    assert load_error(path) == "HTML has no text"


# ---- Markdown and plain text -----------------------------------------------------------------------

MARKDOWN = """---
beteckning: 2009:30
rubrik: Testlag
utfardad_datum: 2005-09-29
language: no
countries: [Veldoria, Kestrania]
fictional: true
---

Inledande text före första rubriken.

# Testlag

## 4 kap. Flyktingar och andra skyddsbehövande

### Flyktingar

#### 1 §

Med flykting avses i denna lag en utlänning som känner **välgrundad fruktan**.

Se [förarbetena](https://example.org/prop).

#### 2 §

Andra stycket.

```
# inte en rubrik
```
"""


def test_markdown_front_matter_becomes_file_meta(tmp_path):
    path = tmp_path / "lag.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    assert load_file(path).file_meta == {
        "beteckning": "2009:30", "rubrik": "Testlag", "utfardad_datum": "2005-09-29", "language": "no",
        "countries": ["Veldoria", "Kestrania"], "fictional": True}


def test_markdown_headings_make_one_unit_per_paragraph_sign(tmp_path):
    path = tmp_path / "lag.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    units = load_file(path).units
    assert [unit.section for unit in units] == [
        "",
        "Testlag > 4 kap. Flyktingar och andra skyddsbehövande > Flyktingar > 1 §",
        "Testlag > 4 kap. Flyktingar och andra skyddsbehövande > Flyktingar > 2 §",
    ]
    assert units[0].text == "Inledande text före första rubriken."
    assert units[1].text == ("Testlag\n\n4 kap. Flyktingar och andra skyddsbehövande\n\nFlyktingar\n\n1 §\n\n"
                             "Med flykting avses i denna lag en utlänning som känner välgrundad fruktan.\n\n"
                             "Se förarbetena.")
    assert units[2].text.startswith("2 §\n\nAndra stycket.")
    assert "# inte en rubrik" in units[2].text


def test_markdown_with_only_front_matter_keeps_its_header(tmp_path):
    path = tmp_path / "stub.md"
    path.write_text("---\nbeteckning: 2001:82\nrubrik: Lag om svenskt medborgarskap\n---\n", encoding="utf-8")
    document = load_file(path)
    assert "Lag om svenskt medborgarskap" in full_text(document)
    assert document.file_meta["beteckning"] == "2001:82"


def test_markdown_with_broken_front_matter_names_the_line(tmp_path):
    path = tmp_path / "trasig.md"
    path.write_text("---\ntitle: Rapport\ncountries: [Iran\n---\n\nText.\n", encoding="utf-8")
    assert load_error(path).startswith("front matter is not valid YAML (line ")


def test_binary_garbage_named_md_is_refused(tmp_path):
    path = tmp_path / "garbage.md"
    path.write_bytes(bytes(range(256)) * 8)
    assert load_error(path) == "binary data, not text"


def test_text_in_windows_1252_is_decoded(tmp_path):
    path = tmp_path / "gammal.txt"
    path.write_bytes("Återvändande till Örebro är möjligt – enligt källan.".encode("cp1252"))
    assert load_file(path).units[0].text == "Återvändande till Örebro är möjligt – enligt källan."


def test_text_in_no_known_encoding_is_refused(tmp_path):
    path = tmp_path / "trasig.txt"
    path.write_bytes(b"Text med ogiltiga byte \x81\x8d\x8f och \xc3\x28 blandat")
    assert load_error(path) == "not valid UTF-8 text"


def test_plain_text_is_one_unit_keeping_its_header_line(tmp_path):
    path = tmp_path / "MIG_2009-30_UM7867-08.txt"
    path.write_text("\ufeffMIG 2009:30 (Migrationsöverdomstolen, mål UM 7867-08, avgörandedatum 2009-11-03)\r\n\r\n"
                    "Rubrik: Behovet av muntlig förhandling.\r\n\r\n16 kap. 5 § utlänningslagen (2005:716)\r\n",
                    encoding="utf-8")
    (unit,) = load_file(path).units
    assert unit.section == ""
    assert unit.text == ("MIG 2009:30 (Migrationsöverdomstolen, mål UM 7867-08, avgörandedatum 2009-11-03)\n\n"
                         "Rubrik: Behovet av muntlig förhandling.\n\n16 kap. 5 § utlänningslagen (2005:716)")


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_plain_text_with_numbered_headings_is_split_at_them(tmp_path, newline):
    path = tmp_path / "rapport.txt"
    text = ("Landrapport\n\n1. Bakgrund\n\nText om bakgrunden.\n\n2. Säkerhetsläget\n\n"
            "2.1 Orvask\n\nStrider pågår.\n\n3. Slutsatser\n\nInget skydd finns.\n")
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    units = load_file(path).units
    assert [unit.section for unit in units] == ["", "1. Bakgrund", "2. Säkerhetsläget > 2.1 Orvask",
                                                "3. Slutsatser"]
    assert units[2].text == "2. Säkerhetsläget\n\n2.1 Orvask\n\nStrider pågår."


def test_text_is_normalised_once_for_quoting(tmp_path):
    path = tmp_path / "rapport.md"
    path.write_text("Ett  stycke\u00a0med   luckor,  e\u0301n accent.   \n\n\n\nNästa stycke.\n", encoding="utf-8")
    assert load_file(path).units[0].text == "Ett stycke med luckor, én accent.\n\nNästa stycke."


# ---- Dispatch --------------------------------------------------------------------------------------

def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == frozenset({".pdf", ".docx", ".html", ".htm", ".xhtml", ".md", ".markdown", ".txt"})


def test_unsupported_suffix_is_named(tmp_path):
    path = tmp_path / "data.xyz"
    path.write_text("x", encoding="utf-8")
    assert load_error(path) == "unsupported file type .xyz"


def test_suffix_is_case_insensitive_and_path_may_have_spaces_and_swedish_letters(tmp_path, report_pdf):
    folder = tmp_path / "Rapporter från Örebro å ä ö"
    folder.mkdir()
    pdf = folder / "Landrapport Västra Ödemarken.PDF"
    pdf.write_bytes(report_pdf.read_bytes())
    markdown = folder / "Återvändande ä ö.Markdown"
    markdown.write_text("# Rubrik\n\nText.\n", encoding="utf-8")
    assert load_file(pdf).path == pdf
    assert load_file(markdown).units[0].section == "Rubrik"


def test_missing_file_is_named(tmp_path):
    assert load_error(tmp_path / "borta.md") == "file not found"


# ---- Real documents --------------------------------------------------------------------------------

@needs_shared
def test_refugee_convention_article_33_is_on_page_32():
    document = load_file(REFUGEE_CONVENTION)
    pages = [unit.page for unit in document.units
             if 'No Contracting State shall expel or return (“refouler”) a refugee in any manner whatsoever'
             in unit.text]
    assert pages == [32]


@needs_shared
def test_refugee_convention_letter_spaced_headings_are_words():
    document = load_file(REFUGEE_CONVENTION)
    page_3 = next(unit.text for unit in document.units if unit.page == 3)
    assert "convention and protocol" in page_3
    assert "c o n v e n t i o n" not in full_text(document)
    page_16 = next(unit.text for unit in document.units if unit.page == 16)
    assert "For the purposes of the present Convention" in page_16
    assert "Decisions of non-eligibility" in page_16


@needs_shared
@pytest.mark.parametrize(("path", "phrase"), [
    (QUALIFICATION_REGULATION, "beneficiaries of international protection"),
    (EU_CHARTER, "Human dignity is inviolable"),
], ids=["qualification-regulation", "eu-charter"])
def test_pdfs_with_undecodable_fonts_load_silently(path, phrase, capfd, monkeypatch):
    # Without fontTools pypdf logs a warning for every CFF font it cannot fully decode (dozens per file,
    # the EU Charter's among them); make fontTools missing so that the test sees the noise if it leaks.
    monkeypatch.setattr("pypdf.generic._font.HAS_FONTTOOLS", False)
    document = load_file(path)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""
    assert phrase in full_text(document)


@needs_shared
def test_court_word_original_yields_the_judgment():
    document = load_file(SHARED_CORPUS / "case-law/mig-originals/UM7533-12.docx")
    text = full_text(document)
    assert document.units[0].text.startswith("Migrationsöverdomstolen MIG 2013:6")
    assert "Målnummer: UM7533-12" in text
    assert "Migrationsöverdomstolen bifaller överklagandet delvis" in text
    assert any(unit.section == "REFERAT" for unit in document.units)


@needs_shared
def test_court_xhtml_rdfa_metadata():
    meta = load_file(SHARED_CORPUS / "case-law/mig-originals/UM7533-12.xhtml").file_meta
    assert meta["dcterms:identifier"] == "MIG 2013:6"
    assert meta["rpubl:malnummer"] == "UM7533-12"
    assert meta["rpubl:avgorandedatum"] == "2013-03-22"
    assert meta["dcterms:title"].startswith("Ett barn, som lider av livshotande leukemi")


@needs_shared
def test_aliens_act_chapter_4_section_1_is_one_unit():
    document = load_file(SHARED_CORPUS / "law/sfs/sfs-2005-716.md")
    (unit,) = [u for u in document.units
               if u.section.startswith("Utlänningslag > 4 kap. Flyktingar och andra skyddsbehövande >")
               and u.section.endswith("> 1 §")]
    assert "\n\n1 §\n\nMed flykting avses i denna lag en utlänning som" in unit.text
    assert unit.text.startswith("4 kap. Flyktingar och andra skyddsbehövande")
    assert document.file_meta["beteckning"] == "2005:716"


@needs_shared
def test_mig_text_keeps_its_header_line():
    (unit,) = load_file(SHARED_CORPUS / "case-law/mig/MIG_2009-30_UM7867-08.txt").units
    assert unit.text.startswith("MIG 2009:30 (Migrationsöverdomstolen, mål UM 7867-08, avgörandedatum 2009-11-03)\n")


@needs_shared
@pytest.mark.slow
def test_every_shared_document_loads():
    files = [path for path in sorted(SHARED_CORPUS.rglob("*"))
             if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES and path.name != "README.md"]
    assert len(files) > 400
    started = time.perf_counter()
    failures = {}
    for path in files:
        try:
            document = load_file(path)
            assert document.units, path
            for unit in document.units:  # quotable as stored: nothing left for a later stage to normalise
                assert unit.text and normalize_text(unit.text) == unit.text, (path, unit.page, unit.section)
        except LoadError as exc:
            failures[path.relative_to(SHARED_CORPUS).as_posix()] = str(exc)
    seconds = time.perf_counter() - started
    assert failures == {}
    print(f"{len(files)} files loaded in {seconds:.1f} s")
