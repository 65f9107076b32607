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
        assert c.why and (c.rule is not None) != (c.verdict == "not testable"), c.id  # a rule, or not testable
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
    [rule.launch]
    experiment = "one-off compute"
    confirmed = ["04_cost::cost_oneoff_ratio >= 2"]
    nuanced = ["04_cost::cost_oneoff_ratio > 1"]
    contradicted = ["04_cost::cost_oneoff_ratio <= 1"]
    why = "One timing: a factor of 2 or more."

    [[claim]]
    id = "cost-launch"
    section = "Cost"
    claim = "RAG is cheaper to launch."
    experiment = "Lab 4 times both."
    page = "06_cost"
    evidence = [{ label = "ratio", ref = "04_cost::cost_oneoff_ratio:.0f" }]
    rule = "launch"
    qualifier = "only just"
    why = "Training took [[04_cost::cost_oneoff_ratio:.0f]] times the compute."
    """


def test_a_good_claim_loads_and_renders(tmp_path):
    (claim,) = C.load_claims(write(tmp_path, GOOD))
    assert claim.rule.name == "launch" and claim.rule.experiments == ("one-off compute",) and claim.verdict == ""
    assert C.render_why(claim.why) == "Training took {glue:text}`../labs/04_cost.ipynb::cost_oneoff_ratio:.0f` times the compute."
    assert [str(r) for r in claim.refs()][-1] == "04_cost::cost_oneoff_ratio:.0f"
    assert claim.rule.describe().startswith("confirmed if 04_cost::cost_oneoff_ratio >= 2; nuanced if")


@pytest.mark.parametrize("change, message", [
    (('id = "cost-launch"', 'id = "Cost Launch"'), "kebab-case"),
    (('section = "Cost"', 'section = "Costs"'), "not one of the article's"),
    (('rule = "launch"', 'rule = "launch"\nverdict = "confirmed"'), "takes its verdict from it"),
    (('rule = "launch"', 'verdict = "confirmed"'), "name the rule its verdict follows"),
    (('rule = "launch"', 'rule = "lunch"'), "is not defined"),
    (('page = "06_cost"', 'page = "cost"'), "is not a chapter"),
    (('evidence = [{ label = "ratio", ref = "04_cost::cost_oneoff_ratio:.0f" }]', 'evidence = []'), "needs evidence"),
    (('ref = "04_cost::cost_oneoff_ratio:.0f"', 'ref = "cost_oneoff_ratio"'), "is not a reference"),
    (('"04_cost::cost_oneoff_ratio >= 2"', '"04_cost::cost_oneoff_ratio is big"'), "is not a condition"),
    (('contradicted = ["04_cost::cost_oneoff_ratio <= 1"]\n', ''), "missing 'contradicted'"),
    (('nuanced = ["04_cost::cost_oneoff_ratio > 1"]\n', ''), "a qualifier is printed only after 'nuanced'"),
    (('confirmed = ["04_cost::cost_oneoff_ratio >= 2"]', 'confirmed = "04_cost::cost_oneoff_ratio >= 2"'), "write a list"),
    (('why = "One', 'colour = "red"\nwhy = "One'), "unknown field"),
    (("times the compute", "times the compute, 15 times"), "types a measured figure"),
    (('rule = "launch"', 'rule = "launch"\nholds = []'), "became rules"),
    (('why = "Training', 'colour = "red"\nwhy = "Training'), "unknown field"),
])
def test_a_bad_claim_is_refused_with_the_fix(tmp_path, change, message):
    assert change[0] in GOOD, change[0]
    with pytest.raises(C.ClaimsError, match=message):
        C.load_claims(write(tmp_path, GOOD.replace(*change, 1)))


def test_a_rule_nobody_names_and_a_claim_without_rule_are_refused(tmp_path):
    with pytest.raises(C.ClaimsError, match="named by no claim"):
        C.load_claims(write(tmp_path, GOOD.replace('rule = "launch"\n    qualifier = "only just"\n',
                                                   'verdict = "not testable"\n')))


def test_duplicates_and_order_are_refused(tmp_path):
    claim = GOOD[GOOD.index("    [[claim]]"):]
    with pytest.raises(C.ClaimsError, match="appears twice"):
        C.load_claims(write(tmp_path, GOOD + "\n" + claim))
    earlier = claim.replace('id = "cost-launch"', 'id = "qa-x"').replace('section = "Cost"', 'section = "Quick answer"')
    with pytest.raises(C.ClaimsError, match="article's order"):
        C.load_claims(write(tmp_path, GOOD + "\n" + earlier))


def test_a_fake_build_produces_each_verdict(tmp_path):
    (claim,) = C.load_claims(write(tmp_path, GOOD))
    key = ("04_cost", "cost_oneoff_ratio")
    said = {ratio: C.decide(claim, {key: ratio}) for ratio in (16.0, 1.5, 0.8)}
    assert [said[r].verdict for r in (16.0, 1.5, 0.8)] == ["confirmed", "nuanced", "contradicted"]
    assert said[1.5].label == "nuanced, only just" and said[16.0].label == "confirmed"  # a qualifier only on nuanced
    assert [str(c) for c in said[16.0].met] == ["04_cost::cost_oneoff_ratio >= 2"]
    missing = C.decide(claim, {})
    assert missing.verdict is None and "Lab 4 did not run" in missing.label
    assert C.decide(claim, {key: "fast"}).verdict is None  # text where a number belongs: not a verdict
    body = GOOD.replace('nuanced = ["04_cost::cost_oneoff_ratio > 1"]\n', "").replace('qualifier = "only just"\n', "")
    (gap,) = C.load_claims(write(tmp_path, body))
    assert C.decide(gap, {key: 1.5}).label == "inconclusive"  # no line crossed
    (part,) = C.load_claims(write(tmp_path, GOOD.replace('rule = "launch"', 'rule = "launch"\nuntested = "people\'s time"')))
    assert C.decide(part, {key: 16.0}).label == "nuanced, only just"  # confirmed only in part


def test_conditions_compare_two_values_and_groups_are_alternatives(tmp_path):
    body = GOOD.replace('confirmed = ["04_cost::cost_oneoff_ratio >= 2"]',
                        'confirmed = [["04_cost::cost_oneoff_ratio > 04_cost::cost_line"], ["04_cost::cost_oneoff_ratio >= 100"]]')
    (claim,) = C.load_claims(write(tmp_path, body))
    assert C.decide(claim, {("04_cost", "cost_oneoff_ratio"): 5.0, ("04_cost", "cost_line"): 4.0}).verdict == "confirmed"
    assert C.decide(claim, {("04_cost", "cost_oneoff_ratio"): 5.0, ("04_cost", "cost_line"): 6.0}).verdict == "nuanced"
    assert C.decide(claim, {("04_cost", "cost_oneoff_ratio"): 150.0, ("04_cost", "cost_line"): 200.0}).verdict == "confirmed"
    assert C.decide(claim, {("04_cost", "cost_oneoff_ratio"): 5.0}).verdict is None  # the line itself is missing


def _reachable(rule: C.Rule) -> set[str]:
    """Every verdict some assignment of the rule's values gives: candidate values around each line, all combinations."""
    import itertools

    refs = list(dict.fromkeys((r.lab, r.key) for r in rule.refs()))
    lines = {ref: {0.0, 1.0, 2.0, 3.0} for ref in refs}  # small values, ordered, for lines between two values
    for clause in rule.clauses.values():
        for group in clause:
            for c in group:
                if c.other is None:
                    lines[(c.ref.lab, c.ref.key)] |= {c.value + d for d in (-1, -0.5, 0, 0.5, 1)}
    seen = set()
    claim = C.Claim(id="x", section="Cost", claim="", experiment="", page="06_cost", why="", rule=rule)
    for values in itertools.product(*(sorted(lines[r]) for r in refs)):
        seen.add(C.decide(claim, dict(zip(refs, values))).verdict)
    return seen


