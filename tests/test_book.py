"""The book's structure and the notebook conventions of CONTRIBUTING.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted((ROOT / "labs").glob("*.ipynb"))


def toc_files(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every `file:` and `root:` entry of a Jupyter Book table of contents."""
    toc = yaml.safe_load(toc_path.read_text())
    found: list[str] = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def toc_problems(root: Path = ROOT) -> list[str]:
    problems = []
    listed = set()
    for entry in toc_files(root / "_toc.yml"):
        stem = str(Path(entry).with_suffix("")) if Path(entry).suffix in (".md", ".ipynb") else entry
        if not any((root / f"{stem}{ext}").is_file() for ext in (".md", ".ipynb")):
            problems.append(f"_toc.yml names {entry}, which does not exist")
        listed.add(stem)
    for folder in ("chapters", "labs"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".md", ".ipynb") and ".ipynb_checkpoints" not in path.parts:
                stem = str(path.relative_to(root).with_suffix(""))
                if stem not in listed:
                    problems.append(f"{path.relative_to(root)} is not in _toc.yml")
    return problems


def test_toc_and_files_agree():
    assert toc_problems() == []


def test_toc_check_catches_both_kinds_of_mistake(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "labs").mkdir()
    (tmp_path / "chapters" / "a.md").write_text("# A")
    (tmp_path / "chapters" / "orphan.md").write_text("# not listed")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: chapters/a\nchapters:\n  - file: labs/missing\n")
    problems = toc_problems(tmp_path)
    assert "_toc.yml names labs/missing, which does not exist" in problems
    assert "chapters/orphan.md is not in _toc.yml" in problems
    assert len(problems) == 2


def test_there_are_labs():
    assert LABS, "labs/ holds no notebook"


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.name)
def test_lab_is_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them (Edit > Clear Outputs of All Cells) before committing"


@pytest.mark.parametrize("path", LABS, ids=lambda p: p.name)
def test_lab_follows_the_conventions(path):
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    text = lambda c: "".join(c["source"])  # noqa: E731
    first = text(cells[0])
    assert first.startswith("# Lab "), f"{path.name}: the first cell must be the title '# Lab N — ...'"
    for word in ("Objectives", "Time", "Prerequisites"):
        assert f"**{word}" in first, f"{path.name}: the title cell must state **{word}**"
    code = [c for c in cells if c["cell_type"] == "code"]
    assert any(re.search(r"^\s*assert ", text(c), re.M) for c in code), f"{path.name}: no check cell with assert"
    solutions = [c for c in code if text(c).lstrip().startswith("# Solution")]
    assert solutions, f"{path.name}: no exercise solution cell"
    for c in solutions:
        assert "hide-input" in c["metadata"].get("tags", []), f"{path.name}: a solution cell is not hidden on the site"
        assert c["metadata"].get("jupyter", {}).get("source_hidden"), f"{path.name}: a solution cell is not collapsed in JupyterLab"
    assert any(text(c).startswith("## Summary") for c in cells if c["cell_type"] == "markdown"), f"{path.name}: no '## Summary'"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
