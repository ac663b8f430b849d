"""The third tab: paste an applicant's account, get its claims, see what the country information holds on each.

The account is sensitive personal data. It stays in the page's session state: nothing of it is logged, and nothing
is written to disk until the user exports the annex (into the process's private scratch folder) or rates the check
and ticks the box that includes the account in the rating.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import gradio as gr

from .account_check import AccountCheck, AccountChecker, ClaimCheck
from .annex import annex_docx, annex_markdown, searched_line, status_line
from .answer.types import Answer, Citation
from .claims import bounded_claims, too_large_message
from .errors import AccountTooLargeError, CheckStoppedError, IndexUnavailableError
from .question_text import has_words
from .scratch import private_file, stopping, write_private
from .ui_backend import Backend, NotReady
from .ui_render import text_html, turn_sources
from .ui_text import t

log = logging.getLogger("landinfo")
_ANY_COUNTRY = [("—", "")]  # no country chosen: each claim is searched in the COI of any country it names
_BADGE = {"related": "✔", "stale_only": "⌛", "not_covered": "∅", "personal": "👤"}


@dataclass
class CheckTab:
    """What the page's language switch must re-word beyond the labelled components."""

    country: gr.Dropdown
    state: gr.State
    refresh_countries: Callable  # () -> the country dropdown's update: the indexed countries
    relabel_outputs: list
    relabel: Callable  # (ui, the session's AccountCheck) -> new values of relabel_outputs


def claim_label(n: int, check: ClaimCheck, ui: str, language: str, stale_months: int) -> str:
    """'3 · ✔ Related country information found (2 independent sources, newest 2026-03) — the claim'."""
    status = (t(ui, "check_personal_short") if check.status == "personal"
              else status_line(check, ui if ui in ("sv", "en") else language, stale_months))
    return f"{n} · {_BADGE.get(check.status, '')} {status} — {' '.join(check.claim.text.split())}"


def claim_sources(check: ClaimCheck, n: int, ui: str, stale_months: int, library, language: str) -> str:
    """The sources panel for one claim: its status, then its quoted sources with the quotes marked (or, with
    nothing found, what was searched and the closest passages)."""
    head = (f'<div class="check-claim"><div class="check-claim-text">{text_html(check.claim.text)}</div>'
            f'<div class="check-status status-{check.status}">'
            f'{text_html(status_line(check, ui, stale_months))}</div>')
    if check.status == "personal":
        return head + "</div>"
    if check.status == "not_covered":
        head += f'<div class="check-searched">{text_html(searched_line(check, ui))}</div>'
    answer = Answer(question=check.claim.text, language=language, text="", refused=not check.citations,
                    citations=check.citations, passages=check.passages)
    return head + "</div>" + turn_sources(answer, f"c{n}", ui, stale_months, library, heading=False)


