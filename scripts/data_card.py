"""Rewrite the counts table of the data card (``data/README.md``) from the data itself.

The table sits between ``<!-- data-card:begin -->`` and ``<!-- data-card:end -->``::

    python scripts/data_card.py           # rewrite the table
    python scripts/data_card.py --check   # exit 1 when the table is out of date (used by the tests)
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ragft import data  # noqa: E402

BEGIN, END = "<!-- data-card:begin -->", "<!-- data-card:end -->"


def table(root: Path | None = None) -> str:
    root = Path(root or data.data_dir())
    kb = {v: data.load_kb(v, root) for v in data.KB_VERSIONS}
    qs = data.load_questions(root=root)
    changes = data.load_changelog(root)
    house = data.load_house_format(root=root)
    tickets = data.load_tickets(root=root)
    groups = data.load_confusable_groups(root)

    lines = ["| Item | Count |", "|---|---|"]
    for v, docs in kb.items():
        access = Counter(d.access for d in docs)
        lines.append(f"| KB {v}: documents | {len(docs)} ({access['public']} public, {access['internal']} internal, "
                     f"{access['confidential']} confidential) |")
        lines.append(f"| KB {v}: words (document bodies) | {sum(d.words for d in docs):,} |")
    kinds = Counter(c.change for c in changes)
    lines.append(f"| v2 update: changed facts / added documents / retired documents | {kinds['fact']} / "
                 f"{kinds['added_doc']} / {kinds['retired_doc']} |")
    lines.append(f"| Confusable document groups | {len(groups)} |")
    lines.append(f"| Questions (all) | {len(qs)} ({sum(q.answerable for q in qs)} answerable) |")
    lines.append(f"| Train paraphrases | {sum(len(q.paraphrases) for q in qs)} |")
    lines.append(f"| House-format replies (train / test) | {sum(h.split == 'train' for h in house)} / "
                 f"{sum(h.split == 'test' for h in house)} |")
    label_counts = Counter(t.label for t in tickets)
    lines.append(f"| Tickets (train / test) | {sum(t.split == 'train' for t in tickets)} / "
                 f"{sum(t.split == 'test' for t in tickets)} |")
    lines.append(f"| Ticket labels | {', '.join(f'{k} {label_counts[k]}' for k in data.TICKET_LABELS)} |")

    types = [t for t in data.QUESTION_TYPES]
    split_rows = ["", "Questions by split and type:", "",
                  "| Split | " + " | ".join(types) + " | total |", "|---|" + "---|" * (len(types) + 1)]
    grid = Counter((q.split, q.type) for q in qs)
    for split in data.SPLITS:
        row = [grid[(split, t)] for t in types]
        split_rows.append(f"| {split} | " + " | ".join(str(x) for x in row) + f" | {sum(row)} |")
    return "\n".join(lines + split_rows)


def render(readme: str, root: Path | None = None) -> str:
    if BEGIN not in readme or END not in readme:
        raise SystemExit(f"data/README.md has no {BEGIN} ... {END} block")
    head, rest = readme.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table(root)}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only check that the table is up to date")
    ap.add_argument("--data", type=Path, default=None, help="data folder (default: data/)")
    args = ap.parse_args(argv)
    root = Path(args.data or data.data_dir())
    path = root / "README.md"
    old = path.read_text(encoding="utf-8")
    new = render(old, root)
    if args.check:
        if new != old:
            print(f"{path}: the counts table is out of date; run python scripts/data_card.py")
            return 1
        print(f"{path}: the counts table is up to date")
        return 0
    if new != old:
        path.write_text(new, encoding="utf-8")
        print(f"updated {path}")
    else:
        print(f"{path} already up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
