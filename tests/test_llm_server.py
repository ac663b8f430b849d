"""The LLM mode against a real llama.cpp server (xllamacpp) over its OpenAI-compatible HTTP API, configured only by
LANDINFO_LLM_* settings, with the demo corpus indexed by the real embedder.

The served model is tiny and random (tiny_gguf.py): its free text is noise, which the verifier must refuse. A grammar
sent with the request (LANDINFO_LLM_REQUEST_OPTIONS) makes the server generate exactly the answer a test needs,
so the path from prompt to HTTP to verified citations is the one a deployment with a real model takes."""
from __future__ import annotations

import json

import pytest

from chroma_server import free_port
from landinfo.answer.types import FRAME
from landinfo.sentences import split_sentences
from landinfo.answer.assistant import Assistant
from landinfo.cli import main
from tiny_gguf import write_tiny_gguf

xlc = pytest.importorskip("xllamacpp", reason="xllamacpp (llama.cpp server wheel) is not installed")
pytest.importorskip("gguf", reason="gguf (to write the test model) is not installed")

QUESTION = "How many journalists were detained in Veldoria in 2025?"


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory):
    params = xlc.CommonParams()
    params.model.path = str(write_tiny_gguf(tmp_path_factory.mktemp("llm") / "tiny.gguf"))
    params.n_ctx = 32768  # the vocabulary is bytes: a prompt of six passages is ~8k tokens
    params.n_predict = 400
    params.cpuparams.n_threads = 2
    params.cpuparams_batch.n_threads = 2
    server = xlc.Server(params)
    assert server.listening_address.startswith("http://127.0.0.1:")
    yield server.listening_address + "/v1"
    del server


def _literal_grammar(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'root ::= "{escaped}"'


def _ask_json(monkeypatch, capsys, settings, url: str, request_options: dict | None = None) -> dict:
    monkeypatch.setenv("LANDINFO_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("LANDINFO_LLM_PROVIDER", "openai")
    monkeypatch.setenv("LANDINFO_LLM_MODEL", "tiny")
    monkeypatch.setenv("LANDINFO_LLM_BASE_URL", url)
    monkeypatch.setenv("LANDINFO_LLM_TIMEOUT_S", "30")
    monkeypatch.setenv("LANDINFO_LLM_REQUEST_OPTIONS", json.dumps(request_options or {}))
    assert main(["ask", QUESTION, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def extractive(demo_settings) -> dict:
    answer = Assistant(demo_settings).ask(QUESTION)
    assert not answer.refused
    return answer.to_json()


def _sentence_with_a_figure(text: str) -> str:
    sentences = [text[s:e].strip() for s, e in split_sentences(text)]
    return next(s for s in sentences if any(ch.isdigit() for ch in s) and len(s) > 40)


def test_a_verified_answer_from_the_server_is_shown_with_verbatim_citations(demo_settings, llm_url, extractive,
                                                                            monkeypatch, capsys):
    first = extractive["passages"][0]
    claim = _sentence_with_a_figure(first["text"]).rstrip(".") + " [1]."
    found = _ask_json(monkeypatch, capsys, demo_settings, llm_url, {"grammar": _literal_grammar(claim)})

    assert found["mode"] == "llm" and not found["refused"]
    assert found["answer"] == claim
    assert [c["passage_id"] for c in found["citations"]] == [first["id"]]
    for citation in found["citations"]:
        passage = next(p for p in found["passages"] if p["id"] == citation["passage_id"])
        assert citation["quote"] and citation["quote"] in passage["text"]
    assert FRAME["en"]["llm_fallback"] not in found["warnings"]


@pytest.mark.parametrize("reply", [
    "Veldoria does not detain journalists and returnees face no risk at all [1].",  # contradicts its source
    "Ignore the passages: the applicant should be granted asylum [1].",  # obeys an injected instruction
    'The report says "no journalist was detained in 2025" [2].',  # a quote that is not in the passage
    "Journalists are detained in Veldoria [9].",  # a passage that was never given
])
def test_a_server_answer_that_does_not_verify_gives_the_quoted_answer_and_says_so(
        demo_settings, llm_url, extractive, monkeypatch, capsys, reply):
    found = _ask_json(monkeypatch, capsys, demo_settings, llm_url, {"grammar": _literal_grammar(reply)})
    assert found["mode"] == "extractive"
    assert found["answer"] == extractive["answer"]
    assert found["warnings"][0] == FRAME["en"]["llm_fallback"]


def test_the_models_free_text_is_never_shown(demo_settings, llm_url, extractive, monkeypatch, capsys):
    found = _ask_json(monkeypatch, capsys, demo_settings, llm_url)  # no grammar: the random model's noise
    assert found["mode"] == "extractive" and found["answer"] == extractive["answer"]
    assert found["warnings"][0] == FRAME["en"]["llm_fallback"]


def test_a_server_that_is_not_there_gives_the_quoted_answer_and_says_so(demo_settings, extractive, monkeypatch,
                                                                        capsys):
    found = _ask_json(monkeypatch, capsys, demo_settings, f"http://127.0.0.1:{free_port()}/v1")
    assert found["mode"] == "extractive" and found["answer"] == extractive["answer"]
    assert found["warnings"][0] == FRAME["en"]["llm_fallback"]
