"""The metric functions on hand-made questions and answers whose right values are known."""
import math

import pytest

from landinfo.evaluate.metrics import (
    citation_precision, citation_recall, hit_at, key_point_coverage, ndcg_at, passage_matches, recall_at,
    reciprocal_rank, refusal_correct, verbatim_quote_rate, verdict,
)
from landinfo.evaluate.questionset import ExpectedSource, Question, normalize_for_match
from landinfo.evaluate.stats import mean_ci, paired_delta_ci

QUOTE = "Stoning remains a legal punishment for adultery"


def passage(pid, source, text="unrelated text", page=None, duplicates=()):
    return {"id": pid, "source": source, "text": text, "page": page, "duplicates": list(duplicates), "score": 0.5}


def question(expected=(), key_points=(), answerable=True):
    return Question(id="q", question="?", language="en", answerable=answerable,
                    expected_sources=tuple(ExpectedSource(**e) for e in expected) or (
                        (ExpectedSource(source="x.md"),) if answerable else ()),
                    key_points=tuple(key_points))


def result(passages=(), citations=(), answer="", refused=False):
    return {"answer": answer, "refused": refused, "passages": list(passages), "citations": list(citations)}


IRAN = {"source": "coi/us-state-dept-2024/iran-2024.md", "quote": QUOTE}
RIGHT = passage("p-right", "coi/us-state-dept-2024/iran-2024.md", f"Under the penal code. {QUOTE}, the report said.")


def test_right_passage_third_gives_mrr_one_third_and_hits_only_from_k3():
    item = question([IRAN])
    res = result([passage("a", "coi/other.md"), passage("b", "coi/us-state-dept-2024/iran-2024.md"), RIGHT])
    assert reciprocal_rank(item, res) == pytest.approx(1 / 3)
    assert hit_at(item, res, k=2) == 0.0
    assert hit_at(item, res, k=3) == 1.0
    assert ndcg_at(item, res, k=10) == pytest.approx(1 / math.log2(4))


def test_no_right_passage_scores_zero_everywhere():
    item = question([IRAN])
    res = result([passage("a", "coi/us-state-dept-2024/iran-2024.md", "Nothing about that here.")])
    assert (hit_at(item, res), recall_at(item, res), reciprocal_rank(item, res), ndcg_at(item, res)) == (0, 0, 0, 0)


def test_recall_and_ndcg_with_two_expected_passages():
    other = {"source": "case-law/mig/MIG 2013-6.txt"}
    item = question([IRAN, other])
    res = result([RIGHT, passage("x", "coi/nothing.md"), passage("m", "case-law/mig/MIG 2013-6.txt")])
    assert recall_at(item, res, k=2) == 0.5
    assert recall_at(item, res, k=3) == 1.0
    ideal = 1 + 1 / math.log2(3)
    assert ndcg_at(item, res) == pytest.approx((1 + 1 / math.log2(4)) / ideal)
    # two passages of the same expected document earn the gain once
    twice = result([RIGHT, RIGHT])
    assert ndcg_at(item, twice) == pytest.approx(1 / ideal)


def test_quote_matching_ignores_case_whitespace_soft_hyphens_and_unicode_form():
    expected = ExpectedSource(source="a.md", quote="Åklagaren   yrkade\nutvisning")
    decomposed = "A\u030aklaga\u00adren yrkade  UTVISNING på livstid"  # Å as A + ring, soft hyphen inside
    assert normalize_for_match(decomposed).startswith("åklagaren yrkade utvisning")
    assert passage_matches(passage("p", "sv/a.md", decomposed), expected)
    assert not passage_matches(passage("p", "sv/a.md", "Åklagaren yrkade fängelse"), expected)


def test_source_matches_by_path_suffix_or_through_a_duplicate():
    expected = ExpectedSource(source="iran-2024.md")
    assert passage_matches(passage("p", "coi/us-state-dept-2024/iran-2024.md"), expected)
    assert not passage_matches(passage("p", "coi/old-iran-2024.md"), expected)  # whole path components only
    copy = passage("p", "mirror/copy-of-report.md", duplicates=["coi/us-state-dept-2024/iran-2024.md"])
    assert passage_matches(copy, expected)
    item = question([{"source": "iran-2024.md"}])
    assert hit_at(item, result([copy])) == 1.0


def test_pdf_page_must_match_when_expected():
    item = question([{"source": "law/international/echr.pdf", "page": 32}])
    wrong_page = passage("p", "law/international/echr.pdf", page=31)
    right_page = passage("q", "law/international/echr.pdf", page=32)
    assert reciprocal_rank(item, result([wrong_page, right_page])) == 0.5
    assert hit_at(question([{"source": "law/international/echr.pdf"}]), result([wrong_page])) == 1.0


