"""The book layer: what a lab hands to the chapters, and the words a paired interval is written in.

Two things every lab did its own way until now, written once here:

* :func:`publish` glues plain Python values for the chapters (``glue(key, value, display=False)`` for
  each), converting numpy scalars and checking the type, so a chapter's ``{glue:text}`` always
  formats a number, never a repr. Figures are not published here: a figure is shown on the lab
  page by ``glue(key, fig)`` (CONTRIBUTING: "Figures need alt text").
* :func:`interval_words` and :func:`better_words` turn the interval of a difference ``A - B`` into words,
  by the rule of :func:`ragft.metrics.interval_verdict` (A is better only when the whole interval is
  above zero). :func:`interval` reads the interval under either of its two historical spellings
  (``ci95`` in the comparison harness, ``ci`` in :func:`ragft.metrics.compare_paired`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from .metrics import interval_verdict

#: what the course says when the interval contains zero
TIE_WORDS = "no difference these questions can detect"


def interval(d: Mapping[str, Any] | Sequence[float]) -> tuple[float, float]:
    """``(low, high)`` of a difference: a result dict with ``ci95`` or ``ci``, or the pair itself."""
    if isinstance(d, Mapping):
        for key in ("ci95", "ci"):
            if key in d:
                return interval(d[key])
        raise KeyError(f"no interval in this result (keys: {sorted(d)}); expected 'ci95' or 'ci'")
    lo, hi = (float(v) for v in d)
    if not (math.isnan(lo) or math.isnan(hi)) and lo > hi:
        raise ValueError(f"an interval's low end must not exceed its high end, got ({lo}, {hi})")
    return lo, hi


def interval_words(d: Mapping[str, Any] | Sequence[float], above: str, below: str, *, tie: str = TIE_WORDS) -> str:
    """``above`` when the interval of a difference lies above zero, ``below`` when below, else ``tie``.

    The one place where an interval becomes words (a verdict such as ``"confirmed"``, or a phrase for a
    chapter); every lab's verdict rule that reads one difference calls this or :func:`better_words`."""
    side = interval_verdict(interval(d))
    return above if side == "a" else below if side == "b" else tie


def better_words(d: Mapping[str, Any] | Sequence[float], a: str, b: str, *, tie: str = TIE_WORDS) -> str:
    """``"<a> better"``, ``"<b> better"`` or ``tie`` for the interval of ``a - b`` (see the module docstring)."""
    return interval_words(d, f"{a} better", f"{b} better", tie=tie)


def plain(value: Any) -> int | float | str | bool:
    """``value`` as a plain Python ``bool``, ``int``, ``float`` or ``str`` (numpy scalars included)."""
    if isinstance(value, (bool, str)):
        return value
    if hasattr(value, "item") and getattr(value, "shape", None) == ():  # a numpy scalar or 0-d array
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(f"publish takes numbers, booleans and strings, got {type(value).__name__} ({value!r}); "
                    "glue a figure with glue(key, fig) and a table as the numbers it holds")


def publish(**values: Any) -> dict[str, int | float | str | bool]:
    """Glue each ``key=value`` for the chapters as a plain value, not shown on the lab page; returns them."""
    from myst_nb import glue  # the book's own mechanism; imported here so the package does not need it

    out = {key: plain(value) for key, value in values.items()}
    for key, value in out.items():
        glue(key, value, display=False)
    return out
