"""The generalisation suite (issue 27): corpora the course did not write, checked like the course's own data."""

from __future__ import annotations

import json

import pytest

from ragft.rag import suite

CORPORA = suite.corpora()


def test_the_suite_has_a_development_and_a_held_out_group_with_real_text():
    groups = {c.group for c in CORPORA}
    assert groups == set(suite.GROUPS), groups
    assert len(CORPORA) >= 4, "the suite needs at least four corpora besides the course's"
    assert any(c.source == "real" for c in CORPORA if c.group == "held-out"), "a held-out corpus must be real text"
    assert all(c.source in ("authored", "real") for c in CORPORA)


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda c: c.name)
def test_each_corpus_is_consistent_and_documented(corpus):
    assert suite.problems(corpus.name) == []
    questions = suite.load_questions(corpus.name)
    answerable = [q for q in questions if q.type != "unanswerable"]
    assert len(answerable) >= 12 and len(questions) - len(answerable) >= 6, (len(answerable), len(questions))
    card = (corpus.folder / "CARD.md").read_text()
    assert "licen" in card.lower(), f"{corpus.name}/CARD.md must state the licence"
    if corpus.source == "real":
        assert (corpus.folder / "COPYRIGHT").is_file(), f"{corpus.name}: real text keeps its copyright notice"


def test_problems_names_each_mistake(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "energy.md").write_text("# Energy\n\nThe dome runs on 48 solar panels.\n")
    rows = [
        {"id": "q1", "question": "How many panels?", "answers": ["48"], "doc_ids": ["energy"], "type": "single"},
        {"id": "q1", "question": "Battery size?", "answers": ["96 kWh"], "doc_ids": ["energy"], "type": "single"},
        {"id": "q3", "question": "Who?", "answers": ["Ada"], "doc_ids": ["team"], "type": "single"},
        {"id": "u1", "question": "Wind?", "answers": ["3"], "doc_ids": [], "type": "unanswerable"},
    ]
    (tmp_path / "questions.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    found = suite.problems("x", folder=tmp_path)
    for words in ("used twice", "none of ['96 kWh'] occurs", "no document ['team']", "unanswerable question has answers"):
        assert any(words in p for p in found), (words, found)
    (tmp_path / "questions.jsonl").write_text(json.dumps(rows[0]))
    assert suite.problems("x", folder=tmp_path) == ["x: needs both answerable and unanswerable questions"]
    (tmp_path / "questions.jsonl").write_text('{"id": "q1"}')
    with pytest.raises(ValueError, match="questions.jsonl:1: not a question record"):
        suite.load_questions("x", folder=tmp_path)


def test_score_counts_the_gold_document_among_the_sources():
    records = [
        {"answerable": True, "correct": True, "abstained": False, "doc_ids": ["a"], "sources": ["a", "b"]},
        {"answerable": True, "correct": False, "abstained": True, "doc_ids": ["a"], "sources": []},
        {"answerable": False, "correct": True, "abstained": True, "doc_ids": [], "sources": []},
    ]
    s = suite.score(records)
    assert (s["accuracy"]["rate"], s["source_recall"]["rate"], s["abstention"]["rate"], s["false_abstention"]["rate"]) == (
        0.5, 0.5, 1.0, 0.5)
    assert s["accuracy"]["n"] == 2 and s["abstention"]["n"] == 1
    with pytest.raises(KeyError, match="choose one of"):
        suite.corpus("no-such-corpus")
