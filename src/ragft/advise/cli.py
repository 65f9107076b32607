"""`ragft advise`: the decision guide's questions as flags, or asked one at a time in a terminal."""

from __future__ import annotations

import json

from . import AdviceError, Evidence, Profile, advise, format_advice, parse_yes_no

QUESTIONS = {
    "needs_documents": "Must answers come from your own documents or data? (yes/no)",
    "updates_per_month": "How many times a month does that knowledge change? (0 if never)",
    "queries_per_day": "How many questions a day do you expect?",
    "needs_citations": "Must answers cite the document they come from? (yes/no)",
    "fixed_format": "Must replies follow a fixed format, tone or schema? (yes/no)",
    "private_data": "May some of the data be seen only by some users? (yes/no)",
    "training_examples": "How many worked examples of the desired output do you have? (0 if none)",
    "labels_inputs": "Is that fixed output a label from a fixed set, as in routing or classification? (yes/no)",
}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "advise",
        help="recommend RAG, fine-tuning, a hybrid or plain prompting for your case, with the measured reasons",
        description="A decision guide built on the course's measurements. Answer seven questions (and an optional "
        "eighth) with flags (or, in a terminal, when asked); the reasons quote the comparison's results (the labs' or --results) and the values "
        "of a book build (--evidence, default _build/jupyter_execute). Nothing is trained or generated.",
    )
    p.add_argument("--needs-documents", metavar="yes|no", help=QUESTIONS["needs_documents"])
    p.add_argument("--updates-per-month", metavar="N", help=QUESTIONS["updates_per_month"])
    p.add_argument("--queries-per-day", metavar="N", help=QUESTIONS["queries_per_day"])
    p.add_argument("--needs-citations", metavar="yes|no", help=QUESTIONS["needs_citations"])
    p.add_argument("--fixed-format", metavar="yes|no", help=QUESTIONS["fixed_format"])
    p.add_argument("--private-data", metavar="yes|no", help=QUESTIONS["private_data"])
    p.add_argument("--training-examples", metavar="N", help=QUESTIONS["training_examples"])
    p.add_argument("--labels-inputs", metavar="yes|no", help=QUESTIONS["labels_inputs"] + " (default: no)")
    p.add_argument("--results", metavar="PATH", help="results.json of `ragft compare --out` (default: the labs')")
    p.add_argument("--evidence", metavar="DIR", help="a book build's _build/jupyter_execute folder")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_advise)


def cmd_advise(args) -> int:
    import sys

    from ..errors import UsageError

    values = {name: getattr(args, name) for name in QUESTIONS}
    missing = [n for n, v in values.items() if v is None]  # in a terminal the optional question is asked too
    if missing and sys.stdin is not None and sys.stdin.isatty() and not args.json:
        for name in missing:
            if name == "labels_inputs" and _said_no(values["fixed_format"]):
                continue  # only a fixed output can be a label
            while True:
                try:
                    answer = input(QUESTIONS[name] + " ").strip()
                except EOFError:  # Ctrl-D, or a closed input
                    print(file=sys.stderr)
                    flag = "--" + name.replace("_", "-")
                    raise UsageError(f"no answer to \"{QUESTIONS[name]}\" (the input ended); answer it with {flag} "
                                     "VALUE, or run `ragft advise` again and answer every question") from None
                try:
                    Profile.parse_field(name, answer)
                except AdviceError as err:
                    print(f"  {err}")
                    continue
                values[name] = answer
                break
    try:
        profile = Profile.from_dict(values)
        evidence = Evidence.load(args.results, args.evidence)
    except AdviceError as err:
        raise UsageError(str(err)) from None
    advice = advise(profile, evidence)
    print(json.dumps(advice, indent=1) if args.json else format_advice(advice))
    return 0


def _said_no(value) -> bool:
    """True for a valid "no" (an invalid answer is left for the profile's own check to refuse)."""
    try:
        return not parse_yes_no(value)
    except AdviceError:
        return False
