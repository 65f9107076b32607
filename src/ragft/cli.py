"""``ragft`` / ``python -m ragft``: the course toolkit on the command line.

Each feature module registers its own subcommands through a ``register(subparsers)`` function
that adds a parser and sets ``func`` (called with the parsed arguments, returning an exit code).
Errors meant for the user are raised as :class:`ragft.errors.UsageError` and printed as one line.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .errors import UsageError  # re-exported: ragft.cli.UsageError is the same class

#: modules that contribute subcommands, in the order they appear in ``ragft --help``
COMMAND_MODULES = (
    "ragft.rag.cli",        # index, ask
    "ragft.finetune.cli",   # finetune
    "ragft.compare.cli",    # compare
    "ragft.cost.cli",       # cost
    "ragft.usecases.cli",   # search
    "ragft.advise.cli",     # advise
)



def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ragft",
        description="Offline RAG, LoRA fine-tuning and their comparison on tiny models.",
    )
    parser.add_argument("--version", action="version", version=f"ragft {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name and name.startswith(err.name):  # that feature is not written yet
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as err:
        print(f"ragft: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ragft: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
