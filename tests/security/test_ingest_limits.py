"""`landinfo ingest` against hostile files: a name that is not UTF-8, a .docx of three million empty paragraphs,
a .docx that unpacks to 1 GB, a file over the size limit, a file too slow to read. Each costs one line in the
report (or is indexed); the rest of the folder is indexed; what was indexed before a bad file stays indexed,
even when the ingest is killed while it reads one.

The holes this closes: a non-UTF-8 name crashed the whole ingest (UnicodeEncodeError in document_id), and
every file was loaded before any was indexed, with no size or time limit, so one paragraph bomb held up the
whole folder for 25 minutes and left nothing indexed when it was stopped."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from fakes import FAKE_MODEL
from landinfo.cli import main
from landinfo.settings import Settings
from landinfo.store import Store

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>')
_BODY_OPEN = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
_BODY_CLOSE = b"</w:body></w:document>"
BOMB_SENTENCE = "Checkpoint guards at the Veldorian border confiscate the phones of returning journalists."


def _paragraph(text: str) -> bytes:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()


def _docx(path: Path, first: bytes, repeated: bytes, times: int, batch: int = 10_000) -> Path:
    """A minimal valid .docx whose body is `first` then `repeated` `times` times, written in batches."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w") as body:
            body.write(_BODY_OPEN + first)
            for start in range(0, times, batch):
                body.write(repeated * min(batch, times - start))
            body.write(_BODY_CLOSE)
    return path


def paragraph_bomb(path: Path, paragraphs: int = 3_000_000) -> Path:
    """One real sentence, then three million empty <w:p/>: tens of KB zipped, 18 MB of XML."""
    return _docx(path, _paragraph(BOMB_SENTENCE), b"<w:p/>", paragraphs)


def xml_bomb(path: Path, megabytes: int = 1024) -> Path:
    """A document.xml of `megabytes` MB of one repeated paragraph: about a megabyte zipped."""
    one_mb = (_paragraph("x" * 1000) * 1015).ljust(1 << 20, b" ")
    return _docx(path, b"", one_mb, megabytes, batch=16)


