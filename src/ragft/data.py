"""The course corpus: loaders, answer normalisation, the house-format checker and the validator.

Everything lives under :func:`data_dir` (the repository's ``data/`` folder, or ``$RAGFT_DATA_DIR``)::

    kb/v1/<id>.md, kb/v2/<id>.md   the knowledge base before and after the update (Markdown + YAML front matter)
    questions.jsonl                 questions, gold answers, supporting documents and splits
    kb_changelog.jsonl              facts changed, documents added and retired by v2
    confusable_groups.json          groups of look-alike documents
    house_format.jsonl              support replies in the house format (fine-tuning on style)
    tickets.jsonl                   labelled customer messages (fine-tuning on classification)

This module imports only the standard library and PyYAML, so ``import ragft.data`` is instant.
``python -m ragft.data`` (or :func:`validate`) checks every file and prints the problems found.

Answer matching
    :func:`normalize` is used both by the validator (is the gold answer in its document?) and by the
    answer-accuracy metric (is the gold answer in the model's answer?). It lowercases, drops
    currency symbols and thousands separators (``"$1,299"``, ``"$1299"``, ``"1,299 dollars"`` all
    contain ``"1299"``), drops ``.00`` decimals, spells ``%`` as ``percent``, separates letters from
    digits (``"K20"`` -> ``"k 20"``), turns other punctuation into spaces (keeping a decimal point
    between digits) and collapses whitespace.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = [
    "ACCESS_LEVELS", "Change", "Document", "HOUSE_GREETING", "HOUSE_SIGNOFF", "HouseReply", "QUESTION_TYPES",
    "Question", "SPLITS", "TICKET_LABELS", "Ticket", "check_house_format", "data_dir", "house_format_problems",
    "kb_dir", "load_changelog", "load_confusable_groups", "load_house_format", "load_kb", "load_questions",
    "load_tickets", "normalize", "ticket_near_duplicates", "ticket_similarity", "validate",
]

ACCESS_LEVELS = ("public", "internal", "confidential")
QUESTION_TYPES = ("single", "numeric", "multi_doc", "changed", "confidential", "unanswerable")
SPLITS = ("train", "test_seen", "test_unseen", "unanswerable")
KB_VERSIONS = ("v1", "v2")
TICKET_LABELS = ("billing", "shipping", "returns", "technical", "account", "sales", "warranty")

HOUSE_GREETING = "Hello from Quorvane Support!"
HOUSE_ANSWER_PREFIX = "Answer: "
HOUSE_NEXT_PREFIX = "Next step: "
HOUSE_SIGNOFF = "Kind regards, the Quorvane Support team"
HOUSE_FORMAT = "\n".join([HOUSE_GREETING, HOUSE_ANSWER_PREFIX + "<one sentence>", HOUSE_NEXT_PREFIX + "<one sentence>",
                          HOUSE_SIGNOFF])

#: minimum sizes the validator enforces (the course's analyses rely on them)
MINIMUMS = dict(documents=60, words=15_000, confidential_documents=10, answerable=300, test_seen=40,
                test_unseen=40, unanswerable=40, multi_doc_in_tests=12, changed_in_tests=15, paraphrases=3,
                changed_facts=25, added_documents=5, retired_documents=3, house_format=150, house_format_test=40,
                tickets=300, tickets_test=80, ticket_labels=6, tickets_test_per_label=8, confusable_groups=10)


def data_dir() -> Path:
    """The data folder: ``$RAGFT_DATA_DIR`` if set, else ``data/`` at the repository root."""
    env = os.environ.get("RAGFT_DATA_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parents[2] / "data"


def kb_dir(version: str = "v1", root: Path | None = None) -> Path:
    """Folder of one knowledge-base version (``"v1"`` or ``"v2"``)."""
    if version not in KB_VERSIONS:
        raise ValueError(f"unknown KB version {version!r}; expected one of {KB_VERSIONS}")
    return Path(root or data_dir()) / "kb" / version


# --------------------------------------------------------------------------------------------------
# normalisation

_DECIMAL = "\u2027"  # placeholder for a decimal point between digits while punctuation is removed


def normalize(text: str) -> str:
    """Normalise text for answer matching (see the module docstring); idempotent."""
    t = unicodedata.normalize("NFKC", text or "").lower()
    t = re.sub(r"(?<=\d)[,\u202f](?=\d{3}(?!\d))", "", t)  # 1,299 -> 1299
    t = re.sub(r"(?<=\d)\.0+(?!\d)", "", t)  # 347.00 -> 347
    t = t.replace("%", " percent ")
    t = re.sub(r"(?<=\d)\.(?=\d)", _DECIMAL, t)
    t = re.sub(r"[^\w\s" + _DECIMAL + "]|_", " ", t)
    t = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", t)  # k20 -> k 20, 412g -> 412 g
    t = t.replace(_DECIMAL, ".")
    return " ".join(t.split())


def contains(haystack: str, needle: str) -> bool:
    """Whether normalised ``needle`` occurs in normalised ``haystack`` as whole words."""
    n, h = normalize(needle), normalize(haystack)
    return bool(n) and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", h) is not None


# --------------------------------------------------------------------------------------------------
# typed records


@dataclass
class Document:
    id: str
    title: str
    updated: str
    access: str
    groups: list[str]
    text: str
    path: Path

    @property
    def words(self) -> int:
        return len(self.text.split())


@dataclass
class Question:
    id: str
    question: str
    answers: list[str]
    doc_ids: list[str]
    type: str
    split: str
    fact_id: str
    paraphrases: list[str] = field(default_factory=list)
    v1_answers: list[str] | None = None
    v2_answers: list[str] | None = None
    answer_parts: list[str] | None = None

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    def answers_for(self, version: str = "v1") -> list[str]:
        """Accepted answers against KB ``version`` (differs from :attr:`answers` only for changed facts)."""
        if version == "v2" and self.v2_answers is not None:
            return self.v2_answers
        return self.answers


@dataclass
class HouseReply:
    id: str
    question: str
    reply: str
    split: str


@dataclass
class Ticket:
    id: str
    text: str
    label: str
    split: str


@dataclass
class Change:
    """One changelog entry: ``change`` is ``"fact"``, ``"added_doc"`` or ``"retired_doc"``."""

    change: str
    doc_id: str
    fact_id: str | None = None
    question_id: str | None = None
    question_ids: list[str] = field(default_factory=list)
    old_answer: str | None = None
    new_answer: str | None = None


# --------------------------------------------------------------------------------------------------
# loading


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


def _read_jsonl(path: Path) -> list[tuple[int, dict]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise DataError(f"{path}:{n}: not valid JSON ({err.msg})") from None
            if not isinstance(row, dict):
                raise DataError(f"{path}:{n}: a line must hold a JSON object")
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


# --------------------------------------------------------------------------------------------------
# house format


def house_format_problems(reply: str) -> list[str]:
    """Why ``reply`` is not in the house format (empty list when it is)::

        Hello from Quorvane Support!
        Answer: <one sentence>
        Next step: <one sentence>
        Kind regards, the Quorvane Support team
    """
    if not isinstance(reply, str) or not reply.strip():
        return ["the reply is empty"]
    lines = [line.strip() for line in reply.strip().splitlines()]
    problems = []
    if any(not line for line in lines):
        problems.append("blank lines are not allowed")
        lines = [line for line in lines if line]
    if len(lines) != 4:
        problems.append(f"expected 4 lines, got {len(lines)}")
    if not lines or lines[0] != HOUSE_GREETING:
        problems.append(f"line 1 must be {HOUSE_GREETING!r}")
    if len(lines) < 2 or not lines[1].startswith(HOUSE_ANSWER_PREFIX) or not lines[1][len(HOUSE_ANSWER_PREFIX):].strip():
        problems.append(f"line 2 must start with {HOUSE_ANSWER_PREFIX!r} followed by the answer")
    if len(lines) < 3 or not lines[2].startswith(HOUSE_NEXT_PREFIX) or not lines[2][len(HOUSE_NEXT_PREFIX):].strip():
        problems.append(f"line 3 must start with {HOUSE_NEXT_PREFIX!r} followed by one step")
    if len(lines) < 4 or lines[-1] != HOUSE_SIGNOFF:
        problems.append(f"the last line must be {HOUSE_SIGNOFF!r}")
    return problems


def check_house_format(reply: str) -> bool:
    """True when ``reply`` follows the house format exactly (see :func:`house_format_problems`)."""
    return not house_format_problems(reply)


# --------------------------------------------------------------------------------------------------
# validation

_Q_FIELDS = {"id": str, "question": str, "answers": list, "doc_ids": list, "type": str, "split": str,
             "fact_id": str}


def _ngrams(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = normalize(text).split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def ngram_overlap(a: str, b: str, n: int = 3) -> float:
    """Share of ``a``'s word n-grams that also occur in ``b`` (0 when ``a`` is too short)."""
    ga, gb = _ngrams(a, n), _ngrams(b, n)
    return len(ga & gb) / len(ga) if ga else 0.0


