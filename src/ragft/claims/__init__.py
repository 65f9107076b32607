"""The registry of the article's claims (``data/claims.toml``): each claim, its evidence and the rule of its verdict.

Every chapter takes its verdicts from this file (the book's ``_ext/claims.py`` renders them with the
``{verdict}`` role and the ``{claim}`` and ``{claims-table}`` directives). A verdict is never typed: each
testable claim names a **rule**, written down before the labs run, that maps the glued measurements to every
verdict, and the book build computes the verdict from what the labs measured. A rerun that moves a
measurement across a rule's line moves the verdict on the site; it does not break the build.

A rule (``[rule.NAME]``, shared by the claims that rest on the same evidence) is

``experiment``
    the experiment(s) it reads (``"update"``, ``["house format", "ticket classification"]``): the verdict
    chapter counts distinct experiments beside the tally, so 54 claims are not mistaken for 54 experiments;
``contradicted``, ``confirmed``, ``nuanced``
    the conditions of each verdict, tried in that order; the first whose conditions all hold is the
    verdict, and when none holds the verdict is ``inconclusive``. A verdict's value is a list of conditions
    (all must hold) or a list of such lists (any one must hold). A condition is ``LAB::key OP NUMBER`` or
    ``LAB::key OP LAB::key`` with OP one of ``> >= < <= ==`` (``"03_compare::cmp_diff_lo_rag_vs_ft_test_unseen > 0"``:
    the whole interval of the difference lies above zero). ``confirmed`` and ``contradicted`` are required;
``why``
    why the lines are where they are (a non-inferiority margin, the course's usable-accuracy bar).

A claim is

``id``, ``section``
    a unique kebab-case name and the article section it comes from (:data:`SECTIONS`, in article order);
``claim``, ``experiment``, ``page``
    the claim in the course's words, what the course measured, and the chapter that discusses it;
``evidence``
    ``{label, ref}`` items; a ref is ``LAB::glue_key[:format]`` (``04_cost::cost_oneoff_ratio:.0f``),
    a value the lab ``labs/LAB.ipynb`` glues when it runs;
``rule``
    the name of its rule; a claim no lab can test has none and says ``verdict = "not testable"``;
``untested``
    part of the claim no lab measures (``"live sources queried at answer time"``): a claim confirmed only in
    part is *nuanced*, so a rule's ``confirmed`` is reported as ``nuanced`` for it;
``qualifier``, ``why``
    the few words printed after a *nuanced* verdict (only there: a qualifier on "confirmed" would hide a
    nuance), and the reason; numbers in ``why`` appear only as ``[[LAB::key:format]]`` placeholders, which
    become glue roles in the book.

:func:`decide` computes one claim's verdict from the values a build glued (``*.glue.json``, :func:`read_glue`);
:func:`check_against` lists what stops a build from computing them; ``python -m ragft.claims --check [--glue DIR]``
runs every check from the command line and prints the tally.
"""

from .labs import build_glue_dir, evidence_text, glued_keys, missing_evidence, read_glue
from .registry import (
    FIELDS,
    LAB_NAMES,
    REQUIRED,
    RULE_FIELDS,
    RULE_ORDER,
    SECTION_PAGES,
    SECTIONS,
    VERDICTS,
    Claim,
    ClaimsError,
    Clause,
    Condition,
    Decision,
    Ref,
    Rule,
    by_id,
    default_path,
    format_value,
    load_claims,
    render_why,
    why_refs,
    why_with_values,
)
from .verdicts import check_against, decide, decide_all, explain, tally, tally_text

__all__ = ["build_glue_dir", "FIELDS", "LAB_NAMES", "REQUIRED", "RULE_FIELDS", "RULE_ORDER", "SECTIONS", "SECTION_PAGES", "VERDICTS", "Claim",
           "ClaimsError", "Clause", "Condition", "Decision", "Ref", "Rule", "by_id", "check_against", "decide", "decide_all",
           "default_path", "evidence_text", "explain", "format_value", "glued_keys", "load_claims", "main", "missing_evidence",
           "read_glue", "render_why", "tally", "tally_text", "why_refs", "why_with_values"]


def main(argv: list[str] | None = None) -> int:
    from .__main__ import main as _main

    return _main(argv)
