"""``ragft cost``: what each system of the comparison costs over a horizon, and where the totals cross."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from ..errors import UsageError

#: result folders under ``<cache>/compare`` that ``ragft cost`` reads when no ``--results`` is given,
#: in this order: the cost lab's (it retrains the adapter on the update), the comparison lab's, its own
DEFAULT_RESULT_FOLDERS = ("lab04-results", "lab03-results", "cost-results")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "cost",
        help="one-off, per-query, per-update and storage cost of each compared system, and break-even points",
        description="Read the comparison's results (ragft compare --out) and price them: compute seconds from the "
        "measured times, money from a prices file (TOML; the course's defaults are list prices, printed with "
        "their sources). Prints totals over the horizon and, for each update frequency, the number of queries "
        "a day above which one system is cheaper than another. Without --results it reads the labs' results, "
        "or runs the comparison (cached answers and adapters are reused) when there are none.",
    )
    p.add_argument("--results", metavar="PATH", help="results.json of `ragft compare --out` (or its folder)")
    p.add_argument("--prices", metavar="FILE", help="prices file (TOML) with cpu_hour, gpu_hour, input_per_million, "
                   "output_per_million; default: the course's, see `ragft cost --show-prices`")
    p.add_argument("--queries-per-day", type=float, default=1000.0, metavar="N", help="default 1000")
    p.add_argument("--updates-per-month", type=float, default=4.0, metavar="M",
                   help="knowledge updates a month (default 4, weekly)")
    p.add_argument("--months", type=float, default=12.0, metavar="H", help="horizon in months (default 12)")
    p.add_argument("--systems", nargs="+", metavar="NAME", help="only these systems (default: all in the results)")
    p.add_argument("--show-prices", action="store_true", help="print the default prices file and exit")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_cost)


def _results_path(args) -> Path:
    from .. import config

    if args.results:
        path = Path(args.results).expanduser()
        if path.is_dir():
            path = path / "results.json"
        if not path.is_file():
            raise UsageError(f"--results {config.display_path(path)}: no such results file; make one with "
                             "`ragft compare --out FOLDER` or leave --results out to use the labs' results")
        return path
    root = config.cache_dir() / "compare"
    for name in DEFAULT_RESULT_FOLDERS:
        if (root / name / "results.json").is_file():
            return root / name / "results.json"
    from ..compare import CompareConfig, run_comparison

    out = root / "cost-results"
    print(COMPARISON_NOTE.format(out=config.display_path(out)), file=sys.stderr, flush=True)
    results = run_comparison(CompareConfig(systems=("closed_book", "rag", "ft", "ft_rag")))
    return results.save(out, force=True)


#: what `ragft cost` says before it starts a comparison of its own (the times are Lab 3's, which runs the same one)
COMPARISON_NOTE = (
    "[cost] no comparison results yet (none in the cache from Lab 3, Lab 4 or an earlier `ragft cost`), so this "
    "runs `ragft compare` first: closed book, RAG, the fine-tuned model and the fine-tuned model with retrieval, on "
    "every test question. On two cores that takes up to about twelve minutes, plus several minutes to train the "
    "knowledge adapter if it is not cached (much less once answers are cached); the results go to {out}. To skip "
    "it, press Ctrl-C now and pass --results PATH (the results.json of `ragft compare --out FOLDER`)."
)


def _check_numbers(args) -> None:
    for flag, value in (("--queries-per-day", args.queries_per_day), ("--updates-per-month", args.updates_per_month),
                        ("--months", args.months)):
        if not math.isfinite(value) or value < 0:
            raise UsageError(f"{flag} {value:g}: give a finite number of 0 or more")


def _non_finite(value, path: str = "") -> list[str]:
    """Where ``value`` (the report) holds a number that is not finite (inf or nan), as dotted paths."""
    if isinstance(value, float):
        return [] if math.isfinite(value) else [path or "value"]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _non_finite(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, (list, tuple)):
        return [p for i, v in enumerate(value) for p in _non_finite(v, f"{path}[{i}]")]
    return []


def _check_report(report: dict, args) -> None:
    """Refuse a report that holds inf or nan: the inputs overflowed, or the results miss a measurement."""
    bad = _non_finite({k: v for k, v in report.items() if k != "measured_on"})
    if not bad:
        return
    where = ", ".join(bad[:3]) + (f" and {len(bad) - 3} more" if len(bad) > 3 else "")
    if any(p.startswith(("horizon", "systems")) and p.endswith(("queries", "updates", "compute_s", "cost", "total"))
           for p in bad) or any(p.startswith("break_even") for p in bad):
        raise UsageError(
            f"the totals overflow (not finite: {where}) at --queries-per-day {args.queries_per_day:g}, "
            f"--updates-per-month {args.updates_per_month:g}, --months {args.months:g}; give realistic values (e.g. "
            "--queries-per-day 1e6 --months 12)")
    raise UsageError(f"the results give no finite value for {where}; run the comparison again (`ragft compare --out FOLDER`)")


def cmd_cost(args) -> int:
    from .. import config
    from . import PriceError, cost_report, default_prices_path, load_prices

    if args.show_prices:
        print(default_prices_path().read_text(encoding="utf-8"), end="")
        return 0
    _check_numbers(args)
    try:
        prices = load_prices(args.prices)
    except PriceError as err:
        raise UsageError(str(err)) from None
    path = _results_path(args)
    from ..compare import load_results

    try:
        data = load_results(path)
        systems = [s.strip() for item in args.systems for s in item.split(",") if s.strip()] if args.systems else None
        report = cost_report(data, prices, queries_per_day=args.queries_per_day, updates_per_month=args.updates_per_month,
                             months=args.months, systems=systems)
    except (ValueError, KeyError) as err:
        raise UsageError(f"{config.display_path(path)}: {err}") from None
    report["results"] = config.display_path(path)
    _check_report(report, args)
    if args.json:
        try:
            text = json.dumps(report, indent=1, allow_nan=False)
        except ValueError as err:  # a non-finite number _check_report did not see (in measured_on, say)
            raise UsageError(f"the report is not valid JSON ({err}); run the comparison again") from None
        print(text)
        return 0
    print_report(report)
    return 0


def print_report(report: dict, file=None) -> None:
    file = file or sys.stdout
    pr, h = report["prices"], report["horizon"]
    cur = pr["currency"]
    print(f"Results: {report['results']}", file=file)
    print(f"Prices ({pr['path']}; assumptions, edit them with --prices FILE):", file=file)
    for key, source in pr["sources"].items():
        value = "-" if pr[key] is None else f"{pr[key]:g}"
        print(f"  {key:<27} {value:>8} {'tokens' if key.startswith('cache_') else cur:<6}  {source}", file=file)
    print(f"Measured seconds billed at the {pr['hardware']} hourly price.", file=file)
    print(f"\nOver {h['months']:g} months, {h['queries_per_day']:g} queries a day, {h['updates_per_month']:g} "
          "updates a month:", file=file)
    head = (f"{'system':<12} {'one-off s':>10} {'s/query':>8} {'s/update':>9} {'storage MB':>10} {'total':>10} "
            f"{'hosted':>10} {'right':>6} {'per 1k right':>12} {'hosted/1k right':>15}")
    print(head, file=file)

    def per_1k(x):
        return "-" if x is None else f"{1000 * x:.3f}"

    for name, s in report["systems"].items():
        print(f"{name:<12} {s['one_off_s']:>10.1f} {s['per_query_s']:>8.3f} {s['per_update_s']:>9.1f} "
              f"{s['storage_bytes'] / 1e6:>10.1f} {s['cost_total']:>10.2f} {s['hosted_total']:>10.2f} "
              f"{'-' if s['accuracy'] is None else format(s['accuracy'], '.0%'):>6} {per_1k(s['cost_per_correct']):>12} {per_1k(s['hosted_per_correct']):>15}", file=file)
    print("(hosted: the same prompts sent to an API; a fine-tuned system at its own token prices, with its training fee; "
          "'right': share of the test questions answered right)", file=file)
    print("\nBreak-even (self-hosted totals):", file=file)
    for r in report["break_even"]:
        when = "at any volume" if r["always"] else f"above {r['queries_per_day']:,.{0 if r['queries_per_day'] >= 10 else 1}f} queries a day"
        print(f"  {r['updates_per_month']:>4g} updates/month: {r['cheaper_above']} is cheaper than {r['than']} {when}",
              file=file)
