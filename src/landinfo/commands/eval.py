"""`landinfo eval`: run question sets against the assistant, compare with the last run or a baseline, write reports;
`landinfo eval convert`: a trainer's CSV/XLSX into a question-set YAML."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from landinfo.errors import LandinfoError, QuestionSetError, UsageError
from landinfo.evaluate import corpus as corpus_files
from landinfo.evaluate.compare import DEFAULT_THRESHOLD, compare, gate_failures, load_summary
from landinfo.evaluate.convert import convert_table
from landinfo.evaluate.questionset import QuestionSet, dump_question_set, load_question_set
from landinfo.evaluate.report import interval, markdown_report, num, signed, verdict_lines
from landinfo.evaluate.runner import Ask, run_set
from landinfo.evaluate.runs import DEFAULT_OUT, latest_run, new_run_folder, write_run
from landinfo.evaluate.summary import summarize

REGRESSION_EXIT = 3
USAGE = """landinfo eval SET.yaml|DIR [SET.yaml ...] [options]
       landinfo eval convert TABLE.csv|TABLE.xlsx -o SET.yaml [--name NAME] [--corpus DIR]"""


def register(parser) -> None:
    parser.usage = USAGE
    parser.description = ("Ask every question of the set(s), score retrieval, citations and refusals, compare with "
                          "the previous run of the same set (or --compare), and write rows.jsonl, summary.json, "
                          "report.md and report.html to <out>/<set>-<UTC time>/. A folder runs every *.yaml in it.")
    parser.add_argument("sets", nargs="+", metavar="SET", help="question-set YAML files or folders of them")
    parser.add_argument("--corpus", help="corpus root that expected `source` paths are relative to "
                                         "(default: the set's `corpus`, else settings.corpus_dir)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"where run folders go (default {DEFAULT_OUT})")
    parser.add_argument("--compare", help="baseline: a run folder or a summary JSON (default: the newest run of the "
                                          "set in --out, else evals/baselines/<set>.json beside the set)")
    parser.add_argument("--no-compare", action="store_true", help="do not compare with anything")
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                        help=f"absolute drop of a metric that counts as a regression (default {DEFAULT_THRESHOLD})")
    parser.add_argument("--fail-on-regression", action="store_true",
                        help=f"exit {REGRESSION_EXIT} when a metric regresses or a citation quote is not verbatim")
    parser.add_argument("--use-filters", action="store_true", help="restrict retrieval to each question's country")
    parser.add_argument("--limit", type=int, help="ask only the first N questions of each set")
    parser.add_argument("--k", type=int, help="passages retrieved and the cutoff of @k metrics (default settings.top_k)")
    parser.add_argument("--json", action="store_true", help="print summary.json to stdout instead of the text summary")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("-o", "--output", type=Path, help="convert: the YAML file to write")
    parser.add_argument("--name", help="convert: the set's name (default: the output file's stem)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings, ask: Ask | None = None) -> int:
    """`ask` replaces the assistant (tests pass a scripted one)."""
    if args.sets[0] == "convert":
        return _convert(args)
    if args.output or args.name:
        raise _usage("-o/--output and --name belong to 'landinfo eval convert'")
    if args.limit is not None and args.limit < 1 or args.k is not None and args.k < 1:
        raise _usage("--limit and --k must be at least 1")
    paths = _set_files(args.sets)
    if not paths:
        raise _usage(f"no question sets (*.yaml) in {' '.join(args.sets)}")
    if args.compare and len(paths) > 1:
        raise _usage("--compare names one baseline; give one set with it")
    qsets = _load_all(paths)
    _check_out(args.out)
    baselines = {qset.name: _baseline(qset, args) for qset in qsets}  # a bad --compare is found before the model
    k = args.k or settings.top_k
    if ask is None:
        ask = _assistant_ask(settings.model_copy(update={"top_k": k, **({"corpus_dir": Path(args.corpus)}
                                                                         if args.corpus else {})}))
    failures = []
    for qset in qsets:
        summary = _evaluate(qset, ask, args, settings, k, baselines[qset.name])
        failures += [f"{qset.name}: {failure}" for failure in gate_failures(summary)]
    if args.fail_on_regression and failures:
        print("landinfo eval: failing the gate: " + "; ".join(failures), file=sys.stderr)
        return REGRESSION_EXIT
    return 0


def _evaluate(qset: QuestionSet, ask: Ask, args, settings, k: int, baseline: dict | None) -> dict:
    context, warnings = _context(qset, args, settings)
    for warning in warnings:
        print(f"landinfo eval: {qset.name}: {warning}", file=sys.stderr)
    result = run_set(qset, ask, k=k, use_filters=args.use_filters, progress=not args.quiet, limit=args.limit,
                     check=getattr(ask, "check", None))
    folder = new_run_folder(args.out, qset.name, result.started_at)
    summary = summarize(result, {"id": folder.name, **context})
    accounts = [(row.question, row.result) for row in result.rows if row.question.is_claim_check]
    if accounts:  # per claim, not per account: the figures the claim check is judged by
        from landinfo.evaluate.claims import pooled

        summary["claims_pooled"] = pooled(accounts)
    summary["warnings"] = warnings
    if baseline is not None:
        summary["comparison"] = compare(summary, baseline, args.threshold)
    from landinfo.evaluate.html_report import html_report  # matplotlib: only once there is a report to draw

    rows = [row.to_json() for row in result.rows]
    write_run(folder, rows, summary, markdown_report(summary, rows), html_report(summary, rows), qset.path)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
    else:
        print(_terminal_summary(summary, folder))
        for name, value in (summary.get("claims_pooled") or {}).items():
            print(f"{name:<22}{num(value['value']):>7}  ({value['hits']}/{value['total']}, per claim)")
    return summary


def _baseline(qset: QuestionSet, args) -> dict | None:
    if args.no_compare:
        return None
    if args.compare:
        try:
            return load_summary(args.compare)
        except LandinfoError as exc:
            raise UsageError(f"--compare {args.compare}: {exc}") from None
    previous = latest_run(args.out, qset.name)
    if previous is not None:
        return load_summary(previous)
    committed = qset.path.parent / "baselines" / f"{qset.name}.json" if qset.path else None
    return load_summary(committed) if committed and committed.is_file() else None


def _context(qset: QuestionSet, args, settings) -> tuple[dict, list[str]]:
    """What was evaluated, for the report and for telling corpus changes apart later."""
    root = qset.corpus_root(args.corpus) or Path(settings.corpus_dir)
    context = {"corpus": str(root), "index_dir": str(settings.index_dir), "embedding_model": settings.embedding_model,
               "llm": f"{settings.llm_provider}:{settings.llm_model}" if settings.llm_provider else "extractive"}
    if not root.is_dir():
        return context, [f"corpus folder {root} not found; expected sources are not checked against files"]
    files = corpus_files.snapshot(root)
    context["corpus_files"] = files
    return context, corpus_files.unknown_sources(qset, files)


def _assistant_ask(settings) -> Ask:
    from landinfo.answer.assistant import Assistant, warm_line  # heavy (models, index): only when really evaluating

    from landinfo.account_check import AccountChecker

    assistant = Assistant(settings)
    print("landinfo: " + warm_line(assistant.warm()), file=sys.stderr, flush=True)

    def ask(question, filters):
        return assistant.ask(question, filters).to_json()
    checker = AccountChecker(assistant)
    ask.check = lambda account, country: checker.check(account, country).to_json(diagnostics=True)  # claim-check
    return ask


def _check_out(out: Path) -> None:
    """UsageError unless the run folders can be made under `out` (checked before the questions are asked)."""
    existing = Path(out)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"--out {out}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: permission denied")


def _set_files(targets: list[str]) -> list[Path]:
    paths = []
    for target in map(Path, targets):
        paths += sorted([*target.glob("*.yaml"), *target.glob("*.yml")]) if target.is_dir() else [target]
    return paths


def _load_all(paths: list[Path]) -> list[QuestionSet]:
    """Every set validated before any question is asked; all problems of all files reported together."""
    qsets, problems = [], []
    for path in paths:
        try:
            qsets.append(load_question_set(path))
        except QuestionSetError as exc:
            problems.append(str(exc))
        except UnicodeDecodeError as exc:
            line = exc.object[:exc.start].count(b"\n") + 1
            problems.append(f"{path}: line {line} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); "
                            "save the file as UTF-8")
    if problems:
        raise QuestionSetError("\n".join(problems))
    names = [q.name for q in qsets]
    if len(set(names)) < len(names):
        raise QuestionSetError(f"two sets share a name: {', '.join(sorted({n for n in names if names.count(n) > 1}))}")
    return qsets


def _convert(args) -> int:
    if len(args.sets) != 2 or not args.output:
        raise _usage("convert takes one TABLE.csv|TABLE.xlsx and -o SET.yaml")
    qset, notes = convert_table(args.sets[1], name=args.name or args.output.stem, corpus=args.corpus)
    for note in notes:
        print(f"landinfo eval convert: {note}", file=sys.stderr)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dump_question_set(qset), encoding="utf-8")
    print(f"{args.output}: {len(qset.questions)} questions in set '{qset.name}'")
    return 0


def _terminal_summary(summary: dict, folder: Path) -> str:
    comparison = summary.get("comparison") or {"metrics": {}, "questions": None}
    lines = [text for _, text in verdict_lines(summary)]
    changes = comparison["questions"]
    if changes:
        for key, word in (("now_failing", "now fails "), ("now_passing", "now passes")):
            lines += [f"  {word} {q['id']} ({q['kind']}, {q['language']}): {q['question'][:70]}" for q in changes[key]]
    lines.append(f"{'metric':<22}{'now':>7}  {'95 % CI':<13}{'Δ':>8}")
    for name in summary["metric_names"]:
        value, change = summary["overall"][name], comparison["metrics"].get(name, {})
        flag = {"regressed": "  REGRESSION", "improved": "  better"}.get(change.get("status"), "")
        lines.append(f"{name:<22}{num(value['mean']):>7}  {interval(value):<13}{signed(change.get('delta')):>8}{flag}")
    if summary.get("answer_checks"):
        from ..evaluate.answer_checks import check_lines

        lines += check_lines(summary["answer_checks"])
    latency = summary["latency_ms"]["total"]
    lines.append(f"latency p50 {num(latency['p50'], 0)} ms, p95 {num(latency['p95'], 0)} ms")
    lines.append(f"report: {folder / 'report.html'}")
    return "\n".join(lines)


def _usage(message: str) -> UsageError:
    return UsageError(f"eval: {message} (see `landinfo eval --help`)")
