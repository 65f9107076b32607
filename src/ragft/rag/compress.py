"""Context compression: give the reader the few lines that answer the question, not whole chunks.

A 135M reader copies the right value well when the value is alone in front of it, and badly when it
sits among a dozen similar values: a specification table hands it twelve numbers when it needs one.
So after retrieval ranks the documents, :func:`compress` goes back into each of the top documents,
splits it into *units* (one line of a linearised table, one list item, one sentence of prose:
:func:`split_units`), scores every unit against the question with the same embedder that retrieval
uses, and keeps the best few, in document order, under the document's title.

The units come from the **whole document**, not only from the chunk that ranked first: retrieval
is good at finding the right document and worse at finding the right chunk within it (a question
about a price can rank the "Overview" section above the "Specifications" one). This is the
"sentence window" idea turned around: search coarse, read fine.

Unit vectors are computed with :meth:`ragft.rag.Embedder.embed`, so they are cached on disk like
chunk vectors and a second run costs nothing. Only chunks that pass the metadata filter contribute
units, so compression can never pull text from a document the caller may not read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .chunking import Chunk
from .index import Filter, Hit, RagIndex, _filter_fn

_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(*])")


def split_units(text: str, *, min_chars: int = 3) -> list[str]:
    """Lines, list items and sentences of ``text`` (list markers dropped, empty lines skipped)."""
    units: list[str] = []
    for line in text.splitlines():
        line = _LIST_MARK.sub("", line).strip()
        if len(line) < min_chars:
            continue
        units.extend(part.strip() for part in _SENTENCE_END.split(line) if len(part.strip()) >= min_chars)
    return units


@dataclass
class Passage:
    """The units kept from one document, with their scores (cosine to the question)."""

    doc_id: str
    title: str
    units: list[str]
    scores: list[float]
    chunk: Chunk  # the document's best-ranked chunk (for its path and access metadata)

    @property
    def text(self) -> str:
        return "\n".join(self.units)

    @property
    def best(self) -> float:
        return max(self.scores) if self.scores else float("-inf")

    def as_hit(self, rank: int) -> Hit:
        """A :class:`Hit` whose chunk text is the compressed passage (what prompt templates format)."""
        c = self.chunk
        chunk = Chunk(doc_id=c.doc_id, title=c.title, text=self.text, heading="", position=c.position, path=c.path,
                      access=c.access, groups=list(c.groups), updated=c.updated, n_tokens=0, id=c.id)
        return Hit(chunk, self.best, rank)


def _doc_units(index: RagIndex, doc_id: str, allow: Callable[[Chunk], bool] | None) -> list[tuple[str, str]]:
    """``(label, unit)`` pairs of one document, in order, without the repeats that chunk overlap creates."""
    seen: set[str] = set()
    out = []
    for cid in index.docs.get(doc_id, {}).get("chunks", []):
        chunk = index.chunks.get(cid)
        if chunk is None or (allow is not None and not allow(chunk)):
            continue
        for unit in split_units(chunk.text):
            if unit not in seen:
                seen.add(unit)
                out.append((chunk.label, unit))
    return out


def compress(
    index: RagIndex,
    question_vectors: np.ndarray,
    hits: Sequence[Sequence[Hit]],
    *,
    docs: int = 1,
    units: int = 3,
    window: int = 0,
    budget: int | None = None,
    filter: Filter = None,
) -> list[list[Passage]]:
    """For each question, the ``units`` best units of each of its ``docs`` best-ranked documents.

    ``hits``: the ranked chunks of each question (any search mode); ``question_vectors``: the
    questions' embeddings from ``index.embedder``. Units are embedded with their "title > heading"
    label in front, as chunks are, and kept in document order.

    ``window``: also keep the ``window`` units before and after each kept one (a *sentence window*: the
    line after a matching heading or label is often the one that holds the value). ``budget``: a cap in
    words on each passage: best units (with their windows) are added while the passage stays within it,
    at least one, at most ``units``. A budget adapts the count to the page: three sentences of prose, or
    eight short lines of a reference page whose lines are a name, a type and a default.
    """
    if docs < 1 or units < 1:
        raise ValueError(f"docs and units must be at least 1, got docs={docs}, units={units}")
    if window < 0 or (budget is not None and budget < 1):
        raise ValueError(f"window must be 0 or more and budget at least 1 word, got window={window}, budget={budget}")
    allow = _filter_fn(filter)
    question_vectors = np.atleast_2d(question_vectors)
    top_docs: list[list[Hit]] = []
    for row in hits:
        first: dict[str, Hit] = {}
        for h in row:
            first.setdefault(h.doc_id, h)
        top_docs.append(list(first.values())[:docs])
    # embed every unit of every document needed, once, through the cache
    needed = list(dict.fromkeys(h.doc_id for row in top_docs for h in row))
    doc_units = {d: _doc_units(index, d, allow) for d in needed}
    texts = [f"{label}\n{unit}" for d in needed for label, unit in doc_units[d]]
    vectors = index.embedder.embed(texts) if texts else np.zeros((0, index.dim), dtype=np.float32)
    offsets, pos = {}, 0
    for d in needed:
        offsets[d] = (pos, pos + len(doc_units[d]))
        pos += len(doc_units[d])
    out: list[list[Passage]] = []
    for qv, row in zip(question_vectors, top_docs, strict=True):
        passages = []
        for h in row:
            lo, hi = offsets[h.doc_id]
            if hi == lo:
                continue
            sims = vectors[lo:hi] @ qv
            keep = _select(sims, [len(u.split()) for _, u in doc_units[h.doc_id]], units, window, budget)
            passages.append(Passage(doc_id=h.doc_id, title=h.chunk.title, units=[doc_units[h.doc_id][i][1] for i in keep],
                                    scores=[float(sims[i]) for i in keep], chunk=h.chunk))
        out.append(passages)
    return out


def _select(sims: np.ndarray, words: Sequence[int], units: int, window: int, budget: int | None) -> list[int]:
    """Indices of the units to keep, in document order: the best ``units`` (each with ``window`` neighbours
    on either side), stopping before the total passes ``budget`` words (the best one is always kept)."""
    keep: set[int] = set()
    for seeds, i in enumerate(np.argsort(-np.asarray(sims), kind="stable")):
        if seeds == units:
            break
        add = set(range(max(0, int(i) - window), min(len(sims), int(i) + window + 1))) - keep
        if keep and budget is not None and sum(words[j] for j in keep | add) > budget:
            break
        keep |= add
    return sorted(keep)
