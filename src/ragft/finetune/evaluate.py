"""Scoring the three fine-tuning experiments: closed-book knowledge, house format, ticket labels.

Every function takes a ``(model, tokenizer)`` pair, so the same code scores the base model, a
fine-tuned one (:func:`ragft.finetune.load_finetuned`) or anything else :func:`ragft.models.generate`
accepts. Generation is batched and greedy; answers are kept so a lab can show them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .. import metrics, models
from .data import KNOWLEDGE_SYSTEM, _get, ticket_prompt


@dataclass
class Scored:
    """Per-item answers and scores, plus their mean (``score``), the generation time and token counts."""

    answers: list[str]
    scores: list[float]
    seconds: float
    extra: dict = field(default_factory=dict)
    prompt_tokens: list[int] = field(default_factory=list)
    new_tokens: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, gen: models.Generation, scores: Sequence[float], extra: dict | None = None) -> Scored:
        """Scores of the answers in ``gen``, keeping its time and per-item token counts."""
        return cls(gen.texts, list(scores), gen.seconds, extra or {}, list(gen.prompt_tokens), list(gen.new_tokens))

    @property
    def score(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else float("nan")

    @property
    def tokens_per_item(self) -> float:
        """Mean tokens the model processed per item: the prompt it read plus the reply it wrote.

        Unlike :attr:`seconds`, this cost does not depend on the machine or on its load.
        """
        if not self.prompt_tokens:
            return float("nan")
        return (sum(self.prompt_tokens) + sum(self.new_tokens)) / len(self.prompt_tokens)

    def ci(self) -> tuple[float, float]:
        """95% bootstrap interval of :attr:`score`."""
        return metrics.bootstrap_ci(self.scores)


# --------------------------------------------------------------------------------------------------
# knowledge


def closed_book(model, tokenizer, questions: Sequence, *, system: str | None = KNOWLEDGE_SYSTEM,
                max_new_tokens: int = 20, batch_size: int = 32, progress: bool | str = False) -> Scored:
    """Ask each question with no documents; correct when an accepted answer appears in the reply."""
    gen = models.generate(model, tokenizer, [_get(q, "question") for q in questions], system=system,
                          max_new_tokens=max_new_tokens, batch_size=batch_size, progress=progress)
    scores = [float(metrics.answer_correct(a, _get(q, "answers"))) for a, q in zip(gen.texts, questions)]
    return Scored.of(gen, scores)


# --------------------------------------------------------------------------------------------------
# behaviour: the house format

#: the format spelled out for prompting the base model (the fine-tuned model gets the bare question)
HOUSE_FORMAT_INSTRUCTIONS = (
    "You write support replies in Quorvane's house format. Use exactly four lines:\n"
    "1. Hello from Quorvane Support!\n"
    "2. Answer: <one sentence answering the question>\n"
    "3. Next step: <one suggested next step>\n"
    "4. Kind regards, the Quorvane Support team"
)


def few_shot_messages(question: str, shots: Sequence, *, instructions: str = HOUSE_FORMAT_INSTRUCTIONS) -> list[dict]:
    """A chat prompt: the format instructions, worked examples as earlier turns, then ``question``."""
    messages = [{"role": "system", "content": instructions}]
    for shot in shots:
        messages += [{"role": "user", "content": _get(shot, "question")},
                     {"role": "assistant", "content": _get(shot, "reply")}]
    messages.append({"role": "user", "content": question})
    return messages


def format_adherence(model, tokenizer, items: Sequence, *, shots: Sequence = (), instructions: str | None = None,
                     check: Callable[[str], bool] | None = None, max_new_tokens: int = 72,
                     batch_size: int = 16, progress: bool | str = False) -> Scored:
    """Share of replies that pass the house-format check.

    With ``shots`` (and/or ``instructions``) the prompt spells out the format, as one would prompt a
    model that was never trained on it; without, the model gets the bare question.
    """
    if check is None:
        from ..data import check_house_format as check
    if shots or instructions:
        prompts = [few_shot_messages(_get(it, "question"), shots, instructions=instructions or HOUSE_FORMAT_INSTRUCTIONS)
                   for it in items]
    else:
        prompts = [_get(it, "question") for it in items]
    gen = models.generate(model, tokenizer, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size,
                          progress=progress)
    return Scored.of(gen, [float(bool(check(a))) for a in gen.texts])


# --------------------------------------------------------------------------------------------------
# classification


def parse_label(reply: str, labels: Sequence[str]) -> str | None:
    """The label named first in ``reply`` (whole word, case-insensitive), or None."""
    best, best_pos = None, len(reply) + 1
    for label in labels:
        m = re.search(rf"(?<![a-z]){re.escape(label.lower())}(?![a-z])", reply.lower())
        if m and m.start() < best_pos:
            best, best_pos = label, m.start()
    return best


def classify_tickets(model, tokenizer, tickets: Sequence, labels: Sequence[str], *, max_new_tokens: int = 6,
                     batch_size: int = 32, progress: bool | str = False) -> Scored:
    """Label each ticket with the shared prompt; ``extra`` holds accuracy, macro-F1 and predictions.

    A reply that names no label counts as wrong (predicted label ``"(none)"``).
    """
    from sklearn.metrics import accuracy_score, f1_score

    gen = models.generate(model, tokenizer, [ticket_prompt(_get(t, "text"), labels) for t in tickets],
                          max_new_tokens=max_new_tokens, batch_size=batch_size, progress=progress)
    gold = [_get(t, "label") for t in tickets]
    pred = [parse_label(a, labels) or "(none)" for a in gen.texts]
    extra = {
        "gold": gold,
        "pred": pred,
        "accuracy": float(accuracy_score(gold, pred)),
        "macro_f1": float(f1_score(gold, pred, labels=list(labels), average="macro", zero_division=0)),
        "unparsed": sum(p == "(none)" for p in pred) / len(pred),
    }
    return Scored.of(gen, [float(g == p) for g, p in zip(gold, pred)], extra)
