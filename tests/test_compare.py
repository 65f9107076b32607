"""The comparison harness (ragft.compare) on a tiny synthetic corpus, with a stand-in model.

The stand-in (``StubBackend``) answers instantly and predictably, so these tests check the harness's
own logic: question selection, scoring and aggregation, the bootstrap interval, the answer cache, the
update experiment, the result files and the ``ragft compare --json`` schema.
The real generator is exercised in ``test_compare_slow.py``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path

import pytest

from ragft import compare
from ragft.cli import main
from ragft.compare import harness
from ragft.finetune import TrainResult, adapters_dir
from ragft.models import Generation, to_messages

DATA = Path(__file__).parent / "fixtures" / "compare" / "data"


# --------------------------------------------------------------------------------------------------
# a stand-in for the model: reads source [1] when it has sources, else recalls what it was "trained" on


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def stub_answer(memory: list[list[str]], prompt) -> str:
    user = [m["content"] for m in to_messages(prompt) if m["role"] == "user"][-1]
    if "\n\n[1] " in user and "Question:" in user:  # a RAG prompt
        match = re.search(r"\[1\] [^\n]*\n(.*?)(?:\n\n\[2\]|\n\nQuestion:)", user, re.DOTALL)
        if not match:
            return "I don't know."
        first = re.split(r"(?<=\.)\s", match.group(1).strip())[0]
        return f"{first} [1]"
    best, score = None, 0.0
    for question, answer in memory:
        a, b = _words(question), _words(user)
        jaccard = len(a & b) / len(a | b)
        if jaccard > score:
            best, score = answer, jaccard
    return best if best and score >= 0.6 else "I don't know."


class StubModel:
    def __init__(self, memory):
        self.memory = memory


class StubBackend(compare.Backend):
    def __init__(self):
        super().__init__()
        self.generated = 0
        self.trained: list[str] = []

    def load(self, adapter_dir=None):
        memory = json.loads((Path(adapter_dir) / "memory.json").read_text()) if adapter_dir else []
        return StubModel(memory), None

    def fingerprint(self, adapter_dir=None):
        if adapter_dir is None:
            return "stub"
        return "stub+" + hashlib.sha256((Path(adapter_dir) / "memory.json").read_bytes()).hexdigest()[:12]

    def render(self, tokenizer, prompt):
        return json.dumps(to_messages(prompt), sort_keys=True)

    def prompt_ids(self, tokenizer, prompt):
        return self.render(tokenizer, prompt).split()  # words for tokens

    def generate(self, model, tokenizer, prompts, *, max_new_tokens, batch_size, progress=False):
        self.generated += len(prompts)
        texts = [stub_answer(model.memory, p) for p in prompts]
        return Generation(texts=texts, seconds=0.01 * len(prompts),
                          prompt_tokens=[len(self.render(None, p).split()) for p in prompts],
                          new_tokens=[len(t.split()) for t in texts], per_item_seconds=[0.01] * len(prompts))

    def train(self, name, examples, **kwargs):
        memory = []
        for ex in examples:
            if "messages" in ex:
                user = next(m["content"] for m in ex["messages"] if m["role"] == "user")
                question = user.rsplit("Question:", 1)[-1].strip()
                memory.append([question, ex["messages"][-1]["content"]])
            else:
                memory.append([ex["question"], ex["answer"]])
        blob = json.dumps(memory, sort_keys=True)
        folder = adapters_dir() / f"{name}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"
        cached = folder.is_dir()
        if not cached:
            folder.mkdir(parents=True)
            (folder / "memory.json").write_text(blob)
            self.trained.append(name)
        return TrainResult(adapter_dir=str(folder), seconds=2.5, trainable_params=10, total_params=1000,
                           trainable_percent=1.0, final_loss=0.1, adapter_bytes=len(blob), n_examples=len(examples),
                           steps=1, cached=cached)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """Every cache (adapters, answers, indexes, embeddings) in a fresh temporary folder."""
    monkeypatch.setenv("RAGFT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def tiny_config(**kwargs) -> compare.CompareConfig:
    kwargs.setdefault("data_root", str(DATA))
    kwargs.setdefault("progress", False)
    kwargs.setdefault("seed", 7)
    return compare.CompareConfig(**kwargs)


@pytest.fixture(scope="module")
def stub_run(tmp_path_factory):
    """One full run of the five systems with the stand-in (shared by the tests that only read it)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAGFT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        backend = StubBackend()
        results = compare.run_comparison(tiny_config(), backend=backend)
    return results, backend


