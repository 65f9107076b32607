"""Verdicts computed from the rules: one claim (:func:`decide`), all of them, the tally, what a build lacks, and
what a lab prints (:func:`explain`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .labs import build_glue_dir, read_glue
from .registry import (
    LAB_NAMES,
    RULE_ORDER,
    VERDICTS,
    Claim,
    ClaimsError,
    Condition,
    Decision,
    by_id,
    format_value,
    load_claims,
)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def decide(claim: Claim, glued: Mapping[tuple[str, str], Any]) -> Decision:
    """The claim's verdict by its rule on the values of one build (``read_glue``).

    A claim with no rule keeps its typed verdict ("not testable"). A rule that reads a value the build does
    not hold as a number gives ``verdict=None`` and lists the missing references.
    """
    if claim.rule is None:
        return Decision(claim.verdict, claim.label_for(claim.verdict))
    values, missing = {}, []
    for ref in claim.rule.refs():
        v = _number(glued.get((ref.lab, ref.key)))
        if v is None:
            missing.append(ref)
        values[(ref.lab, ref.key)] = v
    if missing:
        labs = sorted({LAB_NAMES.get(r.lab, r.lab) for r in missing})
        return Decision(None, f"not measured in this build ({', '.join(labs)} did not run)", tuple(dict.fromkeys(missing)))
    for verdict in RULE_ORDER:
        for group in claim.rule.clauses.get(verdict, ()):
            if all(c.test(values[(c.ref.lab, c.ref.key)], values[(c.other.lab, c.other.key)] if c.other else None)
                   for c in group):
                if verdict == "confirmed" and claim.untested:
                    verdict = "nuanced"
                return Decision(verdict, claim.label_for(verdict), met=group)
    return Decision("inconclusive", "inconclusive")


def decide_all(claims: Iterable[Claim], glued: Mapping[tuple[str, str], Any]) -> dict[str, Decision]:
    return {c.id: decide(c, glued) for c in claims}


def tally(claims: Sequence[Claim], glued: Mapping[tuple[str, str], Any]) -> dict[str, Any]:
    """How many claims got each verdict, and how many distinct rules and experiments they rest on."""
    decided = decide_all(claims, glued)
    counts = {v: sum(d.verdict == v for d in decided.values()) for v in VERDICTS}
    counts["not measured"] = sum(d.verdict is None for d in decided.values())
    rules = {c.rule.name: c.rule for c in claims if c.rule}
    experiments = {e for r in rules.values() for e in r.experiments}
    return {"claims": len(claims), "counts": counts, "rules": len(rules), "experiments": len(experiments)}


def tally_text(claims: Sequence[Claim], glued: Mapping[tuple[str, str], Any]) -> str:
    """``54 claims: 19 confirmed, 31 nuanced, 4 not testable; they rest on 34 rules over 17 distinct experiments``."""
    t = tally(claims, glued)
    counts = ", ".join(f"{n} {v}" for v, n in t["counts"].items() if n)
    return f"{t['claims']} claims: {counts}; they rest on {t['rules']} rules over {t['experiments']} distinct experiments"


def check_against(claims: Sequence[Claim], glued: Mapping[tuple[str, str], Any]) -> list[str]:
    """What stops one build from computing the verdicts: a value a rule reads that a lab which ran did not glue
    as a number (a renamed key, a text where a number belongs). Labs absent from ``glued`` (not built) are
    skipped here; the book marks their claims "not measured" (:func:`decide`)."""
    built = {lab for lab, _ in glued}
    problems = []
    for c in claims:
        if c.rule is None:
            continue
        for ref in dict.fromkeys(c.rule.refs()):
            if ref.lab in built and _number(glued.get((ref.lab, ref.key))) is None:
                problems.append(f"{c.id}: rule {c.rule.name!r} reads {ref.lab}::{ref.key}, which the build glued as "
                                f"{glued.get((ref.lab, ref.key))!r}, not a number; glue the number or fix the rule in "
                                "data/claims.toml")
    return problems


def explain(claim_id: str, lab: str, values: Mapping[str, Any], *, glue_dir: str | Path | None = None,
            path: str | Path | None = None) -> str:
    """What a lab prints after it measured: the claim's rule in words and the verdict it gives now.

    ``values`` are the keys this lab ``lab`` just glued (``{"cost_oneoff_ratio": 16.4}``, what
    :func:`ragft.book.publish` returns); the values of other labs come from the last book build
    (``_build/jupyter_execute``, when there is one). The book computes the same verdict by the same rule.
    """
    claim = by_id(load_claims(path)).get(claim_id)
    if claim is None:
        raise ClaimsError(f"no claim {claim_id!r} in the registry")
    folder = Path(glue_dir) if glue_dir else build_glue_dir()
    glued = dict(read_glue(folder)) if folder and folder.is_dir() else {}
    glued.update({(lab, k): v for k, v in values.items()})
    decision = decide(claim, glued)
    lines = [f"claim {claim.id}: {claim.claim}"]
    if claim.rule:
        lines.append(f"rule {claim.rule.name!r} (fixed in data/claims.toml before this run): {claim.rule.describe()}")
        if decision.met:
            def now(c: Condition) -> str:
                v = format_value(glued[(c.ref.lab, c.ref.key)], "g")
                return v + (f" against {format_value(glued[(c.other.lab, c.other.key)], 'g')}" if c.other else "")

            lines.append("lines crossed: " + ", ".join(f"{c} (now {now(c)})" for c in decision.met))
    lines.append(f"verdict on these numbers: {decision.label}")
    return "\n".join(lines)


