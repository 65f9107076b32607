"""A cost model for the comparison's systems, from measured quantities and explicit prices.

Every system of ``ragft compare`` is reduced to a :class:`SystemProfile`: the seconds of compute it
needs once before the first answer (building the index, training the adapter), per answer (retrieval
and generation), per knowledge update (re-indexing, retraining), and the bytes it keeps on disk. All of
them are read from a comparison's ``results.json``; nothing here measures or assumes a time.

Money enters only through :class:`Prices`, read from a small TOML file (the course's defaults are in
``ragft/cost/prices.toml``, each with the place it came from; pass your own with ``--prices``). The
total over a horizon is linear in the number of queries, so two systems' totals cross at most once:
:func:`break_even` solves for that point, for each update frequency.

Extrapolating to another deployment (a bigger model, a faster machine, more documents) is
:func:`extrapolate`: a formula with its inputs named, so a team can put in its own ratios.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from .prices import (
    HOSTED_PRICES,
    OPTIONAL_PRICES,
    REQUIRED_PRICES,
    PriceError,
    Prices,
    default_prices_path,
    load_prices,
)

#: update frequencies (per month) the break-even analysis always covers: never, monthly, weekly, daily
UPDATE_FREQUENCIES = (0, 1, 4, 30)
#: the splits a per-query average is taken over (disjoint; ``multi_doc`` overlaps the two test splits)
QUERY_SPLITS = ("test_seen", "test_unseen", "unanswerable")
DAYS_PER_MONTH = 365.25 / 12


# --------------------------------------------------------------------------------------------------
# profiles: measured seconds and bytes per system


@dataclass
class SystemProfile:
    """What one system costs in compute seconds and bytes, split into the parts that scale differently."""

    name: str
    index_s: float = 0.0       # one-off: building the index (and tuning the retriever, if used)
    train_s: float = 0.0       # one-off: training the adapter (its evaluation pass included)
    retrieval_s: float = 0.0   # per query: embedding the question and searching
    generation_s: float = 0.0  # per query: generating the answer (0 for a question the gate refused)
    reindex_s: float = 0.0     # per update: updating the index
    retrain_s: float = 0.0     # per update: retraining the adapter
    index_bytes: int = 0
    adapter_bytes: int = 0
    prompt_tokens: float = 0.0  # per query, on average (a refused question counts 0)
    new_tokens: float = 0.0
    answered: float = 1.0       # share of the queries that reach the model (the gate refuses the others)
    shared_prefix_tokens: float = 0.0  # the prompt's first tokens that are the same for every query (cacheable)
    fine_tuned: bool = False    # a hosted API bills a fine-tuned model at its own (higher) token prices
    train_tokens: float = 0.0   # one-off: tokens a hosted fine-tuning bills (training file x epochs)
    retrain_tokens: float = 0.0  # per update: the same for each retraining
    accuracy: float | None = None  # share of the test questions answered right (a right refusal counts)
    can_update: bool = True     # False: no way to give the system new knowledge (closed book)
    notes: list[str] = field(default_factory=list)

    @property
    def one_off_s(self) -> float:
        return self.index_s + self.train_s

    @property
    def per_query_s(self) -> float:
        return self.retrieval_s + self.generation_s

    @property
    def per_update_s(self) -> float:
        return self.reindex_s + self.retrain_s

    @property
    def storage_bytes(self) -> int:
        return int(self.index_bytes + self.adapter_bytes)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(one_off_s=self.one_off_s, per_query_s=self.per_query_s, per_update_s=self.per_update_s,
                 storage_bytes=self.storage_bytes)
        return d


def _weighted(summaries: dict[str, dict], fn) -> float:
    num = den = 0.0
    for split in QUERY_SPLITS:
        m = summaries.get(split)
        if m and m.get("n"):
            num += m["n"] * fn(m)
            den += m["n"]
    return num / den if den else float("nan")


def profiles(data: dict[str, Any]) -> dict[str, SystemProfile]:
    """One :class:`SystemProfile` per system of a comparison's results (``ragft compare --out``'s JSON).

    Per-query figures are averages over the test questions (every split but the overlapping
    ``multi_doc``), weighted by split size; a question the abstention gate refused costs its retrieval
    and no generation. Update costs come from the results' update experiment: the measured index update
    for retrieval systems; for the knowledge adapter the measured retraining when the comparison
    retrained it (``--ft-update retrain``), else its first training time (an estimate: the v2 facts are
    the same amount of data), said so in ``notes``.
    """
    from ..compare.systems import ADAPTER, RETRIEVAL

    cfg = data.get("config", {})
    index = cfg.get("index") or {}
    index_update = cfg.get("index_update") or {}
    update = data.get("update") or {}
    out: dict[str, SystemProfile] = {}
    for name, summaries in data["systems"].items():
        c = data.get("costs", {}).get(name, {})
        p = SystemProfile(name=name)
        retr = RETRIEVAL.get(name, bool(c.get("index_seconds")))
        kind = ADAPTER.get(name)
        retrieval_ms = (lambda m: m.get("retrieval_ms_p50") or 0.0) if retr else (lambda m: 0.0)
        p.retrieval_s = _weighted(summaries, retrieval_ms) / 1000
        p.generation_s = _weighted(summaries, lambda m, r=retrieval_ms: m["latency_ms_mean"] - r(m)) / 1000
        p.prompt_tokens = _weighted(summaries, lambda m: (1 - (m.get("gated") or 0.0)) * m["prompt_tokens"])
        p.new_tokens = _weighted(summaries, lambda m: (1 - (m.get("gated") or 0.0)) * m["new_tokens"])
        p.answered = _weighted(summaries, lambda m: 1 - (m.get("gated") or 0.0))
        p.shared_prefix_tokens = float(c.get("shared_prefix_tokens", 0.0))
        right = _weighted(summaries, lambda m: m.get("accuracy", math.nan))
        p.accuracy = right if math.isfinite(right) else None
        if retr:
            p.index_s = float(c.get("index_seconds", index.get("seconds", 0.0))) + float(c.get("tune_seconds", 0.0))
            if "bytes" not in index:
                raise ValueError("these results do not record the index's size on disk (made by an older ragft); "
                                 "run the comparison again (`ragft compare --out FOLDER --force`)")
            p.index_bytes = int(index["bytes"])
            if index_update:
                p.reindex_s = float(index_update["seconds"])
                p.notes.append("update: the measured in-place index update (changed documents re-embedded)")
            else:
                p.reindex_s = p.index_s
                p.notes.append("update: estimated as a full index rebuild (the results have no update experiment)")
        if kind:
            p.train_s = float(c.get("train_seconds", 0.0))
            p.adapter_bytes = int(round(float(c.get("adapter_mb", 0.0)) * 1e6))
            p.fine_tuned = True
            p.train_tokens = float(c.get("train_billed_tokens", 0.0))
            if not p.train_tokens:
                p.notes.append("hosted: no training fee (these results do not record the training tokens; "
                               "made by an older ragft)")
            u = update.get(name, {})
            if kind == "knowledge":
                if "retrain_seconds" in u:
                    p.retrain_s = float(u["retrain_seconds"])
                    p.retrain_tokens = float(u.get("retrain_billed_tokens", 0.0))
                    p.notes.append("update: the measured retraining of the knowledge adapter on the new facts")
                else:
                    p.retrain_s = float(u.get("retrain_seconds_estimate", p.train_s))
                    p.retrain_tokens = float(u.get("retrain_billed_tokens_estimate", p.train_tokens))
                    p.notes.append("update: retraining estimated by the first training time (same amount of data)")
            else:
                p.notes.append(f"update: the {kind} adapter teaches a skill, not facts; it is kept as it is")
        if not retr and not kind:
            p.can_update = False
            p.notes.append("update: impossible; the base model's weights and prompt never see the new facts")
        if c.get("index_cached") or c.get("train_cached"):
            p.notes.append("one-off times were measured when the index or adapter was first built (cached since)")
        out[name] = p
    return out


# --------------------------------------------------------------------------------------------------
# totals and break-even


def horizon_cost(p: SystemProfile, prices: Prices, *, queries_per_day: float, updates_per_month: float,
                 months: float) -> dict[str, float]:
    """Seconds of compute and money over ``months`` for one system.

    ``compute_s = one_off_s + per_query_s * queries + per_update_s * updates`` billed at the hourly price
    of ``prices.hardware``; storage billed per GB-month. ``hosted_total``: the same prompts and answers sent
    to a hosted API instead: a fine-tuned system at the fine-tuned model's token prices plus the training fee
    for its first training and each retraining, and the part of every prompt that is the same for each query
    (the instructions before the question or the sources) at the cached-input price where the provider caches
    a prefix that long. ``hosted_per_answer`` and ``*_per_correct`` spread the totals over the answers and
    over the right ones (:func:`per_correct`).
    """
    for name, value in (("queries_per_day", queries_per_day), ("updates_per_month", updates_per_month),
                        ("months", months)):
        if value < 0 or not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number of 0 or more, got {value}")
    queries = queries_per_day * DAYS_PER_MONTH * months
    updates = updates_per_month * months if p.can_update else 0.0
    compute_s = p.one_off_s + p.per_query_s * queries + p.per_update_s * updates
    compute_cost = compute_s / 3600 * prices.compute_hour
    storage_cost = p.storage_bytes / 1e9 * prices.storage_gb_month * months
    price_in, price_cached, price_out = prices.token_prices(p.fine_tuned)
    cached = min(prices.cached_tokens(p.shared_prefix_tokens) * p.answered, p.prompt_tokens)  # per query
    per_answer = ((p.prompt_tokens - cached) * price_in + cached * price_cached + p.new_tokens * price_out) / 1e6
    training = ((p.train_tokens + p.retrain_tokens * updates) * prices.ft_training_per_million / 1e6
                if p.fine_tuned else 0.0)
    hosted = queries * per_answer + training
    total = compute_cost + storage_cost
    right = p.accuracy if p.accuracy else None  # None: no right answer (or no accuracy) to price it by

    def per_right(amount: float) -> float | None:
        return per_correct(amount / queries, right) if queries and right is not None else None

    return {"queries": queries, "updates": updates, "compute_s": compute_s, "compute_cost": compute_cost,
            "storage_cost": storage_cost, "cost_total": total, "hosted_total": hosted,
            "hosted_tokens": queries * per_answer, "hosted_training": training, "hosted_cached_tokens": cached,
            "hosted_per_answer": hosted / queries if queries else None,
            "cost_per_correct": per_right(total), "hosted_per_correct": per_right(hosted)}


def _line(p: SystemProfile, prices: Prices, updates_per_month: float, months: float) -> tuple[float, float]:
    """(fixed cost, cost per query-per-day) of a system's total: the total is linear in queries per day."""
    base = horizon_cost(p, prices, queries_per_day=0, updates_per_month=updates_per_month, months=months)
    slope = p.per_query_s * DAYS_PER_MONTH * months / 3600 * prices.compute_hour
    return base["cost_total"], slope


