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
from .data import KNOWLEDGE_SYSTEM, _get, ticket_prompt, to_messages


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


def reply_token_losses(model, tokenizer, question: str, reply: str, *,
                       system: str | None = None) -> list[tuple[int, int, float]]:
    """Per-token cross-entropy of ``reply`` after ``question``: ``(start, end, loss)`` per token, with
    ``start:end`` the token's characters in ``reply``.

    The same quantity as the training loss (the reply's tokens, end-of-turn marker included, each
    predicted from everything before it), but kept token by token, so a lab can ask *which* tokens a
    run learned. The end-of-turn marker starts at ``len(reply)``.
    """
    import torch

    messages = to_messages({"question": question, "answer": reply}, system)
    before = tokenizer.apply_chat_template(messages[:-1], tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template(messages, tokenize=False).rstrip("\n")
    enc = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True, return_tensors="pt")
    offsets = enc.pop("offset_mapping")[0].tolist()
    enc = enc.to(model.device)
    with torch.inference_mode():
        logits = model(**enc).logits[0]
    ids = enc["input_ids"][0]
    losses = torch.nn.functional.cross_entropy(logits[:-1].float(), ids[1:], reduction="none").tolist()
    return [(start - len(before), end - len(before), loss) for (start, end), loss in zip(offsets[1:], losses)
            if start >= len(before)]


def house_format_loss_split(model, tokenizer, items: Sequence) -> dict[str, float]:
    """Mean token loss on house-format replies, split into the fixed template and the free content.

    *Template*: the greeting, the ``Answer:`` and ``Next step:`` prefixes, the line breaks, the sign-off
    and the end-of-turn marker, identical in every reply. *Content*: the answer sentence and the next
    step, which differ from question to question and carry the facts.
    """
    sums = {"template": [0.0, 0], "content": [0.0, 0]}
    for it in items:
        reply = _get(it, "reply")
        content = [m.span(1) for m in re.finditer(r"^(?:Answer|Next step): (.*)$", reply, flags=re.MULTILINE)]
        for start, end, loss in reply_token_losses(model, tokenizer, _get(it, "question"), reply):
            part = "content" if any(start < b and end > a for a, b in content) else "template"
            sums[part][0] += loss
            sums[part][1] += 1
    return {part: total / n if n else float("nan") for part, (total, n) in sums.items()}


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


#: new tokens every ticket classifier gets, prompted or fine-tuned: enough for a chatty model to finish a
#: sentence such as "The category of this customer ticket is: technical." (the fine-tuned one stops after the label)
TICKET_MAX_NEW_TOKENS = 24


def macro_f1(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> float:
    """Mean over ``labels`` of each label's F1 (scikit-learn's ``average="macro"``); a missing prediction
    counts as wrong for its true label."""
    from sklearn.metrics import f1_score

    return float(f1_score(gold, pred, labels=list(labels), average="macro", zero_division=0))


def bootstrap_macro_f1_ci(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str], *, n_boot: int = 1000,
                          level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of :func:`macro_f1`: redraw the tickets with replacement, recompute.

    Each label's F1 is computed as 2 TP / (2 TP + FP + FN) for all redraws at once with NumPy (0 when a
    label is neither present nor predicted, like scikit-learn's ``zero_division=0``); calling
    scikit-learn a thousand times would take longer than the classification itself.
    """
    import numpy as np

    index = {label: i for i, label in enumerate(labels)}
    g = np.array([index.get(x, -1) for x in gold])
    p = np.array([index.get(x, -1) for x in pred])  # -1: no label named (always wrong)
    if g.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, g.size, size=(n_boot, g.size))
    gs, ps = g[idx], p[idx]
    f1 = np.zeros((n_boot, len(labels)))
    for c in range(len(labels)):
        tp = ((gs == c) & (ps == c)).sum(axis=1)
        fp = ((gs != c) & (ps == c)).sum(axis=1)
        fn = ((gs == c) & (ps != c)).sum(axis=1)
        denom = 2 * tp + fp + fn
        f1[:, c] = np.divide(2 * tp, denom, out=np.zeros(n_boot), where=denom > 0)
    lo, hi = np.quantile(f1.mean(axis=1), [(1 - level) / 2, 1 - (1 - level) / 2])
    return float(lo), float(hi)


def ticket_few_shot_messages(text: str, labels: Sequence[str], shots: Sequence) -> list[dict]:
    """A few-shot chat prompt: the shared instruction as the system turn, then each worked example as a
    user turn (``Ticket: ...``) answered by its label, then the ticket to classify.

    The same layout as the house-format few-shot prompt (:func:`few_shot_messages`): a chat model
    takes earlier turns as examples of how to reply. The instruction is said once, not per example.
    An earlier version listed the examples inside the one user message (``Ticket: ... -> label``);
    the 135M model then often answered "The answer is: ...", worse than with no examples at all.
    """
    instruction, ticket = ticket_prompt(text, labels).rsplit("\n\n", 1)
    messages = [{"role": "system", "content": instruction}]
    for shot in shots:
        messages += [{"role": "user", "content": f"Ticket: {_get(shot, 'text')}"},
                     {"role": "assistant", "content": _get(shot, "label")}]
    return messages + [{"role": "user", "content": ticket}]


def classify_tickets(model, tokenizer, tickets: Sequence, labels: Sequence[str], *, shots: Sequence = (),
                     max_new_tokens: int = TICKET_MAX_NEW_TOKENS, batch_size: int = 32,
                     progress: bool | str = False) -> Scored:
    """Label each ticket with the shared prompt (after ``shots``, worked examples, if any).

    ``extra`` holds the predictions, accuracy and macro-F1 with their 95% bootstrap intervals, the
    share of replies that name no label (``unparsed``, counted as wrong with the prediction
    ``"(none)"``) and the share that used up the token budget (``truncated``).
    """
    prompts = [ticket_few_shot_messages(_get(t, "text"), labels, shots) if shots else ticket_prompt(_get(t, "text"), labels)
               for t in tickets]
    gen = models.generate(model, tokenizer, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size,
                          progress=progress)
    gold = [_get(t, "label") for t in tickets]
    pred = [parse_label(a, labels) or "(none)" for a in gen.texts]
    scores = [float(g == p) for g, p in zip(gold, pred)]
    extra = {
        "gold": gold,
        "pred": pred,
        "accuracy": sum(scores) / len(scores),
        "accuracy_ci": metrics.bootstrap_ci(scores),
        "macro_f1": macro_f1(gold, pred, labels),
        "macro_f1_ci": bootstrap_macro_f1_ci(gold, pred, labels),
        "unparsed": sum(p == "(none)" for p in pred) / len(pred),
        "truncated": sum(n >= max_new_tokens for n in gen.new_tokens) / len(pred),
    }
    return Scored.of(gen, scores, extra)


def ticket_summary(name: str, scored: Scored) -> str:
    """One line: accuracy and macro-F1 with their intervals, replies naming no label, tokens per ticket."""
    x = scored.extra
    (alo, ahi), (flo, fhi) = x["accuracy_ci"], x["macro_f1_ci"]
    return (f"{name:<10} accuracy {x['accuracy']:4.0%} [{alo:.0%}, {ahi:.0%}]  macro-F1 {x['macro_f1']:.2f} "
            f"[{flo:.2f}, {fhi:.2f}]  no label {x['unparsed']:.0%}  {scored.tokens_per_item:.0f} tokens/ticket")
