"""``python -m ragft.claims --check``: check the registry, the labs' glue keys and, after a build, print the tally."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .labs import missing_evidence, read_glue
from .registry import ClaimsError, default_path, load_claims
from .verdicts import check_against, decide_all, tally_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ragft.claims", description="Check the claims registry.")
    parser.add_argument("--check", action="store_true", help="check the file, the labs' glue keys, and a build's values")
    parser.add_argument("--registry", metavar="FILE", help="default: data/claims.toml")
    parser.add_argument("--glue", metavar="DIR", help="a build's jupyter_execute folder (default: _build/jupyter_execute if present)")
    args = parser.parse_args(argv)
    try:
        claims = load_claims(args.registry)
    except ClaimsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    root = (Path(args.registry).resolve().parents[1] if args.registry else default_path().parents[1])
    problems = missing_evidence(claims, root / "labs")
    glue_dir = Path(args.glue) if args.glue else root / "_build" / "jupyter_execute"
    if glue_dir.is_dir():
        glued = read_glue(glue_dir)
        problems += check_against(claims, glued)
        problems += [f"{i}: {d.label}" for i, d in decide_all(claims, glued).items() if d.verdict is None]
        print(tally_text(claims, glued))
    else:
        print(f"{len(claims)} claims; no build at {glue_dir}, so no verdicts: build the book (make book) first")
    for p in problems:
        print("problem:", p)
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
