"""What the corpus held at evaluation time, so a report can say which files changed since the baseline and which
expected sources a question set names that no file answers to."""
from __future__ import annotations

import hashlib
from pathlib import Path

from landinfo.evaluate.questionset import QuestionSet, normalize_source, source_matches


def snapshot(root: Path) -> dict[str, str]:
    """Relative path -> short content hash of every file under root (hidden files and folders left out)."""
    files = {}
    for path in sorted(Path(root).rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            files[normalize_source(relative.as_posix())] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return files


def unknown_sources(qset: QuestionSet, files: dict[str, str]) -> list[str]:
    """One line per expected source that matches no file of the corpus: a typo, or a file moved or removed."""
    problems = []
    for question in qset.questions:
        for expected in question.expected_sources:
            if not any(source_matches(path, expected.source) for path in files):
                problems.append(f"{question.id}: expected source '{expected.source}' matches no file in the corpus")
    return problems


def diff(before: dict[str, str], after: dict[str, str]) -> dict[str, list[str]]:
    return {
        "added": sorted(set(after) - set(before)),
        "removed": sorted(set(before) - set(after)),
        "changed": sorted(path for path in set(before) & set(after) if before[path] != after[path]),
    }
