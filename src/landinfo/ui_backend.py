"""What the browser UI needs from the library, without gradio: one Assistant per process, users, corpus status."""
from __future__ import annotations

import logging
import threading
import time

from .answer.types import Answer
from .audit import AuditLog
from .auth import load_users  # noqa: F401  (its home is auth.py; ui.py imports it from here)
from .errors import LandinfoError, NotReady
from .feedback import FeedbackStore
from .records import Filters
from .settings import Settings
from .sources import SourceLibrary

log = logging.getLogger("landinfo.ui")
INGEST_HINT = "landinfo ingest corpus/"


class Backend:
    """Loads the Assistant once, lazily, and again after a failed start (an ingest may have run since)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.feedback = FeedbackStore(settings.feedback_dir)
        self.library = SourceLibrary(self._records, max_page_pixels=settings.max_page_pixels)
        self.problem = ""
        self._assistant = None
        self._lock = threading.Lock()
        self.show = None  # what the chat does with an answer (render, export), run once by warm_up
        self.audit = AuditLog.from_settings(settings)

    def assistant(self):
        with self._lock:
            if self._assistant is None:
                from .answer.assistant import Assistant

                try:
                    self._assistant = Assistant(self.settings)
                    self.problem = ""
                except LandinfoError as exc:
                    self.problem = str(exc)
            return self._assistant

    def ready(self) -> bool:
        return self.assistant() is not None

    def _records(self) -> dict:
        assistant = self.assistant()
        return assistant.retriever.store.manifest.records() if assistant else {}

    def ask(self, question: str, filters: Filters | None, user: str = "") -> Answer:
        """`user`: who is logged in to the chat ('' without a login), for the audit log."""
        assistant = self.assistant()
        if assistant is None:
            raise NotReady(self.problem)
        started = time.perf_counter()
        answer = assistant.ask(question, filters)
        if self.audit:
            self.audit.answer(answer, user)
        seconds = time.perf_counter() - started
        if self.settings.log_answers:
            log.info("question %r answered in %.1f s: %r", question, seconds, answer.text)
        else:
            log.info("answered in %.1f s (%d citations, refused=%s)", seconds, len(answer.citations), answer.refused)
        return answer

    def warm_up(self) -> None:
        """Load the model, the lexical index and the passage table, and show one answer, now rather than on the
        first question."""
        assistant = self.assistant()
        if assistant is not None:
            started = time.perf_counter()
            assistant.warm(self.show)
            log.info("ready in %.1f s", time.perf_counter() - started)

    def corpus(self) -> dict | None:
        """Documents, countries, types, languages, newest dates and the model of the index; None without one."""
        assistant = self.assistant()
        if assistant is None:
            return None
        store = assistant.retriever.store
        records = [r for r in store.manifest.records().values() if r.status == "indexed"]
        countries: dict[str, int] = {}
        types: dict[str, int] = {}
        languages: set[str] = set()
        newest = newest_coi = ""
        for record in records:
            meta = record.meta
            for country in meta.get("countries") or []:
                countries[country] = countries.get(country, 0) + 1
            types[meta.get("doc_type") or "other"] = types.get(meta.get("doc_type") or "other", 0) + 1
            if meta.get("language"):
                languages.add(meta["language"])
            date = meta.get("date") or ""
            newest = max(newest, date)
            if meta.get("doc_type") == "coi":
                newest_coi = max(newest_coi, date)
        return {"documents": len(records), "chunks": store.index.count(), "countries": countries,
                "types": types, "languages": sorted(languages), "newest": newest, "newest_coi": newest_coi,
                "model": store.shape.embedding_model, "index_dir": str(self.settings.index_dir)}
