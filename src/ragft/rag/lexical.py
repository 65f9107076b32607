"""Keyword search (BM25) and rank fusion: the other half of hybrid retrieval.

A dense embedder finds text that *means* the same as the question, but it is vague about exact
tokens: "Ostrel A2" and "Ostrel A2 Pro" embed almost identically, and so do "firmware 3.1" and
"firmware 3.3". BM25 scores exact (stemmed) words, weighted by how rare they are, so it separates
them. :class:`BM25Search` indexes the chunks of a :class:`~ragft.rag.RagIndex` with the maintained
``bm25s`` library, twice: once over each chunk's title, heading and text, and once over the
title and heading alone (a *field*: a question that names a product should match the page about
that product, and BM25's length normalisation favours the title that has no extra words, "Ostrel A2"
over "Ostrel A2 Pro").

:func:`reciprocal_rank_fusion` merges ranked lists by rank, not by score (cosine similarities and
BM25 scores live on different scales): each list gives a document ``weight / (k + rank)``. It is
written by hand because it is five lines and the lab explains it; ``ranx.fuse`` implements the same
method (and others) for larger evaluations.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

#: tokens keep version numbers and codes whole ("3.1", "INC-2024-11", "E-17"): bm25s's default
#: pattern drops one-character tokens and splits on dots, so "firmware 3.1" would lose its version
TOKEN_PATTERN = r"(?u)\b\w+(?:[.\-]\w+)*\b"


@functools.lru_cache(maxsize=1)
def stopwords() -> list[str]:
    """scikit-learn's English stop words plus question words: bm25s's own list (33 words) keeps "what",
    "when", "how", "does", which no document uses and which would then count as rare, telling words."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS | {"long", "often", "soon", "does", "did", "doing"})


def _stemmer():
    try:
        import Stemmer  # PyStemmer, optional: bm25s works without stemming

        return Stemmer.Stemmer("english").stemWords
    except ImportError:  # pragma: no cover - PyStemmer is in requirements.txt
        return None


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed tokens (the same analysis for documents and queries)."""
    import bm25s

    return bm25s.tokenize(list(texts), token_pattern=TOKEN_PATTERN, stopwords=stopwords(), stemmer=_stemmer(),
                          return_ids=False, show_progress=False)


class BM25Search:
    """BM25 over chunks (``field="text"``: label + text) or over their labels only (``field="title"``).

    ``ids`` are the chunks' FAISS ids, so results line up with dense search. Built in milliseconds;
    :meth:`ragft.rag.RagIndex.bm25` keeps one per field and rebuilds it when the index changes.
    """

    def __init__(self, ids: Sequence[int], texts: Sequence[str], *, k1: float = 1.2, b: float = 0.75):
        import bm25s

        if len(ids) != len(texts):
            raise ValueError("BM25Search needs one text per id")
        self.ids = np.asarray(list(ids), dtype=np.int64)
        self._pos = {int(i): p for p, i in enumerate(self.ids)}
        self.bm25 = bm25s.BM25(k1=k1, b=b)
        if len(texts):
            self.bm25.index(tokenize(texts), show_progress=False)

    def __len__(self) -> int:
        return len(self.ids)

    def search_many(self, queries: Sequence[str], k: int, *, allowed: np.ndarray | None = None) -> list[list[tuple[int, float]]]:
        """``[(chunk id, score), ...]`` best first, per query; only ``allowed`` ids when given.

        Chunks that share no word with the query (score 0) are not returned.
        """
        if not len(self.ids):
            return [[] for _ in queries]
        mask = None
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=np.float32)
            mask[[self._pos[int(i)] for i in allowed if int(i) in self._pos]] = 1.0
        out = []
        for tokens in tokenize(queries):
            scores = self.bm25.get_scores(tokens, weight_mask=mask) if tokens else np.zeros(len(self.ids), dtype=np.float32)
            top = np.argsort(-scores, kind="stable")[: min(k, len(self.ids))]
            out.append([(int(self.ids[p]), float(scores[p])) for p in top if scores[p] > 0])
        return out


def tied_ranks(scores: Sequence[float], *, rel_tol: float = 1e-6) -> list[int]:
    """Competition ranks ("1224") of scores sorted best first: equal scores share the best rank of their group."""
    ranks: list[int] = []
    for i, s in enumerate(scores):
        if i and abs(s - scores[i - 1]) <= rel_tol * max(abs(s), abs(scores[i - 1]), 1e-12):
            ranks.append(ranks[-1])
        else:
            ranks.append(i + 1)
    return ranks


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence], *, k: int = 60, weights: Sequence[float] | None = None, with_scores: bool = False,
    scores: Sequence[Sequence[float] | None] | None = None,
) -> list:
    """Merge ranked lists of ids into one: ``score(id) = sum_i weight_i / (k + rank_i(id))``.

    Ranks start at 1; an id missing from a list gets nothing from it. ``k=60`` is the constant of
    Cormack et al. (2009), which damps the difference between the first few ranks. ``scores``: each
    list's own scores (best first), so that ids a list scores equally share a rank (:func:`tied_ranks`)
    instead of taking 1, 2, 3 ... in whatever order the list happened to return them: twelve pages whose
    titles all match only the word "observatory" then get the same vote from the title list, i.e. none
    that separates them. Ties in the fused score keep the order in which ids were first seen. Returns the
    ids best first, or ``(id, score)`` pairs with ``with_scores=True``.
    """
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"got {len(weights)} weights for {len(rankings)} rankings")
    list_scores = list(scores) if scores is not None else [None] * len(rankings)
    if len(list_scores) != len(rankings):
        raise ValueError(f"got {len(list_scores)} score lists for {len(rankings)} rankings")
    fused: dict = {}
    for ranking, w, own in zip(rankings, weights, list_scores, strict=True):
        ranks = tied_ranks(list(own)) if own is not None else range(1, len(ranking) + 1)
        for rank, item in zip(ranks, ranking, strict=True):
            fused[item] = fused.get(item, 0.0) + w / (k + rank)
    scores = fused
    ranked = sorted(scores, key=lambda item: -scores[item])
    return [(item, scores[item]) for item in ranked] if with_scores else ranked
