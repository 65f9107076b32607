"""Sphinx extension for this book: chapters take their verdicts from the claims registry (data/claims.toml).

* ``{verdict}`claim-id``` prints a claim's verdict (``nuanced, try a prompt first``), computed by its rule;
* ```{claim} claim-id``` prints one claim as a short block: the claim, what was measured, the
  evidence (glued from the labs), the verdict and why, and the rule in a folded box;
* ```{claims-table}``` prints the registry as a table (``:section: When to use, Use cases`` for some sections);
* ``{claims-tally}`all``` prints how many claims got each verdict and how many distinct experiments they rest on.

No verdict is typed: the roles leave a placeholder, and once every page has been read (so every lab has run
and glued its numbers) ``doctree-resolved`` replaces it with :func:`ragft.claims.decide`'s verdict on this
build's numbers. A rerun that moves a number across a rule's line moves the verdict. The build warns (and
the ``-W`` build fails, while still writing every page) when a rule reads a value that a lab which ran did not
glue as a number, when a claim cannot be decided because its lab did not run, and when a claim's own
chapter never shows it.
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


def _value_role(ref: C.Ref) -> str:
    return f"{{glue:text}}`../{ref.notebook}::{ref.key}:.3g`"


def _condition_text(c: C.Condition) -> str:
    now = _value_role(c.ref) + (f" against {_value_role(c.other)}" if c.other else "")
    return f"`{c}` (now {now})"


def _rule_text(claim: C.Claim) -> str:
    """The claim's rule in words, each measured value beside its line (glue roles: pasted from the labs)."""
    rule = claim.rule
    text = (f"Rule `{rule.name}`, fixed in `data/claims.toml` before this build's labs ran, tried in the order "
            f"contradicted, confirmed, nuanced: {rule.describe(_condition_text, lambda v: f'*{v}*', '**or**')}.")
    if rule.why:
        text += f" {rule.why}"
    if claim.untested:
        text += f" Not measured: {claim.untested}, so a measured *confirmed* is reported as *nuanced*."
    return text


def _evidence(claim: C.Claim) -> str:
    if not claim.evidence:
        return "none the course can measure"
    return "; ".join(f"{label}: {ref.role()}" for label, ref in claim.evidence)


class pending_verdict(nodes.inline):
    """Where a verdict (``claim``) or the tally (``tally``) goes, filled in by :func:`_resolve`."""


class VerdictRole(SphinxRole):
    """``{verdict}`claim-id```: the claim's verdict and qualifier, computed by its rule on this build's numbers."""

    def run(self):
        claim_id = self.text.strip()
        claim = _registry(self.env).get(claim_id)
        if claim is None:
            msg = self.inliner.reporter.error(f"{{verdict}}: no claim {claim_id!r} in data/claims.toml", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        _use(self.env, claim_id)
        return [pending_verdict("", "", claim=claim_id)], []


class TallyRole(SphinxRole):
    """``{claims-tally}`all```: ``54 claims: 16 confirmed, ...; 34 rules on 17 distinct experiments``."""

    def run(self):
        return [pending_verdict("", "", tally=self.text.strip() or "all")], []


def _glue_folder(env) -> Path | None:
    folder = getattr(getattr(env, "mystnb_config", None), "output_folder", None)
    return Path(folder) if folder and Path(folder).is_dir() else None


def _glued(env) -> dict:
    folder = _glue_folder(env)
    return C.read_glue(folder) if folder else {}


def _resolve(app, doctree, docname):
    """Fill every verdict placeholder with the verdict this build's numbers give (all labs have run by now)."""
    found = list(doctree.findall(pending_verdict))
    if not found:
        return
    registry, glued = _registry(app.env), _glued(app.env)
    for node in found:
        if node.get("tally"):
            text, classes = C.tally_text(list(registry.values()), glued), ["claims-tally"]
        else:
            d = C.decide(registry[node["claim"]], glued)
            text = d.label
            classes = ["verdict", d.css_class]
        node.replace_self(nodes.inline(text, text, classes=classes))


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
                 f"**Verdict: {{verdict}}`{claim.id}`.** {C.render_why(claim.why)}"]
        if claim.rule:
            lines += ["", "```{admonition} How this verdict is decided", ":class: dropdown", _rule_text(claim), "```"]
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
                      f"  - **{{verdict}}`{c.id}`**. {_cell(C.render_why(c.why))}{where}"]
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
    if _glue_folder(env):
        glued = _glued(env)
        for problem in C.check_against(list(registry.values()), glued):
            logger.warning(f"claims registry: {problem}", type="ragft", subtype="claims")
        for claim_id, d in C.decide_all(registry.values(), glued).items():
            if d.verdict is None:
                logger.warning(f"claims registry: {claim_id}: {d.label}; its page shows that instead of a verdict",
                               type="ragft", subtype="claims")
    used = getattr(env, "ragft_claims_used", {})
    pages = {doc.rsplit("/", 1)[-1]: ids for doc, ids in used.items() if doc.startswith("chapters/")}
    for claim in registry.values():
        if claim.page in pages and claim.id not in pages[claim.page]:
            logger.warning(f"claims registry: claim {claim.id!r} names chapters/{claim.page}.md as its page, "
                           "which never shows its verdict ({verdict} role, {claim} or {claims-table})",
                           type="ragft", subtype="claims")


def _outdated(app, env, added, changed, removed):
    """Pages that show verdicts are written again on every build: a lab that reran may have moved one."""
    return sorted(doc for doc, ids in getattr(env, "ragft_claims_used", {}).items() if ids and doc not in removed)


def setup(app):
    app.add_node(pending_verdict)
    app.add_role("verdict", VerdictRole())
    app.add_role("claims-tally", TallyRole())
    app.add_directive("claim", ClaimDirective)
    app.add_directive("claims-table", ClaimsTableDirective)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", _check)
    app.connect("env-get-outdated", _outdated)
    app.connect("doctree-resolved", _resolve)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True, "env_version": 2}
