"""The one object the CLI, the UI and the eval harness use: search and ask, models loaded once."""
from __future__ import annotations

import threading
import time
from dataclasses import replace

from . import tuning
from .answer import FRAME, Answer, Citation, Draft, ExtractiveAnswerer
from .records import Filters, Passage
from .retrieve import Retriever
from .settings import Settings


class Assistant:
    def __init__(self, settings: Settings, retriever: Retriever | None = None, llm=None):
        """`llm`: an LLMAnswerer to use instead of the one settings.llm_provider names (tests pass a scripted one)."""
        self.settings = settings
        self.retriever = retriever or Retriever(settings)
        # tuning.MIN_EVIDENCE is calibrated; similarity alone cannot tell on-topic unanswerable questions apart, so
        # the answerer also checks what the question asks for (answer.unmet_requirement).
        threshold = settings.refusal_threshold or tuning.MIN_EVIDENCE
        self.extractive = ExtractiveAnswerer(self.retriever.store.embedder, min_evidence=threshold,
                                             stale_months=settings.stale_months)
        self._llm = llm
        self._llm_lock = threading.Lock()

    def search(self, query: str, filters: Filters | None = None, k: int | None = None) -> list[Passage]:
        return self.retriever.retrieve(query, filters, k)

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None) -> Answer:
        from .glossary import detect_language

        t0 = time.perf_counter()
        timings: dict = {}
        language = detect_language(question)
        passages = self.retriever.retrieve(question, filters, k or self.settings.top_k, timings)
        t1 = time.perf_counter()
        draft = self.extractive.answer(question, language, passages[:tuning.ANSWER_PASSAGES])
        if (self.settings.llm_provider or self._llm is not None) and not draft.refused:
            written = self._llm_answer(question, language, passages[:tuning.ANSWER_PASSAGES])
            if written is not None:  # the model's words, the quoted answer's evidence
                draft = replace(written, warnings=written.warnings + draft.warnings, evidence=draft.evidence)
            else:
                draft = replace(draft, warnings=(FRAME.get(language, FRAME["en"])["llm_fallback"],) + draft.warnings)
        timings["answer_ms"] = round((time.perf_counter() - t1) * 1000, 1)
        timings["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        return Answer(question=question, language=language, text=draft.text, refused=draft.refused,
                      citations=draft.citations, passages=tuple(passages), warnings=draft.warnings,
                      timings=timings, filters=filters, mode=draft.mode, evidence=draft.evidence)

    def _llm_answer(self, question: str, language: str, passages: list[Passage]) -> Draft | None:
        from .llm import LLMAnswerer

        with self._llm_lock:
            if self._llm is None:
                self._llm = LLMAnswerer.from_settings(self.settings)
        return self._llm.answer(question, language, passages)


def verify_citations(citations: list[Citation], passages: list[Passage]) -> list[str]:
    """Problems with citations: a quote that is not verbatim in the passage it claims to come from."""
    by_id = {p.id: p for p in passages}
    problems = []
    for c in citations:
        p = by_id.get(c.passage_id)
        if p is None:
            problems.append(f"[{c.marker}] cites a passage that was not retrieved")
        elif p.text[c.start - p.start:c.end - p.start] != c.quote:
            problems.append(f"[{c.marker}] quote is not verbatim at its offsets in {p.source}")
    return problems
