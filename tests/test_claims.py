"""The claims registry (data/claims.toml): complete, consistent with the labs, and the only source of verdicts."""

import re
import textwrap
from pathlib import Path

import pytest

from ragft import claims as C

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
REGISTRY = C.load_claims(ROOT / "data" / "claims.toml")
BY_ID = C.by_id(REGISTRY)

VERDICT_ROLE = re.compile(r"\{verdict\}`([^`]+)`")
CLAIM_DIRECTIVE = re.compile(r"^```\{claim\}\s+(\S+)", re.M)
TABLE_DIRECTIVE = re.compile(r"^```\{claims-table\}[^\n]*\n((?::[^\n]*\n)*)", re.M)
#: a verdict typed in prose: "**Verdict: confirmed", "**Verdict on x: nuanced", or a verdict glued from a lab
TYPED_VERDICT = re.compile(r"\*\*Verdict[^*\n:]*:\s*(?:confirmed|nuanced|contradicted|not testable|\{glue)", re.I)


def shown_on(page: str) -> set[str]:
    """The claims a chapter shows: {verdict} roles, {claim} blocks, and {claims-table} (by its :section:)."""
    path = CHAPTERS / f"{page}.md"
    if not path.is_file():
        return set()
    text = path.read_text()
    ids = set(VERDICT_ROLE.findall(text)) | set(CLAIM_DIRECTIVE.findall(text))
    for options in TABLE_DIRECTIVE.findall(text):
        m = re.search(r"^:section:\s*(.*)$", options, re.M)
        sections = {s.strip() for s in m.group(1).split(",")} if m else set(C.SECTIONS)
        ids |= {c.id for c in REGISTRY if c.section in sections}
    return ids


def test_every_section_of_the_article_has_claims_with_verdicts():
    sections = {c.section for c in REGISTRY}
    assert sections == set(C.SECTIONS), f"sections without a claim: {set(C.SECTIONS) - sections}"
    assert len(REGISTRY) >= 30
    for c in REGISTRY:
        assert c.verdict in C.VERDICTS and c.why
        assert c.evidence or c.verdict == "not testable", c.id


def test_the_article_lists_are_all_there():
    """The article's enumerations, counted: 8 'use when' conditions, 8 use cases, 8 FAQs, 3 quick rules, 5 table rows."""
    count = lambda s: sum(c.section == s for c in REGISTRY)  # noqa: E731
    assert count("When to use") >= 8 and count("Use cases") >= 8 and count("FAQ") >= 8
    assert count("Quick answer") >= 3 and count("Difference") >= 5 and count("Final verdict") >= 3


def test_every_reference_is_glued_by_a_lab():
    assert C.missing_evidence(REGISTRY, ROOT / "labs") == []


def test_every_claim_is_shown_on_its_own_page():
    for c in REGISTRY:
        assert c.id in shown_on(c.page), f"{c.id}: chapters/{c.page}.md never shows its verdict"


def test_the_verdict_chapter_lists_every_claim():
    text = (CHAPTERS / "11_verdict.md").read_text()
    tables = TABLE_DIRECTIVE.findall(text)
    assert tables and any(":section:" not in t for t in tables), "11_verdict.md needs an unfiltered {claims-table}"
    assert shown_on("11_verdict") >= set(BY_ID)


@pytest.mark.parametrize("path", sorted(CHAPTERS.glob("*.md")), ids=lambda p: p.name)
def test_chapters_take_verdicts_from_the_registry(path):
    text = path.read_text()
    typed = [m.group(0) for m in TYPED_VERDICT.finditer(text)]
    assert not typed, f"{path.name} types verdicts instead of using {{verdict}}`claim-id`: {typed}"
    unknown = [i for i in VERDICT_ROLE.findall(text) + CLAIM_DIRECTIVE.findall(text) if i not in BY_ID]
    assert not unknown, f"{path.name} names claims the registry does not have: {unknown}"


def test_chapters_are_in_the_articles_order_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    pages = re.findall(r"file: chapters/(\d\d_\w+)", toc)
    assert pages == sorted(pages) and pages == list(C.SECTION_PAGES.values())


# --------------------------------------------------------------------------------------------------
# the checks themselves


def write(tmp_path, body: str) -> Path:
    path = tmp_path / "claims.toml"
    path.write_text(textwrap.dedent(body))
    return path


GOOD = """\
    [[claim]]
    id = "cost-launch"
    section = "Cost"
    claim = "RAG is cheaper to launch."
    experiment = "Lab 4 times both."
    page = "06_cost"
    evidence = [{ label = "ratio", ref = "04_cost::cost_oneoff_ratio:.0f" }]
    holds = ["04_cost::cost_oneoff_ratio > 1"]
    computed = "04_cost::cost_start_verdict"
    verdict = "confirmed"
    why = "Training took [[04_cost::cost_oneoff_ratio:.0f]] times the compute."
    """


def test_a_good_claim_loads_and_renders(tmp_path):
    (claim,) = C.load_claims(write(tmp_path, GOOD))
    assert claim.label == "confirmed" and claim.computed.key == "cost_start_verdict"
    assert C.render_why(claim.why) == "Training took {glue:text}`../labs/04_cost.ipynb::cost_oneoff_ratio:.0f` times the compute."
    assert [str(r) for r in claim.refs()][-1] == "04_cost::cost_oneoff_ratio:.0f"


