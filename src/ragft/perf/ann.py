"""Retrieval as the knowledge base grows: exact (flat) vs approximate FAISS indexes, 10^3 to 10^6 vectors.

The course knowledge base has a few hundred chunks, where exact search over every vector
(``IndexFlatIP``, what :class:`ragft.rag.RagIndex` uses) takes well under a millisecond. This module
asks what happens at 10^3 .. 10^6 vectors, and what approximate nearest-neighbour (ANN) indexes buy:

=========  =====================================================================================
kind       FAISS index (inner product on unit vectors = cosine similarity, like ``RagIndex``)
=========  =====================================================================================
``flat``   ``IndexFlatIP``: every query is compared with every vector; exact; the reference
``hnsw``   ``IndexHNSWFlat``: a navigable small-world graph, searched greedily; full vectors
``ivf``    ``IndexIVFFlat``: k-means cells, a query scans only the ``nprobe`` nearest cells
``ivfpq``  ``IndexIVFPQFastScan``: IVF cells whose vectors are product-quantised (4-bit codes)
=========  =====================================================================================

Every index uses ``faiss.METRIC_INNER_PRODUCT`` on unit-length vectors, so scores are cosine
similarities and rankings are exactly those of ``RagIndex`` (the IVF k-means is then spherical,
which FAISS switches on itself for this metric).

Data. The real course vectors are few (:func:`course_base_vectors`: one per chunk); larger bases
are made by :func:`synthetic_vectors` *from* them, and queried with the real embeddings of the
course questions (:func:`course_query_vectors`). Ground truth is exact flat search on the same
vectors, so recall@10 says how many of the true 10 nearest chunks an approximate index returns.

Timing. ``query_ms`` is the median latency of *one* query at a time (as a RAG system searches, one
question per request), measured with FAISS limited to one thread (``faiss.omp_set_num_threads(1)``;
the previous setting is restored afterwards): for a single query FAISS parallelises over queries,
so more threads do not help it, and one thread gives steadier numbers on a small shared machine.
``query_ms_batch`` is the time per query when all queries are searched in one call with FAISS's
default threads (offline evaluation, bulk re-ranking). Builds also use the default threads
(k-means / PQ training excepted: see :func:`build_index`).

Memory. :func:`run_scaling` generates the largest base once, in float16 (0.77 GB at 10^6 x 384),
and uses its leading rows for the smaller sizes (the synthetic base of size n is a prefix of the one
of size m > n: the knowledge base *grows*). It builds one index at a time, adding the vectors in
float32 blocks, and frees it (``del`` + ``gc.collect()``) before the next, so at most the half-size
base plus one index (about 1.5 copies of the float32 vectors) exist at once; ground truth comes from
the flat index before it is freed. Index sizes are
measured by streaming ``faiss.write_index`` into a byte counter, which gives the size of
``faiss.serialize_index`` without holding a serialised copy.
"""

from __future__ import annotations

import functools
import gc
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_MAX_HNSW",
    "DEFAULT_SIZES",
    "KINDS",
    "ScalingRow",
    "build_index",
    "course_base_vectors",
    "course_query_vectors",
    "index_bytes",
    "index_params",
    "plot_scaling",
    "recall_at_k",
    "rows_table",
    "run_scaling",
    "synthetic_vectors",
]

KINDS = ("flat", "hnsw", "ivf", "ivfpq")
DEFAULT_SIZES = (10**3, 10**4, 10**5, 10**6)

#: largest base on which :func:`run_scaling` builds an HNSW graph unless told otherwise (``max_hnsw``):
#: on two cores a graph over 10^5 x 384 vectors builds in ~7 s, one over 10^6 took 113 s (one-off
#: measurement; recall@10 0.90 with these settings), which alone would blow a two-minute benchmark
DEFAULT_MAX_HNSW = 10**5

