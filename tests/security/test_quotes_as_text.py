"""A quote shows exactly the characters of its source, and a question exactly what was typed.

Source text and questions can hold Markdown and HTML (`**bold**`, `[a](http://…)`, `<script>`, a bare URL). The
chat renders messages as Markdown and sanitised HTML, and `landinfo ask --markdown` writes Markdown, so unescaped
they would show altered: tags dropped, bold, live links. Here the chat's Markdown goes through a CommonMark
renderer (markdown-it-py) and the real chat through Chromium; the exported file through markdown-it-py.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from fakes import FAKE_MODEL
from landinfo.answer.types import FRAME, Answer, Citation
from landinfo.cli import main
from landinfo.export import answer_to_docx, answer_to_markdown
from landinfo.records import Passage
from landinfo.settings import Settings
from landinfo.ui_render import answer_markdown, question_markdown, stream_cuts

SAMPLES = ["<script>alert(1)</script>", "**bold**", "_under_", "`code`", "[link](http://example.org)",
           "http://example.org/x_y", "<b>x</b>", "&amp;",
           # and what gradio or GFM would also read: LaTeX, e-mail, www, strikethrough, table cell, heading mark
           "$$x^2$$", "mail@example.org", "www.example.org", "~~gone~~", "a | b", "C#", "\\*not\\*", "<!-- c -->"]
SENTENCE = ("Returnees reported <script>__pwned=1</script> and <img src=x onerror=__pwned=2> with **bold** and "
            "_under_ and `code` and <b>x</b> and &amp; and $$x^2$$ and [link](http://localhost/a) and "
            "http://localhost/x_y at the airport.")
TITLE = "Note on **returnees** <i>x</i> [t](http://localhost/t)"


class _Page(HTMLParser):
    """The text of each <span class="quote"> (or of an element of another class), the tags inside them,
    and every tag of the page."""

    def __init__(self, quote_class: str = "quote"):
        super().__init__(convert_charrefs=True)
        self.quote_class, self.depth = quote_class, 0
        self.quotes: list[str] = []
        self.tags_in_quotes: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if self.depth:
            self.tags_in_quotes.append(tag)
            self.depth += tag not in ("br", "img", "hr", "input", "wbr")
        elif self.quote_class in (attrs.get("class") or "").split():
            self.depth = 1
            self.quotes.append("")

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1

    def handle_data(self, data):
        self.text.append(data)
        if self.depth:
            self.quotes[-1] += data


def _parse(html_text: str, quote_class: str = "quote") -> _Page:
    page = _Page(quote_class)
    page.feed(html_text)
    page.close()
    return page


def _answer(quote: str, title: str = "Note on returnees", url: str = "") -> Answer:
    """An extractive answer as the answerer writes it, quoting `quote` from one passage."""
    text = f"Some words before. {quote} Some words after."
    start = text.index(quote)
    passage = Passage(id="p1", text=text, source="coi/note.txt", title=title, doc_type="coi", country="",
                      language="en", date="2026-01-10", page=None, section="", score=0.9, start=0, end=len(text),
                      url=url)
    citation = Citation(1, "p1", passage.source, title, passage.date, None, "", quote, start, start + len(quote),
                        "coi", url=url)
    return Answer(question="What does the note say?", language="en",
                  text=f"{FRAME['en']['intro']}\n- **{title} · 2026-01-10**: \u201c{quote}\u201d [1]",
                  refused=False, citations=(citation,), passages=(passage,), warnings=(f"About {title}.",))


COMMONMARK = MarkdownIt("commonmark")
GFM_ISH = MarkdownIt("commonmark").enable(["table", "strikethrough"])


@pytest.mark.parametrize("quote", SAMPLES)
def test_the_chat_shows_a_quote_as_its_characters(quote):
    message = answer_markdown(_answer(quote), 1, "en")
    # gradio reads $$…$$ (KaTeX) and ``` (Mermaid) in the raw message before Markdown: none may be left raw
    assert "$" not in message and "`" not in message
    for renderer in (COMMONMARK, GFM_ISH):
        page = _parse(renderer.render(message))
        assert page.quotes == [quote]
        assert page.tags_in_quotes == []
        assert [a["href"] for tag, a in page.tags if tag == "a"] == ["#t1-s1"]  # only the marker is a link
        assert not {"script", "img", "em", "code", "b", "del", "table"} & {tag for tag, _ in page.tags}


def test_a_source_title_and_a_streamed_answer_are_text_too():
    answer = _answer(SENTENCE, title=TITLE)
    page = _parse(COMMONMARK.render(answer_markdown(answer, 1, "en")))
    shown = "".join(page.text)
    assert page.quotes == [SENTENCE] and f"{TITLE} · 2026-01-10" in shown and f"About {TITLE}." in shown
    assert [tag for tag, _ in page.tags].count("strong") == 1  # the label, and nothing from the title
    for cut in stream_cuts(answer.text)[:-1]:
        partial = _parse(COMMONMARK.render(answer_markdown(answer, 1, "en", upto=cut)))
        assert not {"script", "img", "em", "code", "b", "i"} & {tag for tag, _ in partial.tags}


@pytest.mark.parametrize("question", ['<a href="http://example.org">x</a>', "Is **this** _it_ or `that`? $$1$$",
                                      "two\n\nparagraphs and http://example.org/x_y"])
def test_a_question_is_shown_as_typed(question):
    page = _parse(COMMONMARK.render(question_markdown(question)), quote_class="question-text")
    assert page.quotes == [question.replace("\n", "")]  # each line break is a <br>
    assert set(page.tags_in_quotes) <= {"br"} and page.tags_in_quotes.count("br") == question.count("\n")


def _outside_code(markdown: str) -> str:
    """The Markdown minus indented code blocks and code spans, where no renderer makes links."""
    text = "\n".join(line for line in markdown.split("\n") if not line.startswith("    "))
    return re.sub(r"(`+).*?\1", "", text)


@pytest.mark.parametrize("quote", SAMPLES)
def test_the_markdown_export_shows_a_quote_as_its_characters(quote):
    answer = _answer(quote, url="https://example.org/report")
    markdown = answer_to_markdown(answer)
    for renderer in (COMMONMARK, GFM_ISH):
        rendered = renderer.render(markdown)
        page = _parse(rendered)
        text = "".join(page.text)
        assert f"\u201c{quote}\u201d [1]" in text  # the answer itself
        assert re.findall(r"<pre><code>(.*?)</code></pre>", rendered, re.S) == [_html_text(quote) + "\n"]
        assert [a["href"] for tag, a in page.tags if tag == "a"] == ["https://example.org/report"]
        assert [tag for tag, _ in page.tags].count("strong") == 1
        assert not {"script", "img", "em", "b", "del", "table", "h1"} & {tag for tag, _ in page.tags}
    # GFM also links bare http://, www. and e-mail addresses; none is left whole outside code
    bare = _outside_code(markdown).replace("<https://example.org/report>", "")
    assert not re.search(r"[a-z]://|www\.|\w@\w", bare, re.I)
    assert quote + "\n" in markdown  # the sources list keeps the quote verbatim for pasting as plain text


def _html_text(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def test_the_word_export_keeps_the_quote_and_drops_only_the_labels_bold(tmp_path):
    from docx import Document

    answer_to_docx(_answer(SENTENCE, title=TITLE), str(tmp_path / "a.docx"))
    paragraphs = [p.text for p in Document(str(tmp_path / "a.docx")).paragraphs]
    assert f"- {TITLE} · 2026-01-10: \u201c{SENTENCE}\u201d [1]" in paragraphs
    assert SENTENCE in paragraphs


def _corpus(root: Path) -> Path:
    folder = root / "docs"
    folder.mkdir()
    (folder / "returnee-note.txt").write_text(
        "Note on returnees\n\nThis note is fictional training material about returnees and the airport.\n\n"
        f"{SENTENCE}\n\nOfficials at the airport register every returnee on arrival and the registration is kept "
        "for two years.\n", encoding="utf-8")
    (folder / "returnee-note.txt.meta.yaml").write_text(
        f'title: "{TITLE}"\ndoc_type: coi\ndate: 2026-01-10\nlanguage: en\n', encoding="utf-8")
    return folder


QUESTION = "What did returnees report about script, img, bold, code, link and localhost at the airport?"


def _settings(root: Path) -> Settings:
    # the fake embedder scores lower than the real model: answer whatever matches best
    return Settings(index_dir=root / "indexes", embedding_model=FAKE_MODEL, feedback_dir=root / "fb",
                    refusal_threshold=0.3)


def test_landinfo_ask_markdown_writes_the_quote_as_text(tmp_path, monkeypatch):
    from landinfo.ingest import ingest

    settings = _settings(tmp_path)
    assert ingest(_corpus(tmp_path), settings, progress=False).problems == []
    monkeypatch.setenv("LANDINFO_EMBEDDING_MODEL", FAKE_MODEL)
    monkeypatch.setenv("LANDINFO_REFUSAL_THRESHOLD", "0.3")
    out = tmp_path / "answer.md"
    assert main(["--index-dir", str(settings.index_dir), "ask", QUESTION, "--markdown", str(out)]) == 0
    rendered = GFM_ISH.render(out.read_text(encoding="utf-8"))
    text = "".join(_parse(rendered).text)
    assert f"\u201c{SENTENCE}\u201d [1]" in text and TITLE in text
    assert _html_text(SENTENCE) + "\n</code></pre>" in rendered
    assert not {"a", "script", "img", "em", "b", "i"} & {tag for tag, _ in _parse(rendered).tags}


# --- the chat in Chromium --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chat(tmp_path_factory, chromium_browser):
    """The chat app in this process over the hostile note, and a Chromium page at it; dialogs recorded."""
    browser_tests = pytest.importorskip("test_ui_browser")  # skips without /usr/bin/chromium or Playwright
    from landinfo.ingest import ingest

    root = tmp_path_factory.mktemp("quotes-as-text")
    settings = _settings(root)
    assert ingest(_corpus(root), settings, progress=False).problems == []
    with browser_tests._app_in_this_process(chromium_browser, settings) as page:
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.locator("#question textarea").wait_for(timeout=60_000)
        yield page, dialogs, browser_tests


def _no_script_ran(page, dialogs) -> None:
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert dialogs == []


def test_in_the_browser_a_quote_shows_its_source_characters(chat):
    page, dialogs, browser_tests = chat
    browser_tests.ask(page, QUESTION)
    bubble = browser_tests.last_answer(page)
    quotes = bubble.locator("span.quote")
    assert SENTENCE in quotes.all_inner_texts()
    assert SENTENCE in bubble.inner_text()
    assert quotes.locator("a, strong, b, em, i, code, img, script, .katex").count() == 0
    assert f"{TITLE} · 2026-01-10" in bubble.locator("strong").all_inner_texts()
    assert bubble.locator("a.cite").count() >= 1 and bubble.locator("a:not(.cite), i, img, .katex").count() == 0
    card = page.locator("#sources-panel article.card.cited").first
    assert card.locator("mark").first.inner_text() == SENTENCE
    assert card.locator(".card-title").inner_text() == TITLE
    _no_script_ran(page, dialogs)


def test_in_the_browser_a_question_shows_as_typed(chat):
    page, dialogs, browser_tests = chat
    question = 'What about <a href="http://example.org">x</a> and **bold** at the airport?'
    browser_tests.ask(page, question)
    bubble = page.locator("#chat .message-row.user-row").last
    assert question in bubble.inner_text()
    assert bubble.locator("a, strong, b, em").count() == 0
    _no_script_ran(page, dialogs)
