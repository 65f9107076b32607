"""Lab run times (ragft.labruns), the book extension that quotes them (_ext/labs.py), and the slide outline."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from ragft import labruns, precision

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_a_lab_runs_first_once_per_cache():
    assert labruns.classify(5, seen_before=False) == "first" and labruns.classify(5, seen_before=True) == "second"
    assert labruns.classify(0, seen_before=False) == "first"  # a lab that caches nothing has a first run too
    run = labruns.Run.measured(123.456, 3, seen_before=False)
    assert run.kind == "first" and run.seconds == 123.5 and run.new_cache_files == 3 and run.cpus >= 1
    assert labruns.Run.measured(50, 4, seen_before=True).kind == "second"  # a re-run may write a few files
    with pytest.raises(ValueError, match="cannot take -1"):
        labruns.Run.measured(-1, 0, seen_before=False)


def test_a_run_records_the_precision_it_ran_in(tmp_path, monkeypatch):
    monkeypatch.setenv("RAGFT_DTYPE", "bfloat16")
    assert labruns.Run.measured(10, 0, seen_before=False).dtype == "bfloat16"
    monkeypatch.setenv("RAGFT_DTYPE", "float32")
    assert labruns.Run.measured(10, 0, seen_before=False).dtype == "float32"
    monkeypatch.delenv("RAGFT_DTYPE")  # unset means auto: the run records what auto chose on this machine
    assert labruns.Run.measured(10, 0, seen_before=False).dtype == precision.resolve(None)
    assert labruns.Run.measured(10, 0, seen_before=False).dtype in (precision.FLOAT32, precision.BFLOAT16)
    path = tmp_path / labruns.RECORD_NAME  # a record written before the field existed: those runs were float32
    path.write_text(json.dumps({"01_rag": {"first": {"seconds": 60.0, "kind": "first", "new_cache_files": 3,
                                                     "date": "2026-12-01", "cpus": 2, "machine": "x86_64"}}}))
    assert labruns.load_record(path)["01_rag"]["first"].dtype == "float32"


def test_record_keeps_the_latest_run_of_each_kind(tmp_path):
    path = tmp_path / labruns.RECORD_NAME
    labruns.update_record("03_compare", labruns.Run.measured(600, 40, seen_before=False), path)
    labruns.update_record("03_compare", labruns.Run.measured(90, 0, seen_before=True), path)
    labruns.update_record("03_compare", labruns.Run.measured(80, 2, seen_before=True), path)
    record = labruns.load_record(path)
    assert record["03_compare"]["first"].seconds == 600 and record["03_compare"]["second"].seconds == 80
    assert not list(tmp_path.glob("*.tmp")), "the atomic write left a temporary file behind"


def test_an_unreadable_record_is_set_aside_not_lost(tmp_path, capsys):
    path = tmp_path / labruns.RECORD_NAME
    path.write_text("{not json")
    assert labruns.load_record(path) == {}
    kept = tmp_path / f"{labruns.RECORD_NAME}.unreadable"
    assert kept.read_text() == "{not json" and "kept it as" in capsys.readouterr().err


def test_snapshot_sees_new_cache_files_but_not_the_record(tmp_path):
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "a.json").write_text("{}")
    before = labruns.cache_snapshot(tmp_path)
    (tmp_path / labruns.RECORD_NAME).write_text("{}")
    (tmp_path / "answers" / "b.json").write_text("{}")
    assert labruns.cache_snapshot(tmp_path) - before == {"answers/b.json"}


@pytest.mark.parametrize("seconds, text", [(None, "not measured yet"), (45.2, "45 s"), (234, "3.9 min"),
                                           (3900, "1 h 05 min")])
def test_durations_read_as_a_person_would_say_them(seconds, text):
    assert labruns.format_duration(seconds) == text


def test_a_sum_is_unknown_while_one_part_is():
    assert labruns.total([60.0, 30.0]) == 90.0 and labruns.total([60.0, None]) is None


def test_every_lab_has_a_title_for_the_cards():
    for path in sorted((ROOT / "labs").glob("*.ipynb")):
        assert labruns.lab_title(path).startswith("Lab "), path.name


def test_the_extension_records_a_lab_and_fills_in_its_times(tmp_path, monkeypatch):
    """_ext/labs.py: a lab's first run with this cache is recorded as a first run, later ones as second runs; the
    placeholders read the record
    and this build's run; a kind or lab that does not exist is an error that names the fix."""
    ext = _load("book_labs_ext", ROOT / "_ext" / "labs.py")
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setattr(labruns.config, "cache_dir", lambda: cache)
    doc_data: dict = {"labs/03_compare": {}}
    monkeypatch.setattr(ext.NbMetadataCollector, "get_exec_data",
                        classmethod(lambda cls, env, doc: {"succeeded": True, "runtime": 321.0}))
    monkeypatch.setattr(ext.NbMetadataCollector, "set_doc_data",
                        classmethod(lambda cls, env, doc, key, value: doc_data[doc].__setitem__(key, value)))
    app = SimpleNamespace(env=SimpleNamespace(docname="labs/03_compare"))
    ext._snapshot(app, "labs/03_compare", [""])
    (cache / "answers.json").write_text("{}")  # what the lab computed
    ext._record(app, None)
    assert doc_data["labs/03_compare"][ext.RUN_KEY]["kind"] == "first"
    assert labruns.load_record()["03_compare"]["first"].seconds == 321.0
    ext._snapshot(app, "labs/03_compare", [""])  # a later run, even one that writes a file, is a second run
    (cache / "gate.json").write_text("{}")
    ext._record(app, None)
    assert labruns.load_record()["03_compare"]["second"].seconds == 321.0

    assert ext._parse_spec("first:labs/00_setup+labs/03_compare.ipynb") == ("first", ["labs/00_setup", "labs/03_compare"])
    assert ext._parse_spec("labs/03_compare") == ("build", ["labs/03_compare"])
    with pytest.raises(ValueError, match="write first:, second: or nothing"):
        ext._parse_spec("third:labs/03_compare")
    with pytest.raises(ValueError, match="no notebook labs/99_nothing.ipynb"):
        ext._check_labs(SimpleNamespace(srcdir=str(ROOT)), ["labs/99_nothing"])


