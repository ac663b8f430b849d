"""The one object the CLI, the UI and the eval harness use: search and ask, models loaded once."""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

from .. import tuning
from ..provenance import answer_record
from ..query import Query
from ..records import Filters, Passage
from ..retrieve import Retriever
from ..settings import Settings
from . import checks
from .extractive import ExtractiveAnswerer
from .types import FRAME, Answer, Answerer, Draft, Premise

log = logging.getLogger("landinfo")


class Assistant:
    def __init__(self, settings: Settings, retriever: Retriever | None = None, llm=None):
        """`llm`: an LLMAnswerer to use instead of the one settings.llm_provider names (tests pass a scripted one)."""
        self.settings = settings
        self.retriever = retriever or Retriever(settings)
        # tuning.MIN_EVIDENCE is calibrated; similarity alone cannot tell on-topic unanswerable questions apart, so
        # the answerer first runs the explicit checks of `checks` on the parsed question.
        threshold = settings.refusal_threshold or tuning.MIN_EVIDENCE
        self.extractive = ExtractiveAnswerer(self.retriever.store.embedder, min_evidence=threshold,
                                             stale_months=settings.stale_months, boilerplate=self.boilerplate,
                                             stored=self.retriever.store.sentences)
        self._llm: Answerer | None = llm
        self._llm_lock = threading.Lock()
        from ..places import warm

        warm()  # the place table (about 2 s): now, not in the first question

    def warm(self, then=None) -> dict:
        """Load and touch now what the first question would wait for (issue #23: the first question took 7.2 s against
        a median of 0.41 s): the model, the chunk table with its BM25 index and catalogue, the sentence vectors' first
        pages, then a question on a title of the index in each of its languages, which runs every step once, and `then(answer)` (what shows
        an answer: the chat renders and exports it). Seconds of each, logged."""
        timings: dict[str, float] = {}
        started = time.perf_counter()
        embedder = self.retriever.store.embedder
        embedder.embed_queries(["warm"])
        embedder.embed_passages(["warm"])
        timings["model_s"] = time.perf_counter() - started
        mark = time.perf_counter()
        table = self.retriever.table
        from ..query import warm

        warm()
        timings["tables_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        self.retriever.store.sentences.touch()
        timings["sentence_vectors_s"] = time.perf_counter() - mark
        mark = time.perf_counter()
        titles: dict[str, str] = {}  # a title in each of the index's languages: each loads its own word lists
        for doc in table.docs:
            if doc.title:
                titles.setdefault(doc.language, doc.title)
        for k, title in enumerate(titles.values() or ["warm"]):
            answer = self.ask(title)
            if then is not None and k == 0:
                then(answer)
        timings["first_question_s"] = time.perf_counter() - mark
        timings = {k: round(v, 2) for k, v in timings.items()}
        log.info(warm_line(timings))
        return timings

    def boilerplate(self):
        """The index's templates and navigation sentences, never quoted (boilerplate.py)."""
        return self.retriever.catalog.boilerplate

    def search(self, query: str, filters: Filters | None = None, k: int | None = None) -> list[Passage]:
        return self.retriever.retrieve(query, filters, k)

    def ask(self, question: str, filters: Filters | None = None, k: int | None = None) -> Answer:
        t0 = time.perf_counter()
        timings: dict = {}
        query = self.retriever.parse(question)
        passages = self.retriever.retrieve(query, filters, k or self.settings.top_k, timings)
        t1 = time.perf_counter()
        use_llm = bool(self.settings.llm_provider or self._llm is not None)
        # what the question takes for granted comes first; a language model numbers its own markers from 1, so
        # there the premise follows the answer
        premise = None if use_llm else self.premise(query, filters)
        first = 1 + len({c.marker for c in premise.citations}) if premise else 1
        draft = self.extractive.answer(query, passages=passages[:tuning.ANSWER_PASSAGES],
                                       catalog=self.retriever.catalog, first_marker=first)
        if use_llm and not draft.refused:
            written = self._llm_answer(query, passages[:tuning.ANSWER_PASSAGES])
            if written is not None:  # the model's words, the quoted answer's evidence
                draft = replace(written, warnings=written.warnings + draft.warnings, evidence=draft.evidence,
                                refusal_reason=draft.refusal_reason)
            else:
                draft = replace(draft, warnings=(FRAME.get(query.language, FRAME["en"])["llm_fallback"],)
                                + draft.warnings)
        if use_llm:
            premise = self.premise(query, filters, first_marker=1 + max((c.marker for c in draft.citations),
                                                                        default=0))
        text, citations, shown = draft.text, draft.citations, list(passages)
        if premise is not None:
            text = f"{draft.text}\n\n{premise.text}" if use_llm else f"{premise.text}\n\n{draft.text}"
            citations = premise.citations + citations
            known = {p.id for p in shown}
            shown += [p for p in premise.passages if p.id not in known]
        timings["answer_ms"] = round((time.perf_counter() - t1) * 1000, 1)
        timings["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        answer = Answer(question=question, language=query.language, text=text, refused=draft.refused,
                        citations=citations, passages=tuple(shown), warnings=draft.warnings,
                        timings=timings, filters=filters, mode=draft.mode, evidence=draft.evidence,
                        refusal_reason=draft.refusal_reason, refusal_detail=draft.refusal_detail, query=query,
                        premise=premise)
        return replace(answer, provenance=answer_record(answer, self.retriever.store, self.settings, k))

    def premise(self, query: Query, filters: Filters | None = None, first_marker: int = 1) -> Premise | None:
        """What the sources say about what the question takes for granted: the holding of a decision it names
        (read from the whole decision), else the passages found for its premise clause; None when it takes
        nothing for granted or nothing was found. The code does not judge the premise: the officer reads."""
        frame = FRAME.get(query.language, FRAME["en"])
        catalog = self.retriever.catalog
        if not query.premise:
            return None  # "What did the court hold in X?" is answered by the answer itself, holding first
        docs: set[str] = set()
        for ref in query.references:
            if ref.kind in ("mig", "case_number", "case_name", "ecthr_application"):
                docs |= catalog.documents_of(ref)
        for name in query.decisions:
            docs |= catalog.documents_of(name)
        if docs:
            clause = self.retriever.parse(query.premise or query.text)
            passages = self.retriever.passages_of(docs)
            draft = self.extractive.quote(clause, passages, tuning.PREMISE_SENTENCES, first_marker,
                                          heading=frame["held"] + ":", holding=True)
            if draft.citations:
                return Premise(query.premise, "decision", frame["held"], draft.text, draft.citations,
                               _cited(draft, passages))
        clause = self.retriever.parse(query.premise)
        passages = self.retriever.retrieve(clause, filters, tuning.ANSWER_PASSAGES)
        heading = frame["premise_sources"].format(clause=query.premise)
        draft = self.extractive.quote(clause, passages, tuning.PREMISE_SENTENCES, first_marker,
                                      heading=heading + ":")
        if draft.citations:
            return Premise(query.premise, query.premise_kind, heading, draft.text, draft.citations,
                           _cited(draft, passages))
        return None

    def _llm_answer(self, query: Query, passages: list[Passage]) -> Draft | None:
        from .llm import LLMAnswerer

        with self._llm_lock:
            if self._llm is None:
                self._llm = LLMAnswerer.from_settings(self.settings)
        quotable = [p for p in passages if checks.quotable(p, query)]
        return self._llm.answer(query, query.language, quotable)


def warm_line(timings: dict) -> str:
    """What `Assistant.warm` did, in one line for the log."""
    return (f"warm start: model {timings['model_s']:.1f} s, chunk table and BM25 {timings['tables_s']:.1f} s, "
            f"sentence vectors {timings['sentence_vectors_s']:.2f} s, a first question {timings['first_question_s']:.1f} s")


def _cited(draft: Draft, passages: list[Passage]) -> tuple[Passage, ...]:
    ids = {c.passage_id for c in draft.citations}
    return tuple(p for p in passages if p.id in ids)
