"""How long each lab takes, as measured by the book build: a first run and a second run.

A lab's *first run* computes its results (answers, adapters, indexes) and writes them to the toolkit's
cache; a *second run* finds them there and only reads them back. The difference is what an instructor
plans around: a room of fresh laptops pays the first-run time, a rehearsal the second.

The book build (``_ext/labs.py``) times every lab it executes (myst-nb's own execution data). A first run is
the lab's first run with this cache, the one the record does not know yet; every later run is a second run,
including a re-run that writes a few files (a calibration or an index whose name hashes computed numbers, which
change in their last digits with the thread count). The record keeps how many new files each run wrote: on a
machine whose caches were filled before the record existed, a "first run" that wrote none read them back. The latest run of each kind is kept in
``<cache>/lab_runs.json``, beside the caches it describes, so deleting the cache starts the record again.
Loading the models is not part of either: ``make install`` prepares them once.

    python -m ragft.labruns            # the record on this machine, as a table
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import config

RECORD_NAME = "lab_runs.json"
KINDS = ("first", "second")
KIND_LABELS = {"first": "first run", "second": "second run", "build": "this build"}


@dataclass(frozen=True)
class Run:
    """One timed run of a lab."""

    seconds: float
    kind: str  # "first" (the lab's first recorded run with this cache) or "second" (a later run)
    new_cache_files: int
    date: str
    cpus: int
    machine: str
    dtype: str = "float32"  # the generator's precision (RAGFT_DTYPE) in that run; records before it existed ran float32
    device: str = "cpu"  # where the models ran (RAGFT_DEVICE, auto resolved); records before it existed ran on the CPU

    @classmethod
    def measured(cls, seconds: float, new_cache_files: int, seen_before: bool) -> Run:
        if seconds < 0:
            raise ValueError(f"a lab cannot take {seconds} s; pass the run time in seconds")
        return cls(seconds=round(float(seconds), 1), kind=classify(new_cache_files, seen_before),
                   new_cache_files=int(new_cache_files),
                   date=datetime.now(UTC).strftime("%Y-%m-%d"), cpus=_cpus(),
                   machine=platform.machine(), dtype=_dtype(), device=_device())


def _dtype() -> str:
    """The precision the labs of this run compute in (``RAGFT_DTYPE``, ``auto`` resolved)."""
    from . import precision

    return precision.resolve()


def _device() -> str:
    """Where the models of this run compute (``RAGFT_DEVICE``, ``auto`` resolved)."""
    from . import device

    return device.resolve()


def _cpus() -> int:
    """CPU cores this process may use (all of the machine's where the system cannot say)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS has no affinity call
        return os.cpu_count() or 1


def classify(new_cache_files: int, seen_before: bool) -> str:
    """``first``: the lab's first recorded run with this cache; ``second``: any later run. (``new_cache_files`` is
    kept in the record, not used here: a lab that caches nothing, like the set-up check, writes none on its first
    run either.)"""
    return "second" if seen_before else "first"


def record_path(root: Path | None = None) -> Path:
    return (root or config.cache_dir()) / RECORD_NAME


def cache_snapshot(root: Path | None = None) -> frozenset[str]:
    """Every file under the cache directory (relative paths), except the record itself."""
    root = root or config.cache_dir()
    found = set()
    for folder, _dirs, files in os.walk(root):
        for name in files:
            rel = os.path.relpath(os.path.join(folder, name), root)
            if rel != RECORD_NAME and not name.endswith(".tmp"):
                found.add(rel)
    return frozenset(found)


def load_record(path: Path | None = None) -> dict[str, dict[str, Run]]:
    """``{lab: {"first": Run, "second": Run}}``; an unreadable record is set aside (renamed), not lost."""
    path = path or record_path()
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text())
        return {lab: {kind: Run(**run) for kind, run in runs.items() if kind in KINDS} for lab, runs in raw.items()}
    except (ValueError, TypeError, AttributeError) as exc:
        kept = path.with_name(f"{path.name}.unreadable")
        os.replace(path, kept)
        print(f"warning: {path} could not be read ({exc}); kept it as {kept.name} and started a new record",
              file=sys.stderr)
        return {}


def update_record(lab: str, run: Run, path: Path | None = None) -> dict[str, dict[str, Run]]:
    """Keep ``run`` as the latest run of its kind for ``lab`` (written atomically)."""
    path = path or record_path()
    record = load_record(path)
    record.setdefault(lab, {})[run.kind] = run
    config.write_atomic(path, json.dumps({lab: {k: asdict(r) for k, r in runs.items()}
                                          for lab, runs in sorted(record.items())}, indent=1))
    return record


def format_duration(seconds: float | None) -> str:
    """``45 s``, ``3.9 min``, ``1 h 05 min``; ``None`` (not measured) as ``not measured yet``."""
    if seconds is None:
        return "not measured yet"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min"


def lab_title(notebook: Path) -> str:
    """The lab's title, from its first cell (``# Lab 3 — RAG vs fine-tuning, side by side``)."""
    cells = json.loads(Path(notebook).read_text())["cells"]
    first = "".join(cells[0]["source"]).splitlines()[0] if cells else ""
    if not first.startswith("# "):
        raise ValueError(f"{notebook}: the first cell must start with the lab's title ('# Lab N — ...')")
    return first[2:].strip()


def total(seconds: list[float | None]) -> float | None:
    """The sum of several labs' times, or None if any of them is not measured yet."""
    return None if any(s is None for s in seconds) else sum(seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ragft.labruns", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print the record as JSON")
    args = parser.parse_args(argv)
    record = load_record()
    if args.json:
        print(json.dumps({lab: {k: asdict(r) for k, r in runs.items()} for lab, runs in record.items()}, indent=1))
        return 0
    if not record:
        print(f"No lab has been timed on this machine yet ({config.display_path(record_path())}); run `make book`.")
        return 0
    print(f"{'lab':<28} {'first run':>12} {'second run':>12}")
    for lab, runs in sorted(record.items()):
        cells = [format_duration(runs[k].seconds) if k in runs else "-" for k in KINDS]
        print(f"{lab:<28} {cells[0]:>12} {cells[1]:>12}")
    return 0



def cell_times(notebook: dict) -> list[dict]:
    """Each timed code cell of an executed notebook: ``{"cell", "seconds", "source"}`` (its first line).

    nbclient stamps a cell with ``metadata.execution`` when it runs with ``record_timing`` (the book's
    ``lab_failures`` extension turns that on; ``bench/time_notebooks.py`` runs notebooks with it).
    """
    cells = []
    for i, cell in enumerate(notebook["cells"]):
        ex = cell.get("metadata", {}).get("execution", {})
        if cell["cell_type"] == "code" and "iopub.execute_input" in ex and "shell.execute_reply" in ex:
            seconds = (_timestamp(ex["shell.execute_reply"]) - _timestamp(ex["iopub.execute_input"])).total_seconds()
            source = "".join(cell["source"])
            cells.append({"cell": i, "seconds": round(seconds, 1), "source": source.splitlines()[0][:70] if source else ""})
    return cells


def _timestamp(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))

if __name__ == "__main__":
    raise SystemExit(main())
