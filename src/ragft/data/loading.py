"""Where the data lives (:func:`data_dir`, ``$RAGFT_DATA_DIR``) and the loaders of every data file.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml

from .schema import (
    KB_VERSIONS,
    Change,
    Document,
    HouseReply,
    Question,
    Ticket,
)


def data_dir() -> Path:
    """The data folder: ``$RAGFT_DATA_DIR`` if set, else ``data/`` at the repository root."""
    env = os.environ.get("RAGFT_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[3] / "data"  # src/ragft/data/loading.py -> the repository


def kb_dir(version: str = "v1", root: Path | None = None) -> Path:
    """Folder of one knowledge-base version (``"v1"`` or ``"v2"``)."""
    if version not in KB_VERSIONS:
        raise ValueError(f"unknown KB version {version!r}; expected one of {KB_VERSIONS}")
    return Path(root or data_dir()) / "kb" / version


class DataError(ValueError):
    """A data file could not be parsed (the message names the file and line)."""


def _split_front_matter(raw: str) -> tuple[dict, str]:
    if not raw.startswith("---"):
        raise DataError("no YAML front matter (the file must start with '---')")
    end = raw.find("\n---", 3)
    if end < 0:
        raise DataError("front matter is not closed with '---'")
    try:
        meta = yaml.safe_load(raw[3:end])
    except yaml.YAMLError as err:
        raise DataError(f"front matter is not valid YAML: {str(err).splitlines()[0]}") from None
    if not isinstance(meta, dict):
        raise DataError("front matter is not a mapping")
    body = raw[end + 4 :].lstrip("\n")
    return meta, body


def _read_document(path: Path) -> Document:
    meta, body = _split_front_matter(path.read_text(encoding="utf-8"))
    updated = meta.get("updated")
    if isinstance(updated, _dt.date):
        updated = updated.isoformat()
    return Document(id=meta.get("id"), title=meta.get("title"), updated=updated, access=meta.get("access"),
                    groups=meta.get("groups"), text=body, path=path)


def load_kb(version: str = "v1", root: Path | None = None) -> list[Document]:
    """All documents of one KB version, sorted by id."""
    folder = kb_dir(version, root)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} does not exist (is RAGFT_DATA_DIR right?)")
    return sorted((_read_document(p) for p in folder.glob("*.md")), key=lambda d: d.id or "")


def jsonl_rows(path: Path) -> Iterator[tuple[int, dict | None, str]]:
    """Each non-empty line of a JSONL file: ``(line number, row, "")``, or ``(line number, None, problem)`` for a
    line that is not a JSON object. The loaders raise on the first problem; the validator reports them all."""
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                yield n, None, f"not valid JSON ({err.msg} at column {err.colno})"
                continue
            if not isinstance(row, dict):
                yield n, None, "a line must hold a JSON object"
                continue
            yield n, row, ""


def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    rows = []
    for n, row, problem in jsonl_rows(path):
        if problem:
            raise DataError(f"{path}:{n}: {problem}")
        rows.append((n, row))
    return rows


def _as_set(value) -> set[str] | None:
    if value is None:
        return None
    return {value} if isinstance(value, str) else set(value)


def _question(row: dict) -> Question:
    return Question(id=row["id"], question=row["question"], answers=list(row["answers"]),
                    doc_ids=list(row["doc_ids"]), type=row["type"], split=row["split"], fact_id=row["fact_id"],
                    paraphrases=list(row.get("paraphrases") or []), v1_answers=row.get("v1_answers"),
                    v2_answers=row.get("v2_answers"), answer_parts=row.get("answer_parts"))


def load_questions(split: str | Iterable[str] | None = None, type: str | Iterable[str] | None = None,
                   root: Path | None = None) -> list[Question]:
    """Questions, optionally filtered by split(s) and type(s), in file order."""
    splits, types = _as_set(split), _as_set(type)
    out = []
    for _n, row in _read_jsonl(Path(root or data_dir()) / "questions.jsonl"):
        q = _question(row)
        if (splits is None or q.split in splits) and (types is None or q.type in types):
            out.append(q)
    return out


def load_house_format(split: str | None = None, root: Path | None = None) -> list[HouseReply]:
    rows = _read_jsonl(Path(root or data_dir()) / "house_format.jsonl")
    items = [HouseReply(r["id"], r["question"], r["reply"], r["split"]) for _n, r in rows]
    return [h for h in items if split is None or h.split == split]


def load_tickets(split: str | None = None, root: Path | None = None) -> list[Ticket]:
    rows = _read_jsonl(Path(root or data_dir()) / "tickets.jsonl")
    items = [Ticket(r["id"], r["text"], r["label"], r["split"]) for _n, r in rows]
    return [t for t in items if split is None or t.split == split]


def load_changelog(root: Path | None = None) -> list[Change]:
    rows = _read_jsonl(Path(root or data_dir()) / "kb_changelog.jsonl")
    return [Change(change=r["change"], doc_id=r["doc_id"], fact_id=r.get("fact_id"), question_id=r.get("question_id"),
                   question_ids=list(r.get("question_ids") or []), old_answer=r.get("old_answer"),
                   new_answer=r.get("new_answer")) for _n, r in rows]


def load_confusable_groups(root: Path | None = None) -> list[dict]:
    """``[{"name", "why", "doc_ids"}, ...]``: documents a keyword retriever tends to mix up."""
    return json.loads((Path(root or data_dir()) / "confusable_groups.json").read_text(encoding="utf-8"))
