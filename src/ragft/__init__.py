"""ragft: the shared toolkit of the "RAG vs Fine-Tuning" course.

Submodules are imported on demand so that ``import ragft`` stays instant:

* :mod:`ragft.config`   settings and cache locations (environment variables)
* :mod:`ragft.models`   offline generator / embedder loading and batched generation
* :mod:`ragft.data`     the course corpus, question sets and their validator
"""

from __future__ import annotations

__version__ = "0.1.0"


def set_seed(seed: int | None = None) -> int:
    """Seed Python, NumPy and torch (via ``transformers.set_seed``); returns the seed used."""
    from transformers import set_seed as hf_set_seed

    from . import config

    seed = config.seed() if seed is None else seed
    hf_set_seed(seed)
    return seed