def test_the_plan_table_has_a_row_per_lab_and_a_total():
    ext = _load("book_labs_ext", ROOT / "_ext" / "labs.py")
    lines = ext._table(["labs/00_setup", "labs/03_compare"], SimpleNamespace(srcdir=str(ROOT)), numbered=True)
    rows = [line for line in lines if line.startswith("* - ")]
    assert len(rows) == 4, lines  # header, two labs, total
    assert "{labtime}`first:labs/00_setup+labs/03_compare`" in "\n".join(lines)
    assert any("03_compare.ipynb </labs/03_compare.ipynb>" in line for line in lines)


def test_slide_outline_follows_the_chapter():
    slides = _load("make_slides", ROOT / "scripts" / "make_slides.py")
    from ragft import claims as C

    registry = C.by_id(C.load_claims())
    text = (ROOT / "chapters" / "04_difference.md").read_text()
    deck = slides.parse_chapter(text, "04_difference", registry)
    figures = [i for i in deck.items if isinstance(i, slides.Figure)]
    assert deck.title.startswith("The difference") and deck.labs == ["labs/03_compare"]
    assert [f.key for f in figures] == ["cmp_fig_accuracy", "cmp_fig_update", "cmp_fig_latency"]
    assert all(f.lab == "03_compare" and f.alt for f in figures)
    shown = {i for i in deck.items if isinstance(i, str)}
    assert shown and shown <= {c.id for c in registry.values()}
    assert slides.inline("**Verdict** on `k` and {term}`paired bootstrap` <x>") == \
        "<strong>Verdict</strong> on <code>k</code> and paired bootstrap &lt;x&gt;"


def test_a_slide_never_shows_a_missing_value():
    from ragft import claims as C

    assert C.why_with_values("RAG reached [[03_compare::x:.0%]].", {("03_compare", "x"): 0.5}) == "RAG reached 50%."
    with pytest.raises(C.ClaimsError, match="make book"):
        C.why_with_values("[[03_compare::y:.0%]]", {})


def test_built_decks_hold_every_chapter(tmp_path):
    """On a built book (make book): a deck per chapter, its figures embedded, reveal.js beside it."""
    built = ROOT / "_build" / "jupyter_execute" / "labs"
    missing = [p.stem for p in sorted((ROOT / "labs").glob("*.ipynb")) if not (built / f"{p.stem}.glue.json").is_file()]
    if missing:
        if os.environ.get("RAGFT_REQUIRE_SITE") == "1":
            pytest.fail(f"RAGFT_REQUIRE_SITE=1 but the book build holds no results of {missing}: run make book")
        pytest.skip(f"the book is not built (no results of {missing}): run make book")
    slides = _load("make_slides", ROOT / "scripts" / "make_slides.py")
    written = slides.build(tmp_path)
    assert len(written) == 11 and (tmp_path / "reveal.js" / "dist" / "reveal.js").is_file()
    deck = (tmp_path / "04_difference.html").read_text()
    assert deck.count("data:image/png;base64,") == 3 and "Verdict:" in deck
    assert json.dumps("https://") not in deck and "unpkg.com" not in deck


def test_torch_gets_the_cores_other_programs_leave_free(monkeypatch):
    from ragft import threads

    assert threads.choose(2, 0.05) == 2 and threads.choose(2, 1.0) == 1 and threads.choose(2, 2.0) == 1
    assert threads.choose(8, 2.6) == 5
    assert 0.0 <= threads.busy_cores(0.05) <= (os.cpu_count() or 1)
    monkeypatch.setattr(threads, "_CHOSEN", None)
    monkeypatch.setenv("RAGFT_THREADS", "many")
    with pytest.raises(ValueError, match="whole number or 'auto'"):
        threads.configure()


def test_cell_times_reads_nbclient_timing_and_skips_untimed_cells():
    from ragft.labruns import cell_times

    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# title"]},
        {"cell_type": "code", "source": ["index = build()\n", "more"], "metadata": {"execution": {
            "iopub.execute_input": "2026-12-05T01:00:00.000000Z", "shell.execute_reply": "2026-12-05T01:02:05.500000Z"}}},
        {"cell_type": "code", "source": [], "metadata": {}},
    ]}
    assert cell_times(nb) == [{"cell": 1, "seconds": 125.5, "source": "index = build()"}]
