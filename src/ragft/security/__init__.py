"""Security of a RAG system and of a fine-tuned model, measured (Lab 7).

* :mod:`~ragft.security.leaks`: the leak test (who sees which documents, with and without access control);
* :mod:`~ragft.security.injection`: prompt injection through poisoned documents, and three defences;
* :mod:`~ragft.security.canaries`: memorised secrets in a fine-tuned adapter (planted canaries), and
  deletion: what RAG forgets at the next index update and an adapter does not.

Access control itself lives in :mod:`ragft.rag.access` (every retrieval path uses it).
"""

from . import canaries, injection
from .leaks import (
           FILTER_MODES,
           USERS,
           Fact,
           LeakReport,
           PostFilterPipeline,
           confidential_facts,
           leak_test,
           make_pipeline,
           plot_leaks,
)

__all__ = ["canaries", "injection", "FILTER_MODES", "USERS", "Fact", "LeakReport", "PostFilterPipeline", "confidential_facts", "leak_test", "make_pipeline",
           "plot_leaks"]