#: a test_seen question sharing more than this share of its word trigrams with a train wording is flagged
MAX_TEST_SEEN_OVERLAP = 0.5


class _Report:
    def __init__(self, root: Path):
        self.root = root
        self.problems: list[str] = []

    def add(self, file: str, line: int | None, msg: str) -> None:
        where = f"{self.root.name}/{file}" + (f":{line}" if line is not None else "")
        self.problems.append(f"{where}: {msg}")


def _check_kb(rep: _Report, version: str) -> dict[str, Document]:
    folder = kb_dir(version, rep.root)
    docs: dict[str, Document] = {}
    if not folder.is_dir():
        rep.add(f"kb/{version}", None, "folder is missing")
        return docs
    for path in sorted(folder.glob("*.md")):
        rel = f"kb/{version}/{path.name}"
        try:
            doc = _read_document(path)
        except (DataError, UnicodeDecodeError) as err:
            rep.add(rel, 1, str(err))
            continue
        ok = True
        for key, typ in (("id", str), ("title", str), ("updated", str), ("access", str), ("groups", list)):
            value = getattr(doc, key)
            if value is None:
                rep.add(rel, 1, f"front matter: '{key}' is missing")
                ok = False
            elif not isinstance(value, typ):
                rep.add(rel, 1, f"front matter: '{key}' must be a {typ.__name__}, got {value!r}")
                ok = False
        if not ok:
            continue
        if doc.id != path.stem:
            rep.add(rel, 1, f"front matter: id {doc.id!r} does not match the file name {path.stem!r}")
        try:
            _dt.date.fromisoformat(doc.updated)
        except ValueError:
            rep.add(rel, 1, f"front matter: updated {doc.updated!r} is not an ISO date (YYYY-MM-DD)")
        if doc.access not in ACCESS_LEVELS:
            rep.add(rel, 1, f"front matter: access {doc.access!r} is not one of {', '.join(ACCESS_LEVELS)}")
        if not doc.groups or not all(isinstance(g, str) and g for g in doc.groups):
            rep.add(rel, 1, "front matter: groups must be a non-empty list of group names")
        if doc.access == "public" and doc.groups != ["everyone"]:
            rep.add(rel, 1, "front matter: a public document must have groups [everyone]")
        if doc.access != "public" and "everyone" in doc.groups:
            rep.add(rel, 1, f"front matter: a {doc.access} document cannot be readable by 'everyone'")
        if not re.search(r"^## ", doc.text, re.MULTILINE):
            rep.add(rel, None, "no '## ' heading (the RAG chunker splits documents by headings)")
        docs[doc.id] = doc
    if version == "v1":
        words = sum(d.words for d in docs.values())
        conf = sum(d.access == "confidential" for d in docs.values())
        if len(docs) < MINIMUMS["documents"]:
            rep.add(f"kb/{version}", None, f"{len(docs)} documents, at least {MINIMUMS['documents']} needed")
        if words < MINIMUMS["words"]:
            rep.add(f"kb/{version}", None, f"{words} words, at least {MINIMUMS['words']} needed")
        if conf < MINIMUMS["confidential_documents"]:
            rep.add(f"kb/{version}", None,
                    f"{conf} confidential documents, at least {MINIMUMS['confidential_documents']} needed")
    return docs


