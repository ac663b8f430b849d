"""The HTML report: one self-contained page (inline CSS, charts as base64 PNG, nothing fetched) whose first screen
answers "did quality move, and which questions changed"."""
from __future__ import annotations

import html

from landinfo.evaluate import plots
from landinfo.evaluate.metrics import passage_matches, quote_is_verbatim
from landinfo.evaluate.questionset import ExpectedSource, contains_normalized
from landinfo.evaluate.report import facts, interval, label, noise_words, num, short_metrics, signed, verdict_lines

CSS = """
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2329;background:#f4f6f8}
header{background:#1f2d3d;color:#fff;padding:10px 22px}header h1{font-size:19px;margin:0 0 2px}
.facts{font-size:12px;color:#c5d0db}.facts b{color:#fff;font-weight:600}
main{padding:12px 22px}section,figure{background:#fff;border:1px solid #dde3e9;border-radius:6px;padding:10px 14px;margin:0 0 12px}
h2{font-size:15px;margin:0 0 8px}h3{font-size:13px;margin:10px 0 4px}
.verdict{border-left:8px solid #607d8b;font-size:14px}.verdict .big{font-size:19px;font-weight:700}
.verdict.bad{border-left-color:#c62828;background:#fdecea}.verdict.bad .big{color:#b71c1c}
.verdict.good{border-left-color:#2e7d32;background:#edf7ee}.verdict.good .big{color:#1b5e20}
.verdict.info{background:#f1f4f7}.verdict p{margin:3px 0}.verdict p.bad{color:#b71c1c;font-weight:600}
.grid{display:grid;grid-template-columns:minmax(0,1.1fr) minmax(0,1fr);gap:12px}.grid>section{margin:0}
table.changes{table-layout:fixed}table.changes col.c-pill{width:104px}table.changes col.c-id{width:170px}
.q{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}code,.wrap{overflow-wrap:anywhere}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:12px;margin-bottom:12px}.grid2>*{margin:0}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{padding:3px 6px;border-bottom:1px solid #e6eaee;text-align:left;vertical-align:top}
th{font-weight:600;color:#4a5561;background:#f7f9fa}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.pill{display:inline-block;border-radius:10px;padding:0 7px;font-size:11px;font-weight:700;white-space:nowrap;color:#fff}
.fail{background:#c62828}.pass{background:#2e7d32}.new{background:#6d4c9f}.moved{background:#8d6e63}
.down{color:#c62828;font-weight:700}.up{color:#2e7d32;font-weight:700}.muted{color:#6b7782}.small{font-size:12px}
.reg{color:#fff;background:#c62828;border-radius:3px;padding:0 4px;font-size:11px;font-weight:700}
.imp{color:#fff;background:#2e7d32;border-radius:3px;padding:0 4px;font-size:11px;font-weight:700}
figure img{max-width:100%;display:block;margin:auto}figcaption{font-size:12px;color:#6b7782}
details{border-top:1px solid #e6eaee;padding:4px 0}summary{cursor:pointer}details .body{padding:4px 0 8px 18px}
.answer{white-space:pre-wrap;background:#f7f9fa;border-radius:4px;padding:6px 8px}
code{font-size:12px}.nowrap{white-space:nowrap}.ok{color:#2e7d32;font-weight:700}.no{color:#c62828;font-weight:700}
"""


def html_report(summary: dict, rows: list[dict]) -> str:
    name = summary["set"]["name"]
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Eval {_e(name)} · "
        f"{_e(summary['run'].get('id', ''))}</title><style>{CSS}</style></head><body>",
        f"<header><h1>Evaluation · {_e(name)}</h1><div class='facts'>"
        + " · ".join(f"{_e(k)} <b>{_e(v)}</b>" for k, v in facts(summary)) + "</div></header><main>",
        _verdict(summary),
        "<div class='grid'>", _changed_questions(summary, rows),
        "<div>", _metric_table(summary), _group_table(summary, "by_kind", "By kind"), "</div></div>",
        "<div class='grid2' style='margin-top:12px'>",
        _figure(plots.metric_bars(summary), "Metrics with 95 % intervals"),
        _figure(plots.group_bars(summary, "by_kind"), "Pass rate and hit@k by kind"),
        "</div>",
        _group_table(summary, "by_language", "By language"),
        _questions(rows, summary),
        f"<p class='muted small'>{_e(summary['pass_rule'])} Intervals: percentile bootstrap over questions, 1000 "
        "resamples, seeded; Δ is paired over the questions both runs share. Metric definitions: evals/README.md. "
        "Full rows: rows.jsonl.</p>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


