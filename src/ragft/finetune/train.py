"""LoRA fine-tuning of the course generator with peft and the Hugging Face ``Trainer``.

The pieces, in the order :func:`train_lora` uses them:

1. :func:`encode_example` renders an example with the model's chat template and tokenizes it. Labels
   are a copy of the token ids with ``-100`` on every token that is *not* part of an assistant reply
   (system prompt, question, chat markers), so the loss, and therefore the learning, is only about
   the answers. ``-100`` is the index PyTorch's cross-entropy ignores.
2. ``DataCollatorForSeq2Seq`` pads a batch on the right and pads the labels with ``-100`` too (the pad
   token of SmolLM2 is its end-of-turn token, so padding labels with the pad id would teach the model
   to emit end-of-turn everywhere).
3. ``peft.get_peft_model`` freezes the base model and adds the low-rank matrices A and B next to the
   chosen projection layers; the ``Trainer`` then runs AdamW on those few parameters only.
4. The adapter (a few MB) is saved with ``save_pretrained`` next to ``ragft_train.json``, a record of
   the training configuration, the metrics and the *training prompt* (system message and chat template,
   see :mod:`ragft.finetune.prompt`), written to a temporary sibling folder and swapped into place
   under the output-folder rule of :mod:`ragft.outputs` (checked before training: ``--force`` replaces an
   adapter folder and nothing else).

:func:`cached_adapter` keys a trained adapter by a hash of its data, configuration and base model, so
a later lab gets the same adapter back in a second instead of training again. :func:`load_finetuned`
puts an adapter back on the base model for :func:`ragft.models.generate`, with its training prompt as
``model.ragft_prompt`` so that it is asked the way it was trained.

Precision and memory (``RAGFT_DTYPE``, :mod:`ragft.precision`; float32 unless set): with bfloat16 the
base weights and the LoRA matrices stay float32 and the ``Trainer`` runs forward and backward under
bfloat16 autocast (``TrainingArguments(bf16=True)``). Whatever the precision, the loss is computed by
:func:`selective_lm_loss`: the language-model head (a 49,152-word vocabulary for SmolLM2) is applied
only at the positions that carry a label, the answer tokens, instead of at every position of every
prompt. The loss is the same as the standard one to within float rounding; for RAFT's long prompts it
saves most of the training step's memory (the full logits of a batch of 8 x 512 tokens are 0.8 GB in
float32, and cross-entropy keeps several copies of them for the backward pass).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import config, outputs, precision
from .. import device as devices
from ..answers import file_sha256
from ..errors import UsageError
from .data import check_example, to_messages
from .prompt import TrainingPrompt
from .selective import _selective_head_trainer, selective_lm_loss  # noqa: F401 (ft_train.selective_lm_loss)

#: bump to invalidate every cached adapter (change of data encoding or training recipe)
ADAPTER_FORMAT = 1
TRAIN_RECORD = "ragft_train.json"

DEFAULT_TARGET_MODULES = ("q_proj", "v_proj")
#: every linear layer of a Llama-style block (attention and MLP); more capacity, about 4x the parameters
ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def top_layer_modules(n_layers: int, top: int, projections: Sequence[str]) -> tuple[str, ...]:
    """LoRA target names for ``projections`` in the top ``top`` of ``n_layers`` decoder layers (the backward
    pass then stops at the lowest adapted layer instead of running through the whole network)."""
    where = {p: ("self_attn" if p in ALL_LINEAR[:4] else "mlp") for p in projections}
    return tuple(f"layers.{i}.{where[p]}.{p}" for i in range(max(0, n_layers - top), n_layers) for p in projections)

DEFAULTS = dict(
    epochs=3.0,
    lr=2e-3,
    rank=8,
    alpha=16,
    dropout=0.05,
    target_modules=DEFAULT_TARGET_MODULES,
    batch_size=8,
    max_length=192,
    warmup_steps=0.06,
    scheduler="linear",
    weight_decay=0.0,
)


class AdapterError(UsageError, ValueError):
    """A folder is not a usable adapter, or an output folder would be overwritten."""


#: the files peft's ``save_pretrained`` and :func:`train_lora` write in an adapter folder
ADAPTER_FILES = frozenset({"adapter_config.json", "adapter_model.safetensors", "adapter_model.bin", "README.md", TRAIN_RECORD})


def is_adapter_dir(folder: str | Path) -> bool:
    """Whether ``folder`` holds a LoRA adapter (peft's ``adapter_config.json``)."""
    return (Path(folder) / "adapter_config.json").is_file()


#: what ``ragft finetune --output`` writes (the output-folder rule of :mod:`ragft.outputs`)
ADAPTER_OUTPUT = outputs.OutputKind(
    noun="a LoRA adapter",
    files=ADAPTER_FILES,
    made_by="`ragft finetune`",
    default_name="adapter",
    is_own=is_adapter_dir,
)


@dataclass
class TrainResult:
    """What a LoRA run produced: where the adapter is, what it cost, how the loss went."""

    adapter_dir: str
    seconds: float
    trainable_params: int
    total_params: int
    trainable_percent: float
    final_loss: float
    loss_history: list[tuple[int, float]] = field(default_factory=list)
    adapter_bytes: int = 0
    n_examples: int = 0
    steps: int = 0
    config: dict = field(default_factory=dict)
    base_model: str = ""
    cached: bool = False  # True when cached_adapter found it instead of training
    prompt: dict = field(default_factory=dict)  # TrainingPrompt.to_record(); empty for adapters trained before it
    train_tokens: int = 0  # tokens of the encoded examples, one pass (a hosted fine-tuning bills these x epochs)

    @property
    def billed_tokens(self) -> int:
        """The tokens a hosted fine-tuning service bills for this run: the training file's tokens times the epochs."""
        return int(self.train_tokens * float(self.config.get("epochs", 1)))

    @property
    def training_prompt(self) -> TrainingPrompt | None:
        """How the examples were laid out in training (``None`` for adapters trained before this was recorded)."""
        return TrainingPrompt.from_record(self.prompt)

    @property
    def adapter_mb(self) -> float:
        return self.adapter_bytes / 1e6

    def summary(self) -> str:
        """One line for printing: parameters, time, loss, size, and the folder (``<cache>/adapters/...``)."""
        origin = " (from cache)" if self.cached else ""
        return (f"trainable parameters {self.trainable_params:,} of {self.total_params:,} "
                f"({self.trainable_percent:.2f}%), {self.steps} steps in {self.seconds:.1f} s{origin}, "
                f"final loss {self.final_loss:.3f}, adapter {self.adapter_mb:.1f} MB at {config.display_path(self.adapter_dir)}")

    @classmethod
    def from_dir(cls, adapter_dir: str | Path) -> TrainResult:
        """Read the ``ragft_train.json`` record of an adapter folder."""
        record = json.loads((Path(adapter_dir) / TRAIN_RECORD).read_text())
        known = {k: record[k] for k in cls.__dataclass_fields__ if k in record}
        known["loss_history"] = [tuple(x) for x in known.get("loss_history", [])]
        known["adapter_dir"] = str(adapter_dir)
        return cls(**known)


# --------------------------------------------------------------------------------------------------
# encoding: chat template + loss mask


def encode_example(tokenizer, example: dict, *, system: str | None = None, max_length: int = 192) -> dict:
    """Tokenize one example; labels are ``-100`` on every token outside the assistant replies.

    Written out by hand because the masking is the point: we find the character span of each
    assistant reply (its text plus the end-of-turn marker, so the model learns to stop) by rendering
    the chat template up to that reply, then keep the labels of the tokens inside those spans.
    """
    messages = to_messages(check_example(example), system)
    full = tokenizer.apply_chat_template(messages, tokenize=False)
    spans = []
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        before = tokenizer.apply_chat_template(messages[:i], tokenize=False, add_generation_prompt=True)
        upto = tokenizer.apply_chat_template(messages[: i + 1], tokenize=False)
        if not (full.startswith(before) and full.startswith(upto)):
            raise ValueError("this tokenizer's chat template does not render prefixes consistently; "
                             "pass examples in question/answer form")
        end = upto.rstrip("\n")  # keep the end-of-turn marker, drop the newline after it
        spans.append((len(before), len(end)))
    enc = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True, truncation=True,
                    max_length=max_length)
    labels = [
        tok if any(s <= start < e for s, e in spans) else -100
        for tok, (start, _) in zip(enc["input_ids"], enc["offset_mapping"])
    ]
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"], "labels": labels}


