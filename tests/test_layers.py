"""The package's layers: a module may import from its own layer and the ones below, never from above.

Read from the source with ``ast`` (imports inside functions count: they are dependencies too), so the
layering cannot rot without this test saying where. CONTRIBUTING ("Where new code goes") explains the layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: lowest first; a module belongs to the layer of its longest listed prefix
LAYERS = (
    ("foundation", ("ragft", "ragft.config", "ragft.errors", "ragft.precision", "ragft.device", "ragft.threads", "ragft.labruns")),
    ("data and measures", ("ragft.data", "ragft.metrics", "ragft.book", "ragft.outputs", "ragft.answers")),
    ("models", ("ragft.models",)),
    ("toolkits", ("ragft.rag", "ragft.finetune", "ragft.security")),
    ("experiments", ("ragft.compare", "ragft.hybrid", "ragft.usecases", "ragft.perf", "ragft.cost", "ragft.claims",
                     "ragft.longcontext")),
    ("command line", ("ragft.cli", "ragft.__main__", "ragft.advise")),
)
#: imports that still run up the layers (issue 28 lists them); remove a line when its import is gone
KNOWN: set[tuple[str, str]] = set()


def layer_of(module: str) -> int:
    if module.endswith(".cli") and module != "ragft.cli":  # each toolkit's subcommands are command line
        return len(LAYERS) - 1
    best, level = "", None
    for i, (_, prefixes) in enumerate(LAYERS):
        for p in prefixes:
            if (module == p or module.startswith(p + ".")) and len(p) > len(best):
                best, level = p, i
    if level is None:
        raise AssertionError(f"{module} is in no layer of tests/test_layers.py; add it to LAYERS")
    return level


def module_name(path: Path, src: Path = SRC) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, src: Path = SRC) -> set[str]:
    """The ``ragft`` modules ``path`` imports, relative imports resolved (``from .. import config`` included)."""
    name = module_name(path, src)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "ragft"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "ragft":
                continue
            if node.module is None:  # from .. import config, precision: the names are modules (or the package's)
                out |= {f"{target}.{a.name}" for a in node.names}
            else:
                out.add(target)
    return out


def upward_imports(src: Path = SRC) -> set[tuple[str, str]]:
    found = set()
    for path in sorted((src / "ragft").rglob("*.py")):
        me = module_name(path, src)
        for target in imports(path, src):
            if not (src / Path(*target.split("."))).with_suffix(".py").is_file() and \
                    not (src / Path(*target.split(".")) / "__init__.py").is_file():
                target = target.rsplit(".", 1)[0]  # `from ragft import set_seed`: a name, not a module
            if layer_of(target) > layer_of(me):
                found.add((me, target))
    return found


def test_no_module_imports_from_a_layer_above_it():
    new = upward_imports() - KNOWN
    assert not new, "imports that run up the layers (move the shared code down, or the importer up):\n" + "\n".join(
        f"  {a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})" for a, b in sorted(new))


def test_the_known_exceptions_still_exist():
    gone = KNOWN - upward_imports()
    assert not gone, f"these imports are gone; delete them from KNOWN: {sorted(gone)}"


@pytest.mark.parametrize("source, expected", [
    ("from .. import config\n", {"ragft.config"}),
    ("from ..cli import UsageError\n", {"ragft.cli"}),
    ("def f():\n    from ragft.rag import tune\n", {"ragft.rag"}),
])
def test_imports_are_resolved(tmp_path, source, expected):
    folder = tmp_path / "ragft" / "finetune"
    folder.mkdir(parents=True)
    path = folder / "data.py"
    path.write_text(source)
    assert imports(path, tmp_path) == expected


def test_an_upward_import_is_caught(tmp_path):
    for name, source in {"__init__.py": "", "cli.py": "", "models.py": "def f():\n    from .rag import tune\n",
                         "rag/__init__.py": "", "rag/tune.py": "from .. import models\n",
                         "finetune/__init__.py": "", "finetune/data.py": "from ..cli import UsageError\n"}.items():
        (tmp_path / "ragft" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "ragft" / name).write_text(source)
    assert upward_imports(tmp_path) == {("ragft.models", "ragft.rag"), ("ragft.finetune.data", "ragft.cli")}


#: modules longer than LONG lines, each with the length it may not grow past (issue 28: split them, or say in
#: the module's docstring why it is one module); lower a cap when a module shrinks, remove it once it is short
LONG = 420
KNOWN_LONG = {
    "ragft.data.validation": 455,  # one check per data file, each short; split by file if it grows
    "ragft.rag.index": 712,
    "ragft.rag.pipeline": 682,
    "ragft.perf.ann": 674,
    "ragft.finetune.train": 601,
    "ragft.models": 427,  # loading, caching and running the two models; divergence() could move out
    "ragft.outputs": 479,
}


def test_no_module_grows_past_its_length():
    lengths = {module_name(p): len(p.read_text(encoding="utf-8").splitlines()) for p in (SRC / "ragft").rglob("*.py")}
    too_long = {m: n for m, n in lengths.items() if n > KNOWN_LONG.get(m, LONG)}
    assert not too_long, f"split these modules (lines: {too_long}); the limit is {LONG} lines, see CONTRIBUTING"
    stale = {m: (cap, lengths.get(m)) for m, cap in KNOWN_LONG.items() if lengths.get(m, 0) < cap}
    assert not stale, f"these modules shrank; lower their caps in KNOWN_LONG to their length: {stale}"


#: the RAG toolkit's modules that know the course's own data (its corpus, its questions, the tuned retriever)
COURSE_RAG = {"ragft.rag", "ragft.rag.course", "ragft.rag.suite", "ragft.rag.tune", "ragft.rag.cli"}


def test_generic_rag_modules_do_not_read_the_course_data():
    """An index or a pipeline for your own documents imports nothing of the course's corpus; the course's index
    and its calibrated gate live in ``ragft.rag.course`` (which the pipeline asks, lazily, for its default gate)."""
    found = {}
    for path in sorted((SRC / "ragft" / "rag").glob("*.py")):
        me = module_name(path)
        if me in COURSE_RAG:
            continue
        bad = {t for t in imports(path) if t == "ragft.data" or t.startswith("ragft.data.") or t == "ragft.rag.tune"}
        if bad:
            found[me] = sorted(bad)
    assert not found, f"generic RAG modules that import the course's data (move that code to ragft.rag.course): {found}"