def _verdict(summary: dict) -> str:
    lines = verdict_lines(summary)
    (level, headline), rest = lines[0], lines[1:]
    if any(lvl == "bad" for lvl, _ in rest):
        level = "bad"
    body = "".join(f"<p class='{lvl}'>{_e(text)}</p>" for lvl, text in rest)
    return f"<section class='verdict {level}'><div class='big'>{_e(headline)}</div>{body}</section>"


def _changed_questions(summary: dict, rows: list[dict]) -> str:
    comparison = summary.get("comparison")
    if comparison is None:
        failing = [r for r in rows if not r["pass"]]
        body = "".join(_change_row(r, "FAILS", "fail", _reason(r["reasons"], "down")) for r in failing)
        return (f"<section><h2>Failing questions ({len(failing)}) — no baseline to show changes against</h2>"
                f"<table class='changes'>{_COLS}{body or '<tr><td colspan=3>Every question passes.</td></tr>'}</table></section>")
    changes, k = comparison["questions"], summary["run"]["k"]
    table = [_change_row(q, "NOW FAILS", "fail", _reason(q["reasons"], "down") + _moves(q, k))
             for q in changes["now_failing"]]
    table += [_change_row(q, "NOW PASSES", "pass", _reason(q["was_reasons"], "muted", "was: ") + _moves(q, k))
              for q in changes["now_passing"]]
    table += [_change_row(q, "NEW", "new", _reason(q["reasons"], "down")) for q in changes["new"]]
    extra = ""
    if changes["scores_changed"]:
        moved = "".join(_change_row(q, "MOVED", "moved", _moves(q, k)) for q in changes["scores_changed"])
        extra += (f"<details><summary class='small'>{len(changes['scores_changed'])} question(s) moved score "
                  f"without changing pass/fail</summary><table class='changes'>{_COLS}{moved}</table></details>")
    if changes["edited"]:
        extra += f"<p class='small muted'>Question text edited since the baseline: {_e(', '.join(changes['edited']))}</p>"
    if changes["not_in_this_run"]:
        extra += f"<p class='small muted'>{len(changes['not_in_this_run'])} baseline question(s) not asked this run.</p>"
    flips = len(changes["now_failing"]) + len(changes["now_passing"])
    return (f"<section><h2>Questions that changed pass/fail ({flips})</h2>"
            f"<table class='changes'>{_COLS}{''.join(table) or '<tr><td colspan=3>No question changed pass/fail.</td></tr>'}"
            f"</table>{extra}</section>")


def _change_row(q: dict, pill: str, css: str, detail: str) -> str:
    return (f"<tr><td><span class='pill {css}'>{pill}</span></td><td class='nowrap'><b>{_e(q['id'])}</b> "
            f"<span class='muted small'>{_e(q['kind'])} · {_e(q['language'])}</span></td>"
            f"<td><div class='q' title='{_e(q['question'])}'>{_e(q['question'])}</div>{detail}</td></tr>")


_COLS = "<colgroup><col class='c-pill'><col class='c-id'><col></colgroup>"
_SHORT = {"pass_rate": "pass", "citation_precision": "cit. prec.", "key_point_coverage": "key points",
          "refusal_accuracy": "refusal"}


def _reason(reasons: list[str], css: str, prefix: str = "") -> str:
    return f"<span class='small {css}'>{_e(prefix + '; '.join(reasons))}</span>" if reasons else ""


