"""The comparison's index of the knowledge base, built once per version and settings and reloaded after.

Cached under ``<cache>/compare/index-<version>-<key>/``, where the key covers the embedder, the chunking
and every document's content hash.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

from .. import config
from .settings import CompareConfig


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
    with config.atomic_folder(folder) as tmp:
        index.save(tmp / "index")
        (tmp / "build.json").write_text(json.dumps(info, indent=1))
    index = RagIndex.load(folder / "index")
    info["cached"] = False
    info["bytes"] = config.dir_bytes(folder / "index")
    info.update(tune_info)
    return index, info
