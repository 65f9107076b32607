"""The hybrid chapter's targets, measured: RAFT against the base reader, the format adapter against plain RAG.

    python bench/bench_hybrid.py            # reuses cached adapters and answers (trains what is missing)
    python bench/bench_hybrid.py --json out.json
    RAGFT_CACHE_DIR=$(mktemp -d) python bench/bench_hybrid.py   # a first run: every adapter trained, timed

Targets (the issue that asked for the hybrid lab), on the full ``test_unseen`` split, the same retrieval for
every system:

* the RAFT reader at least 10 points above the base reader behind real retrieval, and at least 1.5x the
  base reader's accuracy with the oracle passage among 3 distractors;
* the format adapter + RAG: format adherence at least 90 %, accuracy within 5 points of plain RAG;
* every training run at most 5 minutes on two cores; peak memory under 4 GB.

Prints one line per target with the measured value and whether it is met; nothing here is asserted, a
busy machine changes the times.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", help="also write the measurements to this file")
    args = parser.parse_args()

    from ragft import hybrid
    from ragft.compare import (
        Backend,
        CompareConfig,
        cached_index,
        format_adapter,
        raft_adapter,
        rag_pipeline,
        run_comparison,
    )
    from ragft.data import load_questions
    from ragft.finetune import load_finetuned
    from ragft.models import load_generator

    start = time.perf_counter()
    cfg = CompareConfig(progress=False)
    index, _ = cached_index("v1", cfg)
    single = [q for q in load_questions("test_unseen") if q.type != "multi_doc"]
    raft, _ = raft_adapter(cfg, Backend(), index)
    fmt_adapter, _ = format_adapter(cfg, Backend(), rag_pipeline(index, cfg))
    curves = {}
    for name, adapter_dir in (("base", None), ("raft", raft.adapter_dir)):
        model, tokenizer = load_finetuned(adapter_dir) if adapter_dir else load_generator(progress=False)
        curves[name] = hybrid.reading_curve(model, tokenizer, single, index, seed=cfg.seed, template=cfg.template)
        del model
    real = {}
    for k in (1, 3):
        res = run_comparison(CompareConfig(systems=("rag", "raft"), splits=("test_unseen",), update=False, k=k,
                                           progress=False))
        real[k] = {"rag": res.systems["rag"]["test_unseen"]["accuracy"], "raft": res.systems["raft"]["test_unseen"]["accuracy"],
                   "diff": res.differences["raft_vs_rag"]["test_unseen"]}
    fmt = run_comparison(CompareConfig(systems=("rag", "format_rag"), splits=("test_unseen",), update=False, progress=False))
    f_rag, f_ad = fmt.systems["rag"]["test_unseen"], fmt.systems["format_rag"]["test_unseen"]
    f_diff = fmt.differences["format_rag_vs_rag"]["test_unseen"]
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kB on Linux

    ratio3 = curves["raft"][3]["accuracy"] / max(curves["base"][3]["accuracy"], 1e-9)
    rows = [
        ("RAFT - base reader, real retrieval, k=1", f"{real[1]['diff']['diff']:+.1%} [{real[1]['diff']['ci95'][0]:+.1%}, "
         f"{real[1]['diff']['ci95'][1]:+.1%}]", ">= +10 points", real[1]["diff"]["diff"] >= 0.10),
        ("RAFT - base reader, real retrieval, k=3", f"{real[3]['diff']['diff']:+.1%} [{real[3]['diff']['ci95'][0]:+.1%}, "
         f"{real[3]['diff']['ci95'][1]:+.1%}]", ">= +10 points", real[3]["diff"]["diff"] >= 0.10),
        ("RAFT / base reader, oracle among 3 distractors",
         f"{ratio3:.2f}x ({curves['raft'][3]['accuracy']:.1%} / {curves['base'][3]['accuracy']:.1%})", ">= 1.5x", ratio3 >= 1.5),
        ("format adapter + RAG: format adherence", f"{f_ad['format_adherence']:.1%}", ">= 90%", f_ad["format_adherence"] >= 0.9),
        ("format adapter + RAG - plain RAG: accuracy",
         f"{f_diff['diff']:+.1%} [{f_diff['ci95'][0]:+.1%}, {f_diff['ci95'][1]:+.1%}] ({f_ad['accuracy']:.1%} vs {f_rag['accuracy']:.1%})",
         "within 5 points", abs(f_diff["diff"]) <= 0.05),
        ("RAFT training", f"{raft.seconds:.0f} s" + (" (from the cache)" if raft.cached else ""), "<= 300 s", raft.seconds <= 300),
        ("format adapter training", f"{fmt_adapter.seconds:.0f} s" + (" (from the cache)" if fmt_adapter.cached else ""),
         "<= 300 s", fmt_adapter.seconds <= 300),
        ("peak memory of this process", f"{peak_gb:.2f} GB", "< 4 GB", peak_gb < 4),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, target, met in rows:
        print(f"{name:<{width}}  {value:<40} target {target:<16} {'met' if met else 'NOT met'}")
    shown = {name: ", ".join(f"{n}: {c['accuracy']:.0%}" for n, c in curve.items()) for name, curve in curves.items()}
    print(f"(reading curves by number of distractors: base {shown['base']}; RAFT {shown['raft']}; "
          f"{time.perf_counter() - start:.0f} s in all)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump([{"measure": n, "value": v, "target": t, "met": bool(m)} for n, v, t, m in rows], fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
