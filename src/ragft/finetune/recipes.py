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


def knowledge_questions():
    """The ``train`` questions whose facts ``test_seen`` asks about in other words.

    Teaching all train facts would take several times the CPU budget of a lab; these are the facts the
    held-out ``test_seen`` questions probe, so every measurement below has a trained fact behind it.
    """
    from .. import data

    seen_facts = {q.fact_id for q in data.load_questions("test_seen")}
    return [q for q in data.load_questions("train") if q.fact_id in seen_facts]


def knowledge_adapter(*, paraphrases: bool = False, progress: bool = True):
    """LoRA adapter that has been taught the facts of :func:`knowledge_questions` (closed-book).

    ``paraphrases=True`` trains on every wording of each question (the question plus its three
    paraphrases) for the same number of optimiser steps.
    """
    examples = knowledge_examples(knowledge_questions(), paraphrases=paraphrases)
    settings = KNOWLEDGE_AUGMENTED if paraphrases else KNOWLEDGE
    name = "knowledge-paraphrases" if paraphrases else "knowledge"
    return cached_adapter(name, examples, progress=progress, **settings)


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
