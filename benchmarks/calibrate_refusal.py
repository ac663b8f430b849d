"""Pick the evidence threshold below which `ask` says "the sources do not answer this".

    python benchmarks/calibrate_refusal.py evals/dev.yaml --index-dir indexes/dev-shared

For every question the extractive answerer's evidence score (best sentence's match to the question) is
recorded; the threshold that best separates answerable from unanswerable questions is printed with the
refusal accuracy it gives. Calibrate on the development set, check on the held-out reference set.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from landinfo.answer.assistant import Assistant
from landinfo.evaluate.questionset import load_question_set
from landinfo.settings import Settings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("question_sets", nargs="+")
    parser.add_argument("--index-dir", required=True)
    args = parser.parse_args(argv)
    assistant = Assistant(Settings(index_dir=Path(args.index_dir), refusal_threshold=0.01))
    scored = []
    for path in args.question_sets:
        for q in load_question_set(path).questions:
            answer = assistant.ask(q.question)
            scored.append((answer.evidence, q.answerable and q.kind != "false-premise", q.kind, q.id))
    answerable = sorted(e for e, a, _, _ in scored if a)
    unanswerable = sorted(e for e, a, kind, _ in scored if not a and kind == "unanswerable")
    print(f"answerable: n={len(answerable)} min={answerable[0]:.3f} median={answerable[len(answerable)//2]:.3f}")
    if unanswerable:
        print(f"unanswerable: n={len(unanswerable)} max={unanswerable[-1]:.3f} "
              f"median={unanswerable[len(unanswerable)//2]:.3f}")
    best = None
    for t in sorted({round(e, 3) for e, *_ in scored}):
        tp = sum(1 for e in unanswerable if e < t)
        tn = sum(1 for e in answerable if e >= t)
        balanced = 0.5 * (tp / max(1, len(unanswerable)) + tn / max(1, len(answerable)))
        if best is None or balanced > best[0] + 1e-9 or (abs(balanced - best[0]) < 1e-9 and t < best[1]):
            best = (balanced, t, tp, tn)
    balanced, t, tp, tn = best
    print(f"threshold {t:.3f}: refuses {tp}/{len(unanswerable)} unanswerable, answers {tn}/{len(answerable)} "
          f"answerable (balanced accuracy {balanced:.2f})")
    for e, a, kind, qid in sorted(scored):
        print(f"  {e:.3f} {'A' if a else '-'} {kind:16s} {qid}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
