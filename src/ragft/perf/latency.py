"""Where the time of one answer goes: embedding, search, compression, prefill and decode.

A transformer answers in two phases. **Prefill** reads the whole prompt in one forward pass (its cost
grows with the prompt's length) and yields the first new token; **decode** then produces the other
tokens one forward pass each (its cost grows with the answer's length). A RAG system adds, before
both, embedding the question and searching the index, and, in this course, picking the lines that go
into the prompt (compression) and the abstention gate's check.

:func:`latency_breakdown` times each part for one question at a time (the way a user waits for an
answer), with every system made to write the *same* number of new tokens, so that the systems differ
only in what they must read. Prefill is timed as a generation of one token; decode is the rest of a
generation forced to ``new_tokens`` tokens (``min_new_tokens``): both through ``model.generate``, the
library's own loop. Time to first token = retrieval parts + prefill.

:func:`throughput` answers the same prompts in batches of different sizes (new tokens per second).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence
from typing import Any

#: the parts of one answer's time, in the order they happen
PARTS = ("embed_ms", "search_ms", "compress_ms", "prefill_ms", "decode_ms")
SYSTEMS = ("closed_book", "rag", "ft", "ft_rag")


def _time_generate(model, tokenizer, text: str, n_tokens: int, repeats: int) -> tuple[float, int, int]:
    """Median seconds of a greedy generation of exactly ``n_tokens`` new tokens; (seconds, prompt tokens, new)."""
    import torch

    enc = tokenizer(text, return_tensors="pt", add_special_tokens=False).to(model.device)
    kwargs = dict(max_new_tokens=n_tokens, min_new_tokens=n_tokens, do_sample=False, temperature=None, top_p=None,
                  top_k=None, pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id)
    times, new = [], 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(**enc, **kwargs)
        times.append(time.perf_counter() - t0)
        new = out.shape[1] - enc["input_ids"].shape[1]
    return statistics.median(times), int(enc["input_ids"].shape[1]), int(new)


def time_answer(model, tokenizer, prompt, *, new_tokens: int = 16, repeats: int = 1) -> dict[str, float]:
    """Prefill and decode time of one prompt (chat messages or a string), forced to ``new_tokens`` tokens."""
    from ..models import chat_text

    if new_tokens < 2:
        raise ValueError(f"new_tokens must be at least 2 (one for prefill, the rest for decode), got {new_tokens}")
    text = chat_text(tokenizer, prompt)
    first, n_prompt, _ = _time_generate(model, tokenizer, text, 1, repeats)
    full, _, n_new = _time_generate(model, tokenizer, text, new_tokens, repeats)
    return {"prefill_ms": 1000 * first, "decode_ms": 1000 * max(0.0, full - first), "prompt_tokens": n_prompt,
            "new_tokens": n_new}


def _answerable(questions, pipe, n: int) -> tuple[list, list, list]:
    """The first ``n`` answerable questions the abstention gate lets through: the questions, their prepared
    prompts, and the retrieval time of each (prepared one question at a time, as a user asks)."""
    keep, prepared, retrieval = [], [], []
    for q in questions:
        if q.type == "unanswerable" or not q.answers:
            continue
        out, ms = pipe.prepare([q.question])
        if out[0].decision is not None and out[0].decision.abstain:
            continue
        keep.append(q)
        prepared.append(out[0])
        retrieval.append({"embed_ms": ms["embed_ms"], "search_ms": ms["search_ms"],
                          "compress_ms": ms["compress_ms"] + ms["gate_ms"]})
        if len(keep) == n:
            break
    return keep, prepared, retrieval


def latency_breakdown(systems: Sequence[str] = SYSTEMS, *, n_questions: int = 8, new_tokens: int = 16,
                      split: str = "test_unseen", repeats: int = 1, merge_adapter: bool = True,
                      progress: bool = True, reuse: Sequence[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    """One row per (system, question): the time of each part of an answer, in ms, one question at a time.

    The questions are the first ``n_questions`` answerable ones of ``split`` that the RAG system's
    abstention gate lets through (a refused question has no generation to time). Retrieval is the
    comparison's own (:func:`ragft.compare.rag_pipeline` over the cached index, default settings), and
    the fine-tuned systems use the comparison's knowledge adapter, merged into the weights as one would
    deploy it (``merge_adapter=False`` keeps the LoRA layers separate, which costs extra time per token).
    ``reuse`` takes rows of an earlier call with the same settings: a (system, question) already timed there is
    not timed again.
    """
    from tqdm.auto import tqdm

    from ..compare import Backend, CompareConfig, cached_index, knowledge_adapter, rag_pipeline
    from ..data import load_questions
    from ..finetune import load_finetuned
    from ..models import load_generator
    from ..rag import build_closed_book_prompt

    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        raise ValueError(f"unknown system(s) {unknown}; choose from {', '.join(SYSTEMS)}")
    if n_questions < 1:
        raise ValueError(f"n_questions must be at least 1, got {n_questions}")
    cfg = CompareConfig(systems=tuple(s for s in SYSTEMS if s != "raft"), progress=False)
    index, _ = cached_index("v1", cfg)
    pipe = rag_pipeline(index, cfg)
    index.embedder.embed_queries(["warm-up"])  # load the embedder before the clock starts
    questions, prepared, retrieval = _answerable(load_questions(split), pipe, n_questions)
    done = {(r["system"], r["id"]): r for r in reuse if r.get("new_tokens") == new_tokens}
    models: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    bar = tqdm(total=len(systems) * len(questions), desc="timing answers", disable=not progress)
    for system in systems:
        if all((system, q.id) in done for q in questions):
            rows += [done[(system, q.id)] for q in questions]
            bar.update(len(questions))
            continue
        adapter = system in ("ft", "ft_rag")
        key = "ft" if adapter else "base"
        if key not in models:
            models.clear()
            if adapter:
                tr = knowledge_adapter(cfg, Backend())
                models[key] = load_finetuned(tr.adapter_dir, merge=merge_adapter)
            else:
                models[key] = load_generator(progress=False)
        model, tokenizer = models[key]
        trained = getattr(model, "ragft_prompt", None)
        warm = True
        for q, p, r in zip(questions, prepared, retrieval):
            if (system, q.id) in done:
                rows.append(done[(system, q.id)])
                bar.update()
                continue
            if system in ("rag", "ft_rag"):
                prompt, parts = p.prompt, dict(r)
            elif adapter:
                prompt, parts = (trained.messages(q.question) if trained else q.question), dict.fromkeys(r, 0.0)
            else:
                prompt, parts = build_closed_book_prompt(q.question), dict.fromkeys(r, 0.0)
            if warm:  # the first call of a model pays one-off costs (memory allocation): not part of an answer
                time_answer(model, tokenizer, prompt, new_tokens=2)
                warm = False
            t = time_answer(model, tokenizer, prompt, new_tokens=new_tokens, repeats=repeats)
            row = {"system": system, "id": q.id, **parts, **t}
            row["ttft_ms"] = row["embed_ms"] + row["search_ms"] + row["compress_ms"] + row["prefill_ms"]
            row["total_ms"] = sum(row[k] for k in PARTS)
            rows.append(row)
            bar.update()
    bar.close()
    return rows


def _totals(rows: Sequence[dict[str, Any]], system: str) -> dict[str, float]:
    out = {r["id"]: float(r["total_ms"]) for r in rows if r["system"] == system}
    if not out:
        raise ValueError(f"no rows for system {system!r}; time it with latency_breakdown(({system!r}, ...))")
    return out


def paired_latency(rows: Sequence[dict[str, Any]], a: str, b: str, *, prefix: str = "diff_ms", seed: int = 0) -> dict[str, float]:
    """The paired difference of answer time, ``a - b`` in ms per question, over the questions both answered:
    ``{prefix: mean, prefix_lo: low, prefix_hi: high}`` (the 95% bootstrap interval of
    :func:`ragft.metrics.compare_paired`, the same rule as for accuracy)."""
    from ..metrics import compare_paired

    ta, tb = _totals(rows, a), _totals(rows, b)
    ids = [i for i in ta if i in tb]
    if not ids:
        raise ValueError(f"{a!r} and {b!r} answered no question in common; time both on the same questions")
    d = compare_paired([ta[i] for i in ids], [tb[i] for i in ids], seed=seed)
    return {prefix: float(d["diff"]), f"{prefix}_lo": float(d["ci"][0]), f"{prefix}_hi": float(d["ci"][1])}


def retrieval_share_of_delay(rows: Sequence[dict[str, Any]], rag: str = "rag", closed_book: str = "closed_book") -> float:
    """How much of RAG's extra time over closed book is the search (embedding the question + searching):
    mean retrieval ms / mean (RAG - closed book) ms over the questions both answered; ``nan`` when RAG is not
    slower (there is no delay to explain)."""
    retrieval = {r["id"]: float(r["embed_ms"] + r["search_ms"]) for r in rows if r["system"] == rag}
    tr, tc = _totals(rows, rag), _totals(rows, closed_book)
    ids = [i for i in tr if i in tc]
    delay = sum(tr[i] - tc[i] for i in ids) / len(ids) if ids else 0.0
    if delay <= 0:
        return math.nan
    return sum(retrieval[i] for i in ids) / len(ids) / delay


def summarize_latency(rows: Sequence[dict[str, Any]]):
    """Median of each part per system (a pandas DataFrame, one row per system, in the order measured)."""
    import pandas as pd

    df = pd.DataFrame(rows)
    cols = [*PARTS, "ttft_ms", "total_ms", "prompt_tokens", "new_tokens"]
    order = list(dict.fromkeys(df["system"]))
    return df.groupby("system")[cols].median().loc[order]


def plot_latency(summary, labels: dict[str, str] | None = None):
    """Stacked horizontal bars: each system's median answer time split into its parts. Returned closed."""
    import matplotlib.pyplot as plt

    labels = labels or {}
    names = {"embed_ms": "embed question", "search_ms": "search", "compress_ms": "compress + gate",
             "prefill_ms": "prefill (read prompt)", "decode_ms": "decode (write answer)"}
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(summary) + 1.6))
    left = [0.0] * len(summary)
    ylabels = [f"{labels.get(s, s)} ({int(summary.loc[s, 'prompt_tokens'])} prompt tokens)" for s in summary.index]
    for part in PARTS:
        vals = summary[part].tolist()
        ax.barh(ylabels, vals, left=left, label=names[part])
        left = [a + b for a, b in zip(left, vals)]
    ax.invert_yaxis()
    ax.set_xlabel("median ms per answer (one question at a time, same number of new tokens)")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    plt.close(fig)
    return fig


def throughput(prompts: Sequence, *, batch_sizes: Sequence[int] = (1, 4, 16), max_new_tokens: int = 16,
               model=None, tokenizer=None, progress: bool = True) -> list[dict[str, float]]:
    """New tokens per second when the same prompts are answered in batches of each size (greedy)."""
    from tqdm.auto import tqdm

    from ..models import generate, load_generator

    if model is None:
        model, tokenizer = load_generator(progress=False)
    generate(model, tokenizer, list(prompts[:1]), max_new_tokens=2, batch_size=1)  # warm-up
    rows = []
    for bs in tqdm(batch_sizes, desc="batch sizes", disable=not progress):
        gen = generate(model, tokenizer, list(prompts), max_new_tokens=max_new_tokens, batch_size=bs)
        rows.append({"batch_size": bs, "seconds": gen.seconds, "new_tokens": sum(gen.new_tokens),
                     "tokens_per_s": gen.tokens_per_second, "ms_per_answer": 1000 * gen.seconds / len(prompts)})
    return rows
