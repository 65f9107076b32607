"""Execute every lab (or the ones named) and print a table of wall time and peak memory.

    python bench/time_notebooks.py                 # all labs, in order
    python bench/time_notebooks.py labs/00_setup.ipynb
    python bench/time_notebooks.py --cells 5      # also the five slowest cells of each lab
    python bench/time_notebooks.py --from-build   # no run: each lab's slowest cells in the last book build

Each notebook runs in its own child process, which runs the kernel; the kernel's peak resident
memory is read from ``getrusage(RUSAGE_CHILDREN)`` once it has exited. Budgets (issue 26): each lab's
first run at most 300 s from a cache holding only the models, and 4 GB; no code cell over 120 s (so a
busy machine is slow but never reaches the book's 600-second limit per cell).

``--from-build`` reads the executed notebooks of the last ``make book`` (``_build/jupyter_execute``), whose
cells the book's ``lab_failures`` extension has nbclient time, and fails when a cell is over its limit.
Times depend on the machine and its load, so this is a benchmark to quote, never a test.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

from ragft.labruns import cell_times

ROOT = Path(__file__).resolve().parents[1]
LAB_BUDGET_S, TOTAL_BUDGET_S, MEMORY_BUDGET_GB, CELL_LIMIT_S = 300, 1800, 4.0, 120
BUILD = ROOT / "_build" / "jupyter_execute" / "labs"

_CHILD = r"""
from ragft.labruns import cell_times
import json, resource, sys, time
import nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
start = time.perf_counter()
error = None
try:
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}}).execute()
except Exception as exc:  # report, don't hide
    error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
seconds = time.perf_counter() - start
cells = cell_times(nb)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_gb": peak_kib / 1024**2, "error": error, "cells": cells}))
"""


def run(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        return {"seconds": float("nan"), "peak_gb": float("nan"), "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def from_build(cells_shown: int) -> int:
    """Each lab's slowest cells in the last book build; non-zero when one is over ``CELL_LIMIT_S``."""
    executed = sorted(BUILD.glob("*.ipynb"))
    if not executed:
        print(f"no executed labs in {BUILD}; run `make book` first")
        return 2
    print(f"# cells of the last book build ({BUILD.relative_to(ROOT)}), limit {CELL_LIMIT_S} s a cell")
    print(f"{'notebook':<40} {'slowest':>8} {'cells':>6}  verdict")
    over = []
    for path in executed:
        cells = sorted(cell_times(json.loads(path.read_text())), key=lambda c: -c["seconds"])
        if not cells:
            print(f"{path.name:<40} {'-':>8} {0:>6}  no cell timing (built before lab_failures timed cells)")
            over.append(path.name)
            continue
        slow = [c for c in cells if c["seconds"] > CELL_LIMIT_S]
        over += [path.name] if slow else []
        print(f"{path.name:<40} {cells[0]['seconds']:>8.1f} {len(cells):>6}  "
              f"{'ok' if not slow else f'{len(slow)} cell(s) OVER {CELL_LIMIT_S} s'}")
        for cell in cells[: max(cells_shown, len(slow))]:
            print(f"    cell {cell['cell']:>3} {cell['seconds']:>7.1f} s  {cell['source']}")
    print("all cells within the limit" if not over else f"over the limit or untimed: {', '.join(over)}")
    return 1 if over else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--from-build", action="store_true",
                        help="run nothing: report each lab's slowest cells from the last book build")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--cells", type=int, default=0, metavar="N", help="also list each notebook's N slowest cells")
    args = parser.parse_args()
    if args.from_build:
        return from_build(args.cells or 3)
    paths = args.notebooks or sorted((ROOT / "labs").glob("*.ipynb"))
    print(f"# {platform.node()} · {platform.processor() or platform.machine()} · python {platform.python_version()}")
    print(f"{'notebook':<40} {'seconds':>8} {'peak GB':>8}  verdict")
    rows, total, ok = [], 0.0, True
    for path in paths:
        t0 = time.perf_counter()
        result = run(path)
        result["notebook"] = path.name
        total += result["seconds"] if result["seconds"] == result["seconds"] else time.perf_counter() - t0
        within = not result["error"] and result["seconds"] <= LAB_BUDGET_S and result["peak_gb"] < MEMORY_BUDGET_GB
        ok &= within
        verdict = "ok" if within else f"OVER BUDGET or FAILED {result['error'] or ''}"
        print(f"{path.name:<40} {result['seconds']:>8.1f} {result['peak_gb']:>8.2f}  {verdict}", flush=True)
        for cell in sorted(result.get("cells", []), key=lambda c: -c["seconds"])[: args.cells]:
            print(f"    cell {cell['cell']:>3} {cell['seconds']:>7.1f} s  {cell['source']}", flush=True)
        rows.append(result)
    print(f"{'total':<40} {total:>8.1f} {'':>8}  {'ok' if total <= TOTAL_BUDGET_S else 'OVER BUDGET'}")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "total_seconds": total}, indent=1))
    return 0 if ok and total <= TOTAL_BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
