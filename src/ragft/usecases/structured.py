"""Structured output: one fixed JSON record per support ticket, by prompting or by a fine-tuned adapter.

The record (checked with :data:`SCHEMA`, a JSON Schema, by the ``jsonschema`` library):

``category``   one of the seven ticket labels (the label in ``data/tickets.jsonl``);
``product``    the product or plan the ticket names (:data:`PRODUCTS`), or ``null``;
``reference``  an order, invoice or serial reference such as ``QO-91502`` or ``INV-21388``, or ``null``.

The gold record of a ticket comes from its label and from its text: the longest product name it contains
and the first reference-shaped code (:func:`gold_record`). Three systems fill it in:

* ``zero_shot``: the base model, instructions and the schema in the prompt;
* ``few_shot``: the same, plus worked examples as earlier chat turns;
* ``fine_tuned``: a LoRA adapter trained on training tickets with a short prompt (``Ticket: ...``).

:func:`score_records` reports the share of replies that are valid JSON, that also match the schema, the
accuracy of each field (an invalid reply gets every field wrong) and the prompt tokens per request.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import metrics as M

PRODUCTS = ("Kestmoor K10", "Kestmoor K20", "Kestmoor K20 Marine", "Ostrel A2", "Ostrel A2 Pro", "Ostrel A3",
            "Pivra W1", "Pivra W1 Plus", "Pivra W5", "Sprout", "Grove", "Canopy", "Forest")
FIELDS = ("category", "product", "reference")
REFERENCE = re.compile(r"\b[A-Z][A-Z0-9]{1,4}-\d{3,}\b")
SYSTEMS = ("zero_shot", "few_shot", "fine_tuned")


def schema(labels: Sequence[str] | None = None) -> dict[str, Any]:
    """The record's JSON Schema (draft 2020-12): three required fields, nothing else."""
    from .. import data

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Support ticket record",
        "type": "object",
        "properties": {
            "category": {"enum": list(labels or data.TICKET_LABELS)},
            "product": {"enum": [*PRODUCTS, None]},
            "reference": {"type": ["string", "null"], "pattern": r"^[A-Z][A-Z0-9]{1,4}-[0-9]{3,}$"},
        },
        "required": list(FIELDS),
        "additionalProperties": False,
    }


SCHEMA = schema()


def _get(item, key):
    return item[key] if isinstance(item, dict) else getattr(item, key)


def gold_record(ticket) -> dict[str, Any]:
    """The record a ticket should get: its label, the longest product name in it, its first reference."""
    text = _get(ticket, "text")
    found = [p for p in PRODUCTS if re.search(rf"\b{re.escape(p)}\b", text)]
    ref = REFERENCE.search(text)
    return {"category": _get(ticket, "label"), "product": max(found, key=len) if found else None,
            "reference": ref.group(0) if ref else None}


def record_json(record: dict[str, Any]) -> str:
    """The one-line JSON text of a record, fields in schema order (what the adapter learns to write)."""
    return json.dumps({k: record[k] for k in FIELDS}, ensure_ascii=False)


INSTRUCTIONS = (
    "Read the customer ticket and reply with one JSON object and nothing else, with exactly these keys:\n"
    '"category": one of {labels};\n'
    '"product": the product or plan the ticket names, one of {products}, or null;\n'
    '"reference": the order, invoice or serial reference in the ticket (like QO-12345 or INV-12345), or null.\n'
    'Example of the shape: {{"category": "billing", "product": null, "reference": "INV-10000"}}'
)


def instructions(labels: Sequence[str] | None = None) -> str:
    from .. import data

    return INSTRUCTIONS.format(labels=", ".join(labels or data.TICKET_LABELS), products=", ".join(PRODUCTS))


def short_prompt(text: str) -> str:
    """The fine-tuned adapter's prompt: the ticket alone (the format lives in the weights)."""
    return f"Ticket: {text}"


