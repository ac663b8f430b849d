"""Answers, source cards and corpus status as the HTML and Markdown the browser UI shows (no gradio here)."""
from __future__ import annotations

import html
import re
from datetime import date

from .answer.types import Answer, Citation
from .export import MARKER, answer_lines
from .feedback import filter_summary
from .records import Passage
from .pdf_pages import PageMarks
from .pdf_view import sheet_html
from .publishers import description, source_type
from .sources import Focus, SourceLibrary, highlight, page_link, text_link
from .ui_text import t

_CONTEXT = 260  # characters of the passage shown around the quoted part of a card
# Gradio reads $$…$$ (LaTeX) and ``` fences (Mermaid) in the raw message before any Markdown or HTML parsing.
_GRADIO_ACTIVE = str.maketrans({"$": "&#36;", "`": "&#96;", "\n": "<br>", "\r": ""})


def text_html(text: str) -> str:
    """`text` as HTML that the chat shows character for character.

    The chat renders a message as Markdown (marked, GFM: emphasis, links, bare URLs made links) and then
    sanitises it; a message that starts with a block element such as <div> is an HTML block, which Markdown
    leaves alone up to the first blank line. So text goes out as entities inside an element, with no raw
    newline (a blank line would end the block) and no raw $ or ` (gradio's LaTeX and Mermaid passes).
    """
    return html.escape(text, quote=True).translate(_GRADIO_ACTIVE)


def question_markdown(text: str) -> str:
    """The chat bubble of a question: the characters typed, never Markdown or live HTML."""
    return f'<div class="question-text">{text_html(text)}</div>'


def card_id(turn: int | str, marker: int) -> str:
    return f"t{turn}-s{marker}"


