"""Control characters that XML cannot hold (a vertical tab pasted from Word, a NUL, an escape) in a question, an
account or a source do not break the Word export: `ask --docx` and `check --docx` write a file Word opens, with
the text around them kept (issue #20, finding 8: before, a traceback, and in the chat an error without sources).
The real CLI over a real (fake-embedder) index; the written files opened again with python-docx."""
from __future__ import annotations

import pytest
from docx import Document

from fakes import FAKE_MODEL
from landinfo.cli import main
from landinfo.ingest import ingest
from landinfo.settings import Settings

CONTROLS = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ufffe\uffff"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    (root / "eritrea.md").write_text(
        "---\ncountry: Eritrea\ndate: 2025-03-01\n---\n# Eritrea report\n\n## Journalists\n\n"
        "Journalists in Eritrea are detained without trial, according to observers.\u000b"
        "Deserters from national service are held incommunicado.\n", encoding="utf-8")
    folder = tmp_path_factory.mktemp("indexes")
    ingest(root, Settings(index_dir=folder, embedding_model=FAKE_MODEL), progress=False)
    return folder


def _text(path) -> str:
    document = Document(str(path))
    return "\n".join(p.text for p in document.paragraphs)


def test_ask_docx_with_control_characters_in_the_question_writes_a_word_file(index_dir, tmp_path, capsys):
    out = tmp_path / "answer.docx"
    question = "Hur behandlas journalister\u000bi Eritrea?\u0000\u001b[2J" + CONTROLS
    code = main(["--index-dir", str(index_dir), "--model", FAKE_MODEL, "ask", question, "--docx", str(out)])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err, err
    text = _text(out)
    assert "journalister\ni Eritrea?" in text  # a vertical tab is Word's own line break: kept as one
    assert not any(c in text for c in CONTROLS)
    assert "[2J" in text  # what followed the escape character is kept, as text


def test_check_docx_with_control_characters_in_the_account_writes_a_word_file(index_dir, tmp_path, capsys):
    account = tmp_path / "account.txt"
    account.write_text("I am a journalist.\u000bI was detained without trial in Eritrea in 2024.\u0007\n"
                       "My brother deserted from national service\u0001.\n", encoding="utf-8")
    out = tmp_path / "annex.docx"
    code = main(["--index-dir", str(index_dir), "--model", FAKE_MODEL, "check", str(account), "--country",
                 "Eritrea", "--docx", str(out)])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err, err
    text = _text(out)
    assert "detained without trial in Eritrea" in text and "deserted from national service." in text
    assert not any(c in text for c in CONTROLS)
