"""Reading with distractors: the oracle passage alone, or hidden among look-alikes.

The RAG pipeline puts *passages* in front of the reader: for each retrieved document, the few units
(lines, list items, sentences) that best match the question (:func:`ragft.rag.compress`). This module
builds the same kind of passages under control, so reading can be measured apart from retrieval:

* the **oracle passage** of a question: its gold document compressed for the question, with the unit
  that states the answer guaranteed to be among the kept units (one passage per gold document);
* **distractor passages**: the documents the retriever ranks highest for the question that are *not*
  gold, compressed the same way (hard distractors: look-alikes, not random text);
* :func:`reading_prompts`: the oracle among ``n`` distractors at a seeded random position, rendered with
  the RAG template the pipeline uses, so a reader sees exactly the layout it meets at answer time.

With ``n = 0`` the reader has the answer and nothing else (the best retrieval can do); each distractor
added shows how much of the reader's accuracy survives imperfect precision.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..data import contains
from ..rag import Hit, RagIndex, build_rag_prompt
from ..rag.compress import Passage, _doc_units, compress

#: the numbers of distractors the reading curve measures (0: the oracle alone)
DISTRACTOR_COUNTS = (0, 1, 3)


def _needles(question) -> list[str]:
    return list(question.answers or []) + list(getattr(question, "answer_parts", None) or [])


def _doc_hit(index: RagIndex, doc_id: str) -> Hit | None:
    ids = index.docs.get(doc_id, {}).get("chunks", [])
    chunks = [index.chunks[i] for i in ids if i in index.chunks]
    return Hit(chunk=min(chunks, key=lambda c: c.position), score=0.0, rank=1) if chunks else None


def oracle_passages(index: RagIndex, questions: Sequence, *, units: int = 3,
                    vectors: np.ndarray | None = None) -> list[list[Passage]]:
    """For each question, one compressed passage per gold document that holds (part of) the answer.

    The passage keeps the ``units`` units that best match the question, as at answer time; when none of
    them states an accepted answer, the weakest kept unit is swapped for the best-matching unit that
    does (so the oracle really holds the answer). Gold documents missing from the index are skipped.
    """
    vectors = index.embedder.embed_queries([q.question for q in questions]) if vectors is None else vectors
    out = []
    for q, qv in zip(questions, vectors, strict=True):
        hits = [h for h in (_doc_hit(index, d) for d in q.doc_ids) if h is not None]
        if not hits:
            out.append([])
            continue
        passages = compress(index, qv[None, :], [hits], docs=len(hits), units=units)[0]
        needles = _needles(q)
        fixed = []
        for p in passages:
            if needles and not any(contains(u, n) for u in p.units for n in needles):
                p = _with_answer_unit(index, p, qv, needles)
            fixed.append(p)
        out.append(fixed)
    return out


def _with_answer_unit(index: RagIndex, passage: Passage, qv: np.ndarray, needles: Sequence[str]) -> Passage:
    units = _doc_units(index, passage.doc_id, None)
    stating = [i for i, (_, u) in enumerate(units) if any(contains(u, n) for n in needles)]
    if not stating:
        return passage  # this gold document does not state the answer verbatim (a multi-document question)
    vecs = index.embedder.embed([f"{label}\n{u}" for label, u in units])
    sims = vecs @ qv
    best = max(stating, key=lambda i: sims[i])
    kept = sorted(np.argsort(-sims, kind="stable")[: len(passage.units)])
    if best not in kept:
        kept = sorted(sorted(kept, key=lambda i: sims[i])[1:] + [best])  # drop the weakest, add the answer
    return Passage(doc_id=passage.doc_id, title=passage.title, units=[units[i][1] for i in kept],
                   scores=[float(sims[i]) for i in kept], chunk=passage.chunk)


def distractor_passages(index: RagIndex, questions: Sequence, n: int, *, units: int = 3, search: str = "hybrid",
                        depth: int = 20, vectors: np.ndarray | None = None) -> list[list[Passage]]:
    """For each question, the ``n`` best-ranked documents that are not gold, compressed (hard distractors)."""
    if n < 0:
        raise ValueError(f"the number of distractors must be 0 or more, got {n}")
    if n == 0:
        return [[] for _ in questions]
    texts = [q.question for q in questions]
    vectors = index.embedder.embed_queries(texts) if vectors is None else vectors
    ranked = index.search_many(texts, max(depth, 3 * n), mode=search, vectors=vectors)
    hits = [[h for h in row if h.doc_id not in set(q.doc_ids)] for q, row in zip(questions, ranked, strict=True)]
    return compress(index, vectors, hits, docs=n, units=units)


@dataclass
class ReadingItem:
    """One reading prompt and where its oracle passage(s) sit (1-based positions; empty: no oracle)."""

    question_id: str
    prompt: list[dict]
    oracle_positions: list[int]
    n_distractors: int


def arrange(oracles: Sequence[Passage], distractors: Sequence[Passage], rng: random.Random) -> tuple[list[Passage], list[int]]:
    """Oracle and distractor passages in a random order; returns them and the oracles' positions."""
    passages = list(oracles) + list(distractors)
    order = list(range(len(passages)))
    rng.shuffle(order)
    arranged = [passages[i] for i in order]
    positions = [pos for pos, i in enumerate(order, start=1) if i < len(oracles)]
    return arranged, positions


def as_hits(passages: Sequence[Passage]) -> list[Hit]:
    return [p.as_hit(i) for i, p in enumerate(passages, start=1)]


def reading_items(questions: Sequence, index: RagIndex, n_distractors: int, *, units: int = 3, seed: int = 42,
                  template=None, search: str = "hybrid", with_oracle: bool = True) -> list[ReadingItem]:
    """Prompts with each question's oracle passage among ``n_distractors`` hard distractors.

    The same ``seed`` gives the same positions; ``with_oracle=False`` gives the distractors only (a
    retrieval miss: the right answer is then "I don't know").
    """
    vectors = index.embedder.embed_queries([q.question for q in questions])
    oracles = oracle_passages(index, questions, units=units, vectors=vectors) if with_oracle else [[] for _ in questions]
    distractors = distractor_passages(index, questions, n_distractors, units=units, search=search, vectors=vectors)
    rng = random.Random(seed)
    out = []
    for q, orc, dis in zip(questions, oracles, distractors, strict=True):
        passages, positions = arrange(orc, dis, rng)
        out.append(ReadingItem(question_id=q.id, prompt=build_rag_prompt(q.question, as_hits(passages), template),
                               oracle_positions=positions, n_distractors=len(dis)))
    return out
