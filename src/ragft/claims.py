"""The registry of the article's claims (``data/claims.toml``): each claim, its evidence and its verdict, once.

Every chapter takes its verdicts from this file (the book's ``_ext/claims.py`` renders them with the
``{verdict}`` role and the ``{claims-table}`` directive), so a verdict is written in one place. A claim is

``id``, ``section``
    a unique kebab-case name and the article section it comes from (:data:`SECTIONS`, in article order);
``claim``, ``experiment``, ``page``
    the claim in the course's words, what the course measured, and the chapter that discusses it;
``evidence``
    ``{label, ref}`` items; a ref is ``LAB::glue_key[:format]`` (``04_cost::cost_oneoff_ratio:.0f``),
    a value the lab ``labs/LAB.ipynb`` glues when it runs;
``holds``
    conditions on glued numbers the verdict rests on (``"03_compare::cmp_diff_lo_rag_vs_ft_test_unseen > 0"``):
    the book build fails when a rerun stops satisfying one, instead of publishing a stale verdict;
``computed``
    a verdict string the lab computes from its paired intervals; the registry's verdict must be its first word;
``verdict``, ``qualifier``, ``why``
    one of :data:`VERDICTS`, a few words after it, and the reason; numbers in ``why`` appear only as
    ``[[LAB::key:format]]`` placeholders, which become glue roles in the book.

:func:`check_against` compares the registry with the values a build glued (``*.glue.json``);
``python -m ragft.claims --check [--glue DIR]`` runs every check from the command line.
"""

from __future__ import annotations

import argparse
import ast
import json
import operator
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: the article's sections, in its order
SECTIONS = ("Quick answer", "What is RAG", "What is fine-tuning", "Difference", "When to use", "Cost", "Performance",
            "Use cases", "Together", "FAQ", "Final verdict")
#: the chapter of each section (stems in ``chapters/``)
SECTION_PAGES = dict(zip(SECTIONS, ("01_quick_answer", "02_what_is_rag", "03_what_is_finetuning", "04_difference",
                                    "05_when_to_use", "06_cost", "07_performance", "08_use_cases", "09_hybrid",
                                    "10_faq", "11_verdict"), strict=True))
VERDICTS = ("confirmed", "nuanced", "contradicted", "not testable")
#: how the course names its labs (notebook stem -> name)
LAB_NAMES = {"00_setup": "Lab 0", "01_rag_from_scratch": "Lab 1a", "01_rag_that_works": "Lab 1b", "02_finetune_knowledge": "Lab 2a",
             "02_finetune_behaviour": "Lab 2b", "03_compare": "Lab 3", "04_cost": "Lab 4", "05_performance": "Lab 5",
             "06_hybrid": "Lab 6a", "06_hybrid_format": "Lab 6b", "07_security": "Lab 7", "08_use_cases": "Lab 8"}
FIELDS = {"id", "section", "claim", "experiment", "page", "evidence", "holds", "computed", "verdict", "qualifier", "why"}
REQUIRED = ("id", "section", "claim", "experiment", "page", "verdict", "why")

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REF = re.compile(r"^(?P<lab>[0-9]{2}_[a-z0-9_]+)::(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<fmt>[^:\s]*))?$")
_HOLD = re.compile(r"^\s*(?P<ref>\S+)\s*(?P<op>>=|<=|==|>|<)\s*(?P<value>-?[0-9.]+(?:e-?[0-9]+)?)\s*$")
_PLACEHOLDER = re.compile(r"\[\[([^\]]+)\]\]")
_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "==": operator.eq}


class ClaimsError(ValueError):
    """The registry cannot be used: a problem with the file, a claim, or a reference in it."""


@dataclass(frozen=True)
class Ref:
    """A glued value: ``lab`` (notebook stem), ``key``, and the format spec the book shows it with."""

    lab: str
    key: str
    fmt: str = ""

    @classmethod
    def parse(cls, text: str, where: str = "reference") -> Ref:
        m = _REF.match(str(text).strip())
        if not m:
            raise ClaimsError(f"{where}: {text!r} is not a reference; write LAB::glue_key or LAB::glue_key:format, "
                              "for example 04_cost::cost_oneoff_ratio:.0f")
        return cls(m["lab"], m["key"], m["fmt"] or "")

    @property
    def notebook(self) -> str:
        return f"labs/{self.lab}.ipynb"

    def role(self) -> str:
        """The MyST glue role that pastes this value into a chapter (``chapters/`` is one level down)."""
        return f"{{glue:text}}`../{self.notebook}::{self.key}" + (f":{self.fmt}" if self.fmt else "") + "`"

    def __str__(self) -> str:
        return f"{self.lab}::{self.key}" + (f":{self.fmt}" if self.fmt else "")


