"""Answering with the real generator: RAG vs closed book, timings, evaluation records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ragft.rag import (
    ChunkingConfig,
    RagIndex,
    RagPipeline,
    build_rag_prompt,
    evaluate,
    evaluate_retrieval,
    load_documents,
)
from ragft.rag import embedding as embedding_mod

FIXTURES = Path(__file__).parent / "fixtures" / "rag"


@dataclass
class Q:  # the fields of ragft.data.Question that evaluate() reads
    id: str
    question: str
    answers: list[str]
    doc_ids: list[str]
    type: str = "single"
    split: str = "test"
    paraphrases: list[str] = field(default_factory=list)


QUESTIONS = [
    Q("q1", "How much does a standard tune-up cost at Spokewise?", ["65 euros", "65"], ["returns"]),
    Q("q2", "At what time does the Spokewise shop open?", ["9:30"], ["opening_hours"]),
    Q("q3", "How much does a puncture repair cost at Spokewise?", ["12 euros", "12"], ["returns"]),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setattr(embedding_mod, "embeddings_cache_dir", lambda: tmp_path_factory.mktemp("emb"))
    yield RagIndex.build(load_documents(FIXTURES), chunking=ChunkingConfig(chunk_size=48, overlap=8))
    mp.undo()


@pytest.fixture(scope="module")
def generator():
    from ragft.models import load_generator

    return load_generator(progress=False)


def test_prompt_numbers_sources_and_asks_for_idk(index):
    hits = index.search("tune-up price", k=2)
    messages = build_rag_prompt("How much is a tune-up?", hits)
    text = "\n".join(m["content"] for m in messages)
    assert "[1] Returns and repairs > Repairs" in text and "[2]" in text and "[3]" not in text
    assert "I don't know" in text and "How much is a tune-up?" in text


def test_every_template_asks_for_idk_and_keeps_the_question(index):
    from ragft.rag import TEMPLATES, build_closed_book_prompt

    hits = index.search("tune-up price", k=1)
    for name in TEMPLATES:
        text = "\n".join(m["content"] for m in build_rag_prompt("How much is a tune-up?", hits, name))
        assert "I don't know" in text and "How much is a tune-up?" in text and "65 euros" in text, name
        closed = "\n".join(m["content"] for m in build_closed_book_prompt("How much is a tune-up?", name))
        assert "65 euros" not in closed and "How much is a tune-up?" in closed
    with pytest.raises(ValueError, match="unknown prompt template"):
        build_rag_prompt("q", hits, "nope")


def test_clean_answer_keeps_the_first_paragraph():
    from ragft.rag.pipeline import clean_answer

    assert clean_answer("Answer: It weighs 412 g.\n\n[2] Ostrel A3 > Weight: 455 g") == "It weighs 412 g."
    assert clean_answer("  I don't know.  ") == "I don't know."


def test_retrieval_metrics_without_generation(index):
    scores = evaluate_retrieval(index, QUESTIONS, depth=5)
    assert scores["recall@1"] == 1.0 and scores["mrr"] == 1.0 and scores["n"] == 3


@pytest.mark.slow
def test_rag_answers_from_documents_and_closed_book_does_not(index, generator):
    model, tokenizer = generator
    rag = evaluate(RagPipeline(model, tokenizer, index, k=2, abstain=False), QUESTIONS)
    closed = evaluate(RagPipeline(model, tokenizer), QUESTIONS)
    assert rag.metrics["accuracy"] >= 2 / 3
    assert closed.metrics["accuracy"] <= 1 / 3  # the shop is made up: the model cannot know its prices
    assert rag.metrics["recall@1"] == 1.0 and "recall@5" not in closed.metrics
    rec = rag.records[0]
    assert rec["retrieved"][0] == "returns" and rec["sources"][0] == "returns"
    assert rec["prompt_tokens"] > closed.records[0]["prompt_tokens"]
    assert rec["embed_ms"] > 0 and rec["generate_ms"] > 0
    assert rag.metrics["n"] == 3 and len(rag.failures()) == round(3 * (1 - rag.metrics["accuracy"]))


@pytest.mark.slow
def test_answer_returns_sources_and_timings(index, generator):
    model, tokenizer = generator
    pipe = RagPipeline.baseline(model, tokenizer, index, max_new_tokens=24)
    ans = pipe.answer_one("When does the shop open?")
    assert ans.sources[0].doc_id == "opening_hours" and ans.sources[0].path.endswith("opening_hours.txt")
    assert len(ans.sources) == 2 and ans.sources[0].score >= ans.sources[1].score
    assert set(ans.timings) == {"embed_ms", "search_ms", "compress_ms", "gate_ms", "prompt_tokens", "new_tokens", "generate_ms", "cached"}
    assert not ans.abstained and ans.abstain_reason == "" and ans.signals == {}
    assert ans.timings["cached"] is False
    assert ans.timings["new_tokens"] <= 24
    # a filter on the pipeline keeps confidential chunks out of the prompt
    public = RagPipeline(model, tokenizer, index, k=3, filter={"access": ["public"]}, max_new_tokens=8, abstain=False)
    out = public.answer(["How big is the yearly mechanic bonus?"])[0]
    assert all(s.doc_id != "staff-pay" for s in out.sources)
    assert "900" not in "\n".join(m["content"] for m in out.prompt)


def test_bad_questions_are_rejected(index):
    pipe = RagPipeline(None, None, index, abstain=False)
    with pytest.raises(TypeError, match="list of questions"):
        pipe.answer("a single string")
    with pytest.raises(ValueError, match="empty"):
        pipe.answer(["ok", "  "])
    with pytest.raises(ValueError, match="k must be"):
        RagPipeline(None, None, index, k=0, abstain=False)


@pytest.mark.slow
def test_answer_cache_reuses_answers_of_the_same_weights_and_prompt(index, generator, tmp_path, monkeypatch):
    from ragft.compare import AnswerCache
    from ragft.models import generate as real_generate
    from ragft.rag import pipeline as pipeline_mod

    model, tokenizer = generator
    calls = []

    def counting_generate(*args, **kwargs):
        calls.append(len(args[2]))
        return real_generate(*args, **kwargs)

    monkeypatch.setattr(pipeline_mod, "generate", counting_generate)
    store = AnswerCache(tmp_path / "answers")
    pipe = RagPipeline(model, tokenizer, index, k=2, max_new_tokens=12, abstain=False, cache=store)
    first = evaluate(pipe, QUESTIONS)
    again = evaluate(pipe, QUESTIONS)
    assert calls == [3]  # the second evaluation generated nothing
    assert [r["answer"] for r in again.records] == [r["answer"] for r in first.records]
    assert first.metrics["n_cached"] == 0 and again.metrics["n_cached"] == 3
    assert all(r["cached"] for r in again.records)
    # a reused answer reports the time measured when it was generated, and so does the throughput
    assert [r["generate_ms"] for r in again.records] == pytest.approx([r["generate_ms"] for r in first.records])
    assert again.metrics["questions_per_second"] < 100
    # another k changes the prompt; other weights change the fingerprint: both generate again
    evaluate(RagPipeline(model, tokenizer, index, k=1, max_new_tokens=12, abstain=False, cache=store), QUESTIONS[:1])
    monkeypatch.setattr(model, "ragft_fingerprint", model.ragft_fingerprint + "+other", raising=False)
    evaluate(RagPipeline(model, tokenizer, index, k=2, max_new_tokens=12, abstain=False, cache=store), QUESTIONS[:1])
    assert calls == [3, 1, 1]
    # without the cache every answer is generated
    RagPipeline(model, tokenizer, index, k=2, max_new_tokens=12, abstain=False).answer([QUESTIONS[0].question])
    assert calls == [3, 1, 1, 1]


def test_answer_cache_needs_a_model_fingerprint(index):
    with pytest.raises(ValueError, match="ragft_fingerprint"):
        RagPipeline(object(), None, index, cache=True, abstain=False)


@pytest.mark.slow
def test_loaded_models_carry_fingerprints(generator, tmp_path):
    from ragft.finetune import adapter_fingerprint
    from ragft.models import generator_fingerprint

    model, _ = generator
    assert model.ragft_fingerprint == generator_fingerprint() == adapter_fingerprint(None)
    (tmp_path / "adapter_model.safetensors").write_bytes(b"weights")
    fp = adapter_fingerprint(tmp_path)
    assert fp.startswith(generator_fingerprint() + "+lora:")
    (tmp_path / "adapter_model.safetensors").write_bytes(b"other weights")
    assert adapter_fingerprint(tmp_path) != fp
