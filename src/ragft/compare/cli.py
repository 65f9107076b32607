"""``ragft compare``: closed book, RAG, fine-tuned, fine-tuned + RAG and RAFT on the same questions.

    ragft compare [--json] [--out DIR [--force] [--plots]] [--systems rag ft ...] [--seed N]
                  [--limit N] [--k K] [--no-cache] [--no-update] [--ft-update keep|retrain] [--raft-p P]

``--json`` prints exactly one JSON object on stdout (progress bars and messages go to stderr).
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

from ..errors import UsageError


def register(subparsers) -> None:
    from .systems import DEFAULT_SYSTEMS, QUESTION_SPLITS, SYSTEMS

    p = subparsers.add_parser(
        "compare",
        help="compare closed book, RAG, fine-tuned, fine-tuned + RAG and RAFT on the test questions",
        description="Evaluate the five systems (or those named with --systems, including the hybrid chapter's "
        "format_rag and format_prompt_rag) on the same test questions with the same metrics (accuracy with a "
        "95% bootstrap interval, token F1, abstention, format adherence, latency, prompt tokens, preparation "
        "time, memory), then "
        "apply the knowledge-base update (v1 -> v2) and measure stale answers. Indexes, adapters and answers are "
        "cached and reused; the first run trains the adapters it needs.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout instead of tables")
    p.add_argument("--out", metavar="DIR", help="write results.json and CSV files to DIR")
    p.add_argument("--force", action="store_true", help="replace result files already in --out DIR")
    p.add_argument("--plots", action="store_true", help="with --out: also save the figures as PNG files there")
    p.add_argument("--systems", nargs="+", metavar="NAME", default=None,
                   help=f"systems to run, from {', '.join(SYSTEMS)} (default: {' '.join(DEFAULT_SYSTEMS)})")
    p.add_argument("--splits", nargs="+", metavar="SPLIT", default=None,
                   help=f"question splits to evaluate (default: all of {', '.join(QUESTION_SPLITS)})")
    p.add_argument("--seed", type=int, default=None, metavar="N", help="seed (default RAGFT_SEED or 42)")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="questions per split: a seeded sample keeping each question type's share (default: all)")
    p.add_argument("--k", type=int, default=None, metavar="K",
                   help="chunks in a RAG prompt (default: the RAG toolkit's default, as `ragft ask` uses)")
    p.add_argument("--max-new-tokens", type=int, default=None, metavar="N",
                   help="answer length limit, the same for every system (default 32, or 96 with a format system)")
    p.add_argument("--no-cache", action="store_true", help="generate every answer again instead of reusing stored ones")
    p.add_argument("--no-update", action="store_true", help="skip the knowledge-base update experiment")
    p.add_argument("--ft-update", choices=("keep", "retrain"), default="keep",
                   help="after the update, keep the old knowledge adapter (default) or retrain it on the v2 facts")
    p.add_argument("--raft-p", type=float, default=None, metavar="P",
                   help="RAFT: probability that a training prompt holds the gold passage (default 0.8)")
    p.add_argument("--groups", default=None, metavar="G1,G2",
                   help="compare as a member of these groups (public documents plus theirs); '' for an outsider. "
                        "Default '*': every document, because the question sets are graded against all of them")
    p.add_argument("--data", metavar="DIR", help="another data folder laid out like data/ (default: the course data)")
    p.add_argument("--quiet", action="store_true", help="no progress bars or messages")
    p.set_defaults(func=cmd_compare)


def _config(args):
    from .settings import CompareConfig

    systems = None
    if args.systems:
        systems = tuple(s.strip() for item in args.systems for s in item.split(",") if s.strip())
    kwargs = dict(limit=args.limit, k=args.k, use_cache=not args.no_cache,
                  update=not args.no_update, ft_update=args.ft_update, progress=not args.quiet)
    if args.max_new_tokens is not None:
        kwargs["max_new_tokens"] = args.max_new_tokens
    if systems is not None:
        kwargs["systems"] = systems
    if args.splits:
        kwargs["splits"] = tuple(s.strip() for item in args.splits for s in item.split(",") if s.strip())
    if args.seed is not None:
        kwargs["seed"] = args.seed
    if args.groups is not None:
        kwargs["groups"] = args.groups
    if args.raft_p is not None:
        kwargs["raft"] = {"p_oracle": args.raft_p}
    if args.data:
        folder = Path(args.data).expanduser()
        if not (folder / "questions.jsonl").is_file() or not (folder / "kb" / "v1").is_dir():
            raise UsageError(f"--data {folder} is not a data folder (it needs questions.jsonl and kb/v1/); "
                             "point it at a folder laid out like the course's data/")
        kwargs["data_root"] = str(folder)
    try:
        return CompareConfig(**kwargs)
    except ValueError as err:
        raise UsageError(f"{err} (see `ragft compare --help`)") from None


def _check_out(args) -> Path | None:
    from .report import RESULT_FILES

    if not args.out:
        if args.force or args.plots:
            raise UsageError("--force and --plots only make sense with --out DIR")
        return None
    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file; give a folder for the results")
    existing = [n for n in RESULT_FILES if (out / n).exists()]
    if existing and not args.force:
        raise UsageError(f"--out {out} already holds results ({', '.join(existing)}); choose another folder or add "
                         "--force to replace them")
    return out


def _fmt(x, spec=".0%"):
    return "-" if x is None else format(x, spec)


def _pp(x) -> str:
    return "-" if x is None else f"{100 * x:+.0f}"


def print_tables(data: dict, file=None) -> None:
    """The results as two small text tables (accuracy by split; the update experiment)."""
    from .report import LABELS, SPLIT_ORDER, SYSTEM_ORDER

    file = file or sys.stdout

    systems = [s for s in SYSTEM_ORDER if s in data["systems"]]
    cap = (data.get("config") or {}).get("max_new_tokens")
    print(f"accuracy by split; time per answer on test_unseen (p50) and mean answer length, every system capped at "
          f"{cap} new tokens", file=file)
    print(f"{'system':<22}" + "".join(f"{sp:>14}" for sp in SPLIT_ORDER) + f"{'p50 ms':>9}{'tokens':>8}{'prep':>10}",
          file=file)
    for s in systems:
        row = data["systems"][s]
        lat = row["test_unseen"]["latency_ms_p50"]
        length = row["test_unseen"].get("new_tokens")
        prep = data.get("costs", {}).get(s, {}).get("prep_seconds")
        print(f"{LABELS[s]:<22}" + "".join(f"{_fmt(row[sp]['accuracy']):>14}" for sp in SPLIT_ORDER)
              + f"{_fmt(lat, '.0f'):>9}{_fmt(length, '.1f'):>8}{_fmt(prep, '.0f') + ' s':>10}", file=file)
    if data.get("differences"):
        print("\npaired differences in accuracy (a - b, same questions), points [95% interval]; * marks an "
              "interval that excludes 0 (the only case the course calls a difference)", file=file)
        for by_split in data["differences"].values():
            first = next(iter(by_split.values()))
            name = f"{LABELS.get(first['a'], first['a'])} - {LABELS.get(first['b'], first['b'])}"
            cells = []
            for sp in SPLIT_ORDER:
                d = by_split.get(sp)
                if d and d["n"]:
                    lo, hi = d["ci95"]
                    mark = "" if d["better"] == "tie" else "*"
                    cells.append(f"{sp} {_pp(d['diff'])} [{_pp(lo)}, {_pp(hi)}]{mark}")
            print(f"{name:<32} " + "; ".join(cells), file=file)
    if data.get("update"):
        print("\nupdate to KB v2 (changed-fact questions): current answers / stale answers, before -> after", file=file)
        for s in systems:
            u = data["update"][s]
            print(f"{LABELS[s]:<18} current {_fmt(u['changed_accuracy_before'])} -> {_fmt(u['changed_accuracy'])}   "
                  f"stale {_fmt(u['stale_rate_before'])} -> {_fmt(u['stale_rate'])}   "
                  f"update {u['update_seconds']:.1f} s ({u['update_method']})", file=file)
    for note in data.get("notes") or []:
        print(f"note: {note}", file=file)


def cmd_compare(args) -> int:
    from .harness import run_comparison
    from .report import plot_results

    cfg = _config(args)
    out = _check_out(args)
    # keep stdout for the JSON object: anything a library prints during the run goes to stderr
    with contextlib.redirect_stdout(sys.stderr):
        try:
            results = run_comparison(cfg)
        except (FileNotFoundError, ValueError) as err:
            raise UsageError(str(err)) from None
        if out is not None:
            path = results.save(out, force=args.force)
            if args.plots:
                plot_results(path, save=True)
            print(f"results written to {out}", file=sys.stderr)
    data = results.to_json()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print_tables(data)
        print(f"\n{len(results.records)} answers, {results.n_from_cache} reused from the answer cache; "
              f"{results.seconds:.0f} s in all")
    return 0