# --------------------------------------------------------------------------------------------------
# questions


def test_select_questions_is_seeded_and_keeps_each_type_share():
    a = compare.select_questions(limit=20, seed=1)
    b = compare.select_questions(limit=20, seed=1)
    c = compare.select_questions(limit=20, seed=2)
    assert [q.id for q in a["test_unseen"]] == [q.id for q in b["test_unseen"]]
    assert [q.id for q in a["test_unseen"]] != [q.id for q in c["test_unseen"]]
    for split in ("test_seen", "test_unseen", "unanswerable"):
        assert len(a[split]) == 20
        assert all(q.split == split for q in a[split])
    full = compare.select_questions()
    for split in ("test_seen", "test_unseen"):  # every type keeps its share, within one question
        for qtype in {q.type for q in full[split]}:
            share = sum(q.type == qtype for q in full[split]) / len(full[split])
            assert abs(sum(q.type == qtype for q in a[split]) - 20 * share) <= 1
    assert a["multi_doc"] and all(q.type == "multi_doc" for q in a["multi_doc"])
    assert {q.id for q in a["multi_doc"]} <= {q.id for q in a["test_seen"] + a["test_unseen"]}


def test_select_questions_without_limit_returns_whole_splits():
    sel = compare.select_questions(root=DATA)
    assert [q.id for q in sel["test_seen"]] == ["c04", "c05"]
    assert [q.id for q in sel["multi_doc"]] == ["c08"]
    assert len(sel["unanswerable"]) == 2


def test_config_takes_retrieval_settings_from_the_rag_toolkit(monkeypatch):
    from ragft.rag import ChunkingConfig
    from ragft.rag import pipeline as rag_pipeline

    cfg = compare.CompareConfig()
    assert cfg.k == rag_pipeline.DEFAULT_K
    assert (cfg.chunk_size, cfg.overlap) == (ChunkingConfig().chunk_size, ChunkingConfig().overlap)
    assert cfg.to_dict()["k"] == cfg.k  # recorded as a number, not as "default"
    monkeypatch.setattr(rag_pipeline, "DEFAULT_K", 5)  # the toolkit changes its default: the harness follows
    assert compare.CompareConfig().k == 5 and compare.rag_defaults()["k"] == 5
    assert compare.CompareConfig(k=1).k == 1  # an explicit k still wins


def test_config_rejects_bad_settings():
    with pytest.raises(ValueError, match="unknown system"):
        compare.CompareConfig(systems=("rag", "gpt4"))
    with pytest.raises(ValueError, match="limit"):
        compare.CompareConfig(limit=0)
    with pytest.raises(ValueError, match="oracle probability"):
        compare.CompareConfig(raft={"p_oracle": 1.5})
    with pytest.raises(ValueError, match="ft_update"):
        compare.CompareConfig(ft_update="sometimes")
    assert compare.CompareConfig(systems="rag, ft").systems == ("rag", "ft")


# --------------------------------------------------------------------------------------------------
# scoring and aggregation


def _rec(correct, *, abstained=False, f1=None, ret=0.0, gen=100.0, split="test_unseen", qtype="single"):
    return {"correct": correct, "abstained": abstained, "f1": float(correct) if f1 is None else f1,
            "retrieval_ms": ret, "generation_ms": gen, "prompt_tokens": 100, "new_tokens": 10, "from_cache": False,
            "split": split, "type": qtype}


