"""Generated corpora for ingest tests: distinct Markdown reports of pseudo-words, ~24 chunks each, so no two are
duplicates and no real word (hence no country, date or glossary term) appears in them."""
from __future__ import annotations

import random
from pathlib import Path

_SYLLABLES = ["ka", "lo", "mi", "ra", "ven", "dor", "sel", "tu", "an", "ish", "or", "ve", "li", "mar", "thos", "el",
              "quin", "bar"]


def write_pseudo_reports(root: Path, files: int) -> None:
    rng = random.Random(7)
    vocabulary = sorted({"".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(3000)})
    root.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        r = random.Random(n)
        parts = [f"# Report {n:02d} on the province of {r.choice(vocabulary).title()}\n"]
        for section in range(6):
            parts.append(f"\n## Section {section + 1}\n")
            for _ in range(4):
                sentences = [" ".join(r.choice(vocabulary) for _ in range(r.randint(8, 16))).capitalize() + "."
                             for _ in range(6)]
                parts.append("\n" + " ".join(sentences) + "\n")
        (root / f"report-{n:02d}.md").write_text("".join(parts), encoding="utf-8")
