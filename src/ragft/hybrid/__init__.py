"""Hybrids of RAG and fine-tuning (the "Using both together" chapter).

* :mod:`ragft.hybrid.reading`: the oracle passage among hard distractors, to measure reading apart from retrieval;
* :mod:`ragft.hybrid.raft`: RAFT training data (fine-tuning the reader on RAG prompts with distractors);
* :mod:`ragft.hybrid.formatting`: the house format on top of RAG, by prompting or by a format adapter;
* :mod:`ragft.hybrid.evaluate`: reading curves, the additive table, figures;
* :mod:`ragft.hybrid.verdicts`: the chapter's verdict rules, from paired intervals.

The comparison harness (:mod:`ragft.compare`) runs the hybrids as systems (``raft``, ``format_rag``,
``format_prompt_rag``), so their numbers come from the same place as every other system's.
"""

from .evaluate import (
           ADDITIVE_ROWS,
           additive_table,
           by_position,
           curve_differences,
           holds_answer,
           plot_reading_curves,
           reading_curve,
)
from .formatting import FORMAT_SYSTEM, adherence, answer_line, format_prompt, format_rag_examples
from .raft import RAFT_DEFAULTS, RaftExample, raft_examples
from .reading import DISTRACTOR_COUNTS, ReadingItem, distractor_passages, oracle_passages, reading_items
from .verdicts import additive_words, format_cost_words

__all__ = ["ADDITIVE_ROWS", "DISTRACTOR_COUNTS", "FORMAT_SYSTEM", "RAFT_DEFAULTS", "RaftExample", "ReadingItem",
           "additive_table", "additive_words", "format_cost_words", "adherence", "by_position", "answer_line", "curve_differences", "distractor_passages", "format_prompt",
           "format_rag_examples", "holds_answer", "oracle_passages", "plot_reading_curves", "raft_examples", "reading_curve",
           "reading_items"]