def test_summarize_aggregates_accuracy_f1_abstention_and_latency():
    recs = [_rec(True, ret=10, gen=100), _rec(True, ret=10, gen=200), _rec(False, abstained=True, f1=0.0, ret=10, gen=300),
            _rec(False, f1=0.5, ret=10, gen=400)]
    m = compare.summarize(recs, seed=0)
    assert m["n"] == 4
    assert m["accuracy"] == 0.5
    assert m["f1"] == pytest.approx((1 + 1 + 0 + 0.5) / 4)
    assert m["abstain"] == 0.25
    assert m["latency_ms_p50"] == pytest.approx(260.0)  # median of 110, 210, 310, 410
    assert m["latency_ms_p95"] == pytest.approx(395.0)
    assert m["retrieval_ms_p50"] == 10 and m["generation_ms_p50"] == 250
    lo, hi = m["ci95"]
    assert 0.0 <= lo < 0.5 < hi <= 1.0


def test_bootstrap_interval_is_seeded_and_narrows_with_more_questions():
    small = [_rec(i % 2 == 0) for i in range(10)]
    large = [_rec(i % 2 == 0) for i in range(200)]
    a, b = compare.summarize(small, seed=3)["ci95"], compare.summarize(small, seed=3)["ci95"]
    assert a == b
    wide = a[1] - a[0]
    narrow = compare.summarize(large, seed=3)["ci95"]
    assert narrow[1] - narrow[0] < wide / 2
    assert compare.summarize([_rec(True)] * 5)["ci95"] == [1.0, 1.0]
    empty = compare.summarize([])
    assert empty["n"] == 0 and math.isnan(empty["accuracy"])


def test_score_answer_counts_abstention_as_correct_only_when_unanswerable():
    from ragft.data import Question

    answerable = Question("x", "q?", ["$41"], ["d"], "single", "test_seen", "f")
    unanswerable = Question("y", "q?", [], [], "unanswerable", "unanswerable", "g")
    assert compare.score_answer("It costs $41 [1].", answerable)["correct"]
    assert not compare.score_answer("I don't know.", answerable)["correct"]
    assert compare.score_answer("I don't know.", answerable)["abstained"]
    assert compare.score_answer("I don't know.", unanswerable)["correct"]
    assert not compare.score_answer("It costs $12.", unanswerable)["correct"]
    from ragft import metrics

    assert compare.score_answer is metrics.score_answer  # one rule: the RAG toolkit's evaluate scores with it too


def test_summarize_update_separates_current_and_stale_answers():
    from ragft.data import Question

    qs = [Question(f"q{i}", "q?", ["$41"], ["d"], "changed", "test_seen", "f", v1_answers=["$41"], v2_answers=["$44"])
          for i in range(4)]
    before = ["It is $41.", "It is $41.", "It is $41.", "I don't know."]
    after = ["It is $44.", "It is $41.", "It is $44.", "It is $50."]
    u = compare.summarize_update(before, after, qs)
    assert u["n"] == 4
    assert u["changed_accuracy_before"] == 0.0 and u["stale_rate_before"] == 0.75
    assert u["changed_accuracy"] == 0.5 and u["stale_rate"] == 0.25


def _pair_records(system, outcomes, split="test_unseen"):
    return [{"system": system, "id": f"q{i}", "split": split, "type": "single", "correct": bool(c)}
            for i, c in enumerate(outcomes)]


