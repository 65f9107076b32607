"""Scoring the answers and comparing systems: per-split summaries, the update experiment's scores, and
paired differences (system A minus system B on the same questions, with the paired bootstrap interval).

One answer is scored by :func:`ragft.metrics.score_answer`, the rule the RAG toolkit's evaluation uses too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import metrics as M
from ..metrics import score_answer
from .systems import PAIRS, SPLITS, pair_key

__all__ = ["paired_differences", "score_answer", "split_records", "summarize", "summarize_update", "update_differences",
           "update_scores"]


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def _pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def summarize(records: Sequence[dict], *, seed: int = 42) -> dict[str, Any]:
    """Aggregate per-question records of one system and one split into the reported metrics."""
    correct = [float(r["correct"]) for r in records]
    latency = [r["retrieval_ms"] + r["generation_ms"] for r in records]
    # token counts are averaged over the answers the abstention gate left as the model wrote them (an
    # "I don't know" given by the gate, before or after generation, has no token counts of its own)
    asked = [r for r in records if not r.get("gate")]
    lo, hi = M.bootstrap_ci(correct, seed=seed)
    return {
        "n": len(records),
        "accuracy": _mean(correct),
        "ci95": [lo, hi],
        "f1": _mean([r["f1"] for r in records]),
        "abstain": _mean([float(r["abstained"]) for r in records]),
        "latency_ms_p50": _pct(latency, 50),
        "latency_ms_p95": _pct(latency, 95),
        "retrieval_ms_p50": _pct([r["retrieval_ms"] for r in records], 50),
        "retrieval_ms_p95": _pct([r["retrieval_ms"] for r in records], 95),
        "generation_ms_p50": _pct([r["generation_ms"] for r in records], 50),
        "generation_ms_p95": _pct([r["generation_ms"] for r in records], 95),
        "latency_ms_mean": _mean(latency),
        "generation_ms_mean": _mean([r["generation_ms"] for r in asked]),
        "prompt_tokens": _mean([r["prompt_tokens"] for r in asked]),
        "new_tokens": _mean([r["new_tokens"] for r in asked]),
        "new_tokens_p50": _pct([r["new_tokens"] for r in asked], 50),
        "gated": _mean([float(bool(r.get("gate"))) for r in records]),
        # the share of the replies the model wrote (not the gate's "I don't know") in the house format
        "format_adherence": _mean([float(bool(r.get("format_ok"))) for r in asked]),
        "from_cache": int(sum(bool(r["from_cache"]) for r in records)),
    }


def split_records(records: Sequence[dict], split: str) -> list[dict]:
    """Records of one reported split (``multi_doc`` = multi-document questions of the two test splits)."""
    if split == "multi_doc":
        return [r for r in records if r["type"] == "multi_doc" and r["split"] in ("test_seen", "test_unseen")]
    return [r for r in records if r["split"] == split]


def update_scores(answers: Sequence[str], questions: Sequence) -> tuple[list[float], list[float]]:
    """Per changed-fact question: ``current`` (1 when the answer gives the v2 value) and ``stale`` (1 when
    it still gives the v1 value and not the v2 one)."""
    current = [float(M.answer_correct(a, q.v2_answers or [])) for a, q in zip(answers, questions, strict=True)]
    stale = [float(M.answer_correct(a, q.v1_answers or q.answers) and not M.answer_correct(a, q.v2_answers or []))
             for a, q in zip(answers, questions, strict=True)]
    return current, stale


def _paired(a: Sequence[float], b: Sequence[float], seed: int) -> dict[str, Any]:
    res = M.compare_paired(a, b, seed=seed)
    return {"diff": res["diff"], "ci95": list(res["ci"]), "n": res["n"], "verdict": res["verdict"]}


def summarize_update(before: Sequence[str], after: Sequence[str], questions: Sequence, *, seed: int = 42) -> dict:
    """Changed-fact accuracy (against the v2 answers) and stale rate (still the v1 answer), before and after.

    ``current_gain`` is the paired difference *after minus before* of the current-answer rate (same
    questions, same system), with its bootstrap interval: did the update change this system's answers?
    """
    cur_b, stale_b = update_scores(before, questions)
    cur_a, stale_a = update_scores(after, questions)
    return {
        "n": len(questions),
        "changed_accuracy": _mean(cur_a),
        "changed_ci95": list(M.bootstrap_ci(cur_a, seed=seed)),
        "stale_rate": _mean(stale_a),
        "stale_ci95": list(M.bootstrap_ci(stale_a, seed=seed)),
        "changed_accuracy_before": _mean(cur_b),
        "stale_rate_before": _mean(stale_b),
        "current_gain": _paired(cur_a, cur_b, seed) if questions else None,
    }


def paired_differences(records: Sequence[dict], *, seed: int = 42, pairs: Sequence[tuple[str, str]] = PAIRS,
                       splits: Sequence[str] = SPLITS) -> dict[str, dict[str, dict]]:
    """Accuracy of system ``a`` minus system ``b`` on the *same* questions, per split, with the paired
    bootstrap interval of the difference (:func:`ragft.metrics.compare_paired`).

    Returns ``{"rag_vs_ft": {split: {"a", "b", "diff", "ci95", "n", "verdict", "better"}}}`` for every
    pair whose two systems were run. ``verdict`` is ``"a"``, ``"b"`` or ``"tie"``; ``better`` names the
    better system, or is ``"tie"`` when the interval contains zero (the questions cannot separate them).
    """
    by_system: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_system[r["system"]].append(r)
    out: dict[str, dict[str, dict]] = {}
    for a, b in pairs:
        if a not in by_system or b not in by_system:
            continue
        out[pair_key(a, b)] = {}
        for split in splits:
            ra = {r["id"]: float(r["correct"]) for r in split_records(by_system[a], split)}
            rb = {r["id"]: float(r["correct"]) for r in split_records(by_system[b], split)}
            ids = [i for i in ra if i in rb]
            res = _paired([ra[i] for i in ids], [rb[i] for i in ids], seed)
            res.update(a=a, b=b, better={"a": a, "b": b}.get(res["verdict"], "tie"))
            out[pair_key(a, b)][split] = res
    return out


def update_differences(after_scores: dict[str, tuple[list[float], list[float]]], *, seed: int = 42,
                       pairs: Sequence[tuple[str, str]] = PAIRS) -> dict[str, dict[str, dict]]:
    """After the update, system ``a`` minus system ``b`` on the same changed-fact questions: the rate of
    current (v2) answers and the rate of stale (v1) answers, each with its paired interval."""
    out: dict[str, dict[str, dict]] = {}
    for a, b in pairs:
        if a not in after_scores or b not in after_scores:
            continue
        out[pair_key(a, b)] = {}
        for i, metric in enumerate(("changed_accuracy", "stale_rate")):
            res = _paired(after_scores[a][i], after_scores[b][i], seed)
            res.update(a=a, b=b, better={"a": a, "b": b}.get(res["verdict"], "tie"))
            out[pair_key(a, b)][metric] = res
    return out