def break_even(profiles: dict[str, SystemProfile], prices: Prices, *, updates_per_month: Iterable[float] = UPDATE_FREQUENCIES,
               months: float = 12, systems: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """For each pair of systems and each update frequency: from how many queries a day one is cheaper.

    Totals are ``fixed + slope * queries_per_day``; the system with the smaller slope (cheaper per
    answer) is cheaper above ``queries_per_day = (fixed_cheap - fixed_other) / (slope_other - slope_cheap)``,
    or from 0 queries a day when its fixed cost is not higher (``"always": True``). Two systems with the same
    per-answer cost never cross and are left out.
    """
    names = list(systems or profiles)
    rows = []
    for m in sorted(set(updates_per_month)):
        lines = {n: _line(profiles[n], prices, m, months) for n in names}
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                sa, sb = lines[a][1], lines[b][1]
                if math.isclose(sa, sb, rel_tol=1e-12, abs_tol=1e-15):
                    continue
                cheap, other = (a, b) if sa < sb else (b, a)
                (fc, sc), (fo, so) = lines[cheap], lines[other]
                q = max(0.0, (fc - fo) / (so - sc))
                rows.append({"cheaper_above": cheap, "than": other, "updates_per_month": m, "queries_per_day": q,
                             "always": q == 0.0})
    return rows


def ft_cheaper_above(rows: Sequence[dict[str, Any]], updates_per_month: float, *, ft: str = "ft", rag: str = "rag") -> float:
    """The traffic (questions a day) above which ``ft`` costs less than ``rag`` at one update frequency, from the
    rows of :func:`break_even`: ``0.0`` when it is cheaper at any volume, ``inf`` when it never is (its answers
    cost as much or more). The number the claims registry's cost rule reads."""
    for r in rows:
        if r["updates_per_month"] == updates_per_month and {r["cheaper_above"], r["than"]} == {ft, rag}:
            if r["cheaper_above"] == ft:
                return 0.0 if r["always"] else float(r["queries_per_day"])
            return math.inf  # rag is cheaper per answer: ft is never cheaper at high traffic
    return math.inf  # the same cost per answer: the lines never cross


def shared_prefix(token_lists: Sequence[Sequence[int]]) -> int:
    """How many first tokens every prompt has in common: the part a provider's prompt cache can reuse for each
    query (the instructions before the question; a long-context prompt's whole knowledge base)."""
    return len(os.path.commonprefix([list(t) for t in token_lists]))


def per_correct(total: float, accuracy: float) -> float:
    """What one right answer costs: ``total`` spread over the share of answers that are right (``inf`` when none
    is). Systems that are not equally right are compared this way, not per answer."""
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"accuracy must be a share between 0 and 1, got {accuracy}")
    return math.inf if accuracy == 0 else total / accuracy


