"""Cost of the course's LoRA runs on this machine: training time, trainable parameters, adapter size,
peak memory, and the effect each adapter has (on a small held-out sample).

    python bench/bench_finetune.py                  # all four recipes (about 5 minutes on 2 cores)
    python bench/bench_finetune.py --only format    # one of: knowledge, paraphrases, format, tickets

Every run trains from scratch into a temporary folder (the adapter cache is not used), so the times are
what a first run of a lab pays. Budgets: each run at most 4 minutes, peak memory under 4 GB.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time

BUDGET_S = 240
BUDGET_GB = 4.0


def _runs():
    from ragft import data
    from ragft.finetune import house_format_examples, knowledge_examples, recipes, ticket_examples

    return {
        "knowledge": (knowledge_examples(recipes.knowledge_questions()), recipes.KNOWLEDGE),
        "paraphrases": (knowledge_examples(recipes.knowledge_questions(), paraphrases=True), recipes.KNOWLEDGE_AUGMENTED),
        "format": (house_format_examples(recipes.house_format_train()), recipes.HOUSE_FORMAT),
        "tickets": (ticket_examples(recipes.tickets_train(), data.TICKET_LABELS), recipes.TICKETS),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["knowledge", "paraphrases", "format", "tickets"], action="append")
    args = parser.parse_args(argv)

    import torch

    from ragft.finetune import train_lora

    runs = _runs()
    chosen = args.only or list(runs)
    print(f"torch threads: {torch.get_num_threads()}")
    header = f"{'run':<12}{'examples':>9}{'steps':>7}{'train s':>9}{'s/step':>8}{'trainable':>12}{'%':>7}{'MB':>7}{'loss':>7}{'peak GB':>9}"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in chosen:
            examples, settings = runs[name]
            t0 = time.perf_counter()
            r = train_lora(examples, output_dir=f"{tmp}/{name}", progress=False, **settings)
            wall = time.perf_counter() - t0
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # KB on Linux -> GB
            rows.append(f"{name:<12}{r.n_examples:>9}{r.steps:>7}{r.seconds:>9.1f}{r.seconds / r.steps:>8.2f}"
                        f"{r.trainable_params:>12,}{r.trainable_percent:>7.2f}{r.adapter_mb:>7.1f}{r.final_loss:>7.3f}{peak:>9.2f}")
            print(rows[-1] if len(rows) > 1 else header + "\n" + rows[-1], flush=True)
            if wall > BUDGET_S:
                print(f"  over budget: {wall:.0f} s > {BUDGET_S} s")
            if peak > BUDGET_GB:
                print(f"  over budget: peak {peak:.2f} GB > {BUDGET_GB} GB")
    print("\n" + header + "\n" + "\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
