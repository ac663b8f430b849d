"""Filter flags shared by search and ask."""
from __future__ import annotations

from ..records import DOC_TYPES, Filters

TYPE_ALIASES = {"case-law": "precedent", "mig": "precedent", "law": "statute", "summary": "case-summary"}


def add_filter_flags(p) -> None:
    p.add_argument("--country", action="append", default=[], help="only documents about this country (repeatable)")
    p.add_argument("--type", action="append", default=[], dest="doc_type",
                   help=f"document type: {', '.join(DOC_TYPES)} (repeatable)")
    p.add_argument("--language", action="append", default=[], choices=["sv", "en"], help="document language")
    p.add_argument("--since", default="", help="only documents dated on or after YYYY[-MM[-DD]]")
    p.add_argument("--until", default="", help="only documents dated on or before YYYY[-MM[-DD]]")
    p.add_argument("--prefer-recent", action="store_true", help="rank newer country information higher")
    p.add_argument("--k", type=int, default=None, help="number of passages")


def filters_from_args(args) -> Filters:
    types = tuple(TYPE_ALIASES.get(t, t) for t in args.doc_type)
    unknown = [t for t in types if t not in DOC_TYPES]
    if unknown:
        raise SystemExit(f"landinfo: unknown document type {unknown[0]!r}; choose from {', '.join(DOC_TYPES)}")
    return Filters(countries=tuple(args.country), doc_types=types, languages=tuple(args.language),
                   since=args.since, until=args.until, prefer_recent=args.prefer_recent)


def read_batch(path: str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [line.strip() for line in fh if line.strip()]
