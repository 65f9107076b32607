"""A lab that fails or times out does not take the site down (issue 26).

Builds a four-page book with the course's own execution settings (``execute`` and ``nb_execution_*`` from
``_config.yml``) and its ``lab_failures`` extension: a good notebook, one that raises, one whose cell runs past
its time limit, and a chapter that quotes values from the good and the broken one. The build must exit
non-zero (so CI fails), build every page, and say on each failed page that it failed and why.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
BOX = "This lab failed when this page was built"


def _notebook(*cells: str, metadata: dict | None = None) -> str:
    nb = {
        "cells": [{"cell_type": "markdown", "id": "t", "metadata": {}, "source": [cells[0]]}]
        + [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [],
            "source": [src]} for i, src in enumerate(cells[1:])],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                     **(metadata or {})},
        "nbformat": 4, "nbformat_minor": 5,
    }
    return json.dumps(nb)


def test_the_course_config_lets_a_failing_lab_fail_alone():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    sphinx = config["sphinx"]
    assert sphinx["config"]["nb_execution_raise_on_error"] is False, "myst-nb would stop the whole build at one lab"
    assert "lab_failures" in sphinx["local_extensions"]
    assert config["execute"]["allow_errors"] is False, "an error must still count as a failure"
    assert (ROOT / "course.py").read_text().count('"--keep-going"') >= 1  # make book and python course.py book


@pytest.fixture(scope="module")
def failing_book(tmp_path_factory):
    if not JUPYTER_BOOK.exists():
        pytest.skip(f"jupyter-book is not installed beside {sys.executable} (run `make install`)")
    book = tmp_path_factory.mktemp("book")
    real = yaml.safe_load((ROOT / "_config.yml").read_text())
    config = {
        "title": "failure test", "author": "tests", "only_build_toc_files": True,
        "execute": real["execute"],
        "sphinx": {"local_extensions": {"lab_failures": "_ext"},
                   "config": {k: v for k, v in real["sphinx"]["config"].items() if k.startswith("nb_")}},
    }
    (book / "_config.yml").write_text(yaml.safe_dump(config))
    (book / "_toc.yml").write_text(yaml.safe_dump({
        "format": "jb-book", "root": "intro",
        "chapters": [{"file": "chapter"}, {"file": "good"}, {"file": "broken"}, {"file": "slow"}]}))
    (book / "_ext").mkdir()
    shutil.copy(ROOT / "_ext" / "lab_failures.py", book / "_ext" / "lab_failures.py")
    (book / "intro.md").write_text("# Intro\n\nThe front page.\n")
    (book / "chapter.md").write_text(
        "# Chapter\n\nGood: {glue:text}`good.ipynb::answer:d`. Broken: {glue:text}`broken.ipynb::never:d`.\n")
    (book / "good.ipynb").write_text(_notebook(
        "# Good lab", "from myst_nb import glue\nglue('answer', 42, display=False)\nprint('good lab ran')"))
    (book / "broken.ipynb").write_text(_notebook(
        "# Broken lab", "print('first cell ran')", "raise ValueError('the index is missing')",
        "from myst_nb import glue\nglue('never', 1, display=False)"))
    (book / "slow.ipynb").write_text(_notebook(
        "# Slow lab", "print('before the long cell')", "import time\ntime.sleep(60)",
        metadata={"execution": {"timeout": 3}}))
    out = subprocess.run([str(JUPYTER_BOOK), "build", str(book), "-W", "-n", "--keep-going"],
                         capture_output=True, text=True, timeout=600)
    return book, out


def test_a_failing_lab_still_leaves_the_whole_site(failing_book):
    book, out = failing_book
    log = out.stdout + out.stderr
    assert out.returncode != 0, "a failed lab must make the build (and so CI) fail\n" + log[-3000:]
    html = book / "_build" / "html"
    for page in ("intro", "chapter", "good", "broken", "slow"):
        assert (html / f"{page}.html").is_file(), f"{page}.html was not built\n{log[-3000:]}"
    assert "good lab ran" in (html / "good.html").read_text()
    assert BOX not in (html / "good.html").read_text()
    assert "42" in (html / "chapter.html").read_text(), "a value from a lab that ran is still pasted"


def test_the_failed_pages_say_what_failed_and_what_to_do(failing_book):
    book, out = failing_book
    html = book / "_build" / "html"
    broken = (html / "broken.html").read_text()
    assert BOX in broken and "ValueError" in broken and "the index is missing" in broken
    assert "first cell ran" in broken, "the outputs of the cells that ran are kept"
    assert "make lab" in broken
    slow = (html / "slow.html").read_text()
    assert BOX in slow and "CellTimeoutError" in slow and "3 seconds per cell" in slow
    assert "before the long cell" in slow
    log = out.stdout + out.stderr
    assert "broken failed (CellExecutionError)" in log and "slow failed (CellTimeoutError)" in log


def test_cells_are_timed_for_the_cell_budget(failing_book):
    book, _ = failing_book
    executed = json.loads((book / "_build" / "jupyter_execute" / "good.ipynb").read_text())
    timing = executed["cells"][1]["metadata"].get("execution", {})
    assert "iopub.execute_input" in timing and "shell.execute_reply" in timing, timing
