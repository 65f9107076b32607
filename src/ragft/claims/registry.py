"""The registry itself: the claims, their rules and references, read and checked from ``data/claims.toml``.

See :mod:`ragft.claims` for the fields.
"""

from __future__ import annotations

import operator
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
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
VERDICTS = ("confirmed", "nuanced", "contradicted", "inconclusive", "not testable")
#: the order in which a rule's verdicts are tried; the first whose conditions hold wins, else "inconclusive"
RULE_ORDER = ("contradicted", "confirmed", "nuanced")
#: how the course names its labs (notebook stem -> name)
LAB_NAMES = {"00_setup": "Lab 0", "01_rag_from_scratch": "Lab 1a", "01_rag_that_works": "Lab 1b", "02_finetune_knowledge": "Lab 2a",
             "02_finetune_behaviour": "Lab 2b", "03_compare": "Lab 3", "04_cost": "Lab 4", "05_performance": "Lab 5",
             "06_hybrid": "Lab 6a", "06_hybrid_format": "Lab 6b", "07_security": "Lab 7", "08_use_cases": "Lab 8"}
FIELDS = {"id", "section", "claim", "experiment", "page", "evidence", "rule", "untested", "verdict", "qualifier", "why"}
REQUIRED = ("id", "section", "claim", "experiment", "page", "why")
RULE_FIELDS = {"experiment", "why", *RULE_ORDER}

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REF = re.compile(r"^(?P<lab>[0-9]{2}_[a-z0-9_]+)::(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<fmt>[^:\s]*))?$")
_HOLD = re.compile(r"^\s*(?P<ref>\S+)\s*(?P<op>>=|<=|==|>|<)\s*(?:(?P<value>-?[0-9.]+(?:e-?[0-9]+)?)|(?P<other>\S+::\S+))\s*$")
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
    """``ref OP value`` or ``ref OP other``: one line a verdict is drawn at."""

    ref: Ref
    op: str
    value: float | None = None
    other: Ref | None = None

    @classmethod
    def parse(cls, text: str, where: str) -> Condition:
        m = _HOLD.match(str(text))
        if not m:
            raise ClaimsError(f"{where}: {text!r} is not a condition; write 'LAB::key OP NUMBER' or 'LAB::key OP LAB::key' "
                              "with OP one of > >= < <= ==, for example '03_compare::cmp_diff_lo_rag_vs_ft_test_unseen > 0'")
        if m["other"]:
            return cls(Ref.parse(m["ref"], where), m["op"], other=Ref.parse(m["other"], where))
        return cls(Ref.parse(m["ref"], where), m["op"], float(m["value"]))

    def refs(self) -> list[Ref]:
        return [self.ref] + ([self.other] if self.other else [])

    def test(self, value: float, other: float | None = None) -> bool:
        return bool(_OPS[self.op](value, other if self.other else self.value))

    def __str__(self) -> str:
        right = f"{self.other.lab}::{self.other.key}" if self.other else f"{self.value:g}"
        return f"{self.ref.lab}::{self.ref.key} {self.op} {right}"


#: one verdict's conditions: any one of the groups, each group all of its conditions
Clause = tuple[tuple[Condition, ...], ...]


@dataclass(frozen=True)
class Rule:
    """A pre-registered verdict rule: the conditions of each verdict, tried in :data:`RULE_ORDER`."""

    name: str
    experiments: tuple[str, ...]
    clauses: Mapping[str, Clause]
    why: str = ""

    def refs(self) -> list[Ref]:
        return [r for clause in self.clauses.values() for group in clause for cond in group for r in cond.refs()]

    def describe(self, condition: Callable[[Condition], str] = str, word: Callable[[str], str] = str,
                 either: str = "or") -> str:
        """The rule in words: ``confirmed if A and B; nuanced if ...; contradicted if (C) or (D); otherwise
        inconclusive``. ``condition`` and ``word`` write a condition and a verdict (the book pastes each
        measured value beside its condition and sets the verdicts in italics)."""
        parts = []
        for verdict in ("confirmed", "nuanced", "contradicted"):
            if verdict in self.clauses:
                groups = [" and ".join(condition(c) for c in group) for group in self.clauses[verdict]]
                if len(groups) > 1:
                    groups = [f"({g})" for g in groups]
                parts.append(f"{word(verdict)} if " + f" {either} ".join(groups))
        return "; ".join(parts) + f"; otherwise {word('inconclusive')}"


@dataclass(frozen=True)
class Decision:
    """What a rule gave for one claim on one build: ``verdict`` is ``None`` when a value it reads is missing."""

    verdict: str | None
    label: str
    missing: tuple[Ref, ...] = ()
    met: tuple[Condition, ...] = ()

    @property
    def css_class(self) -> str:
        """``verdict-nuanced``, ``verdict-not-testable``, ``verdict-not-measured``: how the book and slides mark it."""
        return "verdict-" + (self.verdict or "not measured").replace(" ", "-")


@dataclass(frozen=True)
class Claim:
    id: str
    section: str
    claim: str
    experiment: str
    page: str
    why: str
    evidence: tuple[tuple[str, Ref], ...] = ()
    rule: Rule | None = None
    verdict: str = ""
    untested: str = ""
    qualifier: str = ""

    def label_for(self, verdict: str) -> str:
        """The verdict as the chapters print it: ``nuanced, try a prompt first`` (a qualifier only on nuanced)."""
        return f"{verdict}, {self.qualifier}" if self.qualifier and verdict == "nuanced" else verdict

    def refs(self) -> list[Ref]:
        """Every glued value the claim names: evidence, its rule's conditions, placeholders in ``why``."""
        return [r for _, r in self.evidence] + (self.rule.refs() if self.rule else []) + why_refs(self.why, self.id)


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
    return Path(__file__).resolve().parents[3] / "data" / "claims.toml"


