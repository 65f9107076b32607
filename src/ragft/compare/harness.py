"""One harness, the same questions and the same metrics for every system.

=================  ===========================================================  =====================
system             what answers                                                 retrieval
=================  ===========================================================  =====================
closed_book        the base SmolLM2, from what it learned in pre-training        no
rag                the base model reading the top-``k`` retrieved chunks         yes
ft                 the *knowledge* LoRA adapter (trained on the train questions) no
ft_rag             that adapter, reading the retrieved chunks                    yes
raft               an adapter trained to read among distractors (RAFT)           yes
format_rag         a house-format adapter trained on RAG prompts                 yes
format_prompt_rag  the base model, the house format asked for in the RAG prompt  yes
=================  ===========================================================  =====================

The first five are the default; the two ``format`` systems are the hybrid chapter's (behaviour from
fine-tuning or from the prompt, knowledge from retrieval), and their replies are scored on their
``Answer:`` line (:func:`ragft.hybrid.formatting.answer_line`). Every system's results carry
``format_adherence``: the share of the replies the model wrote that follow the house format.

:func:`run_comparison` evaluates them on the test splits (``test_seen``: facts that appear in the
training questions, asked in other words; ``test_unseen``: facts that do not; ``unanswerable``;
``multi_doc``: the multi-document questions of both test splits) and then runs the **update
experiment**: the knowledge base moves to version 2 (changed facts, added and retired documents).
The RAG index is updated in place (:meth:`ragft.rag.RagIndex.update`, timed); the fine-tuned
adapters are kept (or, with ``ft_update="retrain"``, the knowledge adapter is retrained on the v2
facts, timed), and every system is asked the changed-fact questions again: how many answers are
current (v2), and how many still give the old v1 value (stale)?

Everything that costs time is cached and reused: the index (``<cache>/compare/``), the adapters
(:func:`ragft.finetune.cached_adapter`) and the answers (:mod:`ragft.answers`). What came
from a cache is recorded, together with the time it originally cost.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import random
import re
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import config
from .. import metrics as M
from ..answers import AnswerCache, cached_generate
from ..data import check_house_format
from ..hybrid.formatting import answer_line
from ..hybrid.raft import RAFT_DEFAULTS, raft_examples
from .backend import Backend
from .report import LABELS  # noqa: F401  (the systems' display names, re-exported)

SYSTEMS = ("closed_book", "rag", "ft", "ft_rag", "raft", "format_rag", "format_prompt_rag")
DEFAULT_SYSTEMS = ("closed_book", "rag", "ft", "ft_rag", "raft")  # what `ragft compare` runs without --systems
FORMAT_SYSTEMS = ("format_rag", "format_prompt_rag")
SPLITS = ("test_seen", "test_unseen", "unanswerable", "multi_doc")
QUESTION_SPLITS = ("test_seen", "test_unseen", "unanswerable")  # the splits questions are drawn from
RETRIEVAL = {"closed_book": False, "rag": True, "ft": False, "ft_rag": True, "raft": True, "format_rag": True,
             "format_prompt_rag": True}
ADAPTER = {"closed_book": None, "rag": None, "ft": "knowledge", "ft_rag": "knowledge", "raft": "raft",
           "format_rag": "format", "format_prompt_rag": None}
#: the answer-length cap when no other is given: a short answer needs 32; a house-format reply up to 72 (the
#: longest in the data), so a run with a format system gets 96 for every system
MAX_NEW_TOKENS = 32
FORMAT_MAX_NEW_TOKENS = 96

#: which knowledge adapter of the fine-tuning lab to reuse (its settings come from ragft.finetune.recipes;
#: any other key given here, e.g. ``epochs``, overrides them and trains a new adapter)
KNOWLEDGE_DEFAULTS = dict(paraphrases=False)


def _default_seed() -> int:
    return config.seed()


def rag_defaults() -> dict[str, Any]:
    """The RAG toolkit's own defaults for the retrieval settings the harness shares with it.

    Read from the toolkit every time (``ragft.rag.pipeline.DEFAULT_K``, else :class:`ragft.rag.RagPipeline`'s
    default ``k``; :class:`ragft.rag.ChunkingConfig`'s chunk size and overlap), so the comparison follows
    the toolkit when its defaults change instead of keeping a copy of them.
    """
    import inspect

    from ..rag import ChunkingConfig, RagPipeline
    from ..rag import pipeline as rag_pipeline

    k = getattr(rag_pipeline, "DEFAULT_K", None)
    if k is None:
        k = inspect.signature(RagPipeline.__init__).parameters["k"].default
    chunking = ChunkingConfig()
    return {"k": int(k), "chunk_size": int(chunking.chunk_size), "overlap": int(chunking.overlap),
            "search": rag_pipeline.DEFAULT_SEARCH, "units": rag_pipeline.DEFAULT_UNITS, "embedder": rag_pipeline.DEFAULT_EMBEDDER}


@dataclass
class CompareConfig:
    """Everything that decides the comparison's numbers (recorded with the results).

    ``limit``: questions per split (a seeded sample, stratified by question type so every type keeps
    its share); ``None`` uses the full splits. ``k``/``chunk_size``/``overlap``/``template``: the
    retrieval set-up shared by ``rag``, ``ft_rag`` and ``raft``; ``None`` (the default) means the RAG
    toolkit's own default (:func:`rag_defaults`), resolved when the config is made and recorded with the
    results. ``max_new_tokens``: one answer-length cap for *every* system, so that their latencies are
    comparable (each record also keeps the answer's length in tokens); ``None`` means 32, or 96 when a
    format system is in the run (a four-line reply needs the room), still one cap for all. ``splits``: the
    question splits to evaluate (default all three; the hybrid lab uses ``("test_unseen",)``).
    ``format_shots``: worked examples in ``format_prompt_rag``'s prompt (0: instructions only). ``use_cache``: reuse stored answers
    (``refresh_cache``: generate every answer again and store it, as the benchmark's cold run does).
    ``update``: run the update experiment. ``ft_update``: ``"keep"`` the old knowledge adapter after
    the update, or ``"retrain"`` it on the v2 facts. ``knowledge`` / ``raft``: training settings.
    ``search`` / ``units`` / ``compress`` / ``abstain`` / ``embedder``: the RAG levers of
    :class:`ragft.rag.RagPipeline` (hybrid search, context compression, the abstention gate, the retriever
    fine-tuned on the train questions); ``None`` takes the toolkit's default, ``compress=False`` puts whole
    chunks in the prompt. The gate applies to every retrieval system (they share the retrieval step).
    ``groups``: who asks (:mod:`ragft.rag.access`). The question sets are graded against answers that sit
    in internal and confidential documents too, so the comparison reads as ``"*"`` (every document) by
    default; ``"hr,exec"`` compares as a member of those groups, ``""`` as an outsider (public documents
    only). Serving code (``ragft ask``, :class:`ragft.rag.RagPipeline`) denies by default instead.
    ``data_root`` / ``cache_root``: another data folder (tests) and another root for this harness's
    caches (answers and indexes; adapters always live in :func:`ragft.finetune.adapters_dir`).
    """

    systems: tuple[str, ...] = DEFAULT_SYSTEMS
    splits: tuple[str, ...] = QUESTION_SPLITS
    limit: int | None = None
    seed: int = field(default_factory=_default_seed)
    k: int | None = None
    chunk_size: int | None = None
    overlap: int | None = None
    template: str | None = None
    search: str | None = None
    units: int | None = None
    compress: bool = True
    abstain: bool = True
    embedder: str | None = None
    max_new_tokens: int | None = None
    batch_size: int = 16
    use_cache: bool = True
    refresh_cache: bool = False
    update: bool = True
    ft_update: str = "keep"
    knowledge: dict = field(default_factory=lambda: dict(KNOWLEDGE_DEFAULTS))
    raft: dict = field(default_factory=lambda: dict(RAFT_DEFAULTS))
    format_shots: int = 2
    groups: str = "*"
    data_root: str | None = None
    cache_root: str | None = None
    progress: bool = True

    def __post_init__(self):
        if isinstance(self.systems, str):
            self.systems = tuple(s.strip() for s in self.systems.split(",") if s.strip())
        self.systems = tuple(self.systems)
        unknown = [s for s in self.systems if s not in SYSTEMS]
        if unknown or not self.systems:
            raise ValueError(f"unknown system(s) {unknown or '(none given)'}; choose from {', '.join(SYSTEMS)}")
        if len(set(self.systems)) != len(self.systems):
            raise ValueError(f"a system is listed twice in {list(self.systems)}")
        if isinstance(self.splits, str):
            self.splits = tuple(s.strip() for s in self.splits.split(",") if s.strip())
        self.splits = tuple(self.splits)
        if not self.splits or any(s not in QUESTION_SPLITS for s in self.splits):
            raise ValueError(f"unknown split(s) in {list(self.splits)}; choose from {', '.join(QUESTION_SPLITS)}")
        from ..rag.access import ALL, parse_groups

        parsed = parse_groups(self.groups if self.groups != "" else None)
        self.groups = ALL if parsed == ALL else ",".join(sorted(parsed))
        if self.max_new_tokens is None:
            self.max_new_tokens = FORMAT_MAX_NEW_TOKENS if set(self.systems) & set(FORMAT_SYSTEMS) else MAX_NEW_TOKENS
        if self.format_shots < 0:
            raise ValueError(f"format_shots must be 0 or more, got {self.format_shots}")
        defaults = rag_defaults()
        for name in ("k", "chunk_size", "overlap", "search", "units"):
            if getattr(self, name) is None:
                setattr(self, name, defaults[name])
        if self.embedder is None:  # a data folder of your own has its own train questions: tune on them only if asked
            self.embedder = defaults["embedder"] if self.data_root is None else "base"
        if self.embedder not in ("base", "tuned"):
            raise ValueError(f"embedder must be 'base' or 'tuned', got {self.embedder!r}")
        if not self.compress:
            self.units = None
        if self.limit is not None and self.limit < 1:
            raise ValueError(f"limit must be a positive number of questions per split, got {self.limit}")
        if self.k < 1:
            raise ValueError(f"k must be at least 1, got {self.k}")
        if self.max_new_tokens < 1 or self.batch_size < 1:
            raise ValueError("max_new_tokens and batch_size must be at least 1")
        if self.ft_update not in ("keep", "retrain"):
            raise ValueError(f"ft_update must be 'keep' or 'retrain', got {self.ft_update!r}")
        from ..rag import get_template

        self.template = get_template(self.template).name  # None: the RAG toolkit's default template
        self.knowledge = {**KNOWLEDGE_DEFAULTS, **(self.knowledge or {})}
        self.raft = {**RAFT_DEFAULTS, **(self.raft or {})}
        if not 0.0 <= float(self.raft["p_oracle"]) <= 1.0:
            raise ValueError(f"the RAFT oracle probability must be between 0 and 1, got {self.raft['p_oracle']}")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["systems"] = list(self.systems)
        d["splits"] = list(self.splits)
        d.pop("progress")
        return d

    def cache_root_path(self) -> Path:
        return Path(self.cache_root) if self.cache_root else config.cache_dir()


# --------------------------------------------------------------------------------------------------
# questions


def _stratified_sample(questions: Sequence, n: int, rng: random.Random) -> list:
    """``n`` questions keeping each type's share (largest remainder), in their original order."""
    if n >= len(questions):
        return list(questions)
    by_type: dict[str, list] = defaultdict(list)
    for q in questions:
        by_type[q.type].append(q)
    total = len(questions)
    quota = {t: n * len(qs) / total for t, qs in by_type.items()}
    take = {t: int(v) for t, v in quota.items()}
    for t in sorted(quota, key=lambda t: (-(quota[t] - take[t]), t))[: n - sum(take.values())]:
        take[t] += 1
    chosen = set()
    for t in sorted(by_type):
        chosen.update(q.id for q in rng.sample(by_type[t], take[t]))
    return [q for q in questions if q.id in chosen]


def select_questions(limit: int | None = None, seed: int = 42, root: str | Path | None = None,
                     splits: Sequence[str] = QUESTION_SPLITS) -> dict[str, list]:
    """The test questions by split: ``test_seen``, ``test_unseen``, ``unanswerable``, and ``multi_doc``
    (the multi-document questions among the first two). ``limit`` samples that many per split;
    ``splits`` keeps only some of the three (the others come back empty)."""
    from ..data import load_questions

    rng = random.Random(seed)
    out = {split: [] for split in QUESTION_SPLITS}
    for split in QUESTION_SPLITS:
        qs = load_questions(split, root=root)
        if not qs:
            raise ValueError(f"no questions in split {split!r} (data folder {root or 'default'})")
        chosen = _stratified_sample(qs, limit, rng) if limit else qs  # drawn even when dropped: same sample per split
        if split in splits:
            out[split] = chosen
    out["multi_doc"] = [q for s in ("test_seen", "test_unseen") for q in out[s] if q.type == "multi_doc"]
    return out


# --------------------------------------------------------------------------------------------------
# the index (cached under <cache>/compare/index-<key>/)


def kb_documents(version: str, root: str | Path | None = None) -> list:
    """The knowledge base as documents for :class:`ragft.rag.RagIndex`.

    The path is version-neutral (``kb/<file>``), because it is part of a document's content hash:
    with the real folder in it, every document would look changed between v1 and v2.
    """
    from ..data import load_kb
    from ..rag.loading import Document

    return [Document(id=d.id, title=d.title, text=d.text, path=f"kb/{Path(d.path).name}", updated=d.updated,
                     access=d.access, groups=list(d.groups or [])) for d in load_kb(version, root)]


def cached_index(version: str, cfg: CompareConfig, *, progress: bool = False):
    """``(index, info)``: the index of KB ``version``, built once and reloaded afterwards.

    Built with the embedding cache switched off, so ``info["seconds"]`` is the true cost of building
    it (chunking + embedding every chunk); ``info["cached"]`` says whether this call reused it.
    """
    from ..models import embedder_id
    from ..rag import ChunkingConfig, Embedder, RagIndex, doc_hash

    docs = kb_documents(version, cfg.data_root)
    chunking = ChunkingConfig(chunk_size=cfg.chunk_size, overlap=cfg.overlap)
    tune_info: dict = {}
    eid = embedder_id()
    if cfg.embedder == "tuned":  # the retriever fine-tuned on the train questions: part of the RAG systems' preparation
        from ..data import load_kb, load_questions
        from ..rag.tune import training_pairs, tune_embedder

        root = Path(cfg.data_root) if cfg.data_root else None
        tuned = tune_embedder(training_pairs(load_questions("train", root=root), load_kb("v1", root), paraphrases=False),
                              progress=progress)
        eid = tuned.embedder_id
        tune_info = {"tune_seconds": tuned.seconds, "tune_cached": tuned.cached, "tune_pairs": tuned.n_pairs}
    payload = json.dumps({"embedder": eid, "chunking": chunking.to_dict(),
                          "docs": sorted(doc_hash(d) for d in docs)}, sort_keys=True)
    key = hashlib.sha256(payload.encode()).hexdigest()[:16]
    folder = cfg.cache_root_path() / "compare" / f"index-{version}-{key}"
    record_path = folder / "build.json"
    if record_path.is_file():
        try:
            info = json.loads(record_path.read_text())
            index = RagIndex.load(folder / "index")
            info["cached"] = True
            info["bytes"] = config.dir_bytes(folder / "index")
            info.update(tune_info)
            return index, info
        except Exception as err:  # an unreadable cache is rebuilt, never trusted
            print(f"warning: rebuilding the cached index at {config.display_path(folder)} ({err})", file=sys.stderr)
    start = time.perf_counter()
    index = RagIndex.build(docs, chunking=chunking, embedder=Embedder(model_id=eid, cache=False), progress=progress)
    seconds = time.perf_counter() - start
    info = {"version": version, "seconds": seconds, "chunks": len(index), "documents": len(docs),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        index.save(tmp / "index")
        (tmp / "build.json").write_text(json.dumps(info, indent=1))
        if folder.exists():
            shutil.rmtree(folder)
        tmp.rename(folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    index = RagIndex.load(folder / "index")
    info["cached"] = False
    info["bytes"] = config.dir_bytes(folder / "index")
    info.update(tune_info)
    return index, info


# --------------------------------------------------------------------------------------------------
# adapters


def knowledge_questions(cfg: CompareConfig) -> list:
    """The facts the knowledge adapter is taught: the fine-tuning lab's choice
    (:func:`ragft.finetune.recipes.knowledge_questions`), the train questions whose facts
    ``test_seen`` asks about in other words; read from ``cfg.data_root``."""
    from ..data import load_questions

    seen_facts = {q.fact_id for q in load_questions("test_seen", root=cfg.data_root)}
    return [q for q in load_questions("train", root=cfg.data_root) if q.fact_id in seen_facts]


def knowledge_training_examples(cfg: CompareConfig, version: str = "v1") -> list[dict]:
    """The knowledge adapter's examples, with the answers of KB ``version`` (v2: the retraining)."""
    from ..finetune import knowledge_examples

    train = knowledge_questions(cfg)
    if version != "v1":
        train = [{"question": q.question, "answers": q.answers_for(version), "paraphrases": q.paraphrases} for q in train]
    return knowledge_examples(train, paraphrases=bool(cfg.knowledge.get("paraphrases")))


def _train_kwargs(settings: dict, seed: int) -> dict:
    keys = ("epochs", "lr", "rank", "alpha", "batch_size", "micro_batch_size", "max_length", "target_modules", "dropout",
            "system")
    out = {k: settings[k] for k in keys if k in settings}
    if "target_modules" in out:
        out["target_modules"] = tuple(out["target_modules"])
    out["seed"] = seed
    return out


def knowledge_adapter(cfg: CompareConfig, backend: Backend, version: str = "v1"):
    """Train (or reuse) the knowledge adapter for KB ``version``; returns its ``TrainResult``.

    For v1 this is exactly :func:`ragft.finetune.recipes.knowledge_adapter` (same examples, settings
    and name, so the fine-tuning lab's cached adapter is reused); ``cfg.knowledge`` may override the
    settings (``paraphrases``, ``epochs``, ``lr``, ...).
    """
    from ..finetune import recipes

    paraphrases = bool(cfg.knowledge.get("paraphrases"))
    settings = dict(recipes.KNOWLEDGE_AUGMENTED if paraphrases else recipes.KNOWLEDGE)
    settings.update({k: v for k, v in cfg.knowledge.items() if k != "paraphrases"})
    name = "knowledge-paraphrases" if paraphrases else "knowledge"
    if version != "v1":
        name += f"-{version}"
    return backend.train(name, knowledge_training_examples(cfg, version), progress=cfg.progress,
                         **_train_kwargs(settings, cfg.seed))


def raft_training_examples(cfg: CompareConfig, index) -> list:
    """RAFT examples (see :mod:`ragft.hybrid.raft`) for the answerable train questions (a seeded sample of
    ``raft["n_questions"]`` of them when that is set), laid out with ``cfg``'s template and passage size."""
    from ..data import load_questions

    train = [q for q in load_questions("train", root=cfg.data_root) if q.answers]
    n = cfg.raft.get("n_questions")
    if n and n < len(train):
        train = _stratified_sample(train, int(n), random.Random(cfg.seed))
    r = cfg.raft
    return raft_examples(train, index, p_oracle=float(r["p_oracle"]), max_distractors=int(r["max_distractors"]),
                         without_oracle=str(r["without_oracle"]), units=int(r.get("units") or cfg.units or 3),
                         search=cfg.search, seed=cfg.seed, template=cfg.template)


def top_layer_modules(n_layers: int, top: int, projections: Sequence[str]) -> tuple[str, ...]:
    """LoRA target names for ``projections`` in the top ``top`` of ``n_layers`` decoder layers."""
    from ..finetune.train import ALL_LINEAR

    where = {p: ("self_attn" if p in ALL_LINEAR[:4] else "mlp") for p in projections}
    return tuple(f"layers.{i}.{where[p]}.{p}" for i in range(max(0, n_layers - top), n_layers) for p in projections)


def _fit_length(settings: dict, examples: Sequence[dict], backend: Backend, limit: int) -> tuple[list[dict], dict, int]:
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
    from ..finetune.train import ALL_LINEAR

    examples = raft_training_examples(cfg, index)
    settings = {k: v for k, v in cfg.raft.items()
                if k not in ("n_questions", "p_oracle", "max_distractors", "without_oracle", "units")}
    info = {"questions": len(examples), "with_oracle": sum(ex.has_oracle for ex in examples)}
    kept, fit, n_layers = _fit_length(settings, [ex.to_example() for ex in examples], backend,
                                      int(settings.pop("max_tokens", 512)))
    info.update(fit)
    top = int(settings.pop("top_layers", 0) or 0)
    if top and n_layers and "target_modules" not in settings:
        settings["target_modules"] = top_layer_modules(n_layers, top, ALL_LINEAR)
    result = backend.train("raft", kept, progress=cfg.progress, **_train_kwargs(settings, cfg.seed))
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
    from ..hybrid.formatting import format_rag_examples

    items, sources, info = training or format_training_items(cfg, pipe)
    info = dict(info)
    examples = format_rag_examples(items, sources, cfg.template)
    # RAG prompts are up to 512 tokens: each batch of 4 runs as two micro-batches of 2 (gradient accumulation),
    # which keeps training under 4 GB (a step of 4 x 478 tokens peaked at 4,381 MB in one pass, 2,881 MB split)
    settings = {k: v for k, v in recipes.HOUSE_FORMAT.items() if k != "max_length"} | {"micro_batch_size": 2}
    kept, fit, _ = _fit_length(settings, examples, backend, 512)
    info.update(fit)
    result = backend.train("house-format-rag", kept, progress=cfg.progress, **_train_kwargs(settings, cfg.seed))
    return result, info


def format_training_items(cfg: CompareConfig, pipe) -> tuple[list, list, dict]:
    """``(items, sources, info)``: house-format training replies whose answer is in the passages retrieved
    for their question, and those passages; ``HOUSE_FORMAT_TRAIN_SIZE`` of them, in a seeded order.

    A reply whose fact is not in front of the model would teach it to state facts it cannot see, which
    is the opposite of what a RAG reader should do; so a reply is kept only when every number of its
    ``Answer:`` line is in the passages and at least half of its other distinctive words are too.
    """
    from ..finetune import recipes
    from ..hybrid.formatting import answer_line
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


# --------------------------------------------------------------------------------------------------
# scoring


def score_answer(answer: str, question, *, gold: Sequence[str] | None = None) -> dict[str, Any]:
    """``correct``, ``f1`` and ``abstained`` for one answer.

    An answerable question is correct when an accepted answer occurs in the reply; an unanswerable
    one is correct when the model abstains (as in :func:`ragft.rag.evaluate`).
    """
    aliases = list(gold if gold is not None else (question.answers or []))
    answerable = bool(aliases) and question.type != "unanswerable"
    abstained = M.is_abstention(answer)
    return {
        "answerable": answerable,
        "correct": bool(M.answer_correct(answer, aliases)) if answerable else abstained,
        "f1": M.token_f1(answer, aliases) if answerable else float(abstained),
        "abstained": abstained,
    }


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def _pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else float("nan")


def summarize(records: Sequence[dict], *, seed: int = 42) -> dict[str, Any]:
    """Aggregate per-question records of one system and one split into the reported metrics."""
    correct = [float(r["correct"]) for r in records]
    latency = [r["retrieval_ms"] + r["generation_ms"] for r in records]
    # token counts are averaged over the answers the abstention gate left as the model wrote them (an
    # "I don't know" given by the gate, before or after generation, has no token counts of its own)
    asked = [r for r in records if not r.get("gate")]
    lo, hi = M.bootstrap_ci(correct, seed=seed)
    return {
        "n": len(records),
        "accuracy": _mean(correct),
        "ci95": [lo, hi],
        "f1": _mean([r["f1"] for r in records]),
        "abstain": _mean([float(r["abstained"]) for r in records]),
        "latency_ms_p50": _pct(latency, 50),
        "latency_ms_p95": _pct(latency, 95),
        "retrieval_ms_p50": _pct([r["retrieval_ms"] for r in records], 50),
        "retrieval_ms_p95": _pct([r["retrieval_ms"] for r in records], 95),
        "generation_ms_p50": _pct([r["generation_ms"] for r in records], 50),
        "generation_ms_p95": _pct([r["generation_ms"] for r in records], 95),
        "latency_ms_mean": _mean(latency),
        "generation_ms_mean": _mean([r["generation_ms"] for r in asked]),
        "prompt_tokens": _mean([r["prompt_tokens"] for r in asked]),
        "new_tokens": _mean([r["new_tokens"] for r in asked]),
        "new_tokens_p50": _pct([r["new_tokens"] for r in asked], 50),
        "gated": _mean([float(bool(r.get("gate"))) for r in records]),
        # the share of the replies the model wrote (not the gate's "I don't know") in the house format
        "format_adherence": _mean([float(bool(r.get("format_ok"))) for r in asked]),
        "from_cache": int(sum(bool(r["from_cache"]) for r in records)),
    }


def split_records(records: Sequence[dict], split: str) -> list[dict]:
    """Records of one reported split (``multi_doc`` = multi-document questions of the two test splits)."""
    if split == "multi_doc":
        return [r for r in records if r["type"] == "multi_doc" and r["split"] in ("test_seen", "test_unseen")]
    return [r for r in records if r["split"] == split]


def update_scores(answers: Sequence[str], questions: Sequence) -> tuple[list[float], list[float]]:
    """Per changed-fact question: ``current`` (1 when the answer gives the v2 value) and ``stale`` (1 when
    it still gives the v1 value and not the v2 one)."""
    current = [float(M.answer_correct(a, q.v2_answers or [])) for a, q in zip(answers, questions, strict=True)]
    stale = [float(M.answer_correct(a, q.v1_answers or q.answers) and not M.answer_correct(a, q.v2_answers or []))
             for a, q in zip(answers, questions, strict=True)]
    return current, stale


def _paired(a: Sequence[float], b: Sequence[float], seed: int) -> dict[str, Any]:
    res = M.compare_paired(a, b, seed=seed)
    return {"diff": res["diff"], "ci95": list(res["ci"]), "n": res["n"], "verdict": res["verdict"]}


def summarize_update(before: Sequence[str], after: Sequence[str], questions: Sequence, *, seed: int = 42) -> dict:
    """Changed-fact accuracy (against the v2 answers) and stale rate (still the v1 answer), before and after.

    ``current_gain`` is the paired difference *after minus before* of the current-answer rate (same
    questions, same system), with its bootstrap interval: did the update change this system's answers?
    """
    cur_b, stale_b = update_scores(before, questions)
    cur_a, stale_a = update_scores(after, questions)
    return {
        "n": len(questions),
        "changed_accuracy": _mean(cur_a),
        "changed_ci95": list(M.bootstrap_ci(cur_a, seed=seed)),
        "stale_rate": _mean(stale_a),
        "stale_ci95": list(M.bootstrap_ci(stale_a, seed=seed)),
        "changed_accuracy_before": _mean(cur_b),
        "stale_rate_before": _mean(stale_b),
        "current_gain": _paired(cur_a, cur_b, seed) if questions else None,
    }


#: the paired comparisons the chapter's verdicts rest on; ``(a, b)`` is reported as ``a - b``
PAIRS = (("rag", "closed_book"), ("rag", "ft"), ("ft", "closed_book"), ("ft_rag", "rag"), ("raft", "rag"),
         ("format_rag", "rag"), ("format_prompt_rag", "rag"), ("format_rag", "format_prompt_rag"))


def pair_key(a: str, b: str) -> str:
    return f"{a}_vs_{b}"


def paired_differences(records: Sequence[dict], *, seed: int = 42, pairs: Sequence[tuple[str, str]] = PAIRS,
                       splits: Sequence[str] = SPLITS) -> dict[str, dict[str, dict]]:
    """Accuracy of system ``a`` minus system ``b`` on the *same* questions, per split, with the paired
    bootstrap interval of the difference (:func:`ragft.metrics.compare_paired`).

    Returns ``{"rag_vs_ft": {split: {"a", "b", "diff", "ci95", "n", "verdict", "better"}}}`` for every
    pair whose two systems were run. ``verdict`` is ``"a"``, ``"b"`` or ``"tie"``; ``better`` names the
    better system, or is ``"tie"`` when the interval contains zero (the questions cannot separate them).
    """
    by_system: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_system[r["system"]].append(r)
    out: dict[str, dict[str, dict]] = {}
    for a, b in pairs:
        if a not in by_system or b not in by_system:
            continue
        out[pair_key(a, b)] = {}
        for split in splits:
            ra = {r["id"]: float(r["correct"]) for r in split_records(by_system[a], split)}
            rb = {r["id"]: float(r["correct"]) for r in split_records(by_system[b], split)}
            ids = [i for i in ra if i in rb]
            res = _paired([ra[i] for i in ids], [rb[i] for i in ids], seed)
            res.update(a=a, b=b, better={"a": a, "b": b}.get(res["verdict"], "tie"))
            out[pair_key(a, b)][split] = res
    return out


def update_differences(after_scores: dict[str, tuple[list[float], list[float]]], *, seed: int = 42,
                       pairs: Sequence[tuple[str, str]] = PAIRS) -> dict[str, dict[str, dict]]:
    """After the update, system ``a`` minus system ``b`` on the same changed-fact questions: the rate of
    current (v2) answers and the rate of stale (v1) answers, each with its paired interval."""
    out: dict[str, dict[str, dict]] = {}
    for a, b in pairs:
        if a not in after_scores or b not in after_scores:
            continue
        out[pair_key(a, b)] = {}
        for i, metric in enumerate(("changed_accuracy", "stale_rate")):
            res = _paired(after_scores[a][i], after_scores[b][i], seed)
            res.update(a=a, b=b, better={"a": a, "b": b}.get(res["verdict"], "tie"))
            out[pair_key(a, b)][metric] = res
    return out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


# --------------------------------------------------------------------------------------------------
# the run


def rag_pipeline(index, cfg: CompareConfig):
    """The retrieval half of the RAG systems (no model: the harness generates), with ``cfg``'s levers."""
    from ..rag import RagPipeline
    from ..rag.pipeline import calibrate_gate

    abstain: Any = cfg.abstain
    if cfg.abstain and cfg.data_root:  # another data folder: calibrate on its own train questions
        from ..data import load_questions

        settings = {"k": cfg.k, "search": cfg.search, "units": cfg.units, "template": cfg.template}
        abstain = calibrate_gate(index, load_questions("train", root=Path(cfg.data_root)), settings)
    return RagPipeline(None, None, index, k=cfg.k, template=cfg.template, search=cfg.search, units=cfg.units,
                       abstain=abstain, groups=cfg.groups or None)


def gated_generate(backend, model, tokenizer, prompts: Sequence, gate: Sequence[tuple[str, str, str]] | None, *,
                   claim=None, **kwargs):
    """``cached_generate`` for the prompts the abstention gate lets through; the others get "I don't know".

    ``gate[i]`` is ``(reason, sources_text, question)`` for prompt ``i`` (``None``: no gate, every prompt is asked).
    An answer that states a number, a name or a code absent from its sources is replaced too (the gate's
    grounding checks, :meth:`ragft.rag.abstain.AbstentionGate.check_answer`);
    ``claim(answer)`` gives the part of the answer that check reads (default: all of it; a house-format
    reply's ``Answer:`` line, whose "Next step" may mention numbers of its own).
    Returns the generation (lists as long as ``prompts``) and the reason per prompt (``""``: answered).
    """
    from ..rag.abstain import AbstentionGate
    from ..rag.prompts import IDK

    check = AbstentionGate().check_answer

    reasons = [g[0] for g in gate] if gate is not None else [""] * len(prompts)
    ask = [i for i, r in enumerate(reasons) if not r]
    gen = cached_generate(backend.generate, model, tokenizer, [prompts[i] for i in ask], render=backend.render, **kwargs)
    n = len(prompts)
    texts, secs, ptok, ntok, cached = [f"{IDK}."] * n, [0.0] * n, [0] * n, [0] * n, [False] * n
    for j, i in enumerate(ask):
        texts[i], secs[i], ptok[i], ntok[i], cached[i] = (gen.texts[j], gen.per_item_seconds[j], gen.prompt_tokens[j],
                                                          gen.new_tokens[j], gen.from_cache[j])
        why = check(claim(gen.texts[j]) if claim else gen.texts[j], gate[i][1], gate[i][2]) if gate is not None else ""
        if why:
            reasons[i], texts[i] = why, f"{IDK}."
    gen.texts, gen.per_item_seconds, gen.prompt_tokens, gen.new_tokens, gen.from_cache = texts, secs, ptok, ntok, cached
    return gen, reasons


def _prompts_for(system: str, questions: Sequence, rag_prompts: dict[str, list], model=None) -> list:
    from ..finetune import KNOWLEDGE_SYSTEM
    from ..models import to_messages
    from ..rag import build_closed_book_prompt

    if RETRIEVAL[system]:
        return [rag_prompts[q.id] for q in questions]
    if system == "ft":  # the fine-tuned model is asked exactly as it was trained (its recorded training prompt)
        trained = getattr(model, "ragft_prompt", None)  # None: an adapter from before prompts were recorded
        return [trained.messages(q.question) if trained else to_messages(q.question, KNOWLEDGE_SYSTEM) for q in questions]
    return [build_closed_book_prompt(q.question) for q in questions]


def _format_prompts(questions: Sequence, sources: dict[str, list], shots: Sequence, template) -> list:
    from ..hybrid.formatting import format_prompt

    return [format_prompt(q.question, sources[q.id], shots, template) for q in questions]


def run_comparison(cfg: CompareConfig | None = None, *, backend: Backend | None = None):
    """Evaluate every system in ``cfg.systems`` and run the update experiment; returns :class:`Results`."""
    from .. import __version__, set_seed
    from ..rag import Embedder, RagIndex
    from .report import Results, environment

    cfg = cfg or CompareConfig()
    backend = backend or Backend()
    set_seed(cfg.seed)
    start = time.perf_counter()
    say = (lambda msg: print(f"[compare] {msg}", file=sys.stderr, flush=True)) if cfg.progress else (lambda msg: None)

    by_split = select_questions(cfg.limit, cfg.seed, cfg.data_root, cfg.splits)
    questions = [q for s in QUESTION_SPLITS for q in by_split[s]]
    changed = [q for q in questions if q.type == "changed" and q.v2_answers and q.split in ("test_seen", "test_unseen")]
    run_update = cfg.update and bool(changed)
    uses_index = any(RETRIEVAL[s] for s in cfg.systems)
    cache = AnswerCache(cfg.cache_root_path() / "answers") if cfg.use_cache else None
    costs: dict[str, dict] = {s: {} for s in cfg.systems}
    notes: list[str] = []

    # retrieval (shared by rag, ft_rag and raft)
    rag_prompts: dict[str, list] = {}
    after_prompts: dict[str, list] = {}
    rag_sources: dict[str, list] = {}  # the hits behind each RAG prompt (the format prompt lays them out again)
    after_sources: dict[str, list] = {}
    retrieval_ms: dict[str, float] = defaultdict(float)
    after_retrieval_ms: dict[str, float] = defaultdict(float)
    index_info: dict = {}
    update_info: dict = {}
    gate: dict[str, tuple[str, str, str]] = {}  # question id -> (the gate's reason to abstain or "", the sources' text, the question)
    gate_after: dict[str, tuple[str, str, str]] = {}
    index = None
    if uses_index:
        say("loading the v1 index")
        index, index_info = cached_index("v1", cfg, progress=cfg.progress)
        pipe = rag_pipeline(index, cfg)
        index.embedder.embed_queries(["warm-up"])  # load the embedder before the clock starts
        prepared, ms = pipe.prepare([q.question for q in questions])
        for q, p in zip(questions, prepared, strict=True):
            rag_prompts[q.id] = p.prompt
            rag_sources[q.id] = p.sources
            retrieval_ms[q.id] = sum(ms.values()) / len(questions)
            gate[q.id] = (p.decision.reason if p.decision and p.decision.abstain else "", p.context, q.question)
        if run_update:
            say("updating a copy of the index to KB v2")
            index_v2 = RagIndex.load(index.path)
            index_v2.embedder = Embedder(model_id=index.embedder.id, cache=False)  # time the real cost: changed chunks are embedded again
            index_v2.embedder.embed_queries(["warm-up"])
            report = index_v2.update(kb_documents("v2", cfg.data_root))
            update_info = {"seconds": report.seconds, "docs_added": report.docs_added,
                           "docs_updated": report.docs_updated, "docs_removed": report.docs_removed,
                           "docs_unchanged": report.docs_unchanged, "chunks_added": report.chunks_added,
                           "chunks_removed": report.chunks_removed, "chunks_total": report.chunks_total}
            index_v2.embedder = Embedder(model_id=index.embedder.id)  # compression embeds lines: through the cache
            pipe2 = rag_pipeline(index_v2, cfg)
            prepared2, ms2 = pipe2.prepare([q.question for q in changed])
            for q, p in zip(changed, prepared2, strict=True):
                after_prompts[q.id] = p.prompt
                after_sources[q.id] = p.sources
                after_retrieval_ms[q.id] = sum(ms2.values()) / len(changed)
                gate_after[q.id] = (p.decision.reason if p.decision and p.decision.abstain else "", p.context, q.question)

    # adapters (trained once, then reused from the adapter cache)
    adapters: dict[str, Any] = {}
    raft_info: dict = {}
    if any(ADAPTER[s] == "knowledge" for s in cfg.systems):
        say("knowledge adapter (cached after the first run)")
        adapters["knowledge"] = knowledge_adapter(cfg, backend)
    if "raft" in cfg.systems:
        say("RAFT adapter (cached after the first run)")
        adapters["raft"], raft_info = raft_adapter(cfg, backend, index)
    format_info: dict = {}
    training = format_training_items(cfg, pipe) if set(cfg.systems) & set(FORMAT_SYSTEMS) else None  # retrieved once
    if "format_rag" in cfg.systems:
        say("house-format adapter for RAG prompts (cached after the first run)")
        adapters["format"], format_info = format_adapter(cfg, backend, pipe, training)
    shots: list = []
    if "format_prompt_rag" in cfg.systems and cfg.format_shots:  # the format adapter's first training replies
        items, sources, _ = training
        shots = [(it.question, src, it.reply) for it, src in list(zip(items, sources, strict=True))[: cfg.format_shots]]
    if run_update and cfg.ft_update == "retrain" and "knowledge" in adapters:
        say("retraining the knowledge adapter on the v2 facts")
        adapters["knowledge-v2"] = knowledge_adapter(cfg, backend, "v2")

    records: list[dict] = []
    update: dict[str, dict] = {}
    for system in cfg.systems:
        t0 = time.perf_counter()
        kind = ADAPTER[system]
        adapter_dir = adapters[kind].adapter_dir if kind else None
        model, tokenizer = backend.load(adapter_dir)
        if system == "format_prompt_rag":
            prompts = _format_prompts(questions, rag_sources, shots, cfg.template)
        else:
            prompts = _prompts_for(system, questions, rag_prompts, model)
        extra = []  # the changed-fact questions after the update, when they need a new answer
        if run_update and RETRIEVAL[system] and not (cfg.ft_update == "retrain" and kind == "knowledge"):
            extra = (_format_prompts(changed, after_sources, shots, cfg.template) if system == "format_prompt_rag"
                     else [after_prompts[q.id] for q in changed])
        gates = None
        if RETRIEVAL[system] and cfg.abstain:
            gates = [gate[q.id] for q in questions] + ([gate_after[q.id] for q in changed] if extra else [])
        gen, reasons = gated_generate(backend, model, tokenizer, prompts + extra, gates,
                                      claim=answer_line if system in FORMAT_SYSTEMS else None, fingerprint=backend.fingerprint(adapter_dir), cache=cache,
                                      max_new_tokens=cfg.max_new_tokens, batch_size=cfg.batch_size,
                                      progress=system if cfg.progress else False, read=not cfg.refresh_cache)
        del model
        gc.collect()
        for i, q in enumerate(questions):
            rec = {"system": system, "id": q.id, "split": q.split, "type": q.type, "question": q.question,
                   "answer": gen.texts[i], "gold": list(q.answers or []),
                   **score_answer(answer_line(gen.texts[i]) if system in FORMAT_SYSTEMS else gen.texts[i], q),
                   "format_ok": check_house_format(gen.texts[i]),
                   "retrieval_ms": retrieval_ms[q.id] if RETRIEVAL[system] else 0.0,
                   "generation_ms": gen.per_item_seconds[i] * 1000, "prompt_tokens": gen.prompt_tokens[i],
                   "new_tokens": gen.new_tokens[i], "from_cache": gen.from_cache[i], "gate": reasons[i]}
            records.append(rec)
        if run_update:
            answers = {q.id: gen.texts[i] for i, q in enumerate(questions)}
            before = [answers[q.id] for q in changed]
            if extra:
                after = gen.texts[len(questions):]
            else:
                after = before
            if system in FORMAT_SYSTEMS:  # scored on the Answer line, as above
                before, after = [answer_line(t) for t in before], [answer_line(t) for t in after]
            update[system] = {"_before": before, "_after": after}
        cost = costs[system]
        cost["seconds"] = time.perf_counter() - t0
        n_gated = sum(bool(g[0]) for g in gates) if gates is not None else 0  # answered by the gate, not the model
        cost["generated"] = len(gen.texts) - n_gated - gen.n_cached
        cost["from_cache"] = gen.n_cached
        cost["gated"] = n_gated
        cost["generation_seconds"] = gen.seconds
        cost["peak_rss_mb"] = peak_rss_mb()
        prep = 0.0
        prep_parts = []
        if RETRIEVAL[system]:
            prep += index_info["seconds"]
            prep_parts.append(f"index build {index_info['seconds']:.1f} s" + (" (cached)" if index_info["cached"] else ""))
            if "tune_seconds" in index_info:  # the retriever fine-tuned on the train questions
                prep += index_info["tune_seconds"]
                prep_parts.append(f"retriever tuning {index_info['tune_seconds']:.1f} s" + (" (cached)" if index_info["tune_cached"] else ""))
                cost["tune_seconds"] = index_info["tune_seconds"]
        if kind:
            tr = adapters[kind]
            prep += tr.seconds
            prep_parts.append(f"{kind} training {tr.seconds:.1f} s" + (" (cached)" if tr.cached else ""))
            cost["train_seconds"] = tr.seconds
            cost["train_cached"] = bool(tr.cached)
            cost["adapter_mb"] = tr.adapter_bytes / 1e6
            cost["train_examples"] = tr.n_examples
            cost["train_steps"] = tr.steps
        if RETRIEVAL[system]:
            cost["index_seconds"] = index_info["seconds"]
            cost["index_cached"] = bool(index_info["cached"])
        cost["prep_seconds"] = prep
        cost["prep"] = ", ".join(prep_parts) or "none"
        say(f"{system}: {cost['generated']} answers generated, {cost['from_cache']} reused, {cost['seconds']:.1f} s")

    # retrained knowledge adapter: the fine-tuned systems answer the changed questions again
    if run_update and "knowledge-v2" in adapters:
        tr2 = adapters["knowledge-v2"]
        model, tokenizer = backend.load(tr2.adapter_dir)
        for system in [s for s in cfg.systems if ADAPTER[s] == "knowledge"]:
            prompts = [after_prompts[q.id] for q in changed] if RETRIEVAL[system] else _prompts_for(system, changed, {}, model)
            gates = [gate_after[q.id] for q in changed] if RETRIEVAL[system] and cfg.abstain else None
            gen, _ = gated_generate(backend, model, tokenizer, prompts, gates,
                                    fingerprint=backend.fingerprint(tr2.adapter_dir), cache=cache,
                                    max_new_tokens=cfg.max_new_tokens, batch_size=cfg.batch_size,
                                    read=not cfg.refresh_cache)
            update[system]["_after"] = gen.texts
        del model
        gc.collect()

    after_scores: dict[str, tuple[list[float], list[float]]] = {}
    if run_update:
        for system in cfg.systems:
            raw = update[system]
            after_scores[system] = update_scores(raw["_after"], changed)
            u = summarize_update(raw.pop("_before"), raw.pop("_after"), changed, seed=cfg.seed)
            kind = ADAPTER[system]
            index_seconds = update_info.get("seconds", 0.0) if RETRIEVAL[system] else 0.0
            parts = []
            if kind == "knowledge" and "knowledge-v2" in adapters:
                tr2 = adapters["knowledge-v2"]
                parts.append("retrained the knowledge adapter on the v2 facts" + (" (training time from the adapter cache)" if tr2.cached else ""))
                u["retrain_seconds"] = tr2.seconds
            elif kind == "knowledge":
                parts.append("kept the old knowledge adapter")
                u["retrain_seconds_estimate"] = adapters["knowledge"].seconds  # same amount of data as the v1 training
            elif kind == "raft":
                parts.append("kept the RAFT adapter")
            if RETRIEVAL[system]:
                parts.append("updated the index in place (changed documents re-embedded)")
            seconds = index_seconds + u.get("retrain_seconds", 0.0)
            method = "; ".join(parts) or "nothing to update: the model's weights stay as they are"
            u["update_seconds"] = seconds
            u["update_method"] = method
            update[system] = u

    results_config = cfg.to_dict()
    results_config.update(
        n_questions={s: len(by_split[s]) for s in SPLITS},
        n_changed=len(changed),
        index=index_info,
        index_update=update_info,
        raft_data=raft_info,
        format_data=format_info,
        answer_cache=config.display_path(cache.path) if cache is not None else None,
        ragft_version=__version__,
    )
    systems = {}
    for system in cfg.systems:
        recs = [r for r in records if r["system"] == system]
        systems[system] = {split: summarize(split_records(recs, split), seed=cfg.seed) for split in SPLITS}
    differences = paired_differences(records, seed=cfg.seed)
    upd_differences = update_differences(after_scores, seed=cfg.seed) if run_update else {}
    if cache is not None:
        cache.close()
    total = time.perf_counter() - start
    if not run_update and cfg.update:
        notes.append("no changed-fact questions among the selected questions: the update experiment was skipped")
    return Results(systems=systems, update=update, config=results_config, costs=costs, records=records,
                   environment=environment(), seconds=total, notes=notes, differences=differences,
                   update_differences=upd_differences)
