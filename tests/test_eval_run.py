"""`landinfo eval` end to end with a scripted assistant: run folder, reports, comparison, the CI gate."""
import argparse
import json
import re
from html import escape

import pytest

from landinfo.commands import eval as eval_command
from landinfo.errors import QuestionSetError
from landinfo.settings import Settings

SET = """
name: scripted
corpus: {corpus}
questions:
  - id: q1
    question: "How many journalists were detained in 2025?"
    language: en
    country: Veldoria
    expected_sources:
      - source: coi/press-2025.md
        quote: "63 journalists in 2025"
    key_points: ["63"]
    kind: fact
  - id: q2
    question: "Vilken sida av Konventionen gäller?"
    language: sv
    expected_sources:
      - source: law/convention.pdf
        page: 2
    key_points: ["artikel 3"]
    kind: exact-citation
  - id: q3
    question: "What does MIG 2031:9 say?"
    language: en
    answerable: false
    kind: unanswerable
  - id: q4
    question: "Why was the 2019 precedent on stoning overturned?"
    language: en
    answerable: false
    key_points: ["not overturned"]
    kind: false-premise
"""

PRESS = {"id": "press#1", "source": "coi/press-2025.md", "title": "Press", "page": None, "section": "Arrests",
         "text": "Monitors recorded the detention of 63 journalists in 2025. See https://example.org/press.",
         "score": 0.9, "duplicates": []}
CONVENTION = {"id": "conv#2", "source": "law/convention.pdf", "title": "Convention", "page": 2, "section": "",
              "text": "Artikel 3. Ingen får utsättas för tortyr.", "score": 0.8, "duplicates": []}
NOISE = {"id": "noise#1", "source": "coi/other.md", "title": "Other", "page": None, "section": "",
         "text": "Nothing relevant.", "score": 0.1, "duplicates": []}


def answer(question, passages, text, quote=None, refused=False, ms=120.0):
    cited = next((p for p in passages if quote and quote in p["text"]), None)
    citations = [] if cited is None else [{"marker": 1, "passage_id": cited["id"], "source": cited["source"],
                                           "title": "", "date": "", "page": cited["page"], "section": "",
                                           "quote": quote, "start": 0, "end": len(quote)}]
    return {"question": question, "answer": text, "refused": refused, "citations": citations, "passages": passages,
            "warnings": [], "timings": {"retrieve_ms": ms / 2, "answer_ms": ms / 2, "total_ms": ms}}


def scripted_ask(q1_regressed=False):
    asked = []

    def ask(question, filters):
        asked.append((question, filters))
        if question.startswith("How many"):
            if q1_regressed:
                return answer(question, [NOISE], "The sources do not say.", refused=True)
            return answer(question, [PRESS, NOISE], "63 journalists were detained [1].", quote="63 journalists in 2025")
        if question.startswith("Vilken"):
            return answer(question, [NOISE, CONVENTION], "Artikel 3 gäller [1].", quote="Ingen får utsättas för tortyr.")
        if question.startswith("What does"):
            return answer(question, [NOISE], "Källorna besvarar inte frågan.", refused=True)
        return answer(question, [NOISE], "The precedent was not overturned.")

    ask.asked = asked
    return ask


@pytest.fixture
def workspace(tmp_path):
    corpus = tmp_path / "corpus"
    for name in ("coi/press-2025.md", "coi/other.md", "law/convention.pdf"):
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(name, encoding="utf-8")
    (tmp_path / "evals").mkdir()
    set_file = tmp_path / "evals" / "scripted.yaml"
    set_file.write_text(SET.format(corpus=corpus), encoding="utf-8")
    return tmp_path, set_file


def eval_cli(argv, ask, capsys=None):
    parser = argparse.ArgumentParser()
    eval_command.register(parser)
    args = parser.parse_args(argv)
    return args.func(args, Settings(), ask=ask)


