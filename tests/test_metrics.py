"""Retrieval metrics against ir-measures, and the answer metrics on hand-made cases."""

from __future__ import annotations

import math

import ir_measures
import pytest
from ir_measures import RR, Qrel, R, ScoredDoc, nDCG

from ragft import metrics as M

# (ranked doc ids, relevant doc ids)
RANKINGS = {
    "first-hit": (["a", "b", "c", "d", "e"], {"a"}),
    "third-hit": (["x", "y", "a", "z"], {"a"}),
    "two-relevant": (["x", "b", "y", "a", "z", "w"], {"a", "b"}),
    "miss": (["x", "y", "z"], {"a"}),
    "all-relevant": (["a", "b", "c"], {"a", "b", "c"}),
    "late": (["p", "q", "r", "s", "t", "u", "a"], {"a", "v"}),
}


def _reference(k: int):
    qrels = [Qrel(q, d, 1) for q, (_, rel) in RANKINGS.items() for d in rel]
    run = [ScoredDoc(q, d, float(len(ranked) - i)) for q, (ranked, _) in RANKINGS.items() for i, d in enumerate(ranked)]
    out: dict[tuple[str, str], float] = {}
    for m in ir_measures.iter_calc([R @ k, RR, nDCG @ k], qrels, run):
        out[(m.query_id, str(m.measure))] = m.value
    return out


@pytest.mark.parametrize("k", [1, 3, 5, 10])
def test_retrieval_metrics_match_ir_measures(k):
    ref = _reference(k)
    for q, (ranked, rel) in RANKINGS.items():
        assert M.recall_at_k(ranked, rel, k) == pytest.approx(ref.get((q, f"R@{k}"), 0.0)), q
        assert M.reciprocal_rank(ranked, rel) == pytest.approx(ref.get((q, "RR"), 0.0)), q
        assert M.ndcg_at_k(ranked, rel, k) == pytest.approx(ref.get((q, f"nDCG@{k}"), 0.0)), q


def test_retrieval_metrics_hand_values():
    assert M.recall_at_k(["x", "a"], {"a", "b"}, 1) == 0.0
    assert M.recall_at_k(["x", "a"], {"a", "b"}, 2) == 0.5
    assert M.reciprocal_rank(["x", "y", "a"], {"a"}) == pytest.approx(1 / 3)
    assert M.ndcg_at_k(["a"], {"a"}, 5) == 1.0
    assert M.ndcg_at_k(["x", "a"], {"a"}, 5) == pytest.approx(1 / math.log2(3))


def test_duplicates_count_once():
    # a chunk-level ranking can name the same document twice; it must not inflate the scores
    assert M.recall_at_k(["a", "a", "b"], {"a", "c"}, 3) == 0.5
    assert M.ndcg_at_k(["a", "a"], {"a", "b"}, 2) == pytest.approx(M.ndcg_at_k(["a", "x"], {"a", "b"}, 2))


def test_no_relevant_documents_is_nan():
    assert math.isnan(M.recall_at_k(["a"], set(), 5))
    assert math.isnan(M.ndcg_at_k(["a"], [], 5))
    assert M.reciprocal_rank(["a"], []) == 0.0


@pytest.mark.parametrize(
    "answer",
    ["I don't know.", "I do not know the answer.", "The sources do not contain that information.", "It is not mentioned."],
)
def test_abstentions_are_detected(answer):
    assert M.is_abstention(answer)


@pytest.mark.parametrize("answer", ["The window is 30 days [1].", "Nobody knows better than Ana.", ""])
def test_answers_are_not_abstentions(answer):
    assert not M.is_abstention(answer)


def test_bootstrap_ci_brackets_the_mean():
    lo, hi = M.bootstrap_ci([1, 0, 1, 1, 0, 1, 1, 1, 0, 1])
    assert lo < 0.7 < hi
    assert M.bootstrap_ci([1, 1, 1]) == (1.0, 1.0)
    assert all(math.isnan(x) for x in M.bootstrap_ci([]))


def test_answer_correct_and_f1():
    pytest.importorskip("ragft.data", reason="ragft.data provides normalize()")
    assert M.answer_correct("The refund window is 30 days [1].", ["30 days"])
    assert M.answer_correct("It costs €1,200.", ["1,200", "1200"]) or M.answer_correct("It costs 1200.", ["1200"])
    assert not M.answer_correct("The window is 300 days.", ["30 days"])  # whole words only
    assert not M.answer_correct("anything", [])
    # a number with a plural unit is also found in its compound form, and only there
    assert M.answer_correct("It has a 37-hour battery life.", ["37 hours"])
    assert M.answer_correct("Refunds take 6 business days.", ["6 business days"])
    assert not M.answer_correct("It has a 37-minute battery life.", ["37 hours"])
    assert not M.answer_correct("It lasts 137 hours.", ["37 hours"])
    assert M.token_f1("30 days", ["30 days"]) == 1.0
    assert 0 < M.token_f1("it is 30 days", ["30 days"]) < 1
    assert M.token_f1("no overlap", ["30 days"]) == 0.0


def test_bootstrap_diff_ci_is_paired_and_decides_by_zero():
    a = [1] * 30 + [0] * 10
    b = [1] * 20 + [0] * 20  # a is right on every question b gets right, and on 10 more
    lo, hi = M.bootstrap_diff_ci(a, b)
    assert 0 < lo <= 0.25 <= hi
    assert M.compare_paired(a, b)["verdict"] == "a"
    assert M.compare_paired(b, a)["verdict"] == "b"
    # the same two accuracies, but the wins and losses cancel question by question: no verdict
    c = [1, 0] * 20
    d = [0, 1] * 20
    res = M.compare_paired(c, d)
    assert res["diff"] == 0 and res["verdict"] == "tie" and res["ci"][0] < 0 < res["ci"][1]
    with pytest.raises(ValueError, match="same questions"):
        M.bootstrap_diff_ci([1, 0], [1])
    assert all(math.isnan(x) for x in M.bootstrap_diff_ci([], []))
