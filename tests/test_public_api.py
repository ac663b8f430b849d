"""What a library user imports: `from landinfo import Settings, Filters, Passage, Answer, Assistant, ingest,
LandinfoError`, loaded on first use; the README's five-line example runs; an embedder is any importable class."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from conftest import DEMO_CORPUS, REPO
from fakes import FAKE_MODEL, FakeEmbedder
from landinfo.embedder import make_embedder
from landinfo.errors import LandinfoError, ModelUnavailableError, NotReady
from landinfo.settings import Settings

PUBLIC = ("Settings", "Filters", "Passage", "Answer", "Assistant", "ingest", "LandinfoError")


def _fresh(code: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env={**os.environ, "LANDINFO_EMBEDDING_MODEL": FAKE_MODEL})


def test_import_landinfo_loads_nothing_heavy_until_a_name_is_used():
    done = _fresh("import json, sys, landinfo\n"
                  "before = sorted({m.split('.')[0] for m in sys.modules})\n"
                  "from landinfo import Settings, Filters, Passage, Answer, Assistant, ingest, LandinfoError\n"
                  "print(json.dumps([before, [Settings.__module__, Filters.__module__, Passage.__module__, "
                  "Answer.__module__, Assistant.__module__, ingest.__name__, LandinfoError.__module__], "
                  "callable(ingest), sorted(landinfo.__all__)]))")
    assert done.returncode == 0, done.stderr
    before, homes, ingest_callable, exported = json.loads(done.stdout)
    assert not {"pydantic", "numpy", "chromadb", "torch", "gradio", "matplotlib"} & set(before)
    assert homes == ["landinfo.settings", "landinfo.records", "landinfo.records", "landinfo.answer.types",
                     "landinfo.answer.assistant", "landinfo.ingest", "landinfo.errors"]
    assert ingest_callable and set(PUBLIC) <= set(exported)


def test_ingest_is_callable_however_it_was_imported(fake_settings, tmp_path):
    import landinfo
    import landinfo.ingest as ingest_module
    from landinfo import ingest

    assert ingest is ingest_module is landinfo.ingest  # the module Python binds to the name, callable
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.md").write_text("# A\n\nJournalister i Veldoria grips.\n", encoding="utf-8")
    assert ingest(tmp_path / "corpus", fake_settings, progress=False).files["ingested"] == 1
    assert ingest.ingest(tmp_path / "corpus", fake_settings, progress=False).files["unchanged"] == 1
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        landinfo.Nope  # noqa: B018


def test_the_readme_library_example_runs(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### As a library", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert len([line for line in code.splitlines() if line.strip()]) == 5
    (tmp_path / "corpus").symlink_to(DEMO_CORPUS)
    done = _fresh(code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() and (tmp_path / "indexes").is_dir()


def test_an_embedder_is_any_importable_class_named_module_colon_class(tmp_path):
    embedder = make_embedder(Settings(index_dir=tmp_path, embedding_model=FAKE_MODEL))
    assert isinstance(embedder, FakeEmbedder) and embedder.name == "fake-hash-256"
    for reference, why in (("no_such_module:Embedder", "cannot import no_such_module"),
                           ("fakes:NoSuchClass", "fakes has no class NoSuchClass"),
                           ("fake", "is not a local folder")):  # the fake ships with the tests, not the package
        with pytest.raises(ModelUnavailableError, match=why):
            make_embedder(Settings(index_dir=tmp_path, embedding_model=reference))
    import landinfo.embedder

    assert not hasattr(landinfo.embedder, "FakeEmbedder")


def test_not_ready_is_in_the_one_exception_tree():
    from landinfo.ui_backend import NotReady as imported_by_the_ui

    assert imported_by_the_ui is NotReady and issubclass(NotReady, LandinfoError)