#: synthetic vectors: noise scale (relative to the corpus's own spread) and rank of the noise
NOISE_SCALE = 0.75
NOISE_RANK = 64
#: rows per generation block; fixed (not derived from n) so that a smaller base is a prefix of a larger one
SYNTH_BLOCK = 1 << 16


# --------------------------------------------------------------------------------------------------
# data


def _unit_rows(x: np.ndarray) -> np.ndarray:
    """A float32 copy of ``x`` with unit rows (never modifies ``x``)."""
    x = np.array(x, dtype=np.float32, order="C", copy=True)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    x /= norms
    return x


@functools.lru_cache(maxsize=2)
def _course_base(version: str) -> np.ndarray:
    import faiss

    from ..rag import course_index

    index = course_index(version)
    flat = faiss.downcast_index(index.faiss.index if hasattr(index.faiss, "index") else index.faiss)
    n = flat.ntotal
    if isinstance(flat, faiss.IndexFlat):
        # the raw float32 codes of a flat index are the vectors themselves
        vectors = faiss.vector_to_array(flat.codes).view(np.float32).reshape(n, flat.d)
    else:  # pragma: no cover - RagIndex always stores an IndexFlatIP
        vectors = flat.reconstruct_n(0, n)
    vectors = _unit_rows(vectors)
    vectors.flags.writeable = False
    return vectors


def course_base_vectors(version: str = "v1") -> np.ndarray:
    """The vectors of the course knowledge-base chunks (float32, one unit row per chunk, n x 384).

    Read from the FAISS index of :func:`ragft.rag.course_index` (``IndexIDMap2`` over ``IndexFlatIP``),
    not re-embedded; cached per process (a read-only array: copy it to change it).
    """
    return _course_base(version)


@functools.lru_cache(maxsize=2)
def _course_queries(version: str) -> np.ndarray:
    from .. import data
    from ..rag import course_index

    texts = list(dict.fromkeys(q.question for q in data.load_questions()))
    vectors = _unit_rows(course_index(version).embedder.embed_queries(texts))
    vectors.flags.writeable = False
    return vectors


def course_query_vectors(version: str = "v1") -> np.ndarray:
    """Real query vectors: every question of :func:`ragft.data.load_questions` (all splits, duplicates
    dropped, file order) embedded with the course index's embedder (``embed_queries``), unit rows.

    Loads the embedder the first time (a few seconds); cached per process (read-only array).
    """
    return _course_queries(version)


def _check_base(base, *, min_rows: int = 2) -> np.ndarray:
    if base is None:
        raise ValueError("base is required: pass real vectors, e.g. base=course_base_vectors()")
    base = np.asarray(base)
    if base.ndim != 2 or base.shape[0] < min_rows or base.shape[1] < 2:
        raise ValueError(
            f"base must be a 2-D array of real vectors (rows x dims, at least {min_rows} rows and 2 dims), "
            f"got shape {base.shape}; pass e.g. course_base_vectors()"
        )
    if not np.issubdtype(base.dtype, np.number) or not np.isfinite(base).all():
        raise ValueError("base must hold finite numbers; pass e.g. course_base_vectors()")
    if (np.linalg.norm(base, axis=1) == 0).any():
        raise ValueError("base has an all-zero row; drop it (every row must be a direction)")
    return base


