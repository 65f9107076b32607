"""The knowledge base in the prompt: the baseline with neither retrieval nor training.

A 2026 engineer's first try is often no RAG and no fine-tuning at all: put the documents in the prompt of a
model with a long context. This module measures that on the course's questions. As many whole documents as
the generator's context holds (after room for the question and the answer) go into one prompt, in a fixed
order (by document id), so every question shares the same long prefix. Its key/value cache is computed once,
in chunks (the *prefill*), and reused for each question, which is what a provider's prompt cache does for a
shared prefix (see ``cached_input_per_million`` in ``ragft/cost/prices.toml``): each question then costs
only its own tokens and its answer, although every new token still attends to the whole prefix.

The knowledge base is larger than the bundled model's context (8,192 tokens), so this is also where the
approach breaks: a question about a document that did not fit cannot be answered. :func:`answer` reports the
two groups apart, and the lab compares the first with RAG on the same questions.

Answers are cached in ``<cache>/longcontext/`` (one file per model, prefix and settings), so a second run of
the lab reads them back; the prefill and answer times recorded are those of the run that generated them.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import config

#: the tokens kept free after the documents: the question (the course's longest is well under 64) and the answer
RESERVE_TOKENS = 128
#: the prefill runs in pieces of this many tokens, so no attention matrix covers the whole prefix at once
PREFILL_CHUNK = 1024
_SLOT = "\u2063QUESTION\u2063"  # a marker no question contains, where the question goes in the rendered prompt


@dataclass
class Packed:
    """The documents that fit in the prompt, and the prompt's shared prefix."""

    doc_ids: list[str]
    prefix_ids: list[int]
    suffix_text: str      # what follows the question in the rendered prompt (the end of the user turn, the reply header)
    context_limit: int    # the generator's context length
    kb_docs: int          # documents in the knowledge base
    kb_tokens: int        # their tokens, all of them

    @property
    def prefix_tokens(self) -> int:
        return len(self.prefix_ids)


def context_limit(model, default: int = 2048) -> int:
    """The generator's context length in tokens (``max_position_embeddings`` of its configuration)."""
    return int(getattr(model.config, "max_position_embeddings", None) or default)


def pack(docs: Sequence, tokenizer, *, limit: int, reserve: int = RESERVE_TOKENS, template: str | None = None) -> Packed:
    """Whole documents, in id order, while the rendered prompt stays within ``limit - reserve`` tokens.

    The prompt is the RAG prompt of ``template`` (the course's default) with every packed document as a
    source, so the only difference from RAG is what is in the sources: everything that fits, not what the
    search found.
    """
    from .models import chat_text
    from .rag.prompts import get_template

    if limit <= reserve:
        raise ValueError(f"a context of {limit} tokens leaves no room for documents after {reserve} reserved tokens")
    tpl = get_template(template)
    ordered = sorted(docs, key=lambda d: d.id)
    pieces = [tpl.source_format.format(n=i, label=d.title, text=d.text, doc_id=d.id) for i, d in enumerate(ordered, 1)]
    kb_tokens = sum(len(tokenizer(p, add_special_tokens=False)["input_ids"]) for p in pieces)

    def render(n: int) -> tuple[list[int], str]:
        messages = []
        if tpl.system:
            messages.append({"role": "system", "content": tpl.system})
        messages.append({"role": "user", "content": tpl.user.format(sources="\n\n".join(pieces[:n]), question=_SLOT)})
        head, tail = chat_text(tokenizer, messages).split(_SLOT)
        return tokenizer(head, add_special_tokens=False)["input_ids"], tail

    lo, hi = 0, len(pieces)  # the largest n whose prefix fits: prefix length grows with n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(render(mid)[0]) <= limit - reserve:
            lo = mid
        else:
            hi = mid - 1
    prefix, tail = render(lo)
    return Packed(doc_ids=[d.id for d in ordered[:lo]], prefix_ids=prefix, suffix_text=tail, context_limit=limit,
                  kb_docs=len(ordered), kb_tokens=kb_tokens)


@dataclass
class LongContextRun:
    """The answers to ``questions`` with the packed documents in the prompt, and what they cost."""

    packed: Packed
    ids: list[str]
    answers: list[str]
    in_context: list[bool]  # the question's source document is among the packed ones
    prompt_tokens: list[int]
    new_tokens: list[int]
    prefill_s: float
    answer_s: list[float]
    cached: bool = False
    dtype: str = ""
    info: dict = field(default_factory=dict)

    def scores(self, questions: Sequence) -> list[dict]:
        from .metrics import score_answer

        by_id = {q.id: q for q in questions}
        return [score_answer(a, by_id[i]) for i, a in zip(self.ids, self.answers)]


