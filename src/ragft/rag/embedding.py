"""Turn texts into unit-length vectors with the course embedder, caching them on disk.

The cache is one SQLite file per embedder under ``config.cache_dir()/embeddings/``, keyed by the
SHA-256 of the exact text that was embedded. Re-indexing text that has not changed therefore
costs a lookup, not a forward pass. (SQLite is in the standard library and safe to share between
processes, e.g. a notebook and the CLI running at the same time.)
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .. import config


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embeddings_cache_dir() -> Path:
    path = config.cache_dir() / "embeddings"
    path.mkdir(parents=True, exist_ok=True)
    return path


class EmbeddingCache:
    """``{text hash: float32 vector}`` for one embedder, stored in SQLite."""

    def __init__(self, embedder_id: str, folder: str | Path | None = None):
        folder = Path(folder) if folder is not None else embeddings_cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", embedder_id)
        self.path = folder / f"{safe}.sqlite"
        self.embedder_id = embedder_id
        self._db = sqlite3.connect(self.path, timeout=60)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (hash TEXT PRIMARY KEY, dim INTEGER, vector BLOB)")

    def get_many(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(hashes))
        for i in range(0, len(unique), 500):
            part = unique[i : i + 500]
            rows = self._db.execute(
                f"SELECT hash, vector FROM vectors WHERE hash IN ({','.join('?' * len(part))})", part
            ).fetchall()
            for h, blob in rows:
                found[h] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)",
                [(h, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()],
            )

    def forget(self, hashes: Sequence[str]) -> int:
        """Delete these entries (a deleted document's vectors must not be served again); returns how many there were."""
        unique = list(dict.fromkeys(hashes))
        removed = 0
        with self._db:
            for i in range(0, len(unique), 500):
                part = unique[i : i + 500]
                removed += self._db.execute(f"DELETE FROM vectors WHERE hash IN ({','.join('?' * len(part))})", part).rowcount
        return removed

    def __contains__(self, text: str) -> bool:
        """Whether the vector of this text is stored."""
        return self._db.execute("SELECT 1 FROM vectors WHERE hash = ?", (text_hash(text),)).fetchone() is not None

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]

    def close(self) -> None:
        self._db.close()


class Embedder:
    """The sentence-transformers embedder plus the on-disk cache.

    ``Embedder()`` uses the course embedder (``ragft.models.load_embedder()``); pass ``model`` and
    ``model_id`` to use another SentenceTransformer. ``cache=False`` turns the cache off.
    """

    def __init__(self, model=None, model_id: str | None = None, *, cache: bool = True, cache_dir: str | Path | None = None):
        from ..models import embedder_id

        self._model = model
        self.id = model_id or embedder_id()
        self.cache = EmbeddingCache(self.id, cache_dir) if cache else None
        self.last_stats = {"cached": 0, "computed": 0, "seconds": 0.0}

    @property
    def model(self):
        """The SentenceTransformer, loaded on first use (so an up-to-date index never loads it)."""
        if self._model is None:
            from ..models import load_embedder

            self._model = load_embedder(self.id if self.id.startswith("tuned:") else None)
        return self._model

    @property
    def dim(self) -> int:
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def tokenizer(self):
        return self.model.tokenizer

    @property
    def max_tokens(self) -> int:
        return int(getattr(self.model, "max_seq_length", 512) or 512)

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text; cached texts are not re-embedded."""
        start = time.perf_counter()
        texts = list(texts)
        dim = self.dim
        out = np.zeros((len(texts), dim), dtype=np.float32)
        hashes = [text_hash(t) for t in texts]
        cached = self.cache.get_many(hashes) if self.cache is not None else {}
        todo = [i for i, h in enumerate(hashes) if h not in cached]
        for i, h in enumerate(hashes):
            if h in cached:
                out[i] = cached[h]
        if todo:
            vectors = self.model.encode(
                [texts[i] for i in todo],
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=bool(progress) and len(todo) > batch_size,
            ).astype(np.float32)
            out[todo] = vectors
            if self.cache is not None:
                self.cache.put_many({hashes[i]: vectors[j] for j, i in enumerate(todo)})
        self.last_stats = {"cached": len(texts) - len(todo), "computed": len(todo), "seconds": time.perf_counter() - start}
        return out

    def forget(self, texts: Sequence[str]) -> int:
        """Drop these texts' vectors from the on-disk cache (no-op without a cache); returns how many were stored."""
        if self.cache is None or not texts:
            return 0
        return self.cache.forget([text_hash(t) for t in texts])

    def embed_queries(self, queries: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """Embed questions without touching the cache (questions rarely repeat; this is the fast path)."""
        return self.model.encode(
            list(queries), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        ).astype(np.float32)
