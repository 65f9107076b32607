"""AI search: retrieval without generation. Ranked documents with a snippet each, and how good the ranking is.

A search engine returns documents, not chunks: :func:`search_documents` asks the index for many chunks
(keyword = BM25, dense = embeddings, hybrid = both fused, as in the RAG pipeline), keeps each
document's best-ranked chunk, and returns the first ``k`` documents with a snippet: the sentences of that
chunk that share the most words with the query. Access control works as in RAG (``groups``: deny by
default, applied inside the search).

:func:`evaluate_search` scores the three modes on the course's questions with nDCG@10 and recall@10
against each question's supporting documents (:mod:`ragft.metrics`, the same formulas as ``ir-measures``),
and compares two modes question by question (paired bootstrap).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .. import metrics as M

#: the search modes by their everyday names, and the index's names for them
MODES = {"keyword": "bm25", "dense": "dense", "hybrid": "hybrid"}
#: chunks fetched per document asked for (documents have several chunks; enough to fill ``k`` documents)
CHUNKS_PER_DOC = 5


@dataclass
class DocResult:
    rank: int
    doc_id: str
    title: str
    score: float
    snippet: str
    access: str = "public"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def snippet(text: str, query: str, max_chars: int = 220) -> str:
    """The one or two sentences of ``text`` sharing the most words with ``query``, cut to ``max_chars``."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
    if not sentences:
        return ""
    q = _words(query)
    best = max(range(len(sentences)), key=lambda i: (len(q & _words(sentences[i])), -i))
    out = sentences[best]
    if len(out) < max_chars // 2 and best + 1 < len(sentences):
        out += " " + sentences[best + 1]
    out = " ".join(out.split())
    return out if len(out) <= max_chars else out[: max_chars - 1].rsplit(" ", 1)[0] + "…"


def _doc_filter(groups):
    from ..rag import access

    return access.access_filter(groups)


def search_documents(index, queries: Sequence[str], k: int = 10, *, mode: str = "hybrid", groups=None,
                     vectors=None) -> list[list[DocResult]]:
    """The top ``k`` documents for each query, best first, each with its best chunk's snippet.

    ``groups``: the asker's groups (``None``: public documents only; ``ragft.rag.access.ALL``: everything).
    """
    if isinstance(queries, str):
        raise TypeError("search_documents() takes a list of queries; wrap a single query as [query]")
    if mode not in MODES:
        raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    hits = index.search_many(list(queries), k * CHUNKS_PER_DOC, mode=MODES[mode], filter=_doc_filter(groups),
                             vectors=vectors if MODES[mode] != "bm25" else None)
    out = []
    for query, row in zip(queries, hits, strict=True):
        docs: dict[str, DocResult] = {}
        for hit in row:
            if hit.doc_id in docs:
                continue
            docs[hit.doc_id] = DocResult(len(docs) + 1, hit.doc_id, hit.chunk.title or hit.doc_id, float(hit.score),
                                         snippet(hit.chunk.text, query), hit.chunk.access)
            if len(docs) == k:
                break
        out.append(list(docs.values()))
    return out


def evaluate_search(index, questions: Sequence, *, modes: Sequence[str] = tuple(MODES), k: int = 10,
                    groups="*") -> dict[str, dict[str, Any]]:
    """nDCG@k, recall@k and MRR of each mode on ``questions`` (their ``doc_ids`` are the relevant documents).

    Returns per mode: the means, per-question ``ndcg`` scores (for paired comparison) and the mean time per
    query. The question embeddings are computed once and shared by dense and hybrid.
    """
    texts = [q.question for q in questions]
    start = time.perf_counter()
    vectors = index.embedder.embed_queries(texts)
    embed_s = (time.perf_counter() - start) / max(len(texts), 1)
    out = {}
    for mode in modes:
        start = time.perf_counter()
        ranked = search_documents(index, texts, k, mode=mode, groups=groups, vectors=vectors)
        per_query_s = (time.perf_counter() - start) / max(len(texts), 1) + (embed_s if mode != "keyword" else 0.0)
        ids = [[d.doc_id for d in row] for row in ranked]
        ndcg = [M.ndcg_at_k(r, q.doc_ids, k) for r, q in zip(ids, questions, strict=True)]
        recall = [M.recall_at_k(r, q.doc_ids, k) for r, q in zip(ids, questions, strict=True)]
        rr = [M.reciprocal_rank(r, q.doc_ids) for r, q in zip(ids, questions, strict=True)]
        out[mode] = {"ndcg": float(sum(ndcg) / len(ndcg)), "recall": float(sum(recall) / len(recall)),
                     "mrr": float(sum(rr) / len(rr)), "ndcg_scores": ndcg, "recall_scores": recall,
                     "ms_per_query": per_query_s * 1000, "n": len(questions)}
    return out


def compare_modes(results: dict[str, dict[str, Any]], a: str, b: str, metric: str = "ndcg_scores") -> dict[str, Any]:
    """``a`` minus ``b`` on one metric, question by question: ``{"diff", "ci", "n", "verdict"}``."""
    return M.compare_paired(results[a][metric], results[b][metric])


def plot_search(results: dict[str, dict[str, Any]], ax=None):
    """nDCG@10 and recall@10 of each mode as grouped bars."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.2))
    modes = list(results)
    x = np.arange(len(modes))
    ax.bar(x - 0.2, [results[m]["ndcg"] for m in modes], 0.4, label="nDCG@10", color="#4C72B0")
    ax.bar(x + 0.2, [results[m]["recall"] for m in modes], 0.4, label="recall@10", color="#DD8452")
    for i, m in enumerate(modes):
        ax.text(i - 0.2, results[m]["ndcg"] + 0.01, f"{results[m]['ndcg']:.2f}", ha="center", fontsize=8)
        ax.text(i + 0.2, results[m]["recall"] + 0.01, f"{results[m]['recall']:.0%}", ha="center", fontsize=8)
    ax.set_xticks(x, modes)
    ax.set_ylim(0, 1.1)
    ax.set_title(f"Document search on {results[modes[0]]['n']} course questions (no generation)")
    ax.legend(loc="lower right", fontsize=8)
    return ax
