"""Shared fixtures: every path points at tmp, a fake embedder for unit tests (fakes.py), real indexes built once."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from fakes import FAKE_MODEL
from landinfo.settings import Settings

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
# The processes tests start (`python -m landinfo.cli ...` with LANDINFO_EMBEDDING_MODEL=fakes:FakeEmbedder) import
# the fake from here, as this process does (pytest puts tests/ on sys.path for conftest.py).
os.environ["PYTHONPATH"] = os.pathsep.join([str(TESTS), *filter(None, [os.environ.get("PYTHONPATH")])])
SHARED_CORPUS = (REPO.parent / "shared" / "corpus").resolve()
DEMO_CORPUS = REPO / "corpus"
needs_shared = pytest.mark.skipif(not SHARED_CORPUS.is_dir(),
                                  reason=f"../shared/corpus is absent ({SHARED_CORPUS}): real-document tests skipped")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """No test writes into the repo's indexes/ or feedback/ unless it asks for a shared index."""
    monkeypatch.setenv("LANDINFO_INDEX_DIR", str(tmp_path / "indexes"))
    monkeypatch.setenv("LANDINFO_FEEDBACK_DIR", str(tmp_path / "feedback"))
    monkeypatch.delenv("LANDINFO_CHROMA_URL", raising=False)
    for variable in ("LANDINFO_EMBEDDING_MODEL", "LANDINFO_USERS", "LANDINFO_PROGRESS"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def fake_settings(tmp_path) -> Settings:
    return Settings(index_dir=tmp_path / "indexes", embedding_model=FAKE_MODEL, chunk_tokens=120,
                    chunk_overlap_tokens=20)


def _persistent_index(name: str) -> Path:
    """Real-model indexes live under indexes/test-* so reruns are incremental (embed nothing new)."""
    base = Path(os.environ.get("LANDINFO_TEST_INDEX_ROOT", REPO / "indexes"))
    return base / name


@pytest.fixture(scope="session")
def demo_settings() -> Settings:
    """The shipped demo corpus, ingested once with the real multilingual model."""
    from landinfo.ingest import ingest

    settings = Settings(index_dir=_persistent_index("test-demo"))
    ingest(DEMO_CORPUS, settings, prune=True, progress=False)
    return settings


@pytest.fixture(scope="session")
def shared_settings() -> Settings:
    """The whole reference corpus, ingested once with the real model (minutes the first time)."""
    if not SHARED_CORPUS.is_dir():
        pytest.skip(f"../shared/corpus is absent ({SHARED_CORPUS})")
    from landinfo.ingest import ingest

    settings = Settings(index_dir=_persistent_index("test-shared"))
    report = ingest(SHARED_CORPUS, settings, prune=True, progress=False)
    settings.__dict__["_ingest_report"] = report
    return settings


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium_browser():
    """One Playwright and one Chromium for the whole run, shared by every browser test module: Playwright's sync
    API cannot be started a second time in a thread while the first is running."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
