"""Issue #24: every answer carries a record of what it was made from; `landinfo replay` re-runs it; an opt-in audit
log. Fake embedder over a copy of the demo corpus (a document of it is changed by one test)."""
from __future__ import annotations

import json
import os
import shutil
import stat
from datetime import datetime, timedelta, timezone

import pytest

from conftest import DEMO_CORPUS
from fakes import FAKE_MODEL
from landinfo.cli import main

QUESTION = "Vad säger MIG 2024:1 om journalister i Veldoria?"
CHANGED = "coi/veldoria-aterkomst-2022.md"


@pytest.fixture
def corpus(tmp_path, monkeypatch, capsys):
    """A copy of the demo corpus, ingested with the fake embedder; the CLI points at its index."""
    folder = tmp_path / "corpus"
    shutil.copytree(DEMO_CORPUS, folder)
    monkeypatch.setenv("LANDINFO_EMBEDDING_MODEL", FAKE_MODEL)
    assert main(["ingest", str(folder), "--json"]) == 0
    capsys.readouterr()
    return folder


def _ask(capsys, *extra) -> dict:
    assert main(["ask", QUESTION, "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)


def _replay(capsys, path) -> tuple[int, str, str]:
    code = main(["replay", str(path)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_an_answer_carries_what_it_was_made_from(corpus, capsys):
    answer = _ask(capsys, "--country", "Veldoria")
    record = answer["provenance"]
    assert record["question"] == QUESTION and record["filters"]["countries"] == ["Veldoria"]
    assert record["query"]["language"] == "sv" and "MIG 2024:1" in " ".join(record["query"]["references"])
    assert record["groups"] == []
    assert len(record["corpus_version"]) == 64
    assert record["index"]["embedder"] == "fake-hash-256" and record["index"]["pipeline_version"]
    assert record["landinfo"]["version"] and len(record["landinfo"]["commit"]) in (0, 40)
    assert [p["id"] for p in record["passages"]] == [p["id"] for p in answer["passages"]]
    assert all({"score", "source", "page", "section"} <= set(p) for p in record["passages"])
    assert record["cited"] == list(dict.fromkeys(c["passage_id"] for c in answer["citations"]))
    assert set(record["documents"]) == {p["source"] for p in answer["passages"]}
    assert record["settings"]["top_k"] == 10 and record["settings"]["llm_provider"] == ""
    assert datetime.fromisoformat(record["time"]).tzinfo is not None


def test_the_commit_is_read_from_the_checkout(tmp_path):
    from landinfo.provenance import git_commit

    commit = "0123456789abcdef0123456789abcdef01234567"
    (tmp_path / ".git" / "refs" / "heads").mkdir(parents=True)
    (tmp_path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (tmp_path / ".git" / "refs" / "heads" / "main").write_text(commit + "\n")
    assert git_commit(tmp_path) == commit
    assert git_commit(tmp_path / "elsewhere") == ""


def test_the_same_question_on_the_same_index_replays_identical(corpus, capsys, tmp_path):
    line = _ask(capsys)
    (tmp_path / "answer.json").write_text(json.dumps(line, ensure_ascii=False))
    (tmp_path / "record.json").write_text(json.dumps(line["provenance"], ensure_ascii=False))
    for path in (tmp_path / "answer.json", tmp_path / "record.json"):
        code, out, err = _replay(capsys, path)
        assert (code, err) == (0, "") and out.strip().endswith("identical"), out


def test_a_changed_document_makes_replay_name_the_change(corpus, capsys, tmp_path):
    record = tmp_path / "answer.json"
    record.write_text(json.dumps(_ask(capsys), ensure_ascii=False))
    changed = corpus / CHANGED
    changed.write_text(changed.read_text(encoding="utf-8").replace("ournalist", "eporter"), encoding="utf-8")
    assert main(["ingest", str(corpus)]) == 0
    capsys.readouterr()
    code, out, _ = _replay(capsys, record)
    assert code == 1
    assert "corpus version changed" in out and f"document changed: {CHANGED}" in out
    assert "passage gone: " in out and "new passage at rank " in out


def test_a_record_that_is_not_json_is_one_line_exit_2(corpus, capsys, tmp_path):
    bad = tmp_path / "record.json"
    bad.write_text("not json\n")
    code, out, err = _replay(capsys, bad)
    assert code == 2 and out == "" and err.count("\n") == 1 and str(bad) in err and "not JSON" in err
    bad.write_text('{"question": "x"}\n')
    code, out, err = _replay(capsys, bad)
    assert code == 2 and err.count("\n") == 1 and "no provenance record" in err


def test_the_markdown_export_ends_with_the_provenance(corpus, capsys, tmp_path):
    answer = _ask(capsys, "--markdown", str(tmp_path / "answer.md"))
    markdown = (tmp_path / "answer.md").read_text(encoding="utf-8")
    section = markdown.split("### Spårbarhet", 1)[1]
    assert answer["provenance"]["corpus_version"] in section and "fake-hash-256" in section
    assert answer["provenance"]["time"] in section
    assert all(p["id"] in section for p in answer["provenance"]["passages"])


def test_the_word_export_has_the_provenance(corpus, capsys, tmp_path):
    from docx import Document

    answer = _ask(capsys, "--docx", str(tmp_path / "answer.docx"))
    text = "\n".join(p.text for p in Document(str(tmp_path / "answer.docx")).paragraphs)
    assert "Spårbarhet" in text and answer["provenance"]["corpus_version"] in text


def test_an_account_check_has_a_record_without_the_account(corpus, capsys, tmp_path):
    account = tmp_path / "account.txt"
    account.write_text("Jag arbetade som journalist i Veldoria och greps av säkerhetstjänsten 2024.\n")
    assert main(["check", str(account), "--country", "Veldoria", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    record = result["provenance"]
    assert record["kind"] == "account_check" and len(record["account_sha256"]) == 64
    assert "journalist" not in json.dumps(record)
    assert [c["passages"] and c["passages"][0]["id"] for c in record["claims"]] == \
        [c["passages"] and c["passages"][0]["id"] for c in result["claims"]]


def test_no_audit_log_unless_one_is_set(corpus, capsys, tmp_path):
    _ask(capsys)
    assert not list(tmp_path.rglob("*audit*"))


def test_the_audit_log_has_a_private_line_per_answer(corpus, capsys, tmp_path, monkeypatch):
    log = tmp_path / "audit" / "log.jsonl"
    monkeypatch.setenv("LANDINFO_AUDIT_LOG", str(log))
    answers = [_ask(capsys), _ask(capsys)]
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 2 and stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert lines[0]["corpus_version"] == answers[0]["provenance"]["corpus_version"]
    assert lines[0]["passages"] == [p["id"] for p in answers[0]["passages"]] and lines[0]["user"]
    assert lines[0]["refused"] == answers[0]["refused"]
    assert QUESTION not in log.read_text()
    monkeypatch.setenv("LANDINFO_AUDIT_QUESTIONS", "true")
    _ask(capsys)
    assert json.loads(log.read_text().splitlines()[-1])["question"] == QUESTION


def test_the_audit_log_forgets_lines_past_the_retention(tmp_path):
    from landinfo.audit import AuditLog

    log = tmp_path / "log.jsonl"
    old = (datetime.now(timezone.utc) - timedelta(days=91)).isoformat(timespec="seconds")
    log.write_text(json.dumps({"time": old, "user": "anna", "kind": "answer"}) + "\n")
    os.chmod(log, 0o600)
    audit = AuditLog(log, retention_days=90)
    audit.write({"time": datetime.now(timezone.utc).isoformat(timespec="seconds"), "user": "bo", "kind": "answer"})
    users = [json.loads(line)["user"] for line in log.read_text().splitlines()]
    assert users == ["bo"] and stat.S_IMODE(log.stat().st_mode) == 0o600
