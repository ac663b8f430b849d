"""What `landinfo` loads to run a command: only that command's module, so `status` and `search` start without
matplotlib (eval's reports) or gradio (the chat); what each command's --help and `landinfo --help` say."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import DEMO_CORPUS
from landinfo.cli import COMMANDS, build_parser, command_of, main

HEAVY_FOR_STATUS = ("matplotlib", "gradio", "fastapi", "torch", "sentence_transformers", "langchain_core")
HEAVY_FOR_SEARCH = ("matplotlib", "gradio", "fastapi", "langchain_core")


def _loaded_after(code: str, env_extra: dict | None = None) -> dict:
    """Run `code` (which sets `result`) in a fresh interpreter; `result` and the top-level packages it imported."""
    script = (f"import json, sys\n{code}\n"
              "print(json.dumps({'result': result, 'modules': sorted({m.split('.')[0] for m in sys.modules})}))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env_extra or {})})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_parsing_a_command_imports_only_that_command():
    loaded = _loaded_after("from landinfo.cli import build_parser, command_of\n"
                           "argv = ['--index-dir', 'x', 'status', '--json']\n"
                           "result = vars(build_parser(command_of(argv)).parse_args(argv))['json']\n"
                           "result = [result, sorted(m for m in sys.modules if m.startswith('landinfo.commands.'))]")
    assert loaded["result"] == [True, ["landinfo.commands.status"]]
    assert not {"matplotlib", "gradio", "chromadb", "torch"} & set(loaded["modules"])


@pytest.fixture(scope="module")
def demo_fake_index(tmp_path_factory):
    from fakes import FAKE_MODEL
    from landinfo.ingest import ingest
    from landinfo.settings import Settings

    folder = tmp_path_factory.mktemp("indexes")
    ingest(DEMO_CORPUS, Settings(index_dir=folder, embedding_model=FAKE_MODEL), progress=False)
    return folder


@pytest.mark.parametrize("argv, heavy", [
    (["status"], HEAVY_FOR_STATUS),
    (["search", "journalister Veldoria", "--json"], HEAVY_FOR_SEARCH),
])
def test_status_and_search_run_without_matplotlib_or_gradio(argv, heavy, demo_fake_index):
    from fakes import FAKE_MODEL

    loaded = _loaded_after(f"from landinfo.cli import main\nresult = main({argv!r})",
                           {"LANDINFO_INDEX_DIR": str(demo_fake_index), "LANDINFO_EMBEDDING_MODEL": FAKE_MODEL})
    assert loaded["result"] == 0
    assert "chromadb" in loaded["modules"]  # they do read the index
    assert not set(heavy) & set(loaded["modules"]), set(heavy) & set(loaded["modules"])


def test_the_command_is_found_as_argparse_finds_it():
    assert command_of(["--index-dir", "status", "search", "q"]) == "search"  # 'status' is the folder's name
    assert command_of(["--index", "x", "ask", "Vad?"]) == "ask"  # an abbreviated flag
    assert command_of(["--index-dir=x", "eval", "set.yaml"]) == "eval"
    assert command_of(["--help"]) is None and command_of([]) is None and command_of(["nope"]) is None


def test_help_lists_every_command_and_each_command_its_own_flags(capsys):
    assert main(["--help"]) == 0
    listing = capsys.readouterr().out
    for name, summary in COMMANDS.items():
        assert name in listing and summary.split()[0] in listing
    assert main(["search", "--help"]) == 0
    assert "--prefer-recent" in capsys.readouterr().out
    assert main(["eval", "--help"]) == 0
    assert "landinfo eval convert TABLE.csv" in capsys.readouterr().out
    for name in COMMANDS:  # every command module registers on the parser it is given
        build_parser(name)


def test_an_unknown_command_is_one_line_exit_2(capsys):
    assert main(["stats"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("landinfo: arguments: ") and "'stats'" in err and "status" in err


def test_ingest_progress_bar_is_forced_by_the_setting(tmp_path, monkeypatch, capsys):
    """LANDINFO_PROGRESS=1 shows the bar even with --json and standard error not a terminal (a log, CI)."""
    from fakes import FAKE_MODEL

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.md").write_text("# A\n\nJournalister i Veldoria grips.\n", encoding="utf-8")
    argv = ["--model", FAKE_MODEL, "ingest", str(tmp_path / "corpus"), "--json"]
    assert main(argv) == 0
    assert "\rfiles: " not in capsys.readouterr().err
    monkeypatch.setenv("LANDINFO_PROGRESS", "1")
    assert main(argv) == 0
    assert "\rfiles: " in capsys.readouterr().err
