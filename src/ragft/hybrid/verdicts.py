"""The verdict rules of the "Using both together" chapter, written once and tested (Labs 6a and 6b call them).

Every rule reads paired intervals of a difference (:func:`ragft.book.interval`), never two point
estimates; the words that describe an interval come from :func:`ragft.book.better_words`.

* :func:`format_cost_words`: what the house-format adapter costs in accuracy (``format_rag - rag``).
* :func:`format_verdict`: "fine-tuning gives the behaviour while retrieval supplies the facts":
  *contradicted* when the adapter does not keep the format (adherence under one half), *confirmed* when it
  does and no loss of accuracy is detected, *nuanced* when a loss is.
* :func:`additive_words`: the interaction of the two gains (*both - RAG - fine-tuning + base*).
* :func:`hybrid_verdict`: "using both is often the smartest option, with better answers": *confirmed* only
  when the format hybrid is confirmed, the trained reader beats plain RAG at the course's default
  retrieval (k = 1), and the knowledge hybrid is not worse than RAG; *contradicted* when the format hybrid
  is contradicted and the trained reader beats RAG at no k; *nuanced* otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..book import interval

#: adherence to the house format below which the format adapter "does not give the behaviour"
FORMAT_ADHERENCE_MIN = 0.5
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


def format_verdict(adherence: float, format_vs_rag: Interval) -> str:
    if adherence < FORMAT_ADHERENCE_MIN:
        return "contradicted"
    return "confirmed" if interval(format_vs_rag)[1] >= 0 else "nuanced"


def additive_words(interaction: Interval) -> str:
    lo, hi = interval(interaction)
    return "they overlap or interfere" if hi < 0 else "they reinforce each other" if lo > 0 else "they add up"


def hybrid_verdict(format_words: str, raft_vs_rag: Mapping[int, Interval], knowledge_vs_rag: Interval) -> str:
    """``raft_vs_rag``: ``{k: interval of raft - rag}`` for each number of retrieved documents, ``1`` among them."""
    if 1 not in raft_vs_rag:
        raise ValueError(f"the rule reads the trained reader at the default retrieval, k = 1; got k = {sorted(raft_vs_rag)}")
    raft_gain = any(interval(d)[0] > 0 for d in raft_vs_rag.values())
    knowledge_worse = interval(knowledge_vs_rag)[1] < 0
    if format_words == "confirmed" and interval(raft_vs_rag[1])[0] > 0 and not knowledge_worse:
        return "confirmed"
    if format_words == "contradicted" and not raft_gain:
        return "contradicted"
    return "nuanced"