def build_check(backend: Backend, labels, ui_lang, folder: Path) -> CheckTab:
    settings = backend.settings
    result_state = gr.State(None)  # the AccountCheck of this browser session only

    with gr.Row(equal_height=False):
        with gr.Column(scale=5, min_width=420):
            intro = gr.Markdown(t("en", "check_intro"), elem_id="check-intro")
            account = labels.add(gr.Textbox(label=t("en", "check_account"), placeholder=t("en", "check_placeholder"),
                                            lines=10, max_lines=30, elem_id="check-account"),
                                 label="check_account", placeholder="check_placeholder")
            with gr.Row():
                country = labels.add(gr.Dropdown(_ANY_COUNTRY, value="", label=t("en", "check_country"),
                                                 elem_id="check-country", scale=3), label="check_country")
                run = labels.add(gr.Button(t("en", "check_run"), variant="primary", elem_id="check-run", scale=1,
                                           min_width=140), value="check_run")
            claims_box = labels.add(gr.Textbox(label=t("en", "check_claims"), lines=6, max_lines=40,
                                               elem_id="check-claims", info=t("en", "check_claims_info")),
                                    label="check_claims", info="check_claims_info")
            rerun = labels.add(gr.Button(t("en", "check_rerun"), size="sm", elem_id="check-rerun"), value="check_rerun")
            results = labels.add(gr.Radio([], label=t("en", "check_results"), elem_id="check-results",
                                          type="index"), label="check_results")
            with gr.Row(elem_id="check-export-row"):
                export = labels.add(gr.Button(t("en", "check_export"), size="sm", elem_id="check-export",
                                              interactive=False), value="check_export")
                annex_files = gr.File(label=None, show_label=False, file_count="multiple", interactive=False,
                                      visible=False, elem_id="check-annex")
            with gr.Column(elem_id="check-feedback"):
                comment = labels.add(gr.Textbox(show_label=False, container=False, lines=1, max_lines=4,
                                                placeholder=t("en", "comment_placeholder"),
                                                elem_id="check-feedback-comment"), placeholder="comment_placeholder")
                include = labels.add(gr.Checkbox(label=t("en", "check_include_account"), value=False,
                                                 elem_id="check-include-account"), label="check_include_account")
                with gr.Row():
                    helpful = labels.add(gr.Button(t("en", "helpful"), size="sm", elem_id="check-rate-helpful",
                                                   min_width=110, scale=0), value="helpful")
                    wrong = labels.add(gr.Button(t("en", "wrong"), size="sm", elem_id="check-rate-wrong",
                                                 min_width=110, scale=0), value="wrong")
                feedback_status = gr.Markdown("", elem_id="check-feedback-status")
        with gr.Column(scale=5, min_width=420):
            sources_title = gr.Markdown(f"### {t('en', 'sources')}")
            sources = gr.HTML(f'<div class="sources-empty">{t("en", "check_sources_empty")}</div>',
                              elem_id="check-sources")

    def personal_mark(ui: str) -> str:
        return t(ui, "check_personal_mark")

    def lines_of(result: AccountCheck, ui: str) -> str:
        return "\n".join((personal_mark(ui) + " " if c.status == "personal" else "") + " ".join(c.claim.text.split())
                         for c in result.claims)

    def shown(result: AccountCheck | None, ui: str):
        if result is None:
            return gr.update(choices=[], value=None)
        choices = [(claim_label(n, c, ui, result.language, settings.stale_months), n - 1)
                   for n, c in enumerate(result.claims, start=1)]
        return gr.update(choices=choices, value=None)

    def checker() -> AccountChecker:
        assistant = backend.assistant()
        if assistant is None:
            raise NotReady(backend.problem)
        return AccountChecker(assistant)

    def do_check(text, chosen_country, ui, request, edited=None):
        text = text or ""
        if not has_words(text):
            gr.Warning(t(ui, "check_no_account"))
            return (gr.skip(),) * 6
        marks = tuple(dict.fromkeys((personal_mark(ui), personal_mark("en"), personal_mark("sv"))))
        try:  # the account's size and claim count, before any model work
            claims = bounded_claims(text, settings.max_account_chars, settings.max_account_claims,
                                    None if edited is None else edited.splitlines(), marks)
        except AccountTooLargeError as exc:
            gr.Warning(too_large_message(exc, ui))
            return (gr.skip(),) * 6
        started = time.perf_counter()
        try:
            result = checker().check(text, chosen_country or "", claims=claims, should_stop=_abandoned())
            if backend.audit:
                backend.audit.check(result, getattr(request, "username", "") or "")
        except (NotReady, IndexUnavailableError) as exc:
            gr.Warning(str(exc) or t(ui, "no_index"))
            return (gr.skip(),) * 6
        except CheckStoppedError:  # nobody waits for the result: its slot goes to the next question
            log.info("account check stopped after %.1f s (%d claims): its client left or the server is stopping",
                     time.perf_counter() - started, len(claims))
            return (gr.skip(),) * 6
        # counts only: the account and its claims are never logged
        log.info("account checked in %.1f s (%d claims, %d checked)", time.perf_counter() - started,
                 len(result.claims), result.timings.get("checked", 0))
        empty = f'<div class="sources-empty">{t(ui, "check_pick_claim")}</div>'
        return (result, lines_of(result, ui), shown(result, ui), empty, gr.update(interactive=True),
                gr.update(value=None, visible=False))

    outputs = [result_state, claims_box, results, sources, export, annex_files]
    def check_new(text, c, ui, request: gr.Request):  # gradio hands the request (its login) by this annotation
        return do_check(text, c, ui, request)

    def check_edited(text, c, ui, edited, request: gr.Request):
        return do_check(text, c, ui, request, edited or "")

    run.click(check_new, [account, country, ui_lang], outputs, api_name="check_account",
              concurrency_limit=settings.concurrency, concurrency_id="answer", show_progress="minimal")
    rerun.click(check_edited, [account, country, ui_lang, claims_box],
                outputs, concurrency_limit=settings.concurrency, concurrency_id="answer", show_progress="minimal")

    def pick(index, result, ui):
        if result is None or index is None or not 0 <= index < len(result.claims):
            return gr.skip()
        return claim_sources(result.claims[index], index + 1, ui, settings.stale_months, backend.library,
                             result.language)
    results.change(pick, [results, result_state, ui_lang], sources)

    def do_export(result, ui):
        if result is None:
            return gr.skip()
        stem = folder / f"landinfo-annex-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:12]}"
        md = write_private(stem.with_suffix(".md"), annex_markdown(result, settings.stale_months))
        docx = stem.with_suffix(".docx")
        annex_docx(result, str(docx), settings.stale_months)
        return gr.update(value=[str(md), str(private_file(docx))], visible=True)
    export.click(do_export, [result_state, ui_lang], annex_files)

    def rate(rating, note, ticked, result, ui, request: gr.Request):
        if result is None:
            return gr.skip(), t(ui, "check_feedback_nothing")
        backend.feedback.add(_as_answer(result, bool(ticked), ui), rating, note or "",
                             getattr(request, "username", "") or "")
        label = {"helpful": t(ui, "helpful"), "wrong": t(ui, "wrong")}
        return "", t(ui, "feedback_saved", rating=label[rating])
    for button, rating in ((helpful, "helpful"), (wrong, "wrong")):
        button.click(_rater(rate, rating), [comment, include, result_state, ui_lang], [comment, feedback_status])

    def refresh_countries():
        corpus = backend.corpus()
        countries = sorted(corpus["countries"]) if corpus else []
        return gr.update(choices=_ANY_COUNTRY + [(c, c) for c in countries])

    def relabel(ui, result):
        return [t(ui, "check_intro"), f"### {t(ui, 'sources')}", shown(result, ui)]

    return CheckTab(country, result_state, refresh_countries, [intro, sources_title, results], relabel)


