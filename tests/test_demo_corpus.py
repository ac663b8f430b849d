"""The shipped demo corpus: every document says it is fictional, every quote in evals/demo.yaml
is really in its source, and the PDF rebuilds byte for byte from its source text."""
from __future__ import annotations

import datetime as dt
import importlib.util
import re
import unicodedata
from collections import Counter
from pathlib import Path

import lxml.html
import pytest
import yaml
from pypdf import PdfReader

from landinfo.records import DOC_TYPES

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
QUESTIONS = ROOT / "evals" / "demo.yaml"
PDF_SOURCE = CORPUS / "src" / "veldoria-coi-2026.md.src"
PDF = CORPUS / "coi" / "veldoria-coi-2026.pdf"

INGESTED_SUFFIXES = {".pdf", ".docx", ".html", ".htm", ".xhtml", ".md", ".markdown", ".txt"}
MARKERS = ("fictional training material", "fiktivt utbildningsmaterial")
KINDS = {"fact", "cross-lingual", "exact-citation", "risk-assessment", "multi-source", "unanswerable", "false-premise"}


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    return re.sub(r"\s+", " ", text).strip().casefold()


def documents() -> list[Path]:
    return sorted(
        path for path in CORPUS.rglob("*")
        if path.suffix.lower() in INGESTED_SUFFIXES
        and path != CORPUS / "README.md"
        and CORPUS / "src" not in path.parents
    )


def split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        return {}, text
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def text_of(path: Path, page: int | None = None) -> str:
    if path.suffix == ".pdf":
        pages = page_texts(path)
        return pages[page - 1] if page else "\n".join(pages)
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        return lxml.html.fromstring(raw).body.text_content()
    if path.suffix == ".md":
        return split_front_matter(raw)[1]
    return raw


def metadata(path: Path) -> dict:
    if path.suffix == ".md":
        return split_front_matter(path.read_text(encoding="utf-8"))[0]
    sidecar = path.with_name(path.name + ".meta.yaml")
    return yaml.safe_load(sidecar.read_text(encoding="utf-8")) if sidecar.exists() else {}


def question_set() -> dict:
    return yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))


def quotes() -> list[tuple[str, dict]]:
    return [
        (f"{q['id']}-{n}", source)
        for q in question_set()["questions"]
        for n, source in enumerate(q.get("expected_sources") or [], 1)
    ]


def resolve(source: str) -> Path:
    matches = [path for path in documents() if path.relative_to(CORPUS).as_posix().endswith(source)]
    assert len(matches) == 1, f"{source!r} names {len(matches)} documents of the corpus"
    return matches[0]


def test_corpus_ships_every_format_in_both_languages():
    docs = documents()
    assert {path.suffix for path in docs} >= {".pdf", ".html", ".md", ".txt"}
    assert 6 <= len(docs) <= 9
    assert {metadata(path)["language"] for path in docs} == {"sv", "en"}


def test_generator_sources_are_not_ingested_as_documents():
    for path in (CORPUS / "src").iterdir():
        assert path.suffix.lower() not in INGESTED_SUFFIXES, path


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_document_says_it_is_fictional_near_the_top(path):
    opening = normalise(text_of(path, page=1 if path.suffix == ".pdf" else None))[:800]
    assert any(marker in opening for marker in MARKERS)


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_document_metadata_is_complete_and_fictional(path):
    meta = metadata(path)
    assert meta.get("fictional") is True
    assert meta["doc_type"] in DOC_TYPES
    assert meta["language"] in ("sv", "en")
    assert meta["title"] and meta["publisher"] and meta["countries"]
    assert dt.date.fromisoformat(str(meta["date"])) <= dt.date(2026, 11, 22)


def test_corpus_holds_stale_and_recent_reports_on_one_country():
    coi_dates = [
        dt.date.fromisoformat(str(metadata(p)["date"]))
        for p in documents() if metadata(p)["doc_type"] == "coi" and "Veldoria" in metadata(p)["countries"]
    ]
    assert min(coi_dates) < dt.date(2024, 11, 22)  # more than 24 months before the demo's "today"
    assert max(coi_dates).year == 2026


