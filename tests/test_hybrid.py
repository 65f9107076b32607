"""The hybrid toolkit (ragft.hybrid) and the hybrid systems of the comparison, on the tiny synthetic corpus.

The model is the comparison tests' stand-in (it reads passage [1] of a RAG prompt), so these tests check
the logic: oracle and distractor passages, RAFT training data, format prompts and scoring, the reading
curve, the additive table and the ``format_rag`` / ``format_prompt_rag`` systems in ``ragft compare``.
"""

from __future__ import annotations

import json
import re

import pytest
from test_compare import DATA, StubBackend, stub_answer, tiny_config

from ragft import compare, hybrid
from ragft.cli import main
from ragft.data import HOUSE_GREETING, HOUSE_SIGNOFF, contains, load_questions
from ragft.models import Generation, to_messages


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RAGFT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def index(cache):
    return compare.cached_index("v1", tiny_config())[0]


def _passages(user: str) -> dict[int, str]:
    """The numbered passages of a RAG prompt's user turn: ``{1: "title\\ntext", ...}``."""
    body = user.split("\n\nQuestion:")[0]
    parts = re.split(r"(?:^|\n\n)\[(\d+)\] ", body)
    return {int(n): text for n, text in zip(parts[1::2], parts[2::2], strict=True)}


def _holds(text: str, q) -> bool:
    return any(contains(text, a) for a in q.answers)


# --------------------------------------------------------------------------------------------------
# oracle and distractor passages


def test_oracle_passage_holds_the_answer_and_distractors_are_other_documents(index):
    questions = [q for q in load_questions(root=DATA) if q.answers and q.type != "multi_doc"]
    oracles = hybrid.oracle_passages(index, questions, units=1)
    distractors = hybrid.distractor_passages(index, questions, 2, units=1)
    for q, orc, dis in zip(questions, oracles, distractors, strict=True):
        assert [p.doc_id for p in orc] == q.doc_ids
        assert _holds(orc[0].text, q), (q.id, orc[0].text)  # even with one unit kept, it is the answer's
        assert len(dis) == 2 and not {p.doc_id for p in dis} & set(q.doc_ids)
    assert hybrid.distractor_passages(index, questions, 0) == [[] for _ in questions]
    with pytest.raises(ValueError, match="0 or more"):
        hybrid.distractor_passages(index, questions, -1)


def test_reading_items_place_the_oracle_at_a_seeded_position(index):
    questions = [q for q in load_questions("train", root=DATA) if q.answers]
    for n in (0, 1, 3):
        items = hybrid.reading_items(questions, index, n, seed=3)
        again = hybrid.reading_items(questions, index, n, seed=3)
        assert [it.oracle_positions for it in items] == [it.oracle_positions for it in again]
        for it, q in zip(items, questions, strict=True):
            passages = _passages(it.prompt[-1]["content"])
            assert len(passages) == n + 1 and it.n_distractors == n
            (pos,) = it.oracle_positions
            assert _holds(passages[pos], q)
            assert not any(_holds(text, q) for p, text in passages.items() if p != pos)
    missing = hybrid.reading_items(questions, index, 2, with_oracle=False)
    assert all(not it.oracle_positions for it in missing)


# --------------------------------------------------------------------------------------------------
# RAFT training data


def test_raft_examples_mix_oracle_and_distractor_prompts(index):
    train = load_questions("train", root=DATA)
    always = hybrid.raft_examples(train, index, p_oracle=1.0, max_distractors=2, seed=0)
    assert len(always) == 3 and all(ex.has_oracle for ex in always)
    for ex, q in zip(always, train, strict=True):
        user, answer = ex.messages[-2]["content"], ex.messages[-1]["content"]
        assert ex.messages[0]["role"] == "system" and user.endswith(q.question)
        passages = _passages(user)
        assert 1 <= len(passages) == ex.n_passages <= 3
        assert _holds(passages[ex.oracle_position], q)
        assert answer == f"The answer is {q.answers[0]}."  # the default template asks for no citation
    cited = hybrid.raft_examples(train, index, p_oracle=1.0, seed=0, template="cite")
    assert all(ex.messages[-1]["content"].endswith(f"[{ex.oracle_position}].") for ex in cited)
    never = hybrid.raft_examples(train, index, p_oracle=0.0, seed=0)
    for ex, q in zip(never, train, strict=True):
        assert not ex.has_oracle and ex.oracle_position is None and ex.n_passages >= 1
        assert not _holds(ex.messages[-2]["content"].split("\n\nQuestion:")[0], q)  # distractors only
        assert ex.messages[-1]["content"] == "I don't know."
    recall = hybrid.raft_examples(train, index, p_oracle=0.0, without_oracle="answer")
    assert all(ex.messages[-1]["content"].startswith("The answer is ") for ex in recall)
    a = hybrid.raft_examples(train * 10, index, p_oracle=0.5, seed=1)
    b = hybrid.raft_examples(train * 10, index, p_oracle=0.5, seed=1)
    assert [(e.has_oracle, e.n_passages, e.oracle_position) for e in a] == [(e.has_oracle, e.n_passages, e.oracle_position) for e in b]
    assert 0 < sum(e.has_oracle for e in a) < 30
    for bad, match in ((dict(p_oracle=2.0), "p_oracle"), (dict(max_distractors=0), "max_distractors"),
                       (dict(without_oracle="guess"), "without_oracle")):
        with pytest.raises(ValueError, match=match):
            hybrid.raft_examples(train, index, **bad)
    with pytest.raises(ValueError, match="answerable"):
        hybrid.raft_examples(load_questions("unanswerable", root=DATA), index)