def test_citation_precision_counts_citations_into_expected_sources_or_holding_a_key_point():
    item = question([IRAN], key_points=["adultery"])
    off_topic = passage("off", "coi/somalia.md", "Clan militias control the roads.")
    has_point = passage("kp", "coi/iraq.md", "Adultery is criminalised in Iraq too.")
    res = result([RIGHT, off_topic, has_point], citations=[
        {"marker": 1, "passage_id": "p-right", "source": RIGHT["source"], "quote": QUOTE},
        {"marker": 2, "passage_id": "off", "source": "coi/somalia.md", "quote": "Clan militias control the roads."},
        {"marker": 3, "passage_id": "kp", "source": "coi/iraq.md", "quote": "Adultery is criminalised"},
    ])
    assert citation_precision(item, res) == pytest.approx(2 / 3)
    assert citation_recall(item, res) == 1.0
    assert citation_recall(question([IRAN, {"source": "mig/x.txt"}]), res) == 0.5
    assert citation_precision(item, result([RIGHT])) is None  # nothing cited: does not apply


def test_key_point_coverage_is_case_and_whitespace_insensitive():
    item = question(key_points=["Artikel 3", "stening", "MIG 2013:6"])
    res = result(answer="Enligt ARTIKEL\n3 EKMR och rättsfallet MIG 2013:6 [1] ...")
    assert key_point_coverage(item, res) == pytest.approx(2 / 3)
    assert key_point_coverage(question(), res) is None


def test_refusal_is_right_when_refusing_an_unanswerable_question_or_correcting_its_premise():
    unanswerable = question(answerable=False)
    assert refusal_correct(unanswerable, result(refused=True)) == 1.0
    assert refusal_correct(unanswerable, result(answer="Yes, it is 40 %.")) == 0.0
    false_premise = question(answerable=False, key_points=["2013"])
    assert refusal_correct(false_premise, result(answer="The decision is from 2013, not 2019.")) == 1.0
    assert refusal_correct(question(), result(refused=True)) == 0.0
    assert refusal_correct(question(), result(answer="...")) == 1.0


def test_verbatim_quote_rate_catches_a_paraphrased_quote_and_an_unknown_passage():
    good = {"marker": 1, "passage_id": "p-right", "quote": "Stoning remains a  legal\npunishment"}
    paraphrase = {"marker": 2, "passage_id": "p-right", "quote": "stoning is still a legal punishment"}
    unknown = {"marker": 3, "passage_id": "missing", "quote": QUOTE}
    assert verbatim_quote_rate(question(), result([RIGHT], [good])) == 1.0
    assert verbatim_quote_rate(question(), result([RIGHT], [good, paraphrase, unknown])) == pytest.approx(1 / 3)
    passed, reasons = verdict(question([IRAN]), result([RIGHT], [good, paraphrase]),
                              {"hit@10": 1.0, "refusal_accuracy": 1.0, "verbatim_quote_rate": 0.5}, k=10)
    assert not passed and reasons == ["quote of citation [2] not verbatim in its passage"]


def test_metrics_that_do_not_apply_return_none():
    unanswerable = question(answerable=False)
    assert hit_at(unanswerable, result()) is None
    assert reciprocal_rank(unanswerable, result()) is None
    assert verbatim_quote_rate(unanswerable, result()) is None


def test_bootstrap_interval_contains_the_mean_and_is_reproducible():
    values = [1.0] * 30 + [0.0] * 14 + [None] * 3
    ci = mean_ci(values)
    assert ci["n"] == 44 and ci["mean"] == pytest.approx(30 / 44, abs=1e-4)
    assert ci["low"] < ci["mean"] < ci["high"]
    assert 0.1 < ci["high"] - ci["low"] < 0.4
    assert mean_ci(values) == ci
    assert mean_ci([None]) == {"mean": None, "low": None, "high": None, "n": 0}


def test_paired_difference_is_beyond_noise_only_when_many_questions_move():
    before = {f"q{i}": 1.0 for i in range(40)}
    one_worse = {**before, "q0": 0.0}
    many_worse = {q: (0.0 if i < 12 else 1.0) for i, q in enumerate(before)}
    small = paired_delta_ci(one_worse, before)
    large = paired_delta_ci(many_worse, before)
    assert small["mean"] == pytest.approx(-1 / 40) and small["high"] == 0.0  # cannot exclude no change
    assert large["mean"] == pytest.approx(-0.3) and large["high"] < 0
