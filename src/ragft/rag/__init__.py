"""Retrieval-augmented generation, built from small visible pieces.

=====================  ===========================================================================
step                   API
=====================  ===========================================================================
load documents         :func:`load_documents` (Markdown / text / PDF, YAML front matter)
chunk                  :func:`chunk_document`, :class:`ChunkingConfig`
embed                  :class:`Embedder` (MiniLM + on-disk cache); :mod:`~ragft.rag.tune` fine-tunes it
index / search         :class:`RagIndex` (FAISS ``IndexIDMap2(IndexFlatIP)``, save/load/update, filters;
                       dense, BM25 or hybrid search: :mod:`~ragft.rag.lexical`)
compress               :func:`compress` (the few lines of each top document that match the question)
abstain                :class:`AbstentionGate` (calibrated on train questions: :func:`course_gate`)
course corpus          :func:`course_index`, :func:`course_gate` (:mod:`~ragft.rag.course`: the only module
                       here that reads the course's data)
prompt                 :func:`build_rag_prompt`, :func:`build_closed_book_prompt`, :data:`TEMPLATES`
answer                 :class:`RagPipeline` (RAG or closed book, any model/tokenizer pair;
                       :meth:`RagPipeline.baseline` is the first, unimproved RAG)
evaluate               :func:`evaluate`, :func:`evaluate_retrieval`
=====================  ===========================================================================
"""

from .abstain import AbstentionGate
from .chunking import Chunk, ChunkingConfig, chunk_document, chunk_documents, linearize_tables, split_sections
from .compress import compress, split_units
from .course import course_gate, course_index
from .embedding import Embedder, EmbeddingCache
from .index import (
    Hit,
    IndexMismatchError,
    IndexNotFoundError,
    RagIndex,
    UpdateReport,
    build_or_update,
    doc_hash,
    is_index_dir,
)
from .lexical import BM25Search, reciprocal_rank_fusion
from .loading import Document, NoDocumentsError, SkippedFileWarning, load_document, load_documents
from .pipeline import (
    DEFAULT_K,
    DEFAULT_SEARCH,
    DEFAULT_UNITS,
    Answer,
    Evaluation,
    RagPipeline,
    Source,
    evaluate,
    evaluate_retrieval,
)
from .prompts import IDK, TEMPLATES, PromptTemplate, build_closed_book_prompt, build_rag_prompt, get_template

__all__ = [
    "AbstentionGate",
    "BM25Search",
    "DEFAULT_K",
    "DEFAULT_SEARCH",
    "DEFAULT_UNITS",
    "compress",
    "course_gate",
    "reciprocal_rank_fusion",
    "split_units",
    "Answer",
    "Chunk",
    "ChunkingConfig",
    "Document",
    "Embedder",
    "EmbeddingCache",
    "Evaluation",
    "Hit",
    "IDK",
    "IndexMismatchError",
    "IndexNotFoundError",
    "NoDocumentsError",
    "PromptTemplate",
    "RagIndex",
    "RagPipeline",
    "SkippedFileWarning",
    "Source",
    "TEMPLATES",
    "UpdateReport",
    "build_closed_book_prompt",
    "build_or_update",
    "course_index",
    "build_rag_prompt",
    "chunk_document",
    "chunk_documents",
    "doc_hash",
    "evaluate",
    "evaluate_retrieval",
    "get_template",
    "is_index_dir",
    "linearize_tables",
    "load_document",
    "load_documents",
    "split_sections",
]