def _clause(value: Any, where: str) -> Clause:
    if isinstance(value, str) or not isinstance(value, list) or not value:
        raise ClaimsError(f"{where}: write a list of conditions (all must hold) or a list of such lists (any one must "
                          "hold), for example [\"04_cost::cost_oneoff_ratio >= 2\"]")
    groups = value if all(isinstance(v, list) for v in value) else [value]
    if not all(groups) or any(not isinstance(c, str) for g in groups for c in g):
        raise ClaimsError(f"{where}: a group of conditions must be a non-empty list of strings")
    return tuple(tuple(Condition.parse(c, where) for c in g) for g in groups)


def _rule(name: str, raw: Any) -> Rule:
    where = f"rule {name!r}"
    if not isinstance(raw, Mapping):
        raise ClaimsError(f"{where} must be a table: [rule.{name}]")
    unknown = set(raw) - RULE_FIELDS
    if unknown:
        raise ClaimsError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; a rule has {', '.join(sorted(RULE_FIELDS))}")
    for needed in ("experiment", "confirmed", "contradicted"):
        if needed not in raw:
            raise ClaimsError(f"{where}: missing {needed!r}; a rule states when the claim is confirmed and when it is "
                              "contradicted, before the labs run")
    exp = raw["experiment"]
    experiments = (exp,) if isinstance(exp, str) else tuple(exp)
    if not experiments or not all(isinstance(e, str) and e.strip() for e in experiments):
        raise ClaimsError(f"{where}: experiment must name the experiment(s) the rule reads")
    clauses = {v: _clause(raw[v], f"{where}, {v}") for v in RULE_ORDER if v in raw}
    return Rule(name, experiments, clauses, " ".join(str(raw.get("why", "")).split()))


def _claim(raw: Mapping[str, Any], n: int, rules: Mapping[str, Rule]) -> Claim:
    where = f"claim {n} ({raw.get('id', 'no id')})"
    unknown = set(raw) - FIELDS
    if unknown:
        hint = ("; 'holds' and 'computed' became rules: name a [rule.NAME] with rule = \"NAME\""
                if unknown & {"holds", "computed"} else "")
        raise ClaimsError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}; a claim has {', '.join(sorted(FIELDS))}{hint}")
    missing = [f for f in REQUIRED if not str(raw.get(f, "")).strip()]
    if missing:
        raise ClaimsError(f"{where}: missing {', '.join(missing)}")
    if not _ID.match(raw["id"]):
        raise ClaimsError(f"{where}: id {raw['id']!r} must be kebab-case (lower-case words joined by '-')")
    if raw["section"] not in SECTIONS:
        raise ClaimsError(f"{where}: section {raw['section']!r} is not one of the article's: {', '.join(SECTIONS)}")
    if raw["page"] not in SECTION_PAGES.values():
        raise ClaimsError(f"{where}: page {raw['page']!r} is not a chapter; use one of {', '.join(SECTION_PAGES.values())}")
    rule = None
    if raw.get("rule"):
        if raw["rule"] not in rules:
            raise ClaimsError(f"{where}: rule {raw['rule']!r} is not defined; add a [rule.{raw['rule']}] table "
                              f"(defined: {', '.join(sorted(rules)) or 'none'})")
        if "verdict" in raw:
            raise ClaimsError(f"{where}: a claim with a rule takes its verdict from it; remove verdict = "
                              f"{raw['verdict']!r} (the build computes it)")
        rule = rules[raw["rule"]]
    elif raw.get("verdict") != "not testable":
        raise ClaimsError(f"{where}: name the rule its verdict follows (rule = \"NAME\"); only a claim no lab can "
                          "test types its verdict, and that verdict is \"not testable\"")
    qualifier = str(raw.get("qualifier", "")).strip()
    untested = str(raw.get("untested", "")).strip()
    if qualifier and not (rule and ("nuanced" in rule.clauses or untested)):
        raise ClaimsError(f"{where}: a qualifier is printed only after 'nuanced', and this claim's rule cannot give "
                          "'nuanced'; add a nuanced clause to its rule, or remove the qualifier")
    evidence = []
    for i, item in enumerate(raw.get("evidence", []), start=1):
        if not isinstance(item, Mapping) or set(item) != {"label", "ref"}:
            raise ClaimsError(f"{where}: evidence {i} must be {{ label = \"...\", ref = \"LAB::key:format\" }}")
        evidence.append((str(item["label"]), Ref.parse(item["ref"], f"{where}, evidence {i}")))
    if not evidence and rule:
        raise ClaimsError(f"{where}: a claim with a rule needs evidence (a glued value); only a 'not testable' claim "
                          "may have none")
    claim = Claim(id=raw["id"], section=raw["section"], claim=raw["claim"].strip(), experiment=raw["experiment"].strip(),
                  page=raw["page"], why=" ".join(raw["why"].split()), evidence=tuple(evidence), rule=rule,
                  verdict="" if rule else raw["verdict"], untested=untested, qualifier=qualifier)
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
    rules = {name: _rule(name, r) for name, r in data.get("rule", {}).items()}
    claims = [_claim(c, i, rules) for i, c in enumerate(raw, start=1)]
    unused = sorted(set(rules) - {c.rule.name for c in claims if c.rule})
    if unused:
        raise ClaimsError(f"{path}: rule(s) {', '.join(unused)} are named by no claim; remove them or use them")
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


def format_value(value: Any, fmt: str) -> str:
    if not fmt:
        return str(value)
    try:
        return format(value, fmt)
    except (ValueError, TypeError):
        return str(value)