# --------------------------------------------------------------------------------------------------
# the house format on top of RAG


REPLY = f"{HOUSE_GREETING}\nAnswer: The Zephyr lamp costs $41.\nNext step: Order it online.\n{HOUSE_SIGNOFF}"


def test_answer_line_and_adherence():
    assert hybrid.answer_line(REPLY) == "The Zephyr lamp costs $41."
    assert hybrid.answer_line("It costs $41.") == "It costs $41."
    assert hybrid.adherence([REPLY, "It costs $41."]) == 0.5
    assert hybrid.adherence([]) != hybrid.adherence([])  # nan: no replies, no rate


def test_format_prompt_and_examples_lay_out_sources_like_the_rag_prompt(index):
    from ragft.rag import build_rag_prompt

    hits = index.search("Zephyr lamp price", 1)
    plain = build_rag_prompt("How much is the lamp?", hits)
    shots = [("Where is the Oslo office?", hits, REPLY)]
    msgs = hybrid.format_prompt("How much is the lamp?", hits, shots)
    assert msgs[0] == {"role": "system", "content": hybrid.FORMAT_SYSTEM}
    assert [m["role"] for m in msgs] == ["system", "user", "assistant", "user"]
    assert msgs[-1]["content"] == plain[-1]["content"]  # the question turn is the RAG prompt's user turn
    assert msgs[2]["content"] == REPLY
    items = [type("Item", (), {"question": "How much is the lamp?", "reply": REPLY})()]
    (ex,) = hybrid.format_rag_examples(items, [hits])
    assert ex["messages"][:-1] == plain and ex["messages"][-1] == {"role": "assistant", "content": REPLY}
    with pytest.raises(ValueError, match="one per item"):
        hybrid.format_rag_examples(items, [])


# --------------------------------------------------------------------------------------------------
# the reading curve and the additive table


def test_reading_curve_with_a_reader_that_trusts_passage_one(index, monkeypatch):
    import ragft.models

    def fake_generate(model, tokenizer, prompts, **kwargs):
        texts = [stub_answer([], p) for p in prompts]
        return Generation(texts=texts, seconds=0.0, prompt_tokens=[len(str(p)) for p in prompts],
                          new_tokens=[3] * len(prompts), per_item_seconds=[0.0] * len(prompts))

    monkeypatch.setattr(ragft.models, "generate", fake_generate)
    questions = [q for q in load_questions(root=DATA) if q.answers and q.type != "multi_doc"]
    curve = hybrid.reading_curve(object(), None, questions, index, counts=(0, 2), seed=5, cache=False)
    positions = [it.oracle_positions[0] for it in hybrid.reading_items(questions, index, 2, seed=5)]
    assert curve[0]["accuracy"] == 1.0  # the oracle alone is passage [1]
    # with distractors it is right exactly where the oracle happens to be first
    assert curve[2]["scores"] == [float(p == 1) for p in positions]
    assert curve[2]["prompt_tokens"] > curve[0]["prompt_tokens"]
    diff = hybrid.curve_differences(curve, curve)
    assert diff[0]["diff"] == 0 and diff[2]["verdict"] == "tie"
    with pytest.raises(ValueError, match="ragft_fingerprint"):
        hybrid.reading_curve(object(), None, questions, index, counts=(0,), cache=True)


def test_by_position_and_holds_answer():
    curve = {3: {"positions": [1, 4, 4, 2], "scores": [0.0, 1.0, 0.0, 1.0]}}
    assert hybrid.by_position(curve, 3) == {1: {"accuracy": 0.0, "n": 1}, 2: {"accuracy": 1.0, "n": 1},
                                             4: {"accuracy": 0.5, "n": 2}}
    q = type("Q", (), {"answers": ["17 hours"]})()
    prompt = [{"role": "system", "content": "Answer. 17 hours is an example."},
              {"role": "user", "content": "Context:\n\n[1] Fan\nBattery: 17 hours\n\nQuestion: How long?"}]
    assert hybrid.holds_answer(prompt, q)
    prompt[-1]["content"] = "Context:\n\n[1] Fan\nBattery: 7 hours\n\nQuestion: Is it 17 hours?"
    assert not hybrid.holds_answer(prompt, q)  # only the passages count, not the question or the system turn


