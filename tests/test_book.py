"""The book's structure and the notebook conventions of CONTRIBUTING.md."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[1]
LABS = sorted((ROOT / "labs").glob("*.ipynb"))
#: a lab's optional depth: built as pages without running (_config.yml), run by make deep-dives and make test
DEEP_DIVES = sorted((ROOT / "labs" / "deep_dives").glob("*.ipynb"))
NOTEBOOKS = LABS + DEEP_DIVES


def _check_site():
    if "check_site" not in sys.modules:
        spec = importlib.util.spec_from_file_location("check_site", ROOT / "scripts" / "check_site.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["check_site"] = module
        spec.loader.exec_module(module)
    return sys.modules["check_site"]


#: every `file:` and `root:` entry of a Jupyter Book table of contents (shared with the browser check)
toc_files = _check_site().toc_entries


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lab_is_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; clear them (Edit > Clear Outputs of All Cells) before committing"


#: the title a notebook opens with: '# Lab N — ...' in labs/, '# Deep dive (Lab N) — ...' in labs/deep_dives/
TITLE = {"labs": (r"# Lab ", "# Lab N — ..."), "deep_dives": (r"# Deep dive \(Lab (\d+)[ab]?\) — ", "# Deep dive (Lab N) — ...")}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lab_follows_the_conventions(path):
    """A lab and a deep dive read alike: title with objectives, time and prerequisites, checks, hidden solutions,
    a summary."""
    nb = json.loads(path.read_text())
    cells = nb["cells"]
    text = lambda c: "".join(c["source"])  # noqa: E731
    first = text(cells[0])
    pattern, title = TITLE[path.parent.name]
    assert re.match(pattern, first), f"{path.name}: the first cell must be the title '{title}'"
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


ARTICLE_CHAPTERS = [ROOT / "chapters" / f"{n:02d}_{name}.md" for n, name in enumerate(
    ("quick_answer", "what_is_rag", "what_is_finetuning", "difference", "when_to_use", "cost", "performance",
     "use_cases", "hybrid", "faq", "verdict"), start=1)]


@pytest.mark.parametrize("path", ARTICLE_CHAPTERS, ids=lambda p: p.stem)
def test_chapter_names_its_labs_and_their_times(path):
    """Each chapter of the article says which lab(s) it rests on, with their measured times ({lab-card})."""
    text = path.read_text()
    assert re.search(r"^```\{(lab-card|lab-table)\}", text, re.M), (
        f"{path.name}: no lab card; add ```{{lab-card}} labs/NN_name``` after the first paragraph")
    assert not re.search(r"\b\d+(\.\d+)? ?(min|minutes|seconds)\b", re.sub(r"\{[a-z:-]+\}`[^`]*`", "", text)), (
        f"{path.name} types a duration; paste it with {{labtime}} or glue")


EXERCISE = re.compile(r"^\*\*Exercise (\d+)\b(?P<predict> \(predict, then run\))?", re.M)


def exercise_headings(cells: list[dict]) -> list[tuple[int, bool]]:
    """(number, predict-first?) of each ``**Exercise N ...**`` heading in the lab's Markdown cells."""
    return [(int(m[1]), bool(m["predict"])) for c in cells if c["cell_type"] == "markdown"
            for m in EXERCISE.finditer("".join(c["source"]))]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lab_has_three_exercises_one_predict_first(path):
    cells = json.loads(path.read_text())["cells"]
    found = exercise_headings(cells)
    numbers = [n for n, _ in found]
    assert len(found) >= 3, f"{path.name}: {len(found)} exercises ('**Exercise N.**'); a lab needs at least three"
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: exercises numbered {numbers}"
    assert any(p for _, p in found), (f"{path.name}: no exercise asks to predict before running; mark one "
                                      "'**Exercise N (predict, then run).**' and make it change a setting")
    solutions = [c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).lstrip().startswith("# Solution")]
    assert len(solutions) >= len(found), f"{path.name}: {len(found)} exercises but {len(solutions)} solution cells"


def test_exercise_headings_are_read_with_their_kind():
    cells = [{"cell_type": "markdown", "source": ["## Exercises\n\n**Exercise 1.** a\n"]},
             {"cell_type": "markdown", "source": ["**Exercise 2 (predict, then run) — Batches.** b"]},
             {"cell_type": "code", "source": ["**Exercise 3.** not markdown"]}]
    assert exercise_headings(cells) == [(1, False), (2, True)]


# --------------------------------------------------------------------------------------------------
# Glossary, figures' alt text, printed paths

CHAPTERS = sorted((ROOT / "chapters").glob("*.md"))
GLOSSARY = ROOT / "chapters" / "glossary.md"
TERM_ROLE = re.compile(r"\{term\}`([^`]+)`")

