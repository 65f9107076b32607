"""Who may read what: access control for retrieval, deny by default.

Every document (and so every chunk) carries ``access`` and ``groups`` from its front matter. The rule
is one line, :func:`can_read`:

* a ``public`` document is readable by anyone (a document without access metadata is public);
* any other document (``internal``, ``confidential``, or anything else) is readable only by an asker who
  belongs to at least one of its ``groups``; a non-public document with no groups is readable by nobody;
* an asker with no groups reads public documents only (**deny by default**); :data:`ALL` reads
  everything, and is meant for graders and administrators, never for users.

:func:`access_filter` turns an asker's groups into a filter that :class:`~ragft.rag.RagIndex` applies
*inside* the search (before ranking), so a document the asker may not read is never a candidate: it
cannot be ranked, compressed, put in a prompt or counted by the abstention gate.

**Who is asking is not this module's to decide.** ``ragft ask --groups hr`` believes whatever is typed:
on a command line the user *is* the administrator of their own files. In a real deployment the
application that calls the toolkit authenticates the user and builds an :class:`Identity` from its own
records (a directory, single sign-on claims); ``RagPipeline(..., identity=...)`` then reads as that
identity, and a groups value taken from the user's request cannot be given beside it (it is an error,
not an override). :data:`ALL` is refused on the command line unless ``RAGFT_ALLOW_ALL_GROUPS=1`` is
set (graders and administrators); the Python API keeps it for the course's graders.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

#: the asker who may read every document: the course's grader (its question sets have answers in
#: confidential documents) and administrators. Never hand it to a user.
ALL = "*"
PUBLIC = "public"
#: the access levels the course uses; others are allowed and treated like "confidential" (groups only)
KNOWN_LEVELS = ("public", "internal", "confidential", "restricted")
_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")

#: set to 1 to let ``--groups '*'`` (every document) through the command line
ALLOW_ALL_ENV = "RAGFT_ALLOW_ALL_GROUPS"


@dataclass(frozen=True)
class Identity:
    """A verified asker, built by the application that authenticated them (never from user input).

    ``Identity("ana", ["hr"], verified_by="sso")``; ``verified_by`` names what vouched for the groups
    and is shown in error messages and logs. Pass it as ``RagPipeline(..., identity=...)`` or wherever
    ``groups`` is accepted.
    """

    user: str
    groups: frozenset[str] | tuple[str, ...] | list[str] = frozenset()
    verified_by: str = "application"

    def __post_init__(self):
        if not str(self.user).strip():
            raise ValueError("an Identity needs the user's name or id")
        if not str(self.verified_by).strip():
            raise ValueError("an Identity needs verified_by: what authenticated the user (e.g. 'sso')")
        if isinstance(self.groups, str):
            raise ValueError("Identity groups are a list of names, e.g. ['hr', 'exec'], not one string")
        parsed = parse_groups(list(self.groups))
        object.__setattr__(self, "groups", parsed)


Groups = str | Sequence[str] | Identity | None


def resolve_asker(groups: Groups = None, identity: Identity | None = None) -> str | frozenset[str]:
    """The groups to read as: the verified ``identity``'s when there is one, else ``groups``.

    Giving both is an error: a groups value that came with a user's request must not widen (or narrow)
    what an authenticated identity reads.
    """
    if identity is not None:
        if not isinstance(identity, Identity):
            raise TypeError(f"identity must be a ragft.rag.access.Identity, got {type(identity).__name__}")
        if groups is not None:
            raise ValueError(f"both an identity ({identity.user}, verified by {identity.verified_by}) and groups "
                             f"{groups!r} were given; the identity decides what is read, so drop the groups")
        return identity.groups
    return parse_groups(groups)


def parse_user_groups(value: str | None) -> str | frozenset[str]:
    """:func:`parse_groups` for a value a user typed (``--groups``): :data:`ALL` needs ``RAGFT_ALLOW_ALL_GROUPS=1``."""
    parsed = parse_groups(value)
    if parsed == ALL and os.environ.get(ALLOW_ALL_ENV) != "1":
        raise ValueError(f"'{ALL}' would read every document, whatever its access; it is for graders and administrators "
                         f"and needs {ALLOW_ALL_ENV}=1 in the environment. Name your groups instead, e.g. --groups hr,exec")
    return parsed


def parse_groups(value: Groups) -> str | frozenset[str]:
    """The asker's groups from ``"hr,exec"``, ``["hr", "exec"]``, ``None`` (no groups), an :class:`Identity` or :data:`ALL`.

    Raises ``ValueError`` naming the problem for an empty name (``"hr,,exec"``) or a name with spaces or
    punctuation, which is almost always a typo in a command line.
    """
    if value is None:
        return frozenset()
    if isinstance(value, Identity):
        return value.groups
    if isinstance(value, frozenset) and not value:
        return value
    if isinstance(value, str):
        if value.strip() == ALL:
            return ALL
        parts = value.split(",")
    else:
        parts = list(value)
        if ALL in parts:
            raise ValueError(f"'{ALL}' (every document) cannot be combined with named groups; give one or the other")
    names = [str(p).strip() for p in parts]
    if isinstance(value, str) and not value.strip():
        raise ValueError("the list of groups is empty; give names separated by commas, e.g. --groups hr,exec "
                         "(leave the option out to read public documents only)")
    bad = [n for n in names if not _GROUP.match(n)]
    if bad:
        shown = ", ".join(repr(n) for n in bad)
        raise ValueError(f"invalid group name(s) {shown}: a group is one word of letters, digits, '_', '-', '.' or '@', "
                         "and groups are separated by commas, e.g. --groups hr,exec")
    return frozenset(names)


def describe(groups: Groups) -> str:
    """``"public documents only"``, ``"every document"`` or ``"public + groups exec, hr"``."""
    parsed = parse_groups(groups)
    if parsed == ALL:
        return "every document"
    if not parsed:
        return "public documents only"
    return "public + groups " + ", ".join(sorted(parsed))


def can_read(item: Any, groups: Groups) -> bool:
    """Whether an asker in ``groups`` may read ``item`` (a chunk, a document or a dict with access/groups)."""
    parsed = parse_groups(groups)
    access = _get(item, "access") or PUBLIC
    if parsed == ALL or access == PUBLIC:
        return True
    mine = set(parsed) | {"everyone"}
    return bool(mine.intersection(_get(item, "groups") or ()))


def access_filter(groups: Groups) -> Callable[[Any], bool] | None:
    """A filter for :meth:`RagIndex.search` that keeps what an asker in ``groups`` may read (``None`` for :data:`ALL`)."""
    parsed = parse_groups(groups)
    if parsed == ALL:
        return None

    def readable(chunk) -> bool:
        return can_read(chunk, parsed)

    readable.groups = parsed  # shown in reprs and error messages
    return readable


def both(first, second):
    """A filter passing what both filters pass (either may be ``None``, a function or a dict filter)."""
    from .index import _filter_fn

    a, b = _filter_fn(first), _filter_fn(second)
    if a is None:
        return b
    if b is None:
        return a
    return lambda chunk: a(chunk) and b(chunk)


def index_groups(index) -> dict[str, int]:
    """Every group named by the index's non-public documents, with how many documents name it."""
    out: dict[str, int] = {}
    for doc_id in index.docs:
        chunk = first_chunk(index, doc_id)
        if chunk is not None and chunk.access != PUBLIC:
            for g in chunk.groups:
                out[g] = out.get(g, 0) + 1
    return dict(sorted(out.items()))


