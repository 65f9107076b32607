"""RAFT (retrieval-augmented fine-tuning): teach the reader to find the answer among distractors.

The recipe (Zhang et al., 2024, "RAFT: Adapting Language Model to Domain Specific RAG"): train the model
on the very prompt it will read at answer time, retrieved passages and the question, where the passages
hold the *oracle* (the passage that states the answer) mixed with *distractors* (passages that look
relevant and are not), and the target is the answer. Trained on questions whose facts the test never
asks about, any gain on ``test_unseen`` is a reading skill, not memorised facts.

This course's version, sized for a 135M model and two CPU cores:

* passages are the pipeline's own compressed passages (:mod:`ragft.hybrid.reading`): the ``units``
  best-matching lines of a document, so training prompts are short and look exactly like test prompts;
* with probability ``p_oracle`` an example holds the oracle among 0 to ``max_distractors`` hard
  distractors (the retriever's top non-gold documents), at a random position, and the target is the
  answer sentence (with the oracle's number when the template asks for citations);
* otherwise it holds 1 to ``max_distractors`` distractors only, and the target is "I don't know"
  (``without_oracle="idk"``, the default here: a reader that cannot find the answer should say so) or
  still the answer (``"answer"``, the paper's choice, which pushes the model to memorise the domain).

Training is :func:`ragft.finetune.cached_adapter` on ``{"messages": [...]}`` examples (the loss covers the
answer tokens only), so an adapter is trained once and reused by every lab and by ``ragft compare``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from ..finetune.data import answer_sentence
from ..rag import IDK, RagIndex, build_rag_prompt, get_template
from .reading import arrange, as_hits, distractor_passages, oracle_passages

#: training settings of the RAFT adapter: every answerable train question, one pass, LoRA on the
#: attention and MLP projections of the top layers (the backward pass stops at the lowest adapted layer).
#: Each batch of 8 runs as four micro-batches of 2 whose gradients are accumulated: measured by
#: ``python bench/bench_dtype.py --only-micro`` (one step of 8 x 478 tokens, float32), peak RSS 4,527 MB in
#: one pass, 3,955 MB in micro-batches of 4, 2,367 MB in micro-batches of 2, and the step no slower.
RAFT_DEFAULTS = dict(n_questions=None, p_oracle=0.8, max_distractors=3, without_oracle="idk", units=3, epochs=1.0,
                     lr=2e-3, rank=16, alpha=32, batch_size=8, micro_batch_size=2, top_layers=12, max_tokens=512)


@dataclass
class RaftExample:
    """One training example plus how it was built (for inspection in the lab)."""

    question_id: str
    has_oracle: bool
    oracle_position: int | None  # 1-based position of the (first) oracle passage, None without oracle
    n_passages: int
    messages: list[dict]

    def to_example(self) -> dict:
        return {"messages": self.messages}


def _cites(template) -> bool:
    t = get_template(template)
    return "cite" in (t.system or "") or "cite" in t.user


def raft_examples(
    questions: Sequence,
    index: RagIndex,
    *,
    p_oracle: float = RAFT_DEFAULTS["p_oracle"],
    max_distractors: int = RAFT_DEFAULTS["max_distractors"],
    without_oracle: str = RAFT_DEFAULTS["without_oracle"],
    units: int = RAFT_DEFAULTS["units"],
    search: str = "hybrid",
    seed: int = 42,
    template=None,
) -> list[RaftExample]:
    """Build RAFT training examples for the answerable ``questions`` over ``index`` (see the module doc).

    Deterministic for a given ``seed``: the oracle coin flips, distractor counts and passage orders come
    from one seeded random generator, in the order of ``questions``.
    """
    if not 0.0 <= p_oracle <= 1.0:
        raise ValueError(f"p_oracle must be between 0 and 1, got {p_oracle}")
    if max_distractors < 1:
        raise ValueError(f"max_distractors must be at least 1, got {max_distractors}")
    if without_oracle not in ("idk", "answer"):
        raise ValueError(f"without_oracle must be 'idk' or 'answer', got {without_oracle!r}")
    questions = [q for q in questions if q.answers]
    if not questions:
        raise ValueError("RAFT needs answerable training questions (with gold answers); none were given")
    vectors = index.embedder.embed_queries([q.question for q in questions])
    oracles = oracle_passages(index, questions, units=units, vectors=vectors)
    distractors = distractor_passages(index, questions, max_distractors, units=units, search=search, vectors=vectors)
    cite = _cites(template)
    rng = random.Random(seed)
    out = []
    for q, orc, dis in zip(questions, oracles, distractors, strict=True):
        with_oracle = bool(orc) and rng.random() < p_oracle
        if with_oracle:
            passages, positions = arrange(orc, dis[: rng.randint(0, max_distractors)], rng)
            answer = answer_sentence(q.question, q.answers[0])
            if cite:
                answer = f"{answer.rstrip('.')} [{positions[0]}]."
        else:
            passages, positions = arrange([], dis[: rng.randint(1, max_distractors)], rng)
            answer = answer_sentence(q.question, q.answers[0]) if without_oracle == "answer" else f"{IDK}."
        messages = build_rag_prompt(q.question, as_hits(passages), template) + [{"role": "assistant", "content": answer}]
        out.append(RaftExample(question_id=q.id, has_oracle=with_oracle, oracle_position=positions[0] if positions else None,
                               n_passages=len(passages), messages=messages))
    return out
