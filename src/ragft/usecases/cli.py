"""``ragft search``: documents ranked for a query, with snippets; retrieval only, no language model."""

from __future__ import annotations

import json
import sys
import time


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "search",
        help="rank documents of an index for a query (keyword, dense or hybrid search), with snippets; no generation",
        description="AI search without generation: the documents of an index built by `ragft index`, ranked for the "
        "query, each with the lines that match it best. Only documents the asker may read are searched "
        "(--groups; without it public documents only).",
    )
    p.add_argument("query", metavar="QUERY")
    p.add_argument("--index", required=True, metavar="INDEX_DIR", help="index built by `ragft index`")
    p.add_argument("--mode", choices=("hybrid", "dense", "keyword"), default="hybrid",
                   help="keyword (BM25), dense (embeddings) or hybrid (both, fused; default)")
    p.add_argument("-k", "--k", type=int, default=10, metavar="K", help="documents to return (default 10)")
    p.add_argument("--groups", default=None, metavar="G1,G2",
                   help="the asker's groups (comma-separated); default: public documents only. Not authentication: "
                        "the toolkit believes what is typed. '*' (every document) needs RAGFT_ALLOW_ALL_GROUPS=1")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_search)


def cmd_search(args) -> int:
    from ..errors import UsageError
    from ..rag.access import check_groups, describe, parse_user_groups
    from ..rag.index import IndexMismatchError, IndexNotFoundError, RagIndex
    from .search import search_documents

    query = (args.query or "").strip()
    if not query:
        raise UsageError('the query is empty; write it in quotes, e.g. ragft search "refund window" --index IDX')
    if args.k < 1:
        raise UsageError(f"--k must be at least 1, got {args.k}")
    try:
        groups = parse_user_groups(args.groups)
    except ValueError as err:
        raise UsageError(f"--groups: {err}") from None
    try:
        index = RagIndex.load(args.index)
    except (IndexMismatchError, IndexNotFoundError) as err:
        raise UsageError(str(err)) from None
    for note in check_groups(index, groups):
        print(f"note: {note}", file=sys.stderr)
    start = time.perf_counter()
    results = search_documents(index, [query], args.k, mode=args.mode, groups=groups or None)[0]
    ms = (time.perf_counter() - start) * 1000
    if args.json:
        print(json.dumps({"query": query, "mode": args.mode, "k": args.k, "reads": describe(groups), "ms": round(ms, 1),
                          "results": [r.to_dict() for r in results]}, ensure_ascii=False))
        return 0
    if not results:
        print("No documents found that you may read.")
        return 0
    for r in results:
        mark = "" if r.access == "public" else f"  [{r.access}]"
        print(f"{r.rank:>2}. {r.title} ({r.doc_id}){mark}\n    {r.snippet}")
    print(f"\n{len(results)} documents, {args.mode} search, {ms:.0f} ms", file=sys.stderr)
    return 0
