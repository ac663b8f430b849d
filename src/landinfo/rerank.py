"""Optional reranking of the fused passages with a cross-encoder (LANDINFO_CROSS_ENCODER)."""
from __future__ import annotations

from dataclasses import replace

from .embedder import load_cross_encoder as _load
from .records import Passage


class CrossEncoderReranker:
    """Re-orders the retrieved passages by the cross-encoder's score of (question, passage)."""

    def __init__(self, model):
        self.model = model

    def rerank(self, query: str, passages: list[Passage]) -> list[Passage]:
        if not passages:
            return passages
        scores = self.model.predict([(query, p.text) for p in passages], show_progress_bar=False)
        ranked = sorted(zip(passages, scores), key=lambda pair: -float(pair[1]))
        return [replace(p, score=float(s)) for p, s in ranked]


def load_cross_encoder(path: str) -> CrossEncoderReranker:
    return CrossEncoderReranker(_load(path))