#: Pages whose figures do not have alt text yet (CONTRIBUTING.md, "Figures need alt text", gives the
#: recipe). Remove a page from this set when you apply the recipe to it; the set may only shrink.
ALT_TEXT_TODO: set[str] = set()


def glossary_term_list(path: Path = GLOSSARY) -> list[str]:
    """Every term of the ``{glossary}`` blocks (unindented lines inside them), lower-cased, in order."""
    terms, inside = [], False
    for line in path.read_text().splitlines():
        if line.startswith("```{glossary}"):
            inside = True
        elif inside and line.startswith("```"):
            inside = False
        elif inside and line.strip() and not line[0].isspace() and not line.startswith(":"):
            terms.append(line.strip().lower())
    return terms


def glossary_terms(path: Path = GLOSSARY) -> set[str]:
    return set(glossary_term_list(path))


def test_glossary_has_each_term_once():
    """Sphinx warns on a term defined twice, and the book is built with warnings as errors."""
    terms = glossary_term_list()
    assert len(terms) == len(set(terms)), sorted({t for t in terms if terms.count(t) > 1})


def test_every_glossary_block_is_closed_before_the_next_heading():
    """An unclosed ```{glossary} fence swallows the next heading and block (Sphinx then fails the -W build)."""
    open_at = None
    for number, line in enumerate(GLOSSARY.read_text().splitlines(), start=1):
        if line.startswith("```{glossary}"):
            assert open_at is None, f"line {number}: a glossary block opens inside the one opened at line {open_at}"
            open_at = number
        elif line.strip() == "```":
            open_at = None
        elif line.startswith("#"):
            assert open_at is None, f"line {number}: heading inside the glossary block opened at line {open_at}"
    assert open_at is None, f"the glossary block opened at line {open_at} is never closed"


def _term_target(text: str) -> str:
    m = re.fullmatch(r"(.*?)\s*<([^>]+)>", text)
    return (m.group(2) if m else text).strip().lower()


def _pages() -> list[tuple[str, str]]:
    """(name, markdown text) of every chapter and every lab's markdown cells."""
    pages = [(str(p.relative_to(ROOT)), p.read_text()) for p in CHAPTERS]
    for path in LABS:
        cells = json.loads(path.read_text())["cells"]
        pages.append((str(path.relative_to(ROOT)), "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")))
    return pages


def test_every_term_link_has_a_glossary_entry():
    terms = glossary_terms()
    assert {"recall@k", "mrr", "ndcg", "macro-f1", "bootstrap interval", "paired bootstrap", "rank", "alpha",
            "learning rate", "epoch", "step", "greedy decoding", "prefill", "decode", "token", "chunk", "embedding",
            "top-k", "abstention", "false abstention", "raft", "oracle chunk", "distractor"} <= terms
    missing = [(name, t) for name, text in _pages() for t in TERM_ROLE.findall(text) if _term_target(t) not in terms]
    assert not missing, f"{{term}} links to words the glossary does not define: {missing}"


def test_glossary_worked_examples_are_right():
    """The glossary's examples are arithmetic; recompute them with the course's own functions."""
    from sklearn.metrics import f1_score

    from ragft import metrics as M

    # recall@k: gold {A, B}; ranking A, C, D -> 1/2 at k=1 and k=3; ranking A, C, B -> 1 at k=3
    assert M.recall_at_k(["A", "C", "D"], {"A", "B"}, 1) == M.recall_at_k(["A", "C", "D"], {"A", "B"}, 3) == 0.5
    assert M.recall_at_k(["A", "C", "B"], {"A", "B"}, 3) == 1.0
    # MRR: first gold at rank 1, rank 3, nowhere -> (1 + 1/3 + 0) / 3 = 0.44
    rrs = [M.reciprocal_rank(r, {"A"}) for r in (["A"], ["C", "D", "A"], ["C", "D"])]
    assert round(sum(rrs) / 3, 2) == 0.44
    # nDCG: one gold document at rank 2 -> 0.63, reciprocal rank 0.5
    assert round(M.ndcg_at_k(["C", "A", "D"], {"A"}, 5), 2) == 0.63
    assert M.reciprocal_rank(["C", "A", "D"], {"A"}) == 0.5
    # bootstrap: 3 of 10 -> [0 %, 60 %]; 0 of 10 -> [0 %, 0 %]; Wilson upper end for 0 of 10 -> 28 %
    assert M.bootstrap_ci([1] * 3 + [0] * 7) == (0.0, 0.6)
    assert M.bootstrap_ci([0] * 10) == (0.0, 0.0)
    z = 1.959964
    assert round(z * z / (10 + z * z), 2) == 0.28
    # paired bootstrap: A right wherever B is, plus on 3 more of 10 -> +30 points, interval from 0: a tie
    a, b = [1] * 5 + [0] * 5, [1] * 2 + [0] * 8
    result = M.compare_paired(a, b)
    assert round(result["diff"], 2) == 0.3 and result["ci"][0] == 0.0 and result["verdict"] == "tie"
    # macro-F1: seven equally common labels, always "billing" -> accuracy 1/7, macro-F1 0.04
    labels = ["billing", "shipping", "returns", "technical", "account", "sales", "warranty"]
    truth = [label for label in labels for _ in range(14)]
    assert round(f1_score(truth, ["billing"] * len(truth), labels=labels, average="macro", zero_division=0), 2) == 0.04
    # break-even: 100 more to prepare, 0.01 less per answer -> equal totals at 10 000 answers
    from ragft import cost

    a = cost.SystemProfile("a", train_s=100.0, generation_s=0.02)
    b = cost.SystemProfile("b", generation_s=0.03)
    one_per_second = cost.Prices(cpu_hour=3600.0, gpu_hour=0.0, input_per_million=0.0, output_per_million=0.0)
    (row,) = cost.break_even({"a": a, "b": b}, one_per_second, updates_per_month=[0], months=1)
    assert row["cheaper_above"] == "a" and round(row["queries_per_day"] * cost.DAYS_PER_MONTH) == 10_000


