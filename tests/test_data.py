"""Tests of the course corpus and of ragft.data (loaders, normalize, house format, validator)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from ragft import data

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return module


# --------------------------------------------------------------------------------------------------
# the real data


def test_real_data_is_valid():
    assert data.validate(DATA) == []


def test_default_data_dir_and_env_override(monkeypatch, tmp_path):
    monkeypatch.delenv("RAGFT_DATA_DIR", raising=False)
    assert data.data_dir() == DATA
    monkeypatch.setenv("RAGFT_DATA_DIR", str(tmp_path))
    assert data.data_dir() == tmp_path.resolve()
    assert data.kb_dir("v2") == tmp_path.resolve() / "kb" / "v2"
    with pytest.raises(ValueError):
        data.kb_dir("v3")


def test_data_card_is_up_to_date():
    card = _script("data_card")
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert card.render(readme, DATA) == readme, "run: python scripts/data_card.py"


def test_build_script_reproduces_the_data(tmp_path):
    build = _script("build_corpus")
    build.main(["--out", str(tmp_path)])
    produced = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    # written by hand, not generated: data/security/ for the security lab (poisoned pages, attacks, fishing
    # questions), data/suite/ (the generalisation suite, checked by tests/test_suite.py) and claims.toml,
    # the registry of the article's claims and their verdicts
    committed = sorted(p.relative_to(DATA) for p in DATA.rglob("*")
                       if p.is_file() and p.name not in ("README.md", "claims.toml")
                       and not {"security", "suite"} & set(p.relative_to(DATA).parts[:1]))
    assert produced == committed
    for rel in produced:
        assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), f"{rel} differs: rebuild the data"


# --------------------------------------------------------------------------------------------------
# loaders


def test_load_kb():
    v1, v2 = data.load_kb("v1"), data.load_kb("v2")
    assert len(v1) >= 60 and len(v2) >= 60
    doc = next(d for d in v1 if d.id == "warranty-eu")
    assert doc.title and doc.access == "public" and doc.groups == ["everyone"]
    assert doc.updated == "2024-06-12" and isinstance(doc.updated, str)
    assert not doc.text.startswith("---") and "## " in doc.text
    assert doc.path.name == "warranty-eu.md"
    assert sum(d.access == "confidential" for d in v1) >= 10
    assert all(set(d.groups) != {"everyone"} for d in v1 if d.access == "confidential")


def test_load_questions_filters():
    everything = data.load_questions()
    assert len({q.id for q in everything}) == len(everything)
    seen = data.load_questions(split="test_seen")
    assert seen and all(q.split == "test_seen" for q in seen)
    both = data.load_questions(split=["test_seen", "test_unseen"], type="changed")
    assert both and all(q.type == "changed" and q.split.startswith("test") for q in both)
    train = data.load_questions(split="train")
    assert all(len(q.paraphrases) >= 3 for q in train)
    assert all(q.answerable for q in train)
    assert not any(q.answerable for q in data.load_questions(split="unanswerable"))


def test_changed_questions_have_both_answers():
    for q in data.load_questions(type="changed"):
        assert q.answers_for("v1") == q.answers == q.v1_answers
        assert q.answers_for("v2") == q.v2_answers != q.v1_answers
    plain = data.load_questions(type="single")[0]
    assert plain.answers_for("v2") == plain.answers


def test_changelog_and_groups():
    changes = data.load_changelog()
    facts = [c for c in changes if c.change == "fact"]
    assert len(facts) >= 25 and all(c.old_answer != c.new_answer for c in facts)
    assert sum(c.change == "added_doc" for c in changes) >= 5
    assert sum(c.change == "retired_doc" for c in changes) >= 3
    groups = data.load_confusable_groups()
    assert len(groups) >= 10 and all(len(g["doc_ids"]) >= 2 for g in groups)


def test_house_format_and_tickets_load():
    house = data.load_house_format()
    assert len(house) >= 150 and len(data.load_house_format("test")) >= 40
    assert all(data.check_house_format(h.reply) for h in house)
    tickets = data.load_tickets()
    assert len(tickets) >= 300 and len(data.load_tickets("test")) >= 80
    assert {t.label for t in tickets} <= set(data.TICKET_LABELS)
    assert len(set(data.TICKET_LABELS)) >= 6


def test_import_is_light():
    import subprocess

    code = "import sys, ragft.data; bad = {'torch', 'transformers', 'numpy'} & set(sys.modules); print(sorted(bad))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --------------------------------------------------------------------------------------------------
# normalize


@pytest.mark.parametrize(
    ("a", "b"),
    [("$1,299", "$1299"), ("$1,299", "1,299"), ("$1,299.00", "1299"), ("€54,300", "54300 euros"),
     ("12%", "12 percent"), ("K-20", "k20"), ("412g", "412 g"), ("Ostrel  A2!", "ostrel a2"),
     ("QV-OS-2207", "qv os 2207")],
)
def test_normalize_makes_spellings_match(a, b):
    assert data.normalize(b).find(data.normalize(a)) >= 0


def test_normalize_details():
    assert data.normalize("  The Price: $347.  ") == "the price 347"
    assert data.normalize("2.08 kg") == "2.08 kg"  # decimal points between digits survive
    assert data.normalize("1.5") != data.normalize("15")
    assert data.normalize("07:00") == "07 00"
    assert data.normalize("") == ""
    for text in ["$1,299.00", "K-20 Marine", "E-17", "Inês Barbosa Teles"]:
        assert data.normalize(data.normalize(text)) == data.normalize(text)


def test_contains_uses_whole_words():
    assert data.contains("It costs $347 today.", "347 dollars") is False  # 'dollars' is not in the text
    assert data.contains("It costs $347 today.", "$347")
    assert not data.contains("It costs $3470.", "$347")
    assert not data.contains("anything", "")


# --------------------------------------------------------------------------------------------------
# house format

GOOD_REPLY = ("Hello from Quorvane Support!\nAnswer: The Ostrel A2 costs $347.\n"
              "Next step: Reply to this e-mail to order.\nKind regards, the Quorvane Support team")


def test_check_house_format_accepts_the_format():
    assert data.check_house_format(GOOD_REPLY)
    assert data.check_house_format("\n" + GOOD_REPLY + "\n  ")
    assert data.house_format_problems(GOOD_REPLY) == []


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "The Ostrel A2 costs $347.",
        GOOD_REPLY.replace("Hello from Quorvane Support!", "Hi there!"),
        GOOD_REPLY.replace("Answer: ", ""),
        GOOD_REPLY.replace("Next step: ", "Next: "),
        GOOD_REPLY.replace("Kind regards, the Quorvane Support team", "Cheers"),
        GOOD_REPLY.replace("\nNext step", "\n\nNext step"),
        GOOD_REPLY + "\nP.S. Have a nice day!",
        "Hello from Quorvane Support!\nAnswer: \nNext step: x\nKind regards, the Quorvane Support team",
    ],
)
def test_check_house_format_rejects(reply):
    assert not data.check_house_format(reply)
    assert data.house_format_problems(reply)


# --------------------------------------------------------------------------------------------------
# the validator catches broken data (small edits to a copy of the real data)


@pytest.fixture
def broken(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(DATA, root)
    return root


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def _edit(path: Path, pick, change) -> int:
    """Apply ``change`` to the first row where ``pick(row)``; returns its line number."""
    rows = _rows(path)
    i = next(i for i, r in enumerate(rows) if pick(r))
    change(rows[i])
    _write(path, rows)
    return i + 1


def _problems_with(root: Path, *needles: str) -> list[str]:
    problems = data.validate(root)
    hits = [p for p in problems if all(n in p for n in needles)]
    assert hits, f"no problem mentions {needles}; got {problems[:10]}"
    return hits


def test_validator_reports_malformed_json_line(broken):
    path = broken / "questions.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[4] = lines[4][:-3]  # cut the closing brackets
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _problems_with(broken, "data/questions.jsonl:5:", "not valid JSON")


def test_validator_reports_unknown_doc_id(broken):
    n = _edit(broken / "questions.jsonl", lambda r: r["type"] == "single",
              lambda r: r.__setitem__("doc_ids", ["warranty-mars"]))
    hits = _problems_with(broken, "doc_ids")
    assert f"data/questions.jsonl:{n}: doc_ids: 'warranty-mars' is not a document in kb/v1" in hits


def test_validator_reports_ungrounded_answer(broken):
    n = _edit(broken / "questions.jsonl", lambda r: r["type"] == "numeric",
              lambda r: r.__setitem__("answers", ["$123,456"]))
    _problems_with(broken, f"questions.jsonl:{n}:", "answers", "appears in none")


def test_validator_reports_v2_answer_missing_from_v2(broken):
    n = _edit(broken / "questions.jsonl", lambda r: r["type"] == "changed",
              lambda r: r.__setitem__("v2_answers", ["$98,765"]))
    _problems_with(broken, f"questions.jsonl:{n}:", "v2_answers", "kb/v2")


def test_validator_reports_missing_field_and_bad_values(broken):
    path = broken / "questions.jsonl"
    n1 = _edit(path, lambda r: r["id"] == "q0001", lambda r: r.pop("fact_id"))
    n2 = _edit(path, lambda r: r["id"] == "q0002", lambda r: r.__setitem__("type", "trivia"))
    n3 = _edit(path, lambda r: r["id"] == "q0003", lambda r: r.__setitem__("split", "dev"))
    n4 = _edit(path, lambda r: r["id"] == "q0004", lambda r: r.__setitem__("id", "q0005"))
    _problems_with(broken, f"questions.jsonl:{n1}:", "fact_id")
    _problems_with(broken, f"questions.jsonl:{n2}:", "type", "trivia")
    _problems_with(broken, f"questions.jsonl:{n3}:", "split", "dev")
    _problems_with(broken, "id", "'q0005' is already used")
    assert n4 == 4


def test_validator_reports_too_few_paraphrases(broken):
    n = _edit(broken / "questions.jsonl", lambda r: r["split"] == "train",
              lambda r: r.__setitem__("paraphrases", r["paraphrases"][:2]))
    _problems_with(broken, f"questions.jsonl:{n}:", "paraphrases")


def test_validator_reports_test_seen_wording_in_train(broken):
    path = broken / "questions.jsonl"
    rows = _rows(path)
    seen = next(r for r in rows if r["split"] == "test_seen")
    train = next(r for r in rows if r["split"] == "train" and r["fact_id"] == seen["fact_id"])
    train["paraphrases"][0] = seen["question"].upper()  # same words after normalisation
    _write(path, rows)
    _problems_with(broken, "test_seen wording also appears in train")


def test_validator_reports_near_copy_of_train_wording(broken):
    path = broken / "questions.jsonl"
    rows = _rows(path)
    seen = next(r for r in rows if r["split"] == "test_seen" and r["type"] == "numeric")
    train = next(r for r in rows if r["split"] == "train" and r["fact_id"] == seen["fact_id"])
    seen["question"] = train["question"].rstrip("?") + " please?"
    _write(path, rows)
    _problems_with(broken, "test_seen wording shares")


def test_validator_reports_split_leakage(broken):
    path = broken / "questions.jsonl"
    rows = _rows(path)
    unseen = next(r for r in rows if r["split"] == "test_unseen" and r["type"] == "single")
    train = next(r for r in rows if r["split"] == "train" and r["type"] == "single")
    train["fact_id"] = unseen["fact_id"]
    _write(path, rows)
    _problems_with(broken, "test_unseen fact", "also asked in train")


def test_validator_reports_orphan_test_seen(broken):
    n = _edit(broken / "questions.jsonl", lambda r: r["split"] == "test_seen",
              lambda r: r.__setitem__("fact_id", "f-made-up"))
    _problems_with(broken, f"questions.jsonl:{n}:", "fact_id", "not asked in train")


def test_validator_reports_multi_doc_without_parts(broken):
    n = _edit(broken / "questions.jsonl", lambda r: r["type"] == "multi_doc", lambda r: r.pop("answer_parts"))
    _problems_with(broken, f"questions.jsonl:{n}:", "answer_parts")


def test_validator_reports_too_few_questions(broken):
    path = broken / "questions.jsonl"
    _write(path, [r for r in _rows(path) if r["split"] != "test_unseen"])
    _problems_with(broken, "0 test_unseen questions")


def test_validator_reports_fact_that_did_not_change(broken):
    change = next(r for r in _rows(broken / "kb_changelog.jsonl") if r["change"] == "fact")
    doc = broken / "kb" / "v2" / f"{change['doc_id']}.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace(change["new_answer"], change["old_answer"]),
                   encoding="utf-8")
    _problems_with(broken, "kb_changelog.jsonl", "new_answer", "does not appear in kb/v2")


def test_validator_reports_bad_changelog_entry(broken):
    path = broken / "kb_changelog.jsonl"
    n = _edit(path, lambda r: r["change"] == "fact", lambda r: r.__setitem__("new_answer", r["old_answer"]))
    _problems_with(broken, f"kb_changelog.jsonl:{n}:", "did not change")
    m = _edit(path, lambda r: r["change"] == "retired_doc", lambda r: r.__setitem__("doc_id", "ostrel-a2"))
    _problems_with(broken, f"kb_changelog.jsonl:{m}:", "retired document 'ostrel-a2'")


def test_validator_reports_bad_front_matter(broken):
    doc = broken / "kb" / "v1" / "warranty-eu.md"
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("access: public", "access: secret"), encoding="utf-8")
    other = broken / "kb" / "v1" / "warranty-us.md"
    other.write_text(other.read_text(encoding="utf-8").replace("updated: ", "changed: "), encoding="utf-8")
    third = broken / "kb" / "v2" / "warranty-uk.md"
    third.write_text("no front matter here\n", encoding="utf-8")
    _problems_with(broken, "data/kb/v1/warranty-eu.md:1:", "access 'secret'")
    _problems_with(broken, "data/kb/v1/warranty-us.md:1:", "'updated' is missing")
    _problems_with(broken, "data/kb/v2/warranty-uk.md:1:", "front matter")


def test_validator_reports_bad_house_format_reply(broken):
    n = _edit(broken / "house_format.jsonl", lambda r: r["split"] == "test",
              lambda r: r.__setitem__("reply", r["reply"].replace("Hello from", "Greetings from")))
    _problems_with(broken, f"house_format.jsonl:{n}:", "house format")


def test_validator_reports_bad_ticket_label(broken):
    n = _edit(broken / "tickets.jsonl", lambda r: True, lambda r: r.__setitem__("label", "complaint"))
    _problems_with(broken, f"tickets.jsonl:{n}:", "label", "complaint")


def test_ticket_similarity_masks_numbers_and_case():
    a = "My order QO-88213 still hasn't arrived and the tracking hasn't moved for 3 days."
    b = "my order QO-91502 still hasn't arrived and the tracking hasn't moved for 12 days."
    assert data.ticket_similarity(a, b) == 1.0
    assert data.ticket_similarity(a, "Please delete my account and all my data.") == 0.0
    assert data.ticket_similarity(a, "Short one") == 0.0  # too short for a 3-gram


def test_real_ticket_split_has_no_near_duplicates():
    tickets = data.load_tickets(root=DATA)
    assert data.ticket_near_duplicates(tickets) == []
    test = [t for t in tickets if t.split == "test"]
    assert len(tickets) >= 300 and len(test) >= 80
    assert min(sum(t.label == lab for t in test) for lab in data.TICKET_LABELS) >= 8


def test_validator_reports_a_near_duplicate_ticket_across_splits(broken):
    path = broken / "tickets.jsonl"
    rows = _rows(path)
    train = next(r for r in rows if r["split"] == "train")
    test = next(r for r in rows if r["split"] == "test" and r["label"] == train["label"])
    # plant a test ticket that is the train ticket with other numbers and different capitals
    test["text"] = re.sub(r"\d+", "7", train["text"]).upper() + "!"
    _write(path, rows)
    line = rows.index(test) + 1
    hits = _problems_with(broken, f"tickets.jsonl:{line}:", "near-duplicate", repr(test["id"]), repr(train["id"]))
    assert len(hits) == 1
    assert [p for p in data.validate(broken) if "near-duplicate" in p] == hits  # nothing else is flagged


def test_validator_reports_bad_confusable_group(broken):
    path = broken / "confusable_groups.json"
    groups = json.loads(path.read_text(encoding="utf-8"))
    groups[0]["doc_ids"].append("ostrel-a9")
    path.write_text(json.dumps(groups), encoding="utf-8")
    _problems_with(broken, "confusable_groups.json", "'ostrel-a9'")


def test_validator_reports_missing_folder(tmp_path):
    assert data.validate(tmp_path / "nothing")
    (tmp_path / "data").mkdir()
    problems = data.validate(tmp_path / "data")
    assert any("kb/v1: folder is missing" in p for p in problems)
    assert any("questions.jsonl: file is missing" in p for p in problems)


def test_cli_exit_code(broken, capsys):
    assert data.main([str(DATA)]) == 0
    (broken / "tickets.jsonl").write_text("{oops\n", encoding="utf-8")
    assert data.main([str(broken)]) == 1
    assert "tickets.jsonl:1: not valid JSON" in capsys.readouterr().out