def make_collator(tokenizer):
    """Pads ``input_ids`` with the pad token and ``labels`` with -100 (on the right)."""
    from transformers import DataCollatorForSeq2Seq

    tok = copy.copy(tokenizer)
    tok.padding_side = "right"
    return DataCollatorForSeq2Seq(tok, padding=True, label_pad_token_id=-100, return_tensors="pt")


# --------------------------------------------------------------------------------------------------
# training


def _base_model_id() -> str:
    """Identifies the base weights an adapter belongs to (part of the cache key, checked on load)."""
    from .. import models

    name = config.generator_name()
    if name == config.BUNDLED:
        return f"{config.GENERATOR_NAME}:{models.generator_cache_dir().name}"
    return name


def _quiet_progress_callback():
    from transformers.trainer_callback import ProgressCallback

    class LossInBar(ProgressCallback):
        """The Trainer's progress bar, showing the latest loss instead of printing every log line."""

        def on_log(self, args, state, control, logs=None, **kwargs):
            if self.training_bar is not None and logs and "loss" in logs:
                self.training_bar.set_postfix(loss=f"{logs['loss']:.3f}", refresh=False)

    return LossInBar


def train_lora(
    examples: Sequence[dict],
    *,
    output_dir: str | Path | None = None,
    epochs: float = DEFAULTS["epochs"],
    lr: float = DEFAULTS["lr"],
    rank: int = DEFAULTS["rank"],
    alpha: int = DEFAULTS["alpha"],
    target_modules: Sequence[str] = DEFAULTS["target_modules"],
    batch_size: int = DEFAULTS["batch_size"],
    max_length: int = DEFAULTS["max_length"],
    dropout: float = DEFAULTS["dropout"],
    seed: int = 42,
    system: str | None = None,
    overwrite: bool = False,
    progress: bool = True,
    selective_head: bool = True,
    micro_batch_size: int | None = None,
) -> TrainResult:
    """Fine-tune the course generator with LoRA on ``examples`` and save the adapter.

    ``examples`` are ``{"question", "answer"}`` or ``{"messages": [...]}`` dicts. ``system`` is a
    system prompt added to every example that has none (use the same one when you generate).
    ``output_dir`` defaults to a new folder under ``<cache>/adapters/``; an existing non-empty folder
    is only replaced with ``overwrite=True``. Returns a :class:`TrainResult`.

    Trains in ``RAGFT_DTYPE``'s precision (float32 unless set, as :func:`ragft.precision.resolve` reads it; bfloat16 means float32 weights under
    bfloat16 autocast). ``selective_head=False`` computes the standard full-vocabulary logits at every
    position instead of :func:`selective_lm_loss` (same loss, far more memory; for comparisons).

    ``micro_batch_size`` (a divisor of ``batch_size``) runs each batch of ``batch_size`` examples as
    ``batch_size // micro_batch_size`` forward and backward passes whose gradients are accumulated before
    the optimizer steps (``TrainingArguments(gradient_accumulation_steps=...)``): the same examples per
    step and the same number of steps, with the activations of a micro-batch in memory instead of a
    whole batch's. The loss is normalised over the whole batch's supervised tokens (the ``Trainer``'s
    ``num_items_in_batch``), so without dropout the update equals the full batch's to within float
    rounding; with dropout the random masks are drawn in another order, so it is another adapter and
    the setting is part of :func:`adapter_key`.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import Trainer, TrainingArguments
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    from .. import models, set_seed

    examples = [check_example(ex, f"example {i + 1}") for i, ex in enumerate(examples)]
    if not examples:
        raise ValueError("train_lora() needs at least one example")
    if epochs <= 0 or lr <= 0 or rank < 1 or batch_size < 1:
        raise ValueError(f"epochs, lr, rank and batch_size must be positive (got {epochs}, {lr}, {rank}, {batch_size})")
    micro = _micro_batch(batch_size, micro_batch_size)
    if output_dir is None:
        root = config.cache_dir() / "adapters"
        root.mkdir(parents=True, exist_ok=True)
        output_dir = Path(tempfile.mkdtemp(prefix="run-", dir=root))
        overwrite = True
    output_dir = Path(output_dir).expanduser()
    try:  # before the model is loaded: a folder that may not be written is refused before any training
        outputs.check_output(output_dir, ADAPTER_OUTPUT, replace=overwrite,
                             replace_flag="overwrite=True (--force on the command line)")
    except outputs.OutputFolderError as err:
        raise AdapterError(str(err)) from None

    set_seed(seed)
    dtype = precision.resolve()
    # float32 master weights in both precisions: bfloat16 training is autocast (TrainingArguments(bf16=True))
    model, tokenizer = models.load_generator(progress=False, dtype=precision.FLOAT32)
    lora = LoraConfig(task_type="CAUSAL_LM", r=rank, lora_alpha=alpha, lora_dropout=dropout,
                      target_modules=list(target_modules), bias="none")
    model = get_peft_model(model, lora)
    trainable, total = model.get_nb_trainable_parameters()
    data = [encode_example(tokenizer, ex, system=system, max_length=max_length) for ex in examples]

    work = outputs.temp_sibling(output_dir)  # .NAME.tmp-PID-*: beside the output, deleted by a later run if we die
    try:
        args = TrainingArguments(
            output_dir=str(work / "trainer"),
            num_train_epochs=epochs,
            learning_rate=lr,
            per_device_train_batch_size=micro,
            gradient_accumulation_steps=batch_size // micro,
            lr_scheduler_type=DEFAULTS["scheduler"],
            warmup_steps=DEFAULTS["warmup_steps"],
            weight_decay=DEFAULTS["weight_decay"],
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            use_cpu=devices.resolve() == devices.CPU,  # RAGFT_DEVICE: a GPU when there is one
            bf16=dtype == precision.BFLOAT16,  # autocast; the weights (LoRA matrices too) stay float32
            seed=seed,
            data_seed=seed,
            disable_tqdm=not progress,
            dataloader_num_workers=0,
            dataloader_pin_memory=False,
            remove_unused_columns=False,
            train_sampling_strategy="group_by_length",  # batches of similar length waste less padding
            optim="adamw_torch",
        )
        trainer_cls = _selective_head_trainer() if selective_head else Trainer
        trainer = trainer_cls(model=model, args=args, train_dataset=data, data_collator=make_collator(tokenizer))
        trainer.remove_callback(PrinterCallback)  # without a bar it would print every log line
        if progress:
            trainer.remove_callback(ProgressCallback)
            trainer.add_callback(_quiet_progress_callback())
        model.train()
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
        model.eval()
        history = [(int(h["step"]), float(h["loss"])) for h in trainer.state.log_history if "loss" in h]

        staged = work / "adapter"
        model.save_pretrained(staged)
        settings = dict(epochs=epochs, lr=lr, rank=rank, alpha=alpha, dropout=dropout,
                        target_modules=list(target_modules), batch_size=batch_size, max_length=max_length,
                        micro_batch_size=micro, seed=seed, system=system, scheduler=DEFAULTS["scheduler"],
                        warmup_steps=DEFAULTS["warmup_steps"], format=ADAPTER_FORMAT, dtype=dtype)
        result = TrainResult(
            adapter_dir=str(output_dir),
            seconds=seconds,
            trainable_params=int(trainable),
            total_params=int(total),
            trainable_percent=100.0 * trainable / total,
            final_loss=history[-1][1] if history else float("nan"),
            loss_history=history,
            adapter_bytes=0,
            n_examples=len(examples),
            steps=int(trainer.state.global_step),
            config=settings,
            base_model=_base_model_id(),
            prompt=TrainingPrompt.of_training(examples, system, tokenizer).to_record(),
            train_tokens=sum(len(d["input_ids"]) for d in data),
        )
        result.adapter_bytes = config.dir_bytes(staged)  # peft's files; the small JSON record is not counted
        record = asdict(result)
        record.update(torch=torch.__version__, created=time.strftime("%Y-%m-%dT%H:%M:%S"))
        (staged / TRAIN_RECORD).write_text(json.dumps(record, indent=1))
        _move_into_place(staged, output_dir)
    finally:
        outputs.discard(work)
    return result


def _move_into_place(staged: Path, target: Path) -> None:
    """Swap the finished adapter folder ``staged`` in at ``target`` under the target's write lock.

    The output-folder rule is checked again (the folder may have changed during training), the
    temporaries of dead runs are deleted and the swap is one step (:func:`ragft.outputs.replace_folder`).
    """
    target = outputs.absolute(target)
    with outputs.folder_lock(target):
        outputs.clean_stale(target)
        try:
            outputs.check_output(target, ADAPTER_OUTPUT, replace=True)
        except outputs.OutputFolderError as err:
            raise AdapterError(f"{err} (the trained adapter was not saved)") from None
        local = None
        if os.stat(staged).st_dev != os.stat(target.parent).st_dev:  # the swap must stay on one filesystem
            local = outputs.temp_sibling(target)
            shutil.copytree(staged, local / "adapter")
            staged = local / "adapter"
        try:
            outputs.replace_folder(staged, target)
        finally:
            outputs.discard(local)


# --------------------------------------------------------------------------------------------------
# cache


def _micro_batch(batch_size: int, micro_batch_size: int | None) -> int:
    """The micro-batch ``train_lora`` runs (``batch_size`` when ``micro_batch_size`` is None)."""
    if micro_batch_size is None:
        return int(batch_size)
    if isinstance(micro_batch_size, bool) or int(micro_batch_size) != micro_batch_size or micro_batch_size < 1 \
            or batch_size % int(micro_batch_size):
        raise ValueError(f"micro_batch_size must be a positive divisor of batch_size {batch_size}, got "
                         f"{micro_batch_size!r} (it splits each batch into equal parts to save memory)")
    return int(micro_batch_size)


def adapter_key(examples: Sequence[dict], **train_kwargs) -> str:
    """Hash of the training data, the full training configuration, the base model and the precision.

    The precision (``RAGFT_DTYPE``) enters only when it is not float32, so float32 keys, and the
    adapters cached under them, are the same as before the setting existed; likewise ``micro_batch_size``
    enters only when it splits the batch. ``progress`` and ``selective_head`` do not change the adapter
    beyond float rounding and are not part of it.
    """
    settings = {k: train_kwargs.get(k, DEFAULTS.get(k)) for k in
                ("epochs", "lr", "rank", "alpha", "dropout", "target_modules", "batch_size", "max_length")}
    settings["target_modules"] = list(settings["target_modules"])
    settings.update(seed=train_kwargs.get("seed", 42), system=train_kwargs.get("system"),
                    scheduler=DEFAULTS["scheduler"], warmup=DEFAULTS["warmup_steps"], format=ADAPTER_FORMAT)
    unknown = set(train_kwargs) - set(settings) - {"progress", "selective_head", "micro_batch_size"}
    if unknown:
        raise TypeError(f"unknown training option(s) {sorted(unknown)}")
    micro = _micro_batch(int(settings["batch_size"]), train_kwargs.get("micro_batch_size"))
    if micro != settings["batch_size"]:  # keys of adapters trained in whole batches stay as they were
        settings["micro_batch_size"] = micro
    dtype = precision.resolve()
    if dtype != precision.FLOAT32:  # float32 keys stay as they were before RAGFT_DTYPE existed
        settings["dtype"] = dtype
    if (device := devices.resolve()) != devices.CPU:  # so do the CPU's keys; a GPU's rounding trains another adapter
        settings["device"] = device
    payload = json.dumps({"data": [check_example(ex) for ex in examples], "config": settings,
                          "base": _base_model_id()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def adapters_dir() -> Path:
    """Where :func:`cached_adapter` keeps adapters: ``<cache>/adapters``."""
    return config.cache_dir() / "adapters"


def cached_adapter(name: str, examples: Sequence[dict], **train_kwargs) -> TrainResult:
    """Train an adapter once and reuse it: ``<cache>/adapters/<name>-<hash>``.

    The hash covers the examples, every training option and the base model, so changing any of them
    trains a new adapter. A cache hit returns the stored :class:`TrainResult` with ``cached=True``
    (its ``seconds`` is the original training time).
    """
    if not name or any(c in name for c in "/\\") or name.startswith("."):
        raise ValueError(f"adapter name {name!r} must be a plain folder name such as 'knowledge'")
    folder = adapters_dir() / f"{name}-{adapter_key(examples, **train_kwargs)}"
    if (folder / TRAIN_RECORD).is_file() and (folder / "adapter_config.json").is_file():
        result = TrainResult.from_dir(folder)
        if not result.prompt or not result.train_tokens:  # trained before these were recorded: the key pins them
            _backfill_record(folder, result, examples, train_kwargs.get("system"))
        result.cached = True
        return result
    return train_lora(examples, output_dir=folder, overwrite=True, **train_kwargs)


def _base_tokenizer():
    """The base generator's tokenizer alone (its chat template), without loading the weights."""
    from transformers import AutoTokenizer

    from .. import models

    name = config.generator_name()
    return AutoTokenizer.from_pretrained(models.generator_cache_dir() if name == config.BUNDLED else name)