def test_figures_have_alt_text():
    """Each figure pasted into a chapter has :alt:, and each lab cell that glues a figure gives its image alt
    text in its metadata (``"mystnb": {"image": {"alt": ...}}``)."""
    problems = []
    for path in CHAPTERS:
        name = str(path.relative_to(ROOT))
        for _, block in re.findall(r"^(```|:::)\{glue\}[^\n]*\n(.*?)^\1", path.read_text(), re.M | re.S):
            if not re.search(r"^:alt:\s*\S", block, re.M) and name not in ALT_TEXT_TODO:
                problems.append(f"{name}: a {{glue}} figure has no :alt:")
    for path in LABS:
        name = str(path.relative_to(ROOT))
        for i, cell in enumerate(json.loads(path.read_text())["cells"]):
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and re.search(r"glue\(\s*f?[\"']\w*_fig_", source):
                alt = cell["metadata"].get("mystnb", {}).get("image", {}).get("alt", "")
                if not alt.strip() and name not in ALT_TEXT_TODO:
                    problems.append(f"{name}: cell {i} glues a figure but has no mystnb.image.alt metadata")
    assert not problems, problems
    assert all((ROOT / name).exists() for name in ALT_TEXT_TODO), "ALT_TEXT_TODO names a file that no longer exists"


def test_display_path_hides_this_machines_folders(tmp_path, monkeypatch):
    from ragft import config

    monkeypatch.setenv("RAGFT_CACHE_DIR", str(tmp_path / "cache"))
    assert config.display_path(tmp_path / "cache" / "adapters" / "x") == "<cache>/adapters/x"
    assert config.display_path(tmp_path / "cache") == "<cache>"
    assert config.display_path(Path.home() / "notes.txt") == "~/notes.txt"
    assert config.display_path("HuggingFaceTB/SmolLM2-360M-Instruct") == "HuggingFaceTB/SmolLM2-360M-Instruct"
    if config.REPO_ROOT is not None:
        assert config.display_path(ROOT / "data" / "kb" / "v1") == "data/kb/v1"
    monkeypatch.setenv("RAGFT_CACHE_DIR", str(Path.home() / ".cache" / "ragft"))
    assert config.display_path(Path.home() / ".cache" / "ragft" / "models") == "<cache>/models"  # innermost wins


# --------------------------------------------------------------------------------------------------
# No lab asserts on a time: a busy laptop changes times, not token counts or answers

#: words that name a measured time or speed in the labs' code
TIMING = re.compile(r"(_ms\b|_ms\[|_s\b|seconds|speedup|per_s\b|tokens_per_s|elapsed|perf_counter|wall"
                    r"|peak_gb|peak_mb|peak_rss|maxrss|rss_mb|rss_gb)", re.I)
#: a comparison with zero ("took some time", "did no retrieval") says nothing about speed
WITH_ZERO = re.compile(r"\s*(>|>=|==|!=)\s*0(?![.\d])")


def timing_asserts(source: str) -> list[str]:
    """Assert statements of a code cell that compare a measured time, speed or memory peak with something
    (all three change with what else the machine runs: they are budgets for ``bench/``, not checks)."""
    found = []
    for line in source.splitlines():
        stripped = line.strip()
        if not stripped.startswith("assert "):
            continue
        condition = stripped.split(",")[0] if "," in stripped else stripped
        condition = WITH_ZERO.sub(" ", condition)
        if TIMING.search(condition) and re.search(r"<|>|==", condition):
            found.append(stripped)
    return found


