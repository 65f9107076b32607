"""Evaluation metrics shared by every lab and the comparison harness.

Answer metrics
    * :func:`answer_correct`: an answer counts as correct when any accepted alias, normalised with
      :func:`ragft.data.normalize`, occurs in the normalised answer (containment, not exact match:
      a small chat model wraps short facts in sentences).
    * :func:`token_f1`: SQuAD-style token overlap F1 against the best alias.
    * :func:`is_abstention`: did the model say it does not know?
    * :func:`bootstrap_ci`: percentile bootstrap interval for a mean of 0/1 scores.
    * :func:`bootstrap_diff_ci` and :func:`compare_paired`: the interval of the *difference* between two
      systems scored on the same questions (paired bootstrap), and the verdict rule the course uses:
      one system is better only when that interval excludes zero.

Retrieval metrics (one query: ranked doc ids vs the set of relevant doc ids)
    :func:`recall_at_k`, :func:`reciprocal_rank`, :func:`ndcg_at_k` with binary relevance, written
    by hand on purpose (the RAG lab explains them); ``tests/test_metrics.py`` checks them against
    the established ``ir-measures`` implementation.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

ABSTAIN_PATTERNS = (
    r"\bi (?:do not|don't|dont) know\b",
    r"\bnot (?:mentioned|stated|specified|provided|available|included|given|found)\b",
    r"\b(?:no|not enough) information\b",
    r"\bcannot (?:find|answer|determine|say)\b",
    r"\bcan't (?:find|answer|determine|say)\b",
    r"\bunable to (?:find|answer|determine)\b",
    r"\b(?:sources|context|documents) do(?:es)? not (?:contain|say|mention|include)\b",
)
_ABSTAIN = re.compile("|".join(ABSTAIN_PATTERNS), re.IGNORECASE)


def _normalize(text: str) -> str:
    from .data import normalize

    return normalize(text)


def _alias_forms(alias: str) -> list[str]:
    """A normalised alias, plus its compound-adjective form when it is a number and a plural unit:
    "37 hours" also matches "a 37-hour battery" (normalised "37 hour"), as a human grader would accept."""
    a = _normalize(alias)
    forms = [a] if a else []
    if re.fullmatch(r"\d[\d.]*(?: [a-z]+)+s", a):
        forms.append(a[:-1])
    return forms


def answer_correct(answer: str, aliases: Iterable[str]) -> bool:
    """True when a normalised alias occurs in the normalised answer as a whole word or phrase (a number
    with a plural unit also in its compound form: "37 hours" is found in "a 37-hour battery life")."""
    norm = _normalize(answer)
    for alias in aliases:
        for a in _alias_forms(alias):
            if re.search(rf"(?<!\w){re.escape(a)}(?!\w)", norm):
                return True
    return False


def token_f1(answer: str, aliases: Iterable[str]) -> float:
    """Best token-overlap F1 between the answer and any alias (0 when there are no aliases)."""
    pred = _normalize(answer).split()
    best = 0.0
    for alias in aliases:
        gold = _normalize(alias).split()
        if not pred or not gold:
            continue
        common = sum((Counter(pred) & Counter(gold)).values())
        if common:
            p, r = common / len(pred), common / len(gold)
            best = max(best, 2 * p * r / (p + r))
    return best


def is_abstention(answer: str) -> bool:
    """True when the answer declines ("I don't know", "not mentioned in the sources", ...)."""
    return bool(_ABSTAIN.search(answer or ""))


def score_answer(answer: str, question, *, gold: Sequence[str] | None = None) -> dict:
    """``answerable``, ``correct``, ``f1`` and ``abstained`` for one answer to ``question`` (anything with
    ``answers`` and ``type``, such as a :class:`ragft.data.Question`): the one scoring rule of the course.

    An answerable question (accepted answers, and not of type ``unanswerable``) is correct when an accepted
    answer occurs in the reply (:func:`answer_correct`); an unanswerable one is correct when the model
    abstains (:func:`is_abstention`). ``gold`` replaces the question's accepted answers.
    """
    aliases = list(gold if gold is not None else (getattr(question, "answers", None) or []))
    answerable = bool(aliases) and getattr(question, "type", None) != "unanswerable"
    abstained = is_abstention(answer)
    return {
        "answerable": answerable,
        "correct": bool(answer_correct(answer, aliases)) if answerable else abstained,
        "f1": token_f1(answer, aliases) if answerable else float(abstained),
        "abstained": abstained,
    }


def bootstrap_ci(scores: Sequence[float], *, n_boot: int = 2000, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean of ``scores``."""
    values = np.asarray(list(scores), dtype=float)
    if values.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(n_boot, values.size), replace=True).mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(means, [alpha, 1 - alpha])
    return float(lo), float(hi)