def _check_n(n, name: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number of vectors (>= 1), got {n!r}")
    if n < 1:
        raise ValueError(f"{name} must be at least 1 vector, got {n}; pass a positive size such as 10_000")
    return int(n)


def _noise_basis(base: np.ndarray, rank: int) -> np.ndarray:
    """``rank x d`` matrix B with ``g @ B`` ~ N(0, C_r): C_r keeps the top-``rank`` principal directions
    of the corpus covariance C, rescaled so its trace equals trace(C) (same total spread)."""
    x = base.astype(np.float64)
    cov = np.cov(x, rowvar=False) if len(x) > 1 else np.zeros((x.shape[1], x.shape[1]))
    eigvals, eigvecs = np.linalg.eigh(cov)
    eigvals = np.clip(eigvals[::-1], 0.0, None)
    eigvecs = eigvecs[:, ::-1]
    rank = max(1, min(rank, int((eigvals > 1e-12 * max(eigvals[0], 1e-30)).sum()) or 1))
    kept = eigvals[:rank]
    scale = math.sqrt(eigvals.sum() / kept.sum()) if kept.sum() > 0 else 0.0
    return (eigvecs[:, :rank] * np.sqrt(kept) * scale).T.astype(np.float32)


def synthetic_vectors(n: int, *, base, seed: int = 0, noise: float = NOISE_SCALE, dtype=np.float32) -> np.ndarray:
    """``n`` unit-norm vectors derived from the real vectors ``base`` (rows x d), float32 by default.

    ``dtype=np.float16`` stores them in half the memory (0.77 GB for 10^6 x 384 instead of 1.5 GB;
    rows are unit-norm to ~1e-3); :func:`build_index` takes either.

    Recipe, per vector: pick two random real vectors ``u`` and ``v`` and a weight ``w ~ U(0, 1)``;
    add Gaussian noise drawn with the corpus's own covariance; renormalise::

        x = normalise(w * u + (1 - w) * v + noise * z),   z ~ N(0, C_64)

    where ``C_64`` is the covariance of ``base`` restricted to its 64 main principal directions and
    rescaled to the same total variance (``trace``) as the full covariance.

    Why not pure noise: random Gaussian vectors in 384 dimensions are all nearly orthogonal and have no
    cluster structure, so every neighbour is about as far as any other point, which makes ANN indexes
    look much worse (and exact search no different) than on text embeddings. Real embeddings occupy a
    narrow cone (their mean has norm ~0.4) with an effective rank of a few dozen and topic clusters;
    mixing two real vectors keeps the synthetic ones inside that cone and between real topics, and
    noise shaped like the corpus's spread makes them distinct without making them isotropic. With
    ``noise=0.75`` the median cosine similarity of a synthetic vector to its nearest real chunk is
    0.74, the same as that of a real chunk to its nearest other chunk (0.75) on the course KB.
    (Keeping the noise to 64 directions cuts the cost of drawing it, which dominates making 10^6
    vectors; those directions carry most of the corpus's variance anyway.)

    Deterministic for ``(seed, base)``. Made in blocks of :data:`SYNTH_BLOCK` rows written into the
    output, each with its own generator seeded by ``(seed, block)``, so 10^6 x 384 needs one copy plus
    a block, and ``synthetic_vectors(m, ...)[:n]`` equals ``synthetic_vectors(n, ...)`` for ``n <= m``.
    """
    n = _check_n(n)
    base = _unit_rows(_check_base(base))
    if not (isinstance(noise, (int, float)) and noise >= 0 and math.isfinite(noise)):
        raise ValueError(f"noise must be a finite number >= 0 (e.g. {NOISE_SCALE}), got {noise!r}")
    basis = _noise_basis(base, NOISE_RANK) * np.float32(noise)
    rows, d = base.shape
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float16):
        raise ValueError(f"dtype must be float32 or float16 (half the memory, for large bases), got {dtype}")
    out = np.empty((n, d), dtype=dtype)
    for block, start in enumerate(range(0, n, SYNTH_BLOCK)):
        m = min(SYNTH_BLOCK, n - start)
        # draw a whole block's randomness even for a partial block, so prefixes agree across sizes
        rng = np.random.default_rng([int(seed), block])
        u = rng.integers(0, rows, SYNTH_BLOCK)
        v = rng.integers(0, rows, SYNTH_BLOCK)
        w = rng.random((SYNTH_BLOCK, 1), dtype=np.float32)
        g = rng.standard_normal((SYNTH_BLOCK, basis.shape[0]), dtype=np.float32)
        # a partial (last) block is computed at full size and copied, so every row goes through
        # exactly the same arithmetic whatever n is
        direct = m == SYNTH_BLOCK and dtype == np.float32
        x = out[start : start + m] if direct else np.empty((SYNTH_BLOCK, d), dtype=np.float32)
        np.matmul(g, basis, out=x)  # noise z ~ N(0, noise^2 C_64)
        bv = np.take(base, v, axis=0)
        x += bv
        bu = np.take(base, u, axis=0)
        bu -= bv
        bu *= w
        x += bu  # + w u + (1 - w) v
        del bu, bv, g
        x /= np.sqrt(np.einsum("ij,ij->i", x, x))[:, None]
        if not direct:
            out[start : start + m] = x[:m]
    return out


