"""landinfo search QUERY [filters] [--json] [--batch FILE]"""
from __future__ import annotations

import json

from ..records import locator
from ._filters import add_filter_flags, filters_from_args, questions_from_args, with_indexed_countries
from ._terminal import escape_controls


def register(p) -> None:
    p.add_argument("query", nargs="?", help="the query (or use --batch)")
    p.add_argument("--batch", help="file with one query per line; prints one JSON object per line")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_filter_flags(p)
    p.set_defaults(func=run)


def run(args, settings) -> int:
    queries = questions_from_args(args.query, args.batch, "query")
    filters = with_indexed_countries(filters_from_args(args), settings)

    from ..retrieve import Retriever  # the model and the index load only once the input is known to be good

    retriever = Retriever(settings)
    for query in queries:
        passages = retriever.retrieve(query, filters, args.k or settings.top_k)
        if args.json or args.batch:
            print(json.dumps({"query": query, "filters": filters.to_json(),
                              "passages": [p.to_json() for p in passages]}, ensure_ascii=False))
            continue
        for rank, p in enumerate(passages, 1):
            where = locator(p.page, p.section, whole_path=True)
            print(escape_controls(f"{rank:2d}. [{p.score:.3f}] {p.title or p.source} ({p.doc_type}, "
                                  f"{p.date or 'undated'}) {where}"))
            print(f"    {escape_controls(p.source)}")
            print("    " + escape_controls(" ".join(p.text.split())[:300]))
    return 0
