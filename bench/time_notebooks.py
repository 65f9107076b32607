"""Execute every lab (or the ones named) and print a table of wall time and peak memory.

    python bench/time_notebooks.py                 # all labs, in order
    python bench/time_notebooks.py labs/00_setup.ipynb
    python bench/time_notebooks.py --cells 5      # also the five slowest cells of each lab

Each notebook runs in its own child process, which runs the kernel; the kernel's peak resident
memory is read from ``getrusage(RUSAGE_CHILDREN)`` once it has exited. Budgets (DEVELOPERS.md):
each lab at most 240 s and 4 GB, all labs together at most 1200 s.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAB_BUDGET_S, TOTAL_BUDGET_S, MEMORY_BUDGET_GB = 240, 1200, 4.0

_CHILD = r"""
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
from datetime import datetime
def _t(v):
    return datetime.fromisoformat(v.replace("Z", "+00:00"))
cells = []
for i, cell in enumerate(nb.cells):
    ex = cell.get("metadata", {}).get("execution", {})
    if cell.cell_type == "code" and "iopub.execute_input" in ex and "shell.execute_reply" in ex:
        dt = (_t(ex["shell.execute_reply"]) - _t(ex["iopub.execute_input"])).total_seconds()
        cells.append({"cell": i, "seconds": round(dt, 1), "source": cell.source.splitlines()[0][:70] if cell.source else ""})
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_gb": peak_kib / 1024**2, "error": error, "cells": cells}))
"""


def run(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True)
    if out.returncode != 0 or not out.stdout.strip():
        return {"seconds": float("nan"), "peak_gb": float("nan"), "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--cells", type=int, default=0, metavar="N", help="also list each notebook's N slowest cells")
    args = parser.parse_args()
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