def _load_rows(rep: _Report, name: str) -> list[tuple[int, dict]]:
    path = rep.root / name
    if not path.is_file():
        rep.add(name, None, "file is missing")
        return []
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                rep.add(name, n, f"not valid JSON ({err.msg} at column {err.colno})")
                continue
            if not isinstance(row, dict):
                rep.add(name, n, "a line must hold a JSON object")
                continue
            rows.append((n, row))
    return rows


def _is_str_list(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)


def _in_docs(answer: str, docs: list[Document]) -> bool:
    return any(contains(d.text, answer) for d in docs)


def _check_questions(rep: _Report, kb: dict[str, dict[str, Document]]) -> dict[str, dict]:
    name = "questions.jsonl"
    valid: list[tuple[int, dict]] = []
    ids: dict[str, int] = {}
    for n, row in _load_rows(rep, name):
        ok = True
        for key, typ in _Q_FIELDS.items():
            if key not in row:
                rep.add(name, n, f"{key}: field is missing")
                ok = False
            elif not isinstance(row[key], typ):
                rep.add(name, n, f"{key}: must be a {typ.__name__}, got {type(row[key]).__name__}")
                ok = False
        if not ok:
            continue
        if row["id"] in ids:
            rep.add(name, n, f"id: {row['id']!r} is already used on line {ids[row['id']]}")
        ids.setdefault(row["id"], n)
        if row["type"] not in QUESTION_TYPES:
            rep.add(name, n, f"type: {row['type']!r} is not one of {', '.join(QUESTION_TYPES)}")
            continue
        if row["split"] not in SPLITS:
            rep.add(name, n, f"split: {row['split']!r} is not one of {', '.join(SPLITS)}")
            continue
        for key in ("answers", "doc_ids", "paraphrases", "v1_answers", "v2_answers", "answer_parts"):
            if key in row and not _is_str_list(row[key]):
                rep.add(name, n, f"{key}: must be a list of non-empty strings")
                ok = False
        if not row["question"].strip():
            rep.add(name, n, "question: is empty")
            ok = False
        if ok:
            valid.append((n, row))

    train_texts: dict[str, int] = {}
    train_by_fact: dict[str, list[str]] = {}
    for n, row in valid:
        if row["split"] == "train":
            for text in [row["question"], *row.get("paraphrases", [])]:
                train_texts.setdefault(normalize(text), n)
                train_by_fact.setdefault(row["fact_id"], []).append(text)

    counts: Counter = Counter()
    for n, row in valid:
        qtype, split = row["type"], row["split"]
        counts[split] += 1
        if split in ("test_seen", "test_unseen"):
            counts[f"test:{qtype}"] += 1
        if (qtype == "unanswerable") != (split == "unanswerable"):
            rep.add(name, n, "type/split: unanswerable questions (and only those) go in split 'unanswerable'")
            continue
        if qtype == "unanswerable":
            if row["answers"] or row["doc_ids"]:
                rep.add(name, n, "answers/doc_ids: must be empty for an unanswerable question")
            continue
        counts["answerable"] += 1
        if not row["answers"]:
            rep.add(name, n, "answers: an answerable question needs at least one answer")
            continue
        if not row["doc_ids"]:
            rep.add(name, n, "doc_ids: an answerable question needs at least one supporting document")
            continue
        missing = [d for d in row["doc_ids"] if d not in kb["v1"]]
        for d in missing:
            rep.add(name, n, f"doc_ids: {d!r} is not a document in kb/v1")
        if missing:
            continue
        docs_v1 = [kb["v1"][d] for d in row["doc_ids"]]
        if split == "train" and len(row.get("paraphrases", [])) < MINIMUMS["paraphrases"]:
            rep.add(name, n, f"paraphrases: a train question needs at least {MINIMUMS['paraphrases']}")
        if split != "train" and row.get("paraphrases"):
            rep.add(name, n, "paraphrases: only train questions have paraphrases")
        # grounding
        if qtype == "multi_doc":
            parts = row.get("answer_parts")
            if len(row["doc_ids"]) < 2:
                rep.add(name, n, "doc_ids: a multi_doc question needs at least two documents")
            if not parts:
                rep.add(name, n, "answer_parts: a multi_doc question must list the parts each document gives")
            else:
                for part in parts:
                    if not _in_docs(part, docs_v1):
                        rep.add(name, n, f"answer_parts: {part!r} appears in none of {row['doc_ids']} (kb/v1)")
                for d in docs_v1:
                    if not any(contains(d.text, p) for p in parts):
                        rep.add(name, n, f"doc_ids: {d.id!r} contains none of the answer_parts")
        elif not _in_docs(row["answers"][0], docs_v1):
            rep.add(name, n, f"answers: gold answer {row['answers'][0]!r} appears in none of {row['doc_ids']} (kb/v1)")
        if qtype == "changed":
            v1a, v2a = row.get("v1_answers"), row.get("v2_answers")
            if not v1a or not v2a:
                rep.add(name, n, "v1_answers/v2_answers: a changed question needs both")
            else:
                if v1a != row["answers"]:
                    rep.add(name, n, "v1_answers: must equal answers")
                if normalize(v1a[0]) == normalize(v2a[0]):
                    rep.add(name, n, "v2_answers: the answer did not change")
                missing2 = [d for d in row["doc_ids"] if d not in kb["v2"]]
                for d in missing2:
                    rep.add(name, n, f"doc_ids: {d!r} is not a document in kb/v2")
                if not missing2 and not _in_docs(v2a[0], [kb["v2"][d] for d in row["doc_ids"]]):
                    rep.add(name, n, f"v2_answers: gold answer {v2a[0]!r} appears in none of {row['doc_ids']} (kb/v2)")
        elif "v1_answers" in row or "v2_answers" in row:
            rep.add(name, n, "v1_answers/v2_answers: only questions of type 'changed' have them")
        if qtype == "confidential" and not any(d.access == "confidential" for d in docs_v1):
            rep.add(name, n, "type: a confidential question must cite a confidential document")
        # leakage between splits
        if split == "test_seen":
            if row["fact_id"] not in train_by_fact:
                rep.add(name, n, f"fact_id: test_seen fact {row['fact_id']!r} is not asked in train")
            norm = normalize(row["question"])
            if norm in train_texts:
                rep.add(name, n, f"question: test_seen wording also appears in train (line {train_texts[norm]})")
            else:
                for text in train_by_fact.get(row["fact_id"], []):
                    overlap = ngram_overlap(row["question"], text)
                    if overlap > MAX_TEST_SEEN_OVERLAP:
                        rep.add(name, n, f"question: test_seen wording shares {overlap:.0%} of its word trigrams "
                                         f"with train wording {text!r}")
                        break
        if split == "test_unseen" and row["fact_id"] in train_by_fact:
            rep.add(name, n, f"fact_id: test_unseen fact {row['fact_id']!r} is also asked in train")
    for split, key in (("test_seen", "test_seen"), ("test_unseen", "test_unseen"), ("unanswerable", "unanswerable")):
        if counts[split] < MINIMUMS[key]:
            rep.add(name, None, f"{counts[split]} {split} questions, at least {MINIMUMS[key]} needed")
    if counts["answerable"] < MINIMUMS["answerable"]:
        rep.add(name, None, f"{counts['answerable']} answerable questions, at least {MINIMUMS['answerable']} needed")
    if counts["test:multi_doc"] < MINIMUMS["multi_doc_in_tests"]:
        rep.add(name, None, f"{counts['test:multi_doc']} multi_doc questions in the test splits, "
                            f"at least {MINIMUMS['multi_doc_in_tests']} needed")
    if counts["test:changed"] < MINIMUMS["changed_in_tests"]:
        rep.add(name, None, f"{counts['test:changed']} changed questions in the test splits, "
                            f"at least {MINIMUMS['changed_in_tests']} needed")
    return {row["id"]: row for _n, row in valid}


