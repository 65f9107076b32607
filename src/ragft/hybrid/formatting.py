"""Behaviour from fine-tuning, knowledge from retrieval: the house format on top of RAG.

The article's hybrid: fine-tune for *how* to answer (tone, structure), retrieve for *what* to answer.
Two ways to get a RAG system to write Quorvane's four-line house format (:data:`ragft.data.HOUSE_FORMAT`):

* **prompting** (:func:`format_prompt`): the format spelled out in the system message and worked
  examples as earlier turns, in front of the usual retrieved sources and question: no training, a longer
  prompt on every request;
* **fine-tuning** (:func:`format_rag_examples`): a LoRA adapter trained on house-format replies *whose
  prompts are the RAG prompts the pipeline builds for their questions*, so at answer time it reads the
  same prompt as plain RAG (no instructions, no examples) and adds the format. An adapter trained on
  bare questions (the fine-tuning lab's) has never seen retrieved text in its prompt; the lab measures
  what happens when it is asked to read some.

Format replies are scored on their ``Answer:`` line (:func:`answer_line`), so the greeting and the
suggested next step can neither earn nor lose a point; :func:`adherence` is the share of replies that
pass :func:`ragft.data.check_house_format`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..data import HOUSE_ANSWER_PREFIX, check_house_format
from ..rag import IDK, build_rag_prompt, get_template

#: the format instructions for prompting (the same four lines the fine-tuning lab spells out, plus the
#: RAG template's rule of answering from the sources)
FORMAT_SYSTEM = (
    "You write support replies in Quorvane's house format. Use exactly four lines:\n"
    "1. Hello from Quorvane Support!\n"
    "2. Answer: <one sentence answering the question with the exact words or numbers from the context>\n"
    "3. Next step: <one suggested next step>\n"
    "4. Kind regards, the Quorvane Support team\n"
    f"If the context does not contain the answer, write \"Answer: {IDK}.\" on line 2."
)

#: worked examples shown to the prompted system (taken from the fine-tuning lab's training replies)
FORMAT_SHOTS = 2


def answer_line(reply: str) -> str:
    """The text after ``Answer:`` when a reply has such a line, else the whole reply."""
    for line in reply.splitlines():
        line = line.strip()
        if line.startswith(HOUSE_ANSWER_PREFIX):
            return line[len(HOUSE_ANSWER_PREFIX):].strip()
    return reply


def adherence(replies: Sequence[str]) -> float:
    """Share of ``replies`` in the exact house format (``nan`` for none)."""
    return sum(check_house_format(r) for r in replies) / len(replies) if replies else float("nan")


def format_prompt(question: str, hits: Sequence, shots: Sequence[tuple[str, Sequence, str]] = (), template=None) -> list[dict]:
    """The prompted hybrid's messages: :data:`FORMAT_SYSTEM`, then each shot ``(question, its sources,
    its house reply)`` as a user turn laid out like the RAG prompt and an assistant turn, then the
    question over its own ``hits``."""
    tpl = get_template(template)
    messages = [{"role": "system", "content": FORMAT_SYSTEM}]
    for q, shot_hits, reply in shots:
        messages += [{"role": "user", "content": tpl.user.format(sources=tpl.format_sources(shot_hits), question=q)},
                     {"role": "assistant", "content": reply}]
    messages.append({"role": "user", "content": tpl.user.format(sources=tpl.format_sources(hits), question=question)})
    return messages


def format_rag_examples(items: Sequence, sources: Sequence[Sequence], template=None) -> list[dict]:
    """Training examples for the format adapter that reads retrieved text: for each house-format item,
    the RAG prompt over ``sources`` (the hits the pipeline put in front of the reader for its question),
    and the house reply as the target."""
    if len(items) != len(sources):
        raise ValueError(f"got {len(sources)} source lists for {len(items)} house-format items; give one per item")
    return [{"messages": build_rag_prompt(it.question, hits, template) + [{"role": "assistant", "content": it.reply}]}
            for it, hits in zip(items, sources, strict=True)]
