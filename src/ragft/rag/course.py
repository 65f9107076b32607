"""The course's own corpus in the RAG toolkit: its cached index and its calibrated abstention gate.

The generic modules (:mod:`~ragft.rag.index`, :mod:`~ragft.rag.pipeline`) know nothing of the course's data;
this module is where they meet it. :func:`course_index` builds (once) the index of ``data/kb/<version>``;
:func:`course_gate` calibrates the abstention gate's thresholds on the course's **train** questions, which is
the gate :class:`~ragft.rag.RagPipeline` uses by default (on another corpus, with that corpus's keyword
statistics).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .. import config, data
from .abstain import AbstentionGate
from .chunking import ChunkingConfig
from .embedding import Embedder
from .index import RagIndex, cached_build
from .pipeline import DEFAULT_MAX_FALSE_ABSTENTION, calibrate_gate
from .tune import course_tuned_embedder


def course_index(
    version: str = "v1", *, chunking: ChunkingConfig | None = None, embedder: str | Embedder | None = None, progress: bool = False
) -> RagIndex:
    """The index of the course knowledge base ``data/kb/<version>``, cached under
    ``config.cache_dir()/rag/`` (one folder per version, chunking setting and embedder).

    ``embedder``: ``None`` or ``"base"`` for the course embedder, ``"tuned"`` for the embedder
    fine-tuned on the train questions (:func:`ragft.rag.tune.course_tuned_embedder`, trained once
    and cached), or an :class:`Embedder`.
    """
    if embedder == "tuned":
        embedder = Embedder(model_id=course_tuned_embedder(progress=progress).embedder_id)
    elif embedder in (None, "base"):
        embedder = None
    elif not isinstance(embedder, Embedder):
        raise ValueError(f"embedder must be 'base', 'tuned' or an Embedder, got {embedder!r}")
    return cached_build(data.load_kb(version), f"kb-{version}", chunking=chunking, embedder=embedder, progress=progress)



def gates_dir():
    """Where calibrated gates are cached: ``<cache>/rag/gates``."""
    return config.cache_dir() / "rag" / "gates"


def course_gate(settings: dict[str, Any], *, embedder_id: str | None = None, max_false: float = DEFAULT_MAX_FALSE_ABSTENTION,
                progress: bool = False) -> AbstentionGate:
    """The abstention gate for these retrieval ``settings``, calibrated on the course's **train** questions.

    The pipeline is run (retrieval, compression and the gate's signals; no generation) over every
    answerable train question against the course index built with the same embedder, and the
    thresholds are set so that at most ``max_false`` of them would be refused
    (:meth:`AbstentionGate.calibrate`). The result is cached in ``<cache>/rag/gates/``. Another corpus
    reuses these thresholds with its own keyword statistics (the pipeline swaps in its index's IDF).
    """
    base_id = Embedder(cache=False).id
    eid = embedder_id or base_id
    index = course_index("v1", embedder=None if eid == base_id else Embedder(model_id=eid), progress=progress)
    train = data.load_questions("train")
    content = sorted(d["hash"] for d in index.docs.values()) + [f"{q.id}:{q.question}:{q.answers}:{q.paraphrases}" for q in train]
    key = hashlib.sha256(json.dumps({"s": settings, "e": eid, "m": max_false, "c": content, "v": 1}, sort_keys=True).encode()).hexdigest()[:12]
    path = gates_dir() / f"{key}.json"
    if path.is_file():
        try:
            return AbstentionGate.from_json(path.read_text())
        except (ValueError, KeyError):
            pass  # unreadable: calibrate again
    gate = calibrate_gate(index, train, settings, max_false=max_false)
    config.write_atomic(path, gate.to_json())
    return gate