@pytest.mark.parametrize("change, message", [
    (('id = "cost-launch"', 'id = "Cost Launch"'), "kebab-case"),
    (('section = "Cost"', 'section = "Costs"'), "not one of the article's"),
    (('verdict = "confirmed"', 'verdict = "true"'), "must be one of"),
    (('page = "06_cost"', 'page = "cost"'), "is not a chapter"),
    (('evidence = [{ label = "ratio", ref = "04_cost::cost_oneoff_ratio:.0f" }]', 'evidence = []'), "needs evidence"),
    (('ref = "04_cost::cost_oneoff_ratio:.0f"', 'ref = "cost_oneoff_ratio"'), "is not a reference"),
    (('"04_cost::cost_oneoff_ratio > 1"', '"04_cost::cost_oneoff_ratio is big"'), "is not a condition"),
    (("times the compute", "times the compute, 15 times"), "types a measured figure"),
    (('why = "', 'colour = "red"\nwhy = "'), "unknown field"),
])
def test_a_bad_claim_is_refused_with_the_fix(tmp_path, change, message):
    with pytest.raises(C.ClaimsError, match=message):
        C.load_claims(write(tmp_path, GOOD.replace(*change)))


def test_duplicates_and_order_are_refused(tmp_path):
    with pytest.raises(C.ClaimsError, match="appears twice"):
        C.load_claims(write(tmp_path, GOOD + "\n" + GOOD))
    earlier = GOOD.replace('id = "cost-launch"', 'id = "qa-x"').replace('section = "Cost"', 'section = "Quick answer"')
    with pytest.raises(C.ClaimsError, match="article's order"):
        C.load_claims(write(tmp_path, GOOD + "\n" + earlier))


def test_check_against_catches_a_changed_measurement(tmp_path):
    claims = C.load_claims(write(tmp_path, GOOD))
    ok = {("04_cost", "cost_oneoff_ratio"): 15.2, ("04_cost", "cost_start_verdict"): "confirmed, for compute"}
    assert C.check_against(claims, ok) == []
    flipped = {**ok, ("04_cost", "cost_oneoff_ratio"): 0.8}
    assert "measured 0.8" in C.check_against(claims, flipped)[0]
    for said in ("contradicted", "not confirmed", "confirmedly"):
        problems = C.check_against(claims, {**ok, ("04_cost", "cost_start_verdict"): said})
        assert len(problems) == 1 and "revise the verdict" in problems[0], said
    assert C.check_against(claims, {("03_compare", "x"): 1}) == []  # lab 04 not built: nothing to compare


def test_computed_verdict_reads_only_whole_verdicts():
    assert C.computed_verdict("confirmed: with the filter inside") == "confirmed"
    assert C.computed_verdict("not testable here") == "not testable"
    assert C.computed_verdict("not confirmed") is None and C.computed_verdict(None) is None


def test_read_glue_parses_values(tmp_path):
    (tmp_path / "labs").mkdir()
    (tmp_path / "labs" / "04_cost.glue.json").write_text(
        '{"a": {"data": {"text/plain": "0.25"}}, "b": {"data": {"text/plain": "\'confirmed\'"}},'
        ' "c": {"data": {"text/plain": "<Figure size 640x480 with 1 Axes>"}}}')
    glued = C.read_glue(tmp_path)
    assert glued[("04_cost", "a")] == 0.25 and glued[("04_cost", "b")] == "confirmed"
    assert glued[("04_cost", "c")].startswith("<Figure")


def test_glued_keys_reads_loops_and_literals(tmp_path):
    nb = tmp_path / "x.ipynb"
    nb.write_text('{"cells": [{"cell_type": "code", "source": ["glue(\\"a_one\\", 1)\\n",'
                  ' "for k, v in {\\"b_two\\": 2}.items():\\n", "    glue(k, v)\\n", "glue(f\\"c_{name}_x\\", 3)"]},'
                  ' {"cell_type": "code", "source": ["d = {\\"not_glued\\": 1}"]}]}')
    assert C.glued_keys(nb) == {"a_one", "b_two", "c_{name}_x"}


def test_the_book_extension_warns_when_a_rerun_overturns_a_verdict(tmp_path, monkeypatch):
    """_ext/claims.py, at the end of reading: a broken condition and a claim its page never shows are warnings
    (and the -W build turns warnings into a failure)."""
    import importlib.util
    import json
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("book_claims_ext", ROOT / "_ext" / "claims.py")
    ext = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ext)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "claims.toml").write_text(textwrap.dedent(GOOD))
    glue_dir = tmp_path / "build" / "labs"
    glue_dir.mkdir(parents=True)

    def run(ratio, verdict, shown):
        (glue_dir / "04_cost.glue.json").write_text(json.dumps({
            "cost_oneoff_ratio": {"data": {"text/plain": repr(ratio)}},
            "cost_start_verdict": {"data": {"text/plain": repr(verdict)}}}))
        env = SimpleNamespace(srcdir=str(tmp_path), mystnb_config=SimpleNamespace(output_folder=str(glue_dir.parent)),
                              ragft_claims_used={"chapters/06_cost": shown})
        warnings = []
        monkeypatch.setattr(ext.logger, "warning", lambda msg, **kw: warnings.append(msg))
        ext._check(None, env)
        return warnings

    assert run(15.0, "confirmed", {"cost-launch"}) == []
    assert "measured 0.8" in run(0.8, "confirmed", {"cost-launch"})[0]
    assert "computed 'contradicted'" in run(15.0, "contradicted", {"cost-launch"})[0]
    assert "never shows its verdict" in run(15.0, "confirmed", set())[0]
