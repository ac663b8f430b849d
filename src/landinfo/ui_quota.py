"""How much the chat's private scratch folder may hold. It lives in memory (/dev/shm) by default and holds case
material, so uploads are refused past a quota and answer exports are pruned by count and age, oldest first."""
from __future__ import annotations

import os
import time
from pathlib import Path


def folder_bytes(root: Path) -> int:
    """The bytes of every file under `root` (files that vanish while counted count nothing)."""
    total = 0
    for folder, _, names in os.walk(root):
        for name in names:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue
    return total


def prune(folder: Path, keep: int, max_age_s: float, now: float | None = None) -> list[Path]:
    """Remove the files of `folder` older than `max_age_s`, then the oldest beyond the newest `keep`; the removed."""
    now = time.time() if now is None else now
    files = []
    for path in folder.iterdir():
        try:
            if path.is_file():
                files.append((path.stat().st_mtime, path))
        except OSError:
            continue
    files.sort(reverse=True)  # newest first
    removed = []
    for position, (mtime, path) in enumerate(files):
        if position >= keep or now - mtime > max_age_s:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
