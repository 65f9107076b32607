"""ragft.perf.ann: synthetic bases derived from real vectors, FAISS indexes, the scaling run (small sizes)."""

from __future__ import annotations

import math

import numpy as np
import pytest

faiss = pytest.importorskip("faiss")

from ragft.perf import ann  # noqa: E402

DIM = 64


@pytest.fixture(scope="module")
def base() -> np.ndarray:
    """Stand-in for the course vectors: 120 unit rows around 12 topics in a narrow cone (no model needed)."""
    rng = np.random.default_rng(7)
    common = rng.standard_normal(DIM)
    topics = rng.standard_normal((12, DIM)) + 2 * common
    x = topics[rng.integers(0, 12, 120)] + 0.6 * rng.standard_normal((120, DIM))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def queries(base) -> np.ndarray:
    return ann.synthetic_vectors(60, base=base, seed=99)


@pytest.fixture(scope="module")
def rows(base, queries):
    return ann.run_scaling((2000,), ann.KINDS, base=base, queries=queries, n_queries=40, progress=False)


# --------------------------------------------------------------------------------------------------
# synthetic vectors


def test_synthetic_vectors_shape_dtype_unit_norm(base):
    x = ann.synthetic_vectors(2000, base=base)
    assert x.shape == (2000, DIM) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    half = ann.synthetic_vectors(2000, base=base, dtype=np.float16)
    assert half.dtype == np.float16
    np.testing.assert_allclose(np.linalg.norm(half.astype(np.float32), axis=1), 1.0, atol=3e-3)


def test_synthetic_vectors_deterministic_and_prefix_of_a_larger_base(base):
    a = ann.synthetic_vectors(1500, base=base, seed=3)
    assert np.array_equal(a, ann.synthetic_vectors(1500, base=base, seed=3))
    assert not np.array_equal(a, ann.synthetic_vectors(1500, base=base, seed=4))
    bigger = ann.synthetic_vectors(ann.SYNTH_BLOCK + 10, base=base, seed=3)
    assert np.array_equal(bigger[:1500], a)  # the knowledge base grows: small bases are prefixes


def test_synthetic_vectors_are_derived_from_the_base_not_noise(base):
    x = ann.synthetic_vectors(500, base=base)
    nearest = (x @ base.T).max(axis=1)
    noise = np.random.default_rng(0).standard_normal((500, DIM)).astype(np.float32)
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    assert np.median(nearest) > 0.6 > np.median((noise @ base.T).max(axis=1))


def test_synthetic_vectors_do_not_modify_the_base(base):
    before = base.copy()
    ann.synthetic_vectors(100, base=base)
    assert np.array_equal(base, before)


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(n=0), "at least 1"),
    (dict(n=-5), "at least 1"),
    (dict(n=2.5), "whole number"),
    (dict(n=10, base=np.ones(DIM, dtype=np.float32)), "2-D"),
    (dict(n=10, base=np.ones((1, DIM), dtype=np.float32)), "at least 2 rows"),
    (dict(n=10, base=None), "base is required"),
    (dict(n=10, noise=-1.0), "noise"),
])
def test_synthetic_vectors_bad_arguments(base, kwargs, fragment):
    kwargs = {"base": base, **kwargs}
    n = kwargs.pop("n")
    with pytest.raises(ValueError, match=fragment) as err:
        ann.synthetic_vectors(n, **kwargs)
    assert any(word in str(err.value) for word in ("pass", "must", "e.g.")), "the message should say how to fix it"


# --------------------------------------------------------------------------------------------------
# indexes


@pytest.mark.parametrize("n", [1000, 10_000, 100_000, 1_000_000, 2000, 50])
def test_index_params_rules(n):
    ivf = ann.index_params("ivf", n, 384)
    nlist, nprobe = ivf["nlist"], ivf["nprobe"]
    assert nlist & (nlist - 1) == 0 and 1 <= nlist and (nlist == 1 or nlist <= n / 39)
    assert 1 <= nprobe <= nlist and ivf["train_size"] <= n
    pq = ann.index_params("ivfpq", n, 384)
    assert 384 % pq["m"] == 0 and pq["nbits"] == 4 and pq["nlist"] == nlist
    assert ann.index_params("hnsw", n)["efSearch"] >= 10


def test_index_params_at_a_million():
    assert ann.index_params("ivf", 10**6) == {"nlist": 512, "nprobe": 16, "train_size": 20480}


@pytest.mark.parametrize("kind", ann.KINDS)
def test_build_index_returns_a_searchable_faiss_index(base, queries, kind):
    x = ann.synthetic_vectors(2000, base=base)
    index = ann.build_index(kind, x)
    assert isinstance(index, faiss.Index) and index.ntotal == 2000 and index.d == DIM
    assert index.metric_type == faiss.METRIC_INNER_PRODUCT
    scores, ids = index.search(queries[:5], 10)
    assert ids.shape == (5, 10) and (ids >= 0).all() and (ids < 2000).all()
    half = ann.build_index(kind, x.astype(np.float16))  # float16 bases are accepted
    assert half.ntotal == 2000


