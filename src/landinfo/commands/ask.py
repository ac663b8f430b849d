"""landinfo ask QUESTION [filters] [--json] [--batch FILE] [--markdown FILE] [--docx FILE]"""
from __future__ import annotations

import json
import sys

from ..audit import AuditLog, os_user
from ..errors import UsageError
from ._files import check_output, write_output
from ._filters import add_filter_flags, filters_from_args, questions_from_args, with_indexed_countries


def register(p) -> None:
    p.add_argument("question", nargs="?", help="the question (or use --batch)")
    p.add_argument("--batch", help="file with one question per line; prints one JSON object per line")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--markdown", metavar="FILE", help="also write the answer with its sources as Markdown")
    p.add_argument("--docx", metavar="FILE", help="also write the answer with its sources as a Word file")
    add_filter_flags(p)
    p.set_defaults(func=run)


def run(args, settings) -> int:
    questions = questions_from_args(args.question, args.batch, "question")
    filters = filters_from_args(args)
    for flag, path in (("--markdown", args.markdown), ("--docx", args.docx)):
        if path and args.batch:
            raise UsageError(f"{flag} {path}: writes one answer; with --batch every answer is a JSON line")
        check_output(path, flag)
    filters = with_indexed_countries(filters, settings)

    from ..answer.assistant import Assistant, warm_line  # the model and the index load only once the input is known to be good
    from ..export import answer_to_docx, answer_to_markdown

    assistant = Assistant(settings)
    audit, user = AuditLog.from_settings(settings), os_user()
    if args.batch:
        print("landinfo: " + warm_line(assistant.warm()), file=sys.stderr, flush=True)
    for question in questions:
        answer = assistant.ask(question, filters, args.k)
        if audit:
            audit.answer(answer, user)
        if args.json or args.batch:
            print(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            sys.stdout.write(answer_to_markdown(answer))
        if args.markdown:
            write_output(args.markdown, "--markdown",
                         lambda path: _write_text(path, answer_to_markdown(answer)))
        if args.docx:
            write_output(args.docx, "--docx", lambda path: answer_to_docx(answer, path))
    return 0


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
