"""landinfo ask QUESTION [filters] [--json] [--batch FILE] [--markdown FILE] [--docx FILE]"""
from __future__ import annotations

import json
import sys

from ._filters import add_filter_flags, filters_from_args, read_batch


def register(sub) -> None:
    p = sub.add_parser("ask", help="answer a question with cited sources")
    p.add_argument("question", nargs="?", help="the question (or use --batch)")
    p.add_argument("--batch", help="file with one question per line; prints one JSON object per line")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--markdown", metavar="FILE", help="also write the answer with its sources as Markdown")
    p.add_argument("--docx", metavar="FILE", help="also write the answer with its sources as a Word file")
    add_filter_flags(p)
    p.set_defaults(func=run)


def run(args, settings) -> int:
    from ..assistant import Assistant
    from ..export import answer_to_docx, answer_to_markdown

    if not args.question and not args.batch:
        raise SystemExit("landinfo ask: give a question or --batch FILE")
    filters = filters_from_args(args)
    assistant = Assistant(settings)
    questions = read_batch(args.batch) if args.batch else [args.question]
    for question in questions:
        answer = assistant.ask(question, filters, args.k)
        if args.json or args.batch:
            print(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            sys.stdout.write(answer_to_markdown(answer))
        if args.markdown:
            with open(args.markdown, "w", encoding="utf-8") as fh:
                fh.write(answer_to_markdown(answer))
        if args.docx:
            answer_to_docx(answer, args.docx)
    return 0
