"""The Markdown report, and the wording both reports share: verdict first, then the questions that changed,
then the numbers."""
from __future__ import annotations

METRIC_LABELS = {
    "pass_rate": "questions passed",
    "hit": "an expected passage in the top {k}",
    "recall": "share of expected passages in the top {k}",
    "mrr": "1 / rank of the first expected passage",
    "ndcg": "ranking quality of the top {k}",
    "citation_precision": "citations into an expected source or holding a key point",
    "citation_recall": "expected sources that are cited",
    "key_point_coverage": "key points found in the answer",
    "refusal_accuracy": "refused exactly when it should",
    "verbatim_quote_rate": "citation quotes verbatim in their passage (must be 1)",
}
SHORT_METRICS = ("pass_rate", "hit@{k}", "mrr", "recall@{k}", "citation_precision", "key_point_coverage",
                 "refusal_accuracy")


def label(name: str) -> str:
    base, _, k = name.partition("@")
    return METRIC_LABELS.get(base, name).format(k=k)


def short_metrics(summary: dict) -> list[str]:
    k = summary["run"]["k"]
    return [name.format(k=k) for name in SHORT_METRICS if name.format(k=k) in summary["metric_names"]]


def num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def interval(value: dict) -> str:
    return "–" if value.get("low") is None else f"{num(value['low'])}–{num(value['high'])}"


def signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.3f}".replace("-", "−")


def verdict_lines(summary: dict) -> list[tuple[str, str]]:
    """(level, sentence) pairs, most important first; level is 'bad', 'good' or 'info'."""
    comparison = summary.get("comparison")
    overall = summary["overall"]
    passed = sum(q["pass"] for q in summary["questions"])
    lines: list[tuple[str, str]] = []
    if comparison is None:
        lines.append(("info", f"NO BASELINE — first run of '{summary['set']['name']}': "
                              f"{passed} of {len(summary['questions'])} questions pass."))
    else:
        base = comparison["baseline"]["id"] or comparison["baseline"]["path"]
        threshold = comparison["threshold"]
        changed = comparison["questions"]
        moved = f"{len(changed['now_failing'])} question(s) now fail, {len(changed['now_passing'])} now pass"
        for word, level, names in (("REGRESSION", "bad", comparison["regressions"]),
                                   ("IMPROVED", "good", comparison["improvements"])):
            if names:
                lines.append((level, f"{word}: {_headline(names, comparison)} · {moved} (vs {base})"))
                break
        else:
            lines.append(("good" if not changed["now_failing"] else "info",
                          f"NO CHANGE beyond ±{threshold:g} in any metric · {moved} (vs {base})"))
    if summary.get("citations_not_verbatim"):
        lines.append(("bad", f"VERBATIM BROKEN: {summary['citations_not_verbatim']} of {summary['citations']} "
                             "citation quotes are not in the passage they cite."))
    if summary.get("errors"):
        lines.append(("bad", f"{summary['errors']} question(s) raised an error (see the failing questions)."))
    corpus_change = (comparison or {}).get("corpus")
    if corpus_change and any(corpus_change.values()):
        lines.append(("info", "Corpus since the baseline: " + corpus_sentence(corpus_change)))
    warnings = summary.get("warnings") or []
    if warnings:
        more = f" (and {len(warnings) - 3} more)" if len(warnings) > 3 else ""
        lines.append(("bad", "Warning: " + "; ".join(warnings[:3]) + more))
    for note in (comparison or {}).get("notes", []):
        lines.append(("info", note))
    if overall["pass_rate"]["n"] and comparison is not None:
        lines.append(("info", f"{passed} of {len(summary['questions'])} questions pass now."))
    return lines


def corpus_sentence(change: dict) -> str:
    parts = []
    for what in ("added", "removed", "changed"):
        files = change.get(what) or []
        if files:
            shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
            parts.append(f"{len(files)} {what} ({shown})")
    return "; ".join(parts) or "no file changed"


def noise_words(change: dict) -> str:
    if change.get("beyond_noise") is None:
        return ""
    return "beyond bootstrap noise" if change["beyond_noise"] else "within bootstrap noise"


def facts(summary: dict) -> list[tuple[str, str]]:
    run, latency = summary["run"], summary["latency_ms"]["total"]
    out = [("run", run.get("id", "")), ("started", run["started_at"]),
           ("questions", f"{summary['set']['asked']} of {summary['set']['questions']}"),
           ("k", str(run["k"])), ("filters", "country" if run["use_filters"] else "off"),
           ("latency p50/p95", f"{num(latency['p50'], 0)} / {num(latency['p95'], 0)} ms")]
    for key in ("corpus", "index_dir", "embedding_model", "llm"):
        if run.get(key):
            out.append((key.replace("_", " "), str(run[key])))
    return out