# --------------------------------------------------------------------------------------------------
# indexes


def _pow2(x: float) -> int:
    return 1 << max(0, int(round(math.log2(max(x, 1.0)))))


def _pq_m(d: int, target: int) -> int:
    """The divisor of ``d`` closest to ``target`` (PQ needs d % m == 0)."""
    divisors = [m for m in range(1, d + 1) if d % m == 0]
    return min(divisors, key=lambda m: (abs(m - target), -m))


def index_params(kind: str, n: int, d: int = 384) -> dict[str, Any]:
    """The settings :func:`build_index` uses for ``kind`` on ``n`` vectors of ``d`` dimensions.

    Rules (tuned on the course-derived vectors, 2-core machine, so that ``hnsw`` and ``ivf`` reach
    recall@10 >= 0.95 from 10^3 to 10^6 vectors while every build fits a two-minute benchmark):

    * ``hnsw``: ``M=16`` links per node, ``efConstruction=40`` (FAISS's default), ``efSearch=128``
      (raised from FAISS's 16; at 10^5 vectors M=16/ef=128 gives recall ~0.98 in ~0.3 ms, and builds
      ~1.6x faster than M=32). Construction costs ~n log n and dominates everything else on 2 cores.
    * ``ivf``: ``nlist`` = the power of two nearest ``sqrt(n) / 2`` (16, 64, 128, 512 cells for
      10^3 .. 10^6 vectors), and at most ``n / 39`` (FAISS wants >= 39 training points per cell);
      ``nprobe = max(16, nlist / 32)`` cells searched per query (16 here: all 16 cells at 10^3, 1/4 of
      them at 10^4, 1/32 at 10^6); k-means (spherical, 10 iterations) trained on a sample of
      ``40 * nlist`` vectors. The textbook ``nlist ~ 4-16 sqrt(n)``
      searches faster still, but at 10^6 its k-means and the assignment of every vector to a cell
      (``n x nlist`` dot products) take minutes on two cores; with 512 cells the build takes seconds
      and a query still reads only ~3% of the vectors.
    * ``ivfpq``: the same cells (``IndexIVFPQFastScan``): each vector's residual from its cell centre
      is product-quantised into ``m = d / 2`` sub-vectors of ``nbits = 4`` bits (96 bytes for d = 384,
      16x smaller than float32), searched with SIMD "fast scan" look-up tables. 4-bit codes are used
      because training 8-bit codebooks (256 centroids per sub-vector) took minutes on this machine.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}; choose one of {', '.join(KINDS)}")
    n = _check_n(n)
    if kind == "flat":
        return {"metric": "inner_product"}
    if kind == "hnsw":
        return {"M": 16, "efConstruction": 40, "efSearch": 128}
    nlist = max(1, min(_pow2(math.sqrt(n) / 2), n // 39))
    nlist = 1 << int(math.log2(nlist))  # a power of two, rounded down when capped by n / 39
    nprobe = min(nlist, max(16, nlist // 32))
    params: dict[str, Any] = {"nlist": nlist, "nprobe": nprobe, "train_size": min(n, 40 * nlist)}
    if kind == "ivfpq":
        params.update(m=_pq_m(d, max(1, d // 2)), nbits=4, by_residual=True, fast_scan=True)
    return params


#: fewest vectors an ``ivfpq`` index can be trained on (one per 4-bit PQ centroid is FAISS's minimum)
MIN_IVFPQ = 16


def _training_sample(vectors: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    if size >= len(vectors):
        return vectors
    rows = np.sort(np.random.default_rng(seed).choice(len(vectors), size, replace=False))
    return np.ascontiguousarray(vectors[rows])


def build_index(kind: str, vectors: np.ndarray, *, n: int | None = None):
    """A FAISS index of ``kind`` (one of :data:`KINDS`) holding ``vectors`` (unit rows).

    Parameters come from :func:`index_params` for ``n`` vectors (default ``len(vectors)``; pass the
    full size to get its settings while building on fewer). The returned index is ready to search
    with those settings (``efSearch`` / ``nprobe`` are set on it). Every kind uses inner product
    (= cosine similarity on unit vectors).

    ``vectors`` may be float16 (half the memory) or float32: they are added in blocks of
    :data:`SYNTH_BLOCK` rows converted to float32, so building never needs a second full copy of
    them besides the index itself. The k-means / PQ training of ``ivf`` and ``ivfpq`` runs on one
    FAISS thread (their many small parallel steps were slower on two threads, and much slower when
    another process shares the cores); adding vectors uses FAISS's default threads.
    """
    import faiss

    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}; choose one of {', '.join(KINDS)}")
    x = np.asarray(vectors)
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 2:
        raise ValueError(
            f"vectors must be a 2-D array (rows x dims, at least 1 row and 2 dims), got shape {x.shape}; "
            "pass e.g. synthetic_vectors(10_000, base=course_base_vectors())"
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"vectors must be floating point (float32 or float16), got {x.dtype}")
    if kind == "ivfpq" and len(x) < MIN_IVFPQ:
        raise ValueError(f"an ivfpq index needs at least {MIN_IVFPQ} vectors to train on, got {len(x)}; use 'flat' for so few")
    d = x.shape[1]
    params = index_params(kind, len(x) if n is None else n, d)
    ip = faiss.METRIC_INNER_PRODUCT
    if kind == "flat":
        index = faiss.IndexFlatIP(d)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, params["M"], ip)
        index.hnsw.efConstruction = params["efConstruction"]
        index.hnsw.efSearch = params["efSearch"]
    else:
        quantizer = faiss.IndexFlatIP(d)
        if kind == "ivf":
            index = faiss.IndexIVFFlat(quantizer, d, params["nlist"], ip)
        else:
            index = faiss.IndexIVFPQFastScan(quantizer, d, params["nlist"], params["m"], params["nbits"], ip)
            index.by_residual = params["by_residual"]
        index.cp.niter = 10
        index.cp.seed = 1234
        sample = np.ascontiguousarray(_training_sample(x, params["train_size"]), dtype=np.float32)
        before = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            index.train(sample)
        finally:
            faiss.omp_set_num_threads(before)
        del sample
        index.nprobe = params["nprobe"]
    for start in range(0, len(x), SYNTH_BLOCK):
        index.add(np.ascontiguousarray(x[start : start + SYNTH_BLOCK], dtype=np.float32))
    return index


def index_bytes(index) -> int:
    """Size in bytes of ``faiss.serialize_index(index)``, counted while streaming (no serialised copy)."""
    import faiss

    total = 0

    def count(chunk) -> int:
        nonlocal total
        total += len(chunk)
        return len(chunk)

    writer = faiss.PyCallbackIOWriter(count)
    faiss.write_index(index, writer)
    del writer
    return total


def recall_at_k(found: np.ndarray, truth: np.ndarray, k: int = 10) -> float:
    """Mean fraction of each query's true top-``k`` ids found in its approximate top-``k``."""
    hits = 0
    total = 0
    for f, t in zip(found[:, :k], truth[:, :k], strict=True):
        t = t[t >= 0]
        hits += len(np.intersect1d(f[f >= 0], t))
        total += len(t)
    return hits / total if total else float("nan")