def test_paired_differences_decide_by_the_interval_of_the_difference():
    # rag is right on 30 of 40 questions, ft on 10 (the 10 that rag also gets): a clear difference
    recs = _pair_records("rag", [1] * 30 + [0] * 10) + _pair_records("ft", [1] * 10 + [0] * 30)
    # closed book: the same accuracy as ft, but on questions that trade wins and losses with ft
    recs += _pair_records("closed_book", [0] * 10 + [1] * 10 + [0] * 20)
    d = compare.paired_differences(recs, seed=0, splits=("test_unseen",))
    assert set(d) == {"rag_vs_closed_book", "rag_vs_ft", "ft_vs_closed_book"}  # only pairs that were run
    rag_ft = d["rag_vs_ft"]["test_unseen"]
    assert rag_ft["diff"] == pytest.approx(0.5) and rag_ft["n"] == 40
    assert 0 < rag_ft["ci95"][0] < 0.5 < rag_ft["ci95"][1]
    assert rag_ft["verdict"] == "a" and rag_ft["better"] == "rag"
    tie = d["ft_vs_closed_book"]["test_unseen"]
    assert tie["diff"] == 0 and tie["better"] == "tie" and tie["ci95"][0] < 0 < tie["ci95"][1]
    # only the questions both systems answered are paired
    partial = compare.paired_differences(recs[:40] + _pair_records("ft", [0] * 20), seed=0, splits=("test_unseen",))
    assert partial["rag_vs_ft"]["test_unseen"]["n"] == 20


def test_update_differences_and_gain_are_paired():
    from ragft.data import Question

    qs = [Question(f"q{i}", "q?", ["$41"], ["d"], "changed", "test_seen", "f", v1_answers=["$41"], v2_answers=["$44"])
          for i in range(20)]
    u = compare.summarize_update(["It is $41."] * 20, ["It is $44."] * 16 + ["It is $41."] * 4, qs, seed=0)
    assert u["current_gain"]["diff"] == pytest.approx(0.8) and u["current_gain"]["verdict"] == "a"
    assert u["stale_rate"] == pytest.approx(0.2) and u["stale_ci95"][0] <= 0.2 <= u["stale_ci95"][1]
    scores = {"rag": compare.update_scores(["It is $44."] * 16 + ["?"] * 4, qs),
              "ft": compare.update_scores(["It is $41."] * 20, qs)}
    d = compare.update_differences(scores, seed=0)
    assert set(d) == {"rag_vs_ft"}
    assert d["rag_vs_ft"]["changed_accuracy"]["better"] == "rag"
    assert d["rag_vs_ft"]["stale_rate"]["better"] == "ft" and d["rag_vs_ft"]["stale_rate"]["diff"] == -1.0


# --------------------------------------------------------------------------------------------------
# the whole harness with the stand-in model


