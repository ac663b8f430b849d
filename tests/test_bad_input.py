"""Bad input through `landinfo ingest`: every broken file costs exactly one line naming it and saying why,
the good files beside it are still indexed, and nothing indexed before is lost."""
from __future__ import annotations

import json
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from fakes import FAKE_MODEL
from landinfo.cli import main
from landinfo.settings import Settings
from landinfo.store import Store

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "corpus"
DEMO_PDF = "coi/veldoria-coi-2026.pdf"
UNICODE_FOLDER = "Rapport från Göteborg"
UNICODE_FILE = f"{UNICODE_FOLDER}/återvändande över gränsen – översikt.md"

# file -> a word its one line must contain; these files must not be indexed
BROKEN = {
    "bad/encrypted.pdf": "encrypted",
    "bad/trasig rapport ä.pdf": "corrupt",
    "bad/zero-byte.pdf": "empty",
    "bad/scan.pdf": "OCR",
    "bad/word.docx": "not a Word document",
    "bad/empty-page.html": "no text",
    "bad/garbage.md": "binary",
    DEMO_PDF: "corrupt",  # indexed in the first run, then overwritten by a broken copy
}
SIDECAR = "bad/dated report.md.meta.yaml"  # its bad date is one line; the report it describes is indexed
NEW_GOOD = ["bad/500-pages.pdf", "bad/50-megabytes.pdf", UNICODE_FILE, "bad/dated report.md"]


def _text_pdf(path: Path, pages: int, words: str = "") -> None:
    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(1, pages + 1):
        for line in range(6):
            c.drawString(60, 800 - 16 * line, f"Page {n}, line {line + 1}: observers reviewed checkpoint {n * 7 + line} "
                                              f"in the northern district {words}.")
        c.showPage()
    c.save()