# --------------------------------------------------------------------------------------------------
# the experiment


@dataclass
class ScalingRow:
    """One (index kind, base size) measurement of :func:`run_scaling`.

    ``query_ms``: median latency of one query at a time, FAISS on one thread; ``query_ms_batch``:
    per query when all queries go in one call (default threads); ``bytes_per_vector``: serialised
    index size / n; ``recall_at_10``: against exact flat search on the same vectors. A skipped
    configuration has NaN measurements, the reason in ``skipped`` and, where it could be
    extrapolated from measured sizes, ``build_s_estimate`` (an **estimate**, not a measurement).
    """

    kind: str
    n: int
    build_s: float
    query_ms: float
    query_ms_batch: float
    bytes_per_vector: float
    recall_at_10: float
    params: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None
    build_s_estimate: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _single_query_ms(index, queries: np.ndarray, k: int, budget_s: float = 1.0, min_queries: int = 10) -> float:
    """Median ms of searching one query at a time (FAISS on one thread; previous setting restored)."""
    import faiss

    before = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        index.search(queries[:1], k)  # warm-up (page in, allocate scratch)
        times = []
        start = time.perf_counter()
        for i in range(len(queries)):
            t0 = time.perf_counter()
            index.search(queries[i : i + 1], k)
            times.append(time.perf_counter() - t0)
            if len(times) >= min_queries and time.perf_counter() - start > budget_s:
                break
    finally:
        faiss.omp_set_num_threads(before)
    return 1000 * statistics.median(times)


