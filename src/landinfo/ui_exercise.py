"""A trainer's exercise over a question set: the trainee's assessment, the revealed answer, the key points covered.

No gradio here; ui_trainer.py puts it on the page.
"""
from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .answer.types import Answer
from .evaluate.questionset import Question, QuestionSet, contains_normalized
from .sources import Focus, SourceLibrary, text_link
from .ui_text import t


def question_sets(*folders: Path) -> list[tuple[str, str]]:
    """(name, path) of the question sets in the first of `folders` that has any."""
    for folder in folders:
        found = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
        if found:
            return [(p.name, str(p)) for p in found]
    return []


def covered_points(question: Question, assessment: str) -> list[str]:
    """The key points that the assessment mentions, compared case-insensitively with whitespace collapsed."""
    return [point for point in question.key_points if contains_normalized(assessment, point)]


@dataclass
class Result:
    assessment: str = ""
    revealed: bool = False
    covered: list[str] = field(default_factory=list)
    answer: str = ""
    refused: bool = False
    cited: list[str] = field(default_factory=list)  # "title, p. N" of each cited source


@dataclass
class Exercise:
    qset: QuestionSet
    index: int = 0
    results: dict[str, Result] = field(default_factory=dict)
    answers: dict[str, Answer] = field(default_factory=dict)  # the revealed answer of each question, by id
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))

    @property
    def question(self) -> Question:
        return self.qset.questions[self.index]

    @property
    def result(self) -> Result:
        return self.results.setdefault(self.question.id, Result())

    def move(self, step: int) -> None:
        self.index = min(max(0, self.index + step), len(self.qset.questions) - 1)

    def reveal(self, assessment: str, answer: Answer) -> Result:
        result = self.result
        result.assessment = assessment
        result.revealed = True
        result.covered = covered_points(self.question, assessment)
        result.answer = answer.text
        result.refused = answer.refused
        seen: dict[int, str] = {}
        for c in answer.citations:
            where = f", p. {c.page}" if c.page else ""
            seen.setdefault(c.marker, f"[{c.marker}] {c.title or c.source}{where}")
        result.cited = list(seen.values())
        self.answers[self.question.id] = answer
        return result

    def to_json(self) -> dict:
        questions = []
        for q in self.qset.questions:
            r = self.results.get(q.id, Result())
            questions.append({"id": q.id, "question": q.question, "answerable": q.answerable,
                              "key_points": list(q.key_points), **asdict(r)})
        done = [q for q in questions if q["revealed"]]
        return {"question_set": self.qset.name, "started": self.started,
                "saved": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "answered": len(done), "total": len(questions),
                "key_points_covered": sum(len(q["covered"]) for q in done),
                "key_points_total": sum(len(q["key_points"]) for q in done),
                "questions": questions}

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2)

    def to_markdown(self) -> str:
        data = self.to_json()
        lines = [f"# Exercise: {data['question_set']}", "",
                 f"Started {data['started']}, saved {data['saved']}. {data['answered']} of {data['total']} questions "
                 f"answered; {data['key_points_covered']} of {data['key_points_total']} key points covered.", ""]
        for q in data["questions"]:
            if not q["revealed"]:
                continue
            lines += [f"## {q['id']}: {q['question']}", "", "**Assessment**", "", q["assessment"] or "(empty)", ""]
            if q["key_points"]:
                lines += ["**Key points**", ""]
                lines += [f"- [{'x' if p in q['covered'] else ' '}] {p}" for p in q["key_points"]]
                lines.append("")
            elif not q["answerable"]:
                lines += ["**Expected**: the sources do not answer this question.", ""]
            lines += ["**Assistant's answer**", "", q["answer"], ""]
            lines += [f"- {c}" for c in q["cited"]]
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def expected_html(question: Question, library: SourceLibrary | None, ui: str) -> str:
    """What the trainer expected: the sources with their quotes (each opening at its place), or that none answer."""
    parts = []
    if not question.answerable:
        parts.append(f'<div class="refusal">{t(ui, "unanswerable")}</div>')
    if question.expected_sources:
        parts.append(f'<div class="expected-label">{t(ui, "expected_sources")}</div>')
    for expected in question.expected_sources:
        where = f" · {t(ui, 'page', page=expected.page)}" if expected.page else ""
        label = html.escape(expected.source) + where
        doc = library.by_source(expected.source) if library is not None else None
        if doc is not None:
            href = _expected_link(library, doc, expected, ui)
            label = (f'<a href="{html.escape(href)}" target="_blank" rel="noopener">{html.escape(doc.title)}</a>'
                     f' <span class="source-path">{html.escape(expected.source)}{where}</span>')
        quote = f"<blockquote class=\"passage\"><mark>{html.escape(expected.quote)}</mark></blockquote>" if expected.quote else ""
        parts.append(f'<div class="card expected">{label}{quote}</div>')
    return "".join(parts)


def _expected_link(library: SourceLibrary, doc, expected, ui: str) -> str:
    found = library.find_quote(doc, expected.quote, expected.page) if expected.quote else None
    if doc.is_pdf:
        page = expected.page or (library.units(doc)[found[0]].page if found else None)
        return library.link(doc.doc_id, page)
    return text_link(doc.doc_id, Focus(found[0], None, (found[1],)) if found else None, ui)