def link_markers(text: str, turn: int, markers: set[int]) -> str:
    """Turn each [n] of a cited source into a link to its card in the sources panel."""
    def link(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in markers:
            return match.group(0)
        return f'<a class="cite" href="#{card_id(turn, n)}" data-card="{card_id(turn, n)}">[{n}]</a>'
    return MARKER.sub(link, text)


def stream_cuts(text: str) -> list[int]:
    """Offsets at which a partly shown answer still reads well: after each cited sentence and each line."""
    cuts = {m.end() for m in MARKER.finditer(text)} | {m.start() for m in re.finditer("\n", text)}
    return sorted(c for c in cuts if 0 < c < len(text)) + [len(text)]


def answer_markdown(answer: Answer, turn: int, ui: str, upto: int | None = None) -> str:
    """The chat message of an answer: text with linked markers, warnings, the filters used, timing.

    Everything is HTML blocks (see `text_html`), so a quote shows exactly the characters of its source.
    """
    text = answer.text if upto is None else answer.text[:upto]
    partial = upto is not None and upto < len(answer.text)
    if answer.refused and not answer.citations:
        body, close = f'<div class="refusal">{text_html(text)}', "</div>"
    else:
        body, close = _answer_html(answer, upto, turn)
    if partial:  # the browser closes what the unfinished answer leaves open
        return body + " ▍"
    parts = [body + close]
    parts += [f"<blockquote>⚠ {text_html(w)}</blockquote>" for w in dict.fromkeys(answer.warnings)]
    summary = filter_summary(answer.filters.to_json() if answer.filters else None) or t(ui, "no_filters")
    seconds = (answer.timings.get("total_ms") or 0) / 1000
    parts.append(f'<div class="answer-meta">{t(ui, "filters_line")}: {text_html(summary)} · '
                 f'{t(ui, "timing", passages=len(answer.passages), seconds=seconds)}</div>')
    read = query_summary(answer, ui)
    if read:
        parts.append(f'<div class="answer-meta query-read">{text_html(read)}</div>')
    return "\n\n".join(parts)


def query_summary(answer: Answer, ui: str) -> str:
    """How the question was read, and which check refused it: "Read as: en · Somalia (Mogadishu: city) · about:
    journalists · 2024 · asks for a figure · not answered: check missing_period"; how each country was found."""
    if answer.query is None:
        return ""
    q = answer.query.to_json()
    bits = [q["language"]]
    via = {}
    for found in q["countries_via"]:
        via.setdefault(found["country"], found)
    for country in q["subject_countries"]:
        found = via.get(country)
        if found is None or found["via"] == "name":
            bits.append(country)
        elif found["via"] == "demonym":
            bits.append(f"{country} ({found['name']})")
        else:
            bits.append(f"{country} ({found['name']}: {t(ui, 'query_via_' + found['via'])})")
    if q["aspect"] and q["subject_countries"] and not (q["references"] or q["decisions"]):  # what missing_topic reads
        bits.append(t(ui, "query_aspect", aspect=" ".join(q["aspect"])))
    bits += [str(y) for y in q["years"]] + [r["key"] for r in q["references"]]
    if q["asks_figure"]:
        bits.append(t(ui, "query_figure"))
    if q["premise"]:
        bits.append(t(ui, "query_premise", clause=q["premise"]))
    line = t(ui, "query_read") + ": " + " · ".join(bits)
    if answer.refusal_reason:
        line += " · " + t(ui, "query_refused_by", check=answer.refusal_reason)
    return line


def _answer_html(answer: Answer, upto: int | None, turn: int) -> tuple[str, str]:
    """(the opening HTML with the content, the closing tags): the intro a paragraph, "- " lines a list with
    the source's label bold, quotes plain text in <span class="quote">, markers outside quotes links."""
    markers = {c.marker for c in answer.citations}
    out, in_list = ['<div class="answer-text">'], False
    for item, pieces in answer_lines(answer, upto):
        if item != in_list:
            out.append("<ul>" if item else "</ul>")
            in_list = item
        out.append("<li>" if item else "<p>")
        for kind, piece in pieces:
            if kind == "quote":
                out.append(f'<span class="quote">{text_html(piece)}</span>')
            elif kind == "label":
                out.append(f"<strong>{text_html(piece)}</strong>")
            else:
                out.append(link_markers(text_html(piece), turn, markers))
        out.append("</li>" if item else "</p>")
    out.pop()  # left open: a streamed answer goes on in the line it stops in
    return "".join(out), ("</li></ul>" if in_list else "</p>") + "</div>"


def months_old(iso: str, today: date | None = None) -> int | None:
    parts = [int(p) for p in (iso or "").split("-")[:2] if p.isdigit()]
    if not parts:
        return None
    today = today or date.today()
    return (today.year - parts[0]) * 12 + today.month - (parts[1] if len(parts) > 1 else 6)


def _badges(p: Passage, ui: str, stale_months: int, today: date | None) -> str:
    bits = [f'<span class="badge type type-{html.escape(p.doc_type)}">{t(ui, "type_" + p.doc_type)}</span>']
    if p.country:
        bits.append(f'<span class="fact">{html.escape(p.country)}</span>')
    bits.append(f'<span class="fact">{html.escape(p.date or t(ui, "undated"))}</span>')
    age = months_old(p.date, today)
    if p.doc_type == "coi" and age is not None and age > stale_months:
        bits.append(f'<span class="badge stale" title="{html.escape(t(ui, "stale_tip", limit=stale_months))}">'
                    f'{t(ui, "stale", months=age)}</span>')
    where = t(ui, "page", page=p.page) if p.page else (p.section.split(" > ")[-1] if p.section else "")
    if where:
        bits.append(f'<span class="fact where">{html.escape(where)}</span>')
    if p.fictional:
        bits.append(f'<span class="badge fictional">{t(ui, "fictional")}</span>')
    return " ".join(bits)


def _excerpt(text: str, quotes: list[tuple[int, int]]) -> str:
    """The passage around its quoted parts, marked, paragraphs closer together than blank lines would set them."""
    return re.sub(r"\n\s*\n", '<span class="gap"></span>', _excerpt_html(text, quotes))


def _excerpt_html(text: str, quotes: list[tuple[int, int]]) -> str:
    if not quotes or len(text) <= 2 * _CONTEXT + max(e - s for s, e in quotes):
        return highlight(text, (0, len(text)), quotes) if quotes else html.escape(text)
    first, last = min(s for s, _ in quotes), max(e for _, e in quotes)
    start = max(0, first - _CONTEXT)
    end = min(len(text), last + _CONTEXT)
    if start > 0:  # begin at a paragraph when one starts soon, else at a word
        paragraph = text.find("\n", start, min(first, start + 120))
        start = paragraph + 1 if paragraph >= 0 else (text.find(" ", start, first) + 1 or start)
    if end < len(text):
        paragraph = text.rfind("\n", max(last, end - 120), end)
        space = text.rfind(" ", last, end)
        end = paragraph if paragraph >= 0 else (space if space > 0 else end)
    while start < first and text[start].isspace():
        start += 1
    while end > last and text[end - 1].isspace():
        end -= 1
    shifted = [(s - start, e - start) for s, e in quotes]
    return ("… " if start else "") + highlight(text[start:end], None, shifted) + (" …" if end < len(text) else "")


def _links(library: SourceLibrary | None, p: Passage, quotes: list[tuple[int, int]], ui: str,
           citations: list[Citation] = ()) -> str:
    """A PDF citation: the cited page (and the next or previous one when the quote runs over) with the quote
    marked, opening the full-page view, then 'Open PDF at p. N' (the browser's viewer) and the text view.
    Anything else: the text view with the passage marked."""
    doc = library.get(p.doc_id) if library is not None and p.doc_id else None
    if doc is None:
        return ""
    unit = library.locate(p)
    focus = None
    if unit is not None:
        focus = Focus(unit, (p.start, p.end), tuple((p.start + s, p.start + e) for s, e in quotes))
    view = text_link(p.doc_id, focus, ui)
    if not doc.is_pdf:
        return '<div class="links">' + _a(view, t(ui, "open_doc")) + "</div>"
    page = p.page or 1
    figure = _page_windows(library, doc, page, focus, citations, ui)
    links = [_a(page_link(p.doc_id, page, focus, ui), t(ui, "page_view")),
             _a(library.link(p.doc_id, p.page), t(ui, "open_pdf", page=page), "secondary"),
             _a(view, t(ui, "text_view"), "secondary")]
    return figure + '<div class="links">' + " ".join(links) + "</div>"


def _page_windows(library: SourceLibrary, doc, page: int, focus: Focus | None, citations: list[Citation],
                  ui: str) -> str:
    """The quoted part of each cited page, as a window onto the rendered page that opens the full-page view."""
    found = library.marks(doc, page, [c.quote for c in citations])
    shown: list[PageMarks | None] = list(found) or [None]
    windows = []
    for marks in shown:
        number = marks.page if marks is not None else page
        label = t(ui, "page_figure", page=number)
        href = page_link(doc.doc_id, number, focus, ui) + ("#quote" if marks is not None else "")
        windows.append(f'<a class="page-window{"" if marks is not None else " unmarked"}" href="{html.escape(href)}" '
                       f'target="_blank" rel="noopener" title="{html.escape(label)}">'
                       f"{sheet_html(doc.doc_id, number, marks, label, language=ui)}</a>")
    if shown[0] is not None:
        caption = t(ui, "page_figure", page=", ".join(str(m.page) for m in shown))
    else:  # no quote (a closest passage of a refusal), or one the page's text does not have
        caption = t(ui, "quote_not_on_page") if citations else t(ui, "page", page=page)
    return (f'<figure class="pdf-pages" data-marked="{len(found)}">{"".join(windows)}'
            f'<figcaption>{html.escape(caption)}</figcaption></figure>')


def _a(href: str, label: str, kind: str = "") -> str:
    return (f'<a class="{("open " + kind).strip()}" href="{html.escape(href)}" target="_blank" rel="noopener">'
            f"{html.escape(label)} ↗</a>")


def source_card(p: Passage, marker: int | None, citations: list[Citation], ui: str, stale_months: int,
                library: SourceLibrary | None, turn: int = 0, today: date | None = None) -> str:
    quotes = [(c.start - p.start, c.end - p.start) for c in citations
              if 0 <= c.start - p.start < c.end - p.start <= len(p.text)]
    anchor = f' id="{card_id(turn, marker)}"' if marker is not None else ""
    number = f'<span class="marker">{marker}</span>' if marker is not None else ""
    publisher = publisher_html(p.publisher, p.doc_type, ui)
    return (f'<article class="card{" cited" if citations else ""}"{anchor}>'
            f'<div class="card-head">{number}<div class="card-title">{html.escape(p.title or p.source)}</div></div>'
            f'<div class="facts">{_badges(p, ui, stale_months, today)}</div>{publisher}'
            f'<blockquote class="passage">{_excerpt(p.text, quotes)}</blockquote>'
            f'{_links(library, p, quotes, ui, citations)}'
            f'<div class="source-path">{html.escape(p.source)}</div></article>')


def publisher_html(publisher: str, doc_type: str, ui: str) -> str:
    """Who published the source, what kind of source it is, and one line about the publisher (or "no description")."""
    kind = source_type(publisher, doc_type)
    about = description(publisher, ui)
    head = [f'<span class="publisher-name">{html.escape(publisher or t(ui, "publisher_unknown"))}</span>']
    if kind:
        head.append(f'<span class="source-type source-{kind}">{t(ui, "source_" + kind)}</span>')
    about_html = (f'<div class="publisher-about">{html.escape(about)}</div>' if about
                  else f'<div class="publisher-about none">{t(ui, "no_description")}</div>')
    return f'<div class="publisher">{" · ".join(head)}{about_html}</div>'


def turn_sources(answer: Answer, turn: int | str, ui: str, stale_months: int, library: SourceLibrary | None,
                 open_: bool = True, today: date | None = None, heading: bool = True) -> str:
    """The cards of one answer: its cited sources, or the closest passages when it refused."""
    by_id = {p.id: p for p in answer.passages}
    cards = []
    markers: dict[int, list[Citation]] = {}
    for c in answer.citations:
        markers.setdefault(c.marker, []).append(c)
    for marker, cites in sorted(markers.items()):
        passage = by_id.get(cites[0].passage_id)
        if passage is not None:
            cards.append(source_card(passage, marker, cites, ui, stale_months, library, turn, today))
    cited_ids = {c.passage_id for c in answer.citations}
    rest = [p for p in answer.passages if p.id not in cited_ids]
    if answer.refused:
        cards.append(f'<div class="closest-label">{t(ui, "closest")}</div>')
        cards += [source_card(p, None, [], ui, stale_months, library, turn, today) for p in rest[:3]]
        rest = rest[3:]
    if rest:
        items = "".join(f"<li>{_other(p, ui, library)}</li>" for p in rest)
        cards.append(f'<details class="others"><summary>{t(ui, "other_passages", n=len(rest))}</summary>'
                     f"<ul>{items}</ul></details>")
    if not heading:
        return "".join(cards)
    head = (f'<summary class="turn-head"><span class="turn-n">{t(ui, "question_n", n=turn)}</span> '
            f'{html.escape(answer.question)}</summary>')
    return f'<details class="turn" id="t{turn}"{" open" if open_ else ""}>{head}{"".join(cards)}</details>'


def _other(p: Passage, ui: str, library: SourceLibrary | None) -> str:
    where = t(ui, "page", page=p.page) if p.page else (p.section.split(" > ")[-1] if p.section else "")
    label = " · ".join(html.escape(b) for b in (p.title or p.source, p.date, where) if b)
    if library is None or not p.doc_id:
        return label
    unit = library.locate(p)
    href = library.link(p.doc_id, p.page, Focus(unit, (p.start, p.end)) if unit is not None else None, ui)
    return f'<a href="{html.escape(href)}" target="_blank" rel="noopener">{label}</a>'


def sources_panel(answers: list[Answer], ui: str, stale_months: int, library: SourceLibrary | None,
                  keep: int = 8) -> str:
    """Every recent answer's sources, newest first and open; older ones folded but still reachable by marker."""
    if not answers:
        return f'<div class="sources-empty">{t(ui, "sources_empty")}</div>'
    first = max(1, len(answers) - keep + 1)
    turns = [turn_sources(answers[n - 1], n, ui, stale_months, library, open_=(n == len(answers)))
             for n in range(len(answers), first - 1, -1)]
    return '<div class="sources">' + "".join(turns) + "</div>"


def status_html(corpus: dict | None, problem: str, ui: str) -> str:
    """One short line: documents, countries, newest source (the Corpus tab has the rest); the model in its tooltip."""
    if corpus is None:
        if not problem:
            return f'<div class="status loading">{t(ui, "status_loading")}</div>'
        return ""
    line = t(ui, "corpus_line", documents=corpus["documents"], countries=len(corpus["countries"]),
             newest=corpus["newest"] or "—")
    tip = f'{t(ui, "status_model")}: {corpus["model"]}'
    if corpus.get("newest_coi"):
        tip = f'{t(ui, "status_newest_coi")} {corpus["newest_coi"]} · ' + tip
    return f'<div class="status" title="{html.escape(tip)}">{html.escape(line)}</div>'


def no_index_html(problem: str, ui: str) -> str:
    if not problem:
        return ""
    return (f'<div class="no-index"><strong>{t(ui, "no_index")}</strong> {t(ui, "no_index_hint")}'
            f'<pre>landinfo ingest corpus/</pre><div class="detail">{text_html(problem)}</div></div>')


def index_down_html(problem: str, ui: str) -> str:
    return (f'<div class="no-index"><strong>{t(ui, "index_down")}</strong>'
            f'<div class="detail">{text_html(problem)}</div></div>')