def _limit_heap_fragmentation() -> None:
    """Make glibc serve every allocation over 1 MiB with its own ``mmap`` (best effort; Linux only).

    An IVF index grows each cell's vector by doubling; with glibc's default (adaptive) threshold the
    outgrown buffers stay in the heap, and adding 10^6 x 384 floats left ~0.5 GB of freed-but-resident
    memory on top of the index. A fixed threshold returns them to the system at once. This changes a
    process-wide malloc setting (harmless, and kept for the rest of the process).
    """
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD = 1 MiB
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        pass


def _hnsw_estimate(measured: dict[int, float], n: int) -> tuple[float | None, str]:
    """HNSW build seconds at ``n`` extrapolated from measured builds, and how (an estimate, not a measurement).

    With two or more measured sizes: a power law ``t = c n^a`` through the two largest (on this
    machine a ~1.2; a one-off build of 10^6 vectors took 113 s where this gave ~105 s); with one: ``n log n``.
    """
    sizes = sorted(m for m in measured if m > 1 and measured[m] > 0)
    if not sizes:
        return None, ""
    m = sizes[-1]
    if len(sizes) >= 2:
        m0 = sizes[-2]
        a = math.log(measured[m] / measured[m0]) / math.log(m / m0)
        return measured[m] * (n / m) ** a, f"power law n^{a:.2f} through n={m0:,} and n={m:,}"
    return measured[m] * (n / m) * (math.log(n) / math.log(m)), f"n log n from n={m:,}"


