"""Performance, measured: where an answer's time goes, and how retrieval scales with the knowledge base.

* :mod:`ragft.perf.latency`: one answer split into embedding, search, compression, prefill and decode
  (:func:`latency_breakdown`), time to first token, and throughput against batch size (:func:`throughput`).
* :mod:`ragft.perf.ann`: FAISS exact (flat) and approximate (HNSW, IVF, IVF-PQ) search from 10^3 to 10^6
  vectors derived from the course's real embeddings: latency, memory per vector and recall@10
  (:func:`run_scaling`).

The course's speed targets are checked by ``bench/bench_ann.py`` (and the labs' run times by
``bench/time_notebooks.py``), never by an assert in a lab: a busy laptop changes every time, not the
token counts or the recall.
"""

from .ann import (
    KINDS,
    ScalingRow,
    build_index,
    course_base_vectors,
    course_query_vectors,
    plot_scaling,
    rows_table,
    run_scaling,
    synthetic_vectors,
)
from .latency import (
    PARTS,
    latency_breakdown,
    paired_latency,
    plot_latency,
    retrieval_share_of_delay,
    summarize_latency,
    throughput,
    time_answer,
)

__all__ = [
    "KINDS",
    "PARTS",
    "ScalingRow",
    "build_index",
    "course_base_vectors",
    "course_query_vectors",
    "latency_breakdown",
    "paired_latency",
    "plot_latency",
    "plot_scaling",
    "retrieval_share_of_delay",
    "rows_table",
    "run_scaling",
    "summarize_latency",
    "synthetic_vectors",
    "throughput",
    "time_answer",
]
