"""Lab 8's toolkit: document search (and `ragft search`), PDFs of the knowledge base, JSON records, `ragft advise`."""

import json
import textwrap
from types import SimpleNamespace

import pytest

from ragft import advise as A
from ragft import data
from ragft.cli import main
from ragft.rag.index import RagIndex
from ragft.rag.loading import load_documents
from ragft.usecases import pdf as P
from ragft.usecases import search as S
from ragft.usecases import structured as J

DOCS = {
    "boats.md": """\
        ---
        id: boats
        title: Loggers for boats
        ---
        # Loggers for boats

        The Tidewell T3 logger is sealed against salt water and suits boats and harbours.
        It records temperature every minute.
        """,
    "fridges.md": """\
        ---
        id: fridges
        title: Fridge loggers
        ---
        # Fridge loggers

        The Coldmark C1 logger watches vaccine fridges in clinics. Its battery lasts two years.
        """,
    "secret.md": """\
        ---
        id: secret
        title: Next year's boat logger
        access: confidential
        groups: [product]
        ---
        # Project Gull

        Project Gull is the next boat logger; it will float if dropped into a harbour.
        """,
}


pytestmark = pytest.mark.usefixtures("private_embedding_cache")


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    for name, text in DOCS.items():
        (d / name).write_text(textwrap.dedent(text))
    return d


@pytest.fixture
def index(folder):
    return RagIndex.build(load_documents(folder))


# --------------------------------------------------------------------------------------------------
# search


def test_search_returns_documents_once_each_with_a_snippet(index):
    for mode in S.MODES:
        (row,) = S.search_documents(index, ["logger for a boat in salt water"], 5, mode=mode, groups="*")
        ids = [r.doc_id for r in row]
        assert len(ids) == len(set(ids)) == 3 and [r.rank for r in row] == [1, 2, 3]
        assert ids[0] in ("boats", "secret")
        assert "boat" in row[ids.index("boats")].snippet.lower()


def test_search_denies_by_default(index):
    (public,) = S.search_documents(index, ["next boat logger that floats"], 5, mode="hybrid")
    assert "secret" not in [r.doc_id for r in public]
    (member,) = S.search_documents(index, ["next boat logger that floats"], 5, mode="hybrid", groups=["product"])
    assert member[0].doc_id == "secret" and member[0].access == "confidential"


def test_search_refuses_bad_arguments(index):
    with pytest.raises(ValueError, match="unknown search mode"):
        S.search_documents(index, ["x"], mode="fuzzy")
    with pytest.raises(ValueError, match="at least 1"):
        S.search_documents(index, ["x"], 0)
    with pytest.raises(TypeError, match="list of queries"):
        S.search_documents(index, "x")


def test_snippet_picks_the_matching_sentence():
    text = "Our office is in Ghent. The refund window is 30 days for consumers. Call us on weekdays."
    assert S.snippet(text, "how long is the refund window") .startswith("The refund window is 30 days")
    assert len(S.snippet("word " * 200, "word", max_chars=50)) <= 50


def test_evaluate_search_scores_and_compares(index):
    qs = [SimpleNamespace(question="salt water boat logger", doc_ids=["boats"]),
          SimpleNamespace(question="vaccine fridge battery", doc_ids=["fridges"])]
    res = S.evaluate_search(index, qs, k=2)
    assert set(res) == set(S.MODES)
    for r in res.values():
        assert r["recall"] == 1.0 and 0.5 <= r["ndcg"] <= 1.0 and len(r["ndcg_scores"]) == 2
    assert S.compare_modes(res, "hybrid", "dense")["n"] == 2


