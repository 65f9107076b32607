"""Answer questions with retrieval (RAG) or without it (closed book), and evaluate the answers.

:class:`RagPipeline` works with any ``(model, tokenizer)`` pair that :func:`ragft.models.generate`
accepts: the base SmolLM2, a peft-wrapped fine-tuned model, or another causal LM. With
``index=None`` it answers closed-book through the same interface, so a comparison harness can call
every system the same way::

    rag = RagPipeline(model, tokenizer, RagIndex.load("runs/index"), k=4)
    closed = RagPipeline(model, tokenizer)               # closed book
    result = evaluate(rag, ragft.data.load_questions("test_unseen"))
    result.metrics["accuracy"], result.records[0]
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .. import metrics as M
from ..answers import AnswerCache, cached_generate
from ..models import chat_text, generate
from .index import Filter, Hit, RagIndex
from .prompts import PromptTemplate, build_closed_book_prompt, build_rag_prompt


def clean_answer(text: str) -> str:
    """Keep the first paragraph of a reply and drop a leading "Answer:".

    Small models often finish their sentence and then start echoing the sources ("\\n\\n[2] ...");
    that tail is not part of the answer and would let a reply "contain" a value it never stated.
    """
    text = (text or "").strip()
    text = re.sub(r"^(?:answer\s*:\s*)", "", text, flags=re.IGNORECASE)
    return text.split("\n\n", 1)[0].strip()


@dataclass
class Source:
    """A retrieved chunk as cited in an answer."""

    doc_id: str
    path: str
    score: float
    text: str
    title: str = ""
    heading: str = ""
    chunk_id: int = -1

    @classmethod
    def from_hit(cls, hit: Hit) -> Source:
        c = hit.chunk
        return cls(doc_id=c.doc_id, path=c.path, score=round(hit.score, 4), text=c.text, title=c.title, heading=c.heading, chunk_id=c.id)


@dataclass
class Answer:
    """The answer to one question, the sources put in the prompt, and where the time went.

    ``timings``: ``embed_ms`` and ``search_ms`` (per question; batched queries share the cost),
    ``prompt_tokens``, ``new_tokens``, ``generate_ms`` (this question's share of its batch) and
    ``cached`` (the answer came from the answer cache; ``generate_ms`` is then the time measured when
    it was first generated).
    ``ranked_doc_ids`` lists the distinct documents of the top ``eval_depth`` chunks, best first
    (for retrieval metrics; the prompt only holds the first ``k`` chunks).
    """

    question: str
    answer: str
    sources: list[Source] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    ranked_doc_ids: list[str] = field(default_factory=list)
    prompt: list[dict] = field(default_factory=list)

    def to_dict(self, *, with_text: bool = True, with_prompt: bool = False) -> dict[str, Any]:
        d = asdict(self)
        if not with_text:
            for s in d["sources"]:
                s.pop("text")
        if not with_prompt:
            d.pop("prompt")
        return d


class RagPipeline:
    """Retrieve ``k`` chunks, build the prompt, generate. ``index=None`` answers closed-book.

    Parameters
    ----------
    model, tokenizer: any pair accepted by :func:`ragft.models.generate` (peft models included).
    index: a :class:`RagIndex`, or ``None`` for closed-book answers.
    k: chunks put in the prompt. ``eval_depth``: chunks retrieved for retrieval metrics (>= k).
    threshold: drop chunks scoring below it (cosine). ``filter``: metadata filter, see :meth:`RagIndex.search`.
    template: a name from :data:`ragft.rag.prompts.TEMPLATES` or a :class:`PromptTemplate`.
    clean: keep only the first paragraph of each reply (see :func:`clean_answer`).
    cache: reuse answers stored on disk (``True`` for the course's answer cache, or an
    :class:`ragft.answers.AnswerCache`). An answer is stored under the model's fingerprint, the exact
    prompt text and the generation settings, so it is reused only when the same weights would be asked
    exactly the same thing; a reused answer reports the generation time measured when it was first
    produced, and ``timings["cached"]`` says so. The model must carry a ``ragft_fingerprint`` (models
    from :func:`ragft.models.load_generator` and :func:`ragft.finetune.load_finetuned` do). Leave it off
    when timing generation.
    """

    def __init__(
        self,
        model,
        tokenizer,
        index: RagIndex | None = None,
        *,
        k: int = 2,
        eval_depth: int = 10,
        threshold: float | None = None,
        filter: Filter = None,
        template: str | PromptTemplate | None = None,
        max_new_tokens: int = 32,
        batch_size: int = 16,
        clean: bool = True,
        name: str | None = None,
        cache: bool | AnswerCache = False,
    ):
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        use_cache = isinstance(cache, AnswerCache) or bool(cache)  # an empty AnswerCache is falsy (len 0)
        if use_cache and not isinstance(getattr(model, "ragft_fingerprint", None), str):
            raise ValueError(
                "cache=True needs to know which weights answer, and this model has no ragft_fingerprint: load it with "
                "ragft.models.load_generator() or ragft.finetune.load_finetuned(), set model.ragft_fingerprint to a "
                "string that changes whenever the weights change, or leave cache off"
            )
        self.cache: AnswerCache | None = (cache if isinstance(cache, AnswerCache) else AnswerCache()) if use_cache else None
        self.model, self.tokenizer, self.index = model, tokenizer, index
        self.k, self.eval_depth = k, max(k, eval_depth)
        self.threshold, self.filter, self.template = threshold, filter, template
        self.max_new_tokens, self.batch_size, self.clean = max_new_tokens, batch_size, clean
        self.name = name or ("rag" if index is not None else "closed-book")

    def retrieve(self, questions: Sequence[str], *, filter: Filter = None) -> tuple[list[list[Hit]], float, float]:
        """Hits (``eval_depth`` per question) plus the total embedding and search time in ms."""
        if self.index is None:
            return [[] for _ in questions], 0.0, 0.0
        t0 = time.perf_counter()
        vectors = self.index.embedder.embed_queries(questions)
        t1 = time.perf_counter()
        hits = self.index.search_vectors(vectors, self.eval_depth, threshold=self.threshold, filter=filter if filter is not None else self.filter)
        t2 = time.perf_counter()
        return hits, (t1 - t0) * 1000, (t2 - t1) * 1000

    def prompts(self, questions: Sequence[str], hits: Sequence[Sequence[Hit]]) -> list[list[dict]]:
        if self.index is None:
            return [build_closed_book_prompt(q, self.template) for q in questions]
        return [build_rag_prompt(q, h[: self.k], self.template) for q, h in zip(questions, hits, strict=True)]

    def answer(self, questions: Sequence[str], *, filter: Filter = None, batch_size: int | None = None, progress: bool | str = False) -> list[Answer]:
        """Answer a batch of questions (retrieval is batched too). Returns one :class:`Answer` each."""
        if isinstance(questions, str):
            raise TypeError("answer() takes a list of questions; use answer_one() for a single question")
        questions = [str(q) for q in questions]
        empty = [i for i, q in enumerate(questions) if not q.strip()]
        if empty:
            raise ValueError(f"question {empty[0]} is empty; every question needs some text")
        if not questions:
            return []
        hits, embed_ms, search_ms = self.retrieve(questions, filter=filter)
        prompts = self.prompts(questions, hits)
        gen_kwargs = dict(max_new_tokens=self.max_new_tokens, batch_size=batch_size or self.batch_size, progress=progress)
        if self.cache is not None:
            gen = cached_generate(generate, self.model, self.tokenizer, prompts, render=chat_text,
                                  fingerprint=self.model.ragft_fingerprint, cache=self.cache, **gen_kwargs)
            from_cache = gen.from_cache
        else:
            gen = generate(self.model, self.tokenizer, prompts, **gen_kwargs)
            from_cache = [False] * len(prompts)
        n = len(questions)
        out = []
        for i, q in enumerate(questions):
            ranked = list(dict.fromkeys(h.doc_id for h in hits[i]))
            out.append(
                Answer(
                    question=q,
                    answer=clean_answer(gen.texts[i]) if self.clean else gen.texts[i],
                    sources=[Source.from_hit(h) for h in hits[i][: self.k]],
                    timings={
                        "embed_ms": embed_ms / n,
                        "search_ms": search_ms / n,
                        "prompt_tokens": gen.prompt_tokens[i],
                        "new_tokens": gen.new_tokens[i],
                        "generate_ms": gen.per_item_seconds[i] * 1000,
                        "cached": from_cache[i],
                    },
                    ranked_doc_ids=ranked,
                    prompt=prompts[i],
                )
            )
        return out

    def answer_one(self, question: str, *, filter: Filter = None) -> Answer:
        return self.answer([question], filter=filter, batch_size=1)[0]


@dataclass
class Evaluation:
    """Per-question ``records`` (dicts) and aggregate ``metrics`` of one system on one question set."""

    name: str
    records: list[dict[str, Any]]
    metrics: dict[str, Any]
    seconds: float

    def failures(self, n: int | None = None) -> list[dict[str, Any]]:
        """Records of answerable questions answered wrongly."""
        bad = [r for r in self.records if r["answerable"] and not r["correct"]]
        return bad[:n] if n else bad


def _mean(values) -> float:
    values = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    return float(np.mean(values)) if values else float("nan")


def evaluate(
    pipeline: RagPipeline,
    questions: Sequence,
    *,
    recall_k: Sequence[int] = (1, 3, 5),
    filter: Filter = None,
    batch_size: int | None = None,
    progress: bool | str = False,
) -> Evaluation:
    """Answer ``questions`` (:class:`ragft.data.Question` objects) and score them.

    An answerable question is correct when an accepted answer occurs in the reply
    (:func:`ragft.metrics.answer_correct`); an unanswerable one (no accepted answers, or type
    ``unanswerable``) is correct when the model abstains. Retrieval metrics compare the ranked
    distinct documents against ``question.doc_ids``.

    ``metrics`` holds: ``n``, ``accuracy`` (answerable questions) with ``accuracy_ci``, ``f1``,
    ``abstention_rate`` (unanswerable questions), ``false_abstention_rate`` (answerable ones),
    ``accuracy_by_type``, ``recall@K``, ``mrr``, ``ndcg@5`` (questions with doc ids; RAG only),
    ``ms_embed``, ``ms_search``, ``ms_generate`` (means per question), ``prompt_tokens``,
    ``questions_per_second``, ``n_cached`` (answers reused from the answer cache; when there are any,
    ``questions_per_second`` is computed from the per-answer times measured when they were generated).
    """
    start = time.perf_counter()
    questions = list(questions)
    answers = pipeline.answer([q.question for q in questions], filter=filter, batch_size=batch_size, progress=progress)
    seconds = time.perf_counter() - start
    records = []
    for q, a in zip(questions, answers, strict=True):
        aliases = list(q.answers or [])
        answerable = bool(aliases) and getattr(q, "type", None) != "unanswerable"
        abstained = M.is_abstention(a.answer)
        rec: dict[str, Any] = {
            "id": q.id,
            "type": getattr(q, "type", None),
            "split": getattr(q, "split", None),
            "question": q.question,
            "gold": aliases,
            "answer": a.answer,
            "answerable": answerable,
            "correct": M.answer_correct(a.answer, aliases) if answerable else abstained,
            "f1": M.token_f1(a.answer, aliases) if answerable else float(abstained),
            "abstained": abstained,
            "doc_ids": list(getattr(q, "doc_ids", None) or []),
            "retrieved": a.ranked_doc_ids,
            "sources": [s.doc_id for s in a.sources],
            **a.timings,
        }
        if pipeline.index is not None and rec["doc_ids"]:
            for k in recall_k:
                rec[f"recall@{k}"] = M.recall_at_k(a.ranked_doc_ids, rec["doc_ids"], k)
            rec["rr"] = M.reciprocal_rank(a.ranked_doc_ids, rec["doc_ids"])
            rec["ndcg@5"] = M.ndcg_at_k(a.ranked_doc_ids, rec["doc_ids"], 5)
        records.append(rec)
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    acc_scores = [float(r["correct"]) for r in answerable]
    metrics: dict[str, Any] = {
        "n": len(records),
        "n_answerable": len(answerable),
        "accuracy": _mean(acc_scores),
        "accuracy_ci": M.bootstrap_ci(acc_scores),
        "f1": _mean(r["f1"] for r in answerable),
        "abstention_rate": _mean(float(r["abstained"]) for r in unanswerable),
        "false_abstention_rate": _mean(float(r["abstained"]) for r in answerable),
        "accuracy_by_type": {
            t: _mean(float(r["correct"]) for r in records if r["type"] == t) for t in sorted({str(r["type"]) for r in records})
        },
        "ms_embed": _mean(r["embed_ms"] for r in records),
        "ms_search": _mean(r["search_ms"] for r in records),
        "ms_generate": _mean(r["generate_ms"] for r in records),
        "prompt_tokens": _mean(r["prompt_tokens"] for r in records),
        "questions_per_second": len(records) / seconds if seconds else float("nan"),
        "n_cached": sum(bool(r.get("cached")) for r in records),
    }
    if metrics["n_cached"]:  # reused answers cost nothing now: report the throughput measured when they were made
        cost_s = sum(r["embed_ms"] + r["search_ms"] + r["generate_ms"] for r in records) / 1000
        metrics["questions_per_second"] = len(records) / cost_s if cost_s else float("nan")
    if pipeline.index is not None:
        with_docs = [r for r in records if "rr" in r]
        for k in recall_k:
            metrics[f"recall@{k}"] = _mean(r[f"recall@{k}"] for r in with_docs)
        metrics["mrr"] = _mean(r["rr"] for r in with_docs)
        metrics["ndcg@5"] = _mean(r["ndcg@5"] for r in with_docs)
    return Evaluation(name=pipeline.name, records=records, metrics=metrics, seconds=seconds)


def evaluate_retrieval(index: RagIndex, questions: Sequence, *, depth: int = 10, recall_k: Sequence[int] = (1, 3, 5), filter: Filter = None) -> dict[str, float]:
    """Retrieval metrics only (no generation: cheap enough to sweep chunk sizes and k)."""
    qs = [q for q in questions if getattr(q, "doc_ids", None)]
    if not qs:
        raise ValueError("none of the questions has doc_ids to score retrieval against")
    hits = index.search_many([q.question for q in qs], depth, filter=filter)
    ranked = [list(dict.fromkeys(h.doc_id for h in hs)) for hs in hits]
    out = {f"recall@{k}": _mean(M.recall_at_k(r, q.doc_ids, k) for r, q in zip(ranked, qs, strict=True)) for k in recall_k}
    out["mrr"] = _mean(M.reciprocal_rank(r, q.doc_ids) for r, q in zip(ranked, qs, strict=True))
    out["ndcg@5"] = _mean(M.ndcg_at_k(r, q.doc_ids, 5) for r, q in zip(ranked, qs, strict=True))
    out["n"] = len(qs)
    return out
