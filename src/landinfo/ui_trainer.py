"""The trainer tab: step through a question set, write an assessment, reveal the answer, tick the key points."""
from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import gradio as gr

from .errors import IndexUnavailableError, QuestionSetError
from .evaluate.questionset import load_question_set
from .scratch import write_private
from .ui_backend import Backend, NotReady
from .ui_check import as_answer, check_account, check_html, check_sources_html, expected_claims_html
from .ui_exercise import Exercise, expected_html, question_sets
from .ui_render import answer_markdown, turn_sources
from .ui_text import t


@dataclass
class Trainer:
    """What the page's language switch must re-word beyond the labelled components: `relabel(ui, exercise)`."""

    state: gr.State
    relabel_outputs: list
    relabel: Callable


def _question_html(exercise: Exercise | None, ui: str) -> str:
    if exercise is None:
        return f'<div class="sources-empty">{t(ui, "exercise_empty")}</div>'
    q = exercise.question
    meta = [q.language, q.country or "", f"{t(ui, 'kind')}: {q.kind}"]
    return (f'<div class="progress-label">{t(ui, "progress", i=exercise.index + 1, n=len(exercise.qset.questions))}'
            f' · {html.escape(exercise.qset.name)}</div>'
            f'<div class="trainer-question">{html.escape(q.question or q.account).replace(chr(10), "<br>")}</div>'
            f'<div class="trainer-meta">{" · ".join(html.escape(m) for m in meta if m)}</div>')


