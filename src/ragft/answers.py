"""A content-addressed cache of generated answers.

Greedy decoding is deterministic: the same weights given the same prompt text with the same
generation settings produce the same answer. So an answer can be stored under a key made of

* a fingerprint of the model (base weights, plus a hash of the LoRA adapter's weight file),
* the exact text the model sees (chat template applied),
* the generation settings (``max_new_tokens``, greedy) and the transformers version,

and reused by any later run that asks exactly the same thing. The comparison harness uses it so that
re-running the comparison (the lab, the CLI, the benchmark, the test suite and the book build all
do) does not pay again for answers it already computed; :class:`ragft.rag.RagPipeline` uses it too
when asked to (``cache=True``), and :func:`ragft.finetune.adapter_fingerprint` hashes adapters with
:func:`file_sha256`. Reuse is recorded: every answer says
whether it came from the cache, and the latency reported for a cached answer is the one measured
when it was generated.

Switch it off with ``ragft compare --no-cache`` (or ``CompareConfig(use_cache=False)``). The store is
one SQLite file under ``<cache>/answers/`` (standard library, safe to share between processes).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import config

#: bump to invalidate every stored answer (a change in how answers are produced)
ANSWER_CACHE_FORMAT = 1


def answers_dir() -> Path:
    return config.cache_dir() / "answers"


def file_sha256(path: str | Path, *, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def answer_key(model_fingerprint: str, text: str, settings: dict) -> str:
    """The cache key of one answer: model fingerprint + exact prompt text + generation settings."""
    payload = json.dumps({"model": model_fingerprint, "text": text, "settings": settings, "format": ANSWER_CACHE_FORMAT},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class AnswerCache:
    """``{key: {"answer", "prompt_tokens", "new_tokens", "seconds"}}`` in SQLite."""

    def __init__(self, folder: str | Path | None = None):
        folder = Path(folder) if folder is not None else answers_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "answers.sqlite"
        self._db = sqlite3.connect(self.path, timeout=60)
        self._db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, record TEXT, created REAL)")

    def get_many(self, keys: Sequence[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        unique = list(dict.fromkeys(keys))
        for i in range(0, len(unique), 500):
            part = unique[i : i + 500]
            rows = self._db.execute(f"SELECT key, record FROM answers WHERE key IN ({','.join('?' * len(part))})", part)
            for key, record in rows.fetchall():
                found[key] = json.loads(record)
        return found

    def put_many(self, items: dict[str, dict]) -> None:
        now = time.time()
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO answers VALUES (?, ?, ?)",
                                 [(k, json.dumps(v, ensure_ascii=False), now) for k, v in items.items()])

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def close(self) -> None:
        self._db.close()


@dataclass
class CachedGeneration:
    """Answers in the order asked, with per-answer cost and whether each came from the cache."""

    texts: list[str]
    prompt_tokens: list[int]
    new_tokens: list[int]
    per_item_seconds: list[float]
    from_cache: list[bool] = field(default_factory=list)
    seconds: float = 0.0  # wall time of this call (generation of the misses only)

    @property
    def n_cached(self) -> int:
        return sum(self.from_cache)


def cached_generate(
    generate_fn: Callable,
    model,
    tokenizer,
    prompts: Sequence,
    *,
    render: Callable,
    fingerprint: str,
    cache: AnswerCache | None,
    max_new_tokens: int,
    batch_size: int = 16,
    progress: bool | str = False,
    read: bool = True,
) -> CachedGeneration:
    """Answer ``prompts`` with ``generate_fn`` (e.g. :func:`ragft.models.generate`), reusing stored answers.

    ``render(tokenizer, prompt)`` gives the exact text the model sees (the key). Identical prompts in
    one call are generated once. With ``cache=None`` everything is generated (and nothing stored);
    with ``read=False`` everything is generated and the stored answers are refreshed.
    """
    import transformers

    settings = {"max_new_tokens": int(max_new_tokens), "do_sample": False, "transformers": transformers.__version__}
    keys = [answer_key(fingerprint, render(tokenizer, p), settings) for p in prompts]
    stored = cache.get_many(keys) if cache is not None and read else {}
    todo: dict[str, int] = {}  # key -> index of the first prompt with that key still to generate
    for i, key in enumerate(keys):
        if key not in stored and key not in todo:
            todo[key] = i
    start = time.perf_counter()
    fresh: dict[str, dict] = {}
    if todo:
        order = list(todo.values())
        gen = generate_fn(model, tokenizer, [prompts[i] for i in order], max_new_tokens=max_new_tokens,
                          batch_size=batch_size, progress=progress)
        for j, i in enumerate(order):
            fresh[keys[i]] = {"answer": gen.texts[j], "prompt_tokens": int(gen.prompt_tokens[j]),
                              "new_tokens": int(gen.new_tokens[j]), "seconds": float(gen.per_item_seconds[j])}
        if cache is not None:
            cache.put_many(fresh)
    seconds = time.perf_counter() - start
    out = CachedGeneration([], [], [], [], [], seconds)
    first_use: set[str] = set()
    for key in keys:
        rec = stored.get(key) or fresh[key]
        out.texts.append(rec["answer"])
        out.prompt_tokens.append(rec["prompt_tokens"])
        out.new_tokens.append(rec["new_tokens"])
        out.per_item_seconds.append(rec["seconds"])
        # an answer generated in this call counts as fresh the first time and as reused after that
        reused = key in stored or key in first_use
        out.from_cache.append(reused)
        first_use.add(key)
    return out
