"""Load a folder of documents (Markdown, plain text, HTML, PDF) for indexing.

Every file becomes a :class:`Document`. Markdown and text files may start with front matter holding
metadata: ``id``, ``title``, ``updated``, ``access``, ``groups`` and anything else (kept in
``Document.meta``). Without front matter the id is the file's path relative to the folder without its
suffix (``policies/refunds``) and the title is the first Markdown heading, else a short first line, else
the file name.

One parser, :func:`split_front_matter`, reads the forms people write: YAML between ``---`` lines (closed
by ``---`` or ``...``, after blank lines or a byte-order mark, fences indented or not) and TOML between
``+++`` lines. A PDF cannot hold front matter, so its metadata lives in a **sidecar file** beside it:
``report.pdf.yaml`` (or ``report.pdf.yml``) with the same keys.

An **HTML** page (``.html``, ``.htm``) is parsed with Beautiful Soup (Python's own ``html.parser``, the
encoding from the page's ``<meta charset>``) and rewritten as Markdown with ``markdownify``, so its
headings become ``#`` lines that the chunker splits on, its tables Markdown tables (read as
"column: value" lines) and its ``<pre>`` blocks fenced code; scripts, styles, ``<nav>`` and ``<footer>``
are dropped and links keep their text. Its metadata comes from ``<meta name=... content=...>`` tags
(``<meta name="access" content="internal">``, ``groups``, ``id``, ``updated``; read by the same
deny-by-default rule) and from a sidecar file ``page.html.yaml``, which wins where both give a key.

Access metadata is read by :func:`access_from_meta`, which **denies by default**: whatever looks like
access metadata but is not understood (``Access:`` or ``acess:`` for ``access:``, ``access: false``,
``groups:`` without ``access:``, a first line such as ``access: confidential`` outside any front matter)
makes the document readable by its groups only (by nobody, if it names none) and raises an
:class:`AccessMetadataWarning` that names the file and the fix. A mistake can lock a document away;
it never makes one public. ``groups: hr, exec`` (a string) is read as the two groups ``hr`` and ``exec``.

Files that cannot be used (empty, binary, not UTF-8, unreadable, a PDF without text) are skipped
with a :class:`SkippedFileWarning` that names them; a folder with nothing usable is an error.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TEXT_SUFFIXES = (".md", ".markdown", ".txt")
HTML_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + PDF_SUFFIXES
#: suffixes whose metadata may live in a sidecar file beside them (they cannot hold YAML front matter)
SIDECAR_OWNERS = HTML_SUFFIXES + PDF_SUFFIXES
#: HTML elements that are page furniture, not content
HTML_DROP = ("script", "style", "noscript", "template", "head", "nav", "footer", "iframe", "svg", "form")

#: YAML front matter: ``---`` ... ``---`` (or ``...``), after blank lines, fences indented or not
_FRONT_MATTER = re.compile(r"\A(?:[ \t]*\r?\n)*[ \t]*---[ \t]*\r?\n(.*?)\r?\n[ \t]*(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)",
                           re.DOTALL)
#: TOML front matter (Hugo and Zola write it): ``+++`` ... ``+++``
_TOML_FRONT_MATTER = re.compile(r"\A(?:[ \t]*\r?\n)*[ \t]*\+\+\+[ \t]*\r?\n(.*?)\r?\n[ \t]*\+\+\+[ \t]*(?:\r?\n|\Z)",
                                re.DOTALL)
#: a line near the top of a body that looks like access metadata the parser did not take as front matter
_STRAY_ACCESS = re.compile(r"^[ \t]*[\"']?(access|acess|acces|groups?)[\"']?[ \t]*[:=][ \t]*"
                           r"(\[[^\]\n]*\]|[\"']?[\w.@-]+[\"']?([ \t]*,[ \t]*[\w.@-]+)*)[ \t]*$", re.IGNORECASE | re.MULTILINE)
ACCESS_KEYS = ("access", "groups")
#: keys that are not ``access``/``groups`` but are almost certainly meant as access metadata
_ACCESS_LIKE = ("group", "visibility", "audience", "classification", "acl", "readers", "allowed_groups",
                "private", "confidential", "restricted", "permissions")
SIDECAR_SUFFIXES = (".yaml", ".yml")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


class MetadataLoader(yaml.SafeLoader):
    """YAML with YAML 1.2's booleans: only ``true``/``false`` are booleans, so ``groups: [no, on]`` names
    the groups ``no`` and ``on`` (PyYAML's YAML 1.1 default reads ``no``, ``yes``, ``on``, ``off`` as booleans,
    which turned a group called ``no`` (Norway's office) into ``False``)."""


MetadataLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
MetadataLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                     list("tTfF"))


def load_metadata_yaml(text: str) -> Any:
    """Parse a front-matter or sidecar block with :class:`MetadataLoader`."""
    return yaml.load(text, Loader=MetadataLoader)  # noqa: S506 (a SafeLoader subclass)


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
    """Return ``(metadata, body)``; metadata is ``{}`` when the text has no front matter.

    Reads YAML between ``---`` lines (closed by ``---`` or ``...``) and TOML between ``+++`` lines,
    after leading blank lines or a byte-order mark. Raises ``yaml.YAMLError`` or ``ValueError`` for a
    block that is not a mapping.
    """
    text = text.removeprefix("\ufeff")
    match = _FRONT_MATTER.match(text)
    if match:
        meta = load_metadata_yaml(match.group(1)) or {}
    elif match := _TOML_FRONT_MATTER.match(text):
        try:
            meta = tomllib.loads(match.group(1))
        except tomllib.TOMLDecodeError as err:
            raise ValueError(f"has invalid TOML front matter ({err}); fix the block between the +++ lines") from None
    else:
        return {}, text
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping (expected lines like `title: ...`)")
    return meta, text[match.end() :]


def _split_groups(value: Any) -> list[str]:
    """``[hr, exec]``, ``"hr, exec"`` and ``"hr"`` as lists of names (a string is split on commas and spaces)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [g for g in re.split(r"[,\s]+", value.strip().strip("[]")) if g]
    if isinstance(value, (list, tuple, set)):
        out = []
        for v in value:
            out.extend(_split_groups(v) if isinstance(v, str) else [str(v)])
        return out
    return [str(value)]


def access_from_meta(meta: dict[str, Any], body: str = "") -> tuple[str, list[str], list[str]]:
    """``(access, groups, problems)`` from a document's metadata, denying by default.

    Removes the access keys it reads from ``meta``. Any problem (a key in the wrong case or misspelt,
    an access level that is not a word, groups without a level, access-like lines left at the top of
    the body) makes the document non-public: ``confidential``, readable only by the groups it names.
    ``problems`` describes each, with the fix.
    """
    from .access import PUBLIC

    problems: list[str] = []
    found: dict[str, Any] = {}
    near_miss = False
    for key in list(meta):
        name = str(key)
        low = name.strip().lower()
        if name in ACCESS_KEYS:
            found[name] = meta.pop(key)
        elif low in ACCESS_KEYS:
            found.setdefault(low, meta.pop(key))
            problems.append(f"the key {name!r} is read as `{low}:`; write it in lower case")
        elif low in _ACCESS_LIKE or difflib.get_close_matches(low, ACCESS_KEYS, n=1, cutoff=0.75):
            close = difflib.get_close_matches(low, ACCESS_KEYS, n=1, cutoff=0.6)
            target = close[0] if close else "groups"
            value = meta.pop(key)
            if target == "groups":
                found.setdefault("groups", value)
            near_miss = True
            problems.append(f"the key {name!r} looks like access metadata but is not `access:` or `groups:`, so the "
                            f"document is kept from everyone outside the groups it names; write `{target}:`")
    value = found.get("access")
    groups = _split_groups(found.get("groups"))
    if value is None and "access" in found:
        access = "confidential"
        problems.append("`access:` has no value, so the document is treated as confidential (readable by its groups "
                        "only); write e.g. `access: internal`, `confidential` or `public`")
    elif value is None:
        if "groups" in found and set(groups) - {"everyone"} and not near_miss:
            problems.append("it names groups but no access level, so it is treated as `access: confidential` "
                            "(readable by those groups only); add `access: internal`, `confidential` or `public`")
        access = "confidential" if problems else PUBLIC
    elif isinstance(value, str) and re.fullmatch(r"[A-Za-z][A-Za-z_-]*", value.strip()):
        access = value.strip().lower()
        if near_miss and access == PUBLIC:
            access = "confidential"
    else:
        access = "confidential"
        problems.append(f"access {value!r} is not a level such as public, internal or confidential, so the "
                        "document is treated as confidential; write e.g. `access: confidential`")
    head = "\n".join([line for line in body.splitlines() if line.strip()][:6])
    if (stray := _STRAY_ACCESS.search(head)) and access == PUBLIC:
        problems.append(f"a line near the top starts with {stray.group(1)!r}, which looks like access metadata "
                        "outside front matter, so the document is treated as confidential with no readers; put "
                        "the metadata in a block between --- lines at the very top of the file")
        access, groups = "confidential", []
    return access, groups, problems


def sidecar_path(path: Path) -> Path | None:
    """The metadata file beside a PDF or HTML page (``report.pdf.yaml`` or ``.yml``), if there is one."""
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file():
            return candidate
    return None


def _read_sidecar(path: Path) -> dict[str, Any]:
    side = sidecar_path(path)
    if side is None:
        return {}
    try:
        meta = load_metadata_yaml(side.read_text(encoding="utf-8-sig")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise ValueError(f"has an unreadable metadata file {side.name} ({err.__class__.__name__}); fix it "
                         "(YAML lines such as `access: confidential`)") from None
    if not isinstance(meta, dict):
        raise ValueError(f"has a metadata file {side.name} that is not a mapping (expected lines like `access: ...`)")
    return meta


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


def html_to_markdown(html: bytes | str) -> tuple[dict[str, Any], str]:
    """``(metadata, markdown)`` of an HTML page: its ``<meta name content>`` tags, and its visible content as
    Markdown (headings as ``#`` lines, tables as Markdown tables, ``<pre>`` as fenced code, links as their text)."""
    from bs4 import BeautifulSoup
    from markdownify import markdownify

    soup = BeautifulSoup(html, "html.parser")
    meta: dict[str, Any] = {}
    for tag in soup.find_all("meta"):
        name, content = tag.get("name"), tag.get("content")
        if name and content is not None and name.strip().lower() not in ("viewport", "generator", "robots"):
            meta.setdefault(name.strip(), content.strip())
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup.find_all(HTML_DROP):
        tag.decompose()
    for tag in soup.select('[role="navigation"], [hidden], a.headerlink'):  # headerlink: Sphinx's "¶" anchors
        tag.decompose()
    body = soup.body or soup
    # HTML's line breaks inside a paragraph are only whitespace: join them, or every wrapped source line becomes a
    # "line" of its own and compression (ragft.rag.compress) keeps sentence fragments; <pre> keeps its lines
    from bs4 import NavigableString

    for piece in body.find_all(string=True):
        if type(piece) is NavigableString and "\n" in piece and piece.find_parent(["pre", "textarea"]) is None:
            piece.replace_with(re.sub(r"\s*\n\s*", " ", str(piece)))
    text = markdownify(str(body), heading_style="ATX", bullets="-", strip=["a", "img"], escape_misc=False)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if page_title:  # the page's declared title (the browser tab's), else the first heading (load_document)
        meta.setdefault("title", page_title)
    return meta, text


def _read_html(path: Path) -> tuple[dict[str, Any], str]:
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise ValueError("looks binary (contains NUL bytes)")
    meta, text = html_to_markdown(raw)
    meta.update(_read_sidecar(path))
    return meta, text


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:8192]:
        raise ValueError("looks binary (contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ValueError(f"is not UTF-8 text ({err.reason} at byte {err.start}); re-save it as UTF-8") from None


def load_document(path: str | Path, root: str | Path | None = None) -> Document:
    """Read one file. Raises ``ValueError`` (with the reason) when it cannot be used."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ValueError(f"unsupported file type {suffix or '(none)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        if suffix in HTML_SUFFIXES:
            html_meta, raw_text = _read_html(path)
        else:
            raw_text = _read_pdf(path) if suffix in PDF_SUFFIXES else _read_text(path)
    except ValueError:
        raise
    except Exception as err:  # OSError, pypdf errors on a broken PDF, ...
        raise ValueError(f"could not be read ({type(err).__name__}: {err})") from None
    try:
        if suffix in TEXT_SUFFIXES:
            meta, body = split_front_matter(raw_text)
        else:
            meta, body = (html_meta if suffix in HTML_SUFFIXES else _read_sidecar(path)), raw_text
    except yaml.YAMLError as err:
        raise ValueError(f"has invalid YAML front matter ({err.__class__.__name__}); fix the block between the --- lines") from None
    if not body.strip():
        raise ValueError("is empty" if not raw_text.strip() else "has front matter but no text")
    rel = path.relative_to(root).with_suffix("").as_posix()
    meta = dict(meta)
    doc_id = str(meta.pop("id", None) or rel)
    title = str(meta.pop("title", None) or guess_title(body) or path.stem.replace("_", " ").replace("-", " "))
    updated = meta.pop("updated", None)
    access, groups, problems = access_from_meta(meta, body if suffix not in PDF_SUFFIXES else "")
    if problems:
        meta["access_problems"] = problems
    return Document(
        id=doc_id,
        title=title,
        text=body.strip(),
        path=str(path),
        updated=str(updated) if updated is not None else None,
        access=access,
        groups=groups,
        meta=meta,
    )


def access_problems(doc: Document) -> list[str]:
    """What looks wrong in a document's access metadata (see :mod:`ragft.rag.access`)."""
    from .access import KNOWN_LEVELS, PUBLIC

    out = list(doc.meta.get("access_problems", ()))
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
            if not (path.suffix.lower() in SIDECAR_SUFFIXES and Path(path.stem).suffix.lower() in SIDECAR_OWNERS):
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
        raise NoDocumentsError(f"no usable documents ({kinds}) in {folder}{extra}; point to a folder with Markdown, text, HTML or PDF files")
    return docs
