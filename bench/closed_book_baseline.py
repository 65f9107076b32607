"""Closed-book baseline: how many test questions does the base model answer without any documents?

The course corpus is about an invented company, so a model that has never seen it should score
close to zero. The data card promises at most 10 %; this script measures it::

    python bench/closed_book_baseline.py            # test_seen + test_unseen, greedy, batch 16
    python bench/closed_book_baseline.py --limit 20 --show 5

Each question is sent as a plain chat prompt (no system prompt, no context) and scored with
:func:`ragft.metrics.answer_correct` (normalised containment of any accepted alias). Answers are
scored against the v1 knowledge base.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

from ragft import data


def score(answer: str, aliases: list[str]) -> bool:
    try:
        from ragft.metrics import answer_correct
    except ImportError:  # metrics needs numpy; fall back to the same rule
        return any(data.contains(answer, a) for a in aliases)
    return answer_correct(answer, aliases)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--splits", nargs="+", default=["test_seen", "test_unseen"])
    ap.add_argument("--limit", type=int, default=None, help="only the first N questions (smoke test)")
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--show", type=int, default=0, help="print N example answers")
    ap.add_argument("--json", type=Path, default=None, help="write every answer and score to this file")
    args = ap.parse_args(argv)

    from ragft.models import generate, load_generator

    questions = data.load_questions(split=args.splits)
    if args.limit:
        questions = questions[: args.limit]
    model, tokenizer = load_generator()
    start = time.perf_counter()
    gen = generate(model, tokenizer, [q.question for q in questions], max_new_tokens=args.max_new_tokens,
                   batch_size=args.batch_size, progress="closed book")
    seconds = time.perf_counter() - start

    total, right = Counter(), Counter()
    rows = []
    for q, answer in zip(questions, gen.texts, strict=True):
        ok = score(answer, q.answers)
        for key in (q.split, f"type:{q.type}", "overall"):
            total[key] += 1
            right[key] += ok
        rows.append({"id": q.id, "split": q.split, "type": q.type, "question": q.question, "answers": q.answers,
                     "model_answer": answer, "correct": ok})

    print(f"closed-book accuracy ({len(questions)} questions, {seconds:.0f} s)")
    for key in [*args.splits, *sorted(k for k in total if k.startswith("type:")), "overall"]:
        if total[key]:
            print(f"  {key:<20} {right[key]:>3}/{total[key]:<3} = {right[key] / total[key]:6.1%}")
    hits = [r for r in rows if r["correct"]]
    if hits:
        print("correct answers (check they are not accidental matches):")
        for r in hits:
            print(f"  {r['id']} {r['question']!r} -> {r['model_answer'][:100]!r} (gold {r['answers'][0]!r})")
    for r in rows[: args.show]:
        print(f"  {r['id']} {r['question']}\n     -> {r['model_answer'][:160]!r}   gold {r['answers'][0]!r}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    overall = right["overall"] / total["overall"] if total["overall"] else 0.0
    return 0 if overall <= 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
