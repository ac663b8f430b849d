"""The Corpus tab: every indexed document by country, type and date, with counts, and a timeline of the COI dates
of each country, so an officer sees at once how current the sources for a country are. HTML and inline SVG, no
gradio, no script."""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

from .ui_text import t


@dataclass(frozen=True)
class Doc:
    title: str
    doc_type: str
    date: str  # ISO, possibly only a year or a month; "" when undated
    countries: tuple[str, ...]
    publisher: str
    source: str


def documents(records) -> list[Doc]:
    """The indexed files of a manifest as Docs (meta as ingest stored it)."""
    out = []
    for record in records:
        meta = record.meta or {}
        out.append(Doc(meta.get("title") or record.source, meta.get("doc_type") or "other", meta.get("date") or "",
                       tuple(meta.get("countries") or ()), meta.get("publisher") or "", record.source))
    return out


def by_country(docs: list[Doc]) -> dict[str, list[Doc]]:
    """Country -> its documents, newest first; a document about several countries is under each; "" for none."""
    countries: dict[str, list[Doc]] = {}
    for doc in docs:
        for country in doc.countries or ("",):
            countries.setdefault(country, []).append(doc)
    for listed in countries.values():
        listed.sort(key=lambda d: (d.date, d.title), reverse=True)
    return dict(sorted(countries.items(), key=lambda item: (item[0] == "", item[0])))


def _fraction_of_year(iso: str) -> float | None:
    parts = [int(p) for p in iso.split("-")[:3] if p.isdigit()]
    if not parts or not 1800 < parts[0] < 2200:
        return None
    month = parts[1] if len(parts) > 1 else 7
    day = parts[2] if len(parts) > 2 else 15
    return parts[0] + (month - 1) / 12 + (day - 1) / 365


def _months_old(iso: str, today: date) -> int | None:
    year = _fraction_of_year(iso)
    if year is None:
        return None
    return int(round((today.year + (today.month - 1) / 12 + (today.day - 1) / 365 - year) * 12))


def timeline_svg(countries: dict[str, list[Doc]], ui: str, stale_months: int, today: date) -> str:
    """One row a country with COI: a dot a dated COI document on a shared year axis; a stale one is red."""
    rows = [(country, [d for d in docs if d.doc_type == "coi" and _fraction_of_year(d.date) is not None])
            for country, docs in countries.items() if country]
    rows = [(country, docs) for country, docs in rows if docs]
    if not rows:
        return ""
    years = [_fraction_of_year(d.date) for _, docs in rows for d in docs]
    first = int(min(years))
    last = max(int(max(years)) + 1, today.year + 1)
    label_w, width, row_h, top = 170, 1000, 22, 26
    span = max(1, last - first)
    height = top + row_h * len(rows) + 8

    def x(year: float) -> float:
        return label_w + (year - first) / span * (width - label_w - 20)

    parts = [f'<svg class="timeline" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{html.escape(t(ui, "corpus_timeline"))}">']
    step = 1 if span <= 12 else (2 if span <= 24 else 5)
    for year in range(first, last + 1, step):
        parts.append(f'<line x1="{x(year):.1f}" y1="{top - 8}" x2="{x(year):.1f}" y2="{height - 4}"/>'
                     f'<text x="{x(year):.1f}" y="{top - 12}" text-anchor="middle">{year}</text>')
    for i, (country, docs) in enumerate(rows):
        y = top + row_h * i + row_h / 2
        parts.append(f'<text class="country" x="{label_w - 8}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{html.escape(country)} ({len(docs)})</text>')
        for doc in docs:
            age = _months_old(doc.date, today)
            stale = age is not None and age > stale_months
            parts.append(f'<circle class="dot{" stale" if stale else ""}" cx="{x(_fraction_of_year(doc.date)):.1f}" '
                         f'cy="{y:.1f}" r="5"><title>{html.escape(f"{doc.date} · {doc.title}")}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def corpus_html(docs: list[Doc], ui: str, stale_months: int = 24, today: date | None = None) -> str:
    """The whole Corpus tab: counts, the COI timeline, a table of countries, and each country's documents."""
    today = today or date.today()
    if not docs:
        return f'<div class="corpus-overview"><p class="intro">{t(ui, "corpus_empty")}</p></div>'
    countries = by_country(docs)
    named = [c for c in countries if c]
    types: dict[str, int] = {}
    for doc in docs:
        types[doc.doc_type] = types.get(doc.doc_type, 0) + 1
    parts = ['<div class="corpus-overview">', f'<h3>{t(ui, "corpus_heading")}</h3>',
             f'<p class="intro">{html.escape(t(ui, "corpus_intro"))}</p>',
             f'<p class="counts">{t(ui, "corpus_counts", documents=len(docs), countries=len(named), types=len(types))}'
             ": " + ", ".join(f"{_type(ui, kind)} {n}" for kind, n in sorted(types.items(), key=lambda i: -i[1]))
             + "</p>"]
    timeline = timeline_svg(countries, ui, stale_months, today)
    if timeline:
        parts += [f'<h3>{t(ui, "corpus_timeline")}</h3>', timeline]
    parts.append(f'<h3>{t(ui, "corpus_col_country")}</h3><table class="countries"><thead><tr>'
                 f'<th>{t(ui, "corpus_col_country")}</th><th>{t(ui, "corpus_col_documents")}</th>'
                 f'<th>{t(ui, "corpus_col_coi")}</th><th>{t(ui, "corpus_col_newest_coi")}</th></tr></thead><tbody>')
    for country, listed in countries.items():
        coi = [d for d in listed if d.doc_type == "coi"]
        newest = max((d.date for d in coi), default="")
        parts.append(f'<tr><td>{html.escape(country or t(ui, "corpus_no_country"))}</td><td>{len(listed)}</td>'
                     f'<td>{len(coi)}</td><td>{html.escape(newest or "—")}</td></tr>')
    parts.append("</tbody></table>")
    for country, listed in countries.items():
        rows = "".join(f"<tr><td>{html.escape(d.title)}</td><td>{_type(ui, d.doc_type)}</td>"
                       f"<td>{html.escape(d.date or t(ui, 'undated'))}</td><td>{html.escape(d.publisher)}</td></tr>"
                       for d in listed)
        parts.append(f'<details class="country-docs" data-country="{html.escape(country)}"><summary>'
                     f'{html.escape(country or t(ui, "corpus_no_country"))} <span class="count">({len(listed)})</span>'
                     f'</summary><table><thead><tr><th>{t(ui, "corpus_col_title")}</th><th>{t(ui, "corpus_col_type")}'
                     f'</th><th>{t(ui, "corpus_col_date")}</th><th>{t(ui, "corpus_col_publisher")}</th></tr></thead>'
                     f"<tbody>{rows}</tbody></table></details>")
    parts.append("</div>")
    return "".join(parts)


def _type(ui: str, kind: str) -> str:
    return html.escape(t(ui, "type_" + kind))
