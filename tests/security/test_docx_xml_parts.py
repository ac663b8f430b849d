"""A .docx whose styles or core properties are an XML bomb is refused in one line, from the part's size, before
the part is parsed; the rest of the folder is indexed (issue #20, finding 7: a 510 KB .docx whose styles.xml
unpacked to 200 MB took 2.28 GB and 34 s, and was accepted: one lxml call the time limit cannot interrupt).
Real .docx files written by python-docx, one part swapped for the bomb; the ingest runs in a child process that
measures its own time and memory."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from docx import Document

from landinfo.settings import Settings
from measured import PEAK_MB
from test_ingest_limits import _MEASURED_INGEST, _cli_ingest, _good_files, _indexed_sources

STYLE = (b'<w:style w:type="paragraph" w:customStyle="1" w:styleId="S"><w:name w:val="S"/>'
         b'<w:rPr><w:b/></w:rPr></w:style>')
SUBJECT = b"<dc:subject>x</dc:subject>"
LIMIT_MB = Settings().max_xml_part_mb
# test_ingest_limits' measured ingest, its memory read as VmHWM (see measured.py)
_INGEST = PEAK_MB + _MEASURED_INGEST.replace("resource.getrusage(resource.RUSAGE_SELF).ru_maxrss", "peak_mb() * 1024")


def _word_file(path: Path, text: str, heading: str = "") -> Path:
    document = Document()
    if heading:
        document.add_heading(heading, level=1)
    document.add_paragraph(text)
    document.save(path)
    return path


def _with_bomb(path: Path, part: str, unit: bytes, megabytes: int) -> Path:
    """The .docx at `path`, its `part` padded with `unit` repeated to `megabytes` MB before the root's end tag."""
    original = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in original.infolist():
            data = original.read(info)
            if info.filename != part:
                archive.writestr(info.filename, data)
                continue
            head, _, tail = data.rpartition(b"</")
            one_mb = unit * ((1 << 20) // len(unit))
            with archive.open(part, "w", force_zip64=True) as out:
                out.write(head)
                for _ in range(megabytes):
                    out.write(one_mb)
                out.write(b"</" + tail)
    return path


def test_a_styles_or_properties_bomb_is_refused_in_one_line_before_it_is_parsed(tmp_path, fake_settings):
    root = tmp_path / "corpus"
    phrases = _good_files(root)
    styles = _with_bomb(_word_file(root / "styles-bomb.docx", "Checkpoint guards confiscate phones."),
                        "word/styles.xml", STYLE, 190)
    core = _with_bomb(_word_file(root / "core-bomb.docx", "Observers counted the convoys at night."),
                      "docProps/core.xml", SUBJECT, 40)
    assert styles.stat().st_size < 1_500_000 and core.stat().st_size < 1_500_000
    _word_file(root / "decision.docx", "The court found the summons could not be required in original.",
               heading="Court decision")  # an ordinary Word file, styles and all, is read as before
    done = subprocess.run([sys.executable, "-c", _INGEST, str(root), str(fake_settings.index_dir)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    grown_mb = (measured["peak_kb"] - measured["before_kb"]) / 1024
    print(f"ingest with the styles.xml bomb: {measured['seconds']:.1f} s, {grown_mb:.0f} MB above opening the index "
          f"(peak RSS {measured['peak_kb'] / 1024:.0f} MB)")
    limit = f"{LIMIT_MB:.2g}"
    assert sorted(measured["problems"], key=lambda p: p["path"]) == [
        {"path": "core-bomb.docx", "reason": f"docProps/core.xml unpacks to 40 MB, over the {limit} MB limit "
                                             "for one XML part (LANDINFO_MAX_XML_PART_MB)"},
        {"path": "styles-bomb.docx", "reason": f"word/styles.xml unpacks to 190 MB, over the {limit} MB limit "
                                               "for one XML part (LANDINFO_MAX_XML_PART_MB)"}]
    assert measured["files"]["ingested"] == 3 and measured["files"]["failed"] == 2
    assert measured["seconds"] < 20 and grown_mb < 100  # before: 34 s and 2.28 GB, and the file was accepted
    assert _indexed_sources(fake_settings) == {*phrases, "decision.docx"}


def test_the_part_limit_is_a_setting_and_the_text_report_names_file_and_reason(tmp_path, fake_settings, capsys,
                                                                              monkeypatch):
    root = tmp_path / "corpus"
    _good_files(root)
    _with_bomb(_word_file(root / "styles.docx", "Checkpoint guards confiscate phones."), "word/styles.xml", STYLE, 2)
    monkeypatch.setenv("LANDINFO_MAX_XML_PART_MB", "1")
    code, report = _cli_ingest(fake_settings, root, capsys)
    assert code == 1 and [p["path"] for p in report["problems"]] == ["styles.docx"]
    reason = report["problems"][0]["reason"]
    assert reason.startswith("word/styles.xml unpacks to 2.") and "MB, over the 1 MB limit for one XML part" in reason
    monkeypatch.setenv("LANDINFO_MAX_XML_PART_MB", "4")  # raised: the same file is read
    code, report = _cli_ingest(fake_settings, root, capsys)
    assert code == 0 and report["problems"] == [] and report["files"]["ingested"] == 1