def build_trainer(backend: Backend, labels, ui_lang, folder: Path) -> Trainer:
    settings = backend.settings
    repo_evals = Path(__file__).resolve().parents[2] / "evals"
    sets = dict(question_sets(Path("evals"), repo_evals))  # name -> path: the page shows names, never server paths
    choices = list(sets)
    exercise_state = gr.State(None)

    with gr.Row(equal_height=True, elem_id="trainer-setbar"):
        chosen = labels.add(gr.Dropdown(choices, value=choices[0] if choices else None, label=t("en", "question_set"),
                                        elem_id="trainer-set", scale=3), label="question_set")
        load = labels.add(gr.Button(t("en", "load"), variant="primary", elem_id="trainer-load", scale=0, min_width=120,
                                    size="md"),
                          value="load")
        upload = labels.add(gr.UploadButton(t("en", "upload_set"), file_types=[".yaml", ".yml"], type="filepath",
                                             elem_id="trainer-upload", scale=0, min_width=280,
                                             size="md"), label="upload_set")
    loaded = gr.Markdown("", elem_id="trainer-loaded")
    question = gr.HTML(_question_html(None, "en"), elem_id="trainer-question")
    assessment = labels.add(gr.Textbox(label=t("en", "assessment"), placeholder=t("en", "assessment_placeholder"),
                                       lines=6, elem_id="trainer-assessment"),
                            label="assessment", placeholder="assessment_placeholder")
    with gr.Row(elem_id="trainer-nav"):
        previous = labels.add(gr.Button(t("en", "previous"), elem_id="trainer-previous", scale=0, min_width=170,
                                        size="md"),
                              value="previous")
        reveal = labels.add(gr.Button(t("en", "reveal"), variant="primary", elem_id="trainer-reveal", scale=0,
                                      min_width=220, size="md"), value="reveal")
        following = labels.add(gr.Button(t("en", "next"), elem_id="trainer-next", scale=0, min_width=170,
                                         size="md"), value="next")
    with gr.Row(equal_height=False, visible=False) as revealed_row:
        with gr.Column(scale=1):
            answer_title = gr.Markdown(f"### {t('en', 'assistant_answer')}")
            answer = gr.Markdown("", elem_id="trainer-answer", elem_classes=["trainer-answer"])
            answer_sources = gr.HTML("", elem_id="trainer-sources")
        with gr.Column(scale=1):
            expected_title = gr.Markdown(f"### {t('en', 'expected')}")
            coverage = gr.Markdown("", elem_id="trainer-coverage")
            checklist = labels.add(gr.CheckboxGroup([], label=t("en", "key_points"), elem_id="trainer-checklist"),
                                   label="key_points")
            expected = gr.HTML("", elem_id="trainer-expected")
    with gr.Row():
        save_md = labels.add(gr.DownloadButton(t("en", "save_md"), size="sm", interactive=False,
                                               elem_id="trainer-save-md"), label="save_md")
        save_json = labels.add(gr.DownloadButton(t("en", "save_json"), size="sm", interactive=False,
                                                 elem_id="trainer-save-json"), label="save_json")

    def saved(exercise: Exercise):
        name = re.sub(r"[^\w-]+", "_", exercise.qset.name)[:60]  # the set's name comes from an uploaded file
        stem = folder / f"exercise-{name}-{uuid.uuid4().hex[:12]}"
        md = write_private(stem.with_suffix(".md"), exercise.to_markdown())
        js = write_private(stem.with_suffix(".json"), exercise.to_json_text())
        return gr.update(value=str(md), interactive=True), gr.update(value=str(js), interactive=True)

    def coverage_text(exercise: Exercise, ui: str) -> str:
        q = exercise.question
        if not q.key_points:
            return ""
        covered = exercise.result.covered
        return f'<span class="coverage">{t(ui, "coverage", covered=len(covered), total=len(q.key_points))}</span>'

    def view(exercise: Exercise | None, ui: str):
        """Everything that shows the current question; the revealed part only once it has been revealed."""
        if exercise is None:
            return (_question_html(None, ui), "", gr.update(visible=False), "", "", "", gr.update(choices=[], value=[]),
                    "")
        result = exercise.result
        answer_obj = exercise.answers.get(exercise.question.id)
        if not result.revealed or answer_obj is None:
            return (_question_html(exercise, ui), result.assessment, gr.update(visible=False), "", "", "",
                    gr.update(choices=[], value=[]), "")
        turn = f"x{exercise.index + 1}"
        q = exercise.question
        checked = getattr(exercise, "checks", {}).get(q.id)
        if checked is not None:  # a fictional account, checked claim by claim (ui_check.py)
            return (_question_html(exercise, ui), result.assessment, gr.update(visible=True),
                    check_html(checked, ui, settings.stale_months),
                    check_sources_html(checked, ui, settings.stale_months, backend.library), "",
                    gr.update(choices=[], value=[], visible=False), expected_claims_html(q, ui))
        return (_question_html(exercise, ui), result.assessment, gr.update(visible=True),
                answer_markdown(answer_obj, turn, ui),
                turn_sources(answer_obj, turn, ui, settings.stale_months, backend.library, heading=False),
                coverage_text(exercise, ui),
                gr.update(choices=list(q.key_points), value=list(result.covered), visible=bool(q.key_points)),
                expected_html(q, backend.library, ui))

    view_outputs = [question, assessment, revealed_row, answer, answer_sources, coverage, checklist, expected]

    def on_load(path, ui):
        if not path:
            return (gr.skip(), "") + (gr.skip(),) * len(view_outputs)
        try:
            qset = load_question_set(path)
        except QuestionSetError as exc:  # the file's own name, not where the server keeps it
            said = str(exc).replace(str(path), Path(path).name)
            return (gr.skip(), f"```\n{said}\n```") + (gr.skip(),) * len(view_outputs)
        exercise = Exercise(qset)
        return (exercise, t(ui, "loaded", name=qset.name, n=len(qset.questions)), *view(exercise, ui))

    load.click(lambda name, ui: on_load(sets.get(name), ui), [chosen, ui_lang], [exercise_state, loaded, *view_outputs])
    upload.upload(on_load, [upload, ui_lang], [exercise_state, loaded, *view_outputs])

    def on_move(exercise, text, ui, step):
        if exercise is None:
            return (gr.skip(),) * (1 + len(view_outputs))
        if not exercise.result.revealed:
            exercise.result.assessment = text or ""
        exercise.move(step)
        return (exercise, *view(exercise, ui))

    previous.click(lambda e, x, ui: on_move(e, x, ui, -1), [exercise_state, assessment, ui_lang],
                   [exercise_state, *view_outputs])
    following.click(lambda e, x, ui: on_move(e, x, ui, 1), [exercise_state, assessment, ui_lang],
                    [exercise_state, *view_outputs])

    def on_reveal(exercise, text, ui):
        if exercise is None:
            return (gr.skip(),) * (3 + len(view_outputs))
        if not (text or "").strip():
            gr.Warning(t(ui, "write_first"))
            return (gr.skip(),) * (3 + len(view_outputs))
        try:
            q = exercise.question
            if q.is_claim_check:
                checked = check_account(backend, q.account, q.country or "")
                exercise.checks = {**getattr(exercise, "checks", {}), q.id: checked}
                answer_obj = as_answer(checked, ui, settings.stale_months)
            else:
                answer_obj = backend.ask(q.question, None)
        except (NotReady, IndexUnavailableError) as exc:
            gr.Warning(str(exc))
            return (gr.skip(),) * (3 + len(view_outputs))
        exercise.reveal(text, answer_obj)
        return (exercise, *view(exercise, ui), *saved(exercise))

    reveal.click(on_reveal, [exercise_state, assessment, ui_lang],
                 [exercise_state, *view_outputs, save_md, save_json],
                 concurrency_limit=settings.concurrency, concurrency_id="answer")

    def on_tick(exercise, ticked, ui):
        if exercise is None or not exercise.result.revealed:
            return gr.skip(), gr.skip(), gr.skip()
        exercise.result.covered = [p for p in exercise.question.key_points if p in (ticked or [])]
        return (coverage_text(exercise, ui), *saved(exercise))

    checklist.input(on_tick, [exercise_state, checklist, ui_lang], [coverage, save_md, save_json])
    def relabel(ui, exercise):
        loaded_text = t(ui, "loaded", name=exercise.qset.name, n=len(exercise.qset.questions)) if exercise else ""
        shown = list(view(exercise, ui))
        shown[view_outputs.index(assessment)] = gr.skip()  # keep what the trainee is typing
        return [f"### {t(ui, 'assistant_answer')}", f"### {t(ui, 'expected')}", loaded_text, *shown]

    return Trainer(exercise_state, [answer_title, expected_title, loaded, *view_outputs], relabel)
