"""The pluggable cross-encoder stage: a local CrossEncoder re-orders what retrieval found."""
from __future__ import annotations

from pathlib import Path

import pytest

from landinfo.errors import ModelUnavailableError
from landinfo.records import Passage
from landinfo.rerank import CrossEncoderReranker, load_cross_encoder


class _LengthScorer:
    """Stands in for a cross-encoder's predict(): prefers the passage sharing most words with the query."""

    def predict(self, pairs, show_progress_bar=False):
        return [len(set(q.lower().split()) & set(t.lower().split())) for q, t in pairs]


def _passage(pid: str, text: str) -> Passage:
    return Passage(id=pid, text=text, source=f"{pid}.md", title=pid, doc_type="coi", country="", language="en",
                   date="", page=None, section="", score=0.0)


def test_reranker_orders_by_the_models_scores_and_keeps_every_passage():
    passages = [_passage("a", "weather report"), _passage("b", "journalists detained in prison"),
                _passage("c", "journalists detained")]
    ranked = CrossEncoderReranker(_LengthScorer()).rerank("journalists detained in prison", passages)
    assert [p.id for p in ranked] == ["b", "c", "a"]
    assert ranked[0].score == 4.0


def test_missing_cross_encoder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelUnavailableError, match="never downloaded"):
        load_cross_encoder(str(tmp_path / "nope"))


@pytest.mark.slow
def test_a_local_bert_folder_loads_as_a_cross_encoder(tmp_path):
    from landinfo.e5convert import ensure_e5_model
    from landinfo.settings import Settings

    folder = ensure_e5_model(Path(Settings().model_cache_dir))
    reranker = load_cross_encoder(str(folder))  # untrained head: only the plumbing is checked here
    ranked = reranker.rerank("tortyr", [_passage("a", "tortyr i fängelse"), _passage("b", "väder")])
    assert sorted(p.id for p in ranked) == ["a", "b"]
