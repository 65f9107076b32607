"""One rule for every command that writes a folder (``ragft index --index``, ``ragft finetune --output``).

A command's output is a folder that the command replaces whole, so the rule is about what may be
replaced and how:

* :func:`check_output` (called *before* any slow work, e.g. before training) refuses

  - a name that is, or contains, the current folder (``.``, ``..``), your home folder (``~``) or the
    root, or that is, or contains, an input of the command (the documents, the training data);
  - a file, or a folder that is not empty and is not this command's own kind of output (an index
    folder for ``ragft index``, an adapter folder for ``ragft finetune``): the message names the
    files that are in the way, and ``--force`` does not change that, it only replaces an output of
    the same kind, and only one that holds nothing else;
  - a folder the user cannot write to.

* :func:`folder_lock` is held while a folder is written: a lock file ``.NAME.lock`` beside the folder
  (``flock``, with the writer's pid in it). A second writer waits up to ``RAGFT_LOCK_TIMEOUT`` seconds
  (default 60), then stops with "another ragft process (pid N) is writing NAME". The kernel drops the
  lock of a process that died, so a stale lock file is simply taken over.

* :func:`replace_folder` swaps a fully written sibling folder ``.NAME.tmp-PID-XXXXXXXX`` into place:
  one ``renameat2(RENAME_EXCHANGE)`` where Linux offers it, else two renames (the old folder goes to
  ``.NAME.old-PID-XXXXXXXX`` first). A writer killed at any step leaves either the old or the new
  folder at NAME, plus temporaries; :func:`clean_stale` (run by the next writer, under the lock)
  deletes the temporaries of dead processes and puts an old folder back if NAME went missing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

LOCK_TIMEOUT = 60.0  # seconds a second writer waits for the first (RAGFT_LOCK_TIMEOUT overrides)


class OutputFolderError(UsageError, OSError):
    """An output folder that must not be written (printed as one line by the ``ragft`` command)."""


class ForeignFolderError(OutputFolderError, FileExistsError):
    """The output folder exists and holds something this command did not write."""


class OutputLockedError(OutputFolderError):
    """Another process is writing the same output folder."""


@dataclass(frozen=True)
class OutputKind:
    """What one command writes: the files of its output folder and how to recognise one."""

    noun: str  # "a ragft index"
    files: frozenset[str]  # every name the command writes in the folder
    made_by: str  # "`ragft index`"
    default_name: str  # suggested folder name, e.g. "index"
    is_own: Callable[[Path], bool]  # whether a folder is this kind of output

    def unexpected(self, folder: Path) -> list[str]:
        """Entries of ``folder`` this kind does not write (folders with a trailing ``/``)."""
        return sorted(n + ("/" if (folder / n).is_dir() else "") for n in os.listdir(folder) if n not in self.files)


def _names(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _contains(outer: Path, inner: Path) -> bool:
    return inner == outer or outer in inner.parents


def absolute(path: str | os.PathLike) -> Path:
    """``path`` as an absolute, normalised path (``.``/``..`` removed, symlinks of the parents resolved;
    a symlink at the end is followed, so the folder it points to is the one written)."""
    p = Path(os.path.abspath(Path(path).expanduser()))
    if p.is_symlink():
        return p.resolve()
    return p.parent.resolve() / p.name if p.name else p


def check_output(
    path: str | os.PathLike,
    kind: OutputKind,
    *,
    replace: bool,
    option: str | None = None,
    replace_flag: str = "--force",
    protect: Iterable[tuple[str | os.PathLike, str]] = (),
) -> Path:
    """Check that ``kind``'s output may be written at ``path``; return the absolute folder.

    ``replace``: an existing output of the same kind may be replaced (``--force``; an index is
    always brought up to date). ``protect``: ``(path, what)`` pairs of the command's inputs, never
    to be inside the folder. Raises :class:`OutputFolderError` (a ``UsageError``) naming the
    problem and the fix; writes nothing (a probe folder is created and removed to test writing).
    """
    if not str(path).strip():
        raise OutputFolderError(f"{option or 'the output folder'} is empty; name a folder, e.g. {kind.default_name}")
    target = absolute(path)
    shown = f"{option} {path}" if option else str(path)
    suggestion = f"{option + ' ' if option else ''}{Path(path) / kind.default_name}"
    specials = [(Path.cwd(), "the current folder"), (Path.home(), "your home folder")]
    for special, what in specials:
        if _contains(target, absolute(special)):
            raise OutputFolderError(
                f"{shown} {'is' if target == absolute(special) else 'contains'} {what}; {kind.made_by} replaces its "
                f"output folder whole, so give it a folder of its own, e.g. {suggestion}")
    if target.parent == target:
        raise OutputFolderError(f"{shown} is the root folder; give {kind.made_by} a folder of its own, e.g. {suggestion}")
    for protected, what in protect:
        inside = absolute(protected)
        if _contains(target, inside):
            raise OutputFolderError(
                f"{shown} {'is' if target == inside else 'contains'} {what} ({protected}); {kind.made_by} replaces its "
                f"output folder whole, so choose a folder that holds nothing else, e.g. {suggestion}")
    if os.path.lexists(target) and not target.is_dir():
        raise ForeignFolderError(f"{shown} is a file, not a folder; choose another {option or 'folder'}")
    if target.is_dir() and os.listdir(target):
        if not kind.is_own(target):
            raise ForeignFolderError(
                f"{shown} is not empty and is not {kind.noun} (it holds {_names(kind.unexpected(target))}); "
                f"{kind.made_by} only replaces a folder it wrote itself ({replace_flag} does not change that): "
                f"choose a new folder, e.g. {suggestion}")
        extra = kind.unexpected(target)
        if extra:
            raise ForeignFolderError(
                f"{shown} is {kind.noun} but also holds files {kind.made_by} did not write ({_names(extra)}); "
                f"replacing it would delete them: move them out of {path}, or choose another {option or 'folder'}")
        if not replace:
            raise ForeignFolderError(
                f"{shown} already holds {kind.noun}; pass {replace_flag} to replace it, or choose another {option or 'folder'}")
    check_writable(target, shown)
    return target


def check_writable(target: Path, shown: str | None = None) -> None:
    """Raise :class:`OutputFolderError` unless a folder can be created beside ``target`` (and, when
    ``target`` exists, its contents can be deleted)."""
    shown = shown or str(target)
    parent = target.parent
    existing = parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise OutputFolderError(f"{shown}: {existing} is a file, so no folder can be made under it; choose another folder")
    probe = existing / f".{target.name}.probe-{os.getpid()}-{threading.get_ident()}"
    try:
        os.mkdir(probe, 0o700)
    except FileExistsError:
        pass
    except OSError as err:
        raise OutputFolderError(
            f"cannot write to {existing} ({err.strerror or err}), so {shown} cannot be written; choose a folder you can "
            "write to, or fix its permissions") from None
    with contextlib.suppress(OSError):
        os.rmdir(probe)
    if target.is_dir() and not os.access(target, os.W_OK | os.X_OK):
        raise OutputFolderError(
            f"{shown} is read-only, so the old contents could not be deleted; fix its permissions (chmod u+w) "
            "or choose another folder")


# ---------------------------------------------------------------------------------------------------
# the lock


def lock_timeout() -> float:
    try:
        return max(0.0, float(os.environ.get("RAGFT_LOCK_TIMEOUT", LOCK_TIMEOUT)))
    except ValueError:
        return LOCK_TIMEOUT


def lock_path(target: str | os.PathLike) -> Path:
    target = absolute(target)
    return target.parent / f".{target.name}.lock"


def pid_alive(pid: int | None) -> bool:
    if pid is None or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    except OSError:
        return False
    return True


_HELD: dict[str, list] = {}  # lock path -> [thread id, depth]; the lock is re-entrant within one thread
_HELD_GUARD = threading.Lock()


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
        return int(text.split()[0]) if text else None
    except (OSError, ValueError, IndexError):
        return None


def _try_flock(path: Path) -> tuple[int | None, int | None]:
    """``(fd, None)`` holding the lock, or ``(None, pid of the holder)``."""
    import fcntl

    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            pid = _read_pid(fd)
            os.close(fd)
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return None, pid
            raise
        try:  # the holder before us may have deleted the file after we opened it: lock the file at the path
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd, None
        os.close(fd)


def _try_exclusive(path: Path) -> tuple[int | None, int | None]:
    """Fallback without ``fcntl``: create the lock file exclusively; take over one whose pid is dead."""
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            try:
                pid = int(path.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pid = None
            if pid is not None and pid_alive(pid):
                return None, pid
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            continue
        os.write(fd, f"{os.getpid()}\n".encode())
        return fd, None


@contextlib.contextmanager
def folder_lock(target: str | os.PathLike, *, timeout: float | None = None) -> Iterator[Path]:
    """Hold the write lock of the folder ``target`` (``.NAME.lock`` beside it); yields the lock file's path.

    Waits up to ``timeout`` seconds (default :func:`lock_timeout`) for another writer, then raises
    :class:`OutputLockedError`. Re-entrant in the thread that holds it.
    """
    target = absolute(target)
    path = lock_path(target)
    key, me = str(path), threading.get_ident()
    with _HELD_GUARD:
        held = _HELD.get(key)
        if held is not None and held[0] == me:
            held[1] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield path
        finally:
            with _HELD_GUARD:
                _HELD[key][1] -= 1
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try_lock = _try_exclusive if sys.platform == "win32" else _try_flock
    deadline = time.monotonic() + (lock_timeout() if timeout is None else timeout)
    delay = 0.05
    while True:
        fd, holder = try_lock(path)
        if fd is not None:
            break
        if time.monotonic() >= deadline:
            who = f"pid {holder}" if holder is not None else "pid unknown"
            raise OutputLockedError(
                f"another ragft process ({who}) is writing {target}; wait for it to finish and run this again "
                f"(or set RAGFT_LOCK_TIMEOUT=SECONDS to wait longer). If no ragft process is running, delete {path}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
    with _HELD_GUARD:
        _HELD[key] = [me, 1]
    try:
        yield path
    finally:
        with _HELD_GUARD:
            _HELD.pop(key, None)
        with contextlib.suppress(OSError):
            path.unlink()  # while still locked: a waiter that opened it re-checks the inode
        os.close(fd)


def holds_lock(target: str | os.PathLike) -> bool:
    """Whether this thread holds the write lock of ``target``."""
    with _HELD_GUARD:
        held = _HELD.get(str(lock_path(target)))
    return held is not None and held[0] == threading.get_ident()


# ---------------------------------------------------------------------------------------------------
# temporaries and the swap

_ACTIVE: set[str] = set()  # temporaries this process is using right now
_SUFFIX = r"[a-z0-9_]{8}"  # what tempfile.mkdtemp appends


def _fault(step: str) -> None:
    """A named step of a write; tests replace this to kill or fail a writer exactly there."""


def temp_sibling(target: str | os.PathLike, tag: str = "tmp") -> Path:
    """A new private (0700) folder ``.NAME.TAG-PID-XXXXXXXX`` beside ``target``, on the same filesystem."""
    target = absolute(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f".{target.name}.{tag}-{os.getpid()}-", dir=target.parent))
    _ACTIVE.add(str(path))
    return path


def discard(path: str | os.PathLike | None) -> None:
    """Delete a temporary made by :func:`temp_sibling` (if it is still there)."""
    if path is None:
        return
    shutil.rmtree(path, ignore_errors=True)
    if not os.path.lexists(path):
        _ACTIVE.discard(str(path))


def _sibling_pid(target: Path, name: str) -> tuple[bool, int | None]:
    """Whether ``name`` is a temporary of ``target`` (``.NAME.tmp-…``/``.NAME.old-…``, this version's
    names or the older ``.NAME.tmp-XXXXXXXX``, ``.NAME.old-PID``, ``.NAME.old-PID-NS``), and its pid."""
    esc = re.escape(target.name)
    m = re.fullmatch(rf"\.{esc}\.(?:tmp|old)-(\d+)-{_SUFFIX}", name) or re.fullmatch(rf"\.{esc}\.old-(\d+)(?:-\d+)?", name)
    if m:
        return True, int(m.group(1))
    if re.fullmatch(rf"\.{esc}\.tmp-{_SUFFIX}", name):
        return True, None
    return False, None


def stale_siblings(target: str | os.PathLike) -> list[Path]:
    """Temporaries of ``target`` left by writers that are gone (dead pid, or this process's but not in use)."""
    target = absolute(target)
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    stale = []
    for name in sorted(names):
        ours, pid = _sibling_pid(target, name)
        path = target.parent / name
        if not ours or str(path) in _ACTIVE:
            continue
        if pid is not None and pid != os.getpid() and pid_alive(pid):
            continue
        stale.append(path)
    return stale


def clean_stale(target: str | os.PathLike) -> list[Path]:
    """Delete the temporaries of dead writers of ``target``; if ``target`` itself is missing (a writer
    died between its two renames) the newest old folder is put back first. Call it under the lock."""
    target = absolute(target)
    stale = stale_siblings(target)
    if not os.path.lexists(target):
        olds = [p for p in stale if p.name.startswith(f".{target.name}.old-") and p.is_dir()]
        if olds:
            newest = max(olds, key=lambda p: p.stat().st_mtime_ns)
            os.rename(newest, target)
            stale.remove(newest)
    for path in stale:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    return stale


def recover(target: str | os.PathLike) -> bool:
    """Put back a folder a killed writer left moved aside, if nobody is writing it now; True if it did."""
    target = absolute(target)
    if os.path.lexists(target) or not target.parent.is_dir():
        return False
    if not any(p.name.startswith(f".{target.name}.old-") for p in stale_siblings(target)):
        return False
    try:
        with folder_lock(target, timeout=0):
            clean_stale(target)
    except OutputLockedError:
        return False
    return os.path.lexists(target)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where that is not available."""
    global _renameat2
    if not sys.platform.startswith("linux"):
        return False
    if _renameat2 is None:
        import ctypes

        try:
            fn = ctypes.CDLL(None, use_errno=True).renameat2
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            fn.restype = ctypes.c_int
            _renameat2 = fn
        except (AttributeError, OSError):
            _renameat2 = False
    if not _renameat2:
        return False
    import ctypes

    if _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # kernel or filesystem without it: two renames instead
    raise OSError(err, os.strerror(err), str(a))


def replace_folder(staged: str | os.PathLike, target: str | os.PathLike) -> None:
    """Put the fully written folder ``staged`` at ``target`` (same filesystem), replacing what is there.

    At every moment ``target`` is the old folder or the new one, except, where the one-step exchange
    is not available, between two renames; :func:`clean_stale` repairs that case.
    """
    staged, target = Path(staged), absolute(target)
    _fault("before-swap")
    if not os.path.lexists(target):
        os.rename(staged, target)
        _ACTIVE.discard(str(staged))
        _fault("swapped")
        return
    if _exchange(staged, target):  # staged now holds the previous folder
        _fault("swapped")
        discard(staged)
        return
    old = temp_sibling(target, "old")  # reserves the name; the rename below replaces the empty folder
    try:
        os.rename(target, old)
    except BaseException:
        discard(old)
        raise
    try:
        _fault("moved-aside")
        os.rename(staged, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.rename(old, target)  # put the old folder back
        _ACTIVE.discard(str(old))  # if that failed too, the next writer's clean_stale puts it back
        raise
    _ACTIVE.discard(str(staged))
    _fault("swapped")
    discard(old)