def test_run_comparison_reports_every_system_and_split(stub_run):
    results, backend = stub_run
    data = results.to_json()
    assert set(data["systems"]) == set(compare.DEFAULT_SYSTEMS)
    for system, splits in data["systems"].items():
        assert set(splits) == set(compare.SPLITS), system
        for split, m in splits.items():
            for key in ("accuracy", "ci95", "f1", "abstain", "latency_ms_p50", "latency_ms_p95", "format_adherence"):
                assert key in m, (system, split, key)
            assert 0.0 <= m["accuracy"] <= 1.0
            assert m["ci95"][0] <= m["accuracy"] <= m["ci95"][1]
    s = data["systems"]
    # the stand-in knows nothing closed-book, so it abstains: right on unanswerable, wrong elsewhere
    assert s["closed_book"]["test_unseen"]["accuracy"] == 0.0
    assert s["closed_book"]["unanswerable"]["accuracy"] == 1.0
    # retrieval finds the right document for the single-document questions
    assert s["rag"]["test_seen"]["accuracy"] == 1.0
    assert s["rag"]["test_unseen"]["accuracy"] >= 2 / 3
    # fine-tuning remembers the facts it was trained on, and only those
    assert s["ft"]["test_seen"]["accuracy"] == 1.0
    assert s["ft"]["test_unseen"]["accuracy"] == 0.0
    # latency: retrieval counted only for the systems that retrieve
    assert s["closed_book"]["test_seen"]["retrieval_ms_p50"] == 0.0
    assert s["rag"]["test_seen"]["retrieval_ms_p50"] > 0.0
    assert s["rag"]["test_seen"]["prompt_tokens"] > s["closed_book"]["test_seen"]["prompt_tokens"]
    assert sorted(backend.trained) == ["knowledge", "raft"]
    costs = data["costs"]
    assert costs["ft"]["train_seconds"] == 2.5 and costs["closed_book"]["prep_seconds"] == 0.0
    assert costs["rag"]["index_seconds"] > 0 and costs["rag"]["peak_rss_mb"] > 0
    # the prompt's part that is the same for every question (what a provider can cache): the chat's opening and
    # the instructions, not the sources or the question
    for name in ("closed_book", "rag", "ft"):
        assert 0 < costs[name]["shared_prefix_tokens"], (name, costs[name])
    assert costs["rag"]["shared_prefix_tokens"] < s["rag"]["test_seen"]["prompt_tokens"]
    assert data["config"]["n_questions"] == {"test_seen": 2, "test_unseen": 3, "unanswerable": 2, "multi_doc": 1}
    assert data["environment"]["torch"]
    # the same answer-length cap for every system, and each answer's length recorded beside its time
    assert all(r["new_tokens"] <= data["config"]["max_new_tokens"] for r in results.records)
    assert s["ft"]["test_seen"]["new_tokens"] > 0 and "latency_ms_mean" in s["ft"]["test_seen"]
    # no path of this machine in the results: the answer cache is named relative to the cache root
    assert data["config"]["answer_cache"].startswith("<cache>/")
    # the paired differences the chapter's verdicts need, for every split, computed from the records
    d = data["differences"]
    assert set(d) == {f"{a}_vs_{b}" for a, b in compare.PAIRS if {a, b} <= set(compare.DEFAULT_SYSTEMS)}
    for pair in d.values():
        assert set(pair) == set(compare.SPLITS)
    rag_cb = d["rag_vs_closed_book"]["test_seen"]
    assert rag_cb["diff"] == pytest.approx(s["rag"]["test_seen"]["accuracy"] - s["closed_book"]["test_seen"]["accuracy"])
    assert rag_cb["n"] == 2 and rag_cb["ci95"][0] <= rag_cb["diff"] <= rag_cb["ci95"][1]


def test_update_experiment_rag_goes_current_while_the_old_adapter_stays_stale(stub_run):
    results, _ = stub_run
    u = results.update
    assert set(u) == set(compare.DEFAULT_SYSTEMS)
    assert results.config["n_changed"] == 2
    assert results.config["index_update"]["docs_updated"] == 2
    assert results.config["index_update"]["docs_added"] == 1 and results.config["index_update"]["docs_removed"] == 1
    assert u["rag"]["stale_rate_before"] == 1.0 and u["rag"]["changed_accuracy_before"] == 0.0
    assert u["rag"]["changed_accuracy"] == 1.0 and u["rag"]["stale_rate"] == 0.0
    assert u["rag"]["update_seconds"] > 0
    # the adapter learned the old lamp price (test_seen) and knows nothing about the warranty (test_unseen)
    assert u["ft"]["stale_rate"] == 0.5 and u["ft"]["changed_accuracy"] == 0.0
    assert u["ft"]["update_seconds"] == 0.0 and u["ft"]["retrain_seconds_estimate"] == 2.5
    assert u["closed_book"]["stale_rate"] == 0.0
    assert u["raft"]["changed_accuracy"] == 1.0  # reads the updated index
    assert u["rag"]["current_gain"]["diff"] == 1.0 and u["ft"]["current_gain"]["diff"] == 0.0
    ud = results.update_differences["rag_vs_ft"]
    assert ud["changed_accuracy"]["diff"] == 1.0 and ud["stale_rate"]["diff"] == -0.5
    assert ud["changed_accuracy"]["n"] == 2


def test_retraining_on_v2_facts_removes_the_stale_answers(cache):
    backend = StubBackend()
    results = compare.run_comparison(tiny_config(systems=("ft", "ft_rag"), ft_update="retrain"), backend=backend)
    u = results.update
    assert "knowledge-v2" in backend.trained
    assert u["ft"]["stale_rate_before"] == 0.5
    assert u["ft"]["stale_rate"] == 0.0 and u["ft"]["changed_accuracy"] == 0.5
    assert u["ft"]["update_seconds"] == 2.5 and "retrained" in u["ft"]["update_method"]
    assert u["ft_rag"]["update_seconds"] > 2.5  # retraining plus the index update


