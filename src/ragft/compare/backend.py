"""How the harness gets its models, trains adapters and generates answers.

:class:`Backend` is the real thing (:mod:`ragft.models` and :mod:`ragft.finetune`). The harness only
talks to the models through these five methods, so the tests can swap in a tiny stand-in that
answers instantly and check the harness's bookkeeping without loading a network.
"""

from __future__ import annotations

from collections.abc import Sequence


class Backend:
    """Models from :func:`ragft.models.load_generator` / :func:`ragft.finetune.load_finetuned`."""

    def __init__(self):
        self._fingerprints: dict[str, str] = {}

    def load(self, adapter_dir: str | None = None):
        """``(model, tokenizer)``: the base generator, or the base plus the LoRA adapter in ``adapter_dir``."""
        if adapter_dir is None:
            from ..models import load_generator

            return load_generator(progress=False)
        from ..finetune import load_finetuned

        return load_finetuned(adapter_dir)

    def fingerprint(self, adapter_dir: str | None = None) -> str:
        """Identifies the weights that answer: the base model, plus a hash of the adapter's weight file."""
        key = str(adapter_dir)
        if key not in self._fingerprints:
            from ..finetune import adapter_fingerprint

            self._fingerprints[key] = adapter_fingerprint(adapter_dir)
        return self._fingerprints[key]

    def render(self, tokenizer, prompt) -> str:
        """The exact text the model sees for ``prompt`` (chat template plus assistant header)."""
        from ..models import chat_text

        return chat_text(tokenizer, prompt)

    def prompt_ids(self, tokenizer, prompt) -> list[int]:
        """The token ids of the text the model sees for ``prompt`` (what a hosted API would bill as input)."""
        return tokenizer(self.render(tokenizer, prompt), add_special_tokens=False)["input_ids"]

    def generate(self, model, tokenizer, prompts: Sequence, *, max_new_tokens: int, batch_size: int, progress=False):
        from ..models import generate

        return generate(model, tokenizer, list(prompts), max_new_tokens=max_new_tokens, batch_size=batch_size,
                        progress=progress)

    def train(self, name: str, examples: Sequence[dict], **kwargs):
        """Train (or fetch from the adapter cache) a LoRA adapter; returns a ``TrainResult``."""
        from ..finetune import cached_adapter

        return cached_adapter(name, list(examples), **kwargs)