def _moves(q: dict, k: int) -> str:
    shown = (f"hit@{k}", "mrr", "key_point_coverage", "citation_precision", "refusal_accuracy", "verbatim_quote_rate")
    moves = []
    for name, (before, after) in (q.get("changes") or {}).items():
        if name in shown and before is not None and after is not None:
            css = "down" if after < before else "up"
            moves.append(f"{_e(name)} {num(before, 2)}→<span class='{css}'>{num(after, 2)}</span>")
    return f"<span class='small'> · {' · '.join(moves)}</span>" if moves else ""


def _metric_table(summary: dict) -> str:
    comparison = summary.get("comparison")
    head = "<tr><th>metric</th><th>now</th><th>95 % CI</th>" + (
        "<th>baseline</th><th>Δ</th><th></th>" if comparison else "") + "</tr>"
    body = []
    for name in summary["metric_names"]:
        value = summary["overall"][name]
        cells = (f"<td title='{_e(label(name))}'>{_e(name)}</td><td class='n'><b>{num(value['mean'])}</b></td>"
                 f"<td class='n muted'>{interval(value)}</td>")
        if comparison:
            change = comparison["metrics"].get(name, {})
            status, ci = change.get("status"), change.get("delta_ci")
            css = {"regressed": "down", "improved": "up"}.get(status, "")
            flag = {"regressed": "<span class='reg'>REGRESSION</span>", "improved": "<span class='imp'>better</span>"}
            noise = noise_words(change).replace(" bootstrap", "") if status in flag else ""
            tip = f"paired 95 % CI of the change: {signed(ci[0])} … {signed(ci[1])}" if ci else ""
            cells += (f"<td class='n'>{num(change.get('baseline'))}</td>"
                      f"<td class='n {css}' title='{_e(tip)}'>{signed(change.get('delta'))}</td>"
                      f"<td class='nowrap small'>{flag.get(status, '')} <span class='muted'>{_e(noise)}</span></td>")
        body.append(f"<tr>{cells}</tr>")
    note = (f" · REGRESSION = a drop of more than {comparison['threshold']:g}; Δ is paired over shared questions"
            if comparison else "")
    return (f"<section><h2>Metrics <span class='muted small'>n = {summary['set']['asked']} questions{note}</span>"
            f"</h2><table>{head}{''.join(body)}</table></section>")


def _group_table(summary: dict, key: str, title: str) -> str:
    names = short_metrics(summary)
    deltas = (summary.get("comparison") or {}).get("by_kind", {}) if key == "by_kind" else {}
    head = "<tr><th></th><th>n</th>" + "".join(f"<th class='n' title='{_e(n)}: {_e(label(n))}'>{_e(_SHORT.get(n, n))}"
                                            "</th>" for n in names) + "</tr>"
    body = []
    for group, values in summary[key].items():
        cells = []
        for name in names:
            mean, delta = values[name]["mean"], deltas.get(group, {}).get(name)
            shade = "" if mean is None else f" style='background:hsl({round(120 * mean)},55%,90%)'"
            change = f"<br><span class='small {'down' if delta < 0 else 'up'}'>{signed(delta)}</span>" if delta else ""
            cells.append(f"<td class='n'{shade}>{num(mean, 2)}{change}</td>")
        body.append(f"<tr><td class='nowrap'>{_e(group)}</td><td class='n'>{values['questions']}</td>{''.join(cells)}</tr>")
    return f"<section><h2>{_e(title)}</h2><table>{head}{''.join(body)}</table></section>"


def _questions(rows: list[dict], summary: dict) -> str:
    k = summary["run"]["k"]
    items = [_question(row, k) for row in sorted(rows, key=lambda r: r["pass"])]
    return f"<section><h2>Every question (failing first)</h2>{''.join(items)}</section>"