def wilson_ci(successes: int, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``successes / n``.

    Used for rates that can be 0 or 1 (an attack that never works): a bootstrap interval of 0 out of 30
    is [0, 0], which claims a certainty 30 trials cannot give; Wilson's is [0, 11%].
    """
    from statistics import NormalDist

    if n <= 0:
        return (float("nan"), float("nan"))
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def bootstrap_diff_ci(
    a_scores: Sequence[float], b_scores: Sequence[float], *, n_boot: int = 2000, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Paired percentile bootstrap interval of ``mean(a) - mean(b)``.

    ``a_scores[i]`` and ``b_scores[i]`` must score the *same* question ``i`` (two systems, or one system
    before and after a change): each bootstrap sample redraws questions, keeping the pair together, so
    the question-to-question variation that both systems share cancels out. This is narrower, and more
    honest, than comparing two separate intervals.
    """
    a = np.asarray(list(a_scores), dtype=float)
    b = np.asarray(list(b_scores), dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired scores need the same questions on both sides, got {a.size} and {b.size} scores")
    if a.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, a.size, size=(n_boot, a.size))
    diffs = (a[idx] - b[idx]).mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(diffs, [alpha, 1 - alpha])
    return float(lo), float(hi)


def compare_paired(
    a_scores: Sequence[float], b_scores: Sequence[float], *, n_boot: int = 2000, level: float = 0.95, seed: int = 0
) -> dict:
    """The course's rule for "A beats B": the paired interval of the difference excludes zero.

    Returns ``{"diff", "ci": (low, high), "n", "verdict"}`` where ``verdict`` is ``"a"`` (A better),
    ``"b"`` (B better) or ``"tie"`` (the interval contains zero: the questions cannot tell them apart).
    """
    a = [float(x) for x in a_scores]
    b = [float(x) for x in b_scores]
    lo, hi = bootstrap_diff_ci(a, b, n_boot=n_boot, level=level, seed=seed)
    diff = float(np.mean(a) - np.mean(b)) if a else float("nan")
    return {"diff": diff, "ci": (lo, hi), "n": len(a), "verdict": interval_verdict((lo, hi))}


def interval_verdict(ci: Sequence[float]) -> str:
    """The course's rule on the interval ``(low, high)`` of ``A - B``: ``"a"`` when it lies above zero,
    ``"b"`` when below, ``"tie"`` when it contains zero (or is undefined: no questions)."""
    lo, hi = ci
    return "a" if lo > 0 else "b" if hi < 0 else "tie"


def recall_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """Fraction of the relevant documents found in the top ``k`` (duplicates counted once)."""
    rel = set(relevant)
    if not rel:
        return float("nan")
    return len(rel & set(ranked[:k])) / len(rel)


def reciprocal_rank(ranked: Sequence[str], relevant: Iterable[str]) -> float:
    """1 / rank of the first relevant document (0 when none is retrieved)."""
    rel = set(relevant)
    for i, doc in enumerate(ranked, start=1):
        if doc in rel:
            return 1.0 / i
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: Iterable[str], k: int) -> float:
    """Binary-relevance nDCG@k; a document that appears twice only counts the first time."""
    rel = set(relevant)
    if not rel:
        return float("nan")
    seen: set[str] = set()
    dcg = 0.0
    for i, doc in enumerate(ranked[:k], start=1):
        if doc in rel and doc not in seen:
            dcg += 1.0 / math.log2(i + 1)
        seen.add(doc)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(rel), k) + 1))
    return dcg / ideal
