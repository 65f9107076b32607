"""``ragft index`` and ``ragft ask``.

    ragft index DOCS_DIR --index INDEX_DIR [--chunk-size N] [--overlap N] [--rebuild]
    ragft ask "QUESTION" [--index INDEX_DIR] [--groups G1,G2] [--k K] [--search hybrid|dense|bm25] [--units N | --no-compress]
              [--no-abstain] [--adapter ADAPTER_DIR] [--json]
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "index",
        help="build or update a vector index of a folder of documents",
        description="Build a FAISS index of the Markdown, text and PDF files in DOCS_DIR, or bring an existing "
        "index up to date (only new, changed and deleted documents are processed).",
    )
    p.add_argument("docs_dir", metavar="DOCS_DIR", help="folder of .md/.txt/.pdf files (searched recursively)")
    p.add_argument("--index", required=True, metavar="INDEX_DIR", help="folder where the index is kept")
    p.add_argument("--chunk-size", type=int, default=None, metavar="N", help="chunk size in embedder tokens (default 160)")
    p.add_argument("--overlap", type=int, default=None, metavar="N", help="tokens shared by consecutive chunks (default 32)")
    p.add_argument("--rebuild", action="store_true", help="start from scratch instead of updating")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_index)

    p = subparsers.add_parser(
        "ask",
        help="answer a question (RAG with --index, closed-book without; --adapter for a fine-tuned model)",
        description="Answer a question with the course generator. With --index the answer is grounded in "
        "retrieved documents (RAG); without it the model answers from memory (closed book).",
    )
    p.add_argument("question", metavar="QUESTION")
    p.add_argument("--index", metavar="INDEX_DIR", help="index built by `ragft index` (omit for closed-book)")
    p.add_argument("--groups", default=None, metavar="G1,G2",
                   help="who is asking: read public documents plus those of these groups (comma-separated). "
                        "Without it, public documents only (deny by default)")
    p.add_argument("--k", type=int, default=None, metavar="K",
                   help="sources put in the prompt: documents (compressed) or chunks with --no-compress (default 1, or 2 with --no-compress)")
    p.add_argument("--search", choices=("hybrid", "dense", "bm25"), default=None,
                   help="how chunks are ranked (default hybrid: meaning + keywords + titles, fused by rank)")
    p.add_argument("--units", type=int, default=None, metavar="N", help="lines kept from each source document (default 3)")
    p.add_argument("--no-compress", action="store_true", help="put whole chunks in the prompt instead of the best lines")
    p.add_argument("--no-abstain", action="store_true",
                   help="always ask the model, even when the sources do not support an answer")
    p.add_argument("--adapter", metavar="ADAPTER_DIR", help="LoRA adapter from `ragft finetune` to answer with")
    p.add_argument("--max-new-tokens", type=int, default=48, metavar="N", help="answer length limit (default 48)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=cmd_ask)


def _load_docs(docs_dir: str):
    from ..cli import UsageError
    from .loading import AccessMetadataWarning, SkippedFileWarning, load_documents

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SkippedFileWarning)
        warnings.simplefilter("always", AccessMetadataWarning)
        try:
            docs = load_documents(docs_dir)
        except (FileNotFoundError, NotADirectoryError, ValueError) as err:
            raise UsageError(str(err)) from None
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    return docs


def cmd_index(args) -> int:
    from .. import outputs
    from ..cli import UsageError
    from .chunking import ChunkingConfig
    from .index import INDEX_OUTPUT, IndexMismatchError, IndexNotFoundError, RagIndex, is_index_dir

    start = time.perf_counter()
    index_dir = Path(args.index).expanduser()
    docs_dir = Path(args.docs_dir).expanduser()
    if docs_dir.exists() and outputs.absolute(docs_dir) == outputs.absolute(index_dir):
        raise UsageError("DOCS_DIR and --index are the same folder; keep the index outside the documents")
    # the output-folder rule (ragft.outputs), checked before any document is read or embedded
    rule = dict(replace=True, option="--index", protect=[(docs_dir, "the documents")])
    target = outputs.check_output(index_dir, INDEX_OUTPUT, **rule)
    docs = _load_docs(args.docs_dir)
    defaults = ChunkingConfig()
    try:
        fresh = ChunkingConfig(
            chunk_size=args.chunk_size if args.chunk_size is not None else defaults.chunk_size,
            overlap=args.overlap if args.overlap is not None else min(defaults.overlap, max(0, (args.chunk_size or 160) // 4)),
        )
    except ValueError as err:
        raise UsageError(str(err)) from None

    with outputs.folder_lock(target):  # load, update and save as one step: a second `ragft index` waits, then stops
        outputs.clean_stale(target)
        outputs.check_output(index_dir, INDEX_OUTPUT, **rule)  # again: it may have changed while we waited
        index = None
        if is_index_dir(index_dir) and not args.rebuild:
            try:
                index = RagIndex.load(index_dir)
            except (IndexMismatchError, IndexNotFoundError) as err:
                raise UsageError(str(err)) from None
            if index.built_from(docs_dir) is False:
                raise UsageError(
                    f"--index {index_dir} holds the index of {index.source}, not of {docs_dir}; add --rebuild to replace it "
                    f"with an index of {docs_dir}, or choose another --index for {docs_dir}")
            asked = {k: v for k, v in (("chunk_size", args.chunk_size), ("overlap", args.overlap)) if v is not None}
            differs = {k: (getattr(index.chunking, k), v) for k, v in asked.items() if getattr(index.chunking, k) != v}
            if differs:
                what = ", ".join(f"{k.replace('_', '-')} {old} -> {new}" for k, (old, new) in differs.items())
                raise UsageError(f"index at {index_dir} was built with other chunking ({what}); add --rebuild to re-chunk everything")
        if index is None:
            index = RagIndex(chunking=fresh)
        recorded = index.source == str(outputs.absolute(docs_dir))
        index.source = str(outputs.absolute(docs_dir))
        report = index.update(docs, progress=not args.quiet)
        if report.changed or not recorded or not is_index_dir(index_dir):
            try:
                index.save(index_dir)
            except (FileExistsError, OSError) as err:
                raise UsageError(f"could not save the index: {err}") from None
    print(f"files: {len(docs)} | {report}")
    from .access import access_levels

    levels = access_levels(index)
    print("access: " + ", ".join(f"{n} {level}" for level, n in sorted(levels.items()))
          + ("" if set(levels) <= {"public"} else " (`ragft ask --groups G1,G2` reads a group's documents; without it, public only)"))
    print(f"index: {index_dir} ({len(index)} chunks, {time.perf_counter() - start:.1f} s in all)")
    return 0


def cmd_ask(args) -> int:
    from ..cli import UsageError
    from .index import IndexMismatchError, IndexNotFoundError, RagIndex
    from .pipeline import RagPipeline

    question = (args.question or "").strip()
    if not question:
        raise UsageError('the question is empty; write it in quotes, e.g. ragft ask "What is the refund window?"')
    from .pipeline import DEFAULT_K, DEFAULT_SEARCH, DEFAULT_UNITS

    if args.no_compress and args.units is not None:
        raise UsageError("--units and --no-compress contradict each other; give one of them")
    k = args.k if args.k is not None else (2 if args.no_compress else DEFAULT_K)
    if k < 1:
        raise UsageError(f"--k must be at least 1, got {k}")
    if args.units is not None and args.units < 1:
        raise UsageError(f"--units must be at least 1, got {args.units}; use --no-compress for whole chunks")
    units = None if args.no_compress else (args.units or DEFAULT_UNITS)
    from .access import check_groups, describe, parse_groups

    try:
        groups = parse_groups(args.groups)
    except ValueError as err:
        raise UsageError(f"--groups: {err}") from None
    index = None
    if args.index:
        try:
            index = RagIndex.load(args.index)
        except (IndexMismatchError, IndexNotFoundError) as err:
            raise UsageError(str(err)) from None
        for note in check_groups(index, groups):
            print(f"note: {note}", file=sys.stderr)
    elif args.groups is not None:
        raise UsageError("--groups says who may read which documents, so it needs --index INDEX_DIR")
    if args.adapter:
        if not Path(args.adapter).expanduser().is_dir():
            raise UsageError(f"no adapter folder at {args.adapter}; train one with `ragft finetune` or fix the path")
        try:
            from ..finetune import load_finetuned
        except ImportError as err:
            raise UsageError(f"--adapter needs ragft.finetune, which could not be imported ({err})") from None
        try:
            model, tokenizer = load_finetuned(args.adapter)
        except (FileNotFoundError, ValueError) as err:
            raise UsageError(f"could not load the adapter at {args.adapter}: {err}") from None
        if index is None and getattr(model, "ragft_prompt", None) is None:  # closed book asks as trained, if recorded
            print(f"note: {args.adapter} records no training prompt (trained by an older ragft); asking with the "
                  "default closed-book prompt. Retrain it with `ragft finetune --force` to record it.", file=sys.stderr)
    else:
        from ..models import load_generator

        model, tokenizer = load_generator(progress=False)
    pipeline = RagPipeline(model, tokenizer, index, k=k, search=args.search or DEFAULT_SEARCH, units=units, groups=groups or None,
                           abstain=not args.no_abstain, max_new_tokens=args.max_new_tokens)
    ans = pipeline.answer_one(question)
    if args.json:
        out = {
            "question": question,
            "answer": ans.answer,
            "mode": ("fine-tuned" if args.adapter else "base") + (" + RAG" if index is not None else " closed-book"),
            "abstained": ans.abstained,
            "abstain_reason": ans.abstain_reason or None,
            "signals": {k: round(v, 3) for k, v in ans.signals.items()},
            "settings": pipeline.settings() if index is not None else None,
            "reads": describe(groups) if index is not None else None,
            "sources": [{"doc_id": s.doc_id, "path": s.path, "score": s.score, "title": s.title, "heading": s.heading,
                         "access": s.access, "groups": s.groups} for s in ans.sources],
            "timings": {k: v if isinstance(v, bool) else round(v, 2) for k, v in ans.timings.items()},
        }
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(ans.answer)
    if ans.abstained:
        print(f"(abstained: {ans.abstain_reason}; --no-abstain asks the model anyway)", file=sys.stderr)
    if ans.sources:
        print("\nSources:")
        for i, s in enumerate(ans.sources, start=1):
            where = f" > {s.heading}" if s.heading else ""
            level = "" if s.access == "public" else f" [{s.access}: {', '.join(s.groups)}]"
            print(f"  [{i}] {s.doc_id} ({s.title}{where}){level} score {s.score:.2f}  {s.path}")
    t = ans.timings
    print(
        f"\n(embed {t['embed_ms']:.0f} ms, search {t['search_ms']:.1f} ms, compress {t['compress_ms']:.0f} ms, "
        f"{t['prompt_tokens']:.0f} prompt tokens, generation {t['generate_ms']:.0f} ms)",
        file=sys.stderr,
    )
    return 0
