"""Trainers' spreadsheets (CSV or XLSX, one row per question) turned into a validated question set."""
from __future__ import annotations

import csv
import re
from pathlib import Path

from landinfo.errors import QuestionSetError
from landinfo.evaluate.questionset import QuestionSet, check_question_set, problem_report

COLUMNS = ("id", "question", "language", "country", "answerable", "sources", "quotes", "key_points", "kind")
_ALIASES = {"keypoints": "key_points", "key_point": "key_points", "source": "sources", "quote": "quotes",
            "lang": "language", "expected_sources": "sources"}
_TRUE = {"", "true", "yes", "ja", "1", "x", "y"}
_FALSE = {"false", "no", "nej", "0", "n"}


def convert_table(path: str | Path, name: str | None = None, corpus: str | None = None,
                  description: str = "") -> tuple[QuestionSet, list[str]]:
    """The question set a CSV or XLSX file describes, and notes on columns that were ignored.
    Raises QuestionSetError naming each row's id and field when something is wrong."""
    path = Path(path)
    header, records = _read_xlsx(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _read_csv(path)
    columns = [_column(cell) for cell in header]
    missing = [c for c in ("question", "language") if c not in columns]
    if missing:
        raise QuestionSetError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(COLUMNS)}")
    notes = [f"column '{raw}' ignored (not one of {', '.join(COLUMNS)})"
             for raw, column in zip(header, columns) if column not in COLUMNS and str(raw).strip()]
    questions, problems = [], []
    for number, record in enumerate(records, 1):
        cells = {column: _text(value) for column, value in zip(columns, record) if column in COLUMNS}
        if any(cells.values()):
            questions.append(_question(cells, number))
            if len(_split(cells.get("quotes", ""))) > len(_split(cells.get("sources", ""))):
                problems.append(f"{questions[-1]['id']}.quotes: more quotes than sources (they pair up in order)")
    data = {"name": name or re.sub(r"[^\w.-]+", "-", path.stem), "questions": questions}
    if description:
        data["description"] = description
    if corpus:
        data["corpus"] = corpus
    qset, invalid = check_question_set(data)
    if problems or invalid:
        raise QuestionSetError(problem_report(str(path), problems + invalid))
    return qset, notes


def _question(cells: dict[str, str], number: int) -> dict:
    question: dict = {"id": cells.get("id") or f"q{number}", "question": cells.get("question", ""),
                      "language": cells.get("language", "")}
    answerable = cells.get("answerable", "").lower()
    question["answerable"] = True if answerable in _TRUE else False if answerable in _FALSE else answerable
    for optional in ("country", "kind"):
        if cells.get(optional):
            question[optional] = cells[optional]
    sources, quotes = _split(cells.get("sources", "")), _split(cells.get("quotes", ""))
    question["expected_sources"] = [_source(entry, quote) for entry, quote in zip(sources, quotes + [""] * len(sources))]
    key_points = _split(cells.get("key_points", ""))
    if key_points:
        question["key_points"] = key_points
    return question


def _source(entry: str, quote: str) -> dict:
    path, hash_, page = entry.rpartition("#") if "#" in entry else (entry, "", "")
    source: dict = {"source": path.strip() if hash_ else entry}
    if hash_:
        source["page"] = page.strip()
    if quote:
        source["quote"] = quote
    return source


def _split(cell: str) -> list[str]:
    """';'-separated entries; one per line instead when the cell has line breaks (a quote may hold a ';')."""
    separator = "\n" if "\n" in cell else ";"
    parts = [part.strip() for part in cell.split(separator)]
    while parts and not parts[-1]:
        parts.pop()
    return parts


def _column(raw) -> str:
    column = re.sub(r"[\s-]+", "_", str(raw or "").strip().lower())
    return _ALIASES.get(column, column)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_csv(path: Path) -> tuple[list, list[list]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise QuestionSetError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise QuestionSetError(f"{path}: not UTF-8; save the sheet as 'CSV UTF-8'") from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = list(csv.reader(text.splitlines(keepends=True), delimiter=delimiter))
    if not rows:
        raise QuestionSetError(f"{path}: empty file")
    return rows[0], rows[1:]


def _read_xlsx(path: Path) -> tuple[list, list[list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for unreadable files
        raise QuestionSetError(f"{path}: cannot read as XLSX ({exc})") from None
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    if not rows:
        raise QuestionSetError(f"{path}: empty sheet")
    return rows[0], rows[1:]
