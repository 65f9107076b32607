"""How many threads torch may use: the CPU cores that other programs leave free.

torch runs each operation on as many threads as the machine has cores, and its threads wait for one another
actively. When another program keeps one of two cores busy (a browser, a video call, another notebook), one
of torch's two threads keeps losing its core and the other spins waiting for it: measured on two cores with
one busy, a batch of eight answers took 10.0 s with two threads against 3.5 s with one (2.3 s on an idle
machine). So the toolkit counts the cores other programs are using, once per process, when it first loads a
model, and gives torch the rest (at least one).

``RAGFT_THREADS`` overrides it: a number, or ``auto`` (the default). Answers can differ in the last digits of
a probability between thread counts (sums are added in another order), so a greedy answer very rarely changes;
cached answers are reused whatever the count.
"""

from __future__ import annotations

import os
import time

_CHOSEN: int | None = None


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all cores, from /proc/stat (Linux); None elsewhere."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_cores(sample_s: float = 0.3) -> float:
    """How many cores other programs keep busy right now (this process sleeps while it measures)."""
    first = _cpu_times()
    if first is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        return min(float(load), float(os.cpu_count() or 1))
    time.sleep(sample_s)
    second = _cpu_times()
    busy, total = second[0] - first[0], second[1] - first[1]
    return (os.cpu_count() or 1) * busy / total if total > 0 else 0.0


def choose(cores: int, busy: float) -> int:
    """The cores left free, rounded, at least one."""
    return max(1, min(cores, round(cores - busy)))


def configure() -> int:
    """Set torch's thread count once per process (RAGFT_THREADS, else the free cores); returns it."""
    global _CHOSEN
    if _CHOSEN is not None:
        return _CHOSEN
    import torch

    setting = os.environ.get("RAGFT_THREADS", "auto").strip().lower() or "auto"
    if setting == "auto":
        n = choose(usable_cores(), busy_cores())
    else:
        try:
            n = int(setting)
        except ValueError:
            raise ValueError(f"RAGFT_THREADS must be a whole number or 'auto', got {setting!r}") from None
        if n < 1:
            raise ValueError(f"RAGFT_THREADS must be at least 1, got {n}")
    torch.set_num_threads(n)
    _CHOSEN = n
    return n