def _check_changelog(rep: _Report, kb: dict[str, dict[str, Document]], questions: dict[str, dict]) -> None:
    name = "kb_changelog.jsonl"
    counts: Counter = Counter()
    added, retired = set(), set()
    for n, row in _load_rows(rep, name):
        kind = row.get("change")
        doc_id = row.get("doc_id")
        if kind not in ("fact", "added_doc", "retired_doc"):
            rep.add(name, n, f"change: {kind!r} is not one of fact, added_doc, retired_doc")
            continue
        if not isinstance(doc_id, str):
            rep.add(name, n, "doc_id: field is missing")
            continue
        counts[kind] += 1
        if kind == "added_doc":
            added.add(doc_id)
            if doc_id in kb["v1"] or doc_id not in kb["v2"]:
                rep.add(name, n, f"doc_id: added document {doc_id!r} must be in kb/v2 and not in kb/v1")
            continue
        if kind == "retired_doc":
            retired.add(doc_id)
            if doc_id not in kb["v1"] or doc_id in kb["v2"]:
                rep.add(name, n, f"doc_id: retired document {doc_id!r} must be in kb/v1 and not in kb/v2")
            continue
        missing = [k for k in ("fact_id", "question_id", "old_answer", "new_answer") if not isinstance(row.get(k), str)]
        if missing:
            rep.add(name, n, f"{missing[0]}: field is missing")
            continue
        q = questions.get(row["question_id"])
        if q is None:
            rep.add(name, n, f"question_id: {row['question_id']!r} is not a question in questions.jsonl")
        elif q["fact_id"] != row["fact_id"]:
            rep.add(name, n, f"fact_id: question {row['question_id']} asks about {q['fact_id']!r}, not {row['fact_id']!r}")
        elif q["type"] != "changed":
            rep.add(name, n, f"question_id: question {row['question_id']} is not of type 'changed'")
        elif normalize(q["v2_answers"][0]) != normalize(row["new_answer"]):
            rep.add(name, n, f"new_answer: {row['new_answer']!r} differs from the question's v2 answer")
        if doc_id not in kb["v1"] or doc_id not in kb["v2"]:
            rep.add(name, n, f"doc_id: {doc_id!r} must be in both kb/v1 and kb/v2")
            continue
        old, new = row["old_answer"], row["new_answer"]
        if normalize(old) == normalize(new):
            rep.add(name, n, "new_answer: equals old_answer; the fact did not change")
        if not contains(kb["v1"][doc_id].text, old):
            rep.add(name, n, f"old_answer: {old!r} does not appear in kb/v1/{doc_id}.md")
        if contains(kb["v1"][doc_id].text, new):
            rep.add(name, n, f"new_answer: {new!r} already appears in kb/v1/{doc_id}.md")
        if not contains(kb["v2"][doc_id].text, new):
            rep.add(name, n, f"new_answer: {new!r} does not appear in kb/v2/{doc_id}.md")
    if kb["v1"] and kb["v2"]:
        if set(kb["v2"]) - set(kb["v1"]) != added:
            rep.add(name, None, f"added_doc entries {sorted(added)} do not match the documents only in kb/v2 "
                                f"{sorted(set(kb['v2']) - set(kb['v1']))}")
        if set(kb["v1"]) - set(kb["v2"]) != retired:
            rep.add(name, None, f"retired_doc entries {sorted(retired)} do not match the documents only in kb/v1 "
                                f"{sorted(set(kb['v1']) - set(kb['v2']))}")
    for kind, key in (("fact", "changed_facts"), ("added_doc", "added_documents"), ("retired_doc", "retired_documents")):
        if counts[kind] < MINIMUMS[key]:
            rep.add(name, None, f"{counts[kind]} {kind} entries, at least {MINIMUMS[key]} needed")


