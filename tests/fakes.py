"""Test doubles that stand in for real components. `LANDINFO_EMBEDDING_MODEL=fakes:FakeEmbedder` (with tests/ on
PYTHONPATH, which conftest.py arranges for the tests and the processes they start) selects the fake embedder."""
from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np

FAKE_MODEL = "fakes:FakeEmbedder"  # the embedding_model setting that selects it

_WORD = re.compile(r"\w+", re.UNICODE)


class FakeEmbedder:
    """Deterministic hashed bag-of-words vectors: similar wording gives similar vectors, no model to load."""

    name = "fake-hash-256"
    dim = 256
    max_tokens = 512

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        for word in _WORD.findall(text.lower()):
            bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
            vec[bucket % self.dim] += 1.0
        norm = np.linalg.norm(vec)
        return vec / norm if norm else vec

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    embed_queries = embed_passages

    def count_tokens(self, text: str) -> int:
        return len(_WORD.findall(text)) + text.count(".") + text.count(",")