def test_precedents_open_with_a_fictional_mig_header_and_a_holding():
    header = re.compile(r"^MIG DEMO (\d{4}):\d+ \(Migrationsöverdomstolen, mål UM 99\d\d-(\d\d), avgörandedatum (\d{4})-\d\d-\d\d\)$")
    precedents = [p for p in documents() if metadata(p)["doc_type"] == "precedent"]
    assert len(precedents) >= 2
    for path in precedents:
        lines = path.read_text(encoding="utf-8").splitlines()
        match = header.match(lines[0])
        assert match, lines[0]
        assert match.group(1) == match.group(3) and match.group(2) == match.group(1)[2:]
        assert any(line.startswith("Rubrik: ") for line in lines[:6])
        assert "Migrationsöverdomstolens bedömning" in lines and "Domslut" in lines
        assert lines[0].split(" (")[0] in metadata(path)["references"]


def test_question_set_covers_the_demo_cases():
    qs = question_set()
    questions = qs["questions"]
    assert qs["name"] == "demo" and qs["corpus"] == "corpus"
    assert 14 <= len(questions) <= 20
    assert len({q["id"] for q in questions}) == len(questions)
    kinds = Counter(q["kind"] for q in questions)
    assert set(kinds) <= KINDS
    assert kinds["cross-lingual"] >= 3 and kinds["exact-citation"] >= 2
    assert kinds["unanswerable"] >= 2 and kinds["false-premise"] >= 2
    assert {q["language"] for q in questions} == {"sv", "en"}
    for q in questions:
        assert isinstance(q["answerable"], bool)
        assert q["answerable"] is (q["kind"] not in ("unanswerable", "false-premise")), q["id"]
        if q["answerable"] or q["kind"] == "false-premise":
            assert q["expected_sources"] and q["key_points"], q["id"]
        for point in q["key_points"]:
            assert 1 <= len(point.split()) <= 4, (q["id"], point)


def test_cross_lingual_questions_are_answered_in_the_other_language():
    for q in question_set()["questions"]:
        if q["kind"] == "cross-lingual":
            languages = {metadata(resolve(s["source"]))["language"] for s in q["expected_sources"]}
            assert languages == {"sv", "en"} - {q["language"]}, q["id"]


@pytest.mark.parametrize(("qid", "expected"), quotes(), ids=[qid for qid, _ in quotes()])
def test_quote_is_verbatim_in_its_source(qid, expected):
    quote = expected["quote"]
    assert 8 <= len(quote.split()) <= 30, quote
    path = resolve(expected["source"])
    if path.suffix == ".pdf":
        assert "page" in expected, "a PDF quote names its page"
    assert normalise(quote) in normalise(text_of(path, expected.get("page")))


def test_key_points_come_from_the_expected_sources():
    for q in question_set()["questions"]:
        if not q.get("expected_sources"):
            continue
        texts = normalise(" ".join(text_of(resolve(s["source"])) for s in q["expected_sources"]))
        for point in q["key_points"]:
            assert normalise(point) in texts, (q["id"], point)


def _make_pdf_module():
    spec = importlib.util.spec_from_file_location("make_pdf", CORPUS / "src" / "make_pdf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_pdf_rebuilds_byte_identical(tmp_path):
    rebuilt = _make_pdf_module().build_pdf(PDF_SOURCE, tmp_path / PDF.name)
    assert rebuilt.read_bytes() == PDF.read_bytes()


def test_pdf_carries_its_title_date_and_fictional_marker():
    reader = PdfReader(PDF)
    assert reader.metadata.title == "Veldoria: Human rights situation, journalists and returnees"
    assert reader.metadata.creation_date.date() == dt.date(2026, 3, 20)
    assert "FICTIONAL TRAINING MATERIAL" in reader.metadata.subject
    assert len(reader.pages) >= 3
    assert all(MARKERS[0] in normalise(text) for text in page_texts(PDF))
