"""The course's three fine-tuning runs, defined once so every lab (and the comparison) gets the same adapter.

Each function builds its examples from :mod:`ragft.data`, trains with :func:`cached_adapter` (so only
the first caller pays for training) and returns a :class:`~ragft.finetune.TrainResult`.
Budgets are sized for a 2-core CPU: each run takes one to two minutes.
"""

from __future__ import annotations

import random

from .data import KNOWLEDGE_SYSTEM, house_format_examples, knowledge_examples, ticket_examples
from .train import ALL_LINEAR, cached_adapter

#: training settings of each recipe (also shown by the labs)
#: facts need capacity and repetition: every linear layer, a high learning rate, six passes over the data
KNOWLEDGE = dict(epochs=6.0, lr=4e-3, batch_size=8, system=KNOWLEDGE_SYSTEM, target_modules=ALL_LINEAR)
KNOWLEDGE_AUGMENTED = dict(KNOWLEDGE, epochs=1.5)  # 4 wordings a fact: the same number of steps as KNOWLEDGE
#: a pattern needs little: the default q_proj/v_proj adapter, small batches for more optimiser steps
HOUSE_FORMAT = dict(epochs=2.0, lr=4e-3, batch_size=4, max_length=160)
TICKETS = dict(epochs=2.0, lr=4e-3, batch_size=4)

HOUSE_FORMAT_TRAIN_SIZE = 48
TICKETS_PER_LABEL = 8


def knowledge_questions(root=None):
    """The ``train`` questions whose facts ``test_seen`` asks about in other words (of the data folder
    ``root``, default the course's).

    Teaching all train facts would take several times the CPU budget of a lab; these are the facts the
    held-out ``test_seen`` questions probe, so every measurement below has a trained fact behind it.
    """
    from .. import data

    seen_facts = {q.fact_id for q in data.load_questions("test_seen", root=root)}
    return [q for q in data.load_questions("train", root=root) if q.fact_id in seen_facts]


def knowledge_training_examples(*, paraphrases: bool = False, version: str = "v1", root=None) -> list[dict]:
    """The knowledge adapter's examples: :func:`knowledge_questions` answered with the values of KB
    ``version`` (``"v2"``: the retraining of the update experiment)."""
    train = knowledge_questions(root)
    if version != "v1":
        train = [{"question": q.question, "answers": q.answers_for(version), "paraphrases": q.paraphrases} for q in train]
    return knowledge_examples(train, paraphrases=paraphrases)


#: the options of :func:`ragft.finetune.train_lora` a recipe's settings may carry
TRAIN_OPTIONS = ("epochs", "lr", "rank", "alpha", "batch_size", "micro_batch_size", "max_length", "target_modules",
                 "dropout", "system")


def train_options(settings: dict, seed: int | None = None) -> dict:
    """The training options among ``settings`` (other keys, such as a recipe's data settings, are left out),
    with ``seed`` when one is given."""
    out = {k: settings[k] for k in TRAIN_OPTIONS if k in settings}
    if "target_modules" in out:
        out["target_modules"] = tuple(out["target_modules"])
    if seed is not None:
        out["seed"] = seed
    return out


def knowledge_adapter(*, paraphrases: bool = False, progress: bool = True, version: str = "v1", root=None,
                      overrides: dict | None = None, seed: int | None = None, train=None):
    """LoRA adapter that has been taught the facts of :func:`knowledge_questions` (closed-book).

    ``paraphrases=True`` trains on every wording of each question (the question plus its three
    paraphrases) for the same number of optimiser steps. ``version="v2"`` teaches the facts' v2 values
    (a new adapter, ``knowledge-v2``); ``overrides`` changes training settings (``epochs``, ``lr``, ...);
    ``train`` is what trains (default :func:`cached_adapter`; the comparison passes its backend's).
    The comparison calls this recipe too, so the fine-tuning lab's cached adapter is the one it reuses.
    """
    settings = dict(KNOWLEDGE_AUGMENTED if paraphrases else KNOWLEDGE)
    settings.update(overrides or {})
    name = "knowledge-paraphrases" if paraphrases else "knowledge"
    if version != "v1":
        name += f"-{version}"
    examples = knowledge_training_examples(paraphrases=paraphrases, version=version, root=root)
    return (train or cached_adapter)(name, examples, progress=progress, **train_options(settings, seed))


def house_format_train(n: int = HOUSE_FORMAT_TRAIN_SIZE, seed: int = 42, root=None):
    """A fixed random sample of ``n`` house-format training replies (of the data folder ``root``, default the course's)."""
    from pathlib import Path

    from .. import data

    items = data.load_house_format("train", root=Path(root) if root else None)
    return random.Random(seed).sample(items, min(n, len(items)))


def house_format_adapter(*, progress: bool = True):
    """LoRA adapter trained to answer in the house format (the bare question as prompt, no instructions)."""
    return cached_adapter("house-format", house_format_examples(house_format_train()), progress=progress, **HOUSE_FORMAT)


def tickets_train(per_label: int = TICKETS_PER_LABEL, seed: int = 42):
    """A fixed, balanced sample of ticket training examples (``per_label`` of each label, shuffled)."""
    from .. import data

    rng = random.Random(seed)
    tickets = data.load_tickets("train")
    chosen = []
    for label in data.TICKET_LABELS:
        of_label = [t for t in tickets if t.label == label]
        chosen += rng.sample(of_label, min(per_label, len(of_label)))
    rng.shuffle(chosen)
    return chosen


def ticket_shots(per_label: int = 1):
    """Worked examples for few-shot prompting: the first ``per_label`` tickets of each label in
    :func:`tickets_train` (so the prompted model sees a subset of what the fine-tuned one trained on)."""
    from .. import data

    chosen = tickets_train()
    return [t for label in data.TICKET_LABELS for t in [t for t in chosen if t.label == label][:per_label]]


def ticket_adapter(*, progress: bool = True):
    """LoRA adapter trained to answer the ticket prompt with the label alone."""
    from .. import data

    examples = ticket_examples(tickets_train(), data.TICKET_LABELS)
    return cached_adapter("tickets", examples, progress=progress, **TICKETS)