def cost_report(data: dict[str, Any], prices: Prices, *, queries_per_day: float = 1000, updates_per_month: float = 4,
                months: float = 12, systems: Sequence[str] | None = None) -> dict[str, Any]:
    """The JSON ``ragft cost`` prints: prices, per-system profile and totals, break-even points."""
    profs = profiles(data)
    names = list(systems or profs)
    unknown = [n for n in names if n not in profs]
    if unknown:
        raise ValueError(f"system(s) {unknown} are not in these results; they hold {', '.join(profs)}")
    out_systems = {}
    for n in names:
        p = profs[n]
        total = horizon_cost(p, prices, queries_per_day=queries_per_day, updates_per_month=updates_per_month, months=months)
        out_systems[n] = {**p.to_dict(), **total}
    freqs = sorted(set(UPDATE_FREQUENCIES) | {updates_per_month})
    return {
        "prices": prices.to_dict(),
        "horizon": {"months": months, "queries_per_day": queries_per_day, "updates_per_month": updates_per_month},
        "systems": out_systems,
        "break_even": break_even(profs, prices, updates_per_month=freqs, months=months, systems=names),
        "measured_on": data.get("environment", {}),
    }


# --------------------------------------------------------------------------------------------------
# extrapolation


def extrapolate(p: SystemProfile, *, params_ratio: float = 1.0, hardware_speedup: float = 1.0,
                documents_ratio: float = 1.0, training_examples_ratio: float = 1.0,
                retrieval_growth: str = "linear") -> SystemProfile:
    """The profile of the same system in another deployment, by a stated rule (not a measurement).

    - ``params_ratio``: generator parameters relative to the measured model (135M). Generation and
      training time scale with it (each new token reads every weight once; a training step does about
      three times the work of a forward pass over every weight), as does the adapter's size (an upper
      bound: LoRA's size grows with the hidden width, slower than the parameter count).
    - ``hardware_speedup``: how much faster the new machine runs the same model (e.g. a GPU); divides
      generation, training and embedding times.
    - ``documents_ratio``: knowledge-base size relative to the measured one. Index build, re-index per
      update (same share of documents changing) and index bytes scale with it; search time scales with it
      for exact (``"linear"``) search, or by its logarithm for an approximate index (``"log"``; see the
      performance lab for the measured curve).
    - ``training_examples_ratio``: training set size relative to the measured one.
    Prompt and answer tokens per query are unchanged (same questions, same retrieval settings).
    """
    for name, v in (("params_ratio", params_ratio), ("hardware_speedup", hardware_speedup),
                    ("documents_ratio", documents_ratio), ("training_examples_ratio", training_examples_ratio)):
        if not v > 0:
            raise ValueError(f"{name} must be a positive ratio, got {v}")
    if retrieval_growth not in ("linear", "log"):
        raise ValueError(f"retrieval_growth must be 'linear' or 'log', got {retrieval_growth!r}")
    search = documents_ratio if retrieval_growth == "linear" else 1 + math.log(documents_ratio) if documents_ratio > 1 else 1.0
    return replace(
        p,
        index_s=p.index_s * documents_ratio / hardware_speedup,
        reindex_s=p.reindex_s * documents_ratio / hardware_speedup,
        train_s=p.train_s * params_ratio * training_examples_ratio / hardware_speedup,
        retrain_s=p.retrain_s * params_ratio * training_examples_ratio / hardware_speedup,
        retrieval_s=p.retrieval_s * search / hardware_speedup,
        generation_s=p.generation_s * params_ratio / hardware_speedup,
        index_bytes=int(p.index_bytes * documents_ratio),
        adapter_bytes=int(p.adapter_bytes * params_ratio),
        notes=[*p.notes, f"extrapolated: params x{params_ratio:g}, hardware x{hardware_speedup:g} faster, "
                         f"documents x{documents_ratio:g} ({retrieval_growth} search), training data x{training_examples_ratio:g}"],
    )


