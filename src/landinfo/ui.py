"""The browser UI: a case officer's research chat and a trainer's exercise, served on loopback by default.

The only module (with its ui_* parts) that imports gradio. One Backend (one Assistant) per process.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
import uuid
from pathlib import Path

import gradio as gr
from fastapi import FastAPI, Request
from starlette.routing import Mount

from .answer.types import Answer
from .corpus_view import corpus_html, documents
from .errors import IndexUnavailableError
from .export import answer_to_docx, answer_to_markdown
from .question_text import has_words
from .records import DOC_TYPES, Filters, period
from .scratch import Scratch, exit_on_sigterm, private_file, write_private
from .settings import Settings
from .ui_backend import Backend, NotReady, load_users
from .ui_docs import doc_router
from .ui_quota import folder_bytes, prune
from .ui_security import SecurityMiddleware, ServedHosts
from .ui_render import (answer_markdown, index_down_html, no_index_html, question_markdown, sources_panel,
                        status_html, stream_cuts)
from .ui_style import COPY_JS, CSS, HEAD
from .ui_text import t
from .ui_check import build_check
from .ui_trainer import build_trainer

LANGUAGES = {"English": "en", "Svenska": "sv"}
AUTH_MESSAGE = ("Landinfo — COI and case-law research. Log in with the account you were given. / "
                "Logga in med det konto du har fått.")
_STREAM_PAUSE = 0.04  # seconds between streamed sentences: enough to read as typing, too little to slow work
_UNREADABLE_INPUT = "An input of this request could not be used; a file must be uploaded here first."
log = logging.getLogger("landinfo.ui")


class Labels:
    """Components whose words change with the UI language: (component, {attribute: text key})."""

    def __init__(self):
        self.items: list[tuple[gr.components.Component, dict]] = []

    def add(self, component, **attributes):
        self.items.append((component, attributes))
        return component

    @property
    def components(self) -> list:
        return [c for c, _ in self.items]

    def updates(self, ui: str) -> list:
        return [gr.update(**{attr: t(ui, key) for attr, key in attrs.items()}) for _, attrs in self.items]


def _is_period(text: str) -> bool:
    try:
        period(text)
    except ValueError:
        return False
    return True


def _brand(ui: str) -> str:
    return (f'<div class="brand"><span class="brand-name">{t(ui, "app_title")}</span>'
            f'<span class="brand-sub">{t(ui, "app_subtitle")}</span></div>')


def _type_choices(ui: str, present: list[str] | None = None) -> list[tuple[str, str]]:
    return [(t(ui, "type_" + d), d) for d in DOC_TYPES if present is None or d in present]


def _filters(ui: str, countries, doc_types, languages, since, until, prefer_recent) -> Filters:
    dates = []
    for value in (since, until):
        value = (value or "").strip()
        if value and not _is_period(value):
            gr.Warning(t(ui, "bad_date", value=value))
            value = ""
        dates.append(value)
    return Filters(countries=tuple(countries or ()), doc_types=tuple(doc_types or ()),
                   languages=tuple(languages or ()), since=dates[0], until=dates[1], prefer_recent=bool(prefer_recent))


class Exports:
    """Markdown and Word files of answers (0600), in the process's private scratch folder, for the download buttons;
    at most `keep` files, none older than `max_age_s`: pruned at each export and every few minutes."""

    def __init__(self, folder: Path, keep: int, max_age_s: float):
        self.folder, self.keep, self.max_age_s = folder, keep, max_age_s

    def write(self, answer: Answer) -> tuple[str, str]:
        stem = self.folder / f"landinfo-answer-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:12]}"
        markdown = write_private(stem.with_suffix(".md"), answer_to_markdown(answer))
        docx = stem.with_suffix(".docx")
        answer_to_docx(answer, str(docx))
        self.prune()
        return str(markdown), str(private_file(docx))

    def prune(self) -> None:
        prune(self.folder, self.keep, self.max_age_s)

    def keep_pruning(self) -> None:
        """Start a daemon thread that prunes while no answer is exported (old exports must go even then)."""
        def loop():
            while self.folder.is_dir():
                time.sleep(max(1.0, min(300.0, self.max_age_s / 4)))
                self.prune()
        threading.Thread(target=loop, name="prune-exports", daemon=True).start()


class _Blocks(gr.Blocks):
    """gr.Blocks whose inputs that cannot be used (a file path not uploaded here, a malformed FileData) become one log
    line and an error that names no server path, instead of a traceback per request and gradio's message, which
    repeats the path made absolute (the server's working folder)."""

    async def preprocess_data(self, block_fn, inputs, state, explicit_call=False):
        try:
            return await super().preprocess_data(block_fn, inputs, state, explicit_call)
        except gr.Error:
            raise
        except Exception as exc:
            log.warning("refused an input of %s: %s", getattr(block_fn, "name", "an event"), type(exc).__name__)
            raise gr.Error(_UNREADABLE_INPUT, print_exception=False) from None


def build(backend: Backend, scratch: Scratch) -> gr.Blocks:
    settings = backend.settings
    exports = Exports(scratch.folder("exports"), settings.exports_kept, settings.export_max_age_s)

    def show_once(answer: Answer) -> None:  # the warm-up's answer, shown as `respond` shows one, then thrown away
        answer_markdown(answer, 1, "en")
        for path in exports.write(answer):
            Path(path).unlink(missing_ok=True)
        sources_panel([answer], "en", settings.stale_months, backend.library)
    backend.show = show_once
    exports.keep_pruning()
    labels = Labels()
    # gradio's copies of exports and uploads go after the same age as the exports
    max_age = max(1, int(settings.export_max_age_s))
    with _Blocks(title="Landinfo", analytics_enabled=False, delete_cache=(min(3600, max_age), max_age)) as demo:
        ui_lang = gr.State("en")
        answers = gr.State([])
        with gr.Row(elem_id="topbar"):
            brand = gr.HTML(_brand("en"), elem_id="brand", scale=2, min_width=300)
            status = gr.HTML("", elem_id="corpus-status", scale=3, min_width=300)
            language = gr.Radio(list(LANGUAGES), value="English", show_label=False, container=False,
                                elem_id="ui-language", scale=0, min_width=190)
        banner = gr.HTML("", elem_id="no-index", visible=False)
        with gr.Tabs():
            with gr.Tab(t("en", "tab_officer"), id="officer") as officer_tab:
                labels.add(officer_tab, label="tab_officer")
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2, min_width=240, elem_id="filters"):
                        filters_title = gr.Markdown(f"### {t('en', 'filters')}")
                        country = labels.add(gr.Dropdown([], multiselect=True, label=t("en", "country"),
                                                         elem_id="filter-country"), label="country")
                        doc_type = labels.add(gr.Dropdown(_type_choices("en"), multiselect=True,
                                                          label=t("en", "doc_type"), elem_id="filter-type"),
                                              label="doc_type")
                        doc_language = labels.add(gr.CheckboxGroup([("Svenska", "sv"), ("English", "en")],
                                                                   label=t("en", "language"),
                                                                   elem_id="filter-language"), label="language")
                        since = labels.add(gr.Textbox(label=t("en", "since"), placeholder=t("en", "date_placeholder"),
                                                      info=t("en", "date_hint"), lines=1, max_lines=1,
                                                      elem_id="filter-since"),
                                           label="since", placeholder="date_placeholder", info="date_hint")
                        until = labels.add(gr.Textbox(label=t("en", "until"), placeholder=t("en", "date_placeholder"),
                                                      info=t("en", "date_hint"), lines=1, max_lines=1,
                                                      elem_id="filter-until"),
                                           label="until", placeholder="date_placeholder", info="date_hint")
                        prefer_recent = labels.add(gr.Checkbox(label=t("en", "prefer_recent"), elem_id="filter-recent"),
                                                   label="prefer_recent")
                        clear_filters = labels.add(gr.Button(t("en", "clear_filters"), size="sm"), value="clear_filters")
                    with gr.Column(scale=5, min_width=420):
                        chatbot = labels.add(gr.Chatbot(show_label=False, elem_id="chat", height="60vh", min_height=380,
                                                        feedback_options=None, layout="panel",
                                                        placeholder=t("en", "chat_placeholder")),
                                             placeholder="chat_placeholder")
                        with gr.Row():
                            question = labels.add(gr.Textbox(show_label=False, placeholder=t("en", "question_placeholder"),
                                                             lines=1, max_lines=6, scale=8, elem_id="question",
                                                             autofocus=True),
                                                  placeholder="question_placeholder")
                            ask = labels.add(gr.Button(t("en", "ask"), variant="primary", scale=1, min_width=90,
                                                       elem_id="ask"), value="ask")
                        with gr.Row(elem_id="export-row"):
                            copy = labels.add(gr.Button(t("en", "copy"), size="sm", interactive=False, elem_id="copy",
                                                        min_width=0, scale=3), value="copy")
                            markdown_file = labels.add(gr.DownloadButton(t("en", "markdown"), size="sm", interactive=False,
                                                                         elem_id="download-md", min_width=0, scale=2),
                                                       label="markdown")
                            docx_file = labels.add(gr.DownloadButton(t("en", "docx"), size="sm", interactive=False,
                                                                     elem_id="download-docx", min_width=0, scale=2),
                                                   label="docx")
                            new_chat = labels.add(gr.Button(t("en", "new_conversation"), size="sm", elem_id="new-chat",
                                                            min_width=0, scale=3), value="new_conversation")
                        copy_text = gr.Textbox(visible=False)
                        with gr.Column(elem_id="feedback"):
                            feedback_prompt = gr.Markdown(f"**{t('en', 'feedback_prompt')}**")
                            comment = labels.add(gr.Textbox(show_label=False, container=False, lines=1, max_lines=4,
                                                            placeholder=t("en", "comment_placeholder"),
                                                            elem_id="feedback-comment"),
                                                 placeholder="comment_placeholder")
                            with gr.Row(elem_id="feedback-row"):
                                helpful = labels.add(gr.Button(t("en", "helpful"), size="sm", elem_id="rate-helpful",
                                                               min_width=110, scale=0), value="helpful")
                                wrong = labels.add(gr.Button(t("en", "wrong"), size="sm", elem_id="rate-wrong",
                                                             min_width=110, scale=0), value="wrong")
                                missing = labels.add(gr.Button(t("en", "missing_source"), size="sm",
                                                               elem_id="rate-missing", min_width=110, scale=0),
                                                     value="missing_source")
                            feedback_status = gr.Markdown("", elem_id="feedback-status")
                    with gr.Column(scale=5, min_width=420):
                        sources_title = gr.Markdown(f"### {t('en', 'sources')}")
                        sources = gr.HTML(sources_panel([], "en", settings.stale_months, None), elem_id="sources-panel")
            with gr.Tab(t("en", "tab_trainer"), id="trainer") as trainer_tab:
                labels.add(trainer_tab, label="tab_trainer")
                trainer = build_trainer(backend, labels, ui_lang, scratch.folder("exercise"))
            with gr.Tab(t("en", "tab_check"), id="check") as check_tab:
                labels.add(check_tab, label="tab_check")
                check = build_check(backend, labels, ui_lang, scratch.folder("exports"))
            with gr.Tab(t("en", "tab_corpus"), id="corpus") as corpus_tab:
                labels.add(corpus_tab, label="tab_corpus")
                overview = gr.HTML("", elem_id="corpus-overview")

        filter_inputs = [country, doc_type, doc_language, since, until, prefer_recent]

        def respond(text, history, past, ui, request: gr.Request, *filter_values):
            text = (text or "").strip()
            if not has_words(text):
                if text:
                    gr.Warning(t(ui, "not_a_question"))
                yield (gr.skip(),) * 9
                return
            filters = _filters(ui, *filter_values)
            history = list(history or []) + [{"role": "user", "content": question_markdown(text)},
                                             {"role": "assistant", "content": f"*{t(ui, 'searching')}*"}]
            yield history, gr.skip(), gr.skip(), "", gr.skip(), gr.skip(), gr.skip(), "", gr.skip()
            try:
                answer = backend.ask(text, None if filters.is_empty() and not filters.prefer_recent else filters,
                                     getattr(request, "username", "") or "")
            except NotReady as exc:
                history[-1] = {"role": "assistant", "content": no_index_html(str(exc), ui)}
                yield (history,) + (gr.skip(),) * 8
                return
            except IndexUnavailableError as exc:
                history[-1] = {"role": "assistant", "content": index_down_html(str(exc), ui)}
                yield (history,) + (gr.skip(),) * 8
                return
            past = list(past or []) + [answer]
            turn = len(past)
            for cut in stream_cuts(answer.text)[:-1]:
                history[-1] = {"role": "assistant", "content": answer_markdown(answer, turn, ui, upto=cut)}
                yield (history,) + (gr.skip(),) * 8
                time.sleep(_STREAM_PAUSE)
            history[-1] = {"role": "assistant", "content": answer_markdown(answer, turn, ui)}
            md_path, docx_path = exports.write(answer)
            panel = sources_panel(past, ui, settings.stale_months, backend.library)
            yield (history, panel, past, gr.skip(), gr.update(value=md_path, interactive=True),
                   gr.update(value=docx_path, interactive=True), answer_to_markdown(answer), "",
                   gr.update(interactive=True))

        outputs = [chatbot, sources, answers, question, markdown_file, docx_file, copy_text, feedback_status, copy]
        for trigger in (question.submit, ask.click):
            trigger(respond, [question, chatbot, answers, ui_lang, *filter_inputs], outputs,
                    concurrency_limit=settings.concurrency, concurrency_id="answer", show_progress="hidden")
        copy.click(lambda text, ui: gr.Info(t(ui, "copied")), [copy_text, ui_lang], None, js=COPY_JS)

        def new_conversation(ui):
            return ([], [], sources_panel([], ui, settings.stale_months, None), gr.update(value=None, interactive=False),
                    gr.update(value=None, interactive=False), "", "", gr.update(interactive=False))
        conversation_outputs = [chatbot, answers, sources, markdown_file, docx_file, copy_text, feedback_status, copy]
        new_chat.click(new_conversation, ui_lang, conversation_outputs)
        chatbot.clear(new_conversation, ui_lang, conversation_outputs)
        clear_filters.click(lambda: ([], [], [], "", "", False), None, filter_inputs)

        def rate(rating, note, past, ui, request: gr.Request):
            if not past:
                return gr.skip(), t(ui, "feedback_nothing")
            backend.feedback.add(past[-1], rating, note or "", getattr(request, "username", "") or "")
            label = {"helpful": t(ui, "helpful"), "wrong": t(ui, "wrong"), "missing-source": t(ui, "missing_source")}
            return "", t(ui, "feedback_saved", rating=label[rating])
        for button, rating in ((helpful, "helpful"), (wrong, "wrong"), (missing, "missing-source")):
            button.click(_rater(rate, rating), [comment, answers, ui_lang], [comment, feedback_status])

        def refresh(ui, past):
            corpus = backend.corpus()
            present = sorted(corpus["types"]) if corpus else None
            countries = sorted(corpus["countries"]) if corpus else []
            return (status_html(corpus, backend.problem, ui),
                    gr.update(value=no_index_html(backend.problem, ui), visible=bool(backend.problem)),
                    gr.update(choices=countries), gr.update(choices=_type_choices(ui, present)),
                    sources_panel(past or [], ui, settings.stale_months, backend.library),
                    corpus_html(documents(backend.library.indexed()) if corpus else [], ui, settings.stale_months))
        refresh_outputs = [status, banner, country, doc_type, sources, overview]
        demo.load(refresh, [ui_lang, answers], refresh_outputs)
        demo.load(check.refresh_countries, None, check.country)

        def switch(choice, past, exercise, checked):
            """Every visible word in the chosen language; the filter dropdowns get new labels and choices at once."""
            ui = LANGUAGES.get(choice, "en")
            updates = {ui_lang: ui, brand: _brand(ui), filters_title: f"### {t(ui, 'filters')}",
                       sources_title: f"### {t(ui, 'sources')}", feedback_prompt: f"**{t(ui, 'feedback_prompt')}**"}
            changes = [*zip(refresh_outputs, refresh(ui, past)), *zip(labels.components, labels.updates(ui)),
                       *zip(trainer.relabel_outputs, trainer.relabel(ui, exercise)),
                       *zip(check.relabel_outputs, check.relabel(ui, checked))]
            for component, change in changes:
                earlier = updates.get(component)
                both = isinstance(earlier, dict) and isinstance(change, dict)
                updates[component] = {**earlier, **change} if both else change
            return updates
        language.change(switch, [language, answers, trainer.state, check.state],
                        list(dict.fromkeys([ui_lang, brand, filters_title, sources_title, feedback_prompt,
                                            *refresh_outputs, *labels.components, *trainer.relabel_outputs,
                                            *check.relabel_outputs])))
    return demo