def _key(model_id: str, packed: Packed, questions: Sequence, max_new_tokens: int, dtype: str) -> str:
    blob = json.dumps({"m": model_id, "p": hashlib.sha256(json.dumps(packed.prefix_ids).encode()).hexdigest(),
                       "s": packed.suffix_text, "q": [q.question for q in questions], "n": max_new_tokens, "d": dtype,
                       "v": 1}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


_PREFILLED: dict = {}  # the last prefix's cache in this process: (model, prefix) -> (cache, seconds)


def _prefill(model, packed: Packed, progress: bool):
    """The key/value cache of the shared prefix, computed in chunks, and its time; kept for the next call in this
    process (a second batch of questions on the same prefix does not pay it again: its time is then 0)."""
    import torch
    from tqdm.auto import tqdm
    from transformers import DynamicCache

    key = (id(model), hashlib.sha256(json.dumps(packed.prefix_ids).encode()).hexdigest())
    if key in _PREFILLED:
        return _PREFILLED[key][0], 0.0
    _PREFILLED.clear()  # one long prefix at a time: each takes hundreds of MB
    device = next(model.parameters()).device
    cache = DynamicCache()
    start = time.perf_counter()
    prefix = torch.tensor([packed.prefix_ids], device=device)
    for s in tqdm(range(0, prefix.shape[1], PREFILL_CHUNK), desc="prefill", disable=not progress):
        model(input_ids=prefix[:, s:s + PREFILL_CHUNK], past_key_values=cache, use_cache=True)
    seconds = time.perf_counter() - start
    _PREFILLED[key] = (cache, seconds)
    return cache, seconds


def answer(questions: Sequence, docs: Sequence, *, model=None, tokenizer=None, max_new_tokens: int = 48,
           limit: int | None = None, progress: bool = True) -> LongContextRun:
    """Answer ``questions`` one at a time with as much of ``docs`` in the prompt as the context holds.

    Greedy decoding through ``model.generate`` continuing from the prefix's key/value cache, which is cropped
    back to the prefix after each question (so no question sees another's tokens). Cached on disk.
    ``prefill_s`` is 0 when this process had already computed the prefix (an earlier call on the same model).
    """
    import torch
    from tqdm.auto import tqdm

    from . import models, precision

    if model is None or tokenizer is None:
        model, tokenizer = models.load_generator(progress=False)
    packed = pack(docs, tokenizer, limit=limit or context_limit(model))
    dtype = str(next(model.parameters()).dtype).replace("torch.", "")
    folder = config.cache_dir() / "longcontext"
    path = folder / f"{_key(config.generator_name(), packed, questions, max_new_tokens, dtype)}.json"
    inside = set(packed.doc_ids)
    in_context = [bool(set(getattr(q, "doc_ids", []) or []) & inside) for q in questions]
    if path.is_file():
        rec = json.loads(path.read_text())
        return LongContextRun(packed=packed, ids=[q.id for q in questions], in_context=in_context, cached=True,
                              dtype=dtype, **{k: rec[k] for k in ("answers", "prompt_tokens", "new_tokens", "prefill_s",
                                                                 "answer_s")})
    device = next(model.parameters()).device
    eos = tokenizer.eos_token_id
    answers, prompt_tokens, new_tokens, answer_s = [], [], [], []
    with torch.inference_mode():
        cache, prefill_s = _prefill(model, packed, progress)
        for q in tqdm(questions, desc="long-context answers", disable=not progress):
            tail = tokenizer(q.question + packed.suffix_text, add_special_tokens=False)["input_ids"]
            ids = torch.tensor([packed.prefix_ids + tail], device=device)
            t0 = time.perf_counter()
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), past_key_values=cache,
                                 max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=eos)
            answer_s.append(time.perf_counter() - t0)
            extra = cache.get_seq_length() - packed.prefix_tokens
            if extra > 0:
                cache.crop(-extra)  # back to the shared prefix for the next question
            new = out[0, ids.shape[1]:].tolist()
            if eos in new:
                new = new[:new.index(eos)]
            answers.append(tokenizer.decode(new, skip_special_tokens=True).strip())
            prompt_tokens.append(ids.shape[1])
            new_tokens.append(len(new))
    rec = {"answers": answers, "prompt_tokens": prompt_tokens, "new_tokens": new_tokens, "prefill_s": prefill_s,
           "answer_s": answer_s, "doc_ids": packed.doc_ids, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
           "dtype": dtype, "precision": precision.resolve()}
    folder.mkdir(parents=True, exist_ok=True)
    config.write_atomic(path, json.dumps(rec, indent=1))
    return LongContextRun(packed=packed, ids=[q.id for q in questions], answers=answers, in_context=in_context,
                          prompt_tokens=prompt_tokens, new_tokens=new_tokens, prefill_s=prefill_s, answer_s=answer_s,
                          dtype=dtype)


def summary(run: LongContextRun, questions: Sequence) -> dict:
    """Accuracy with the source in the prompt and without, the prompt's size, and the time per answer."""
    scores = [s["correct"] for s in run.scores(questions)]
    inside = [c for c, i in zip(scores, run.in_context) if i]
    outside = [c for c, i in zip(scores, run.in_context) if not i]

    def share(xs):
        return sum(xs) / len(xs) if xs else float("nan")

    return {"n": len(scores), "n_in_context": len(inside), "accuracy_in_context": share(inside),
            "accuracy_not_in_context": share(outside), "docs_in_context": len(run.packed.doc_ids),
            "kb_docs": run.packed.kb_docs, "prefix_tokens": run.packed.prefix_tokens, "kb_tokens": run.packed.kb_tokens,
            "context_limit": run.packed.context_limit, "prefill_s": run.prefill_s,
            "answer_s_mean": sum(run.answer_s) / len(run.answer_s) if run.answer_s else float("nan"),
            "prompt_tokens_mean": sum(run.prompt_tokens) / len(run.prompt_tokens) if run.prompt_tokens else float("nan")}


__all__ = ["Packed", "LongContextRun", "answer", "context_limit", "pack", "summary", "RESERVE_TOKENS"]