def _backfill_record(folder: Path, result: TrainResult, examples: Sequence[dict], system: str | None) -> None:
    """Add the training prompt and the training tokens to the ``ragft_train.json`` of a cached adapter that
    predates them (``result`` is updated too).

    Exact, not a guess: the cache key of the folder covers the examples, ``system``, ``max_length`` and the
    base model, so their chat layout and token count are the ones the adapter was trained on. Written atomically.
    """
    tokenizer = _base_tokenizer()
    if not result.prompt:
        result.prompt = TrainingPrompt.of_training(examples, system, tokenizer).to_record()
    if not result.train_tokens:
        max_length = int(result.config.get("max_length", DEFAULTS["max_length"]))
        result.train_tokens = sum(len(encode_example(tokenizer, check_example(ex, f"example {i + 1}"), system=system,
                                                     max_length=max_length)["input_ids"]) for i, ex in enumerate(examples))
    path = folder / TRAIN_RECORD
    record = json.loads(path.read_text())
    record.update(prompt=result.prompt, train_tokens=result.train_tokens)
    config.write_atomic(path, json.dumps(record, indent=1))


# --------------------------------------------------------------------------------------------------
# loading


def load_finetuned(adapter_dir: str | Path, *, merge: bool = False):
    """Return ``(model, tokenizer)``: the base generator with the adapter in ``adapter_dir``.

    With ``merge=True`` the low-rank update is added into the base weights (``merge_and_unload``),
    which gives a plain model that generates as fast as the base one. The model is in eval mode and
    ready for :func:`ragft.models.generate`.

    The model carries the adapter's training prompt as ``model.ragft_prompt`` (a
    :class:`~ragft.finetune.prompt.TrainingPrompt`): ``ragft ask --adapter``, a closed-book
    :class:`~ragft.rag.RagPipeline` and the comparison harness ask with its system message (or none),
    and the tokenizer renders with the recorded chat template. Adapters trained before the prompt
    was recorded still load: ``model.ragft_prompt`` is then ``None`` and those callers fall back to
    their old behaviour (the course's closed-book system prompt).
    """
    import warnings

    from peft import PeftModel

    from .. import models

    folder = Path(adapter_dir).expanduser()
    check_adapter(folder)
    record = folder / TRAIN_RECORD
    base, prompt = None, None
    if record.is_file():
        try:
            stored = json.loads(record.read_text())
            base, prompt = stored.get("base_model"), TrainingPrompt.from_record(stored.get("prompt"))
        except (ValueError, AttributeError):
            base, prompt = None, None
        if base and base != _base_model_id():
            warnings.warn(f"{folder} was trained on {base}, but the current generator is {_base_model_id()}",
                          stacklevel=2)
    model, tokenizer = models.load_generator(progress=False)
    try:
        model = PeftModel.from_pretrained(model, str(folder))
    except (RuntimeError, ValueError, OSError, KeyError, TypeError) as err:  # e.g. weights of another base model
        raise AdapterError(f"{folder} could not be put on the base model ({_last_line(err)}); {_retrain(folder)}") from None
    if merge:
        model = model.merge_and_unload()
    model.eval()
    model.ragft_fingerprint = adapter_fingerprint(folder)  # base weights + this adapter (for the answer cache)
    model.ragft_prompt = prompt
    if prompt is not None and prompt.chat_template and prompt.chat_template != tokenizer.chat_template:
        tokenizer.chat_template = prompt.chat_template  # render exactly as in training
    return model, tokenizer