# --------------------------------------------------------------------------------------------------
# plot


def plot_break_even(profiles: dict[str, SystemProfile], prices: Prices, *, months: float = 12,
                    updates_per_month: Sequence[float] = UPDATE_FREQUENCIES, systems: Sequence[str] | None = None,
                    max_queries_per_day: float | None = None, labels: dict[str, str] | None = None):
    """Total cost over the horizon against queries per day (both axes logarithmic), one panel per update frequency.

    Break-even points between the systems are marked. Returned closed (show it with ``glue`` or
    ``display``)."""
    import matplotlib.pyplot as plt
    import numpy as np

    names = list(systems or profiles)
    labels = labels or {}
    rows = break_even(profiles, prices, updates_per_month=updates_per_month, months=months, systems=names)
    crossings = [r["queries_per_day"] for r in rows if not r["always"] and r["queries_per_day"] > 0]
    top = max_queries_per_day or max(1_000.0, 10 * max(crossings, default=100.0))
    bottom = min(1.0, 0.5 * min(crossings, default=1.0))
    q = np.logspace(np.log10(bottom), np.log10(top), 200)  # a log axis: crossings at 2 and at 400 both show
    freq_names = {0: "never updated", 1: "updated monthly", 4: "updated weekly", 30: "updated daily"}
    fig, axes = plt.subplots(1, len(updates_per_month), figsize=(3.6 * len(updates_per_month), 3.4), sharey=True,
                             squeeze=False)
    for ax, m in zip(axes[0], updates_per_month):
        for n in names:
            fixed, slope = _line(profiles[n], prices, m, months)
            ax.plot(q, fixed + slope * q, label=labels.get(n, n))
        for r in rows:
            if r["updates_per_month"] == m and not r["always"] and bottom <= r["queries_per_day"] <= top:
                fixed, slope = _line(profiles[r["cheaper_above"]], prices, m, months)
                ax.plot([r["queries_per_day"]], [fixed + slope * r["queries_per_day"]], "ko", ms=4)
        ax.set_title(freq_names.get(m, f"{m:g} updates a month"), fontsize=10)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("queries per day (log scale)")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel(f"total over {months:g} months ({prices.currency}, log scale)")
    axes[0][-1].legend(fontsize=8)
    fig.suptitle("Self-hosted cost at the measured speeds (dots: break-even points)", fontsize=11)
    fig.tight_layout()
    plt.close(fig)
    return fig


__all__ = [
    "DAYS_PER_MONTH", "HOSTED_PRICES", "OPTIONAL_PRICES", "QUERY_SPLITS", "REQUIRED_PRICES", "UPDATE_FREQUENCIES",
    "PriceError", "Prices", "SystemProfile", "break_even", "cost_report", "default_prices_path", "extrapolate",
    "ft_cheaper_above", "horizon_cost", "load_prices", "per_correct", "plot_break_even", "profiles", "shared_prefix",
]
