"""Load, briefly: 20 concurrent chat sessions, each with its own gradio_client.Client and login, ask two questions
of the demo corpus against `landinfo serve` on loopback (started as the UI tests start the app). Every question is
answered with text, nothing fails, and the server's memory does not grow between the first and the second round.
The long version is `python benchmarks/load.py` (180 s, results in benchmarks/RESULTS-load.md)."""
from __future__ import annotations

import sys

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import load  # noqa: E402  (benchmarks/load.py: the server, the sessions and the measurements)

pytestmark = pytest.mark.slow  # the real model, a served app and 40 answers

SESSIONS, QUESTIONS_EACH = 20, 2
GROWTH_LIMIT_MB = 300


def test_twenty_concurrent_sessions_are_all_answered_and_memory_stays_flat(demo_settings, tmp_path, monkeypatch):
    for key, value in load.OFFLINE.items():
        monkeypatch.setenv(key, value)
    load.loopback_only(monkeypatch.setattr)
    with load.Server(demo_settings.index_dir, tmp_path / "server", login=True, inherit_landinfo=False,
                     ready_timeout=300) as server:
        # Generous bounds for a shared 2-core machine: 40 answers take ~40 s here; the window only caps a hang.
        result = load.run_load(server, sessions=SESSIONS, seconds=240, max_requests=SESSIONS * QUESTIONS_EACH,
                               per_session=QUESTIONS_EACH, turns=QUESTIONS_EACH, request_timeout=180,
                               progress=False)
        log = server.log_tail()
    summary = (f"{len(result.answered)}/{len(result.asks)} answered in {result.wall:.0f} s, p50 "
               f"{result.latency(0.5):.1f} s, p95 {result.latency(0.95):.1f} s, max {result.latency(1.0):.1f} s; RSS "
               f"{result.rss_start:,.0f} -> {result.rss_warm:,.0f} (every session answered once) -> "
               f"{result.rss_end:,.0f} MB, max {result.rss_max:,.0f} MB")
    print("\n" + summary)
    failures = [f"session {r.session} {r.kind} after {r.seconds:.1f} s: {r.error}" for r in result.errors]
    assert not failures, "\n".join(failures[:10]) + f"\n{summary}\nserver log:\n{log}"
    assert result.server_alive and result.unfinished == 0, log
    assert len(result.asks) == len(result.answered) == SESSIONS * QUESTIONS_EACH, summary
    assert {r.session for r in result.answered} == set(range(SESSIONS))
    assert result.rss_end - result.rss_warm < GROWTH_LIMIT_MB, summary