def _retrain(folder: Path) -> str:
    return f"train it again with `ragft finetune DATA.jsonl --output {folder} --force`"


def _last_line(err: BaseException, limit: int = 200) -> str:
    text = (str(err).strip().splitlines() or [type(err).__name__])[-1].strip()
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_adapter(folder: str | Path) -> Path:
    """Raise :class:`AdapterError` (one line: what is wrong, how to fix it) unless ``folder`` holds a
    readable LoRA adapter: a valid ``adapter_config.json`` and a complete weight file. Cheap: it reads
    the weight file's header, not the weights, and loads no model."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AdapterError(f"{folder}: no such folder; pass the --output folder of `ragft finetune`")
    config_file = folder / "adapter_config.json"
    if not config_file.is_file():
        raise AdapterError(f"{folder} is not a LoRA adapter (no adapter_config.json); pass the folder that "
                           "`ragft finetune --output` or train_lora() wrote")
    try:
        settings = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise AdapterError(f"{config_file} is damaged ({_last_line(err)}); {_retrain(folder)}") from None
    if not isinstance(settings, dict) or not settings.get("peft_type"):
        raise AdapterError(f"{config_file} is not a peft adapter configuration (no peft_type); {_retrain(folder)}")
    weights = [folder / n for n in ("adapter_model.safetensors", "adapter_model.bin") if (folder / n).is_file()]
    if not weights:
        raise AdapterError(f"{folder} has no adapter weights (adapter_model.safetensors); {_retrain(folder)}")
    if weights[0].suffix == ".safetensors":
        from safetensors import safe_open

        try:  # parses the header and checks that the file holds every byte it announces
            with safe_open(str(weights[0]), framework="numpy") as fh:
                if not list(fh.keys()):
                    raise ValueError("it holds no tensors")
        except Exception as err:  # SafetensorError has no standard base class
            raise AdapterError(f"{weights[0]} is damaged or incomplete ({_last_line(err)}); {_retrain(folder)}") from None
    return folder


def adapter_fingerprint(adapter_dir: str | Path | None = None) -> str:
    """Identifies the weights that answer: the generator's fingerprint, plus a hash of the adapter's weight file."""
    from .. import models

    fp = models.generator_fingerprint()
    if adapter_dir is None:
        return fp
    folder = Path(adapter_dir)
    weights = sorted(folder.glob("adapter_model.*"))
    if weights:
        digest = file_sha256(weights[0])
    else:  # should not happen with peft; fall back to the folder name (content-hashed by cached_adapter)
        digest = hashlib.sha256(folder.name.encode()).hexdigest()
    return f"{fp}+lora:{digest[:16]}"
