"""The data validator: ``python -m ragft.data`` (or :func:`validate`) checks every file and prints each problem
with its file and line.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections import Counter
from pathlib import Path

from . import loading
from .house import house_format_problems
from .loading import (
    DataError,
    _read_document,
    jsonl_rows,
    kb_dir,
)
from .schema import (
    ACCESS_LEVELS,
    KB_VERSIONS,
    MINIMUMS,
    QUESTION_TYPES,
    SPLITS,
    TICKET_LABELS,
    Document,
)
from .text import (
    MAX_TICKET_SIMILARITY,
    contains,
    ngram_overlap,
    normalize,
    ticket_near_duplicates,
)

_Q_FIELDS = {"id": str, "question": str, "answers": list, "doc_ids": list, "type": str, "split": str,
             "fact_id": str}


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
    for n, row, problem in jsonl_rows(path):
        if problem:
            rep.add(name, n, problem)
        else:
            rows.append((n, row))
    return rows


def _check_id(rep: _Report, name: str, n: int, row: dict, ids: dict[str, int]) -> None:
    """An id used on an earlier line is a problem; the first line keeps it."""
    if row["id"] in ids:
        rep.add(name, n, f"id: {row['id']!r} is already used on line {ids[row['id']]}")
    ids.setdefault(row["id"], n)


def _one_of(rep: _Report, name: str, n: int, row: dict, key: str, allowed: tuple) -> bool:
    if row[key] in allowed:
        return True
    rep.add(name, n, f"{key}: {row[key]!r} is not one of {', '.join(allowed)}")
    return False


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
        _check_id(rep, name, n, row, ids)
        if not (_one_of(rep, name, n, row, "type", QUESTION_TYPES) and _one_of(rep, name, n, row, "split", SPLITS)):
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
        _check_id(rep, name, n, row, ids)
        if not _one_of(rep, name, n, row, "split", splits):
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


def validate(data_dir: Path | str | None = None) -> list[str]:
    """Check every data file; returns the problems found (empty when the data is valid).

    Each problem names the file and, where it applies, the line: ``data/questions.jsonl:17: doc_ids:
    'warranty-eu' is not a document in kb/v1``.
    """
    root = Path(data_dir) if data_dir is not None else loading.data_dir()
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