def _rater(rate, rating: str):
    def handler(note, past, ui, request: gr.Request):
        return rate(rating, note, past, ui, request)
    return handler


def create_app(settings: Settings, backend: Backend | None = None) -> tuple[FastAPI, Backend]:
    """The FastAPI app: document routes, then the gradio UI mounted at /, with a login when users are set."""
    backend = backend or Backend(settings)
    users = load_users(settings)
    scratch = Scratch.for_process(settings.scratch_dir)
    # gradio's upload cache, and every copy it makes of a download, go into the private folder; gradio reads the
    # variable when Blocks are built and when the app is mounted
    os.environ["GRADIO_TEMP_DIR"] = str(scratch.folder("gradio"))
    demo = build(backend, scratch)
    demo.queue(default_concurrency_limit=settings.concurrency)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    mounted: dict = {}

    def logged_in(request: Request) -> bool:
        if not users:
            return True
        ui_app = mounted["app"]
        token = (request.cookies.get(f"access-token-{ui_app.cookie_id}")
                 or request.cookies.get(f"access-token-unsecure-{ui_app.cookie_id}"))
        return token is not None and token in ui_app.tokens

    app.include_router(doc_router(backend.library, logged_in))
    quota = int(settings.scratch_quota_mb * 1_000_000)
    app.add_middleware(SecurityMiddleware, logged_in=logged_in, hosts=ServedHosts(settings.host, settings.public_hosts),
                       upload_room=lambda: quota - folder_bytes(scratch.root))
    from .auth import guard_logins  # argon2 hashes, back-off per user and client address

    gr.mount_gradio_app(app, demo, path="/", auth=guard_logins(app, settings) if users else None, auth_message=AUTH_MESSAGE,
                        server_name=settings.host, server_port=settings.port, footer_links=[],
                        run_history=False, ssr_mode=False, mcp_server=False, show_error=True,
                        max_file_size=int(settings.max_upload_mb * 1_000_000),
                        theme=gr.themes.Default(primary_hue="blue", secondary_hue="slate",
                                                font=["system-ui", "Segoe UI", "Roboto", "sans-serif"]),
                        css=CSS, head=HEAD, allowed_paths=[str(scratch.folder("exports")), str(scratch.folder("exercise"))],
                        blocked_paths=_private_paths(settings))
    # mount_gradio_app never marks the Blocks as launched, and until they are gradio checks no file path sent as
    # input (a chat message or an upload naming /etc/shadow would be copied to its cache and served back). Launched,
    # inputs must be files uploaded through gradio, outputs files this app made.
    demo.has_launched = True
    mounted["app"] = next(route.app for route in app.routes if isinstance(route, Mount))
    return app, backend