def _check_simple(rep: _Report, name: str, fields: dict, splits: tuple, min_total: int, min_test: int,
                  extra) -> None:
    ids: dict[str, int] = {}
    counts: Counter = Counter()
    for n, row in _load_rows(rep, name):
        bad = [k for k, typ in fields.items() if not isinstance(row.get(k), typ) or not str(row.get(k)).strip()]
        if bad:
            rep.add(name, n, f"{bad[0]}: field is missing or not a non-empty string")
            continue
        if row["id"] in ids:
            rep.add(name, n, f"id: {row['id']!r} is already used on line {ids[row['id']]}")
        ids.setdefault(row["id"], n)
        if row["split"] not in splits:
            rep.add(name, n, f"split: {row['split']!r} is not one of {', '.join(splits)}")
            continue
        counts[row["split"]] += 1
        extra(n, row, counts)
    if sum(counts[s] for s in splits) < min_total:
        rep.add(name, None, f"{sum(counts[s] for s in splits)} items, at least {min_total} needed")
    if counts["test"] < min_test:
        rep.add(name, None, f"{counts['test']} test items, at least {min_test} needed")
    return counts


def _check_house(rep: _Report) -> None:
    def extra(n, row, counts):
        problems = house_format_problems(row["reply"])
        if problems:
            rep.add("house_format.jsonl", n, f"reply: not in the house format ({'; '.join(problems)})")

    _check_simple(rep, "house_format.jsonl", {"id": str, "question": str, "reply": str, "split": str},
                  ("train", "test"), MINIMUMS["house_format"], MINIMUMS["house_format_test"], extra)


