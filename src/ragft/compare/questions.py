"""Which test questions the comparison asks: the splits, or a seeded sample stratified by question type."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from .systems import QUESTION_SPLITS


def stratified_sample(questions: Sequence, n: int, rng: random.Random) -> list:
    """``n`` questions keeping each type's share (largest remainder), in their original order."""
    if n >= len(questions):
        return list(questions)
    by_type: dict[str, list] = defaultdict(list)
    for q in questions:
        by_type[q.type].append(q)
    total = len(questions)
    quota = {t: n * len(qs) / total for t, qs in by_type.items()}
    take = {t: int(v) for t, v in quota.items()}
    for t in sorted(quota, key=lambda t: (-(quota[t] - take[t]), t))[: n - sum(take.values())]:
        take[t] += 1
    chosen = set()
    for t in sorted(by_type):
        chosen.update(q.id for q in rng.sample(by_type[t], take[t]))
    return [q for q in questions if q.id in chosen]


def select_questions(limit: int | None = None, seed: int = 42, root: str | Path | None = None,
                     splits: Sequence[str] = QUESTION_SPLITS) -> dict[str, list]:
    """The test questions by split: ``test_seen``, ``test_unseen``, ``unanswerable``, and ``multi_doc``
    (the multi-document questions among the first two). ``limit`` samples that many per split;
    ``splits`` keeps only some of the three (the others come back empty)."""
    from ..data import load_questions

    rng = random.Random(seed)
    out = {split: [] for split in QUESTION_SPLITS}
    for split in QUESTION_SPLITS:
        qs = load_questions(split, root=root)
        if not qs:
            raise ValueError(f"no questions in split {split!r} (data folder {root or 'default'})")
        chosen = stratified_sample(qs, limit, rng) if limit else qs  # drawn even when dropped: same sample per split
        if split in splits:
            out[split] = chosen
    out["multi_doc"] = [q for s in ("test_seen", "test_unseen") for q in out[s] if q.type == "multi_doc"]
    return out
