"""A checked account as an annex for the case file, Markdown or Word: per statement its status and the sources in
COI referencing style (publisher, title, date, page or section, web address, the quotes), and for a statement
with no indexed information the line saying what was searched, as a COI query response does."""
from __future__ import annotations

from datetime import date

from . import datafiles
from .account_check import AccountCheck, ClaimCheck
from .export import _code_block, _link, markdown_text
from .records import locator
from .word import WordDocument

TEXTS = {language: sections["check"] for language, sections in datafiles.text().items()}


def texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["en"])


def status_line(check: ClaimCheck, language: str, stale_months: int) -> str:
    words = texts(language)
    if check.status == "related":
        return words["status_related"].format(sources=check.independent_sources,
                                              newest=check.newest[:7] or words["undated"])
    if check.status == "stale_only":
        return words["status_stale_only"].format(months=stale_months, newest=check.newest[:7] or words["undated"])
    return words.get(f"status_{check.status}", check.status)


def searched_line(check: ClaimCheck, language: str) -> str:
    words, plan = texts(language), check.searched or {}
    countries = ", ".join(plan.get("countries") or ())
    aspect = " ".join(plan.get("aspect") or ())
    return words["searched"].format(
        query=" ".join(check.claim.text.split()), types=", ".join(plan.get("doc_types") or ()).upper() or "COI",
        aspect=words["searched_aspect"].format(aspect=aspect) if aspect else "",
        countries=words["searched_countries"].format(countries=countries) if countries else "",
        since=words["searched_since"].format(since=plan["since"]) if plan.get("since") else "")


def references(check: ClaimCheck, language: str) -> list[tuple[str, str, list[str]]]:
    """Per cited source, in marker order: (reference line, web address, the quotes)."""
    words = texts(language)
    by_marker: dict[int, list] = {}
    for c in check.citations:
        by_marker.setdefault(c.marker, []).append(c)
    out = []
    for cites in by_marker.values():
        c = cites[0]
        bits = [c.publisher, c.title or c.source, c.date or words["undated"],
                locator(c.page, c.section or "", page_label=words["page"])]
        out.append((", ".join(b for b in bits if b), c.url, [q.quote for q in cites]))
    return out


def annex_markdown(result: AccountCheck, stale_months: int = 24, today: date | None = None) -> str:
    words = texts(result.language)
    checked = [c for c in result.claims if c.status != "personal"]
    lines = [f"# {words['annex_title']}", "", markdown_text(words["annex_intro"]), "",
             markdown_text(words["annex_meta"].format(country=result.country or words["any_country"],
                                                      date=(today or date.today()).isoformat(),
                                                      claims=len(result.claims), checked=len(checked))), ""]
    for n, check in enumerate(checked, start=1):
        lines += [f"## {words['claim_n'].format(n=n)}", "", "> " + markdown_text(check.claim.text), "",
                  f"*{markdown_text(status_line(check, result.language, stale_months))}*", ""]
        if check.status == "not_covered":
            lines += [markdown_text(searched_line(check, result.language)), ""]
        for i, (reference, url, quotes) in enumerate(references(check, result.language), start=1):
            lines.append(f"[{i}] " + markdown_text(reference) + (_link(url) if url else ""))
            lines += _code_block("\n\n".join(quotes))
    personal = [c for c in result.claims if c.status == "personal"]
    if personal:
        lines += [f"## {words['personal_heading']}", ""]
        lines += ["- " + markdown_text(c.claim.text) for c in personal]
    return "\n".join(lines).rstrip() + "\n"


def annex_docx(result: AccountCheck, path: str, stale_months: int = 24, today: date | None = None) -> None:
    words = texts(result.language)
    checked = [c for c in result.claims if c.status != "personal"]
    doc = WordDocument()
    doc.heading(words["annex_title"], level=1)
    doc.paragraph(words["annex_intro"])
    doc.paragraph(words["annex_meta"].format(country=result.country or words["any_country"],
                                             date=(today or date.today()).isoformat(),
                                             claims=len(result.claims), checked=len(checked)))
    for n, check in enumerate(checked, start=1):
        doc.heading(words["claim_n"].format(n=n), level=2)
        doc.paragraph(check.claim.text, style="Quote")
        doc.paragraph(status_line(check, result.language, stale_months), italic=True)
        if check.status == "not_covered":
            doc.paragraph(searched_line(check, result.language))
        for i, (reference, url, quotes) in enumerate(references(check, result.language), start=1):
            doc.paragraph(f"[{i}] " + reference + (f", {url}" if url else ""))
            for quote in quotes:
                doc.paragraph(quote, style="Intense Quote")
    personal = [c for c in result.claims if c.status == "personal"]
    if personal:
        doc.heading(words["personal_heading"], level=2)
        for c in personal:
            doc.paragraph(c.claim.text, style="List Bullet")
    doc.save(path)
