"""Which device the models run on: ``RAGFT_DEVICE=auto|cpu|cuda|mps``.

``auto`` (the default) takes a CUDA GPU when torch sees one, else Apple's GPU (MPS) when torch sees it, else
the CPU. Generation (:func:`ragft.models.load_generator`), LoRA training (:func:`ragft.finetune.train_lora`),
the embedder (:func:`ragft.models.load_embedder`) and its fine-tuning (:mod:`ragft.rag.tune`) all use it.

The course's glued numbers were computed on the CPU, which stays the reference: a GPU computes the same model
in another order of floating-point operations, so an answer can differ where two tokens nearly tie, and the
device enters every cache key (answers, adapters) except the CPU's, so a GPU run never reuses a CPU answer as
its own. The labs print the device that ran them (``ragft.labruns`` records it).
"""

from __future__ import annotations

import os

ENV = "RAGFT_DEVICE"
AUTO = "auto"
CPU = "cpu"
CUDA = "cuda"
MPS = "mps"
#: the values ``RAGFT_DEVICE`` accepts
CHOICES = (AUTO, CPU, CUDA, MPS)
#: what an unset ``RAGFT_DEVICE`` means
DEFAULT = AUTO


def setting(value: str | None = None) -> str:
    """The requested setting, checked: ``value`` or ``RAGFT_DEVICE`` (unset or empty means :data:`DEFAULT`)."""
    raw = os.environ.get(ENV, "") if value is None else value
    name = str(raw).strip().lower() or DEFAULT
    if name not in CHOICES:
        where = ENV if value is None else "device"
        raise ValueError(f"{where} must be one of {', '.join(CHOICES)} (unset means {DEFAULT}), got {raw!r}")
    return name


def cuda_available() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def mps_available() -> bool:
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve(value: str | None = None) -> str:
    """``"cpu"``, ``"cuda"`` or ``"mps"``: ``value`` (or ``RAGFT_DEVICE``) with ``auto`` decided on this machine.

    Asking for a device torch cannot see is an error that says what to set instead (a silent fall-back to
    the CPU would make a learner wait an hour believing the GPU is in use).
    """
    name = setting(value)
    if name == AUTO:
        return CUDA if cuda_available() else MPS if mps_available() else CPU
    if name == CUDA and not cuda_available():
        raise ValueError(f"{ENV}=cuda, but torch sees no CUDA GPU here (a CPU-only torch build, or no driver); "
                         f"set {ENV}=auto or cpu")
    if name == MPS and not mps_available():
        raise ValueError(f"{ENV}=mps, but torch sees no Apple GPU (MPS) here; set {ENV}=auto or cpu")
    return name


def key_suffix(device: str | None = None) -> str:
    """What the device adds to a cache key or a model fingerprint: nothing for the CPU (so the keys of every
    cache written before the setting existed stay valid), ``@cuda`` or ``@mps`` otherwise."""
    name = resolve(device) if device in (None, AUTO) else setting(device)
    return "" if name == CPU else f"@{name}"
