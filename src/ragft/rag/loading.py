"""Load a folder of documents (Markdown, plain text, PDF) for indexing.

Every file becomes a :class:`Document`. Markdown and text files may start with YAML front
matter (``---`` lines) holding metadata: ``id``, ``title``, ``updated``, ``access``, ``groups`` and
anything else (kept in ``Document.meta``). Without front matter the id is the file's path relative
to the folder without its suffix (``policies/refunds``) and the title is the first Markdown
heading, else a short first line, else the file name.

Files that cannot be used (empty, binary, not UTF-8, unreadable, a PDF without text) are skipped
with a :class:`SkippedFileWarning` that names them; a folder with nothing usable is an error.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TEXT_SUFFIXES = (".md", ".markdown", ".txt")
PDF_SUFFIXES = (".pdf",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + PDF_SUFFIXES

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


class SkippedFileWarning(UserWarning):
    """A file in the documents folder was skipped (the message says which and why)."""


class AccessMetadataWarning(UserWarning):
    """A document's ``access``/``groups`` front matter looks wrong (the message says what and how to fix it)."""


class NoDocumentsError(ValueError):
    """The documents folder holds nothing that can be indexed."""


@dataclass
class Document:
    """One source document; the same fields as :class:`ragft.data.Document`, plus ``meta``."""

    id: str
    title: str
    text: str
    path: str = ""
    updated: str | None = None
    access: str = "public"
    groups: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return ``(metadata, body)``; metadata is ``{}`` when the text has no YAML front matter."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    meta = yaml.safe_load(match.group(1)) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a YAML mapping (expected lines like `title: ...`)")
    return meta, text[match.end() :]


def first_heading(text: str) -> str | None:
    match = _HEADING.search(text)
    return match.group(1).strip() if match else None


def guess_title(body: str) -> str | None:
    """The first Markdown heading, else a short first line (how .txt and PDF files usually start)."""
    heading = first_heading(body)
    if heading:
        return heading
    first = next((line.strip() for line in body.splitlines() if line.strip()), "")
    return first if 0 < len(first) <= 80 and not first.endswith((".", ",", ";", ":")) else None


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [(page.extract_text() or "").strip() for page in reader.pages]
    return "\n\n".join(p for p in pages if p)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise ValueError("looks binary (contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"is not UTF-8 text ({err.reason} at byte {err.start}); re-save it as UTF-8") from None


def _as_groups(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def load_document(path: str | Path, root: str | Path | None = None) -> Document:
    """Read one file. Raises ``ValueError`` (with the reason) when it cannot be used."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ValueError(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        raw_text = _read_pdf(path) if suffix in PDF_SUFFIXES else _read_text(path)
    except ValueError:
        raise
    except Exception as err:  # OSError, pypdf errors on a broken PDF, ...
        raise ValueError(f"could not be read ({type(err).__name__}: {err})") from None
    try:
        meta, body = split_front_matter(raw_text) if suffix in TEXT_SUFFIXES else ({}, raw_text)
    except yaml.YAMLError as err:
        raise ValueError(f"has invalid YAML front matter ({err.__class__.__name__}); fix the block between the --- lines") from None
    if not body.strip():
        raise ValueError("is empty" if not raw_text.strip() else "has front matter but no text")
    rel = path.relative_to(root).with_suffix("").as_posix()
    meta = dict(meta)
    doc_id = str(meta.pop("id", None) or rel)
    title = str(meta.pop("title", None) or guess_title(body) or path.stem.replace("_", " ").replace("-", " "))
    updated = meta.pop("updated", None)
    return Document(
        id=doc_id,
        title=title,
        text=body.strip(),
        path=str(path),
        updated=str(updated) if updated is not None else None,
        access=str(meta.pop("access", None) or "public"),
        groups=_as_groups(meta.pop("groups", None)),
        meta=meta,
    )


def access_problems(doc: Document) -> list[str]:
    """What looks wrong in a document's access metadata (see :mod:`ragft.rag.access`)."""
    from .access import KNOWN_LEVELS, PUBLIC

    out = []
    if doc.access not in KNOWN_LEVELS:
        out.append(f"access {doc.access!r} is not one of {', '.join(KNOWN_LEVELS)}; it is treated as restricted "
                   "(only its groups may read it); fix the spelling if it was meant to be public")
    if doc.access != PUBLIC and not doc.groups:
        out.append(f"access is {doc.access!r} but no groups are given, so nobody may read it; add e.g. `groups: [hr]`")
    return out


def load_documents(folder: str | Path, *, suffixes: tuple[str, ...] = SUPPORTED_SUFFIXES) -> list[Document]:
    """Load every supported file under ``folder`` (recursively, sorted by path).

    Hidden files and folders (names starting with ``.``) are ignored. Unusable files are skipped
    with a :class:`SkippedFileWarning`; duplicate ids and a folder without any usable document
    raise an error that says what to fix.
    """
    folder = Path(folder).expanduser()
    if not folder.exists():
        raise FileNotFoundError(f"documents folder {folder} does not exist; check the path")
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file, not a folder; pass the folder that holds your documents")
    docs: list[Document] = []
    seen: dict[str, Path] = {}
    other = 0
    for path in sorted(folder.rglob("*")):
        rel_parts = path.relative_to(folder).parts
        if any(part.startswith(".") for part in rel_parts) or not path.is_file():
            continue
        if path.suffix.lower() not in suffixes:
            other += 1
            continue
        try:
            doc = load_document(path, folder)
        except ValueError as err:
            warnings.warn(f"skipped {path}: {err}", SkippedFileWarning, stacklevel=2)
            continue
        if doc.id in seen:
            raise ValueError(
                f"two documents have the id {doc.id!r}: {seen[doc.id]} and {path}; give one of them another `id:` in its front matter"
            )
        seen[doc.id] = path
        for problem in access_problems(doc):
            warnings.warn(f"{path}: {problem}", AccessMetadataWarning, stacklevel=2)
        docs.append(doc)
    if not docs:
        kinds = ", ".join(suffixes)
        extra = f" ({other} other files ignored)" if other else ""
        raise NoDocumentsError(f"no usable documents ({kinds}) in {folder}{extra}; point to a folder with Markdown, text or PDF files")
    return docs
