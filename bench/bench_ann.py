"""Retrieval as the knowledge base grows: FAISS flat vs HNSW vs IVF vs IVF-PQ, 10^3 to 10^6 vectors.

    python bench/bench_ann.py [--sizes 1e3,1e4,1e5,1e6] [--kinds flat,hnsw,ivf,ivfpq] [--out ann.json]

Bases are synthetic vectors derived from the course's real chunk embeddings, queries are the real
embeddings of the course questions (see :mod:`ragft.perf.ann`). Prints a table, the checks below
and one JSON line (``--out`` also writes it to a file).

Targets checked:
  * the whole script (imports, loading the real vectors, every size) in <= 120 s wall time
  * peak resident memory (``resource.getrusage``) < 4 GB
  * at the largest size (10^6 by default): some approximate index with recall@10 >= 0.95 and a
    single-query latency at least 5x lower than flat

Timings on a shared 2-core machine are noisy: run it on an idle machine.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402

for _key, _value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "1"), ("TOKENIZERS_PARALLELISM", "false")):
    os.environ.setdefault(_key, _value)

BUDGET_S = 120.0
RSS_LIMIT_MB = 4096.0
MIN_RECALL = 0.95
MIN_SPEEDUP = 5.0


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(float(part)) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes takes numbers separated by commas, e.g. 1e3,1e4,1e5; got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"--sizes must be positive numbers, e.g. 1e3,1e4; got {text!r}")
    return sizes


def _kinds(text: str) -> list[str]:
    from ragft.perf.ann import KINDS

    kinds = [part for part in text.replace(" ", "").split(",") if part]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"unknown kind(s) {unknown or text!r}; choose from {','.join(KINDS)}")
    return kinds


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


def _fmt(value: float, spec: str) -> str:
    width = int(spec.split(".")[0] or 0)
    return "-".rjust(width) if value is None or (isinstance(value, float) and math.isnan(value)) else format(value, spec)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=_sizes, default=[10**3, 10**4, 10**5, 10**6], help="base sizes (default 1e3,1e4,1e5,1e6)")
    parser.add_argument("--kinds", type=_kinds, default=None, help="index kinds (default flat,hnsw,ivf,ivfpq)")
    parser.add_argument("--n-queries", type=int, default=200, help="real questions used as queries (default 200)")
    parser.add_argument("--max-hnsw", type=int, default=None, help="largest size to build HNSW on (default: the module's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", metavar="FILE.json", help="also write the JSON result to this file")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    import faiss

    from ragft.perf import ann

    kinds = args.kinds or list(ann.KINDS)
    t0 = time.perf_counter()
    base = ann.course_base_vectors()
    queries = ann.course_query_vectors()
    load_s = time.perf_counter() - t0
    print(f"real vectors: {len(base)} chunks, {len(queries)} questions, dim {base.shape[1]} ({load_s:.1f} s, embedder included)")
    print(f"faiss {faiss.__version__}, {os.cpu_count()} CPU cores, {faiss.omp_get_max_threads()} FAISS threads "
          "(single-query latency measured on 1 thread)", flush=True)

    t0 = time.perf_counter()
    rows = ann.run_scaling(args.sizes, kinds, base=base, queries=queries, n_queries=args.n_queries, seed=args.seed,
                           progress=not args.no_progress, max_hnsw=args.max_hnsw)
    scaling_s = time.perf_counter() - t0
    wall_s = time.perf_counter() - START
    rss = peak_rss_mb()

    flat_ms = {r.n: r.query_ms for r in rows if r.kind == "flat"}
    header = f"{'kind':<6} {'n':>9} {'build s':>8} {'query ms':>9} {'batch ms/q':>10} {'bytes/vec':>9} {'recall@10':>9} {'vs flat':>8}  settings / note"
    print()
    print(header)
    print("-" * len(header))
    for r in rows:
        speedup = flat_ms.get(r.n, math.nan) / r.query_ms if r.query_ms and not math.isnan(r.query_ms) else math.nan
        settings = ", ".join(f"{k}={v}" for k, v in r.params.items() if k not in ("metric", "fast_scan", "by_residual"))
        note = f"SKIPPED: {r.skipped}" if r.skipped else settings
        print(f"{r.kind:<6} {r.n:>9,} {_fmt(r.build_s, '8.2f')} {_fmt(r.query_ms, '9.3f')} {_fmt(r.query_ms_batch, '10.3f')} "
              f"{_fmt(r.bytes_per_vector, '9.0f')} {_fmt(r.recall_at_10, '9.3f')} {_fmt(speedup, '7.1f')}{'x' if not math.isnan(speedup) else ' '}  {note}")

    top = max(args.sizes)
    good = [r for r in rows if r.n == top and r.kind != "flat" and r.skipped is None and r.recall_at_10 >= MIN_RECALL
            and top in flat_ms and flat_ms[top] / r.query_ms >= MIN_SPEEDUP]
    checks = [
        (f"total wall time <= {BUDGET_S:.0f} s", f"{wall_s:.1f} s", wall_s <= BUDGET_S),
        (f"peak RSS < {RSS_LIMIT_MB / 1024:.0f} GB", f"{rss:.0f} MiB", rss < RSS_LIMIT_MB),
        (f"n={top:,}: approximate index, recall@10 >= {MIN_RECALL} and >= {MIN_SPEEDUP:.0f}x faster than flat",
         ", ".join(f"{r.kind} ({r.recall_at_10:.3f}, {flat_ms[top] / r.query_ms:.0f}x)" for r in good) or "none",
         bool(good)),
    ]
    print()
    for name, value, ok in checks:
        print(f"[{'PASS' if ok else 'FAIL'}] {name}: {value}")
    print(f"(real vectors {load_s:.1f} s, scaling runs {scaling_s:.1f} s)")

    result = {
        "rows": [_clean(r.to_dict()) for r in rows],
        "wall_s": round(wall_s, 2),
        "load_s": round(load_s, 2),
        "scaling_s": round(scaling_s, 2),
        "peak_rss_mb": round(rss, 1),
        "cpu_count": os.cpu_count(),
        "faiss_version": faiss.__version__,
        "n_queries": min(args.n_queries, len(queries)),
        "checks": {name: ok for name, _, ok in checks},
    }
    line = json.dumps(result, sort_keys=True)
    print(line)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(line + "\n")
    return 0 if all(ok for _, _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
