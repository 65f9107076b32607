"""Measuring a reader: accuracy against the number of distractors, and the figures of the hybrid lab."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .. import metrics as M
from .reading import DISTRACTOR_COUNTS, reading_items


def reading_curve(model, tokenizer, questions: Sequence, index, *, counts: Sequence[int] = DISTRACTOR_COUNTS,
                  seed: int = 42, template=None, units: int = 3, max_new_tokens: int = 32, batch_size: int = 16,
                  cache: Any = True, progress: bool | str = False) -> dict[int, dict[str, Any]]:
    """Accuracy of a reader with each question's oracle passage among ``n`` hard distractors, for ``n`` in ``counts``.

    Every reader is given the same prompts (same passages, same positions: ``seed``), so two curves can be
    compared question by question. ``cache``: reuse stored answers (``True``: the course's answer cache;
    the model needs a ``ragft_fingerprint``, as every model loaded through ``ragft`` has). Returns, per
    ``n``: ``accuracy``, ``ci95``, ``scores`` (one 0/1 per question), ``abstain``, ``prompt_tokens``, the
    ``answers`` and the oracle's ``positions`` (1-based, one per question).
    """
    from ..answers import AnswerCache, cached_generate
    from ..models import chat_text, generate

    store = (cache if isinstance(cache, AnswerCache) else AnswerCache()) if cache else None
    fingerprint = getattr(model, "ragft_fingerprint", None)
    if store is not None and not isinstance(fingerprint, str):
        raise ValueError("cache=True needs model.ragft_fingerprint (load the model with ragft), or pass cache=False")
    out = {}
    for n in counts:
        items = reading_items(questions, index, n, units=units, seed=seed, template=template)
        prompts = [it.prompt for it in items]
        label = f"{n} distractor{'s' if n != 1 else ''}" if progress else False
        if store is not None:
            gen = cached_generate(generate, model, tokenizer, prompts, render=chat_text, fingerprint=fingerprint,
                                  cache=store, max_new_tokens=max_new_tokens, batch_size=batch_size, progress=label)
        else:
            gen = generate(model, tokenizer, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size, progress=label)
        scores = [float(M.answer_correct(a, q.answers)) for a, q in zip(gen.texts, questions, strict=True)]
        out[n] = {"accuracy": float(np.mean(scores)), "ci95": list(M.bootstrap_ci(scores, seed=seed)), "scores": scores,
                  "abstain": float(np.mean([M.is_abstention(a) for a in gen.texts])),
                  "prompt_tokens": float(np.mean(gen.prompt_tokens)), "answers": list(gen.texts),
                  "positions": [it.oracle_positions[0] if it.oracle_positions else None for it in items]}
    if store is not None and store is not cache:
        store.close()
    return out


def by_position(curve: Mapping[int, dict], n: int) -> dict[int, dict[str, float]]:
    """Accuracy at ``n`` distractors split by where the oracle passage stood: ``{position: {"accuracy", "n"}}``."""
    out: dict[int, list[float]] = {}
    for pos, score in zip(curve[n]["positions"], curve[n]["scores"], strict=True):
        out.setdefault(pos, []).append(score)
    return {pos: {"accuracy": float(np.mean(v)), "n": len(v)} for pos, v in sorted(out.items())}


def curve_differences(a: Mapping[int, dict], b: Mapping[int, dict], *, seed: int = 42) -> dict[int, dict[str, Any]]:
    """Paired difference ``a - b`` at each number of distractors (the course's verdict rule)."""
    return {n: {k: v for k, v in M.compare_paired(a[n]["scores"], b[n]["scores"], seed=seed).items()}
            for n in a if n in b}


def plot_reading_curves(curves: Mapping[str, Mapping[int, dict]], *, title: str = "Reading with distractors"):
    """Accuracy (with 95% intervals) against the number of distractors, one line per reader."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.4))
    for i, (name, curve) in enumerate(curves.items()):
        ns = sorted(curve)
        acc = np.array([curve[n]["accuracy"] for n in ns])
        lo = acc - np.array([curve[n]["ci95"][0] for n in ns])
        hi = np.array([curve[n]["ci95"][1] for n in ns]) - acc
        x = np.array(ns) + (i - (len(curves) - 1) / 2) * 0.06
        ax.errorbar(x, acc, yerr=[lo, hi], marker="o", capsize=3, label=name)
        for xi, yi in zip(x, acc, strict=True):
            ax.annotate(f"{yi:.0%}", (xi, yi), textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_xticks(sorted({n for c in curves.values() for n in c}))
    ax.set_xlabel("distractor passages beside the oracle passage")
    ax.set_ylabel("accuracy")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


#: the additive table's rows: what is added to the base model, and which comparison system answers
ADDITIVE_ROWS = (("base model", "closed_book"), ("+ fine-tuning", "ft"), ("+ RAG", "rag"), ("+ both", "ft_rag"))


def additive_table(records: Sequence[dict], split: str, *, rows: Sequence[tuple[str, str]] = ADDITIVE_ROWS,
                   seed: int = 42) -> dict[str, Any]:
    """Do the gains of fine-tuning and RAG add up? From the comparison's per-question ``records``.

    For each row: accuracy with its interval and the paired gain over the base model. ``interaction`` is
    the paired mean of ``both - rag - ft + base`` per question with its bootstrap interval: about zero when
    the gains add, below zero when they overlap or interfere (the two fixes help the same questions, or
    one undoes the other), above zero when they help each other.
    """
    by_system: dict[str, dict[str, float]] = {}
    for r in records:
        if r["split"] == split:
            by_system.setdefault(r["system"], {})[r["id"]] = float(r["correct"])
    missing = [s for _, s in rows if s not in by_system]
    if missing:
        raise ValueError(f"no {split} records for system(s) {missing}; run the comparison with them")
    ids = sorted(set.intersection(*(set(by_system[s]) for _, s in rows)))
    scores = {s: np.array([by_system[s][i] for i in ids]) for _, s in rows}
    base = scores[rows[0][1]]
    table = []
    for label, system in rows:
        gain = M.compare_paired(scores[system], base, seed=seed) if system != rows[0][1] else None
        table.append({"row": label, "system": system, "accuracy": float(scores[system].mean()),
                      "ci95": list(M.bootstrap_ci(scores[system], seed=seed)),
                      "gain": None if gain is None else gain["diff"], "gain_ci95": None if gain is None else list(gain["ci"])})
    (_, b), (_, f), (_, r), (_, both) = rows[:4]
    inter = scores[both] - scores[r] - scores[f] + scores[b]
    return {"split": split, "n": len(ids), "rows": table, "interaction": float(inter.mean()),
            "interaction_ci95": list(M.bootstrap_ci(inter, seed=seed))}


def holds_answer(prompt: Sequence[dict], question) -> bool:
    """Whether an accepted answer of ``question`` appears in the prompt's last user turn (its passages).

    Over a question set this is the ceiling retrieval sets for any reader: a reader can copy the answer only
    when it is in front of it (a model that knows the fact by heart could still answer, which a 135M model
    reading unseen facts cannot)."""
    from ..data import contains

    user = [m["content"] for m in prompt if m["role"] == "user"][-1]
    passages = user.rsplit("Question:", 1)[0]
    return any(contains(passages, a) for a in (question.answers or []))