@dataclass(frozen=True)
class Condition:
    """``ref OP value``: a bound a verdict rests on."""

    ref: Ref
    op: str
    value: float

    @classmethod
    def parse(cls, text: str, where: str) -> Condition:
        m = _HOLD.match(str(text))
        if not m:
            raise ClaimsError(f"{where}: {text!r} is not a condition; write 'LAB::key OP NUMBER' with OP one of "
                              "> >= < <= ==, for example '03_compare::cmp_diff_lo_rag_vs_ft_test_unseen > 0'")
        return cls(Ref.parse(m["ref"], where), m["op"], float(m["value"]))

    def test(self, value: float) -> bool:
        return bool(_OPS[self.op](value, self.value))

    def __str__(self) -> str:
        return f"{self.ref.lab}::{self.ref.key} {self.op} {self.value:g}"


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    claim: str
    experiment: str
    page: str
    verdict: str
    why: str
    evidence: tuple[tuple[str, Ref], ...] = ()
    holds: tuple[Condition, ...] = ()
    computed: Ref | None = None
    qualifier: str = ""

    @property
    def label(self) -> str:
        """The verdict as the chapters print it: ``confirmed, with the cause corrected``."""
        return f"{self.verdict}, {self.qualifier}" if self.qualifier else self.verdict

    def refs(self) -> list[Ref]:
        """Every glued value the claim names: evidence, conditions, the computed verdict, placeholders in ``why``."""
        out = [r for _, r in self.evidence] + [c.ref for c in self.holds] + ([self.computed] if self.computed else [])
        return out + why_refs(self.why, self.id)


def why_refs(text: str, where: str = "why") -> list[Ref]:
    return [Ref.parse(m, f"{where}: placeholder [[{m}]]") for m in _PLACEHOLDER.findall(text)]


def render_why(text: str) -> str:
    """``why`` with each ``[[LAB::key:fmt]]`` placeholder turned into its glue role (for the book)."""
    return _PLACEHOLDER.sub(lambda m: Ref.parse(m.group(1)).role(), text)


def why_with_values(text: str, glued: Mapping[tuple[str, str], Any]) -> str:
    """``why`` with each ``[[LAB::key:fmt]]`` placeholder replaced by the value a build glued (for slides).

    A value the build does not hold raises :class:`ClaimsError`, so a deck never shows a gap or a stale number.
    """
    def value(m: re.Match) -> str:
        ref = Ref.parse(m.group(1))
        if (ref.lab, ref.key) not in glued:
            raise ClaimsError(f"the build holds no value for {ref}; build the book (make book) first")
        return format_value(glued[(ref.lab, ref.key)], ref.fmt)

    return _PLACEHOLDER.sub(value, text)


def default_path() -> Path:
    """``data/claims.toml`` of the course checkout this package was installed from."""
    return Path(__file__).resolve().parents[2] / "data" / "claims.toml"


def _claim(raw: Mapping[str, Any], n: int) -> Claim:
    where = f"claim {n} ({raw.get('id', 'no id')})"
    unknown = set(raw) - FIELDS
    if unknown:
        raise ClaimsError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; a claim has {', '.join(sorted(FIELDS))}")
    missing = [f for f in REQUIRED if not str(raw.get(f, "")).strip()]
    if missing:
        raise ClaimsError(f"{where}: missing {', '.join(missing)}")
    if not _ID.match(raw["id"]):
        raise ClaimsError(f"{where}: id {raw['id']!r} must be kebab-case (lower-case words joined by '-')")
    if raw["section"] not in SECTIONS:
        raise ClaimsError(f"{where}: section {raw['section']!r} is not one of the article's: {', '.join(SECTIONS)}")
    if raw["verdict"] not in VERDICTS:
        raise ClaimsError(f"{where}: verdict {raw['verdict']!r} must be one of {', '.join(VERDICTS)}")
    if raw["page"] not in SECTION_PAGES.values():
        raise ClaimsError(f"{where}: page {raw['page']!r} is not a chapter; use one of {', '.join(SECTION_PAGES.values())}")
    evidence = []
    for i, item in enumerate(raw.get("evidence", []), start=1):
        if not isinstance(item, Mapping) or set(item) != {"label", "ref"}:
            raise ClaimsError(f"{where}: evidence {i} must be {{ label = \"...\", ref = \"LAB::key:format\" }}")
        evidence.append((str(item["label"]), Ref.parse(item["ref"], f"{where}, evidence {i}")))
    if not evidence and raw["verdict"] != "not testable":
        raise ClaimsError(f"{where}: a {raw['verdict']} claim needs evidence (a glued value); "
                          "only a 'not testable' claim may have none")
    holds = tuple(Condition.parse(h, f"{where}, holds") for h in raw.get("holds", []))
    computed = Ref.parse(raw["computed"], f"{where}, computed") if raw.get("computed") else None
    claim = Claim(id=raw["id"], section=raw["section"], claim=raw["claim"].strip(), experiment=raw["experiment"].strip(),
                  page=raw["page"], verdict=raw["verdict"], why=" ".join(raw["why"].split()), evidence=tuple(evidence),
                  holds=holds, computed=computed, qualifier=str(raw.get("qualifier", "")).strip())
    why_refs(claim.why, where)
    if re.search(r"(?<![\w\[:.])\d+(?:\.\d+)?\s*(?:%|percent|points|times|seconds|ms)\b", _PLACEHOLDER.sub("", claim.why)):
        raise ClaimsError(f"{where}: 'why' types a measured figure; put it in as a [[LAB::key:format]] placeholder")
    return claim