def prompt(ticket, system: str, shots: Sequence = ()) -> list[dict] | str:
    """The chat prompt of one ticket for ``system`` (``shots``: worked examples for ``few_shot``)."""
    text = _get(ticket, "text")
    if system == "fine_tuned":
        return short_prompt(text)
    if system not in ("zero_shot", "few_shot"):
        raise ValueError(f"unknown system {system!r}; choose one of {', '.join(SYSTEMS)}")
    messages = [{"role": "system", "content": instructions()}]
    if system == "few_shot":
        for shot in shots:
            messages += [{"role": "user", "content": short_prompt(_get(shot, "text"))},
                         {"role": "assistant", "content": record_json(gold_record(shot))}]
    return messages + [{"role": "user", "content": short_prompt(text)}]


def training_examples(tickets: Sequence) -> list[dict]:
    """``{"question", "answer"}`` examples for :func:`ragft.finetune.train_lora`: short prompt -> record."""
    return [{"question": short_prompt(_get(t, "text")), "answer": record_json(gold_record(t))} for t in tickets]


#: the adapter's recipe: the format adapter's settings (a pattern needs little), two passes
RECIPE = dict(epochs=2.0, lr=4e-3, batch_size=4, max_length=96)
TRAIN_PER_LABEL = 10


def train_tickets(per_label: int = TRAIN_PER_LABEL, seed: int = 7) -> list:
    """A balanced, fixed sample of training tickets, with every ticket that holds a reference added
    (references are rare; without them the adapter would rarely see a non-null one)."""
    from .. import data

    rng = random.Random(seed)
    tickets = data.load_tickets("train")
    chosen = []
    for label in data.TICKET_LABELS:
        of_label = [t for t in tickets if t.label == label]
        chosen += rng.sample(of_label, min(per_label, len(of_label)))
    ids = {t.id for t in chosen}
    chosen += [t for t in tickets if t.id not in ids and REFERENCE.search(t.text)][:per_label]
    rng.shuffle(chosen)
    return chosen


TEST_PER_LABEL = 7


def test_tickets(per_label: int = TEST_PER_LABEL) -> list:
    """The held-out tickets the lab scores: the first ``per_label`` test tickets of each label (49 of 98;
    prompting with the full instructions is the slow part of the lab, and every system sees the same ones)."""
    from .. import data

    tickets = data.load_tickets("test")
    return [t for label in data.TICKET_LABELS for t in [t for t in tickets if t.label == label][:per_label]]


def shots(n: int = 3) -> list:
    """Worked examples for ``few_shot``: ``n`` training tickets, one with a product and a reference if any."""
    pool = train_tickets()
    with_both = [t for t in pool if all(gold_record(t)[f] for f in FIELDS)]
    rest = [t for t in pool if t not in with_both]
    chosen = with_both[:1] + rest[: n - len(with_both[:1])]
    return chosen[:n]


def structured_adapter(*, progress: bool = True):
    """The adapter trained once on :func:`train_tickets` (cached like the course's other adapters)."""
    from ..finetune import cached_adapter

    return cached_adapter("ticket-json", training_examples(train_tickets()), progress=progress, **RECIPE)


# --------------------------------------------------------------------------------------------------
# parsing and scoring


def parse_record(reply: str) -> tuple[dict | None, str]:
    """``(record, problem)``: the reply's JSON object and ``""``, or ``None`` and what is wrong with it.

    Only the reply itself counts: no object found inside surrounding prose, no repair. A reply that
    needs repair is not valid output for a program that reads it.
    """
    import jsonschema

    text = reply.strip()
    if text.startswith("```"):
        text = re.sub(r"^```(?:json)?\s*|\s*```$", "", text)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        return None, f"not JSON ({err.msg})"
    try:
        jsonschema.validate(obj, SCHEMA)
    except jsonschema.ValidationError as err:
        return obj if isinstance(obj, dict) else None, f"JSON, but not the schema: {err.message}"
    return obj, ""


