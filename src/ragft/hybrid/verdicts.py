"""The words of the "Using both together" chapter, written once and tested (Labs 6a and 6b call them).

Every rule reads paired intervals of a difference (:func:`ragft.book.interval`), never two point
estimates; the words that describe an interval come from :func:`ragft.book.better_words`.

* :func:`format_cost_words`: what the house-format adapter costs in accuracy (``format_rag - rag``).
* :func:`additive_words`: the interaction of the two gains (*both - RAG - fine-tuning + base*).

The chapter's verdicts themselves are not computed here: the claims registry's rules ``hybrid-format`` and
``hybrid`` (``data/claims.toml``, evaluated by :func:`ragft.claims.decide`) read the same intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..book import interval

#: a loss of accuracy the chapter calls small enough to name ("no loss of more than 5 points")
SMALL_LOSS = 0.05

Interval = Mapping[str, Any] | Sequence[float]


def format_cost_words(format_vs_rag: Interval) -> str:
    lo, hi = interval(format_vs_rag)
    if hi < 0:
        return "a measurable loss of accuracy"
    if lo > -SMALL_LOSS:
        return f"no loss of more than {SMALL_LOSS * 100:.0f} points"
    return f"no loss these questions can detect, though one of up to {-lo:.0%} is not ruled out"


def additive_words(interaction: Interval) -> str:
    lo, hi = interval(interaction)
    return "they overlap or interfere" if hi < 0 else "they reinforce each other" if lo > 0 else "they add up"
