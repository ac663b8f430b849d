"""multilingual-e5-small in ONNX Runtime (onnx_convert.py's folder). The only module that imports onnxruntime
to embed."""
from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from .e5convert import MAX_SEQ_LENGTH
from .errors import ModelUnavailableError
from .onnx_convert import MODEL_FILE


class OnnxEmbedder:
    """Embeds like sentence-transformers' Transformer -> mean Pooling -> Normalize on the same folder:
    the first 512 tokens, mean over the attention mask, unit length. The session loads on first use,
    once; ONNX Runtime sessions may be run from several threads at once."""

    def __init__(self, path: Path, name: str, query_prefix: str = "", passage_prefix: str = "",
                 batch_size: int = 16, threads: int = 1):
        self.path = Path(path)
        self.name = name
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size
        self.threads = threads
        self.max_tokens = MAX_SEQ_LENGTH
        self._loaded = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._loaded is None:
                if not (self.path / MODEL_FILE).is_file():
                    raise ModelUnavailableError(f"ONNX embedding model not found at {self.path / MODEL_FILE}")
                import onnxruntime
                from tokenizers import Tokenizer

                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.inter_op_num_threads = 1
                options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
                session = onnxruntime.InferenceSession(str(self.path / MODEL_FILE), options,
                                                       providers=["CPUExecutionProvider"])
                tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
                tokenizer.no_truncation()
                tokenizer.no_padding()
                config = json.loads((self.path / "config.json").read_text(encoding="utf-8"))
                self._loaded = session, tokenizer, int(config["hidden_size"]), int(config["pad_token_id"])
        return self._loaded

    @property
    def dim(self) -> int:
        return self._load()[2]

    def count_tokens(self, text: str) -> int:
        return len(self._load()[1].encode(text, add_special_tokens=False).ids)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        session, tokenizer, dim, pad = self._load()
        vectors = np.zeros((len(texts), dim), dtype=np.float32)
        if not texts:
            return vectors
        ids = [_truncated(encoding.ids, self.max_tokens)
               for encoding in tokenizer.encode_batch([prefix + text for text in texts])]
        by_length = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # batches of like lengths: little padding
        for start in range(0, len(by_length), self.batch_size):
            batch = by_length[start:start + self.batch_size]
            width = max(len(ids[i]) for i in batch)
            input_ids = np.full((len(batch), width), pad, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, i in enumerate(batch):
                input_ids[row, :len(ids[i])] = ids[i]
                mask[row, :len(ids[i])] = 1
            hidden = session.run(["last_hidden_state"], {"input_ids": input_ids, "attention_mask": mask})[0]
            vectors[batch] = _mean_pooled(hidden, mask)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _truncated(ids: list[int], limit: int) -> list[int]:
    """The first `limit` ids, keeping the closing </s> (as transformers truncates)."""
    return ids if len(ids) <= limit else ids[:limit - 1] + ids[-1:]


def _mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[..., None].astype(np.float32)
    return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
