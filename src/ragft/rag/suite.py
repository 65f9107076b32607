"""The generalisation suite: corpora the course did not write its RAG defaults on (``data/suite/``).

A setting chosen on one corpus is fitted to it, like a model's weights to its training set. The suite
holds other corpora, each a folder ``data/suite/<name>/`` with ``docs/`` (what ``ragft index`` would be
pointed at), ``questions.jsonl`` (answerable questions with short gold strings and the gold document,
and unanswerable ones) and ``CARD.md`` (where the text comes from, its licence, what it stresses).
``data/suite/suite.toml`` says which corpora are the **development** group (where settings may be
chosen) and which are **held out** (only ever evaluated).

* :func:`corpora` lists them; :func:`load_questions` reads a corpus's questions as
  :class:`ragft.data.Question` objects (so :func:`ragft.rag.evaluate` scores them like the course's);
* :func:`suite_index` builds (once, then cached) the index ``ragft index`` would build of its documents;
* :func:`problems` checks a corpus (ids unique, gold documents present, each gold string in its
  document); a test runs it on every corpus;
* :func:`score` turns :func:`ragft.rag.evaluate` records into the suite's figures: accuracy on the
  answerable questions, how often the gold document is among the sources the reader saw, abstention on
  the unanswerable questions and false abstention on the answerable ones, each with a 95 % interval.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import metrics as M
from ..data import Question, contains, data_dir
from .chunking import ChunkingConfig
from .embedding import Embedder
from .index import RagIndex, cached_build
from .loading import Document, load_documents

GROUPS = ("dev", "held-out")


def suite_dir() -> Path:
    """``data/suite`` (under ``$RAGFT_DATA_DIR`` when set, like the rest of :mod:`ragft.data`)."""
    return data_dir() / "suite"


@dataclass(frozen=True)
class Corpus:
    """One corpus of the suite: ``group`` is ``"dev"`` or ``"held-out"``; ``source`` ``"authored"`` or ``"real"``."""

    name: str
    group: str
    source: str
    style: str

    @property
    def folder(self) -> Path:
        return suite_dir() / self.name

    @property
    def docs_dir(self) -> Path:
        return self.folder / "docs"


def corpora(group: str | None = None, *, root: Path | None = None) -> list[Corpus]:
    """The corpora of ``data/suite/suite.toml`` (of one ``group`` if given), in the order it lists them."""
    if group is not None and group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}, got {group!r}")
    table = tomllib.loads(((root or suite_dir()) / "suite.toml").read_text())
    out = [Corpus(name=name, group=c["group"], source=c["source"], style=c["style"]) for name, c in table["corpus"].items()]
    return [c for c in out if group is None or c.group == group]


def corpus(name: str) -> Corpus:
    """One corpus by name (the error lists the names there are)."""
    known = {c.name: c for c in corpora()}
    if name not in known:
        raise KeyError(f"no corpus {name!r} in the suite; choose one of {', '.join(known)}")
    return known[name]


def load_questions(name: str, *, folder: Path | None = None) -> list[Question]:
    """A corpus's questions as :class:`ragft.data.Question` objects (``split`` is the corpus name)."""
    path = (folder or suite_dir() / name) / "questions.jsonl"
    out = []
    for line_no, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            out.append(Question(id=r["id"], question=r["question"], answers=list(r.get("answers") or []),
                                doc_ids=list(r.get("doc_ids") or []), type=r["type"], split=name, fact_id=r["id"]))
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ValueError(f"{path}:{line_no}: not a question record ({type(err).__name__}: {err}); "
                             "each line needs id, question, answers, doc_ids and type") from None
    return out


def load_docs(name: str, *, folder: Path | None = None) -> list[Document]:
    """The corpus's documents, read exactly as ``ragft index`` reads a folder."""
    return load_documents((folder or suite_dir() / name) / "docs")


def problems(name: str, *, folder: Path | None = None) -> list[str]:
    """What is wrong with a corpus: duplicate ids, unknown gold documents, gold strings not in their document,
    unanswerable questions that carry answers, a question set without both kinds."""
    docs = {d.id: d for d in load_docs(name, folder=folder)}
    questions = load_questions(name, folder=folder)
    out: list[str] = []
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            out.append(f"{name}: the id {q.id} is used twice")
        seen.add(q.id)
        if q.type == "unanswerable":
            if q.answers or q.doc_ids:
                out.append(f"{name}/{q.id}: an unanswerable question has answers or documents")
            continue
        if not q.answers or not q.doc_ids:
            out.append(f"{name}/{q.id}: an answerable question needs answers and doc_ids")
            continue
        missing = [d for d in q.doc_ids if d not in docs]
        if missing:
            out.append(f"{name}/{q.id}: no document {missing} (ids are paths under docs/ without the suffix)")
            continue
        text = "\n".join(docs[d].title + "\n" + docs[d].text for d in q.doc_ids)
        if not any(contains(text, a) for a in q.answers):
            out.append(f"{name}/{q.id}: none of {q.answers} occurs in {q.doc_ids}")
    kinds = {q.type == "unanswerable" for q in questions}
    if kinds != {True, False}:
        out.append(f"{name}: needs both answerable and unanswerable questions")
    return out


def suite_index(name: str, *, chunking: ChunkingConfig | None = None, embedder: Embedder | None = None,
                progress: bool = False) -> RagIndex:
    """The index of a corpus's ``docs/``, built as ``ragft index`` builds one, cached under
    ``config.cache_dir()/rag/suite-<name>-<settings>`` (updated when a document changes)."""
    return cached_build(load_docs(name), f"suite-{name}", chunking=chunking, embedder=embedder, progress=progress)


def _rate(values: Sequence[float]) -> dict[str, Any]:
    values = [float(v) for v in values]
    if not values:
        return {"rate": float("nan"), "ci": (float("nan"), float("nan")), "n": 0}
    return {"rate": sum(values) / len(values), "ci": M.bootstrap_ci(values), "n": len(values)}


def score(records: Sequence[dict]) -> dict[str, Any]:
    """The suite's figures from :func:`ragft.rag.evaluate` records, each ``{"rate", "ci", "n"}``:
    ``accuracy`` and ``source_recall`` (the gold document among the sources in the prompt) on the answerable
    questions, ``abstention`` on the unanswerable ones, ``false_abstention`` on the answerable ones."""
    ans = [r for r in records if r["answerable"]]
    una = [r for r in records if not r["answerable"]]
    return {
        "accuracy": _rate([r["correct"] for r in ans]),
        "source_recall": _rate([bool(set(r["doc_ids"]) & set(r["sources"])) for r in ans]),
        "abstention": _rate([r["abstained"] for r in una]),
        "false_abstention": _rate([r["abstained"] for r in ans]),
    }