def test_answer_cache_reuses_answers_and_runs_are_reproducible(cache):
    backend = StubBackend()
    first = compare.run_comparison(tiny_config(systems=("closed_book", "rag")), backend=backend)
    generated = backend.generated
    assert generated > 0 and first.n_from_cache == 0
    second = compare.run_comparison(tiny_config(systems=("closed_book", "rag")), backend=backend)
    assert backend.generated == generated  # nothing generated again
    asked = [r for r in second.records if not r["gate"]]  # the abstention gate answers the others itself
    assert second.n_from_cache == len(asked) > 0
    assert second.costs["rag"]["generated"] == 0
    assert second.costs["rag"]["from_cache"] == first.costs["rag"]["generated"] > 0
    for system in ("closed_book", "rag"):
        for split in compare.SPLITS:
            assert first.systems[system][split]["accuracy"] == second.systems[system][split]["accuracy"]
    third = compare.run_comparison(tiny_config(systems=("closed_book", "rag"), use_cache=False), backend=backend)
    assert backend.generated > generated and third.n_from_cache == 0
    assert [r["answer"] for r in third.records] == [r["answer"] for r in first.records]


def test_two_runs_with_the_same_seed_and_a_limit_pick_the_same_questions(cache):
    cfg = dict(systems=("rag",), limit=1, use_cache=False, update=False)
    a = compare.run_comparison(tiny_config(**cfg), backend=StubBackend())
    b = compare.run_comparison(tiny_config(**cfg), backend=StubBackend())
    assert [r["id"] for r in a.records] == [r["id"] for r in b.records]
    ja, jb = a.to_json()["systems"]["rag"], b.to_json()["systems"]["rag"]
    for split in compare.SPLITS:
        for key in ("accuracy", "ci95", "f1", "abstain"):
            assert ja[split][key] == jb[split][key], (split, key)
    assert len(a.records) == 3  # one question per split


def test_index_is_cached_with_its_original_build_time(cache):
    cfg = tiny_config()
    first, info1 = compare.cached_index("v1", cfg)
    second, info2 = compare.cached_index("v1", cfg)
    assert not info1["cached"] and info2["cached"]
    assert info2["seconds"] == pytest.approx(info1["seconds"])
    assert len(first) == len(second) == info1["chunks"]


# --------------------------------------------------------------------------------------------------
# files, tables and plots


def test_results_are_saved_as_json_and_csv_and_plotted_from_the_file(stub_run, tmp_path):
    results, _ = stub_run
    path = results.save(tmp_path / "run")
    assert path.name == "results.json"
    for name in ("summary.csv", "update.csv", "answers.csv"):
        assert (tmp_path / "run" / name).stat().st_size > 0
    data = compare.load_results(tmp_path / "run")
    assert data["systems"]["rag"]["test_seen"]["accuracy"] == 1.0
    assert data["config"]["seed"] == 7 and "transformers" in data["environment"]
    with pytest.raises(FileExistsError, match="--force"):
        results.save(tmp_path / "run")
    results.save(tmp_path / "run", force=True)
    import pandas as pd

    summary = pd.read_csv(tmp_path / "run" / "summary.csv")
    assert len(summary) == len(compare.DEFAULT_SYSTEMS) * len(compare.SPLITS)
    frame = compare.table(data)
    assert frame.loc["RAG", "test_seen"] == 1.0
    with pytest.raises(KeyError, match="unknown metric"):
        compare.table(data, "bleu")
    diffs = pd.read_csv(tmp_path / "run" / "differences.csv")
    assert set(diffs["pair"]) == {f"{a}_vs_{b}" for a, b in compare.PAIRS if {a, b} <= set(compare.DEFAULT_SYSTEMS)}
    assert {"diff", "ci95_low", "ci95_high", "better", "n"} <= set(diffs.columns)
    shown = compare.differences_table(data)
    assert list(shown.columns) == ["n", "diff (pts)", "95% CI", "verdict"]
    assert max(len(line) for line in shown.to_string().splitlines()) <= 100  # narrow enough not to be clipped
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    plt.close("all")
    figs = compare.plot_results(path, save=True)
    assert set(figs) == {"accuracy", "latency", "update"}
    assert (tmp_path / "run" / "accuracy.png").is_file()
    assert plt.get_fignums() == []  # returned closed: a notebook shows each figure once, where it displays it
    # the update figure's legend shows the colours its bars are drawn in
    ax = figs["update"].axes[1]
    legend = {t.get_text(): to_hex(h.get_facecolor()) for t, h in zip(ax.get_legend().get_texts(),
                                                                       ax.get_legend().legend_handles)}
    bar_colours = {to_hex(p.get_facecolor()) for p in ax.patches}
    assert set(legend) == {"before the update", "after the update"} and set(legend.values()) == bar_colours
    # the latency figure names the cap and labels each bar with its answer length
    lat = figs["latency"].axes[0]
    assert str(data["config"]["max_new_tokens"]) in lat.get_title()
    assert any("tokens" in t.get_text() for t in lat.texts)
    with pytest.raises(FileNotFoundError, match="ragft compare --out"):
        compare.load_results(tmp_path / "nothing-here")


