"""RAFT (retrieval-augmented fine-tuning): fine-tune the model *on RAG prompts*.

The recipe (Zhang et al., 2024, "RAFT: Adapting Language Model to Domain Specific RAG"): for each
training question, put the model in front of the same kind of prompt it will see at answer time,
numbered retrieved passages and the question, and teach it the answer.

* With probability ``p_oracle`` the passages hold the *oracle* chunk (the chunk of a gold document
  that states the answer) mixed with distractors; the target answer cites the oracle's number.
* Otherwise the passages are distractors only (the top retrieved chunks that are not the oracle),
  and the target is still the answer, without a citation: as in the paper, this pushes the model to
  remember the domain as well as read it. (``abstain_without_oracle=True`` teaches "I don't know"
  there instead; a variant to try in the lab's exercise.)

The distractors are *hard* ones: what the retriever actually ranks highest for that question, so the
model learns to pick the right passage among look-alikes, not to trust passage [1].

Prompts are built with :func:`ragft.rag.build_rag_prompt`, the very function the RAG systems use at
test time, so a RAFT model sees at test time exactly the prompt format it was trained on. Training is
:func:`ragft.finetune.cached_adapter` on ``{"messages": [...]}`` examples (the loss covers the answer
only), so the adapter is trained once and reused.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from ..data import contains
from ..finetune.data import answer_sentence
from ..rag import Hit, RagIndex, build_rag_prompt

#: training settings of the RAFT adapter (sized to train in a few minutes on two CPU cores; batches of 4
#: because its prompts are long: 8 prompts of 512 tokens put the peak memory above 4 GB)
RAFT_DEFAULTS = dict(n_questions=32, p_oracle=0.8, epochs=2.0, lr=2e-3, rank=8, alpha=16, batch_size=4, depth=8,
                     top_layers=6, max_tokens=512)


@dataclass
class RaftExample:
    """One training example plus how it was built (for inspection in the lab)."""

    question_id: str
    has_oracle: bool
    oracle_position: int | None  # 1-based position of the oracle passage, None without oracle
    messages: list[dict]

    def to_example(self) -> dict:
        return {"messages": self.messages}


def _oracle_chunks(index: RagIndex, question, ranked: Sequence[Hit]) -> list:
    """Chunks of the gold documents that state (part of) the answer, one per gold document.

    Preference: a chunk containing an accepted answer (or one of ``answer_parts`` for multi-document
    questions), best-ranked first; else that document's best-ranked chunk.
    """
    needles = list(question.answers or []) + list(getattr(question, "answer_parts", None) or [])
    rank_of = {h.chunk.id: i for i, h in enumerate(ranked)}
    out = []
    for doc_id in question.doc_ids:
        ids = index.docs.get(doc_id, {}).get("chunks", [])
        chunks = [index.chunks[i] for i in ids if i in index.chunks]
        if not chunks:
            continue
        stating = [c for c in chunks if any(contains(c.text, n) for n in needles)]
        pool = stating or chunks
        out.append(min(pool, key=lambda c: (rank_of.get(c.id, len(ranked)), c.position)))
    return out


def raft_examples(
    questions: Sequence,
    index: RagIndex,
    *,
    k: int = 3,
    p_oracle: float = RAFT_DEFAULTS["p_oracle"],
    depth: int = RAFT_DEFAULTS["depth"],
    seed: int = 42,
    template=None,
    abstain_without_oracle: bool = False,
) -> list[RaftExample]:
    """Build RAFT training examples for answerable ``questions`` over ``index`` (see the module doc).

    Deterministic for a given ``seed``: the oracle coin flips and passage orders come from one
    seeded random generator, in the order of ``questions``.
    """
    if not 0.0 <= p_oracle <= 1.0:
        raise ValueError(f"p_oracle must be between 0 and 1, got {p_oracle}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    questions = [q for q in questions if q.answers]
    if not questions:
        raise ValueError("RAFT needs answerable training questions (with gold answers); none were given")
    rng = random.Random(seed)
    ranked_all = index.search_many([q.question for q in questions], max(depth, k + 2))
    out = []
    for q, ranked in zip(questions, ranked_all, strict=True):
        oracles = _oracle_chunks(index, q, ranked)[:k]
        oracle_ids = {c.id for c in oracles}
        distractors = [h.chunk for h in ranked if h.chunk.id not in oracle_ids and h.chunk.doc_id not in q.doc_ids]
        with_oracle = bool(oracles) and rng.random() < p_oracle
        if with_oracle:
            chunks = oracles + distractors[: k - len(oracles)]
            rng.shuffle(chunks)
        else:
            chunks = distractors[:k]
        answer = answer_sentence(q.question, q.answers[0])
        position = None
        if with_oracle:
            position = 1 + next(i for i, c in enumerate(chunks) if c.id in oracle_ids)
            answer = f"{answer.rstrip('.')} [{position}]."
        elif abstain_without_oracle:
            from ..rag import IDK

            answer = f"{IDK}."
        hits = [Hit(chunk=c, score=0.0, rank=i + 1) for i, c in enumerate(chunks)]
        messages = build_rag_prompt(q.question, hits, template) + [{"role": "assistant", "content": answer}]
        out.append(RaftExample(question_id=q.id, has_oracle=with_oracle, oracle_position=position, messages=messages))
    return out