def test_build_index_bad_arguments(base):
    x = ann.synthetic_vectors(100, base=base)
    with pytest.raises(ValueError, match="unknown index kind 'annoy'.*flat, hnsw, ivf, ivfpq"):
        ann.build_index("annoy", x)
    with pytest.raises(ValueError, match="2-D"):
        ann.build_index("flat", x[0])
    with pytest.raises(ValueError, match="at least 16 vectors.*use 'flat'"):
        ann.build_index("ivfpq", x[:5])
    with pytest.raises(ValueError, match="unknown index kind"):
        ann.index_params("lsh", 100)


def test_index_bytes_is_the_serialized_size(base):
    index = ann.build_index("ivf", ann.synthetic_vectors(1000, base=base))
    assert ann.index_bytes(index) == faiss.serialize_index(index).size


def test_recall_at_k():
    truth = np.array([[0, 1, 2, 3], [4, 5, 6, 7]])
    assert ann.recall_at_k(truth, truth, 4) == 1.0
    assert ann.recall_at_k(np.array([[3, 2, 9, 9], [-1, -1, -1, -1]]), truth, 4) == 0.25


# --------------------------------------------------------------------------------------------------
# the scaling run


def test_run_scaling_rows(rows):
    assert [(r.kind, r.n) for r in rows] == [(k, 2000) for k in ann.KINDS]
    by = {r.kind: r for r in rows}
    assert by["flat"].recall_at_10 == 1.0
    for r in rows:
        assert 0.0 <= r.recall_at_10 <= 1.0
        assert r.build_s >= 0 and r.query_ms > 0 and r.query_ms_batch > 0 and r.skipped is None
        assert r.params
    assert by["hnsw"].recall_at_10 >= 0.9 and by["ivf"].recall_at_10 >= 0.9
    assert by["ivfpq"].recall_at_10 >= 0.3
    assert by["ivfpq"].bytes_per_vector < by["flat"].bytes_per_vector / 4
    assert by["flat"].bytes_per_vector == pytest.approx(4 * DIM, rel=0.01)
    assert by["ivf"].params["nprobe"] <= by["ivf"].params["nlist"]


def test_run_scaling_restores_faiss_threads(base, queries):
    before = faiss.omp_get_max_threads()
    ann.run_scaling((300,), ("flat", "ivf"), base=base, queries=queries, n_queries=10, progress=False)
    assert faiss.omp_get_max_threads() == before


def test_run_scaling_without_flat_still_measures_recall(base, queries):
    (row,) = ann.run_scaling((1000,), ("ivf",), base=base, queries=queries, n_queries=20, progress=False)
    assert row.kind == "ivf" and 0.5 <= row.recall_at_10 <= 1.0


def test_run_scaling_skips_hnsw_above_max_hnsw_and_says_why(base, queries):
    rows = ann.run_scaling((500, 1000, 1500), ("flat", "hnsw"), base=base, queries=queries, n_queries=10,
                           progress=False, max_hnsw=1000)
    skipped = [r for r in rows if r.skipped]
    assert [(r.kind, r.n) for r in skipped] == [("hnsw", 1500)]
    row = skipped[0]
    assert "max_hnsw=1,000" in row.skipped and "ESTIMATED" in row.skipped
    assert math.isnan(row.build_s) and math.isnan(row.recall_at_10) and row.build_s_estimate > 0
    table = ann.rows_table(rows)
    assert table.loc[(table.kind == "hnsw") & (table.n == 1500), "note"].item().startswith("HNSW not built")


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(kinds=("flat", "annoy")), "unknown index kind"),
    (dict(sizes=(1000, 0)), "at least 1"),
    (dict(sizes=()), "empty"),
    (dict(k=0), "k must be at least 1"),
    (dict(queries=np.ones((5, DIM + 1), dtype=np.float32)), "dimensions"),
])
def test_run_scaling_bad_arguments(base, queries, kwargs, fragment):
    kwargs = {"sizes": (500,), "base": base, "queries": queries, "progress": False, **kwargs}
    with pytest.raises(ValueError, match=fragment):
        ann.run_scaling(**kwargs)


def test_rows_table_and_plot(rows):
    import matplotlib.pyplot as plt

    table = ann.rows_table(rows)
    assert list(table.columns[:7]) == ["kind", "n", "build_s", "query_ms", "query_ms_batch", "bytes_per_vector", "recall_at_10"]
    assert len(table) == len(rows)
    assert table.loc[table.kind == "flat", "speedup"].item() == pytest.approx(1.0)
    fig = ann.plot_scaling(rows)
    assert len(fig.axes) == 2 and not plt.fignum_exists(fig.number)
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"
    assert len(fig.axes[1].get_lines()) >= len(ann.KINDS)


@pytest.mark.slow
def test_course_vectors_are_real_unit_embeddings():
    base = ann.course_base_vectors()
    queries = ann.course_query_vectors()
    assert base.dtype == queries.dtype == np.float32 and base.shape[1] == queries.shape[1] == 384
    assert len(base) > 100 and len(queries) > 100
    np.testing.assert_allclose(np.linalg.norm(base, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
