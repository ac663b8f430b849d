"""Retrieval behaviour a case officer relies on, on small generated corpora (fake embedder, real Chroma and BM25)."""
from __future__ import annotations

from pathlib import Path

from landinfo.ingest import ingest
from landinfo.records import Filters
from landinfo.retrieve import Retriever


def _doc(root: Path, name: str, doc_type: str, date: str, body: str, country: str = "Iran") -> None:
    (root / name).write_text(f"---\ntitle: {name}\ndoc_type: {doc_type}\ncountries: [{country}]\ndate: {date}\n"
                             f"language: en\n---\n# {name}\n\n{body}\n", encoding="utf-8")


def test_prefer_recent_lifts_newer_country_information_but_not_case_law(tmp_path, fake_settings):
    root = tmp_path / "c"
    root.mkdir()
    body = "Returnees who left illegally are questioned at the airport and some are detained for days."
    _doc(root, "old-report.md", "coi", "2014-01-01", body)
    _doc(root, "new-report.md", "coi", "2026-01-01", body + " Lawyers confirm this.")
    for i, topic in enumerate(["Elections were postponed.", "The currency lost value.", "Floods hit the north.",
                               "A new school law passed.", "Fuel prices rose sharply."]):
        _doc(root, f"other-{i}.md", "coi", "2025-01-01", topic)
    ingest(root, fake_settings, progress=False)
    retriever = Retriever(fake_settings)
    plain = retriever.retrieve("returnees questioned at the airport detained", None, 2)
    recent = retriever.retrieve("returnees questioned at the airport detained", Filters(prefer_recent=True), 2)
    assert plain[0].source == "old-report.md"  # the closer wording wins when dates do not count
    assert recent[0].source == "new-report.md"


def test_diversity_keeps_one_document_from_filling_the_list(tmp_path, fake_settings):
    root = tmp_path / "c"
    root.mkdir()
    long_body = "\n\n".join(f"## Part {i}\n\nTorture of detainees in prison number {i} is reported." for i in range(12))
    _doc(root, "long.md", "coi", "2024-01-01", long_body)
    _doc(root, "other.md", "coi", "2024-01-01", "Detainees report torture in prison.", country="Iraq")
    ingest(root, fake_settings, progress=False)
    hits = Retriever(fake_settings).retrieve("torture of detainees in prison", None, 4)
    assert sum(p.source == "long.md" for p in hits) == 3 and any(p.source == "other.md" for p in hits)


def test_country_type_and_date_filters_apply_before_ranking(tmp_path, fake_settings):
    root = tmp_path / "c"
    root.mkdir()
    _doc(root, "iran.md", "coi", "2024-05-01", "Journalists are detained.")
    _doc(root, "iraq.md", "coi", "2019-05-01", "Journalists are detained.", country="Iraq")
    _doc(root, "case.md", "precedent", "2020-01-01", "Journalists are detained.")
    ingest(root, fake_settings, progress=False)
    retriever = Retriever(fake_settings)
    assert {p.source for p in retriever.retrieve("journalists detained", Filters(countries=("Iraq",)), 5)} == {"iraq.md"}
    assert {p.source for p in retriever.retrieve("journalists", Filters(doc_types=("precedent",)), 5)} == {"case.md"}
    assert {p.source for p in retriever.retrieve("journalists", Filters(since="2021-01-01"), 5)} == {"iran.md"}
    assert {p.source for p in retriever.retrieve("journalists", Filters(since="2024", until="2024"), 5)} == {"iran.md"}
    assert {p.source for p in retriever.retrieve("journalists", Filters(until="2019-05"), 5)} == {"iraq.md"}
    assert {p.source for p in retriever.retrieve("journalists", Filters(until="2019-04"), 5)} == set()