def _private_paths(settings: Settings) -> list[str]:
    """What gradio must never hand out, whoever asks: the index, the ratings, the users file."""
    paths = [settings.index_dir, settings.feedback_dir, settings.auth_file]
    return [str(Path(p).resolve()) for p in paths if p]


def serve(settings: Settings) -> None:
    import logging

    import uvicorn

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s landinfo: %(message)s", "%H:%M:%S"))
    logging.getLogger("landinfo").addHandler(handler)
    logging.getLogger("landinfo").setLevel(logging.INFO)
    os.umask(0o077)  # whatever the server writes (exports, gradio's copies, ratings) is readable by its user only
    exit_on_sigterm()
    scratch = Scratch.for_process(settings.scratch_dir)
    app, backend = create_app(settings)
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not load_users(settings):
        print(f"landinfo: warning: listening on {settings.host} without a login; set --auth-file or LANDINFO_USERS",
              file=sys.stderr)
    threading.Thread(target=backend.warm_up, name="warm-up", daemon=True).start()
    print(f"landinfo: serving on http://{settings.host}:{settings.port}", file=sys.stderr, flush=True)
    try:
        # X-Forwarded-For and -Proto only from the configured proxies: uvicorn believes them from 127.0.0.1 by default,
        # and a rotated header would make each login attempt come from a new address
        proxies = settings.forwarded_allow_ips.strip()
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", access_log=False,
                    proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None)
    finally:
        scratch.remove()
