"""The comparison's settings: :class:`CompareConfig`, everything that decides its numbers.

The retrieval settings it shares with the RAG toolkit default to the toolkit's own (:func:`rag_defaults`),
read when a config is made, so the comparison follows the toolkit instead of keeping a copy of its defaults.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config
from ..hybrid.raft import RAFT_DEFAULTS
from .systems import (
    DEFAULT_SYSTEMS,
    FORMAT_MAX_NEW_TOKENS,
    FORMAT_SYSTEMS,
    MAX_NEW_TOKENS,
    QUESTION_SPLITS,
    SYSTEMS,
)

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