@dataclass
class RecordScores:
    system: str
    replies: list[str]
    valid_json: list[float]
    valid_schema: list[float]
    field_scores: dict[str, list[float]]
    prompt_tokens: list[int]
    problems: list[str] = field(default_factory=list)

    @property
    def per_ticket(self) -> list[float]:
        """Field accuracy of each ticket: the share of its fields filled in right (0 when invalid)."""
        n = len(self.replies)
        return [sum(self.field_scores[f][i] for f in FIELDS) / len(FIELDS) for i in range(n)]

    def summary(self) -> dict[str, Any]:
        n = len(self.replies)
        valid = sum(self.valid_schema)
        lo, hi = M.wilson_ci(int(valid), n)
        return {"system": self.system, "n": n, "valid_json": sum(self.valid_json) / n, "valid_schema": valid / n,
                "valid_lo": lo, "valid_hi": hi, "field_accuracy": sum(self.per_ticket) / n,
                **{f"{f}_accuracy": sum(self.field_scores[f]) / n for f in FIELDS},
                "exact": sum(all(self.field_scores[f][i] for f in FIELDS) for i in range(n)) / n,
                "prompt_tokens": sum(self.prompt_tokens) / n}


def score_records(system: str, tickets: Sequence, replies: Sequence[str], prompt_tokens: Sequence[int]) -> RecordScores:
    """Validity and field accuracy of ``replies`` against the tickets' gold records."""
    out = RecordScores(system, list(replies), [], [], {f: [] for f in FIELDS}, list(prompt_tokens))
    for ticket, reply in zip(tickets, replies, strict=True):
        obj, problem = parse_record(reply)
        gold = gold_record(ticket)
        out.valid_json.append(float(obj is not None or problem.startswith("JSON")))
        out.valid_schema.append(float(not problem))
        out.problems.append(problem)
        for f in FIELDS:
            out.field_scores[f].append(float(not problem and obj.get(f) == gold[f]))
    return out


def run_structured(base, adapter, tickets: Sequence, *, systems: Sequence[str] = SYSTEMS, max_new_tokens: int = 40,
                   batch_size: int = 32, cache: bool = True, progress: bool = False) -> dict[str, RecordScores]:
    """Ask each system for every ticket's record; ``base``/``adapter``: ``(model, tokenizer)`` pairs.

    Answers are cached like every generation in the course (same prompt, model and budget: same answer).
    """
    from ..answers import AnswerCache, cached_generate
    from ..models import chat_text, generate

    store = AnswerCache() if cache else None
    example_shots = shots()
    out = {}
    for system in systems:
        model, tokenizer = adapter if system == "fine_tuned" else base
        prompts = [prompt(t, system, example_shots) for t in tickets]
        label = system.replace("_", "-") if progress else False
        if store is not None:
            gen = cached_generate(generate, model, tokenizer, prompts, render=chat_text, fingerprint=model.ragft_fingerprint,
                                  cache=store, max_new_tokens=max_new_tokens, batch_size=batch_size, progress=label)
        else:
            gen = generate(model, tokenizer, prompts, max_new_tokens=max_new_tokens, batch_size=batch_size, progress=label)
        out[system] = score_records(system, tickets, gen.texts, gen.prompt_tokens)
    if store is not None:
        store.close()
    return out


def plot_structured(results: dict[str, RecordScores], ax=None):
    """Grouped bars: valid records and field accuracy of each system, tokens per request in the labels."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.4))
    names = list(results)
    sums = [results[n].summary() for n in names]
    x = np.arange(len(names))
    ax.bar(x - 0.2, [s["valid_schema"] for s in sums], 0.4, label="valid record (JSON + schema)", color="#4C72B0")
    ax.bar(x + 0.2, [s["field_accuracy"] for s in sums], 0.4, label="fields right", color="#55A868")
    ax.set_xticks(x, [f"{n.replace('_', '-')}\n{s['prompt_tokens']:.0f} prompt tokens" for n, s in zip(names, sums)])
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.set_title("JSON records from support tickets (held-out tickets)")
    ax.legend(loc="lower right", fontsize=8)
    return ax
