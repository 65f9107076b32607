"""Which number format the generator computes in: ``RAGFT_DTYPE=auto|float32|bfloat16``.

**The default is float32**; ``auto`` (bfloat16 where the hardware computes it natively, float32
elsewhere) and ``bfloat16`` are opt-in. ``auto`` was the default for one change and went back: a full
book build in bfloat16 (fresh clone, a cache holding only the models, idle 2-core machine, 2026-12-07)
took 26 minutes against 54 in float32, but two of the registry's verdicts, measured in float32, came out
the other way (``perf-ft-faster``: the merged fine-tuned model answered in 726 ms against RAG's 655, its
prefill 123 ms for 32 tokens against the base model's 56 ms for 49; ``cost-change-rate``: fine-tuning
was cheaper at no traffic and update rate). Until those verdicts are measured in both precisions (and
the merged model's slower bfloat16 prefill is explained), the course's numbers are float32's. An
earlier full book build in bfloat16 (fresh clone, a cache holding only the models, 2026-12-06)
ran every lab; every check held except the two that compared batched answers with one-by-one answers
(Lab 0: 11 of 16 identical where the check asked for 13, Lab 1: 5 of 8 where it asked for 7). In
bfloat16 the padding of a batch changes the rounding enough to flip a greedy token now and then, so
"batching does not change the answer" is true in float32 only. Those checks now state what holds in
both formats (:func:`ragft.models.divergence`: every difference starts at a near-tie, measured margins
0 to 0.375 logits), and the float32 count only in float32. ``RAGFT_DTYPE=float32`` gives exactly the
float32 models, answers and adapters of the earlier builds (their caches stay valid).

* ``float32``: every weight and activation in 32-bit floats.
* ``bfloat16``: the generator's weights and matrix products in bfloat16 (8 bits of mantissa instead
  of 23, the same range as float32). On a CPU that computes bfloat16 natively (Intel AMX or
  AVX512-BF16; AMD Zen 4 and later have AVX512-BF16) matrix products run faster and the weights take
  half the memory (``bench/bench_dtype.py`` measures prefill, decode and a training step); elsewhere
  torch emulates it, which is *slower* than float32.
  LoRA training (:func:`ragft.finetune.train_lora`) keeps float32 weights, LoRA matrices included,
  and runs the forward and backward passes under bfloat16 autocast (``TrainingArguments(bf16=True)``).
* ``auto``: bfloat16 where the hardware computes it natively, float32 elsewhere. The toolkit runs its
  models on the CPU, so :func:`resolve` looks for the ``amx_bf16`` or ``avx512_bf16`` flag in
  ``/proc/cpuinfo`` (Linux; any other system gets float32); for a CUDA device (``device="cuda"``) it
  asks ``torch.cuda.is_bf16_supported()``.

The dtype is part of every cache key that depends on the model's numbers (the generator's
fingerprint, hence the answer cache and adapter fingerprints, and :func:`ragft.finetune.adapter_key`).
float32 adds nothing to them (:func:`key_suffix` is empty), so the caches written before this setting
existed stay valid; bfloat16 answers and adapters are cached separately.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "RAGFT_DTYPE"
FLOAT32 = "float32"
BFLOAT16 = "bfloat16"
AUTO = "auto"
#: the values ``RAGFT_DTYPE`` accepts
CHOICES = (AUTO, FLOAT32, BFLOAT16)
#: what an unset ``RAGFT_DTYPE`` means
DEFAULT = FLOAT32
#: /proc/cpuinfo flags of CPUs that compute bfloat16 products in hardware
NATIVE_BF16_FLAGS = ("amx_bf16", "avx512_bf16")

CPUINFO = Path("/proc/cpuinfo")


def setting(value: str | None = None) -> str:
    """The requested setting, checked: ``value`` or ``RAGFT_DTYPE`` (unset or empty means :data:`DEFAULT`)."""
    raw = os.environ.get(ENV, "") if value is None else value
    name = str(raw).strip().lower() or DEFAULT
    if name not in CHOICES:
        where = f"{ENV}" if value is None else "dtype"
        raise ValueError(f"{where} must be one of {', '.join(CHOICES)} (unset means {DEFAULT}), got {raw!r}")
    return name


def cpu_flags(path: str | os.PathLike | None = None) -> set[str]:
    """The CPU feature flags from ``/proc/cpuinfo`` (an empty set where there is no such file)."""
    try:
        text = Path(path or CPUINFO).read_text(errors="replace")
    except OSError:
        return set()
    flags: set[str] = set()
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        if sep and key.strip() in ("flags", "Features"):
            flags.update(rest.split())
    return flags


def native_bf16(device: str = "cpu") -> bool:
    """Whether ``device`` (``"cpu"`` or ``"cuda"``) computes bfloat16 natively."""
    if device.startswith("cuda"):
        import torch

        return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())
    return any(flag in cpu_flags() for flag in NATIVE_BF16_FLAGS)


def resolve(value: str | None = None, *, device: str = "cpu") -> str:
    """``"float32"`` or ``"bfloat16"``: ``value`` (or ``RAGFT_DTYPE``) with ``auto`` decided for ``device``.

    Raises ``ValueError`` naming the variable and the allowed values for anything else.
    """
    name = setting(value)
    if name == AUTO:
        return BFLOAT16 if native_bf16(device) else FLOAT32
    return name


def torch_dtype(value: str | None = None):
    """The ``torch.dtype`` of :func:`resolve` (``value`` may also be a ``torch.dtype`` already)."""
    import torch

    if isinstance(value, torch.dtype):
        return value
    return torch.bfloat16 if resolve(value) == BFLOAT16 else torch.float32


def name_of(dtype) -> str:
    """``"float32"`` / ``"bfloat16"`` for a name, a setting (``auto`` is resolved) or a ``torch.dtype``."""
    import torch

    if isinstance(dtype, torch.dtype):
        return str(dtype).removeprefix("torch.")
    return resolve(dtype)


def key_suffix(dtype=None) -> str:
    """What a cache key or fingerprint gets appended for ``dtype``: nothing for float32, ``"@bfloat16"`` otherwise."""
    name = name_of(dtype)
    return "" if name == FLOAT32 else f"@{name}"
