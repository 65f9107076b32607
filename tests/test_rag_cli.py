"""`ragft index` and `ragft ask` on a folder that is not the course corpus (.md, .txt and a PDF)."""

from __future__ import annotations

import json

import pytest
from cli_run import run

from ragft.cli import main

pytestmark = pytest.mark.usefixtures("private_embedding_cache")



def test_index_builds_then_updates(docs_dir, tmp_path, capsys):
    index = tmp_path / "idx"
    code, out, err = run(capsys, "index", str(docs_dir), "--index", str(index), "--chunk-size", "48", "--quiet")
    assert code == 0, err
    assert "files: 4" in out and "4 added" in out
    assert (index / "meta.json").is_file() and (index / "index.faiss").is_file()
    stamp = (index / "meta.json").stat().st_mtime_ns

    code, out, _ = run(capsys, "index", str(docs_dir), "--index", str(index), "--quiet")
    assert code == 0 and "4 unchanged" in out and "+0 -0" in out
    assert (index / "meta.json").stat().st_mtime_ns == stamp  # nothing changed: not rewritten

    (docs_dir / "opening_hours.txt").unlink()
    (docs_dir / "gift.md").write_text("# Gift cards\n\nGift cards are valid for two years.\n")
    code, out, _ = run(capsys, "index", str(docs_dir), "--index", str(index), "--quiet")
    assert code == 0 and "1 added, 0 updated, 1 removed" in out

    code, out, err = run(capsys, "index", str(docs_dir), "--index", str(index), "--chunk-size", "64", "--quiet")
    assert code == 2 and "--rebuild" in err and "\n" not in err.strip()
    code, out, _ = run(capsys, "index", str(docs_dir), "--index", str(index), "--chunk-size", "64", "--rebuild", "--quiet")
    assert code == 0 and "4 added" in out
    assert json.loads((index / "meta.json").read_text())["chunking"]["chunk_size"] == 64


@pytest.mark.parametrize(
    "argv, message",
    [
        (["index", "{tmp}/nope", "--index", "{tmp}/idx"], "does not exist"),
        (["index", "{tmp}/emptydocs", "--index", "{tmp}/idx"], "no usable documents"),
        (["index", "{docs}", "--index", "{tmp}/idx", "--chunk-size", "40", "--overlap", "40"], "overlap"),
        (["index", "{docs}", "--index", "{tmp}/precious"], "not a ragft index"),
        (["ask", "What?", "--index", "{tmp}/missing"], "no index at"),
        (["ask", "   ", "--index", "{tmp}/missing"], "question is empty"),
        (["ask", "What?", "--k", "0"], "--k must be"),
        (["ask", "What?", "--adapter", "{tmp}/no-adapter"], "no adapter folder"),
        (["ask", "What?", "--adapter", "{tmp}/precious"], "not a LoRA adapter"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(argv, message, docs_dir, tmp_path, capsys):
    (tmp_path / "emptydocs").mkdir()
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "notes.txt").write_text("keep me")
    argv = [a.format(tmp=tmp_path, docs=docs_dir) for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "idx").exists()
    assert (tmp_path / "precious" / "notes.txt").read_text() == "keep me"


def test_unknown_option_exits_nonzero(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["ask", "What?", "--colour", "red"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --colour" in capsys.readouterr().err


@pytest.mark.slow
def test_ask_with_index_json_and_closed_book(docs_dir, tmp_path, capsys):
    index = tmp_path / "idx"
    assert run(capsys, "index", str(docs_dir), "--index", str(index), "--chunk-size", "48", "--quiet")[0] == 0
    code, out, err = run(capsys, "ask", "How many years of warranty does a Spokewise frame have?", "--index", str(index), "--k", "2", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["sources"][0]["doc_id"] == "warranty" and result["sources"][0]["path"].endswith("warranty.pdf")
    assert {"embed_ms", "search_ms", "generate_ms", "prompt_tokens"} <= set(result["timings"])
    assert "seven" in result["answer"].lower() or "7" in result["answer"]

    code, out, _ = run(capsys, "ask", "When does the shop open?", "--index", str(index), "--k", "1")
    assert code == 0 and "Sources:" in out and "[1] opening_hours" in out

    code, out, _ = run(capsys, "ask", "What is the capital of France?", "--json", "--max-new-tokens", "16")
    result = json.loads(out)
    assert code == 0 and result["sources"] == [] and result["mode"] == "base closed-book"


@pytest.mark.slow
def test_ask_answers_and_abstains_on_a_corpus_that_is_not_the_course(docs_dir, tmp_path, capsys):
    """The default pipeline (hybrid search, compression, the gate calibrated on the course's train questions)
    on a bike shop's documents: it answers what they say and says "I don't know" to what they do not."""
    index = tmp_path / "idx"
    assert run(capsys, "index", str(docs_dir), "--index", str(index), "--quiet")[0] == 0
    code, out, err = run(capsys, "ask", "How much does a puncture repair cost at Spokewise?", "--index", str(index), "--json")
    assert code == 0, err
    answered = json.loads(out)
    assert answered["abstained"] is False and answered["abstain_reason"] is None
    assert "12" in answered["answer"] and answered["sources"][0]["doc_id"] == "returns"
    assert answered["settings"]["search"] == "hybrid" and answered["settings"]["units"] >= 1
    for question in ("Who is the head chef of the Spokewise cafe?", "What is the price of a carbon racing frame at Spokewise?"):
        code, out, err = run(capsys, "ask", question, "--index", str(index), "--json")
        refused = json.loads(out)
        assert code == 0 and refused["abstained"] is True, (question, refused)
        assert refused["abstain_reason"] and "know" in refused["answer"].lower()
    # the off switch: the same question reaches the model, which answers something
    code, out, _ = run(capsys, "ask", "Who is the head chef of the Spokewise cafe?", "--index", str(index), "--json", "--no-abstain",
                       "--max-new-tokens", "12")
    assert code == 0 and json.loads(out)["abstained"] is False
    # contradictory options are one clear line
    code, _, err = run(capsys, "ask", "x", "--index", str(index), "--units", "2", "--no-compress")
    assert code == 2 and "contradict" in err
