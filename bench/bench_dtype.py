"""float32 vs bfloat16 (RAGFT_DTYPE): prefill and batched-decode speed of the generator, and the peak
memory of one LoRA training step on RAFT-length prompts with and without the selective LM head.

    python bench/bench_dtype.py                 # one thread (RAGFT_THREADS=1) unless RAGFT_THREADS is set
    python bench/bench_dtype.py --quick         # smaller batches, for a smoke run
    python bench/bench_dtype.py --only-micro    # the training steps only: one pass against micro-batches

Every configuration runs in its own subprocess, so each peak RSS (``resource.getrusage``) is that
configuration's alone. The training step is ``ragft.finetune.train_lora`` on 8 synthetic RAFT-shaped
examples (system prompt, four retrieved passages and a question, a one-sentence answer; about 500
tokens each) with the RAFT adapter's settings (rank 16, every projection of the top 12 layers), one
step of batch 8, in one pass and split into micro-batches of 4 and 2 (gradient accumulation).
bfloat16 is only fast on a CPU with native bfloat16 (the ``amx_bf16`` or
``avx512_bf16`` flag in /proc/cpuinfo); the script prints whether this one has it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from ragft import config

DTYPES = ("float32", "bfloat16")


def _raft_examples(n: int, target_tokens: int, tokenizer) -> list[dict]:
    """RAFT-shaped chat examples of about ``target_tokens`` tokens: retrieved passages + question, a short answer."""
    sentence = ("Spokewise {i} frames are welded in the Lyon workshop and each one is checked for alignment "
                "before it is painted, packed and shipped to the shop that ordered it.")

    def example(k: int, n_passages: int) -> dict:
        passages = [f"[{p + 1}] Frame handbook, section {p + 1}\n"
                    + " ".join(sentence.format(i=4 * p + j + 10 * k) for j in range(2)) for p in range(n_passages)]
        user = ("Answer the question from the passages below. If they do not say, answer \"I don't know\".\n\n"
                + "\n\n".join(passages) + f"\n\nQuestion: Where are frames of series {k} welded?")
        return {"messages": [{"role": "system", "content": "You answer from the given passages only."},
                             {"role": "user", "content": user},
                             {"role": "assistant", "content": "They are welded in the Lyon workshop [1]."}]}

    def length(ex: dict) -> int:
        return len(tokenizer(tokenizer.apply_chat_template(ex["messages"], tokenize=False),
                             add_special_tokens=False)["input_ids"])

    examples = []
    for k in range(n):
        n_passages = 1
        while length(example(k, n_passages + 1)) <= target_tokens:
            n_passages += 1
        examples.append(example(k, n_passages))
    return examples


def child_speed(dtype: str, quick: bool) -> dict:
    import torch

    from ragft import models

    model, tokenizer = models.load_generator(progress=False, dtype=dtype)
    prompts = [f"Tell me one fact about the number {i}." for i in range(8)]
    long_prompt = " ".join(f"Line {i}: the workshop checks every frame for alignment." for i in range(40))
    enc = tokenizer([long_prompt] * (2 if quick else 4), return_tensors="pt")
    with torch.inference_mode():
        model(**enc)  # warm-up
        best = float("inf")
        for _ in range(2 if quick else 3):
            t0 = time.perf_counter()
            model(**enc)
            best = min(best, time.perf_counter() - t0)
    prefill = enc["input_ids"].numel() / best
    models.generate(model, tokenizer, prompts[:2], max_new_tokens=4)  # warm-up
    gen = models.generate(model, tokenizer, prompts, max_new_tokens=16 if quick else 32, batch_size=len(prompts))
    return {"dtype": dtype, "prefill_tps": prefill, "prefill_tokens": int(enc["input_ids"].numel()),
            "decode_tps": gen.tokens_per_second, "decode_tokens": sum(gen.new_tokens), "peak_rss_mb": config.peak_rss_mb()}


def child_train(dtype: str, selective: bool, quick: bool, micro: int | None = None) -> dict:
    os.environ["RAGFT_DTYPE"] = dtype
    from transformers import AutoConfig

    from ragft import models
    from ragft.finetune import train as ft_train
    from ragft.finetune.train import top_layer_modules

    n, length = (4, 256) if quick else (8, 512)
    tokenizer = ft_train._base_tokenizer()  # the chat template alone; train_lora loads the weights
    examples = _raft_examples(n, length, tokenizer)
    n_layers = AutoConfig.from_pretrained(models.generator_cache_dir()).num_hidden_layers
    encoded = [ft_train.encode_example(tokenizer, ex, max_length=10_000) for ex in examples]
    lengths = [len(e["input_ids"]) for e in encoded]
    supervised = sum(sum(1 for lab in e["labels"] if lab != -100) for e in encoded)
    before = config.peak_rss_mb()
    with tempfile.TemporaryDirectory() as out:
        result = ft_train.train_lora(examples, output_dir=os.path.join(out, "adapter"), epochs=1, batch_size=n,
                                     max_length=max(lengths), rank=16, alpha=32,
                                     target_modules=top_layer_modules(n_layers, 12, ft_train.ALL_LINEAR),
                                     progress=False, selective_head=selective, micro_batch_size=micro)
    return {"dtype": dtype, "selective": selective, "micro": micro or n, "peak_rss_mb": config.peak_rss_mb(), "rss_before_mb": before,
            "step_s": result.seconds, "loss": result.final_loss, "steps": result.steps, "batch": n,
            "tokens": max(lengths), "supervised": supervised}


def _run_child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches (a smoke run)")
    parser.add_argument("--only-micro", action="store_true",
                        help="training steps only: float32 in one pass against the micro-batched ones")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("RAGFT_THREADS", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.child:
        kind, dtype, *rest = args.child
        quick = "quick" in rest
        micro = next((int(r.removeprefix("micro")) for r in rest if r.startswith("micro")), None)
        out = child_speed(dtype, quick) if kind == "speed" else child_train(dtype, "selective" in rest, quick, micro)
        print(json.dumps(out))
        return

    from ragft import precision

    flags = sorted(precision.cpu_flags() & set(precision.NATIVE_BF16_FLAGS))
    print(f"CPU native bfloat16: {', '.join(flags) or 'no'} (auto resolves to {precision.resolve('auto')}); "
          f"RAGFT_THREADS={os.environ['RAGFT_THREADS']}, {os.cpu_count()} CPUs")
    extra = ["quick"] if args.quick else []
    start = time.perf_counter()
    if not args.only_micro:
        speed = {d: _run_child(["speed", d, *extra]) for d in DTYPES}
        print(f"\n{'generation':<12} {'prefill tok/s':>14} {'batched decode tok/s':>21}")
        for d in DTYPES:
            s = speed[d]
            print(f"{d:<12} {s['prefill_tps']:>14.0f} {s['decode_tps']:>21.1f}")
        print(f"(prefill: {speed['float32']['prefill_tokens']} prompt tokens in one forward pass, best of runs; "
              f"decode: {speed['float32']['decode_tokens']} new tokens for a batch of 8, prefill included)")

    # (dtype, selective head, micro-batch): the batch of 8 in one pass, and split into micro-batches whose
    # gradients are accumulated (train_lora(micro_batch_size=...), what the RAFT recipe uses)
    configs = [(d, sel, None) for d in DTYPES for sel in (False, True)]
    configs += [(d, True, m) for d in DTYPES for m in ((2,) if args.quick else (4, 2))]
    if args.only_micro:
        configs = [c for c in configs if c[2] is not None or (c[0] == "float32" and c[1])]
    train = [_run_child(["train", d, *(["selective"] if sel else []), *([f"micro{m}"] if m else []), *extra])
             for d, sel, m in configs]
    t0 = train[0]
    print(f"\nLoRA training step: batch {t0['batch']} x {t0['tokens']} tokens ({t0['supervised']} supervised), "
          "rank 16 on the top 12 layers")
    print(f"{'dtype':<10} {'LM head':<11} {'micro-batch':>11} {'peak RSS MB':>12} {'before MB':>10} {'step s':>8} "
          f"{'loss':>8}")
    for t in train:
        head = "selective" if t["selective"] else "full"
        print(f"{t['dtype']:<10} {head:<11} {t['micro']:>11} {t['peak_rss_mb']:>12.0f} {t['rss_before_mb']:>10.0f} "
              f"{t['step_s']:>8.1f} {t['loss']:>8.4f}")
    print("(peak RSS: the whole subprocess, model load included; 'before': after the imports and the tokenizer, "
          "before train_lora)")
    print(f"\nbench took {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
