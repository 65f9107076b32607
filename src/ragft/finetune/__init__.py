"""LoRA fine-tuning of the course generator (peft + Hugging Face ``Trainer``).

* :func:`train_lora` trains an adapter on ``{"question", "answer"}`` or ``{"messages"}`` examples;
* :func:`cached_adapter` trains once and reuses the adapter in later labs;
* :func:`load_finetuned` loads base model + adapter for :func:`ragft.models.generate`, with the
  adapter's :class:`TrainingPrompt` (how it was prompted in training) as ``model.ragft_prompt``;
* :func:`load_training_data` reads a JSONL training file (``ragft finetune DATA.jsonl``);
* :mod:`ragft.finetune.evaluate` scores the three experiments of the fine-tuning labs.
"""

from .data import (
    KNOWLEDGE_SYSTEM,
    TrainingDataError,
    house_format_examples,
    knowledge_examples,
    load_training_data,
    save_training_data,
    ticket_examples,
    ticket_prompt,
)
from .prompt import TrainingPrompt
from .train import (
    ALL_LINEAR,
    DEFAULT_TARGET_MODULES,
    AdapterError,
    TrainResult,
    adapter_fingerprint,
    adapters_dir,
    cached_adapter,
    encode_example,
    load_finetuned,
    make_collator,
    train_lora,
)

__all__ = [
    "ALL_LINEAR",
    "DEFAULT_TARGET_MODULES",
    "KNOWLEDGE_SYSTEM",
    "AdapterError",
    "TrainResult",
    "TrainingPrompt",
    "TrainingDataError",
    "adapter_fingerprint",
    "adapters_dir",
    "cached_adapter",
    "encode_example",
    "house_format_examples",
    "knowledge_examples",
    "load_finetuned",
    "load_training_data",
    "make_collator",
    "save_training_data",
    "ticket_examples",
    "ticket_prompt",
    "train_lora",
]