# --------------------------------------------------------------------------------------------------
# the command line


@pytest.fixture
def stub_cli(cache, monkeypatch):
    monkeypatch.setattr(harness, "Backend", StubBackend)


def test_compare_json_prints_exactly_one_object_with_the_documented_schema(stub_cli, capsys):
    assert main(["compare", "--json", "--data", str(DATA), "--quiet", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)  # the whole of stdout is one JSON object
    assert {"systems", "update", "config"} <= set(data)
    assert set(data["systems"]) == {"closed_book", "rag", "ft", "ft_rag", "raft"}
    for splits in data["systems"].values():
        assert set(splits) == {"test_seen", "test_unseen", "unanswerable", "multi_doc"}
        for m in splits.values():
            assert set(m) >= {"accuracy", "ci95", "f1", "abstain", "latency_ms_p50", "latency_ms_p95"}
            assert 0 <= m["accuracy"] <= 1 and len(m["ci95"]) == 2
    for u in data["update"].values():
        assert set(u) >= {"changed_accuracy", "stale_rate", "update_seconds"}
        assert 0 <= u["changed_accuracy"] <= 1 and 0 <= u["stale_rate"] <= 1
    assert data["config"]["seed"] == 3


def test_compare_writes_results_and_refuses_to_overwrite_them(stub_cli, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["compare", "--data", str(DATA), "--quiet", "--systems", "closed_book,rag", "--out", str(out),
                 "--plots"]) == 0
    printed = capsys.readouterr().out
    assert "RAG" in printed and "stale" in printed
    assert "paired differences" in printed and "RAG - closed book" in printed
    assert (out / "differences.csv").is_file()
    assert (out / "results.json").is_file() and (out / "latency.png").is_file()
    before = (out / "results.json").read_text()
    assert main(["compare", "--data", str(DATA), "--quiet", "--systems", "rag", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert (out / "results.json").read_text() == before
    assert main(["compare", "--data", str(DATA), "--quiet", "--systems", "rag", "--out", str(out), "--force"]) == 0
    assert json.loads((out / "results.json").read_text())["config"]["systems"] == ["rag"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--systems", "rag", "gpt"], "unknown system"),
        (["--limit", "0"], "limit"),
        (["--raft-p", "1.2"], "oracle probability"),
        (["--k", "0"], "k must be at least 1"),
        (["--data", "/no/such/folder"], "not a data folder"),
        (["--plots"], "only make sense with --out"),
    ],
)
def test_compare_bad_input_is_one_clear_line(stub_cli, capsys, args, message):
    assert main(["compare", "--quiet", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ragft: error:") and message in err
