"""The training prompt of an adapter: recorded when it is trained, used whenever it is asked.

A LoRA adapter learns to continue one exact layout: the chat template of the tokenizer, the system
message its examples carried (or none), then the user turn. Asked in another layout, for instance with
a system prompt it never saw, it can fall apart: an adapter trained on replies ending with a fixed
sign-off writes the sign-off when asked as it was trained, and rambles when the same question arrives
under a different system message.

So :func:`ragft.finetune.train_lora` stores a :class:`TrainingPrompt` in the adapter's
``ragft_train.json`` (key ``"prompt"``), :func:`ragft.finetune.load_finetuned` puts it on the model as
``model.ragft_prompt``, and everything that asks a fine-tuned model a question closed-book
(``ragft ask --adapter``, :class:`ragft.rag.RagPipeline` without an index, the comparison harness's
``ft`` system) builds its prompt with :meth:`TrainingPrompt.messages`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .data import check_example, to_messages


@dataclass(frozen=True)
class TrainingPrompt:
    """How the training examples were laid out before the assistant's reply.

    ``system``: the system message every training example carried (from ``train_lora(system=...)`` /
    ``ragft finetune --system``, or a system turn present in the data), ``None`` when they had none.
    ``chat_template``: the tokenizer's chat template that rendered them (SmolLM2's inserts its own
    default system message when there is none; recording the template keeps that exact behaviour).
    ``layout``: the roles of a training example, in order (e.g. ``["user", "assistant"]``).
    ``system_varies``: the examples carried different system messages, so no single one can be
    replayed; questions are then asked with none.
    """

    system: str | None = None
    chat_template: str | None = None
    layout: list[str] = field(default_factory=list)
    system_varies: bool = False

    @classmethod
    def of_training(cls, examples: Sequence[dict], system: str | None, tokenizer) -> TrainingPrompt:
        """The prompt that :func:`~ragft.finetune.encode_example` gives ``examples`` with ``system``."""
        chats = [to_messages(check_example(ex), system) for ex in examples]
        systems = Counter(m[0]["content"] if m and m[0]["role"] == "system" else None for m in chats)
        layouts = Counter(tuple(m["role"] for m in chat) for chat in chats)
        (common, _), = systems.most_common(1)
        return cls(system=common if len(systems) == 1 else None,
                   chat_template=getattr(tokenizer, "chat_template", None),
                   layout=list(layouts.most_common(1)[0][0]),
                   system_varies=len(systems) > 1)

    @classmethod
    def from_record(cls, record: dict | None) -> TrainingPrompt | None:
        """Read the ``"prompt"`` entry of ``ragft_train.json``; ``None`` for adapters trained before it existed."""
        if not record:
            return None
        return cls(system=record.get("system"), chat_template=record.get("chat_template"),
                   layout=list(record.get("layout") or []), system_varies=bool(record.get("system_varies")))

    def to_record(self) -> dict:
        return {"system": self.system, "chat_template": self.chat_template, "layout": list(self.layout),
                "system_varies": self.system_varies}

    def messages(self, question: str) -> list[dict]:
        """The chat messages that ask ``question`` the way the adapter was trained."""
        messages = [{"role": "system", "content": self.system}] if self.system is not None else []
        return messages + [{"role": "user", "content": question}]

    def text(self, tokenizer, question: str) -> str:
        """The exact prompt text (recorded chat template, with the assistant header the reply follows)."""
        return tokenizer.apply_chat_template(self.messages(question), tokenize=False, add_generation_prompt=True,
                                             chat_template=self.chat_template or tokenizer.chat_template)

    def describe(self) -> str:
        """One line for people: which system message the adapter expects."""
        if self.system_varies:
            return "trained with several system messages; asked with none"
        return f"system message {self.system!r}" if self.system is not None else "no system message (as trained)"
