"""The course corpus: loaders, answer normalisation, the house-format checker and the validator.

Everything lives under :func:`data_dir` (the repository's ``data/`` folder, or ``$RAGFT_DATA_DIR``)::

    kb/v1/<id>.md, kb/v2/<id>.md   the knowledge base before and after the update (Markdown + YAML front matter)
    questions.jsonl                 questions, gold answers, supporting documents and splits
    kb_changelog.jsonl              facts changed, documents added and retired by v2
    confusable_groups.json          groups of look-alike documents
    house_format.jsonl              support replies in the house format (fine-tuning on style)
    tickets.jsonl                   labelled customer messages (fine-tuning on classification)

This package imports only the standard library and PyYAML, so ``import ragft.data`` is instant.
``python -m ragft.data`` (or :func:`validate`) checks every file and prints the problems found.

Inside: :mod:`~ragft.data.schema` (the vocabulary and the typed records), :mod:`~ragft.data.loading` (where the
data lives, the loaders), :mod:`~ragft.data.text` (normalisation, n-gram overlap, ticket similarity),
:mod:`~ragft.data.house` (the house-format checker), :mod:`~ragft.data.validation` (the validator).

Answer matching: :func:`normalize` (:mod:`~ragft.data.text` says what it does) is used both by the validator
(is the gold answer in its document?) and by the answer-accuracy metric (is it in the model's answer?).
"""

from __future__ import annotations

from .house import check_house_format, house_format_problems
from .loading import (
    DataError,
    data_dir,
    kb_dir,
    load_changelog,
    load_confusable_groups,
    load_house_format,
    load_kb,
    load_questions,
    load_tickets,
)
from .schema import (
    ACCESS_LEVELS,
    HOUSE_ANSWER_PREFIX,
    HOUSE_FORMAT,
    HOUSE_GREETING,
    HOUSE_NEXT_PREFIX,
    HOUSE_SIGNOFF,
    KB_VERSIONS,
    MINIMUMS,
    QUESTION_TYPES,
    SPLITS,
    TICKET_LABELS,
    Change,
    Document,
    HouseReply,
    Question,
    Ticket,
)
from .text import (
    MAX_TICKET_SIMILARITY,
    contains,
    ngram_overlap,
    normalize,
    ticket_near_duplicates,
    ticket_shingles,
    ticket_similarity,
)
from .validation import MAX_TEST_SEEN_OVERLAP, main, validate

__all__ = ['ACCESS_LEVELS', 'Change', 'DataError', 'Document', 'HOUSE_ANSWER_PREFIX', 'HOUSE_FORMAT', 'HOUSE_GREETING', 'HOUSE_NEXT_PREFIX', 'HOUSE_SIGNOFF', 'HouseReply', 'KB_VERSIONS', 'MAX_TEST_SEEN_OVERLAP', 'MAX_TICKET_SIMILARITY', 'MINIMUMS', 'QUESTION_TYPES', 'Question', 'SPLITS', 'TICKET_LABELS', 'Ticket', 'check_house_format', 'contains', 'data_dir', 'house_format_problems', 'kb_dir', 'load_changelog', 'load_confusable_groups', 'load_house_format', 'load_kb', 'load_questions', 'load_tickets', 'main', 'ngram_overlap', 'normalize', 'ticket_near_duplicates', 'ticket_shingles', 'ticket_similarity', 'validate']