def first_chunk(index, doc_id: str):
    ids = index.docs.get(doc_id, {}).get("chunks", [])
    return index.chunks.get(ids[0]) if ids else None


def access_levels(index) -> dict[str, int]:
    """Documents per access level in an index."""
    out: dict[str, int] = {}
    for doc_id in index.docs:
        chunk = first_chunk(index, doc_id)
        level = chunk.access if chunk is not None else PUBLIC
        out[level] = out.get(level, 0) + 1
    return out


def check_groups(index, groups: Groups) -> list[str]:
    """Warnings for an asker's groups against an index: groups no document names (a typo?), or an index
    whose documents carry no access metadata (so the groups change nothing)."""
    parsed = parse_groups(groups)
    if parsed == ALL or not parsed:
        return []
    known = index_groups(index)
    notes = []
    if not known:
        notes.append("every document in this index is public (none has `access:` and `groups:` in its front matter), "
                     "so --groups changes nothing; add front matter such as `access: confidential` and `groups: [hr]` "
                     "to the documents that need it and run `ragft index` again")
        return notes
    unknown = sorted(parsed - set(known) - {"everyone"})
    if unknown:
        notes.append(f"no document in this index names the group(s) {', '.join(unknown)}; the groups documents use are "
                     f"{', '.join(known)} (check the spelling)")
    return notes


def readable_doc_ids(index, groups: Groups) -> set[str]:
    """Ids of the documents an asker in ``groups`` may read."""
    return {d for d in index.docs if (c := first_chunk(index, d)) is None or can_read(c, groups)}


def _get(item: Any, key: str):
    if isinstance(item, dict):
        return item.get(key)
    return getattr(item, key, None)

