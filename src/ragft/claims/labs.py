"""What the labs glue, read two ways: from a notebook's source (the keys it glues, without running it) and
from a book build (the values, ``*.glue.json``)."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .registry import LAB_NAMES, Claim, format_value


def _published_keys(source: str) -> set[str]:
    """The keyword names of every ``publish(key=value, ...)`` call (:func:`ragft.book.publish`) in ``source``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a cell with IPython syntax: fall back to the keywords on the call's lines
        return set(re.findall(r"\b([a-z][a-z0-9]*_[a-z0-9_]+)\s*=", source.split("publish(", 1)[-1]))
    return {kw.arg for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "publish"
            for kw in node.keywords if kw.arg}


def glued_keys(notebook: str | Path) -> set[str]:
    """The keys a notebook's code glues (``glue("key", ...)`` or ``publish(key=...)``), read from its source,
    without running it."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    keys: set[str] = set()
    for cell in nb["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] != "code":
            continue
        if "publish(" in source:
            keys |= _published_keys(source)
        if "glue(" not in source:
            continue
        for a, b in re.findall(r"""glue\(\s*f?(?:"([^"]+)"|'([^']+)')""", source):
            keys.add(a or b)
        # keys glued in a loop over a literal mapping: {"rag_base_acc": ..., ...}.items() or (("key", value), ...)
        keys |= set(re.findall(r"""["']([a-z][a-z0-9]*_[a-z0-9_]+)["']\s*[:,]""", source))
    return keys


def missing_evidence(claims: Sequence[Claim], labs_dir: str | Path) -> list[str]:
    """Problems with references to labs: a notebook that does not exist, a key that its code never glues.

    Keys glued in a loop with an f-string (``glue(f"cmp_acc_{name}", ...)``) count as present when a
    literal part matches, since their full names only exist once the lab has run.
    """
    labs_dir = Path(labs_dir)
    problems, cache = [], {}
    for c in claims:
        for ref in c.refs():
            nb = labs_dir / f"{ref.lab}.ipynb"
            if not nb.is_file():
                problems.append(f"{c.id}: {ref} names a lab that does not exist ({nb.name})")
                continue
            keys = cache.setdefault(ref.lab, glued_keys(nb))
            if ref.key in keys:
                continue
            patterns = [re.compile("^" + re.sub(r"\\\{[^}]*\\\}", ".+", re.escape(k)) + "$") for k in keys if "{" in k]
            if not any(p.match(ref.key) for p in patterns):
                problems.append(f"{c.id}: {ref.lab} never glues {ref.key!r}")
    return problems


def build_glue_dir() -> Path | None:
    """The last book build's ``_build/jupyter_execute``: under the current folder, else under the course checkout
    this package was installed from; ``None`` when neither has been built."""
    from .registry import default_path

    for folder in (Path.cwd() / "_build" / "jupyter_execute", default_path().parents[1] / "_build" / "jupyter_execute"):
        if folder.is_dir():
            return folder
    return None


def read_glue(folder: str | Path) -> dict[tuple[str, str], Any]:
    """The values a book build glued: ``{(lab, key): value}`` from ``<folder>/labs/*.glue.json``.

    ``folder`` is the build's ``jupyter_execute`` folder (``_build/jupyter_execute``). Values are parsed
    from their plain-text form (numbers and strings); figures and tables stay as their text.
    """
    out: dict[tuple[str, str], Any] = {}
    for path in sorted(Path(folder).glob("labs/*.glue.json")):
        lab = path.name[: -len(".glue.json")]
        for key, item in json.loads(path.read_text(encoding="utf-8")).items():
            text = item.get("data", {}).get("text/plain", "") if isinstance(item, dict) else str(item)
            try:
                out[(lab, key)] = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                out[(lab, key)] = float(text) if text in ("inf", "-inf", "nan") else text
    return out


def evidence_text(claim: Claim, glued: Mapping[tuple[str, str], Any] | None = None) -> list[str]:
    """``label: value`` for each evidence item, with the value from ``glued`` where a build holds it."""
    out = []
    for label, ref in claim.evidence:
        value = (glued or {}).get((ref.lab, ref.key))
        out.append(f"{label}: {format_value(value, ref.fmt)}" if value is not None
                   else f"{label} ({LAB_NAMES.get(ref.lab, ref.lab)})")
    return out


