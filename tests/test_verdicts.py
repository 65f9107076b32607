"""The verdict words: one rule on the interval of a difference (ragft.book) and the hybrid chapter's rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ragft import book, metrics
from ragft.hybrid import verdicts as V


@pytest.mark.parametrize("ci, words", [((0.01, 0.2), "RAFT better"), ((-0.3, -0.001), "base better"),
                                       ((-0.1, 0.1), book.TIE_WORDS), ((0.0, 0.2), book.TIE_WORDS),
                                       ((-0.2, 0.0), book.TIE_WORDS), ((math.nan, math.nan), book.TIE_WORDS)])
def test_better_words_follow_the_interval_not_the_point_estimate(ci, words):
    assert book.better_words(ci, "RAFT", "base") == words
    assert book.better_words({"diff": 0.5, "ci95": ci}, "RAFT", "base") == words  # the mean is never read
    assert book.better_words({"diff": -0.5, "ci": ci}, "RAFT", "base", tie="tie") == (words if "better" in words else "tie")


def test_the_words_agree_with_compare_paired_on_real_scores():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2, 60), rng.integers(0, 2, 60)
    for x, y in ((a, b), (np.ones(60), np.zeros(60)), (np.zeros(60), np.ones(60))):
        res = metrics.compare_paired(x, y, seed=1)
        expect = {"a": "A better", "b": "B better", "tie": book.TIE_WORDS}[res["verdict"]]
        assert book.better_words(res, "A", "B") == expect
    assert metrics.compare_paired(np.ones(60), np.zeros(60))["verdict"] == "a"


def test_interval_words_for_a_verdict_rule():
    rule = dict(above="confirmed", below="contradicted", tie="nuanced")
    assert [book.interval_words(ci, **rule) for ci in ((0.1, 0.3), (-0.3, -0.1), (-0.1, 0.1))] == \
        ["confirmed", "contradicted", "nuanced"]


def test_interval_names_what_is_missing_and_refuses_a_reversed_interval():
    with pytest.raises(KeyError, match="ci95"):
        book.interval({"diff": 0.1})
    with pytest.raises(ValueError, match="low end"):
        book.interval((0.2, 0.1))


def test_plain_values_for_glue():
    assert book.plain(np.float32(0.25)) == 0.25 and type(book.plain(np.float32(0.25))) is float
    assert type(book.plain(np.int64(3))) is int and type(book.plain(np.bool_(True))) is bool
    assert book.plain("nuanced") == "nuanced" and book.plain(True) is True
    with pytest.raises(TypeError, match="figure"):
        book.plain([1, 2])


def test_publish_glues_without_display(monkeypatch):
    import myst_nb

    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda key, value, display=True: calls.append((key, value, display)))
    out = book.publish(hy_n=np.int64(7), hy_acc=np.float64(0.5))
    assert out == {"hy_n": 7, "hy_acc": 0.5}
    assert calls == [("hy_n", 7, False), ("hy_acc", 0.5, False)]


@pytest.mark.parametrize("ci, words", [((-0.2, -0.01), "a measurable loss of accuracy"),
                                       ((-0.04, 0.1), "no loss of more than 5 points"),
                                       ((-0.12, 0.03), "no loss these questions can detect, though one of up to 12% is not ruled out")])
def test_format_cost_words(ci, words):
    assert V.format_cost_words({"ci95": ci}) == words


def test_additive_words():
    assert V.additive_words((-0.3, -0.05)) == "they overlap or interfere"
    assert V.additive_words((0.02, 0.2)) == "they reinforce each other"
    assert V.additive_words((-0.1, 0.1)) == "they add up"
