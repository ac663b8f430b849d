"""Converted-model folders in the model cache: built beside their place, stamped, renamed into place.

The stamp (a JSON file in the folder) says what the folder was made from and by which converter; a folder
whose stamp differs from the one wanted is rebuilt. Two processes converting at once both build, and the
first rename wins; an interrupted conversion leaves only a hidden temp folder, removed on the way out.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

MARKER_NAME = "landinfo-conversion.json"


def read_stamp(folder: Path) -> dict | None:
    """The stamp of a converted folder, or None when it has none (missing, half-made, unreadable)."""
    try:
        return json.loads((Path(folder) / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_stamped_folder(target: Path, stamp: dict, write: Callable[[Path], None]) -> Path:
    """`target`, made by `write(empty_folder)` unless it already carries `stamp`."""
    target = Path(target)
    if read_stamp(target) == stamp:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    name = target.name
    building = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        write(building)
        (building / MARKER_NAME).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
        for path in (building, *building.rglob("*")):  # mkdtemp makes owner-only folders
            path.chmod(0o755 if path.is_dir() else 0o644)
        if target.exists():
            stale = Path(tempfile.mkdtemp(prefix=f".{name}-stale-", dir=target.parent))
            try:
                os.replace(target, stale / name)
            except FileNotFoundError:  # another process moved it first
                pass
            shutil.rmtree(stale, ignore_errors=True)
        try:
            os.replace(building, target)
        except OSError:  # another process finished its conversion first
            if read_stamp(target) != stamp:
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target