def load_claims(path: str | Path | None = None) -> list[Claim]:
    """Read and check the registry: known fields, valid references, unique ids, claims in article order."""
    path = Path(path) if path else default_path()
    if not path.is_file():
        raise ClaimsError(f"no claims registry at {path}; it lives in the course's data/claims.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ClaimsError(f"{path} is not valid TOML: {err}") from None
    raw = data.get("claim")
    if not isinstance(raw, list) or not raw:
        raise ClaimsError(f"{path} holds no claims; each one is a [[claim]] table")
    claims = [_claim(c, i) for i, c in enumerate(raw, start=1)]
    seen: set[str] = set()
    for c in claims:
        if c.id in seen:
            raise ClaimsError(f"claim id {c.id!r} appears twice in {path}")
        seen.add(c.id)
    order = [SECTIONS.index(c.section) for c in claims]
    for (a, b), c in zip(zip(order, order[1:]), claims[1:]):
        if b < a:
            raise ClaimsError(f"claim {c.id!r} ({c.section}) comes after a later section's claim; keep the article's order")
    return claims


def by_id(claims: Iterable[Claim]) -> dict[str, Claim]:
    return {c.id: c for c in claims}


# --------------------------------------------------------------------------------------------------
# checks against the labs


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
                out[(lab, key)] = text
    return out


def format_value(value: Any, fmt: str) -> str:
    if not fmt:
        return str(value)
    try:
        return format(value, fmt)
    except (ValueError, TypeError):
        return str(value)


def check_against(claims: Sequence[Claim], glued: Mapping[tuple[str, str], Any]) -> list[str]:
    """Disagreements between the registry and what the labs measured in one build.

    A condition in ``holds`` that the glued value no longer satisfies, and a ``computed`` verdict whose
    first word is not the registry's verdict. Labs absent from ``glued`` (not built) are skipped.
    """
    built = {lab for lab, _ in glued}
    problems = []
    for c in claims:
        for cond in c.holds:
            if cond.ref.lab not in built:
                continue
            value = glued.get((cond.ref.lab, cond.ref.key))
            if not isinstance(value, (int, float)):
                problems.append(f"{c.id}: condition {cond}: the build glued no number under that key ({value!r})")
            elif not cond.test(value):
                problems.append(f"{c.id}: the registry says {c.verdict!r}, resting on {cond}, but the labs measured "
                                f"{value:g}; rerun or revise the verdict in data/claims.toml")
        if c.computed and c.computed.lab in built:
            value = glued.get((c.computed.lab, c.computed.key))
            said = computed_verdict(value)
            if said != c.verdict:
                problems.append(f"{c.id}: the registry says {c.verdict!r} but {c.computed.lab} computed {value!r}; "
                                "the measurement changed: revise the verdict in data/claims.toml")
    return problems


def computed_verdict(value: Any) -> str | None:
    """The verdict a lab's computed string starts with (``"confirmed, with ..."`` -> ``"confirmed"``), else ``None``
    (``"not confirmed"`` is no verdict of the registry's, so it never passes for one)."""
    text = str(value or "").strip().lower()
    for verdict in sorted(VERDICTS, key=len, reverse=True):
        if text.startswith(verdict) and not text[len(verdict):len(verdict) + 1].isalnum():
            return verdict
    return None


def evidence_text(claim: Claim, glued: Mapping[tuple[str, str], Any] | None = None) -> list[str]:
    """``label: value`` for each evidence item, with the value from ``glued`` where a build holds it."""
    out = []
    for label, ref in claim.evidence:
        value = (glued or {}).get((ref.lab, ref.key))
        out.append(f"{label}: {format_value(value, ref.fmt)}" if value is not None
                   else f"{label} ({LAB_NAMES.get(ref.lab, ref.lab)})")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ragft.claims", description="Check the claims registry.")
    parser.add_argument("--check", action="store_true", help="check the file, the labs' glue keys, and a build's values")
    parser.add_argument("--registry", metavar="FILE", help="default: data/claims.toml")
    parser.add_argument("--glue", metavar="DIR", help="a build's jupyter_execute folder (default: _build/jupyter_execute if present)")
    args = parser.parse_args(argv)
    try:
        claims = load_claims(args.registry)
    except ClaimsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    root = (Path(args.registry).resolve().parents[1] if args.registry else default_path().parents[1])
    problems = missing_evidence(claims, root / "labs")
    glue_dir = Path(args.glue) if args.glue else root / "_build" / "jupyter_execute"
    if glue_dir.is_dir():
        problems += check_against(claims, read_glue(glue_dir))
    counts = {v: sum(c.verdict == v for c in claims) for v in VERDICTS}
    print(f"{len(claims)} claims: " + ", ".join(f"{n} {v}" for v, n in counts.items()))
    for p in problems:
        print("problem:", p)
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
