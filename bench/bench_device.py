"""Run one lab on every device this machine has (the CPU, and a CUDA or Apple GPU when torch sees one).

    python bench/bench_device.py                       # labs/00_setup.ipynb on each device
    python bench/bench_device.py --lab labs/01_rag_from_scratch.ipynb --devices cpu,cuda

Each device gets its own cache folder holding only the models (copied from yours), so every run is a first
run: the same work, answers generated, nothing reused. The lab's own check cells run too, so a device on
which a check no longer holds fails here, with the error it stopped on. Prints, per device: passed or failed
and the wall time; writes the table to ``_build/bench/device.json``. The course never
needs a GPU; this is how its GPU path is checked where one is lent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from ragft import config  # noqa: E402
from ragft import device as devices  # noqa: E402


def present() -> list[str]:
    found = [devices.CPU]
    if devices.cuda_available():
        found.append(devices.CUDA)
    if devices.mps_available():
        found.append(devices.MPS)
    return found


def run_lab(lab: Path, device: str, timeout: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"ragft-bench-{device}-") as tmp:
        cache = Path(tmp) / "cache"
        models = config.cache_dir() / "models"
        if models.is_dir():  # the de-quantized generator: not what is being measured
            shutil.copytree(models, cache / "models")
        env = {**os.environ, "RAGFT_CACHE_DIR": str(cache), "RAGFT_DEVICE": device, "HF_HUB_OFFLINE": "1",
               "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONHASHSEED": "0"}
        out = Path(tmp) / lab.name
        cmd = [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", str(lab), "--output",
               str(out), f"--ExecutePreprocessor.timeout={timeout}"]
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=lab.parent, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        error = ""
        if done.returncode:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            error = " | ".join(lines[-3:])
    return {"device": device, "lab": str(lab.relative_to(ROOT)), "passed": done.returncode == 0,
            "seconds": round(seconds, 1), "error": error}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lab", default="labs/00_setup.ipynb", help="the notebook to run (default: %(default)s)")
    ap.add_argument("--devices", help="comma-separated devices (default: every device torch sees here)")
    ap.add_argument("--timeout", type=int, default=600, help="seconds a cell may run (default: %(default)s)")
    args = ap.parse_args(argv)
    lab = (ROOT / args.lab).resolve()
    if not lab.is_file():
        ap.error(f"--lab {args.lab}: no such notebook")
    chosen = [d.strip() for d in args.devices.split(",")] if args.devices else present()
    for d in chosen:
        devices.resolve(d)  # an unknown or absent device stops here, with the message that says what to set
    print(f"devices: {', '.join(chosen)} (torch sees: {', '.join(present())})", flush=True)
    rows = []
    for d in chosen:
        row = run_lab(lab, d, args.timeout)
        rows.append(row)
        status = "passed" if row["passed"] else f"FAILED: {row['error']}"
        print(f"{row['device']:<5} {row['lab']:<36} {row['seconds']:>8.1f} s  {status}", flush=True)
    out = ROOT / "_build" / "bench" / "device.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"written: {out.relative_to(ROOT)}")
    return 0 if all(r["passed"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
