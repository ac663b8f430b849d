"""`landinfo check`: an account checked claim by claim over the demo corpus with the real model; the JSON the
issue fixes, the annex for the case file, usage errors before any model loads, and the claim-check items of a
question set with their metrics."""
from __future__ import annotations

import io
import json
import time

import pytest
import yaml
from docx import Document

from landinfo.cli import main
from landinfo.errors import QuestionSetError
from landinfo.evaluate.claims import claim_metrics, pooled, verdict
from landinfo.evaluate.questionset import validate_question_set

ACCOUNT = ("My name is Aron and I was born in 1990. My father was ill for many years. "
           "Journalists who write about Orvask province are arrested by the security service. "
           "In March 2025 the police arrested me at a demonstration in Castrelle. "
           "Returnees who were politically active abroad are questioned at the airport on arrival. "
           "The government of Veldoria pays every returnee a pension of ten thousand gold coins a month. "
           "My mother cried when I left.")
STATUSES = {"related", "stale_only", "not_covered", "personal"}


@pytest.fixture(scope="module")
def checked(demo_settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("check")
    account = folder / "account.txt"
    account.write_text(ACCOUNT, encoding="utf-8")
    return folder, account


def _check_json(demo_settings, capsys, *args) -> dict:
    capsys.readouterr()
    assert main(["--index-dir", str(demo_settings.index_dir), "check", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_issues_shape_and_every_quote_is_verbatim(demo_settings, checked, capsys):
    _, account = checked
    out = _check_json(demo_settings, capsys, str(account), "--country", "veldoria")
    assert set(out) == {"account", "country", "claims", "warnings", "timings", "provenance"}
    assert ACCOUNT not in json.dumps(out["provenance"])  # the record holds the account's hash, never its text
    assert out["account"] == ACCOUNT and out["country"] == "Veldoria"
    for claim in out["claims"]:
        assert set(claim) == {"text", "start", "end", "personal", "status", "independent_sources", "newest",
                              "citations", "passages"}
        assert ACCOUNT[claim["start"]:claim["end"]] == claim["text"]
        assert claim["status"] in STATUSES and (claim["status"] == "personal") == claim["personal"]
        by_id = {p["id"]: p for p in claim["passages"]}
        for c in claim["citations"]:  # the quote stands at its offsets in the passage it cites
            p = by_id[c["passage_id"]]
            assert p["text"][c["start"] - p["start"]:c["end"] - p["start"]] == c["quote"]
        if claim["citations"]:
            publishers = {by_id[c["passage_id"]]["publisher"] or by_id[c["passage_id"]]["title"]
                          for c in claim["citations"]}
            assert claim["independent_sources"] == len(publishers)
            assert claim["newest"][:4].isdigit()
    statuses = {c["text"]: c["status"] for c in out["claims"]}
    assert statuses["My father was ill for many years."] == "personal"
    assert statuses["Journalists who write about Orvask province are arrested by the security service."] \
        in ("related", "stale_only")
    assert "contradicted" not in json.dumps(out) and "false" not in {c["status"] for c in out["claims"]}


def test_the_account_is_read_from_standard_input(demo_settings, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("Journalists in Veldoria are arrested by the security service."))
    out = _check_json(demo_settings, capsys, "-", "--country", "Veldoria")
    assert [c["text"] for c in out["claims"]] == ["Journalists in Veldoria are arrested by the security service."]


def test_a_batch_checks_one_account_a_line(demo_settings, tmp_path, capsys):
    batch = tmp_path / "accounts.jsonl"
    batch.write_text("\n".join(json.dumps({"account": a, "country": "Veldoria"}) for a in
                               ["The police arrest journalists in Castrelle.", "My father was ill."]) + "\n",
                     encoding="utf-8")
    capsys.readouterr()
    assert main(["--index-dir", str(demo_settings.index_dir), "check", "--batch", str(batch)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["claims"][0]["status"] != "personal" for line in lines] == [True, False]


def test_the_annex_lists_sources_in_referencing_style_and_what_was_searched(demo_settings, checked, capsys):
    folder, account = checked
    md, docx = folder / "annex.md", folder / "annex.docx"
    capsys.readouterr()
    assert main(["--index-dir", str(demo_settings.index_dir), "check", str(account), "--country", "Veldoria",
                 "--markdown", str(md), "--docx", str(docx)]) == 0
    printed = capsys.readouterr().out
    text = md.read_text(encoding="utf-8")
    assert printed == text
    assert "# Annex: country information on the applicant's account" in text
    assert "Related country information found" in text
    assert "Fictional Country Information Desk" in text or "Fiktiva landinformationsenheten" in text
    assert "Personal statements (not checked)" in text and "My father was ill for many years." in text
    if "No indexed country information on this" in text:
        assert "Searched for: " in text and "concerning Veldoria" in text
    word = "\n".join(p.text for p in Document(str(docx)).paragraphs)
    assert "Annex: country information on the applicant's account" in word
    assert "Related country information found" in word


def test_ten_claims_are_checked_in_one_pass(demo_settings):
    """Ten claims, every one checked (the time is measured by benchmarks/check.py: two shared cores make a bound
    here flaky)."""
    from landinfo.account_check import AccountChecker
    from landinfo.answer.assistant import Assistant

    account = " ".join(["Journalists who write about Orvask province are arrested by the security service.",
                        "The police detain returnees at the airport.", "Ildaran children are refused schooling.",
                        "The state of emergency has been renewed every six months.",
                        "Demonstrators in Castrelle were beaten by the police.",
                        "Detainees are held without seeing a judge.", "The courts are controlled by the government.",
                        "Prisons are overcrowded and prisoners are ill-treated.",
                        "Ildarans cannot register to live in the capital.",
                        "Critics of the President are prosecuted for spreading false information."])
    checker = AccountChecker(Assistant(demo_settings))
    checker.check("The police arrest journalists.", "Veldoria")  # models and tables loaded
    started = time.perf_counter()
    result = checker.check(account, "Veldoria")
    seconds = time.perf_counter() - started
    assert len([c for c in result.claims if c.status != "personal"]) == 10
    print(f"\n10 claims checked in {seconds:.1f} s ({result.timings})")


@pytest.mark.parametrize("args, message", [
    ([], "no account"),
    (["missing.txt"], "account missing.txt"),
    (["ACCOUNT", "--since", "2024-13"], "--since 2024-13"),
    (["ACCOUNT", "--batch", "x.jsonl"], "give one or the other"),
])
def test_usage_errors_are_one_line_and_exit_2(tmp_path, capsys, args, message):
    account = tmp_path / "account.txt"
    account.write_text(ACCOUNT, encoding="utf-8")
    args = [str(account) if a == "ACCOUNT" else a for a in args]
    assert main(["check", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_a_batch_line_that_is_not_an_account_names_its_line(tmp_path, capsys):
    batch = tmp_path / "b.jsonl"
    batch.write_text('{"account": "The police arrest journalists."}\n{"text": "x"}\n', encoding="utf-8")
    assert main(["check", "--batch", str(batch)]) == 2
    assert "line 2" in capsys.readouterr().err


# -- claim-check items in a question set ---------------------------------------------------------------------------

ITEM = {"id": "acc1", "kind": "claim-check", "language": "en", "country": "Veldoria", "account": ACCOUNT,
        "claims": [
            {"text": "Journalists who write about Orvask province are arrested by the security service.",
             "covered": True, "expected_sources": [{"source": "coi/veldoria-coi-2026.pdf"}]},
            {"text": "The government of Veldoria pays every returnee a pension of ten thousand gold coins a month.",
             "covered": False}]}


def test_a_claim_check_item_is_validated_like_every_other():
    qset = validate_question_set({"name": "c", "questions": [ITEM]})
    assert qset.questions[0].claims[1].covered is False
    bad = {**ITEM, "claims": [{"text": "x", "covered": True}], "question": "why?"}
    with pytest.raises(QuestionSetError) as error:
        validate_question_set({"name": "c", "questions": [bad, {"id": "q", "language": "en", "account": "a",
                                                                 "expected_sources": [{"source": "a.md"}]}]})
    report = str(error.value)
    assert "acc1.claims[0].expected_sources: required when covered is true" in report
    assert "q.account: only an item of kind claim-check has an account and claims" in report


def test_claim_metrics_match_by_overlap_and_count_per_claim():
    item = validate_question_set({"name": "c", "questions": [ITEM]}).questions[0]
    first, second = ITEM["claims"][0]["text"], ITEM["claims"][1]["text"]
    passage = {"id": "p1", "source": "coi/veldoria-coi-2026.pdf", "text": "Journalists are arrested.", "page": 3}
    result = {"claims": [
        {"text": first[:-1], "start": ACCOUNT.find(first), "end": ACCOUNT.find(first) + len(first) - 1,
         "personal": False, "status": "related", "passages": [passage],
         "citations": [{"passage_id": "p1", "quote": "Journalists are arrested."}]},
        {"text": second, "start": ACCOUNT.find(second), "end": ACCOUNT.find(second) + len(second),
         "personal": False, "status": "not_covered", "passages": [], "citations": []}]}
    assert claim_metrics(item, result) == {"claim_recall": 1.0, "claim_source_recall@5": 1.0,
                                           "not_covered_accuracy": 1.0, "claim_verbatim_rate": 1.0}
    assert verdict(item, result) == (True, [])
    result["claims"][1]["status"] = "related"
    result["claims"][0]["citations"][0]["quote"] = "Journalists are not arrested."
    values = pooled([(item, result)])
    assert values["not_covered_accuracy"] == {"value": 0.5, "hits": 1, "total": 2}
    assert values["claim_verbatim_rate"]["value"] == 0.0
    assert not verdict(item, result)[0]


def test_eval_runs_a_claim_check_set_and_reports_the_claim_metrics(demo_settings, tmp_path, capsys):
    path = tmp_path / "claims.yaml"
    path.write_text(yaml.safe_dump({"name": "claims-demo-test", "questions": [ITEM]}), encoding="utf-8")
    assert main(["--index-dir", str(demo_settings.index_dir), "eval", str(path), "--out", str(tmp_path / "runs"),
                 "--no-compare", "--quiet", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert "claim_recall" in summary["metric_names"]
    assert summary["overall"]["claim_recall"]["mean"] == 1.0
    assert summary["claims_pooled"]["claim_verbatim_rate"]["value"] == 1.0


def test_a_rating_of_a_check_holds_the_account_only_when_the_box_is_ticked(tmp_path):
    from landinfo.account_check import AccountCheck, ClaimCheck
    from landinfo.claims import split_claims
    from landinfo.feedback import FeedbackStore
    from landinfo.ui_check import _as_answer

    account = "My father Tesfay was ill. The police arrest journalists in Castrelle."
    claims = split_claims(account)
    result = AccountCheck(account, "Veldoria", "en", (ClaimCheck(claims[0], "personal"),
                                                      ClaimCheck(claims[1], "not_covered")))
    store = FeedbackStore(tmp_path / "feedback")
    store.add(_as_answer(result, False, "en"), "helpful", "fine")
    store.add(_as_answer(result, True, "en"), "wrong", "see claim 2")
    withheld, included = (json.dumps(r) for r in store.records())
    assert "Tesfay" not in withheld and "Castrelle" not in withheld and "not_covered" in withheld
    assert "Tesfay" in included and "Castrelle" in included


# -- what a claim is about (issue #22), on a small generated corpus with the fake embedder -------------------------

def _fake_checker(tmp_path, fake_settings):
    from landinfo.account_check import AccountChecker
    from landinfo.answer.assistant import Assistant
    from landinfo.ingest import ingest

    root = tmp_path / "corpus"
    root.mkdir()
    body = ("Journalists who return to Eritrea face detention without charge. "
            "Journalists are held in unofficial prisons for years.")
    (root / "eritrea.md").write_text("---\ntitle: Eritrea report\ndoc_type: coi\ncountries: [Eritrea]\n"
                                     f"date: 2025-06-01\nlanguage: en\n---\n# Eritrea\n\n{body}\n", encoding="utf-8")
    ingest(root, fake_settings, progress=False)
    return AccountChecker(Assistant(fake_settings), min_evidence=0.1)


def test_a_claim_whose_aspect_no_sentence_bears_on_is_not_covered_and_the_annex_names_it(tmp_path, fake_settings):
    from landinfo.annex import annex_markdown

    checker = _fake_checker(tmp_path, fake_settings)
    result = checker.check("Converts who return to Eritrea are flogged in public. "
                           "Journalists who return are held in unofficial prisons.", "Eritrea")
    converts, journalists = result.claims
    assert converts.status == "not_covered" and not converts.citations  # the same words, on journalists only
    assert converts.to_json(diagnostics=True)["searched"]["aspect"] == ["Converts", "flogged", "public"]
    assert journalists.status == "related"
    annex = annex_markdown(result)
    assert ("Searched for: “Converts who return to Eritrea are flogged in public.” (about: Converts flogged "
            "public) in COI concerning Eritrea") in annex


def test_a_claim_naming_only_a_province_is_searched_in_its_country(tmp_path, fake_settings):
    checker = _fake_checker(tmp_path, fake_settings)
    claim = checker.check("Jag bodde i Borno och kyrkan brändes.").claims[0]
    assert claim.status != "personal" and claim.searched["countries"] == ["Nigeria"]


def test_the_country_fact_joined_to_a_personal_event_is_searched_and_found(demo_settings):
    from landinfo.account_check import AccountChecker
    from landinfo.answer.assistant import Assistant

    account = "Jag kallades in 2024, och ingen släpps efter arton månader sedan mobiliseringen."
    call_up, fact = AccountChecker(Assistant(demo_settings)).check(account, "Kestrania").claims
    assert call_up.status == "personal" and call_up.claim.text == "Jag kallades in 2024"
    assert fact.status == "related" and account[fact.claim.start:fact.claim.end] == fact.claim.text
    assert any("no longer released after 18 months" in c.quote for c in fact.citations)
