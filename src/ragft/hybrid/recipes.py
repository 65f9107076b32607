"""The hybrids' two training recipes, defined once: the RAFT reader and the house-format adapter for RAG prompts.

Both train on prompts the course's RAG builds (:mod:`ragft.hybrid.raft`, :mod:`ragft.hybrid.formatting`),
with the comparison's settings (a :class:`ragft.compare.CompareConfig`) and through its backend
(:class:`ragft.compare.Backend`: the real trainer, or a stand-in in the tests), so the labs, the
comparison and the benchmarks reuse one cached adapter each. The knowledge recipes live in
:mod:`ragft.finetune.recipes`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .formatting import answer_line, format_rag_examples
from .raft import raft_examples

if TYPE_CHECKING:
    from ..compare.backend import Backend
    from ..compare.settings import CompareConfig


def raft_training_examples(cfg: CompareConfig, index) -> list:
    """RAFT examples (see :mod:`ragft.hybrid.raft`) for the answerable train questions (a seeded sample of
    ``raft["n_questions"]`` of them when that is set), laid out with ``cfg``'s template and passage size."""
    from ..compare.questions import stratified_sample
    from ..data import load_questions

    train = [q for q in load_questions("train", root=cfg.data_root) if q.answers]
    n = cfg.raft.get("n_questions")
    if n and n < len(train):
        train = stratified_sample(train, int(n), random.Random(cfg.seed))
    r = cfg.raft
    return raft_examples(train, index, p_oracle=float(r["p_oracle"]), max_distractors=int(r["max_distractors"]),
                         without_oracle=str(r["without_oracle"]), units=int(r.get("units") or cfg.units or 3),
                         search=cfg.search, seed=cfg.seed, template=cfg.template)



def fit_length(settings: dict, examples: Sequence[dict], backend: Backend, limit: int) -> tuple[list[dict], dict, int]:
    """Drop examples longer than ``limit`` tokens and set ``max_length`` to the longest kept one (no answer is
    cut off by truncation). Returns the kept examples, facts about them and the model's number of layers."""
    try:
        model, tokenizer = backend.load(None)
        n_layers = int(model.config.num_hidden_layers)
        lengths = [len(tokenizer(tokenizer.apply_chat_template(ex["messages"], tokenize=False),
                                 add_special_tokens=False)["input_ids"]) for ex in examples]
        del model
    except AttributeError:  # a stand-in backend without a real model
        n_layers, lengths = 0, [0] * len(examples)
    kept = [ex for ex, n in zip(examples, lengths, strict=True) if n <= limit]
    if not kept:
        raise ValueError(f"every training example is longer than {limit} tokens; raise max_tokens or lower k")
    kept_lengths = [n for n in lengths if n <= limit]
    if "max_length" not in settings:
        settings["max_length"] = int(np.ceil((max(kept_lengths) + 1) / 32) * 32) if max(kept_lengths) else 1024
    info = {"dropped_too_long": len(examples) - len(kept), "used": len(kept), "mean_tokens": float(np.mean(kept_lengths))}
    return kept, info, n_layers


def raft_adapter(cfg: CompareConfig, backend: Backend, index):
    """Train (or reuse) the RAFT adapter. Returns ``(TrainResult, info)``.

    Examples longer than ``raft["max_tokens"]`` are dropped (``max_length`` is set to the longest one kept),
    and LoRA goes on every linear projection of the top ``raft["top_layers"]`` layers only: the backward
    pass then stops at the lowest adapted layer instead of running through the whole network.
    """
    from ..finetune.recipes import train_options
    from ..finetune.train import ALL_LINEAR, top_layer_modules

    examples = raft_training_examples(cfg, index)
    settings = {k: v for k, v in cfg.raft.items()
                if k not in ("n_questions", "p_oracle", "max_distractors", "without_oracle", "units")}
    info = {"questions": len(examples), "with_oracle": sum(ex.has_oracle for ex in examples)}
    kept, fit, n_layers = fit_length(settings, [ex.to_example() for ex in examples], backend,
                                      int(settings.pop("max_tokens", 512)))
    info.update(fit)
    top = int(settings.pop("top_layers", 0) or 0)
    if top and n_layers and "target_modules" not in settings:
        settings["target_modules"] = top_layer_modules(n_layers, top, ALL_LINEAR)
    result = backend.train("raft", kept, progress=cfg.progress, **train_options(settings, cfg.seed))
    return result, info


def format_adapter(cfg: CompareConfig, backend: Backend, pipe, training: tuple | None = None):
    """Train (or reuse) the house-format adapter that reads retrieved text. Returns ``(TrainResult, info)``.

    Its examples are house-format training replies, each under the RAG prompt ``pipe`` builds for its
    question (:func:`ragft.hybrid.formatting.format_rag_examples`): as many as the fine-tuning lab uses,
    chosen among the replies whose answer is in their retrieved passages (:func:`format_training_items`).
    Its settings are the fine-tuning lab's house-format recipe, with room for the longer prompt.
    ``training``: what :func:`format_training_items` returned, when the caller already has it.
    """
    from ..finetune import recipes

    items, sources, info = training or format_training_items(cfg, pipe)
    info = dict(info)
    examples = format_rag_examples(items, sources, cfg.template)
    # RAG prompts are up to 512 tokens: each batch of 4 runs as two micro-batches of 2 (gradient accumulation),
    # which keeps training under 4 GB (a step of 4 x 478 tokens peaked at 4,381 MB in one pass, 2,881 MB split)
    settings = {k: v for k, v in recipes.HOUSE_FORMAT.items() if k != "max_length"} | {"micro_batch_size": 2}
    kept, fit, _ = fit_length(settings, examples, backend, 512)
    info.update(fit)
    result = backend.train("house-format-rag", kept, progress=cfg.progress, **recipes.train_options(settings, cfg.seed))
    return result, info


def format_training_items(cfg: CompareConfig, pipe) -> tuple[list, list, dict]:
    """``(items, sources, info)``: house-format training replies whose answer is in the passages retrieved
    for their question, and those passages; ``HOUSE_FORMAT_TRAIN_SIZE`` of them, in a seeded order.

    A reply whose fact is not in front of the model would teach it to state facts it cannot see, which
    is the opposite of what a RAG reader should do; so a reply is kept only when every number of its
    ``Answer:`` line is in the passages and at least half of its other distinctive words are too.
    """
    from ..finetune import recipes
    from ..rag.abstain import grounded

    pool = recipes.house_format_train(n=10**6, root=cfg.data_root)  # every train reply, in a seeded order
    prepared, _ = pipe.prepare([it.question for it in pool])
    items, sources = [], []
    for it, p in zip(pool, prepared, strict=True):
        line = answer_line(it.reply)
        asked = set(re.findall(r"[a-z0-9]+", it.question.lower()))
        words = [w for w in re.findall(r"[a-z0-9$-]+", line.lower()) if len(w) > 3 and w not in asked]
        context = p.context.lower()
        if p.sources and grounded(line, p.context) and sum(w in context for w in words) >= len(words) / 2:
            items.append(it)
            sources.append(p.sources)
        if len(items) == recipes.HOUSE_FORMAT_TRAIN_SIZE:
            break
    if not items:
        raise ValueError("no house-format training reply has its answer in the retrieved passages; check the data folder")
    return items, sources, {"pool": len(pool), "grounded": len(items)}

