"""Run folders: `<out>/<set name>-<UTC timestamp>/` holding rows.jsonl, summary.json, report.md, report.html and
the question set as it was run."""
from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path

DEFAULT_OUT = Path("evals/runs")


def new_run_folder(out: Path, set_name: str, started: datetime) -> Path:
    base = Path(out) / f"{set_name}-{started:%Y%m%dT%H%M%SZ}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def latest_run(out: Path, set_name: str) -> Path | None:
    """The newest run folder of this set under `out` that has a summary."""
    pattern = re.compile(rf"{re.escape(set_name)}-\d{{8}}T\d{{6}}Z(-\d+)?")
    out = Path(out)
    runs = [p for p in out.iterdir() if pattern.fullmatch(p.name) and (p / "summary.json").is_file()] if out.is_dir() else []
    return max(runs, key=_run_order, default=None)


def write_run(folder: Path, rows: list[dict], summary: dict, markdown: str, html: str,
              set_file: Path | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=False)
    with open(folder / "rows.jsonl", "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (folder / "report.md").write_text(markdown, encoding="utf-8")
    (folder / "report.html").write_text(html, encoding="utf-8")
    if set_file is not None and Path(set_file).is_file():
        shutil.copyfile(set_file, folder / "questions.yaml")


def _run_order(folder: Path) -> tuple[str, int]:
    stamp, _, suffix = folder.name.rpartition("Z")
    return stamp, int(suffix.lstrip("-") or 1)
