"""Retrieval-augmented generation, built from small visible pieces.

=====================  ===========================================================================
step                   API
=====================  ===========================================================================
load documents         :func:`load_documents` (Markdown / text / PDF, YAML front matter)
chunk                  :func:`chunk_document`, :class:`ChunkingConfig`
embed                  :class:`Embedder` (MiniLM + on-disk cache)
index / search         :class:`RagIndex` (FAISS ``IndexIDMap2(IndexFlatIP)``, save/load/update, filters)
prompt                 :func:`build_rag_prompt`, :func:`build_closed_book_prompt`, :data:`TEMPLATES`
answer                 :class:`RagPipeline` (RAG or closed book, any model/tokenizer pair)
evaluate               :func:`evaluate`, :func:`evaluate_retrieval`
=====================  ===========================================================================
"""

from .chunking import Chunk, ChunkingConfig, chunk_document, chunk_documents, linearize_tables, split_sections
from .embedding import Embedder, EmbeddingCache
from .index import (
    Hit,
    IndexMismatchError,
    IndexNotFoundError,
    RagIndex,
    UpdateReport,
    build_or_update,
    course_index,
    doc_hash,
    is_index_dir,
)
from .loading import Document, NoDocumentsError, SkippedFileWarning, load_document, load_documents
from .pipeline import Answer, Evaluation, RagPipeline, Source, evaluate, evaluate_retrieval
from .prompts import IDK, TEMPLATES, PromptTemplate, build_closed_book_prompt, build_rag_prompt, get_template

__all__ = [
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
