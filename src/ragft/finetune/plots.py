"""Matplotlib figures shared by the fine-tuning labs and the comparison: loss curves, before/after bars."""

from __future__ import annotations

from collections.abc import Mapping


def plot_loss(results: Mapping, *, title: str = "Training loss (answer tokens only)", ax=None):
    """One loss curve per named :class:`~ragft.finetune.TrainResult`, x axis in epochs."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.2))
    else:
        fig = ax.figure
    for name, result in results.items():
        steps = [s for s, _ in result.loss_history]
        losses = [v for _, v in result.loss_history]
        epochs = result.config.get("epochs", 1) or 1
        scale = epochs / max(result.steps, 1)
        ax.plot([s * scale for s in steps], losses, marker=".", label=name)
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_bars(groups: Mapping[str, Mapping[str, float]], *, ylabel: str, title: str, percent: bool = True,
              target: float | None = None):
    """Grouped bars: ``{"test_seen": {"base": 0.1, "fine-tuned": 0.3}, ...}``, values labelled on the bars."""
    import matplotlib.pyplot as plt
    import numpy as np

    group_names = list(groups)
    series = list(dict.fromkeys(s for g in groups.values() for s in g))
    x = np.arange(len(group_names))
    width = 0.8 / max(len(series), 1)
    fig, ax = plt.subplots(figsize=(max(4.5, 1.6 * len(group_names) + 2), 3.4))
    for i, name in enumerate(series):
        values = [groups[g].get(name, np.nan) for g in group_names]
        bars = ax.bar(x + (i - (len(series) - 1) / 2) * width, values, width, label=name)
        ax.bar_label(bars, labels=[f"{v:.0%}" if percent else f"{v:.2f}" for v in values], fontsize=8, padding=2)
    if target is not None:
        ax.axhline(target, color="grey", linestyle="--", linewidth=1, label=f"target {target:.0%}")
    ax.set_xticks(x, group_names)
    ax.set_ylabel(ylabel)
    if percent:
        ax.set_ylim(0, 1.12)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left", ncols=min(len(series) + (target is not None), 4))
    fig.tight_layout()
    return fig