def test_additive_table_measures_whether_gains_add():
    def rec(system, i, correct):
        return {"system": system, "split": "test_seen", "id": f"q{i}", "correct": correct}

    # base never right; ft right on q0,q1; rag right on q1,q2; both right on q0,q1,q2 (the gains overlap on q1)
    right = {"closed_book": set(), "ft": {0, 1}, "rag": {1, 2}, "ft_rag": {0, 1, 2}}
    records = [rec(s, i, i in r) for s, r in right.items() for i in range(4)]
    table = hybrid.additive_table(records, "test_seen")
    assert table["n"] == 4
    assert [r["accuracy"] for r in table["rows"]] == [0.0, 0.5, 0.5, 0.75]
    assert table["rows"][0]["gain"] is None and table["rows"][3]["gain"] == 0.75
    assert table["interaction"] == pytest.approx((3 - 2 - 2 + 0) / 4)  # below zero: the gains overlap
    with pytest.raises(ValueError, match="ft_rag"):
        hybrid.additive_table([r for r in records if r["system"] != "ft_rag"], "test_seen")


# --------------------------------------------------------------------------------------------------
# the hybrid systems in the comparison


def test_format_systems_in_the_comparison_report_format_adherence(cache):
    backend = StubBackend()
    cfg = tiny_config(systems=("rag", "format_rag", "format_prompt_rag"), splits=("test_unseen",), update=False)
    assert cfg.max_new_tokens == compare.systems.FORMAT_MAX_NEW_TOKENS == 96  # one cap for all, with room for a four-line reply
    results = compare.run_comparison(cfg, backend=backend)
    assert backend.trained == ["house-format-rag"]
    for system in cfg.systems:
        row = results.systems[system]
        assert row["test_seen"]["n"] == 0 and row["test_unseen"]["n"] > 0
        assert 0.0 <= row["test_unseen"]["format_adherence"] <= 1.0
    # the stand-in reads passage [1] and never writes the house format
    assert results.systems["format_rag"]["test_unseen"]["format_adherence"] == 0.0
    # every fixture reply states a fact that retrieval puts in its prompt, so all three are kept
    assert results.config["format_data"]["used"] == results.config["format_data"]["grounded"] == 3
    prompts = {r["system"]: r for r in results.records}
    assert prompts  # every system answered
    fp = [r for r in results.records if r["system"] == "format_prompt_rag"]
    assert all("format_ok" in r for r in fp)
    assert compare.CompareConfig().max_new_tokens == 32
    with pytest.raises(ValueError, match="split"):
        compare.CompareConfig(splits=("train",))
    with pytest.raises(ValueError, match="format_shots"):
        compare.CompareConfig(format_shots=-1)


def test_format_prompt_system_puts_the_shots_before_the_question(cache):
    seen = []

    class Recording(StubBackend):
        def generate(self, model, tokenizer, prompts, **kwargs):
            seen.extend(prompts)
            return super().generate(model, tokenizer, prompts, **kwargs)

    cfg = tiny_config(systems=("format_prompt_rag",), splits=("test_unseen",), update=False, format_shots=2)
    compare.run_comparison(cfg, backend=Recording())
    assert seen and all(to_messages(p)[0]["content"] == hybrid.FORMAT_SYSTEM for p in seen)
    assert all([m["role"] for m in to_messages(p)] == ["system", "user", "assistant", "user", "assistant", "user"]
               for p in seen)


def test_ragft_compare_json_lists_the_format_systems(cache, capsys):
    code = main(["compare", "--json", "--quiet", "--data", str(DATA), "--systems", "rag", "format_prompt_rag",
                 "--splits", "test_unseen", "--no-update"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["systems"]) == {"rag", "format_prompt_rag"}
    assert out["config"]["splits"] == ["test_unseen"] and out["config"]["max_new_tokens"] == 96
    assert "format_adherence" in out["systems"]["format_prompt_rag"]["test_unseen"]


#: tokens one training pass may hold (micro-batch x longest prompt): 2 x 512 peaked at 2.4-2.9 GB, against
#: 4.4-4.5 GB for 8 x 478 (RAFT) and 4 x 478 (format on RAG prompts) in one pass (bench/bench_dtype.py --only-micro)
TOKENS_PER_PASS = 1024


class RecordingBackend(StubBackend):
    def __init__(self):
        super().__init__()
        self.settings: dict[str, dict] = {}

    def train(self, name, examples, **kwargs):
        self.settings[name] = kwargs
        return super().train(name, examples, **kwargs)


def test_long_prompt_adapters_train_in_micro_batches_that_fit_4_gb(cache):
    """RAFT and the format adapter on RAG prompts are trained on prompts of up to 512 tokens: both split each
    batch into micro-batches (gradient accumulation), so no pass holds more than TOKENS_PER_PASS tokens."""
    backend = RecordingBackend()
    compare.run_comparison(tiny_config(systems=("rag", "raft", "format_rag"), splits=("test_unseen",), update=False),
                           backend=backend)
    assert set(backend.settings) >= {"raft", "house-format-rag"}
    for name in ("raft", "house-format-rag"):
        kw = backend.settings[name]
        micro = kw.get("micro_batch_size") or kw["batch_size"]
        assert kw["batch_size"] % micro == 0 and micro < kw["batch_size"], (name, kw)
        assert micro * 512 <= TOKENS_PER_PASS, (name, kw)
    assert compare.CompareConfig().raft["micro_batch_size"] * compare.CompareConfig().raft["max_tokens"] <= TOKENS_PER_PASS
