"""landinfo replay RECORD.json: ask a recorded question again, with its filters and answer settings, against the
index as it is now; prints "identical" (exit 0) or what differs, one line each (exit 1).

RECORD.json is an `ask --json` line or a bare provenance record; a file of several such lines replays each."""
from __future__ import annotations

import json

from ..errors import UsageError
from ..provenance import differences, document_signatures, record_of
from ..records import Filters
from ._files import read_text


def register(p) -> None:
    p.add_argument("record", help="an `ask --json` output (one JSON object a line) or a provenance record")
    p.set_defaults(func=run)


def run(args, settings) -> int:
    records = _records(args.record)
    # the answer settings of the record, so that only the index and the program can make a difference
    shaping = records[0]["settings"]
    settings = settings.model_copy(update={key: shaping[key] for key in
                                           ("candidates", "refusal_threshold", "stale_months", "home_country")
                                           if key in shaping})

    from ..answer.assistant import Assistant  # the model and the index load only once the record is known good

    assistant = Assistant(settings)
    signatures = document_signatures(assistant.retriever.store.manifest)
    changed = False
    for old in records:
        answer = assistant.ask(old["question"], Filters.from_json(old.get("filters")), old["settings"].get("top_k"))
        lines = differences(old, answer.provenance, signatures)
        changed |= bool(lines)
        heading = f"{old['question']!r} (recorded {old.get('time', '?')}):"
        print(f"{heading} identical" if not lines else "\n".join([f"{heading} differs", *(f"- {x}" for x in lines)]))
    return 1 if changed else 0


def _records(path: str) -> list[dict]:
    """The answer records in the file; UsageError (one line naming it) when it holds none or is not JSON."""
    text = read_text(path, "record")
    try:
        items = [json.loads(text)]
    except json.JSONDecodeError:
        try:
            items = [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise UsageError(f"record {path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    records = [record_of(item) for item in items]
    if not records or None in records:
        raise UsageError(f"record {path}: no provenance record in it (give an `ask --json` output line)")
    if any(r["kind"] != "answer" for r in records):
        raise UsageError(f"record {path}: an account check is replayed by checking the account again "
                         "(its record holds the account's hash, not its text)")
    return records