def test_first_run_writes_rows_summary_and_both_reports(workspace, capsys):
    tmp, set_file = workspace
    out = tmp / "runs"
    ask = scripted_ask()
    assert eval_cli([str(set_file), "--out", str(out), "--quiet", "--use-filters"], ask) == 0
    (folder,) = out.iterdir()
    assert re.fullmatch(r"scripted-\d{8}T\d{6}Z", folder.name)
    rows = [json.loads(line) for line in (folder / "rows.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3", "q4"]
    assert rows[1]["expected_ranks"] == [2] and rows[1]["metrics"]["mrr"] == 0.5
    assert rows[0]["result"]["passages"][0]["id"] == "press#1"
    assert all(r["pass"] for r in rows)
    assert ask.asked[0][1].countries == ("Veldoria",) and ask.asked[1][1] is None

    summary = json.loads((folder / "summary.json").read_text())
    assert summary["overall"]["hit@10"]["mean"] == 1.0 and summary["overall"]["mrr"]["mean"] == 0.75
    assert summary["overall"]["refusal_accuracy"]["n"] == 4
    assert summary["overall"]["verbatim_quote_rate"]["mean"] == 1.0
    assert set(summary["by_kind"]) == {"fact", "exact-citation", "unanswerable", "false-premise"}
    assert set(summary["by_language"]) == {"en", "sv"}
    assert summary["latency_ms"]["total"]["p50"] == 120.0
    assert [q["pass"] for q in summary["questions"]] == [True] * 4
    assert "comparison" not in summary

    html = (folder / "report.html").read_text()
    assert "NO BASELINE" in html and "data:image/png;base64," in html
    assert "NO BASELINE" in (folder / "report.md").read_text()
    assert (folder / "questions.yaml").read_text() == set_file.read_text()
    assert "report:" in capsys.readouterr().out


def test_html_report_loads_nothing_from_outside(workspace):
    tmp, set_file = workspace
    eval_cli([str(set_file), "--out", str(tmp / "runs"), "--quiet"], scripted_ask())
    (folder,) = (tmp / "runs").iterdir()
    html = (folder / "report.html").read_text()
    assert "example.org" in html  # the passage text is shown ...
    assert not re.search(r"https?://", html)  # ... but no address, link or resource points outside
    assert not re.search(r"""(src|href)\s*=\s*["']?(?!data:)[a-z]+:""", html, re.I)


def test_a_worse_second_run_shows_regression_names_the_question_and_fails_the_gate(workspace, capsys):
    tmp, set_file = workspace
    out = tmp / "runs"
    assert eval_cli([str(set_file), "--out", str(out), "--quiet"], scripted_ask()) == 0
    capsys.readouterr()
    code = eval_cli([str(set_file), "--out", str(out), "--quiet", "--fail-on-regression"],
                    scripted_ask(q1_regressed=True))
    assert code == eval_command.REGRESSION_EXIT
    captured = capsys.readouterr()
    assert "REGRESSION" in captured.out and "now fails  q1" in captured.out
    assert "failing the gate" in captured.err

    first, second = sorted(out.iterdir())
    summary = json.loads((second / "summary.json").read_text())
    comparison = summary["comparison"]
    assert comparison["baseline"]["id"] == first.name
    assert comparison["status"] == "regression" and "hit@10" in comparison["regressions"]
    assert comparison["metrics"]["hit@10"]["delta"] == -0.5  # q1 of the two answerable questions lost its passage
    assert comparison["metrics"]["hit@10"]["beyond_noise"] is False  # two questions cannot show it is not noise
    assert [q["id"] for q in comparison["questions"]["now_failing"]] == ["q1"]
    assert comparison["questions"]["now_failing"][0]["reasons"] == [
        "refused although the sources answer", "no expected passage in the top 10"]

    html = (second / "report.html").read_text()
    verdict = html.index("REGRESSION:")
    assert verdict < html.index("NOW FAILS") < html.index("How many journalists") < html.index("<img")
    assert "REGRESSION" in (second / "report.md").read_text()


def test_without_the_gate_a_regression_still_exits_zero_and_an_unchanged_rerun_passes(workspace, capsys):
    tmp, set_file = workspace
    out = tmp / "runs"
    eval_cli([str(set_file), "--out", str(out), "--quiet"], scripted_ask())
    assert eval_cli([str(set_file), "--out", str(out), "--quiet"], scripted_ask(q1_regressed=True)) == 0
    assert eval_cli([str(set_file), "--out", str(out), "--quiet", "--fail-on-regression",
                     "--compare", str(sorted(out.iterdir())[0])], scripted_ask()) == 0
    assert "NO CHANGE" in capsys.readouterr().out


def test_a_copied_summary_works_as_committed_baseline_with_question_level_changes(workspace, capsys):
    tmp, set_file = workspace
    out = tmp / "runs"
    eval_cli([str(set_file), "--out", str(out), "--quiet"], scripted_ask(q1_regressed=True))
    (run,) = out.iterdir()
    baselines = set_file.parent / "baselines"
    baselines.mkdir()
    (baselines / "scripted.json").write_text((run / "summary.json").read_text())
    fresh_out = tmp / "ci-runs"  # as in CI: no earlier runs, so the committed baseline is used
    assert eval_cli([str(set_file), "--out", str(fresh_out), "--quiet", "--fail-on-regression"], scripted_ask()) == 0
    (new_run,) = fresh_out.iterdir()
    comparison = json.loads((new_run / "summary.json").read_text())["comparison"]
    assert comparison["baseline"]["path"].endswith("baselines/scripted.json")
    assert comparison["status"] == "improved"
    assert [q["id"] for q in comparison["questions"]["now_passing"]] == ["q1"]
    assert "NOW PASSES" in (new_run / "report.html").read_text()


def test_a_non_verbatim_quote_fails_the_gate_even_without_a_baseline(workspace, capsys):
    tmp, set_file = workspace

    def paraphrasing(question, filters):
        result = scripted_ask()(question, filters)
        for citation in result["citations"]:
            citation["quote"] = citation["quote"].replace("journalists", "reporters")  # q1's only
        return result

    code = eval_cli([str(set_file), "--out", str(tmp / "runs"), "--quiet", "--fail-on-regression"], paraphrasing)
    assert code == eval_command.REGRESSION_EXIT
    assert "VERBATIM BROKEN: 1 of 2" in capsys.readouterr().out


def test_corpus_changes_since_the_baseline_are_reported(workspace):
    tmp, set_file = workspace
    out = tmp / "runs"
    eval_cli([str(set_file), "--out", str(out), "--quiet"], scripted_ask())
    (tmp / "corpus" / "coi" / "new-report-2026.md").write_text("new", encoding="utf-8")
    eval_cli([str(set_file), "--out", str(out), "--quiet"], scripted_ask())
    latest = sorted(out.iterdir())[-1]
    assert "1 added (coi/new-report-2026.md)" in (latest / "report.html").read_text()


def test_an_expected_source_missing_from_the_corpus_is_flagged_at_the_top(workspace, capsys):
    tmp, set_file = workspace
    (tmp / "corpus" / "law" / "convention.pdf").unlink()
    eval_cli([str(set_file), "--out", str(tmp / "runs"), "--quiet"], scripted_ask())
    message = "q2: expected source 'law/convention.pdf' matches no file in the corpus"
    assert message in capsys.readouterr().err
    (folder,) = (tmp / "runs").iterdir()
    html = (folder / "report.html").read_text()
    assert html.index(escape(message)) < html.index("Metrics")


def test_limit_asks_only_the_first_questions(workspace):
    tmp, set_file = workspace
    ask = scripted_ask()
    eval_cli([str(set_file), "--out", str(tmp / "runs"), "--quiet", "--limit", "2"], ask)
    assert len(ask.asked) == 2


def test_a_bad_set_stops_before_any_question_is_asked(workspace):
    tmp, set_file = workspace
    set_file.write_text(set_file.read_text().replace("language: sv", "language: fi"), encoding="utf-8")
    ask = scripted_ask()
    with pytest.raises(QuestionSetError, match="q2.language: must be sv or en"):
        eval_cli([str(set_file), "--out", str(tmp / "runs"), "--quiet"], ask)
    assert ask.asked == [] and not (tmp / "runs").exists()


def test_a_crash_on_one_question_fails_that_question_only(workspace):
    tmp, set_file = workspace
    inner = scripted_ask()

    def flaky(question, filters):
        if question.startswith("Vilken"):
            raise RuntimeError("boom")
        return inner(question, filters)

    eval_cli([str(set_file), "--out", str(tmp / "runs"), "--quiet"], flaky)
    (folder,) = (tmp / "runs").iterdir()
    summary = json.loads((folder / "summary.json").read_text())
    assert [q["pass"] for q in summary["questions"]] == [True, False, True, True]
    assert summary["questions"][1]["reasons"][0] == "error: RuntimeError: boom"


def test_a_folder_runs_every_set_in_it(workspace):
    tmp, set_file = workspace
    (set_file.parent / "second.yaml").write_text(set_file.read_text().replace("name: scripted", "name: second"))
    eval_cli([str(set_file.parent), "--out", str(tmp / "runs"), "--quiet"], scripted_ask())
    assert sorted(p.name.split("-")[0] for p in (tmp / "runs").iterdir()) == ["scripted", "second"]
