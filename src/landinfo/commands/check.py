"""landinfo check ACCOUNT|- [--country C] [--since DATE] [--json] [--markdown FILE] [--docx FILE] | --batch FILE.jsonl

The account is sensitive personal data: it is read, checked and printed, never logged or written anywhere except
the files the user names."""
from __future__ import annotations

import json
import sys

from ..audit import AuditLog, os_user
from ..claims import bounded_claims, too_large_message
from ..errors import AccountTooLargeError, UsageError
from ..question_text import has_words
from ..records import Filters
from ._files import check_output, read_stdin, read_text, write_output
from ._filters import _period, with_indexed_countries


def register(p) -> None:
    p.add_argument("account", nargs="?", help="a text file with the applicant's account, or - to read standard input")
    p.add_argument("--batch", metavar="FILE.jsonl",
                   help='one {"account": ..., "country": ...} object a line; prints one JSON object a line')
    p.add_argument("--country", default="", help="the country the account is about (a claim naming another "
                                                 "country is searched there)")
    p.add_argument("--since", default="", help="only country information dated on or after YYYY[-MM[-DD]]")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--markdown", metavar="FILE", help="also write the annex for the case file as Markdown")
    p.add_argument("--docx", metavar="FILE", help="also write the annex for the case file as a Word file")
    p.set_defaults(func=run)


def run(args, settings) -> int:
    since = args.since.strip()
    if since:
        _period(since, "--since")
    items = _items(args, settings)
    for flag, path in (("--markdown", args.markdown), ("--docx", args.docx)):
        if path and args.batch:
            raise UsageError(f"{flag} {path}: writes one annex; with --batch every check is a JSON line")
        check_output(path, flag)
    items = [(account, _country(country, settings, where)) for account, country, where in items]

    from ..account_check import AccountChecker  # the model and the index load only once the input is known good
    from ..annex import annex_docx, annex_markdown
    from ..answer.assistant import Assistant, warm_line

    assistant = Assistant(settings)
    if args.batch:
        print("landinfo: " + warm_line(assistant.warm()), file=sys.stderr, flush=True)
    checker = AccountChecker(assistant)
    audit, user = AuditLog.from_settings(settings), os_user()
    for account, country in items:
        result = checker.check(account, country, since)
        if audit:
            audit.check(result, user)
        if args.json or args.batch:
            print(json.dumps(result.to_json(), ensure_ascii=False))
        else:
            sys.stdout.write(annex_markdown(result, settings.stale_months))
        if args.markdown:
            text = annex_markdown(result, settings.stale_months)
            write_output(args.markdown, "--markdown", lambda path: _write_text(path, text))
        if args.docx:
            write_output(args.docx, "--docx", lambda path: annex_docx(result, path, settings.stale_months))
    return 0


def _items(args, settings) -> list[tuple[str, str, str]]:
    """(account, country, where it came from) for each account; UsageError for a missing or unreadable file, an
    account without words or over the account limits, a batch line that is not an object with a text "account"."""
    if args.batch and args.account is not None:
        raise UsageError(f"an account and --batch {args.batch}: give one or the other, not both")
    if not args.batch:
        if args.account is None:
            raise UsageError("no account: give a text file, - for standard input, or --batch FILE.jsonl")
        text = read_stdin() if args.account == "-" else read_text(args.account, "account")
        where = "standard input" if args.account == "-" else f"account {args.account}"
        if not has_words(text):
            raise UsageError(f"{where}: no account in it (no letters or digits)")
        _within_limits(text, settings, where)
        return [(text, args.country.strip(), "--country")]
    items = []
    for number, line in enumerate(read_text(args.batch, "--batch").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"--batch {args.batch}: line {number} is not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("account"), str) or not has_words(item["account"]):
            raise UsageError(f'--batch {args.batch}: line {number} needs {{"account": "...", "country": "..."}} '
                             "with an account that has words")
        _within_limits(item["account"], settings, f"--batch {args.batch} line {number}")
        country = item.get("country") or args.country
        if not isinstance(country, str):
            raise UsageError(f"--batch {args.batch}: line {number}: country must be text")
        items.append((item["account"], country.strip(), f"{args.batch}:{number}: country"))
    if not items:
        raise UsageError(f"--batch {args.batch}: no account in the file (one JSON object a line)")
    return items


def _within_limits(account: str, settings, where: str) -> None:
    """UsageError naming the account and the setting when it is longer, or has more claims, than one check takes."""
    try:
        bounded_claims(account, settings.max_account_chars, settings.max_account_claims)
    except AccountTooLargeError as exc:
        raise UsageError(f"{where}: {too_large_message(exc, 'en')} (LANDINFO_MAX_ACCOUNT_{exc.what.upper()})") from None


def _country(country: str, settings, where: str) -> str:
    """The country as the index spells it; UsageError naming where it was given ('--country', 'FILE:LINE:
    country') and the indexed countries, when no indexed document concerns it."""
    if not country:
        return ""
    resolved = with_indexed_countries(Filters(countries=(country,)), settings, where).countries
    return resolved[0] if resolved else country


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