def run_scaling(
    sizes: Sequence[int] = DEFAULT_SIZES,
    kinds: Sequence[str] = KINDS,
    *,
    base: np.ndarray | None = None,
    queries: np.ndarray | None = None,
    k: int = 10,
    n_queries: int = 200,
    seed: int = 0,
    progress: bool = True,
    max_hnsw: int | None = None,
) -> list[ScalingRow]:
    """Build each index kind on synthetic bases of each size and measure it (see :class:`ScalingRow`).

    ``base``: real vectors the synthetic ones are derived from (default :func:`course_base_vectors`);
    ``queries``: real query vectors (default :func:`course_query_vectors`), of which ``n_queries``
    are drawn at random (``seed``). The synthetic base (:func:`synthetic_vectors`, ``seed``) is made
    once at the largest size and kept in float16; every index and the ground truth see the same
    (float16-rounded) vectors. Ground truth for recall is exact inner-product search on the same
    base (the ``flat`` index when measured, else a flat index built just for it and freed).

    ``max_hnsw``: largest size on which an HNSW graph is built (default :data:`DEFAULT_MAX_HNSW`,
    because on two cores one over 10^6 vectors takes ~2 minutes to build); larger sizes get a row
    with ``skipped`` saying why and an extrapolated ``build_s_estimate`` (labelled ESTIMATED, from
    the builds measured in the same run). Pass a large number to build anyway.

    Rows come back ordered by size, then in the order of ``kinds``. ``progress`` shows a tqdm bar
    over the (size, kind) pairs. Single-query latency is measured on one FAISS thread (see the
    module docstring); the previous thread setting is restored.
    """
    from tqdm.auto import tqdm

    if isinstance(sizes, (int, np.integer)):
        sizes = [sizes]
    sizes = sorted({_check_n(s, "each size") for s in sizes})
    if not sizes:
        raise ValueError("sizes is empty; pass e.g. sizes=(1_000, 10_000)")
    if isinstance(kinds, str):
        kinds = [kinds]
    kinds = list(dict.fromkeys(kinds))
    unknown = [x for x in kinds if x not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown index kind(s) {unknown or kinds}; choose from {', '.join(KINDS)}")
    k = _check_n(k, "k")
    n_queries = _check_n(n_queries, "n_queries")
    max_hnsw = DEFAULT_MAX_HNSW if max_hnsw is None else int(max_hnsw)

    base = _check_base(course_base_vectors() if base is None else base)
    queries = course_query_vectors() if queries is None else queries
    queries = np.asarray(queries)
    if queries.ndim != 2 or queries.shape[1] != base.shape[1] or len(queries) < 1:
        raise ValueError(
            f"queries must be a 2-D array with the base's {base.shape[1]} dimensions, got shape {queries.shape}; "
            "pass e.g. course_query_vectors()"
        )
    queries = _unit_rows(queries)
    if len(queries) > n_queries:
        pick = np.sort(np.random.default_rng(seed).choice(len(queries), n_queries, replace=False))
        queries = np.ascontiguousarray(queries[pick])

    # stored as float16 (half the memory: 0.77 GB at 10^6 x 384); indexes receive float32 copies block by
    # block, so every index (and the ground truth) sees exactly the same vectors
    if max(sizes) >= 1 << 18:
        _limit_heap_fragmentation()
    everything = synthetic_vectors(max(sizes), base=base, seed=seed, dtype=np.float16)
    rows: list[ScalingRow] = []
    hnsw_built: dict[int, float] = {}
    order = [(n, kind) for n in sizes for kind in sorted(kinds, key=lambda x: x != "flat")]
    bar = tqdm(order, desc="ANN scaling", disable=not progress)
    truth = None
    truth_n = None
    by_key: dict[tuple[int, str], ScalingRow] = {}
    for n, kind in bar:
        bar.set_postfix_str(f"{kind} n={n:,}")
        xb = everything[:n]
        kk = min(k, n)
        if truth_n != n:
            truth = None
            if "flat" not in kinds:
                exact = build_index("flat", xb)
                _, truth = exact.search(queries, kk)
                del exact
            truth_n = n
        params = index_params(kind, n, base.shape[1])
        if kind == "hnsw" and n > max_hnsw:
            estimate, how = _hnsw_estimate(hnsw_built, n)
            why = f"HNSW not built above max_hnsw={max_hnsw:,} vectors (construction too slow for the time budget)"
            if estimate is not None:
                why += f"; ESTIMATED build {estimate:.3g} s ({how}; not measured)"
            nan = float("nan")
            by_key[(n, kind)] = ScalingRow(kind, n, nan, nan, nan, nan, nan, params, skipped=why, build_s_estimate=estimate)
            continue
        if kind == "ivfpq" and n < MIN_IVFPQ:
            nan = float("nan")
            why = f"an ivfpq index needs at least {MIN_IVFPQ} vectors to train on"
            by_key[(n, kind)] = ScalingRow(kind, n, nan, nan, nan, nan, nan, params, skipped=why)
            continue
        t0 = time.perf_counter()
        index = build_index(kind, xb)
        build_s = time.perf_counter() - t0
        if kind == "hnsw":
            hnsw_built[n] = build_s
        t0 = time.perf_counter()
        _, found = index.search(queries, kk)
        batch_ms = 1000 * (time.perf_counter() - t0) / len(queries)
        if kind == "flat":
            truth = found
        single_ms = _single_query_ms(index, queries, kk)
        size = index_bytes(index)
        recall = recall_at_k(found, truth, kk)
        by_key[(n, kind)] = ScalingRow(kind, n, build_s, single_ms, batch_ms, size / n, recall, params)
        del index, found
        gc.collect()
    bar.close()
    del everything
    gc.collect()
    for n in sizes:
        rows.extend(by_key[(n, kind)] for kind in kinds)
    return rows


# --------------------------------------------------------------------------------------------------
# reporting


def rows_table(rows: Sequence[ScalingRow]):
    """A DataFrame, one row per (kind, n): the measurements, ``speedup`` (flat's single-query ms /
    this kind's, same n; NaN without a flat row), the settings and any skip note."""
    import pandas as pd

    records = []
    flat = {r.n: r.query_ms for r in rows if r.kind == "flat"}
    for r in rows:
        records.append({
            "kind": r.kind,
            "n": r.n,
            "build_s": r.build_s,
            "query_ms": r.query_ms,
            "query_ms_batch": r.query_ms_batch,
            "bytes_per_vector": r.bytes_per_vector,
            "recall_at_10": r.recall_at_10,
            "speedup": flat.get(r.n, float("nan")) / r.query_ms if r.query_ms and r.query_ms == r.query_ms else float("nan"),
            "params": ", ".join(f"{key}={value}" for key, value in r.params.items()),
            "note": r.skipped or "",
        })
    columns = ["kind", "n", "build_s", "query_ms", "query_ms_batch", "bytes_per_vector", "recall_at_10", "speedup", "params", "note"]
    return pd.DataFrame.from_records(records, columns=columns)


def plot_scaling(rows: Sequence[ScalingRow]):
    """Two panels: single-query latency (ms, log-log) vs n, and recall@10 vs n, one line per kind.

    Skipped configurations are left out. The figure is returned *closed* (so a notebook shows it
    once, where it is displayed or glued).
    """
    import matplotlib.pyplot as plt

    fig, (ax_ms, ax_rec) = plt.subplots(1, 2, figsize=(10, 4))
    kinds = list(dict.fromkeys(r.kind for r in rows))
    for kind in kinds:
        pts = sorted((r.n, r.query_ms, r.recall_at_10) for r in rows if r.kind == kind and r.skipped is None)
        if not pts:
            continue
        ns, ms, rec = zip(*pts, strict=True)
        ax_ms.plot(ns, ms, marker="o", label=kind)
        ax_rec.plot(ns, rec, marker="o", label=kind)
    ax_ms.set_xscale("log")
    ax_ms.set_yscale("log")
    ax_ms.set_xlabel("vectors in the index (n)")
    ax_ms.set_ylabel("ms per query (one at a time)")
    ax_ms.set_title("Single-query latency")
    ax_rec.set_xscale("log")
    ax_rec.set_ylim(0, 1.02)
    ax_rec.axhline(0.95, color="grey", linestyle=":", linewidth=1)
    ax_rec.set_xlabel("vectors in the index (n)")
    ax_rec.set_ylabel("recall@10 vs exact search")
    ax_rec.set_title("Recall@10")
    for ax in (ax_ms, ax_rec):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    plt.close(fig)
    return fig
