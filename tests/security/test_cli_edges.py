"""The command line's edges: every bad argument, input file or setting is one line on stderr,
`landinfo: <what>: <why>`, exit 2 for usage errors and 1 for what the index says no to, and it is found before
any model loads (make_embedder raises in those tests). Empty or symbol-only questions are refused, dates must be
real, an unknown --country names the indexed ones, and a 40k-question set validates in seconds."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fakes import FAKE_MODEL
import landinfo.embedder
import landinfo.store
from landinfo.cli import main
from landinfo.errors import QuestionSetError
from landinfo.evaluate.questionset import validate_question_set
from landinfo.question_text import has_words

REPO = Path(__file__).resolve().parents[2]
FAST_S = 5.0  # a refusal before any model or index loads; the real model alone takes longer than this to load


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    """A two-document index (fake embedder): one Swedish report on Iraq, one English report on Eritrea."""
    from landinfo.ingest import ingest
    from landinfo.settings import Settings

    root = tmp_path_factory.mktemp("corpus")
    (root / "irak.md").write_text("# Irak: säkerhetsläget\n\nFiktivt material. Journalister i Irak grips ibland "
                                  "av polisen i Bagdad.\n", encoding="utf-8")
    (root / "eritrea.md").write_text("# Eritrea report\n\nJournalists in Eritrea are detained without trial, "
                                     "according to observers.\n", encoding="utf-8")
    folder = tmp_path_factory.mktemp("indexes")
    ingest(root, Settings(index_dir=folder, embedding_model=FAKE_MODEL), progress=False)
    return folder


@pytest.fixture
def no_model(monkeypatch):
    """Any attempt to create an embedder (the first step of opening the index for a search) fails the test."""
    def refuse(settings):
        raise AssertionError("a model was loaded before the input was checked")
    monkeypatch.setattr(landinfo.embedder, "make_embedder", refuse)
    monkeypatch.setattr(landinfo.store, "make_embedder", refuse)


def run_cli(argv: list[str], capsys) -> tuple[int, list[str], float]:
    started = time.perf_counter()
    code = main(argv)
    seconds = time.perf_counter() - started
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err.splitlines(), seconds


def one_line(lines: list[str], *words: str) -> str:
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("landinfo: ") and line.count(": ") >= 2, line  # landinfo: <what>: <why>
    for word in words:
        assert word.lower() in line.lower(), (word, line)
    return line


def usage_cases(tmp: Path) -> list[tuple[list[str], tuple[str, ...]]]:
    """(argv, words its one line must contain): each a usage error, exit 2."""
    (tmp / "latin1.txt").write_bytes("Vad gäller?\nHur många år?\n".encode("latin-1"))
    (tmp / "symbols.txt").write_text("Vad gäller för journalister?\n\n?!...\n", encoding="utf-8")
    (tmp / "blank.txt").write_text("\n   \n\t\n", encoding="utf-8")
    (tmp / "folder").mkdir()
    missing = tmp / "no-such-folder"
    return [
        (["ask", "--batch", str(tmp / "missing.txt")], ("--batch", "missing.txt", "no such file")),
        (["search", "--batch", str(tmp / "folder")], ("--batch", "folder")),
        (["ask", "--batch", str(tmp / "latin1.txt")], ("--batch", "line 1", "utf-8")),
        (["search", "--batch", str(tmp / "symbols.txt")], ("--batch", "line 3", "not a query")),
        (["ask", "--batch", str(tmp / "blank.txt")], ("--batch", "no question")),
        (["ask", "Hur behandlas journalister?", "--markdown", str(missing / "a.md")], ("--markdown", "does not exist")),
        (["ask", "Hur behandlas journalister?", "--docx", str(missing / "a.docx")], ("--docx", "does not exist")),
        (["ask", "Hur behandlas journalister?", "--docx", str(tmp / "folder")], ("--docx", "folder")),
        (["ask", "Vad?", "--batch", str(tmp / "symbols.txt")], ("not both",)),
        (["ask", ""], ("not a question",)),
        (["ask", "   "], ("not a question",)),
        (["ask", "?!..."], ("not a question",)),
        (["ask", "--", "---"], ("not a question",)),
        (["search", "… — 🙂"], ("not a query",)),
        (["ask"], ("no question", "--batch")),
        (["search", "journalists", "--since", "2024-13-45"], ("--since", "2024-13-45", "not a real date")),
        (["search", "journalists", "--until", "2023-02-29"], ("--until", "2023-02-29", "not a real date")),
        (["ask", "Vad gäller?", "--since", "yesterday"], ("--since", "yesterday", "YYYY-MM-DD")),
        (["search", "journalists", "--since", "2025", "--until", "2024-06"], ("--since", "--until", "ends before")),
        (["search", "journalists", "--type", "novel"], ("--type", "novel", "coi")),
        (["search", "journalists", "--k", "0"], ("--k",)),
        (["search", "journalists", "--k", "many"], ("--k", "invalid int")),
        (["feedback", "export", "--out", str(missing / "ratings.csv")], ("--out", "does not exist")),
        (["serve", "--port", "70000"], ("--port", "70000")),
        (["serve", "--auth-file", str(tmp / "users.txt")], ("--auth-file", "users.txt", "no such file")),
        (["ingest", str(missing)], ("ingest", "no-such-folder", "no such folder")),
        (["ingest", str(tmp / "blank.txt")], ("ingest", "blank.txt", "not a folder")),
        (["eval", str(tmp / "set.yaml")], ("set.yaml", "cannot read")),
        (["eval", str(tmp / "latin1.txt")], ("latin1.txt", "line 1", "utf-8")),
        (["eval", str(REPO / "evals" / "demo.yaml"), "--compare", str(tmp / "base.json")], ("--compare", "base.json")),
        (["eval", str(REPO / "evals" / "demo.yaml"), "--out", str(tmp / "blank.txt" / "runs")],
         ("--out", "blank.txt", "not a folder")),
        (["eval", "convert", str(tmp / "table.csv"), "-o", str(tmp / "set.yaml")], ("table.csv", "cannot read")),
        (["users", "add", "anna", "--file", str(missing / "users.txt")], ("--file", "does not exist")),
        (["users", "add", "an:na", "--file", str(tmp / "users.txt")], ("an:na", "user name")),
        (["users", "add", "anna"], ("users add", "no users file")),
    ]


def test_every_usage_error_is_one_line_exit_2_before_any_model_loads(tmp_path, index_dir, no_model, capsys,
                                                                      monkeypatch):
    monkeypatch.delenv("LANDINFO_AUTH_FILE", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO("a-good-password\n"))  # users add reads it only after the checks
    for argv, words in usage_cases(tmp_path):
        code, lines, seconds = run_cli(["--index-dir", str(index_dir), *argv], capsys)
        assert code == 2, (argv, lines)
        one_line(lines, *words)
        assert seconds < FAST_S, (argv, seconds)


def test_a_question_with_words_passes_the_checks(tmp_path, index_dir, no_model, capsys):
    """Real questions, good dates and a writable --markdown get past every check: to the model, which is refused."""
    for question in ("Vad?", "MIG 2009:30", "2009:30"):
        with pytest.raises(AssertionError, match="a model was loaded"):
            main(["--index-dir", str(index_dir), "ask", question, "--since", "2024", "--until", "2024-02-29",
                  "--markdown", str(tmp_path / "answer.md")])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("text, expected", [
    ("Vad?", True), ("MIG 2009:30", True), ("2009", True), ("Hur många år?", True), ("لماذا؟", True),
    ("为什么", True), ("Ärende", True), ("", False), ("   \t\n", False), ("?!...", False), ("---", False),
    ("…", False), ("§ § §", False), ("🙂👍", False), ("\u200b\u00ad", False), (None, False),
])
def test_has_words_decides_what_can_be_a_question(text, expected):
    assert has_words(text) is expected


@pytest.mark.parametrize("command", [["search", "journalists"], ["ask", "Hur behandlas journalister?"]])
def test_an_unknown_country_names_the_indexed_ones_without_loading_a_model(command, index_dir, no_model, capsys):
    code, lines, seconds = run_cli(["--index-dir", str(index_dir), *command, "--country", "Atlantis"], capsys)
    assert code == 2  # a usage error, as README says: the flag names no indexed country
    line = one_line(lines, "--country Atlantis", "no indexed document")
    assert line.endswith("indexed countries: Eritrea, Iraq"), line
    assert seconds < FAST_S


@pytest.mark.parametrize("given, indexed_as, source", [
    ("irak", "Iraq", "irak.md"), ("Irak", "Iraq", "irak.md"), ("IRAQ", "Iraq", "irak.md"),
    ("eritrea", "Eritrea", "eritrea.md"), ("Eritrean", "Eritrea", "eritrea.md"),
])
def test_a_country_is_matched_in_any_case_and_in_swedish(given, indexed_as, source, index_dir, capsys):
    import json

    assert main(["--index-dir", str(index_dir), "--model", FAKE_MODEL, "search", "journalister journalists",
                 "--country", given, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["filters"]["countries"] == [indexed_as]
    assert found["passages"] and {p["source"] for p in found["passages"]} == {source}


@pytest.mark.parametrize("command", [["status"], ["search", "journalists"], ["ask", "Vad gäller?"],
                                     ["check", "-", "--country", "Iraq"], ["ingest", str(REPO / "corpus")]])
def test_an_index_folder_that_is_a_file_is_a_usage_error(command, tmp_path, no_model, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("I was detained in Baghdad in 2023.\n"))
    (tmp_path / "indexes.txt").write_text("not a folder\n", encoding="utf-8")
    code, lines, seconds = run_cli(["--index-dir", str(tmp_path / "indexes.txt"), *command], capsys)
    assert code == 2, lines
    one_line(lines, "indexes.txt", "is a file, not a folder")
    assert seconds < FAST_S


def test_a_batch_line_with_an_unknown_country_is_reported_as_file_and_line(tmp_path, index_dir, no_model, capsys):
    batch = tmp_path / "accounts.jsonl"
    batch.write_text('{"account": "I was detained in Baghdad.", "country": "Iraq"}\n\n'
                     '{"account": "I deserted from national service.", "country": "Atlantis"}\n', encoding="utf-8")
    code, lines, seconds = run_cli(["--index-dir", str(index_dir), "check", "--batch", str(batch)], capsys)
    assert code == 2
    line = one_line(lines, "Atlantis", "no indexed document")
    assert line.startswith(f"landinfo: {batch}:3: "), line
    assert seconds < FAST_S


@pytest.mark.parametrize("errors", ["strict", "surrogateescape"])  # a UTF-8 locale, and the C/POSIX locale
def test_an_account_on_standard_input_that_is_not_utf8_is_a_usage_error_before_any_model_loads(
        errors, index_dir, no_model, capsys, monkeypatch):
    latin1 = "Jag greps i Bagdad 2023 och fördes till ett fängelse.\n".encode("latin-1")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(latin1), encoding="utf-8", errors=errors))
    code, lines, seconds = run_cli(["--index-dir", str(index_dir), "check", "-", "--country", "Iraq"], capsys)
    assert code == 2
    one_line(lines, "standard input", "line 1", "not UTF-8", "0xf6")
    assert seconds < FAST_S


def test_a_file_name_with_a_newline_cannot_forge_a_line_of_search_output(tmp_path, capsys):
    """The text output prints one rank line, one source line and one text line per passage, whatever the names."""
    from landinfo.ingest import ingest
    from landinfo.settings import Settings

    root = tmp_path / "corpus"
    root.mkdir()
    forged = "report\n 2. [0.999] Official verdict (coi, 2026-01-01) \x1b[32mGRANTED\x1b[0m.md"
    (root / forged).write_text("Journalists in Eritrea are detained without trial, according to observers.\n",
                               encoding="utf-8")
    (root / "plain.md").write_text("# Plain report\n\nDeserters from Eritrea are held incommunicado.\n",
                                   encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "indexes", embedding_model=FAKE_MODEL)
    ingest(root, settings, progress=False)
    assert main(["--index-dir", str(settings.index_dir), "--model", FAKE_MODEL, "search", "journalists Eritrea"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    lines = out.splitlines()
    assert len(lines) == 3 * 2  # two passages, three lines each
    assert [line[:4] for line in lines[::3]] == [" 1. ", " 2. "]
    assert all(line.startswith("    ") for i, line in enumerate(lines) if i % 3)
    assert "report\\n 2. [0.999]" in out and "\\x1b[32mGRANTED" in out  # shown, escaped


def test_a_missing_corpus_folder_in_the_setting_is_a_usage_error(tmp_path, no_model, monkeypatch, capsys):
    monkeypatch.setenv("LANDINFO_CORPUS_DIR", str(tmp_path / "gone"))
    code, lines, _ = run_cli(["ingest"], capsys)
    assert code == 2
    one_line(lines, f"LANDINFO_CORPUS_DIR={tmp_path / 'gone'}", "no such folder")
    assert not (tmp_path / "indexes").exists()  # nothing was opened


@pytest.mark.parametrize("variable, value, command", [
    ("LANDINFO_PORT", "abc", ["status"]),
    ("LANDINFO_TOP_K", "ten", ["search", "journalists"]),
    ("LANDINFO_LLM_REQUEST_OPTIONS", "{not json", ["ask", "Vad gäller?"]),
    ("LANDINFO_LOG_ANSWERS", "maybe", ["serve"]),
])
def test_a_bad_setting_in_the_environment_is_one_line_naming_it(variable, value, command, tmp_path):
    env = {**os.environ, variable: value, "LANDINFO_INDEX_DIR": str(tmp_path / "indexes")}
    done = subprocess.run([sys.executable, "-m", "landinfo.cli", *command], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    one_line(done.stderr.splitlines(), variable)
    assert not (tmp_path / "indexes").exists()  # nothing was opened


def _question_set(n: int) -> dict:
    questions = [{"id": f"q{i}", "question": f"Vad gäller i fråga {i}?", "language": "sv", "country": "Iran",
                  "expected_sources": [{"source": f"coi/report-{i % 50}.md", "quote": "citat"}],
                  "key_points": ["a", "b"]} for i in range(n)]
    return {"name": "big", "questions": questions}


def test_a_40k_question_set_validates_in_linear_time():
    """Before: 43 s on a quiet machine (every id counted against every other); now a few seconds."""
    data = _question_set(40_000)
    started = time.perf_counter()
    assert len(validate_question_set(data).questions) == 40_000
    assert time.perf_counter() - started < 20
    data["questions"][-1]["id"] = "q7"
    data["questions"][3]["language"] = "de"
    started = time.perf_counter()
    with pytest.raises(QuestionSetError) as problem:
        validate_question_set(data)
    assert time.perf_counter() - started < 20
    assert str(problem.value).splitlines()[1:] == ["  q3.language: must be sv or en", "  file: duplicate question ids: q7"]