def test_timing_assert_scanner_catches_both_kinds():
    assert timing_asserts("assert speedup > 1.2, speedup")
    assert timing_asserts("assert ft['total_ms'] < rag['total_ms']")
    assert not timing_asserts("assert rag.retrain_s == 0 and ft.retrain_s > 0")
    assert not timing_asserts("assert len(rows) == 3  # counts")
    assert timing_asserts('assert peak_gb < 4, f"peak memory {peak_gb:.1f} GB"')
    assert timing_asserts("assert result.peak_rss_mb < 4000")
    assert not timing_asserts("assert run.adapter_mb < 10  # a file size, the same on any machine")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_lab_asserts_on_a_time(path):
    cells = json.loads(path.read_text())["cells"]
    bad = [a for c in cells if c["cell_type"] == "code" for a in timing_asserts("".join(c["source"]))]
    assert not bad, (f"{path.name} asserts on a measured time, speed or memory peak, which a busy machine (or the next "
                     f"run) flips; glue the value, hold it to its budget in bench/, and assert on something load cannot "
                     f"change (token counts, answers): {bad}")


# --------------------------------------------------------------------------------------------------
# Deep dives: a lab's optional depth, shown by the default build without running it (issue 26)


def deep_dive_problems(path: Path, root: Path = ROOT) -> list[str]:
    """What keeps a notebook in ``labs/deep_dives/`` from being a deep dive the book can carry: it must be
    excluded from the build's execution (else it costs the build its time), named by the lab it deepens (else
    no learner finds it), and no page may paste a value from it (the default build never computes one). That
    it is written like a lab (title, time, checks, hidden solutions, exercises, summary) is checked by the
    tests every notebook passes (:func:`test_lab_follows_the_conventions` and the exercise test)."""
    import yaml

    rel = path.relative_to(root).as_posix()
    problems = []
    patterns = (yaml.safe_load((root / "_config.yml").read_text()).get("execute") or {}).get("exclude_patterns") or []
    if not any(PurePosixPath(rel).match(p) for p in patterns):
        problems.append(f"{rel} is executed by the default build; add it to execute.exclude_patterns in _config.yml")
    cells = json.loads(path.read_text())["cells"]
    m = re.match(TITLE["deep_dives"][0], "".join(cells[0]["source"]) if cells else "")
    if not m:
        problems.append(f"{rel}: the first cell must be the title '{TITLE['deep_dives'][1]}', naming its lab")
    else:
        labs = sorted((root / "labs").glob(f"{int(m[1]):02d}_*.ipynb"))
        if not any(path.name in (lab.read_text()) for lab in labs):
            problems.append(f"{rel}: Lab {m[1]} does not link to it; say in the lab what it adds and how long it takes")
    for page in [*(root / "chapters").glob("*.md"), *(root / "labs").rglob("*.ipynb")]:
        if f"{path.name}::" in page.read_text():
            problems.append(f"{page.relative_to(root)} pastes a value from {rel}, which the default build never runs")
    return problems


def test_there_is_a_deep_dive():
    assert DEEP_DIVES, "labs/deep_dives/ holds no notebook"


@pytest.mark.parametrize("path", DEEP_DIVES, ids=lambda p: p.name)
def test_deep_dive_is_skipped_by_the_build_and_found_from_its_lab(path):
    assert deep_dive_problems(path) == []


def test_deep_dive_check_catches_each_mistake(tmp_path):
    (tmp_path / "labs" / "deep_dives").mkdir(parents=True)
    (tmp_path / "chapters").mkdir()
    (tmp_path / "_config.yml").write_text("execute:\n  exclude_patterns: []\n")
    (tmp_path / "labs" / "06_x.ipynb").write_text(json.dumps({"cells": []}))
    (tmp_path / "chapters" / "c.md").write_text("{glue:text}`../labs/deep_dives/06_y.ipynb::k:.0%`")
    deep = tmp_path / "labs" / "deep_dives" / "06_y.ipynb"
    deep.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Deep dive (Lab 6) — y\n**Objectives** **Time**"]},
        {"cell_type": "code", "metadata": {}, "source": ["# Solution\nprint(1)"]}]}))
    found = deep_dive_problems(deep, tmp_path)
    for words in ("execute.exclude_patterns", "does not link to it", "pastes a value"):
        assert any(words in p for p in found), (words, found)
    assert len(found) == 3, found
    deep.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Lab 6 — y"]}]}))
    assert any("naming its lab" in p for p in deep_dive_problems(deep, tmp_path))
