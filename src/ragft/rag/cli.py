"""``ragft index`` and ``ragft ask``.

    ragft index DOCS_DIR --index INDEX_DIR [--chunk-size N] [--overlap N] [--rebuild] [--sanitize]
    ragft ask "QUESTION" [--index INDEX_DIR] [--groups G1,G2] [--k K] [--search hybrid|dense|bm25] [--units N | --no-compress]
              [--no-abstain] [--adapter ADAPTER_DIR] [--max-new-tokens N] [--check-answer [--allow-domains D1,D2]] [--json]
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
        description="Build a FAISS index of the Markdown, text, HTML and PDF files in DOCS_DIR, or bring an existing "
        "index up to date (only new, changed and deleted documents are processed).",
    )
    p.add_argument("docs_dir", metavar="DOCS_DIR", help="folder of .md/.txt/.pdf files (searched recursively)")
    p.add_argument("--index", required=True, metavar="INDEX_DIR", help="folder where the index is kept")
    p.add_argument("--chunk-size", type=int, default=None, metavar="N", help="chunk size in embedder tokens (default 160)")
    p.add_argument("--overlap", type=int, default=None, metavar="N", help="tokens shared by consecutive chunks (default 32)")
    p.add_argument("--rebuild", action="store_true", help="start from scratch instead of updating")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--sanitize", action="store_true", help=SANITIZE_HELP)
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
                        "Without it, public documents only (deny by default). This is not authentication: the "
                        "toolkit believes what is typed, so an application serving other people must pass a "
                        "verified ragft.rag.access.Identity through the Python API instead. '*' (every document) "
                        "is refused unless RAGFT_ALLOW_ALL_GROUPS=1 is set")
    p.add_argument("--k", type=int, default=None, metavar="K",
                   help="sources put in the prompt: documents (compressed) or chunks with --no-compress (default 1, or 2 with --no-compress)")
    p.add_argument("--search", choices=("hybrid", "dense", "bm25"), default=None,
                   help="how chunks are ranked (default hybrid: meaning + keywords + titles, fused by rank)")
    p.add_argument("--units", type=int, default=None, metavar="N", help="lines kept from each source document (default 3)")
    p.add_argument("--no-compress", action="store_true", help="put whole chunks in the prompt instead of the best lines")
    p.add_argument("--no-abstain", action="store_true",
                   help="always ask the model, even when the sources do not support an answer")
    p.add_argument("--adapter", metavar="ADAPTER_DIR", help="LoRA adapter from `ragft finetune` to answer with")
    p.add_argument("--max-new-tokens", type=int, default=48, metavar="N",
                   help="answer length limit in tokens, at least 1 (default 48); the prompt and the answer must fit the "
                        "model's context (8,192 tokens for the course generator)")
    p.add_argument("--check-answer", action="store_true", help=CHECK_ANSWER_HELP)
    p.add_argument("--allow-domains", metavar="D1,D2", default=None,
                   help="with --check-answer: the domains an answer may link to (default: those the index's documents "
                        "name outside sentences flagged as injected)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.set_defaults(func=cmd_ask)


# The injection defences of Lab 7 (ragft.security.injection). The figures are the lab's, as recorded by its
# last run in a book build (labs/07_security.ipynb, cells "res.table()"); update them when the lab changes.
_LAB7 = ("Lab 7 (labs/07_security.ipynb) measures this defence on the course corpus with 10 poisoned pages "
         "(30 attack questions) and 57 clean test_unseen questions; its last recorded run: ")
SANITIZE_HELP = (
    "remove what looks injected from every document before it is indexed: sentences that read like instructions to "
    "an AI or ask the reader for a password or other credentials, and HTML comments; what was removed is listed for "
    "you to review (ragft.security.injection.scan). Give it on every update: an update without it puts the sentences "
    "back. Off by default: " + _LAB7 + "successful attacks 4 of 30 without a defence, 0 of 30 with it (95%% interval "
    "0 to 11%%); clean accuracy 51%% -> 53%% (+2 points, interval +0 to +5), no sentence removed from a clean document. "
    "Its patterns were written after reading that attack set, so on your documents it can miss attacks and remove "
    "ordinary sentences (a help page saying 'log in at portal.example with your password'): read the list.")
CHECK_ANSWER_HELP = (
    "check the answer before showing it, and withhold it (\"I don't know\", the reason on stderr, \"withheld\" in "
    "--json) when it asks for a password or other credentials, links to a domain not in the allow-list "
    "(--allow-domains), or repeats the system prompt; a page that phrases the attack as the answer names its own "
    "link, so the credential rule is what catches it. Off by default: " + _LAB7 + "successful attacks 4 of 30 "
    "without a defence, 3 of 30 with the check (10%%, interval 3%% to 26%%); clean accuracy unchanged (51%%, +0 "
    "points). A legitimate answer that asks for a password is withheld too.")


def _load_docs(docs_dir: str):
    from ..errors import UsageError
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


def _sanitize(docs):
    """``ragft index --sanitize``: the documents without injected-looking sentences, and a report of what went."""
    from ..security.injection import sanitize_all

    clean, removed = sanitize_all(docs)
    if not removed:
        print(f"sanitize: nothing looked injected in {len(docs)} documents")
        return clean
    n_docs = len({d for d, _, _ in removed})
    print(f"sanitize: removed {len(removed)} sentence{'s' if len(removed) != 1 else ''} from {n_docs} "
          f"document{'s' if n_docs != 1 else ''} (not indexed; review them, and index without --sanitize to keep them):")
    for doc_id, reason, sentence in removed:
        text = " ".join(sentence.split())
        print(f"  {doc_id}: [{reason}] {text[:157] + '...' if len(text) > 160 else text}")
    return clean


def _allow_domains(value: str) -> set[str]:
    from ..errors import UsageError

    out = set()
    for item in value.split(","):
        d = item.strip().lower().removeprefix("https://").removeprefix("http://").split("/", 1)[0].removeprefix("www.")
        if not d or "." not in d or any(c.isspace() for c in d):
            raise UsageError(f"--allow-domains: {item.strip()!r} is not a domain; give names like example.com,docs.example.com")
        out.add(d)
    return out


def _check_answer(ans, index, allow: set[str] | None) -> str:
    """Why ``ragft ask --check-answer`` withholds ``ans``, or ``""``."""
    from ..metrics import is_abstention
    from ..security.injection import check_answer, trusted_domains

    if ans.abstained or is_abstention(ans.answer):
        return ""
    if allow is None:
        allow = trusted_domains(c.text for c in index.chunks.values()) if index is not None else set()
    system = next((m["content"] for m in ans.prompt if m.get("role") == "system"), "")
    return check_answer(ans.answer, allowed_domains=allow, system_prompt=system)


def cmd_index(args) -> int:
    from .. import outputs
    from ..errors import UsageError
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
    if args.sanitize:
        docs = _sanitize(docs)
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
    from ..errors import UsageError
    from .index import IndexMismatchError, IndexNotFoundError, RagIndex
    from .pipeline import InputTooLongError, RagPipeline, check_question

    question = (args.question or "").strip()
    if not question:
        raise UsageError('the question is empty; write it in quotes, e.g. ragft ask "What is the refund window?"')
    try:
        check_question(question)
    except ValueError as err:
        raise UsageError(str(err)) from None
    if args.max_new_tokens < 1:
        raise UsageError(f"--max-new-tokens must be at least 1 (the answer's length limit in tokens), got "
                         f"{args.max_new_tokens}; the default is 48")
    if args.allow_domains is not None and not args.check_answer:
        raise UsageError("--allow-domains is the allow-list of --check-answer; add --check-answer")
    allow = _allow_domains(args.allow_domains) if args.allow_domains is not None else None
    from .pipeline import DEFAULT_K, DEFAULT_SEARCH, DEFAULT_UNITS

    if args.no_compress and args.units is not None:
        raise UsageError("--units and --no-compress contradict each other; give one of them")
    k = args.k if args.k is not None else (2 if args.no_compress else DEFAULT_K)
    if k < 1:
        raise UsageError(f"--k must be at least 1, got {k}")
    if args.units is not None and args.units < 1:
        raise UsageError(f"--units must be at least 1, got {args.units}; use --no-compress for whole chunks")
    units = None if args.no_compress else (args.units or DEFAULT_UNITS)
    from .access import check_groups, describe, parse_user_groups

    try:
        groups = parse_user_groups(args.groups)
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
    try:
        ans = pipeline.answer_one(question)
    except InputTooLongError as err:
        raise UsageError(str(err)) from None
    withheld = _check_answer(ans, index, allow) if args.check_answer else ""
    if withheld:
        from .prompts import IDK

        ans.answer = f"{IDK}."
    if args.json:
        out = {
            "question": question,
            "answer": ans.answer,
            "withheld": withheld or None,
            "notes": ans.notes,
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
    for note in ans.notes:
        print(f"note: {note}", file=sys.stderr)
    if ans.abstained:
        print(f"(abstained: {ans.abstain_reason}; --no-abstain asks the model anyway)", file=sys.stderr)
    if withheld:
        print(f"(answer withheld by --check-answer: it {withheld}; a source below may be poisoned: review it, or index "
              "with `ragft index --sanitize`)", file=sys.stderr)
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