def markdown_report(summary: dict, rows: list[dict]) -> str:
    comparison = summary.get("comparison")
    lines = [f"# Evaluation of `{summary['set']['name']}`", ""]
    lines += [f"**{text}**" if level == "bad" else text for level, text in verdict_lines(summary)]
    lines += ["", " · ".join(f"{key}: {value}" for key, value in facts(summary)), ""]
    if comparison:
        lines += _md_changed_questions(comparison["questions"])
    lines += ["## Metrics", "", f"95 % intervals: bootstrap, 1000 resamples, seeded. {summary['pass_rule']}", ""]
    lines += _md_metric_table(summary)
    if summary.get("answer_checks"):
        from landinfo.evaluate.answer_checks import check_lines

        lines += ["", "## Answers and refusals", ""] + [f"- {line}" for line in check_lines(summary["answer_checks"])]
    for title, key in (("By kind", "by_kind"), ("By language", "by_language")):
        lines += ["", f"## {title}", ""] + _md_group_table(summary, key)
    failing = [row for row in rows if not row["pass"]]
    lines += ["", f"## Failing questions ({len(failing)})", ""]
    lines += [f"- **{r['id']}** ({r['kind']}, {r['language']}): {'; '.join(r['reasons'])} — {r['question']}"
              for r in failing] or ["None."]
    lines += ["", "## All questions", "", "| id | kind | lang | pass | expected at rank | key points | reasons |",
              "|---|---|---|---|---|---|---|"]
    for r in rows:
        ranks = ", ".join("–" if rank is None else str(rank) for rank in r["expected_ranks"]) or "–"
        lines.append(f"| {r['id']} | {r['kind']} | {r['language']} | {'pass' if r['pass'] else 'FAIL'} | {ranks} "
                     f"| {num(r['metrics'].get('key_point_coverage'), 2)} | {_cell('; '.join(r['reasons']))} |")
    lines += ["", "Every retrieved passage, answer and citation is in `rows.jsonl` next to this report.", ""]
    return "\n".join(lines)


def _headline(names: list[str], comparison: dict) -> str:
    if len(names) <= 2:
        return "; ".join(_movement(name, comparison["metrics"][name]) for name in names)
    beyond = sum(bool(comparison["metrics"][name]["beyond_noise"]) for name in names)
    moved = "dropped" if comparison["metrics"][names[0]]["delta"] < 0 else "rose"
    return (f"{len(names)} metrics {moved} by more than {comparison['threshold']:g} "
            f"({beyond} of them beyond bootstrap noise)")


def _movement(name: str, change: dict) -> str:
    noise = noise_words(change)
    return (f"{name} {signed(change['delta'])} ({num(change['baseline'])} → {num(change['current'])}"
            f"{', ' + noise if noise else ''})")


def _md_changed_questions(changes: dict) -> list[str]:
    lines = ["## Questions that changed", ""]
    for title, key in (("Now failing", "now_failing"), ("Now passing", "now_passing")):
        for q in changes[key]:
            why = "; ".join(q["reasons"] if key == "now_failing" else q.get("was_reasons", [])) or "–"
            lines.append(f"- {title}: **{q['id']}** ({q['kind']}, {q['language']}) {q['question']} — "
                         f"{'now' if key == 'now_failing' else 'was'}: {why}")
    for q in changes["scores_changed"]:
        moves = ", ".join(f"{name} {num(a, 2)}→{num(b, 2)}" for name, (a, b) in q["changes"].items())
        lines.append(f"- Score moved: **{q['id']}** ({q['kind']}) {moves}")
    for q in changes["new"]:
        lines.append(f"- New question: **{q['id']}** ({q['kind']}) {q['question']}")
    if changes["edited"]:
        lines.append(f"- Question text edited since the baseline: {', '.join(changes['edited'])}")
    return (lines if len(lines) > 2 else lines + ["No question changed."]) + [""]


def _md_metric_table(summary: dict) -> list[str]:
    comparison = summary.get("comparison") or {"metrics": {}}
    lines = ["| metric | what it measures | value | 95 % CI | n | baseline | Δ (paired) | Δ 95 % CI | |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name in summary["metric_names"]:
        value = summary["overall"][name]
        change = comparison["metrics"].get(name, {})
        ci = change.get("delta_ci")
        flag = {"regressed": "**REGRESSION**", "improved": "improved"}.get(change.get("status"), "")
        lines.append(f"| {name} | {label(name)} | {num(value['mean'])} | {interval(value)} "
                     f"| {value['n']} | {num(change.get('baseline'))} | {signed(change.get('delta'))} "
                     f"| {'–' if not ci else f'{signed(ci[0])} … {signed(ci[1])}'} | {flag} |")
    return lines


def _md_group_table(summary: dict, key: str) -> list[str]:
    names = short_metrics(summary)
    deltas = (summary.get("comparison") or {}).get("by_kind", {}) if key == "by_kind" else {}
    lines = ["| group | n | " + " | ".join(names) + " |", "|---|---|" + "---|" * len(names)]
    for group, values in summary[key].items():
        cells = []
        for name in names:
            delta = deltas.get(group, {}).get(name)
            cells.append(num(values[name]["mean"], 2) + (f" ({signed(delta)})" if delta else ""))
        lines.append(f"| {group} | {values['questions']} | " + " | ".join(cells) + " |")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