def _question(row: dict, k: int) -> str:
    result = row["result"]
    expected = [ExpectedSource(**e) for e in row["expected_sources"]]
    pill = "<span class='pill pass'>pass</span>" if row["pass"] else "<span class='pill fail'>FAIL</span>"
    ranks = ", ".join("–" if r is None else str(r) for r in row["expected_ranks"]) or "–"
    head = (f"<summary>{pill} <b>{_e(row['id'])}</b> <span class='muted small'>{_e(row['kind'])} · "
            f"{_e(row['language'])} · expected at rank {ranks}</span> {_e(row['question'])}</summary>")
    body = []
    if row["reasons"]:
        body.append(f"<p class='down small'>{_e('; '.join(row['reasons']))}</p>")
    for e, rank in zip(expected, row["expected_ranks"]):
        where = f" p. {e.page}" if e.page else ""
        quote = f" — “{_e(e.quote)}”" if e.quote else ""
        found = f"<span class='ok'>rank {rank}</span>" if rank else f"<span class='no'>not in top {k}</span>"
        body.append(f"<div class='small'>expected <code>{_e(e.source)}</code>{where}{quote}: {found}</div>")
    if row["key_points"]:
        marks = " · ".join(f"<span class='{'ok' if contains_normalized(result.get('answer', ''), p) else 'no'}'>"
                           f"{_e(p)}</span>" for p in row["key_points"])
        body.append(f"<div class='small'>key points: {marks}</div>")
    refused = " <span class='pill moved'>refused</span>" if result.get("refused") else ""
    body.append(f"<h3>Answer{refused}</h3><div class='answer'>{_e(result.get('answer', '')) or '<i>empty</i>'}</div>")
    citations = result.get("citations") or []
    if citations:
        body.append("<h3>Citations</h3><table><tr><th>#</th><th>source</th><th>quote</th><th>verbatim</th></tr>")
        for c in citations:
            ok = quote_is_verbatim(c, result)
            body.append(f"<tr><td>[{_e(c.get('marker'))}]</td><td><code>{_e(c.get('source'))}</code>{_where(c)}</td>"
                        f"<td class='small'>{_e(c.get('quote'))}</td><td class='{'ok' if ok else 'no'}'>"
                        f"{'yes' if ok else 'NO'}</td></tr>")
        body.append("</table>")
    body.append("<h3>Retrieved passages</h3><table><tr><th>rank</th><th>source</th><th>score</th><th>expected?</th>"
                "<th>text</th></tr>")
    for rank, p in enumerate(result.get("passages") or [], 1):
        hit = any(passage_matches(p, e) for e in expected)
        text = (p.get("text") or "")[:260]
        body.append(f"<tr><td class='n'>{rank}</td><td><code>{_e(p.get('source'))}</code>{_where(p)}</td>"
                    f"<td class='n'>{num(p.get('score'), 3)}</td><td class='{'ok' if hit else 'muted'}'>"
                    f"{'yes' if hit else '–'}</td><td class='small'>{_e(text)}…</td></tr>")
    body.append("</table>")
    timings = result.get("timings") or {}
    warnings = result.get("warnings") or []
    body.append(f"<p class='small muted'>{_timings(timings)}"
                f"{' · warnings: ' + _e('; '.join(warnings)) if warnings else ''}</p>")
    return f"<details>{head}<div class='body'>{''.join(body)}</div></details>"


def _timings(timings: dict) -> str:
    return " · ".join(f"{_e(name.removesuffix('_ms'))} {num(ms, 0)} ms" for name, ms in timings.items()
                      if isinstance(ms, (int, float)))


def _where(item: dict) -> str:
    page, section = item.get("page"), item.get("section")
    return (f" <span class='muted small'>p. {_e(page)}</span>" if page else "") + (
        f" <span class='muted small'>{_e(section)}</span>" if section else "")


def _figure(png: str, caption: str) -> str:
    return f"<figure><img alt='{_e(caption)}' src='data:image/png;base64,{png}'><figcaption>{_e(caption)}</figcaption></figure>"


def _e(value) -> str:
    # "://" is written as an entity so text quoting a web address never reads as a link or a fetched resource
    return html.escape("" if value is None else str(value), quote=True).replace("://", "&#58;//")
