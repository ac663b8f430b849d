"""BM25 over the chunks, Swedish and English stemming, persisted beside the vector index."""
from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path
from typing import Iterable, Sequence

import bm25s
import numpy as np
import Stemmer

from .datafiles import stopwords
from .references import reference_tokens

_STOPWORDS = frozenset().union(*stopwords("index").values())  # data/stopwords/: both lists, any text
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*|§", re.UNICODE)

_STEMMERS = {"sv": Stemmer.Stemmer("swedish"), "en": Stemmer.Stemmer("english")}
_STEM_LOCK = threading.Lock()


def tokenize(text: str, languages: Sequence[str] = ("sv", "en")) -> list[str]:
    """Lower-cased, stop words dropped, stemmed with each language given, plus reference tokens."""
    words = [w for w in (m.lower() for m in _WORD.findall(text)) if w not in _STOPWORDS]
    out: list[str] = []
    with _STEM_LOCK:
        for lang in languages:
            out.extend(_STEMMERS[lang].stemWords(words))
    if len(languages) > 1:
        out = list(dict.fromkeys(out)) if len(out) < 64 else out
    return out + reference_tokens(text)


class LexicalIndex:
    """A bm25s index whose rows are chunk ids; rebuilt by ingest whenever the chunks change."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._ids: list[str] | None = None
        self._count = 0
        self._bm25: bm25s.BM25 | None = None

    @classmethod
    def build(cls, folder: Path, rows: Iterable[tuple[str, str, str]], also=None) -> "LexicalIndex":
        """rows: (chunk id, text to index, language). Written to a temp folder, then swapped in; `also(folder)`
        writes what must be swapped in with it (the chunk table, whose rows are these)."""
        index = cls(folder)
        ids, corpus = [], []
        for chunk_id, text, language in rows:
            ids.append(chunk_id)
            corpus.append(tokenize(text, (language,) if language in _STEMMERS else ("sv", "en")) or ["∅"])
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        if corpus:
            bm25.index(corpus, show_progress=False)
        tmp = index.folder.with_name(index.folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if corpus:
            bm25.save(str(tmp), show_progress=False)
        (tmp / "ids.json").write_text(json.dumps(ids))
        if also is not None:
            also(tmp)
        old = index.folder.with_name(index.folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if index.folder.exists():
            index.folder.rename(old)
        tmp.rename(index.folder)
        shutil.rmtree(old, ignore_errors=True)
        index._set(ids, bm25 if corpus else None)
        return index

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex | None":
        """The index as built, its matrix memory-mapped (read-only: serving instances share the page cache)."""
        folder = Path(folder)
        if not (folder / "ids.json").exists():
            return None
        index = cls(folder)
        params = folder / "params.index.json"
        bm25 = bm25s.BM25.load(str(folder), mmap=True, show_progress=False) if params.exists() else None
        index._bm25 = bm25
        index._count = int(bm25.scores["num_docs"]) if bm25 is not None else 0
        return index

    def _set(self, ids: list[str], bm25) -> None:
        self._ids = ids
        self._count = len(ids)
        self._bm25 = bm25

    @property
    def ids(self) -> list[str]:
        """The chunk id of each row (read from disk when first asked: the chunk table holds them too)."""
        if self._ids is None:
            self._ids = json.loads((self.folder / "ids.json").read_text())
        return self._ids

    def __len__(self) -> int:
        return self._count

    def scores(self, query_tokens: list[str], allowed: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every row (0 where `allowed` is False)."""
        if self._bm25 is None or not query_tokens:
            return np.zeros(len(self), dtype=np.float32)
        scores = np.asarray(self._bm25.get_scores(query_tokens), dtype=np.float32)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        return scores

    def top_rows(self, query_tokens: list[str], n: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """(row, score) of the n best rows with a score above 0, best first."""
        scores = self.scores(query_tokens, allowed)
        if not len(scores):
            return []
        n = min(n, len(scores))
        best = np.argpartition(-scores, n - 1)[:n]
        best = best[np.argsort(-scores[best])]
        return [(int(i), float(scores[i])) for i in best if scores[i] > 0]

    def document_share(self, token: str) -> float:
        """The share of the indexed chunks that hold the (stemmed) token: 0 for a word the index lacks."""
        bm25 = self._bm25
        if bm25 is None or token not in bm25.vocab_dict or not len(self):
            return 0.0
        indptr = bm25.scores["indptr"]
        i = bm25.vocab_dict[token]
        return float(indptr[i + 1] - indptr[i]) / len(self)