def test_search_cli(folder, tmp_path, capsys):
    idx = tmp_path / "idx"
    assert main(["index", str(folder), "--index", str(idx), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["search", "boat logger", "--index", str(idx), "--json", "--k", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["reads"] == "public documents only" and [r["rank"] for r in out["results"]] == [1, 2]
    assert {"doc_id", "title", "score", "snippet", "access"} <= set(out["results"][0])
    assert main(["search", "next boat logger", "--index", str(idx), "--groups", "product", "--k", "1"]) == 0
    assert "[confidential]" in capsys.readouterr().out
    for argv, message in ((["search", " ", "--index", str(idx)], "query is empty"),
                          (["search", "x", "--index", str(tmp_path / "none")], "ragft index"),
                          (["search", "x", "--index", str(idx), "--k", "0"], "at least 1"),
                          (["search", "x", "--index", str(idx), "--groups", "a,,b"], "--groups")):
        assert main(argv) == 2, argv
        assert message in capsys.readouterr().err, argv


# --------------------------------------------------------------------------------------------------
# PDFs


def test_markdown_blocks():
    body = "# Title\n\nA first\nparagraph.\n\n## Part\n\n- one **bold** item\n\n| a | b |\n|---|---|\n| x | 1 |\n"
    assert P.blocks(body) == [("h1", "Title"), ("para", "A first paragraph."), ("h2", "Part"),
                              ("bullet", "one bold item"), ("table", [["a", "b"], ["x", "1"]])]


def test_pdfs_read_back_through_the_loader(tmp_path):
    docs = [d for d in data.load_kb("v1") if d.id in ("kestmoor-k10", "plan-grove")]
    paths = P.write_pdfs(docs, tmp_path / "pdfs", two_column=("plan-grove",))
    loaded = {d.id: d for d in load_documents(tmp_path / "pdfs")}
    assert set(loaded) == {"kestmoor-k10", "plan-grove"} and loaded["kestmoor-k10"].title == "Kestmoor K10"
    table = P.extraction_report(docs[0] if docs[0].id == "kestmoor-k10" else docs[1], paths[[p.stem for p in paths].index("kestmoor-k10")])
    assert table["plain"]["cells"][0] == table["plain"]["cells"][1] > 10  # every cell of the spec table is there
    grove = next(d for d in docs if d.id == "plan-grove")
    rep = P.extraction_report(grove, tmp_path / "pdfs" / "plan-grove.pdf")
    found, total = rep["plain"]["sentences"]
    assert total >= 8 and found == total
    assert rep["layout"]["sentences"][0] < found  # reading across both columns breaks sentences
    assert "$389" in loaded["plan-grove"].text


def test_pdf_questions_are_answered_by_printed_documents():
    qs = P.pdf_questions(data.load_questions(["test_seen", "test_unseen"]))
    assert len(qs) >= 30 and all(set(q.doc_ids) <= set(P.PDF_DOCS) for q in qs)


# --------------------------------------------------------------------------------------------------
# JSON records


def test_gold_records_follow_the_schema():
    import jsonschema

    tickets = data.load_tickets()
    records = [J.gold_record(t) for t in tickets]
    for r in records:
        jsonschema.validate(r, J.SCHEMA)
    assert sum(r["product"] is not None for r in records) > 100 and sum(r["reference"] is not None for r in records) > 20
    t = SimpleNamespace(text="My Pivra W1 Plus from order QO-12345 arrived broken", label="returns")
    assert J.gold_record(t) == {"category": "returns", "product": "Pivra W1 Plus", "reference": "QO-12345"}


def test_parse_record_accepts_only_valid_records():
    good = '{"category": "billing", "product": null, "reference": "INV-20417"}'
    assert J.parse_record(good) == (json.loads(good), "")
    assert J.parse_record("```json\n" + good + "\n```")[1] == ""
    assert J.parse_record("Sure! " + good)[1].startswith("not JSON")
    for bad, why in (('{"category": "billing", "product": null}', "required"),
                     ('{"category": "admin", "product": null, "reference": null}', "is not one of"),
                     ('{"category": "billing", "product": null, "reference": "Ostrel A2"}', "does not match"),
                     ('{"category": "billing", "product": null, "reference": null, "x": 1}', "Additional properties")):
        obj, problem = J.parse_record(bad)
        assert problem.startswith("JSON, but not the schema") and why in problem, bad


def test_scores_count_invalid_replies_as_wrong():
    tickets = [SimpleNamespace(text="Invoice INV-20417 is wrong", label="billing"),
               SimpleNamespace(text="Where is my Ostrel A3?", label="shipping")]
    replies = ['{"category": "billing", "product": null, "reference": "INV-20417"}',
               '{"category": "shipping", "product": "Ostrel A3"']
    s = J.score_records("x", tickets, replies, [10, 20])
    assert s.per_ticket == [1.0, 0.0] and s.summary()["valid_schema"] == 0.5 and s.summary()["prompt_tokens"] == 15


def test_prompts_and_training_examples():
    t = SimpleNamespace(text="Refund for INV-20417 please", label="billing")
    assert J.prompt(t, "fine_tuned") == "Ticket: Refund for INV-20417 please"
    few = J.prompt(t, "few_shot", J.shots())
    assert few[0]["role"] == "system" and len(few) == 2 + 2 * len(J.shots())
    assert J.parse_record(few[2]["content"])[1] == ""  # the worked examples are valid records
    with pytest.raises(ValueError, match="unknown system"):
        J.prompt(t, "magic")
    examples = J.training_examples(J.train_tickets())
    assert all(J.parse_record(e["answer"])[1] == "" for e in examples)
    test_ids = {x.id for x in J.test_tickets()}
    assert not test_ids & {x.id for x in J.train_tickets()} and len(test_ids) == 7 * len(data.TICKET_LABELS)


# --------------------------------------------------------------------------------------------------
# advise


def test_the_four_profiles_get_four_recommendations():
    got = {name: A.advise(p)["recommendation"] for name, p in A.EXAMPLE_PROFILES.items()}
    assert got == {"support-desk": "rag", "ticket-router": "fine-tuning", "hr-assistant": "hybrid",
                   "writing-helper": "prompting"}


def test_every_reason_names_a_claim_of_the_registry():
    from ragft import claims as C

    ids = set(C.by_id(C.load_claims()))
    assert set(A.CLAIMS.values()) <= ids
    advice = A.advise(A.EXAMPLE_PROFILES["hr-assistant"], A.Evidence.load())
    factors = {r["factor"] for r in advice["reasons"]}
    assert {"own knowledge", "updates", "citations", "fixed format", "private data", "private training data"} <= factors
    assert all(r["claim"] in ids and r["verdict"] for r in advice["reasons"])


@pytest.mark.parametrize("change, message", [
    ({"needs_citations": "yes", "needs_documents": "no", "updates_per_month": 0}, "citations point into your documents"),
    ({"needs_documents": "no", "needs_citations": "no", "updates_per_month": 3}, "updates of what"),
    ({"queries_per_day": 0}, "traffic you expect"),
    ({"queries_per_day": -5}, "0 or more"),
    ({"training_examples": 2.5}, "whole number"),
    ({"fixed_format": "maybe"}, "answer yes or no"),
    ({"updates_per_month": "weekly"}, "give a number"),
    ({"private_data": None}, "missing: --private-data"),
    ({"labels_inputs": "yes", "fixed_format": "no"}, "a label from a fixed set is a fixed output"),
])
def test_bad_profiles_are_refused_with_the_fix(change, message):
    values = {**A.EXAMPLE_PROFILES["support-desk"].to_dict(), **change}
    with pytest.raises(A.AdviceError, match=message):
        A.Profile.from_dict(values)


def test_advise_cli(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", None)
    flags = ["--needs-documents", "yes", "--updates-per-month", "4", "--queries-per-day", "200", "--needs-citations",
             "yes", "--fixed-format", "yes", "--private-data", "yes", "--training-examples", "120"]
    assert main(["advise", *flags, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["recommendation"] == "hybrid" and out["reasons"] and all("reason" in r for r in out["reasons"])
    assert main(["advise", *flags]) == 0
    assert capsys.readouterr().out.startswith("Recommendation: hybrid")
    assert main(["advise", *flags[:4]]) == 2
    err = capsys.readouterr().err
    assert "missing: --queries-per-day, --needs-citations" in err
    assert main(["advise", *flags[:-1], "0", "--results", "/nonexistent/results.json"]) == 2
    assert "no such results file" in capsys.readouterr().err


def test_a_router_rests_on_the_classification_claim_and_citations_on_search():
    """The guide cites the experiment that measured the case: labelled tickets for a router, not the house format;
    the search's quality for citations (a citation names the retrieved document)."""
    router = A.advise(A.EXAMPLE_PROFILES["ticket-router"])
    cited = {r["factor"]: r["claim"] for r in router["reasons"]}
    assert cited.get("fixed labels") == "ft-classification" and "fixed format" not in cited
    writer = A.advise(A.EXAMPLE_PROFILES["hr-assistant"])
    cited = {r["factor"]: r["claim"] for r in writer["reasons"]}
    assert cited["fixed format"] == "ft-voice-and-format" and cited["citations"] == "uc-ai-search"
    # the question is optional: a profile without it is not a router
    values = {k: v for k, v in A.EXAMPLE_PROFILES["ticket-router"].to_dict().items() if k != "labels_inputs"}
    assert A.Profile.from_dict(values).labels_inputs is False


def test_advise_quotes_the_comparison_and_the_cost_model(tmp_path):
    results = {"systems": {}, "differences": {"rag_vs_ft": {"test_unseen": {"diff": 0.4, "ci95": [0.25, 0.55]}}},
               "update": {"rag": {"changed_accuracy": 0.45, "update_seconds": 1.2}, "ft": {"changed_accuracy": 0.0}}}
    (tmp_path / "results.json").write_text(json.dumps(results))
    ev = A.Evidence.load(tmp_path, tmp_path)
    advice = A.advise(A.EXAMPLE_PROFILES["support-desk"], ev)
    knowledge = next(r for r in advice["reasons"] if r["factor"] == "own knowledge")
    assert "+40 points (95% interval +25 to +55)" in knowledge["evidence"][0]
    assert "RAG 45%, fine-tuned 0%" in knowledge["evidence"][1]


def test_advise_asks_in_a_terminal_and_repeats_a_bad_answer(capsys, monkeypatch):
    answers = iter(["yes", "often", "2", "300", "yes", "no", "no", "0"])  # "often" is refused, then "2"
    monkeypatch.setattr("sys.stdin", SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert main(["advise"]) == 0
    out = capsys.readouterr().out
    assert "give a number" in out and "Recommendation: rag" in out
    assert next(answers, None) is None  # every answer was used: seven questions, one asked twice