def _good_files(root: Path) -> dict[str, str]:
    """file -> a phrase only it holds"""
    files = {
        "coi/iran.md": "# Iran\n\n## Journalists\n\nJournalists are detained in Evin prison and tortured.\n",
        "coi/eritrea.txt": "Eritrea\n\nDeserters from national service are held incommunicado at Adi Abeto.\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return {"coi/iran.md": "Evin prison", "coi/eritrea.txt": "Adi Abeto"}


def _indexed_sources(settings: Settings) -> set[str]:
    with Store.open(settings) as store:
        return {meta["source"] for _, _, meta in store.index.iter_all()}


def _search(settings: Settings, query: str, capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["--index-dir", str(settings.index_dir), "--model", FAKE_MODEL, "search", query, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["passages"]


def _cli_ingest(settings: Settings, root: Path, capsys, *extra: str) -> tuple[int, dict]:
    capsys.readouterr()
    code = main(["--index-dir", str(settings.index_dir), "--model", FAKE_MODEL, "ingest", str(root), "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_a_file_name_that_is_not_utf8_is_indexed_under_its_escaped_name(tmp_path, fake_settings, capsys):
    root = tmp_path / "corpus"
    phrases = _good_files(root)
    raw_root = os.fsencode(root)
    with open(os.path.join(raw_root, b"bad\xff name.txt"), "wb") as fh:
        fh.write(b"Returnees from Kestrania are questioned about the Velmeth uprising at the airport.\n")
    os.mkdir(os.path.join(raw_root, b"Rapport fr\xe5n G\xf6teborg"))  # Latin-1 folder name from an old share
    with open(os.path.join(raw_root, b"Rapport fr\xe5n G\xf6teborg", b"hamn.md"), "wb") as fh:
        fh.write("# Hamnen\n\nGränspolisen kontrollerar alla fartyg i hamnen.\n".encode())

    code, report = _cli_ingest(fake_settings, root, capsys)
    assert code == 0 and report["problems"] == [] and report["files"]["ingested"] == 4
    sources = _indexed_sources(fake_settings)
    assert {"bad\\xff name.txt", "Rapport fr\\xe5n G\\xf6teborg/hamn.md", *phrases} <= sources
    for source, phrase in phrases.items():
        assert any(p["source"] == source for p in _search(fake_settings, phrase, capsys))
    found = _search(fake_settings, "Velmeth uprising airport", capsys)
    assert found[0]["source"] == "bad\\xff name.txt" and "Velmeth uprising" in found[0]["text"]

    # a second run, with the text report, finds everything unchanged
    capsys.readouterr()
    assert main(["--index-dir", str(fake_settings.index_dir), "--model", FAKE_MODEL, "ingest", str(root)]) == 0
    assert "0 ingested, 4 unchanged" in capsys.readouterr().out


def test_a_name_that_is_not_utf8_in_a_failing_file_is_one_escaped_line(tmp_path, fake_settings, capsys):
    root = tmp_path / "corpus"
    _good_files(root)
    with open(os.path.join(os.fsencode(root), b"trasig \xe4.pdf"), "wb") as fh:
        fh.write(b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    code, report = _cli_ingest(fake_settings, root, capsys)
    assert code == 1 and report["files"]["ingested"] == 2
    assert [(p["path"], "corrupt" in p["reason"]) for p in report["problems"]] == [("trasig \\xe4.pdf", True)]
    capsys.readouterr()
    assert main(["--index-dir", str(fake_settings.index_dir), "--model", FAKE_MODEL, "ingest", str(root)]) == 1
    assert "failed: trasig \\xe4.pdf: corrupt PDF" in capsys.readouterr().err


_MEASURED_INGEST = """
import json, resource, sys, time
from pathlib import Path
from landinfo.ingest import ingest
from landinfo.settings import Settings
from landinfo.store import Store

settings = Settings(index_dir=sys.argv[2], embedding_model="fakes:FakeEmbedder", chunk_tokens=120,
                    chunk_overlap_tokens=20)
Store.open(settings, create=True).close()  # Chroma and the embedder loaded: what any ingest costs
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
report = ingest(Path(sys.argv[1]), settings, progress=False)
print(json.dumps({"seconds": time.perf_counter() - started, "before_kb": before, "files": report.files,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "problems": report.problems}))
"""


def test_three_million_empty_paragraphs_are_read_in_linear_time_and_memory_and_the_folder_is_indexed(
        tmp_path, fake_settings, capsys):
    """Ingested in a child process that measures itself: well under a minute, and no more memory than the
    ingest of the files beside it needs (python-docx built all three million elements: about 600 MB more)."""
    root = tmp_path / "corpus"
    phrases = _good_files(root)
    bomb = paragraph_bomb(root / "coi" / "bomb.docx")
    assert bomb.stat().st_size < 1_000_000
    out = subprocess.run([sys.executable, "-c", _MEASURED_INGEST, str(root), str(fake_settings.index_dir)],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    measured = json.loads(out.strip().splitlines()[-1])
    assert measured["problems"] == [] and measured["files"]["ingested"] == 3
    assert measured["seconds"] < 60, f"ingest took {measured['seconds']:.0f} s"
    grown_mb = (measured["peak_kb"] - measured["before_kb"]) / 1024
    assert grown_mb < 100, f"the ingest took {grown_mb:.0f} MB more than opening the index"
    assert _indexed_sources(fake_settings) == {*phrases, "coi/bomb.docx"}
    found = _search(fake_settings, "Veldorian border phones journalists", capsys)
    assert found[0]["source"] == "coi/bomb.docx" and found[0]["text"] == BOMB_SENTENCE


def test_a_docx_that_unpacks_to_a_gigabyte_is_refused_without_being_unpacked(tmp_path, fake_settings, capsys):
    root = tmp_path / "corpus"
    phrases = _good_files(root)
    xml_bomb(root / "bomb.docx")
    assert (root / "bomb.docx").stat().st_size < 10_000_000
    started = time.perf_counter()
    code, report = _cli_ingest(fake_settings, root, capsys)
    assert time.perf_counter() - started < 30
    assert code == 1 and report["files"]["ingested"] == 2 and report["files"]["failed"] == 1
    assert report["problems"] == [{"path": "bomb.docx", "reason": "unpacks to 1,024 MB, over the 200 MB limit "
                                                                  "(LANDINFO_MAX_FILE_MB)"}]
    assert _indexed_sources(fake_settings) == set(phrases)


def test_a_file_over_max_file_mb_is_refused_before_it_is_read(tmp_path, fake_settings, monkeypatch, capsys):
    """A sparse 50 GB file: hashing it alone would take minutes; refused from its size, in no time."""
    root = tmp_path / "corpus"
    phrases = _good_files(root)
    with open(root / "huge.txt", "wb") as fh:
        fh.truncate(50 << 30)
    (root / "two-megabytes.txt").write_text("Observers counted the convoys. " * 70_000, encoding="utf-8")
    monkeypatch.setenv("LANDINFO_MAX_FILE_MB", "1")
    started = time.perf_counter()
    code, report = _cli_ingest(fake_settings, root, capsys)
    assert time.perf_counter() - started < 30
    assert code == 1 and report["files"]["ingested"] == 2
    assert report["problems"] == [
        {"path": "huge.txt", "reason": "is 51,200 MB, over the 1 MB limit (LANDINFO_MAX_FILE_MB)"},
        {"path": "two-megabytes.txt", "reason": "is 2.1 MB, over the 1 MB limit (LANDINFO_MAX_FILE_MB)"},
    ]
    assert _indexed_sources(fake_settings) == set(phrases)


def slow_docx(path: Path, paragraphs: int = 400_000) -> Path:
    """A real document of 400,000 short paragraphs of text: tens of seconds to read, a few hundred KB zipped."""
    return _docx(path, _paragraph("Chapter one"), _paragraph("The convoy passed the checkpoint at dawn."),
                 paragraphs)


def test_a_file_slower_to_read_than_max_file_seconds_is_refused_and_the_rest_indexed(tmp_path, fake_settings,
                                                                                     capsys):
    root = tmp_path / "corpus"
    phrases = _good_files(root)
    slow_docx(root / "slow.docx")
    started = time.perf_counter()
    code, report = _cli_ingest(fake_settings, root, capsys, "--max-file-seconds", "1")
    assert time.perf_counter() - started < 30
    assert code == 1 and report["files"]["ingested"] == 2 and report["files"]["failed"] == 1
    assert report["problems"] == [{"path": "slow.docx",
                                   "reason": "took longer than 1 s to read (LANDINFO_MAX_FILE_SECONDS)"}]
    assert _indexed_sources(fake_settings) == set(phrases)


def _indexed_in_manifest(index_dir: Path) -> set[str]:
    found = set()
    for db in index_dir.glob("manifest-*.sqlite3"):
        with sqlite3.connect(db, timeout=30) as conn:
            try:
                found |= {row[0] for row in conn.execute("SELECT source FROM files WHERE status = 'indexed'")}
            except sqlite3.OperationalError:  # the ingest has made the file but not yet its table
                continue
    return found


def test_files_indexed_before_a_slow_file_stay_indexed_when_the_ingest_is_killed(tmp_path, fake_settings, monkeypatch,
                                                                                capsys):
    """Each file is stored and recorded before the next is read: kill -9 while a slow file is being read, and
    the files before it are indexed and found by search; the next run reads only the slow one again."""
    root = tmp_path / "corpus"
    phrases = _good_files(root)
    slow_docx(root / "zz-slow.docx", paragraphs=2_000_000)
    monkeypatch.setenv("LANDINFO_CHUNK_TOKENS", str(fake_settings.chunk_tokens))  # the child's and the CLI's
    monkeypatch.setenv("LANDINFO_CHUNK_OVERLAP_TOKENS", str(fake_settings.chunk_overlap_tokens))
    child = subprocess.Popen([sys.executable, "-m", "landinfo.cli", "--index-dir", str(fake_settings.index_dir),
                              "--model", FAKE_MODEL, "ingest", str(root), "--json"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while _indexed_in_manifest(fake_settings.index_dir) != set(phrases):
            assert child.poll() is None, "the ingest ended before it was killed: the slow file was not slow"
            assert time.monotonic() < deadline, "the files before the slow one were not recorded within 60 s"
            time.sleep(0.2)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert _indexed_sources(fake_settings) == set(phrases)
    for source, phrase in phrases.items():
        assert any(p["source"] == source for p in _search(fake_settings, phrase, capsys))

    (root / "zz-slow.docx").unlink()
    code, report = _cli_ingest(fake_settings, root, capsys)
    assert code == 0 and report["files"]["unchanged"] == 2 and report["embedded"] == 0
