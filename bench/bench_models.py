"""Generator load times (first load de-quantizes the GGUF, later loads hit the cache) and
batched vs one-by-one generation throughput.

    python bench/bench_models.py
"""

from __future__ import annotations

import os
import tempfile
import time


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["RAGFT_CACHE_DIR"] = cache  # a cold cache, so the first load really de-quantizes
        from ragft import models

        model, tokenizer = models.load_generator(progress=False)
        cold = models.last_load.seconds
        warm = []
        for _ in range(3):
            model, tokenizer = models.load_generator(progress=False)
            warm.append(models.last_load.seconds)
        questions = [f"Give one fact about the number {i}." for i in range(32)]
        models.generate(model, tokenizer, questions[:2], max_new_tokens=4)  # warm-up
        t0 = time.perf_counter()
        single = models.generate(model, tokenizer, questions, max_new_tokens=32, batch_size=1)
        batched = models.generate(model, tokenizer, questions, max_new_tokens=32, batch_size=32)
        elapsed = time.perf_counter() - t0
    print(f"{'generator first load (de-quantize + cache)':<48} {cold:8.2f} s")
    print(f"{'generator load from cache (best of 3)':<48} {min(warm):8.2f} s")
    print(f"{'one by one, 32 questions':<48} {single.seconds:8.2f} s  {single.tokens_per_second:6.1f} tok/s")
    print(f"{'batch of 32, same questions':<48} {batched.seconds:8.2f} s  {batched.tokens_per_second:6.1f} tok/s")
    print(f"{'speed-up':<48} {single.seconds / batched.seconds:8.2f} x   (bench took {elapsed:.0f} s)")


if __name__ == "__main__":
    main()