#: a test ticket this similar to a train ticket (Jaccard of word 3-grams, numbers masked) is a near-duplicate
MAX_TICKET_SIMILARITY = 0.6


def ticket_shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    """The word ``n``-grams of a ticket: lower-cased words, every word holding a digit masked as ``#``.

    Masking numbers makes "order QO-88213, 3 days" and "order QO-91502, 12 days" the same message,
    which is what they are for a classifier: a test ticket that differs from a train ticket only in
    its numbers measures memory, not generalisation.
    """
    words = ["#" if any(c.isdigit() for c in w) else w for w in re.findall(r"[a-z0-9]+", text.lower())]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def ticket_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two tickets' :func:`ticket_shingles` (0 when either is too short)."""
    sa, sb = ticket_shingles(a), ticket_shingles(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def ticket_near_duplicates(tickets: Iterable, threshold: float = MAX_TICKET_SIMILARITY) -> list[tuple[str, str, float]]:
    """``(test id, train id, similarity)`` for each test ticket whose closest train ticket reaches ``threshold``.

    ``tickets`` are :class:`Ticket` objects or dicts with ``id``, ``text`` and ``split``.
    """
    def get(t, key):
        return t[key] if isinstance(t, dict) else getattr(t, key)

    train = [(get(t, "id"), ticket_shingles(get(t, "text"))) for t in tickets if get(t, "split") == "train"]
    found = []
    for t in tickets:
        if get(t, "split") != "test":
            continue
        mine = ticket_shingles(get(t, "text"))
        best_id, best = None, 0.0
        for other_id, theirs in train:
            union = len(mine | theirs)
            sim = len(mine & theirs) / union if mine and theirs else 0.0
            if sim > best:
                best_id, best = other_id, sim
        if best_id is not None and best >= threshold:
            found.append((get(t, "id"), best_id, best))
    return found


def _check_tickets(rep: _Report) -> None:
    rows: list[tuple[int, dict]] = []

    def extra(n, row, counts):
        if row["label"] not in TICKET_LABELS:
            rep.add("tickets.jsonl", n, f"label: {row['label']!r} is not one of {', '.join(TICKET_LABELS)}")
        else:
            counts["label:" + row["label"]] += 1
            counts[f"{row['split']}:{row['label']}"] += 1
        rows.append((n, row))

    counts = _check_simple(rep, "tickets.jsonl", {"id": str, "text": str, "label": str, "split": str},
                           ("train", "test"), MINIMUMS["tickets"], MINIMUMS["tickets_test"], extra)
    used = sum(1 for k in counts if k.startswith("label:"))
    if used < MINIMUMS["ticket_labels"]:
        rep.add("tickets.jsonl", None, f"{used} labels used, at least {MINIMUMS['ticket_labels']} needed")
    for label in TICKET_LABELS:
        if counts["label:" + label] and counts[f"test:{label}"] < MINIMUMS["tickets_test_per_label"]:
            rep.add("tickets.jsonl", None, f"{counts[f'test:{label}']} test tickets labelled {label!r}, "
                                           f"at least {MINIMUMS['tickets_test_per_label']} needed")
    # leakage between splits: a test ticket that is a train ticket with other numbers or product names
    line_of = {row["id"]: n for n, row in rows}
    for test_id, train_id, sim in ticket_near_duplicates([row for _n, row in rows]):
        rep.add("tickets.jsonl", line_of[test_id],
                f"text: test ticket {test_id!r} is a near-duplicate of train ticket {train_id!r} (line "
                f"{line_of[train_id]}; Jaccard {sim:.2f} on word 3-grams with numbers masked, limit "
                f"{MAX_TICKET_SIMILARITY}); put near-duplicates in the same split")


def _check_confusable(rep: _Report, kb_v1: dict[str, Document]) -> None:
    name = "confusable_groups.json"
    path = rep.root / name
    if not path.is_file():
        rep.add(name, None, "file is missing")
        return
    try:
        groups = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        rep.add(name, err.lineno, f"not valid JSON ({err.msg})")
        return
    if not isinstance(groups, list):
        rep.add(name, None, "must hold a list of groups")
        return
    for i, g in enumerate(groups):
        if not isinstance(g, dict) or not isinstance(g.get("name"), str) or not _is_str_list(g.get("doc_ids")):
            rep.add(name, None, f"group {i}: needs a 'name' and a list 'doc_ids'")
            continue
        if len(g["doc_ids"]) < 2:
            rep.add(name, None, f"group {g['name']!r}: needs at least two documents")
        for d in g["doc_ids"]:
            if d not in kb_v1:
                rep.add(name, None, f"group {g['name']!r}: {d!r} is not a document in kb/v1")
    if len(groups) < MINIMUMS["confusable_groups"]:
        rep.add(name, None, f"{len(groups)} groups, at least {MINIMUMS['confusable_groups']} needed")


def validate(data_dir: Path | str | None = None) -> list[str]:  # noqa: F811 - the parameter shadows the function
    """Check every data file; returns the problems found (empty when the data is valid).

    Each problem names the file and, where it applies, the line: ``data/questions.jsonl:17: doc_ids:
    'warranty-eu' is not a document in kb/v1``.
    """
    root = Path(data_dir) if data_dir is not None else globals()["data_dir"]()
    rep = _Report(root)
    if not root.is_dir():
        return [f"{root}: data folder does not exist"]
    kb = {v: _check_kb(rep, v) for v in KB_VERSIONS}
    questions = _check_questions(rep, kb)
    _check_changelog(rep, kb, questions)
    _check_house(rep)
    _check_tickets(rep)
    _check_confusable(rep, kb["v1"])
    return rep.problems


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m ragft.data", description="Validate the course data.")
    ap.add_argument("folder", nargs="?", help="data folder (default: the repository's data/)")
    args = ap.parse_args(argv)
    problems = validate(args.folder)
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)" if problems else "data is valid")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
