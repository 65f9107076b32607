"""The RAG-quality targets of issue 11, on the full splits, with the course's default pipeline.

    python bench/bench_rag_quality.py [--json out.json] [--no-ablation]

Prints, for the default pipeline (the toolkit's defaults: hybrid search, compression, abstention gate
calibrated on train, over the course index built with the embedder the defaults name):
  * accuracy on test_unseen and test_seen (>= 50% each) and on the multi-document questions of both (>= 30%)
  * document recall@1 on test_unseen (>= 0.85)
  * abstention on unanswerable (>= 60%) and false abstention on answerable questions (<= 10%)
  * retrieval per question (embed + search + compression, median of one-by-one calls) < 25 ms
  * prompt tokens <= 395 (the old default's length)
and then the ablation rows (baseline -> each lever) on test_unseen + unanswerable, as Lab 1 shows them.
Answers are cached (ragft.answers), so a second run is fast; timings are the ones measured when generated.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--no-ablation", action="store_true", help="skip the ablation rows")
    args = parser.parse_args(argv)

    from ragft import data
    from ragft.models import load_generator
    from ragft.rag import RagPipeline, course_index, evaluate
    from ragft.rag.ablation import format_table, oracle, run_ablation
    from ragft.rag.access import ALL
    from ragft.rag.pipeline import DEFAULT_EMBEDDER

    model, tokenizer = load_generator(progress=False)
    base_index = course_index("v1")
    index = course_index("v1", embedder=DEFAULT_EMBEDDER, progress=True)
    pipe = RagPipeline(model, tokenizer, index, groups=ALL, cache=True)
    splits = {s: data.load_questions(s) for s in ("test_unseen", "test_seen", "unanswerable")}
    ev = {s: evaluate(pipe, qs, progress=s) for s, qs in splits.items()}
    multi = [r for s in ("test_unseen", "test_seen") for r in ev[s].records if r["type"] == "multi_doc"]
    answerable = [r for s in ("test_unseen", "test_seen") for r in ev[s].records if r["answerable"]]

    # retrieval latency: one question at a time, as a user's query arrives
    lat = []
    qs = [q.question for q in splits["test_unseen"]]
    pipe.prepare(qs[:1])
    for q in (qs * 2)[:60]:
        t0 = time.perf_counter()
        pipe.prepare([q])
        lat.append((time.perf_counter() - t0) * 1000)

    u = ev["test_unseen"].metrics
    fig = {
        "settings": {**pipe.settings(), "embedder": index.embedder.id},
        "acc_test_unseen": u["accuracy"], "acc_test_unseen_ci": u["accuracy_ci"],
        "acc_test_seen": ev["test_seen"].metrics["accuracy"], "acc_test_seen_ci": ev["test_seen"].metrics["accuracy_ci"],
        "acc_multi_doc": sum(r["correct"] for r in multi) / len(multi), "n_multi_doc": len(multi),
        "recall1_test_unseen": u["recall@1"],
        "abstention_unanswerable": ev["unanswerable"].metrics["abstention_rate"],
        "false_abstention": sum(r["abstained"] for r in answerable) / len(answerable),
        "retrieval_ms_median": statistics.median(lat),
        "prompt_tokens": u["prompt_tokens"],
        "gate": pipe.gate.calibration if pipe.gate else None,
    }
    rows = [
        ("accuracy, test_unseen", f"{fig['acc_test_unseen']:.0%} [{u['accuracy_ci'][0]:.0%}, {u['accuracy_ci'][1]:.0%}]", ">= 50%", fig["acc_test_unseen"] >= 0.5),
        ("accuracy, test_seen", f"{fig['acc_test_seen']:.0%}", ">= 50%", fig["acc_test_seen"] >= 0.5),
        (f"accuracy, multi_doc (n={len(multi)})", f"{fig['acc_multi_doc']:.0%}", ">= 30%", fig["acc_multi_doc"] >= 0.3),
        ("document recall@1, test_unseen", f"{fig['recall1_test_unseen']:.2f}", ">= 0.85", fig["recall1_test_unseen"] >= 0.85),
        ("abstention, unanswerable", f"{fig['abstention_unanswerable']:.0%}", ">= 60%", fig["abstention_unanswerable"] >= 0.6),
        ("false abstention, answerable", f"{fig['false_abstention']:.0%}", "<= 10%", fig["false_abstention"] <= 0.10),
        ("retrieval per question (median)", f"{fig['retrieval_ms_median']:.1f} ms", "< 25 ms", fig["retrieval_ms_median"] < 25),
        ("prompt tokens (test_unseen, mean)", f"{fig['prompt_tokens']:.0f}", "<= 395", fig["prompt_tokens"] <= 395),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\nRAG quality, full splits ({os.cpu_count()} CPUs), settings {fig['settings']}")
    for name, value, target, ok in rows:
        print(f"  {name:<{width}}  {value:<22} {target:<8} {'ok' if ok else 'MISSED'}")

    if not args.no_ablation:
        una = splits["unanswerable"]
        ans = [q for q in splits["test_unseen"] if q.answers]
        steps = [
            ("baseline (dense, 2 chunks)", RagPipeline.baseline(model, tokenizer, base_index, groups=ALL, cache=True)),
            ("+ hybrid search", RagPipeline(model, tokenizer, base_index, groups=ALL, k=2, units=None, abstain=False, cache=True)),
            ("+ compression (1 doc)", RagPipeline(model, tokenizer, base_index, groups=ALL, abstain=False, cache=True)),
        ]
        if index is not base_index:
            steps.append(("+ tuned retriever", RagPipeline(model, tokenizer, index, groups=ALL, abstain=False, cache=True)))
        steps.append(("+ abstention gate", pipe))
        res = run_ablation(steps, ans, una, progress=False)
        orc = oracle(RagPipeline(model, tokenizer, index, groups=ALL, abstain=False, cache=True), ans)
        print("\nAblation on test_unseen (answerable) + unanswerable:")
        print(format_table([r.row for r in res]))
        print(f"oracle (gold document, same compression): {orc.metrics['accuracy']:.0%}")
        fig["ablation"] = [r.row for r in res]
        fig["oracle"] = orc.metrics["accuracy"]
    if args.json:
        Path(args.json).write_text(json.dumps(fig, indent=1, default=float))
    return 0 if all(r[3] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