@pytest.mark.parametrize("rule", sorted({c.rule.name: c.rule for c in REGISTRY if c.rule}.values(), key=lambda r: r.name),
                         ids=lambda r: r.name)
def test_every_rule_of_the_registry_can_give_each_of_its_verdicts(rule):
    """Pre-registered means both ways: a fake build can confirm and contradict every claim (and give the nuanced
    verdict where the rule has one), so no verdict is fixed by construction."""
    reachable = _reachable(rule)
    assert {"confirmed", "contradicted"} <= reachable, (rule.name, reachable)
    assert "nuanced" not in rule.clauses or "nuanced" in reachable, (rule.name, reachable)


def test_qualifiers_sit_only_on_claims_that_can_be_nuanced():
    for c in REGISTRY:
        if c.qualifier:
            assert c.rule and ("nuanced" in c.rule.clauses or c.untested), c.id


def test_check_against_catches_a_renamed_or_textual_value(tmp_path):
    claims = C.load_claims(write(tmp_path, GOOD))
    assert C.check_against(claims, {("04_cost", "cost_oneoff_ratio"): 15.2}) == []
    problems = C.check_against(claims, {("04_cost", "cost_oneoff_ratio"): "fast"})
    assert len(problems) == 1 and "not a number" in problems[0]
    assert "not a number" in C.check_against(claims, {("04_cost", "other_key"): 1})[0]  # lab 04 ran, key gone
    assert C.check_against(claims, {("03_compare", "x"): 1}) == []  # lab 04 not built: nothing to compare


