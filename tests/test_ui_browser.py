"""The UI as a case officer and a trainer use it: Debian chromium driven by Playwright against `python app.py`
served on loopback with a login, over the demo corpus indexed with the real model."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest

from conftest import CHROMIUM, CHROMIUM_ARGS, DEMO_CORPUS, REPO  # noqa: F401  (CHROMIUM_ARGS: other modules)
from fakes import FAKE_MODEL
from landinfo.ingest import document_id

pytestmark = pytest.mark.browser
if not CHROMIUM.exists():
    pytest.skip("Debian chromium (/usr/bin/chromium) is not installed", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

USER, PASSWORD = "officer", "correct-horse-42"
JOURNALISTS = "How many journalists were detained in Veldoria in 2025?"
UNANSWERABLE = "Which football team won the 1998 World Cup?"
ANSWER_TIMEOUT = 120_000  # ms; an answer takes seconds, but this machine's two cores are shared


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(url: str, proc=None, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


@dataclass
class Server:
    url: str
    folder: Path
    startup_s: float  # until the page is served
    ready_s: float  # until the model and the index are loaded and a first answer has been computed


def _wait_for_log(path: Path, text: str, timeout: float = 180) -> None:
    deadline = time.time() + timeout
    while text not in path.read_text(errors="replace"):
        if time.time() > deadline:
            raise TimeoutError(f"{text!r} not in {path} after {timeout} s")
        time.sleep(0.25)


@pytest.fixture(scope="session")
def server(demo_settings, tmp_path_factory):
    """`python app.py` on a free loopback port, with a login, over the demo index built once per session."""
    folder = tmp_path_factory.mktemp("ui-server")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANDINFO_")}
    env.update(LANDINFO_INDEX_DIR=str(demo_settings.index_dir), LANDINFO_HOST="127.0.0.1", LANDINFO_PORT=str(port),
               LANDINFO_FEEDBACK_DIR=str(folder / "feedback"), LANDINFO_USERS=f"{USER}:{PASSWORD}",
               GRADIO_TEMP_DIR=str(folder / "gradio"))
    log = (folder / "server.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_serving(f"http://127.0.0.1:{port}/", proc)
        serving = time.perf_counter() - started
        _wait_for_log(folder / "server.log", "landinfo: ready in")
        yield Server(f"http://127.0.0.1:{port}", folder, serving, time.perf_counter() - started)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def browser(chromium_browser):
    return chromium_browser


def _log_in(page, url: str, password: str) -> None:
    page.goto(url)
    page.locator("input[type=text]").fill(USER)
    page.locator("input[type=password]").fill(password)
    page.get_by_role("button", name="Login").click()


@pytest.fixture(scope="session")
def logged_in(browser, server) -> dict:
    context = browser.new_context()
    page = context.new_page()
    _log_in(page, server.url, PASSWORD)
    page.locator("#question textarea").wait_for(timeout=60_000)
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def page(browser, server, logged_in):
    """A logged-in page; afterwards, no request of it may have gone anywhere but this machine."""
    context = browser.new_context(storage_state=logged_in, viewport={"width": 1440, "height": 1000},
                                  accept_downloads=True)
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    tab = context.new_page()
    tab.goto(server.url)
    tab.locator("#question textarea").wait_for(timeout=60_000)
    yield tab
    context.close()
    hosts = {urlparse(u).hostname for u in requested if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    assert hosts <= {"127.0.0.1"}, f"requests left the machine: {hosts}"


def ask(page, question: str) -> float:
    """Ask in the chat and wait for the finished answer; the seconds it took as the officer sees it."""
    done_before = page.locator("#chat .answer-meta").count()
    page.locator("#question textarea").fill(question)
    started = time.perf_counter()
    page.locator("#ask").click()
    page.wait_for_function(f"document.querySelectorAll('#chat .answer-meta').length > {done_before}",
                           timeout=ANSWER_TIMEOUT)
    page.locator("#sources-panel details.turn").nth(0).wait_for()
    seconds = time.perf_counter() - started
    print(f"\nanswered in the browser in {seconds:.1f} s: {question}")
    return seconds


def last_answer(page):
    return page.locator("#chat .message-row").last


def test_wrong_password_is_refused_and_documents_need_a_login(browser, server, tmp_path):
    context = browser.new_context()
    page = context.new_page()
    _log_in(page, server.url, "not-the-password")
    page.get_by_text("Incorrect Credentials", exact=False).wait_for(timeout=15_000)
    assert page.locator("#question").count() == 0
    page.screenshot(path=tmp_path / "wrong-password.png")
    pdf = document_id(DEMO_CORPUS / "coi" / "veldoria-coi-2026.pdf")
    assert context.request.get(f"{server.url}/doc/{pdf}/file").status == 401
    context.close()


OFF_LIMITS = [
    "/doc/..%2f..%2f..%2fetc%2fpasswd/file",
    "/doc/%252e%252e%252fetc%252fpasswd/file",
    "/gradio_api/file=/etc/passwd",
    "/gradio_api/file=" + str(REPO / "pyproject.toml"),
    "/gradio_api/file=" + str(DEMO_CORPUS / "coi" / "veldoria-aterkomst-2022.md"),
    "/file=/etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
]


def test_nothing_else_on_disk_is_served_even_when_logged_in(page, server):
    for path in OFF_LIMITS:
        response = page.context.request.get(server.url + path)
        body = response.body()
        assert response.status in (400, 403, 404, 405), path
        assert b"root:" not in body and b"[project]" not in body and b"Veldoria" not in body, path


def test_an_answer_cites_its_sources_and_each_opens_at_its_place(page, server, tmp_path):
    page.locator("#chat").wait_for()
    page.evaluate("""() => {
        window.__partial = false;
        new MutationObserver(() => {
            if (document.querySelector('#chat').innerText.includes('\u258d')) window.__partial = true;
        }).observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
    }""")
    seconds = ask(page, JOURNALISTS)
    assert page.evaluate("window.__partial"), "the answer was not streamed: no partial answer was ever shown"
    print(f"\napp serves after {server.startup_s:.1f} s, ready after {server.ready_s:.1f} s; "
          f"first answer in the browser {seconds:.1f} s")
    answer = last_answer(page)
    assert "63 journalists" in answer.inner_text()
    assert answer.locator("a.cite").count() >= 1
    panel = page.locator("#sources-panel")
    card = panel.locator("article.card.cited", has=page.locator("mark", has_text="63 journalists")).first
    assert "Veldoria: Human rights situation" in card.inner_text()
    card_id = card.get_attribute("id")
    page.screenshot(path=tmp_path / "answer.png")

    answer.locator(f'a.cite[href="#{card_id}"]').first.click()
    page.wait_for_function(f"document.getElementById('{card_id}').classList.contains('flash')")
    page.wait_for_function(f"""(() => {{
        const top = document.getElementById('{card_id}').getBoundingClientRect().top;
        return top >= 0 && top < window.innerHeight - 40; }})()""", timeout=5_000)  # scrolled into view
    page.screenshot(path=tmp_path / "marker-clicked.png")

    pdf_link = card.locator("a.open", has_text="Open PDF at p.").first
    href = pdf_link.get_attribute("href")
    page_number = card.locator(".where").inner_text().removeprefix("p. ")
    assert href.endswith(f"/file#page={page_number}")
    response = page.request.get(server.url + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    text_card = panel.locator("article.card.cited", has=page.locator("a.open", has_text="Open document at this passage")).first
    quote = text_card.locator("mark").first.inner_text()
    with page.context.expect_page() as opened:
        text_card.locator("a.open").first.click()
    document = opened.value
    document.wait_for_load_state()
    assert document.url.endswith("#passage")
    marked = document.locator("#passage mark").first
    assert " ".join(marked.inner_text().split()) == " ".join(quote.split())
    mark_box = marked.bounding_box()
    assert 0 <= mark_box["y"] < document.viewport_size["height"]  # scrolled to the passage
    document.screenshot(path=tmp_path / "document.png")


def test_a_filter_applies_to_the_next_question_and_is_stated(page, tmp_path):
    ask(page, JOURNALISTS)
    unfiltered = {s.inner_text() for s in page.locator("#t1 .source-path").all()}
    assert any(source.startswith("coi/") for source in unfiltered)

    page.locator("#filter-type input").click()
    page.get_by_role("option", name="Precedent").click()
    page.locator("#filter-country input").click()
    page.get_by_role("option", name="Veldoria").click()
    page.keyboard.press("Escape")
    ask(page, JOURNALISTS)
    assert "Filters: country=Veldoria, type=precedent" in last_answer(page).inner_text()
    filtered = {s.inner_text() for s in page.locator("#t2 article.card .source-path").all()}
    assert filtered and all(source.startswith("case-law/") for source in filtered)
    assert filtered != unfiltered
    page.screenshot(path=tmp_path / "filtered.png")


def test_a_question_the_sources_do_not_answer_is_refused_with_the_closest_passages(page, tmp_path):
    ask(page, UNANSWERABLE)
    refusal = last_answer(page).locator(".refusal")
    assert "do not answer" in refusal.inner_text()
    turn = page.locator("#t1")
    assert "Closest passages" in turn.inner_text()
    assert turn.locator("article.card").count() >= 1 and turn.locator(".marker").count() == 0
    page.screenshot(path=tmp_path / "refusal.png")


def test_an_answer_is_copied_exported_and_rated(page, server, tmp_path):
    ask(page, JOURNALISTS)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.locator("#copy").click()
    page.wait_for_function("navigator.clipboard.readText().then(t => t.includes('### Sources'))")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"## {JOURNALISTS}") and "63 journalists" in copied

    with page.expect_download() as download:
        page.locator("#download-md").click()
    markdown = Path(download.value.path()).read_text(encoding="utf-8")
    assert markdown.startswith(f"## {JOURNALISTS}") and "### Sources" in markdown and "[1]" in markdown
    with page.expect_download() as download:
        page.locator("#download-docx").click()
    assert download.value.suggested_filename.endswith(".docx")
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"

    page.locator("#feedback-comment textarea").fill("The 2022 report should have been cited too")
    page.locator("#rate-missing").click()
    page.locator("#feedback-status").get_by_text("saved").wait_for()
    page.screenshot(path=tmp_path / "rated.png")
    records = [json.loads(line) for line in
               (server.folder / "feedback" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()]
    mine = [r for r in records if r["comment"] == "The 2022 report should have been cited too"]
    assert len(mine) == 1
    assert mine[0]["rating"] == "missing-source" and mine[0]["question"] == JOURNALISTS and mine[0]["user"] == USER
    assert mine[0]["citations"] and "63 journalists" in mine[0]["answer"]


def upload(page, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.locator("#trainer-upload").click()
    chooser.value.set_files(path)


def test_a_trainee_assesses_reveals_and_saves_an_exercise(page, tmp_path):
    page.get_by_role("tab", name="Trainer").click()
    page.locator("#trainer-set input").click()  # the demo set's questions (claims-demo.yaml sorts first)
    page.get_by_role("option", name="demo.yaml", exact=True).click()
    page.locator("#trainer-load").click()
    page.locator("#trainer-question").get_by_text("Question 1 of").wait_for()
    page.locator("#trainer-reveal").click()
    page.get_by_text("Write your assessment before revealing").first.wait_for()

    page.locator("#trainer-assessment textarea").fill("Press freedom monitors counted 63 detained journalists in 2025.")
    page.locator("#trainer-reveal").click()
    page.locator("#trainer-answer a.cite").first.wait_for(timeout=ANSWER_TIMEOUT)
    checklist = page.locator("#trainer-checklist")
    assert checklist.get_by_label("63").is_checked()
    assert "1 of 1 key points covered" in page.locator("#trainer-coverage").inner_text()
    assert "Veldorian Press Freedom Watch recorded" in page.locator("#trainer-expected").inner_text()
    assert page.locator("#trainer-sources article.card").count() >= 1
    page.screenshot(path=tmp_path / "trainer-revealed.png", full_page=True)

    checklist.get_by_label("63").uncheck()
    page.locator("#trainer-coverage").get_by_text("0 of 1").wait_for()
    with page.expect_download() as download:
        page.locator("#trainer-save-md").click()
    report = Path(download.value.path()).read_text(encoding="utf-8")
    assert "# Exercise: demo" in report and "- [ ] 63" in report and "counted 63 detained journalists" in report
    with page.expect_download() as download:
        page.locator("#trainer-save-json").click()
    saved = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert saved["answered"] == 1 and saved["questions"][0]["covered"] == []

    own = tmp_path / "own.yaml"
    own.write_text("name: own-set\nquestions:\n  - id: a\n    question: Is the decree still in force?\n"
                   "    language: en\n    answerable: false\n", encoding="utf-8")
    upload(page, own)
    page.locator("#trainer-loaded").get_by_text("own-set").wait_for()
    assert "question 1 of 1" in page.locator("#trainer-question").inner_text().lower()
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\nquestions:\n  - id: a\n    question: Why?\n    language: de\n", encoding="utf-8")
    upload(page, broken)
    page.locator("#trainer-loaded").get_by_text("a.language: must be sv or en").wait_for()


def test_the_labels_switch_to_swedish(page, tmp_path):
    page.locator("#ui-language").get_by_text("Svenska").click()
    page.get_by_role("tab", name="Handläggare").wait_for()
    assert page.locator("#ask").inner_text().strip() == "Fråga"
    assert "filter för nästa fråga" in page.locator("#filters").inner_text().lower()
    # the demo corpus's 8 documents; the status line is relabelled after the buttons (seen late under load)
    page.wait_for_function("document.querySelector('#corpus-status').innerText.includes('8 dokument')",
                           timeout=15_000)
    page.locator("#filter-type input").click()
    assert page.get_by_role("option", name="Prejudikat").count() == 1
    page.keyboard.press("Escape")
    page.screenshot(path=tmp_path / "swedish.png")
    page.get_by_role("tab", name="Utbildare").click()
    assert "Din bedömning" in page.locator("#trainer-assessment").inner_text()


@contextmanager
def _app_in_this_process(browser, settings):
    """The chat app served by uvicorn in a thread on a free loopback port; yields a page opened at it."""
    import uvicorn

    from landinfo.ui import create_app

    app, _ = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.config.port}/"
    try:
        _wait_until_serving(url)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.goto(url)
        yield page
        context.close()
    finally:
        server.should_exit = True


def test_without_an_index_the_page_says_what_to_run(browser, tmp_path):
    from landinfo.settings import Settings

    settings = Settings(index_dir=tmp_path / "empty", embedding_model=FAKE_MODEL, feedback_dir=tmp_path / "fb")
    with _app_in_this_process(browser, settings) as page:
        banner = page.locator("#no-index")
        banner.locator("pre", has_text="landinfo ingest corpus/").wait_for(timeout=30_000)
        page.locator("#question textarea").fill("Anything?")
        page.locator("#ask").click()
        last_answer(page).locator("pre", has_text="landinfo ingest corpus/").wait_for(timeout=30_000)
        page.screenshot(path=tmp_path / "no-index.png")


def test_when_the_chroma_server_dies_the_chat_says_so_and_answers_again_once_it_is_back(browser, tmp_path):
    from chroma_server import ChromaServer
    from landinfo.ingest import ingest
    from landinfo.settings import Settings

    chroma = ChromaServer(tmp_path).start()
    settings = Settings(index_dir=tmp_path / "indexes", embedding_model=FAKE_MODEL, chroma_url=chroma.url,
                        feedback_dir=tmp_path / "fb")
    ingest(DEMO_CORPUS, settings, progress=False)
    try:
        with _app_in_this_process(browser, settings) as page:
            page.locator("#question textarea").wait_for(timeout=60_000)
            ask(page, JOURNALISTS)

            chroma.kill()
            page.locator("#question textarea").fill(JOURNALISTS)
            page.locator("#ask").click()
            last_answer(page).get_by_text("The search index is not answering right now").wait_for(timeout=60_000)
            assert chroma.url in last_answer(page).inner_text()
            page.screenshot(path=tmp_path / "index-down.png")

            chroma.start()
            ask(page, JOURNALISTS)  # the same page, the same app process: answered again
            assert "not answering" not in last_answer(page).inner_text()
    finally:
        chroma.stop()
