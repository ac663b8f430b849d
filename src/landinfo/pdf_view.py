"""A cited PDF page as HTML: the rendered page with the quote's boxes laid over it, as a window in a source card
and as a standalone full-page view (no script; the page's CSS is inline). No gradio here."""
from __future__ import annotations

import html

from .pdf_pages import PageMarks
from .sources import SourceFile, page_image
from .ui_text import t

A4_ASPECT = 297 / 210  # a page's height/width before its text has been read


def sheet_html(doc_id: str, page: int, marks: PageMarks | None, label: str, anchor: str = "",
               language: str = "en") -> str:
    """The page image in a box of the page's proportions, each marked line a <span class="hl"> placed in per cent,
    so the marks stay on their words at any width. The first mark gets id=`anchor` when one is given."""
    aspect = marks.aspect if marks is not None else A4_ASPECT
    focus = 0.0
    spans = []
    for i, (left, top, right, bottom) in enumerate(marks.boxes if marks is not None else ()):
        if i == 0:
            focus = (top + bottom) / 2
        ident = f' id="{html.escape(anchor)}"' if anchor and i == 0 else ""
        spans.append(f'<span class="hl"{ident} style="left:{left * 100:.3f}%;top:{top * 100:.3f}%;'
                     f'width:{(right - left) * 100:.3f}%;height:{(bottom - top) * 100:.3f}%"></span>')
    return (f'<div class="page-sheet" data-page="{page}" style="aspect-ratio:1/{aspect:.5f};--focus:{focus:.4f}">'
            f'<img src="{html.escape(page_image(doc_id, page, language=language))}" alt="{html.escape(label)}" loading="lazy" '
            f'decoding="async">{"".join(spans)}</div>')


def too_large_svg(page: int, language: str) -> str:
    """What stands in for the image of a page too large to render (PdfPages.too_large): a picture saying so, at the
    top of the page's box, in the reader's language; no script, nothing fetched."""
    words = html.escape(t(language, "page_too_large", page=page))
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1100 120" preserveAspectRatio="xMidYMin meet">'
            '<rect width="1100" height="120" fill="#fff4e5"/>'
            f'<text x="550" y="68" font-family="sans-serif" font-size="26" fill="#5c3b00" text-anchor="middle">{words}'
            '</text></svg>')


_VIEW_CSS = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; background: #e9ecf1;
       margin: 0; }
header { background: #1f3a5f; color: #fff; padding: 12px 28px; position: sticky; top: 0; z-index: 2; }
header h1 { font-size: 18px; margin: 0 0 4px; font-weight: 600; }
header .meta { font-size: 13px; opacity: .9; }
header a { color: #cfe1ff; margin-right: 14px; }
.note { max-width: 1100px; margin: 12px auto 0; font-size: 13px; color: #5c3b00; background: #fff4e5;
        padding: 6px 12px; border-radius: 4px; }
main { padding: 16px; }
.page-label { max-width: 1100px; margin: 12px auto 4px; font-size: 12px; text-transform: uppercase;
              letter-spacing: .06em; color: #52606d; }
.page-sheet { position: relative; max-width: 1100px; margin: 0 auto 16px; background: #fff;
              box-shadow: 0 1px 4px rgba(0,0,0,.18); }
.page-sheet img { display: block; width: 100%; height: 100%; }
.hl { position: absolute; background: rgba(255, 196, 0, .38); outline: 2px solid rgba(224, 150, 0, .85);
      border-radius: 2px; mix-blend-mode: multiply; scroll-margin-top: 140px; }
nav.pages { max-width: 1100px; margin: 0 auto 24px; display: flex; justify-content: space-between; }
nav.pages a { color: #1d5fbf; }
"""


def render_page_view(doc: SourceFile, page: int, pages: int, marked: list[PageMarks], searched: bool,
                     language: str, prefix: str = "/doc", text_view: str = "") -> str:
    """The cited page (and the next or previous one when the quote runs over), full width, quote marked."""
    shown = marked or [PageMarks(page, (), A4_ASPECT)]
    meta = doc.meta
    facts = [meta.get("publisher", ""), meta.get("date", ""), doc.source]
    links = [f'<a href="{html.escape(f"{prefix}/{doc.doc_id}/file#page={page}")}">'
             f'{html.escape(t(language, "open_pdf", page=page))} ↗</a>']
    if text_view:
        links.append(f'<a href="{html.escape(text_view)}">{html.escape(t(language, "text_view"))}</a>')
    parts = [f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">'
             f'<title>{html.escape(doc.title)} · {html.escape(t(language, "page", page=page))}</title>'
             f'<style>{_VIEW_CSS}</style></head><body>',
             f'<header><h1>{html.escape(doc.title)}</h1><div class="meta">'
             + " · ".join(html.escape(f) for f in facts if f) + f'</div><div class="meta">{"".join(links)}</div>'
             '</header>']
    if searched and not marked:
        parts.append(f'<div class="note">{html.escape(t(language, "quote_not_on_page"))}</div>')
    parts.append("<main>")
    for i, marks in enumerate(shown):
        label = t(language, "page", page=marks.page)
        parts.append(f'<div class="page-label">{html.escape(label)}</div>')
        parts.append(sheet_html(doc.doc_id, marks.page, marks if marks.boxes else None, label,
                                anchor="quote" if i == 0 else "", language=language))
    nav = []
    first, last = shown[0].page, shown[-1].page
    if first > 1:
        nav.append(f'<a href="{prefix}/{doc.doc_id}/page?n={first - 1}{_lang(language)}">← '
                   f'{html.escape(t(language, "page", page=first - 1))}</a>')
    else:
        nav.append("<span></span>")
    if last < pages:
        nav.append(f'<a href="{prefix}/{doc.doc_id}/page?n={last + 1}{_lang(language)}">'
                   f'{html.escape(t(language, "page", page=last + 1))} →</a>')
    parts.append(f'<nav class="pages">{"".join(nav)}</nav></main></body></html>')
    return "".join(parts)


def _lang(language: str) -> str:
    return "&lang=sv" if language == "sv" else ""
