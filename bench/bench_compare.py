"""How long the comparison takes: cold (every answer generated) and warm (answers reused).

    python bench/bench_compare.py                     # the full comparison (ragft compare defaults)
    python bench/bench_compare.py --systems closed_book rag ft ft_rag   # what Lab 3 runs
    python bench/bench_compare.py --retrain           # also time retraining the knowledge adapter on v2
    python bench/bench_compare.py --json out.json

"Cold" regenerates and re-stores every answer (``refresh_cache``) but reuses the cached index and
adapters; when an adapter or the index is not cached yet, the cold run builds it and the table says
so (with the time it took). "Warm" is a second run that finds every answer in the answer cache.
Budgets (CONTRIBUTING.md / the issue): the full comparison within 8 minutes on two cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

BUDGET_S = 8 * 60


def _run(cfg_kwargs: dict) -> tuple[float, dict]:
    from ragft.compare import CompareConfig, run_comparison

    t0 = time.perf_counter()
    results = run_comparison(CompareConfig(**cfg_kwargs))
    return time.perf_counter() - t0, results.to_json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=None, help="questions per split (default: the full splits)")
    parser.add_argument("--systems", nargs="+", default=None, help="systems to run (default: all five)")
    parser.add_argument("--retrain", action="store_true", help="retrain the knowledge adapter on the v2 facts (timed once)")
    parser.add_argument("--skip-cold", action="store_true", help="only the warm run")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--json", help="also write the timings and results to this file")
    args = parser.parse_args()

    base = dict(limit=args.limit, progress=not args.quiet, ft_update="retrain" if args.retrain else "keep")
    if args.systems:
        base["systems"] = tuple(args.systems)
    rows = []
    cold = None
    if not args.skip_cold:
        seconds, cold = _run({**base, "refresh_cache": True})
        rows.append(("cold: every answer generated", seconds))
    seconds, warm = _run(base)
    rows.append(("warm: answers from the answer cache", seconds))
    data = warm if cold is None else cold

    print(f"\n# comparison timings ({'full splits' if args.limit is None else f'{args.limit} questions per split'}, "
          f"{sum(data['config']['n_questions'][s] for s in ('test_seen', 'test_unseen', 'unanswerable'))} questions, "
          f"{data['environment']['cpus']} CPUs, torch {data['environment']['torch']})")
    for name, seconds in rows:
        verdict = "ok" if seconds <= BUDGET_S else f"OVER the {BUDGET_S // 60}-minute budget"
        print(f"{name:<40} {seconds:8.1f} s   {verdict}")
    print("\n# one-off preparation (seconds; 'cached' = measured when it was first built)")
    idx = data["config"]["index"]
    print(f"{'index build (v1, no embedding cache)':<40} {idx['seconds']:8.1f} s   {'cached' if idx['cached'] else 'built now'}")
    for system, cost in data["costs"].items():
        if "train_seconds" in cost:
            print(f"{system + ' adapter training':<40} {cost['train_seconds']:8.1f} s   "
                  f"{'cached' if cost['train_cached'] else 'trained now'} ({cost['train_examples']} examples, "
                  f"{cost['train_steps']} steps)")
    upd = data.get("update") or {}
    if upd:
        print(f"{'index update v1 -> v2 (incremental)':<40} {data['config']['index_update']['seconds']:8.1f} s")
        for system, u in upd.items():
            if "retrain_seconds" in u:
                print(f"{system + ': retraining on v2 facts':<40} {u['retrain_seconds']:8.1f} s")
    print("\n# generation work of the cold run (per system)")
    for system, cost in data["costs"].items():
        print(f"{system:<14} {cost['generated']:>5} answers generated in {cost['generation_seconds']:7.1f} s, "
              f"{cost['from_cache']:>4} reused; peak RSS so far {cost['peak_rss_mb']:7.0f} MB")
    print(f"\n# time per answer at the same cap ({data['config']['max_new_tokens']} new tokens), test_unseen")
    for system, splits in data["systems"].items():
        m = splits["test_unseen"]
        print(f"{system:<14} p50 {m['latency_ms_p50']:7.0f} ms   mean answer {m['new_tokens']:5.1f} tokens   "
              f"prompt {m['prompt_tokens']:5.0f} tokens")
    print("\n# accuracy (test_seen / test_unseen / unanswerable / multi_doc)")
    for system, splits in data["systems"].items():
        print(f"{system:<14} " + "  ".join(f"{splits[s]['accuracy']:.0%}" if splits[s]['accuracy'] is not None else "-"
                                           for s in ("test_seen", "test_unseen", "unanswerable", "multi_doc")))
    print("\n# paired differences a - b (points, 95% interval; * = the interval excludes 0)")
    for pair, by_split in (data.get("differences") or {}).items():
        cells = [f"{sp} {100 * d['diff']:+.0f} [{100 * d['ci95'][0]:+.0f}, {100 * d['ci95'][1]:+.0f}]"
                 + ("" if d["better"] == "tie" else "*") for sp, d in by_split.items() if d["n"]]
        print(f"{pair:<20} " + "; ".join(cells))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"timings": dict(rows), "results": data}, fh, indent=1)
    return 0 if all(s <= BUDGET_S for _, s in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
