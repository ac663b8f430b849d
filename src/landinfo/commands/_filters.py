"""What search and ask share: filter flags and the questions, checked before any model loads."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from ..countries import countries_in, countries_in_slug
from ..errors import UsageError
from ..question_text import has_words
from ..records import DOC_TYPES, Filters, period
from ._files import read_text

TYPE_ALIASES = {"case-law": "precedent", "mig": "precedent", "law": "statute", "summary": "case-summary"}
_DATE_FORMS = "give YYYY, YYYY-MM or YYYY-MM-DD (e.g. 2024, 2024-03, 2024-03-01)"


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
    """The filters as typed; UsageError for an unknown type, a date that is not one, or --since after --until."""
    types = tuple(TYPE_ALIASES.get(t, t) for t in args.doc_type)
    unknown = [t for t in types if t not in DOC_TYPES]
    if unknown:
        raise UsageError(f"--type {unknown[0]}: unknown document type; choose from {', '.join(DOC_TYPES)}")
    if args.k is not None and args.k < 1:
        raise UsageError(f"--k {args.k}: must be at least 1")
    since, until = args.since.strip(), args.until.strip()
    first = _period(since, "--since")[0] if since else None
    last = _period(until, "--until")[1] if until else None
    if first and last and first > last:
        raise UsageError(f"--since {since} --until {until}: the period ends before it starts")
    return Filters(countries=tuple(c.strip() for c in args.country), doc_types=types,
                   languages=tuple(args.language), since=since, until=until, prefer_recent=args.prefer_recent)


def _period(text: str, flag: str) -> tuple[date, date]:
    """First and last day of YYYY, YYYY-MM or YYYY-MM-DD; UsageError when it is not a real date."""
    try:
        return period(text)
    except ValueError as exc:
        shown = text if "real date" in str(exc) else repr(text)
        raise UsageError(f"{flag} {shown}: {exc}; {_DATE_FORMS}") from None


def questions_from_args(text: str | None, batch: str | None, what: str) -> list[str]:
    """The one question, or the lines of the --batch file; UsageError for a missing, unreadable or non-UTF-8 file
    and for a question without a single letter or digit."""
    if text is not None and batch:
        raise UsageError(f"a {what} and --batch {batch}: give one or the other, not both")
    if not batch:
        if text is None:
            raise UsageError(f"no {what}: give one, or --batch FILE with one a line")
        if not has_words(text):
            raise UsageError(f"{text[:40]!r}: not a {what}; it has no letters or digits")
        return [text.strip()]
    lines = read_text(batch, "--batch").splitlines()
    questions = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if not has_words(line):
            raise UsageError(f"--batch {batch}: line {number} ({line.strip()[:40]!r}) is not a {what}; "
                             "it has no letters or digits")
        questions.append(line.strip())
    if not questions:
        raise UsageError(f"--batch {batch}: no {what} in the file (one a line)")
    return questions


def with_indexed_countries(filters: Filters, settings, given: str = "--country") -> Filters:
    """The --country names as the index spells them ("irak", "Irak" -> "Iraq"); UsageError naming the indexed
    countries when no indexed document concerns one, `given` saying where the name came from ('--country',
    'FILE:LINE: country'). Reads the manifests only: no model, no vector store."""
    if not filters.countries:
        return filters
    indexed = indexed_countries(settings)
    if indexed is None:  # nothing ingested: the search itself says so
        return filters
    resolved, unknown = [], []
    for name in filters.countries:
        found = _resolve_country(name, indexed)
        if found:
            resolved.append(found)
        else:
            unknown.append(name)
    if unknown:
        listing = ", ".join(indexed) if indexed else "none (no document has a country)"
        raise UsageError(f"{given} {', '.join(unknown)}: no indexed document concerns "
                            f"{'it' if len(unknown) == 1 else 'them'}; indexed countries: {listing}")
    return Filters(countries=tuple(dict.fromkeys(resolved)), doc_types=filters.doc_types,
                   languages=filters.languages, since=filters.since, until=filters.until,
                   prefer_recent=filters.prefer_recent)


def indexed_countries(settings) -> list[str] | None:
    """The countries of every indexed document, sorted; None when nothing has been ingested into the index folder."""
    from ..manifest import Manifest

    paths = sorted(Path(settings.index_dir).glob("manifest-*.sqlite3"))
    if not paths:
        return None
    countries: set[str] = set()
    for path in paths:
        manifest = Manifest(path)
        try:
            for record in manifest.records().values():
                if record.status == "indexed":
                    countries.update(record.meta.get("countries") or ())
        finally:
            manifest.close()
    return sorted(countries, key=str.casefold)


def _resolve_country(name: str, indexed: list[str]) -> str | None:
    """The indexed spelling of `name`: the same name in any case, or the country the name means in Swedish or
    English as retrieval reads it in a question (countries.py)."""
    by_fold = {country.casefold(): country for country in indexed}
    if name.casefold() in by_fold:
        return by_fold[name.casefold()]
    for meant in (countries_in(name), countries_in_slug(name)):
        if len(meant) == 1 and meant[0].casefold() in by_fold:
            return by_fold[meant[0].casefold()]
    return None
