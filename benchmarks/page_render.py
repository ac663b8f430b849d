"""The source viewer's two figures (issue #15): how fast a PDF page renders, and how often a PDF citation's quote
is found on its page.

    python benchmarks/page_render.py [--corpus ../shared/corpus] [--questions evals/reference.yaml
                                      --index-dir indexes/test-shared] [--out benchmarks/RESULTS-viewer.md]

Render: every page of every PDF under the corpus, cold (nothing cached), as the page route serves it (JPEG,
pdf_pages.PAGE_WIDTH_PX wide); then the same pages again from the cache. Highlight: every question of the set is
asked (extractive answerer, as the chat does), and each citation of a PDF is looked for on its page as the
sources panel does (SourceLibrary.marks); a miss is listed with its quote.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from landinfo.pdf_pages import PAGE_WIDTH_PX, PdfPages


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def render_times(corpus: Path) -> tuple[list[float], list[float]]:
    cold, warm = [], []
    pages = PdfPages(images=10_000)
    for path in sorted(corpus.rglob("*.pdf")):
        for number in range(1, pages.page_count(path) + 1):
            started = time.perf_counter()
            pages.image(path, number)
            cold.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            pages.image(path, number)
            warm.append((time.perf_counter() - started) * 1000)
    return cold, warm


def highlight_rate(questions: Path, index_dir: Path) -> tuple[int, list[str], list[float]]:
    from landinfo.answer.assistant import Assistant
    from landinfo.evaluate.questionset import load_question_set
    from landinfo.settings import Settings
    from landinfo.ui_backend import Backend

    backend = Backend(Settings(index_dir=index_dir))
    assistant: Assistant = backend.assistant()
    if assistant is None:
        sys.exit(f"page_render: no index in {index_dir}: {backend.problem}")
    library = backend.library
    total, misses, locate_ms = 0, [], []
    listed = load_question_set(questions).questions
    for n, question in enumerate(listed, 1):
        answer = assistant.ask(question.question)
        print(f"\r{n}/{len(listed)} questions asked, {total} PDF citations, {len(misses)} missed", end="",
              file=sys.stderr, flush=True)
        passages = {p.id: p for p in answer.passages}
        for citation in answer.citations:
            passage = passages.get(citation.passage_id)
            doc = library.get(passage.doc_id) if passage is not None else None
            if doc is None or not doc.is_pdf:
                continue
            total += 1
            started = time.perf_counter()
            found = library.marks(doc, citation.page, [citation.quote])
            locate_ms.append((time.perf_counter() - started) * 1000)
            if not found:
                misses.append(f"{question.id}: {doc.source} p. {citation.page}: {citation.quote[:160]!r}")
    return total, misses, locate_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--questions", type=Path)
    parser.add_argument("--index-dir", type=Path, default=Path("indexes/test-shared"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--no-render", action="store_true", help="only the highlight rate")
    args = parser.parse_args(argv)
    lines = [f"# Source viewer: page render and quote highlight ({date.today()}, {platform.node()}, "
             f"{os.cpu_count()} cores, Python {platform.python_version()})", ""]
    cold, warm = render_times(args.corpus) if not args.no_render else ([0.0], [0.0])
    lines += [] if args.no_render else [
              f"Render: {len(cold)} pages of the PDFs under `{args.corpus}`, JPEG {PAGE_WIDTH_PX} px wide.", "",
              "| | p50 ms | p95 ms | max ms |", "|---|---|---|---|",
              f"| cold (render + encode) | {statistics.median(cold):.0f} | {percentile(cold, .95):.0f} | "
              f"{max(cold):.0f} |",
              f"| cached | {statistics.median(warm):.2f} | {percentile(warm, .95):.2f} | {max(warm):.2f} |", ""]
    print("\n".join(lines), flush=True)
    if args.questions:
        total, misses, locate_ms = highlight_rate(args.questions, args.index_dir)
        rate = (total - len(misses)) / total if total else 0.0
        more = [f"Highlight: {total} PDF citations in the answers to `{args.questions}`; the quote was found and "
                f"marked for {total - len(misses)} ({rate:.1%}). Finding it took p50 "
                f"{statistics.median(locate_ms or [0]):.1f} ms, p95 {percentile(locate_ms or [0], .95):.1f} ms "
                f"(page text cached after the first time).", ""]
        more += ["Misses:" if misses else "Misses: none.", *[f"- {m}" for m in misses], ""]
        print("\n".join(more), flush=True)
        lines += more
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