def _huge_pdf(path: Path, megabytes: int = 50) -> None:
    """One page of text that shows an uncompressed RGB image of `megabytes` MB: written by hand, in a second."""
    side = int((megabytes * 1_000_000 / 3) ** 0.5) + 1
    pixels = bytes(range(256)) * (side * side * 3 // 256 + 1)
    content = (b"BT /F1 12 Tf 60 800 Td (Photograph of the border crossing at dawn, taken by observers of the "
               b"monitoring mission.) Tj ET q 400 0 0 400 60 200 cm /Im1 Do Q")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
        b"/Resources << /Font << /F1 4 0 R >> /XObject << /Im1 6 0 R >> >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 "
        b"/Length %d >>\nstream\n" % (side, side, side * side * 3) + pixels[:side * side * 3] + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def _scan_pdf(path: Path) -> None:
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    image = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(image).rectangle((20, 20, 580, 180), outline="black", width=5)
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(ImageReader(image), 60, 500, width=450, height=150)
    c.showPage()
    c.save()


def _add_bad_files(root: Path) -> None:
    bad = root / "bad"
    bad.mkdir()
    _text_pdf(bad / "source.tmp", 2)
    good_pdf = (bad / "source.tmp").read_bytes()
    (bad / "source.tmp").unlink()

    writer = PdfWriter(clone_from=PdfReader(root / DEMO_PDF))
    writer.encrypt(user_password="hemligt", owner_password="ägare", algorithm="AES-256")
    writer.write(bad / "encrypted.pdf")
    (bad / "trasig rapport ä.pdf").write_bytes(good_pdf[: len(good_pdf) // 2])
    (bad / "zero-byte.pdf").write_bytes(b"")
    _scan_pdf(bad / "scan.pdf")
    _text_pdf(bad / "500-pages.pdf", 500, "of Quorvath")
    _huge_pdf(bad / "50-megabytes.pdf")
    with zipfile.ZipFile(bad / "word.docx", "w") as archive:
        archive.writestr("junk.bin", bytes(range(256)) * 40)
        archive.writestr("notes.txt", "this is not a Word document")
    (bad / "empty-page.html").write_text(
        "<!doctype html><html><head><title>Empty</title><script>var a = 1;</script></head>"
        "<body><nav><a href='/'>Home</a></nav><div class='content'>  </div><img src='x.png'></body></html>",
        encoding="utf-8")
    (bad / "garbage.md").write_bytes(bytes((i * 7919 + 13) % 256 for i in range(20000)))
    (root / UNICODE_FOLDER).mkdir()
    (root / UNICODE_FILE).write_text(
        "# Återvändande över gränsen\n\nFiktivt utbildningsmaterial. Personer som återvänder via gränsövergången "
        "i Göteborgs hamn förhörs ibland av gränspolisen om sin resväg och sina kontakter utomlands.\n",
        encoding="utf-8")
    (bad / "dated report.md").write_text(
        "# Dated report\n\nFictional training material. Market prices in the capital rose sharply during the "
        "winter, according to traders interviewed by the mission.\n", encoding="utf-8")
    (root / SIDECAR).write_text("title: Dated report\ndate: 2023-13-45\n", encoding="utf-8")
    demo_pdf = root / DEMO_PDF
    demo_pdf.write_bytes(demo_pdf.read_bytes()[:3000])  # an indexed file replaced by a broken copy


@pytest.fixture
def corpus(tmp_path) -> Path:
    root = tmp_path / "corpus"
    shutil.copytree(DEMO, root)
    return root


@pytest.fixture
def settings(tmp_path, monkeypatch) -> Settings:
    monkeypatch.setenv("LANDINFO_EMBEDDING_MODEL", FAKE_MODEL)
    return Settings(index_dir=tmp_path / "indexes", embedding_model=FAKE_MODEL)


def _chunks(settings: Settings) -> tuple[dict[str, dict], list[str]]:
    store = Store.open(settings)
    try:
        return {cid: meta for cid, _text, meta in store.index.iter_all()}, list(store.lexical.ids)
    finally:
        store.close()


def test_each_bad_file_is_one_line_and_the_rest_is_indexed_and_kept(corpus, settings, capsys):
    assert main(["ingest", str(corpus), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    before, _ = _chunks(settings)
    assert first["problems"] == [] and len(before) == first["chunks"]["added"] > 0

    _add_bad_files(corpus)
    started = time.perf_counter()
    code = main(["ingest", str(corpus)])
    seconds = time.perf_counter() - started
    out, err = capsys.readouterr()
    assert code == 1  # some files failed
    assert seconds < 120, f"the battery took {seconds:.0f} s"  # a guard against hanging on the 50 MB file

    lines = err.splitlines()
    assert len(lines) == len(BROKEN) + 1, "one line per broken file and one for the sidecar, nothing else"
    for name, word in BROKEN.items():
        mine = [line for line in lines if line.startswith(f"  failed: {name}: ")]
        assert len(mine) == 1, f"{name}: {mine}"
        assert word.lower() in mine[0].lower(), mine[0]
    sidecar = [line for line in lines if SIDECAR in line]
    assert len(sidecar) == 1 and "2023-13-45" in sidecar[0] and "date" in sidecar[0], sidecar
    assert f"{len(NEW_GOOD)} ingested" in out and f"{len(BROKEN)} failed" in out

    # the same problems, as data, from --json (a failed file is tried again on the next run)
    assert main(["ingest", str(corpus), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert sorted(p["path"] for p in report["problems"]) == sorted([*BROKEN, SIDECAR])
    assert all(p["reason"] and "\n" not in p["reason"] for p in report["problems"])
    assert report["files"]["ingested"] == 0 and report["embedded"] == 0

    after, lexical = _chunks(settings)
    assert set(before) <= set(after), "chunks indexed before the bad files came are still there"
    assert set(lexical) == set(after) and len(lexical) == len(after)
    sources = {meta["source"] for meta in after.values()}
    assert set(NEW_GOOD) <= sources
    assert not sources & (set(BROKEN) - {DEMO_PDF})
    assert DEMO_PDF in sources  # the last good version of the overwritten file is kept
    pages = {meta["page"] for meta in after.values() if meta["source"] == "bad/500-pages.pdf"}
    assert {1, 250, 500} <= pages
    dated = [meta for meta in after.values() if meta["source"] == "bad/dated report.md"]
    assert dated and all(meta["date"] != "2023-13-45" for meta in dated)


def test_path_with_spaces_and_swedish_letters_is_found_by_search(corpus, settings, monkeypatch, capsys):
    _add_bad_files(corpus)
    monkeypatch.setenv("LANDINFO_INDEX_DIR", str(settings.index_dir))
    main(["ingest", str(corpus), "--json"])
    capsys.readouterr()
    assert main(["search", "gränsövergången Göteborgs hamn gränspolisen", "--json", "--k", "3"]) == 0
    found = json.loads(capsys.readouterr().out)["passages"]
    assert found[0]["source"] == UNICODE_FILE
    assert "gränsövergången i Göteborgs hamn" in found[0]["text"]
