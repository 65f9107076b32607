"""Sphinx extension for this book: a lab that fails does not take the site down, and its page says so.

myst-nb stops the whole Sphinx build when a notebook fails and ``nb_execution_raise_on_error`` is true (even
with ``--keep-going``). The book sets it to false, myst-nb's own switch for this: a failing or timed-out
notebook is then reported as a ``mystnb.exec`` warning (``-W`` turns it into a non-zero exit, so CI still
fails), its page is built with the outputs of the cells that ran, and every other page is built too.

A page that silently lacks half its outputs would mislead a reader, so this extension puts a box at the top
of each lab page whose execution failed: that it failed, the error and its last lines, and what to do. It
reads myst-nb's execution data (``NbMetadataCollector.get_exec_data``), which myst-nb records for every
notebook it executes. It also asks nbclient to record each cell's start and end (``record_timing``), which
myst-nb leaves off, so ``bench/time_notebooks.py --from-build`` can report each lab's slowest cell from the
executed notebooks in ``_build/jupyter_execute``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from docutils import nodes
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: how many lines of the traceback the box shows (the end, where the error is)
TRACEBACK_LINES = 12


def _record_cell_timing() -> None:
    """Have nbclient stamp every executed cell with its start and end (``cell.metadata.execution``)."""
    from myst_nb.core.execute import direct

    if not getattr(direct.single_nb_execution, "_ragft_timing", False):
        timed = functools.partial(direct.single_nb_execution, record_timing=True)
        timed._ragft_timing = True
        direct.single_nb_execution = timed


def failure_advice(error: str | None, timeout: int | None) -> str:
    """What a reader should do about a lab that failed with ``error`` (an exception class name)."""
    if error == "CellTimeoutError":
        return (f"A cell ran longer than the build's limit of {timeout} seconds per cell, which happens on a busy "
                "machine. Close other programs and build again (cached steps are kept, so the next run starts "
                "where this one stopped), or raise `execute.timeout` in `_config.yml`.")
    return ("Open the notebook in JupyterLab (`make lab`) and run it from the top to see the error where it "
            "happens; the chapter pages that quote this lab show no value for what it did not compute.")


def _failure_box(docname: str, exec_data: dict, timeout: int | None) -> nodes.Element:
    error = exec_data.get("error") or "an error"
    box = nodes.admonition(classes=["error", "lab-failed"])
    box += nodes.title(text="This lab failed when this page was built")
    box += nodes.paragraph(text=f"Its notebook stopped with {error}, so the outputs below end at the cell that "
                                f"failed and the results after it are missing. {failure_advice(error, timeout)}")
    tb = (exec_data.get("traceback") or "").strip().splitlines()
    if tb:
        tail = "\n".join(tb[-TRACEBACK_LINES:])
        box += nodes.literal_block(tail, tail, language="text")
    return box


def _timeout(app, docname: str) -> int | None:
    """The per-cell limit the notebook ran under: its own ``execution.timeout`` metadata, else the book's."""
    try:
        meta = json.loads(Path(app.env.doc2path(docname)).read_text()).get("metadata", {})
        return int(meta["execution"]["timeout"])
    except (OSError, ValueError, KeyError, TypeError):
        return app.config["nb_execution_timeout"]


def _mark_failed(app, doctree) -> None:
    env = app.env
    exec_data = NbMetadataCollector.get_exec_data(env, env.docname)
    if not exec_data or exec_data.get("succeeded", True):
        return
    box = _failure_box(env.docname, exec_data, _timeout(app, env.docname))
    section = next(iter(doctree.findall(nodes.section)), None)
    parent = section if section is not None else doctree
    title = next((i for i, child in enumerate(parent.children) if isinstance(child, nodes.title)), -1)
    parent.insert(title + 1, box)
    logger.warning(f"[lab_failures] {env.docname} failed ({exec_data.get('error')}); its page says so and the "
                   "rest of the site is built", type="ragft", subtype="lab_failed")


def setup(app):
    _record_cell_timing()
    app.connect("doctree-read", _mark_failed)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