def test_explain_prints_the_rule_and_the_verdict_on_a_labs_numbers(tmp_path):
    path = write(tmp_path, GOOD)
    text = C.explain("cost-launch", "04_cost", {"cost_oneoff_ratio": 16.4}, glue_dir=tmp_path / "none", path=path)
    assert "rule 'launch'" in text and "now 16.4" in text and text.endswith("verdict on these numbers: confirmed")
    with pytest.raises(C.ClaimsError, match="no claim"):
        C.explain("nope", "04_cost", {}, path=path)


def test_tally_counts_verdicts_and_distinct_experiments(tmp_path):
    claims = C.load_claims(write(tmp_path, GOOD))
    t = C.tally(claims, {("04_cost", "cost_oneoff_ratio"): 0.5})
    assert t["counts"]["contradicted"] == 1 and t["rules"] == 1 and t["experiments"] == 1
    real = C.tally(REGISTRY, {})
    assert real["counts"]["not measured"] == sum(c.rule is not None for c in REGISTRY)
    assert real["experiments"] < real["rules"] < len(REGISTRY)


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


def test_the_book_extension_warns_about_values_it_cannot_decide_on(tmp_path, monkeypatch):
    """_ext/claims.py, at the end of reading: a value that is not a number, a claim whose lab did not run and a
    claim its page never shows are warnings (the -W build fails, every page still written); a rerun that moves
    a verdict is not."""
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

    def run(glued, shown):
        for f in glue_dir.glob("*.json"):
            f.unlink()
        if glued is not None:
            (glue_dir / "04_cost.glue.json").write_text(json.dumps(
                {k: {"data": {"text/plain": repr(v)}} for k, v in glued.items()}))
        env = SimpleNamespace(srcdir=str(tmp_path), mystnb_config=SimpleNamespace(output_folder=str(glue_dir.parent)),
                              ragft_claims_used={"chapters/06_cost": shown})
        warnings = []
        monkeypatch.setattr(ext.logger, "warning", lambda msg, **kw: warnings.append(msg))
        ext._check(None, env)
        return warnings

    assert run({"cost_oneoff_ratio": 15.0}, {"cost-launch"}) == []
    assert run({"cost_oneoff_ratio": 0.8}, {"cost-launch"}) == []  # the verdict moves to contradicted: no failure
    assert "not a number" in run({"cost_oneoff_ratio": "fast"}, {"cost-launch"})[0]
    assert "Lab 4 did not run" in run(None, {"cost-launch"})[0]
    assert "never shows its verdict" in run({"cost_oneoff_ratio": 15.0}, set())[0]
