"""Sphinx extension for this book: chapters take their verdicts from the claims registry (data/claims.toml).

* ``{verdict}`claim-id``` prints the registry's verdict for a claim (``confirmed, with the cause corrected``);
* ```{claim} claim-id``` prints one claim as a short block: the claim, what was measured, the
  evidence (glued from the labs), the verdict and why;
* ```{claims-table}``` prints the registry as a table (``:section: When to use, Use cases`` for some sections).

So a verdict is written once, in the registry. When every lab has run, the extension compares the registry
with what the labs glued (:func:`ragft.claims.check_against`: a bound a verdict rests on that no longer
holds, a verdict computed by a lab that says something else) and warns, which fails the ``-W`` build.
It also warns about a claim its own chapter never shows.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

from ragft import claims as C

logger = logging.getLogger(__name__)


_LOADED: dict[tuple[str, float], dict[str, C.Claim]] = {}


def _registry(env) -> dict[str, C.Claim]:
    """The registry, read again whenever the file changes (never kept in the pickled environment)."""
    path = Path(env.srcdir) / "data" / "claims.toml"
    key = (str(path), path.stat().st_mtime if path.exists() else 0.0)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = C.by_id(C.load_claims(path))
    return _LOADED[key]


def _use(env, claim_id: str) -> None:
    if not hasattr(env, "ragft_claims_used"):
        env.ragft_claims_used = {}
    env.ragft_claims_used.setdefault(env.docname, set()).add(claim_id)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _evidence(claim: C.Claim) -> str:
    if not claim.evidence:
        return "none the course can measure"
    return "; ".join(f"{label}: {ref.role()}" for label, ref in claim.evidence)


class VerdictRole(SphinxRole):
    """``{verdict}`claim-id```: the claim's verdict and qualifier, from the registry."""

    def run(self):
        claim_id = self.text.strip()
        claim = _registry(self.env).get(claim_id)
        if claim is None:
            msg = self.inliner.reporter.error(f"{{verdict}}: no claim {claim_id!r} in data/claims.toml", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        _use(self.env, claim_id)
        node = nodes.inline(claim.label, claim.label, classes=["verdict", f"verdict-{claim.verdict.replace(' ', '-')}"])
        return [node], []


class _MystDirective(SphinxDirective):
    def _parse(self, lines: list[str]) -> list[nodes.Node]:
        container = nodes.container(classes=["ragft-claims"])
        self.state.nested_parse(StringList(lines, source=self.env.docname), self.content_offset, container)
        return [container]


class ClaimDirective(_MystDirective):
    """One claim: the article's claim, the experiment, the evidence, the verdict and why."""

    required_arguments = 1
    has_content = False

    def run(self):
        claim = _registry(self.env).get(self.arguments[0])
        if claim is None:
            raise self.error(f"no claim {self.arguments[0]!r} in data/claims.toml")
        _use(self.env, claim.id)
        lines = [f"**Claim ({claim.section}):** {claim.claim}", "",
                 f"**Measured:** {claim.experiment} Evidence: {_evidence(claim)}.", "",
                 f"**Verdict: {claim.label}.** {C.render_why(claim.why)}"]
        return self._parse(lines)


class ClaimsTableDirective(_MystDirective):
    """The registry as a table, all of it or only the claims of some sections."""

    has_content = False
    option_spec = {"section": directives.unchanged, "widths": directives.unchanged}

    def run(self):
        registry = _registry(self.env)
        wanted = [s.strip() for s in self.options.get("section", "").split(",") if s.strip()]
        unknown = [s for s in wanted if s not in C.SECTIONS]
        if unknown:
            raise self.error(f"unknown section(s) {unknown}; sections are {', '.join(C.SECTIONS)}")
        chosen = [c for c in registry.values() if not wanted or c.section in wanted]
        here = self.env.docname.rsplit("/", 1)[-1]
        lines = ["```{list-table}", ":header-rows: 1", f":widths: {self.options.get('widths', '30 34 36')}", "",
                 "* - Claim", "  - Evidence", "  - Verdict"]
        for c in chosen:
            _use(self.env, c.id)
            where = "" if c.page == here else f" ({{doc}}`{c.page}`)"
            lines += [f"* - {_cell(c.claim)} *({c.section})*",
                      f"  - {_cell(_evidence(c))}",
                      f"  - **{c.label}**. {_cell(C.render_why(c.why))}{where}"]
        lines.append("```")
        return self._parse(lines)


def _purge(app, env, docname):
    getattr(env, "ragft_claims_used", {}).pop(docname, None)


def _merge(app, env, docnames, other):
    used = getattr(other, "ragft_claims_used", {})
    if not hasattr(env, "ragft_claims_used"):
        env.ragft_claims_used = {}
    for doc in docnames:
        if doc in used:
            env.ragft_claims_used[doc] = used[doc]


def _check(app, env):
    registry = _registry(env)
    folder = getattr(getattr(env, "mystnb_config", None), "output_folder", None)
    if folder and Path(folder).is_dir():
        for problem in C.check_against(list(registry.values()), C.read_glue(folder)):
            logger.warning(f"claims registry: {problem}", type="ragft", subtype="claims")
    used = getattr(env, "ragft_claims_used", {})
    pages = {doc.rsplit("/", 1)[-1]: ids for doc, ids in used.items() if doc.startswith("chapters/")}
    for claim in registry.values():
        if claim.page in pages and claim.id not in pages[claim.page]:
            logger.warning(f"claims registry: claim {claim.id!r} names chapters/{claim.page}.md as its page, "
                           "which never shows its verdict ({verdict} role, {claim} or {claims-table})",
                           type="ragft", subtype="claims")


def setup(app):
    app.add_role("verdict", VerdictRole())
    app.add_directive("claim", ClaimDirective)
    app.add_directive("claims-table", ClaimsTableDirective)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", _check)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
