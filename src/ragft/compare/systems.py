"""The systems the comparison knows, what each one uses, and the pairs the chapters compare.

=================  ===========================================================  =====================
system             what answers                                                 retrieval
=================  ===========================================================  =====================
closed_book        the base SmolLM2, from what it learned in pre-training        no
rag                the base model reading the top-``k`` retrieved chunks         yes
ft                 the *knowledge* LoRA adapter (trained on the train questions) no
ft_rag             that adapter, reading the retrieved chunks                    yes
raft               an adapter trained to read among distractors (RAFT)           yes
format_rag         a house-format adapter trained on RAG prompts                 yes
format_prompt_rag  the base model, the house format asked for in the RAG prompt  yes
=================  ===========================================================  =====================

The first five are the default; the two ``format`` systems are the hybrid chapter's (behaviour from
fine-tuning or from the prompt, knowledge from retrieval), and their replies are scored on their
``Answer:`` line (:func:`ragft.hybrid.formatting.answer_line`). Every system's results carry
``format_adherence``: the share of the replies the model wrote that follow the house format.

This module is the registry: :mod:`ragft.cost` and :mod:`ragft.advise` read which system retrieves and which
adapter it carries from here, without importing the run.
"""

from __future__ import annotations

SYSTEMS = ("closed_book", "rag", "ft", "ft_rag", "raft", "format_rag", "format_prompt_rag")
DEFAULT_SYSTEMS = ("closed_book", "rag", "ft", "ft_rag", "raft")  # what `ragft compare` runs without --systems
FORMAT_SYSTEMS = ("format_rag", "format_prompt_rag")
SPLITS = ("test_seen", "test_unseen", "unanswerable", "multi_doc")
QUESTION_SPLITS = ("test_seen", "test_unseen", "unanswerable")  # the splits questions are drawn from
RETRIEVAL = {"closed_book": False, "rag": True, "ft": False, "ft_rag": True, "raft": True, "format_rag": True,
             "format_prompt_rag": True}
ADAPTER = {"closed_book": None, "rag": None, "ft": "knowledge", "ft_rag": "knowledge", "raft": "raft",
           "format_rag": "format", "format_prompt_rag": None}
#: the answer-length cap when no other is given: a short answer needs 32; a house-format reply up to 72 (the
#: longest in the data), so a run with a format system gets 96 for every system
MAX_NEW_TOKENS = 32
FORMAT_MAX_NEW_TOKENS = 96


#: the systems' display names
LABELS = {"closed_book": "closed book", "rag": "RAG", "ft": "fine-tuned", "ft_rag": "fine-tuned + RAG", "raft": "RAFT",
          "format_rag": "format adapter + RAG", "format_prompt_rag": "format prompt + RAG"}

#: the paired comparisons the chapter's verdicts rest on; ``(a, b)`` is reported as ``a - b``
PAIRS = (("rag", "closed_book"), ("rag", "ft"), ("ft", "closed_book"), ("ft_rag", "rag"), ("raft", "rag"),
         ("format_rag", "rag"), ("format_prompt_rag", "rag"), ("format_rag", "format_prompt_rag"))


def pair_key(a: str, b: str) -> str:
    return f"{a}_vs_{b}"
