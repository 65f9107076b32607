"""RAG vs fine-tuning, measured: one harness for five systems on the same questions.

* :func:`run_comparison` (``ragft compare``): closed book, RAG, fine-tuned, fine-tuned + RAG and RAFT
  on the test splits (and, when asked, the hybrid chapter's ``format_rag`` and ``format_prompt_rag``),
  plus the knowledge-base update experiment; returns :class:`Results`.
* :class:`CompareConfig`: every setting that decides the numbers (recorded with the results).
* :meth:`Results.save` / :func:`load_results` / :func:`plot_results`: JSON and CSV files, and plots
  drawn from those files.
* :func:`paired_differences` / :func:`differences_table`: system A minus system B on the same questions,
  with the paired bootstrap interval; A is called better only when that interval excludes zero.
* :mod:`ragft.hybrid.raft` (re-exported here): the RAFT training data (retrieved passages with distractors).
* :mod:`ragft.answers`: the content-addressed answer cache (shared with the RAG pipeline).

Inside: :mod:`~ragft.compare.systems` (the registry of systems), :mod:`~ragft.compare.settings`,
:mod:`~ragft.compare.questions`, :mod:`~ragft.compare.indexes`, :mod:`~ragft.compare.scoring` and
:mod:`~ragft.compare.harness` (the run, in phases); the RAFT and format recipes are in
:mod:`ragft.hybrid.recipes`, the knowledge recipe in :mod:`ragft.finetune.recipes`.
"""

from ..answers import AnswerCache, answer_key, cached_generate
from ..hybrid.raft import RAFT_DEFAULTS, RaftExample, raft_examples
from ..hybrid.recipes import format_adapter, raft_adapter, raft_training_examples
from .backend import Backend
from .harness import knowledge_adapter, rag_pipeline, run_comparison
from .indexes import cached_index, kb_documents
from .questions import select_questions
from .report import (
    Results,
    difference_rows,
    differences_table,
    load_results,
    plot_results,
    summary_rows,
    table,
    update_rows,
)
from .scoring import (
    paired_differences,
    score_answer,
    summarize,
    summarize_update,
    update_differences,
    update_scores,
)
from .settings import KNOWLEDGE_DEFAULTS, CompareConfig, rag_defaults
from .systems import DEFAULT_SYSTEMS, FORMAT_SYSTEMS, LABELS, PAIRS, SPLITS, SYSTEMS

__all__ = [
    "KNOWLEDGE_DEFAULTS",
    "LABELS",
    "PAIRS",
    "RAFT_DEFAULTS",
    "SPLITS",
    "SYSTEMS",
    "AnswerCache",
    "Backend",
    "CompareConfig",
    "RaftExample",
    "Results",
    "answer_key",
    "cached_generate",
    "cached_index",
    "difference_rows",
    "differences_table",
    "kb_documents",
    "knowledge_adapter",
    "load_results",
    "paired_differences",
    "plot_results",
    "raft_adapter",
    "format_adapter",
    "DEFAULT_SYSTEMS",
    "FORMAT_SYSTEMS",
    "raft_examples",
    "raft_training_examples",
    "rag_defaults",
    "rag_pipeline",
    "run_comparison",
    "score_answer",
    "select_questions",
    "summarize",
    "summarize_update",
    "summary_rows",
    "table",
    "update_differences",
    "update_scores",
    "update_rows",
]
