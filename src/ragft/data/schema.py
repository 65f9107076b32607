"""The course data's vocabulary: access levels, question types, splits, ticket labels, the house format's
lines, the validator's minimum sizes, and the typed records the loaders return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ACCESS_LEVELS = ("public", "internal", "confidential")
QUESTION_TYPES = ("single", "numeric", "multi_doc", "changed", "confidential", "unanswerable")
SPLITS = ("train", "test_seen", "test_unseen", "unanswerable")
KB_VERSIONS = ("v1", "v2")
TICKET_LABELS = ("billing", "shipping", "returns", "technical", "account", "sales", "warranty")

HOUSE_GREETING = "Hello from Quorvane Support!"
HOUSE_ANSWER_PREFIX = "Answer: "
HOUSE_NEXT_PREFIX = "Next step: "
HOUSE_SIGNOFF = "Kind regards, the Quorvane Support team"
HOUSE_FORMAT = "\n".join([HOUSE_GREETING, HOUSE_ANSWER_PREFIX + "<one sentence>", HOUSE_NEXT_PREFIX + "<one sentence>",
                          HOUSE_SIGNOFF])

#: minimum sizes the validator enforces (the course's analyses rely on them)
MINIMUMS = dict(documents=60, words=15_000, confidential_documents=10, answerable=300, test_seen=40,
                test_unseen=40, unanswerable=40, multi_doc_in_tests=12, changed_in_tests=15, paraphrases=3,
                changed_facts=25, added_documents=5, retired_documents=3, house_format=150, house_format_test=40,
                tickets=300, tickets_test=80, ticket_labels=6, tickets_test_per_label=8, confusable_groups=10)


@dataclass
class Document:
    id: str
    title: str
    updated: str
    access: str
    groups: list[str]
    text: str
    path: Path

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class Question:
    id: str
    question: str
    answers: list[str]
    doc_ids: list[str]
    type: str
    split: str
    fact_id: str
    paraphrases: list[str] = field(default_factory=list)
    v1_answers: list[str] | None = None
    v2_answers: list[str] | None = None
    answer_parts: list[str] | None = None

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    def answers_for(self, version: str = "v1") -> list[str]:
        """Accepted answers against KB ``version`` (differs from :attr:`answers` only for changed facts)."""
        if version == "v2" and self.v2_answers is not None:
            return self.v2_answers
        return self.answers


@dataclass
class HouseReply:
    id: str
    question: str
    reply: str
    split: str


@dataclass
class Ticket:
    id: str
    text: str
    label: str
    split: str


@dataclass
class Change:
    """One changelog entry: ``change`` is ``"fact"``, ``"added_doc"`` or ``"retired_doc"``."""

    change: str
    doc_id: str
    fact_id: str | None = None
    question_id: str | None = None
    question_ids: list[str] = field(default_factory=list)
    old_answer: str | None = None
    new_answer: str | None = None