def _abandoned() -> Callable[[], bool]:
    """Whether nobody waits for the running event's result any more, asked between claims from the handler's
    thread: its client's event stream closed (the page or tab closed; gradio then marks the event dead, and a
    handler that is not a generator would otherwise run to its end, holding its answer slot), or the server is
    stopping (SIGTERM). Reads gradio's queue (6.x: Queue.event_ids_to_events, Event.alive); test_stopping.py
    fails if that changes."""
    from gradio.context import LocalContext

    blocks, event_id = LocalContext.blocks.get(None), LocalContext.event_id.get(None)
    queue = getattr(blocks, "_queue", None)
    event = queue.event_ids_to_events.get(event_id) if queue is not None and event_id else None
    return lambda: stopping() or (event is not None and not event.alive)


def _as_answer(result: AccountCheck, include_account: bool, ui: str) -> Answer:
    """A rating's record: the statuses and the sources cited; the account and its claims only when the user ticked
    the box (feedback.jsonl otherwise holds no word of the account)."""
    citations: list[Citation] = []
    lines = []
    for n, c in enumerate(result.claims, start=1):
        words = f" {' '.join(c.claim.text.split())}" if include_account else ""
        lines.append(f"{n}. {c.status} ({c.independent_sources} sources){words}")
        citations += list(c.citations)
    question = result.account if include_account else t(ui, "check_account_withheld")
    return Answer(question=question, language=result.language, text="\n".join(lines), refused=False,
                  citations=tuple(citations), passages=(), mode="claim-check")


def _rater(rate, rating: str):
    # named apart from the officer tab's rating `handler`: gradio names an endpoint after its function
    def rate_check(note, ticked, result, ui, request: gr.Request):
        return rate(rating, note, ticked, result, ui, request)
    return rate_check



# -- the trainer's exercise over a fictional account (ui_trainer.py calls these for kind claim-check) -------------

def check_account(backend: Backend, account: str, country: str) -> AccountCheck:
    """An exercise's account checked as the tab checks one; NotReady when there is no index."""
    assistant = backend.assistant()
    if assistant is None:
        raise NotReady(backend.problem)
    return AccountChecker(assistant).check(account, country)


def as_answer(result: AccountCheck, ui: str, stale_months: int) -> Answer:
    """The check as the exercise keeps an answer: one line a claim with its status, every claim's citations
    numbered on through the account (for the saved session)."""
    lines, citations, offset = [], [], 0
    for n, c in enumerate(result.claims, start=1):
        lines.append(claim_label(n, c, ui, result.language, stale_months))
        citations += [Citation(**{**q.to_json(), "marker": q.marker + offset}) for q in c.citations]
        offset += max((q.marker for q in c.citations), default=0)
    return Answer(question=result.account, language=result.language, text="\n".join(lines), refused=False,
                  citations=tuple(citations), passages=tuple(p for c in result.claims for p in c.passages),
                  mode="claim-check")


def check_html(result: AccountCheck, ui: str, stale_months: int) -> str:
    """The revealed check: the claims in order with their status."""
    items = "".join(f'<li class="check-item status-{c.status}">'
                    f'{text_html(claim_label(n, c, ui, result.language, stale_months))}</li>'
                    for n, c in enumerate(result.claims, start=1))
    return f'<ol class="check-list">{items}</ol>'


def check_sources_html(result: AccountCheck, ui: str, stale_months: int, library) -> str:
    """Every checked claim's sources, one after the other."""
    return "".join(claim_sources(c, n, ui, stale_months, library, result.language)
                   for n, c in enumerate(result.claims, start=1) if c.status != "personal")


def expected_claims_html(question, ui: str) -> str:
    """The trainer's claims: covered by the corpus (with the sources expected) or not."""
    items = []
    for claim in question.claims:
        where = "; ".join(e.source + (f" p. {e.page}" if e.page else "") for e in claim.expected_sources)
        mark = "✔" if claim.covered else "∅"
        detail = f' <span class="source-path">{text_html(where)}</span>' if where else ""
        items.append(f"<li>{mark} {text_html(claim.text)}{detail}</li>")
    return f'<ul class="expected-claims">{"".join(items)}</ul>'
