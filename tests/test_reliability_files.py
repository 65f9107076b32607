"""Reliability of what the toolkit writes: nothing a user made is lost, two writers never mix.

Issue 25, findings 1, 3, 6 (the output-folder part) and 7. Each test repeats one thing that used to lose a
user's files or end in a traceback (``ragft finetune proj/train.jsonl -o proj --force`` wiped ``proj/``;
re-indexing deleted a ``notes.txt`` and a ``backups/`` folder kept beside the index; ``ragft index B
--index IDX`` replaced the index of A silently; two writers at once both "won"; a writer killed mid-save
left ``.tmp-*``/``.old-*`` folders forever) and checks the refusal or the repair that replaces it.

The fault-injection tests kill a real ``RagIndex.save`` in a subprocess (``os._exit``, no clean-up code
runs) at each named step of :mod:`ragft.outputs` and check that the folder still loads as the old index
or the new one, never as a mix, and that the next writer deletes what the dead one left. No test here
trains a model: the refusals must come *before* training, so training is replaced by a stand-in that
fails the test if it is ever reached.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from cli_run import one_line_error, run

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.usefixtures("private_embedding_cache")



def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (relative path -> bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(folder: Path) -> list[str]:
    """Temporaries and locks a writer of ``folder`` left beside it."""
    return sorted(n for n in os.listdir(folder.parent) if n.startswith(f".{folder.name}."))


@pytest.fixture
def no_training(monkeypatch):
    """Training and model loading fail the test: a refusal must come before either."""
    from ragft import models
    from ragft.finetune import train

    def reached(*args, **kwargs):
        raise AssertionError("training started: the output folder should have been refused first")

    monkeypatch.setattr(train, "train_lora", reached)
    monkeypatch.setattr(models, "load_generator", reached)


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(FIXTURES / "rag", folder)
    return folder


@pytest.fixture
def other_docs(tmp_path):
    folder = tmp_path / "other_docs"
    folder.mkdir()
    (folder / "pets.md").write_text("# Pets\n\nThe shop sells hamster food on Tuesdays only.\n")
    return folder


def fake_adapter(folder: Path) -> Path:
    """A folder with the files of an adapter (enough for the output-folder rule, not for loading)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 2}))
    (folder / "adapter_model.safetensors").write_bytes(b"\0" * 16)
    (folder / "ragft_train.json").write_text("{}")
    return folder


# --------------------------------------------------------------------------------------------------
# finding 1: ragft finetune --force replaces an adapter folder and nothing else, and says so before training


def test_finetune_force_never_wipes_the_project_folder(tmp_path, capsys, no_training):
    proj = tmp_path / "proj"
    proj.mkdir()
    shutil.copy(FIXTURES / "finetune" / "plant_care.jsonl", proj / "train.jsonl")
    (proj / "notes.txt").write_text("what I tried on Monday")
    before = snapshot(proj)
    code, _, err = run(capsys, "finetune", proj / "train.jsonl", "-o", proj, "--force")
    assert code == 2
    line = one_line_error(err)
    assert "training data" in line or "not a LoRA adapter" in line
    assert snapshot(proj) == before


def test_finetune_force_refuses_a_folder_of_documents(tmp_path, capsys, no_training):
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "thesis.tex").write_text("years of work")
    (papers / "figures").mkdir()
    (papers / "figures" / "plot.png").write_bytes(b"\x89PNG")
    before = snapshot(papers)
    code, _, err = run(capsys, "finetune", FIXTURES / "finetune" / "plant_care.jsonl", "-o", papers, "--force")
    assert code == 2
    line = one_line_error(err)
    assert "is not a LoRA adapter" in line and "thesis.tex" in line and "--force does not change that" in line
    assert snapshot(papers) == before


@pytest.mark.parametrize("where", [".", "..", "~", "HOME_INSIDE"])
def test_finetune_refuses_the_current_home_and_parent_folders(tmp_path, capsys, monkeypatch, no_training, where):
    home = tmp_path / "home"
    work = home / "work"
    work.mkdir(parents=True)
    (work / "keep.txt").write_text("keep me")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    target = str(home.parent) if where == "HOME_INSIDE" else where  # a folder that contains the home folder
    before = snapshot(home)
    code, _, err = run(capsys, "finetune", FIXTURES / "finetune" / "plant_care.jsonl", "-o", target, "--force")
    assert code == 2
    line = one_line_error(err)
    assert any(w in line for w in ("the current folder", "your home folder")), line
    assert "e.g." in line  # names a folder that would do
    assert snapshot(home) == before


def test_finetune_force_replaces_an_adapter_but_not_one_holding_other_files(tmp_path, capsys, no_training):
    from ragft import outputs
    from ragft.finetune.train import ADAPTER_OUTPUT

    adapter = fake_adapter(tmp_path / "adapter")
    assert outputs.check_output(adapter, ADAPTER_OUTPUT, replace=True) == adapter  # --force: allowed
    code, _, err = run(capsys, "finetune", FIXTURES / "finetune" / "plant_care.jsonl", "-o", adapter)
    assert code == 2 and "pass --force" in one_line_error(err)
    (adapter / "my_notes.md").write_text("notes")
    code, _, err = run(capsys, "finetune", FIXTURES / "finetune" / "plant_care.jsonl", "-o", adapter, "--force")
    assert code == 2
    assert "my_notes.md" in one_line_error(err) and (adapter / "my_notes.md").read_text() == "notes"


def test_train_lora_refuses_before_loading_the_model(tmp_path, monkeypatch):
    """The Python API follows the same rule (overwrite=True is --force)."""
    from ragft import models
    from ragft.finetune.train import AdapterError, train_lora

    def reached(*args, **kwargs):
        raise AssertionError("the model was loaded: the output folder should have been refused first")

    monkeypatch.setattr(models, "load_generator", reached)
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "data.csv").write_text("a,b\n")
    with pytest.raises(AdapterError, match="not a LoRA adapter"):
        train_lora([{"question": "q?", "answer": "a"}], output_dir=folder, overwrite=True)
    assert (folder / "data.csv").read_text() == "a,b\n"


def test_finetune_read_only_output_is_one_line_before_training(tmp_path, capsys, monkeypatch, no_training):
    adapter = fake_adapter(tmp_path / "adapter")
    adapter.chmod(stat.S_IRUSR | stat.S_IXUSR)
    if os.geteuid() == 0:  # root ignores permissions: let the permission check see what a user would
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == adapter else real_access(p, mode, **kw))
    try:
        code, _, err = run(capsys, "finetune", FIXTURES / "finetune" / "plant_care.jsonl", "-o", adapter, "--force")
    finally:
        adapter.chmod(0o755)
    assert code == 2
    assert "read-only" in one_line_error(err)


# --------------------------------------------------------------------------------------------------
# finding 3: re-indexing keeps what else is in the folder (by refusing), and knows which documents it indexes


def test_reindex_keeps_other_files_in_the_index_folder(tmp_path, capsys, docs):
    idx = tmp_path / "idx"
    assert run(capsys, "index", docs, "--index", idx, "--quiet")[0] == 0
    (idx / "notes.txt").write_text("why I built this index")
    (idx / "backups").mkdir()
    (idx / "backups" / "old_meta.json").write_text("{}")
    (docs / "new.md").write_text("# New\n\nThe workshop opens at nine on Saturdays.\n")
    code, _, err = run(capsys, "index", docs, "--index", idx, "--quiet")
    assert code == 2
    line = one_line_error(err)
    assert "notes.txt" in line and "backups/" in line
    assert (idx / "notes.txt").read_text() == "why I built this index"
    assert (idx / "backups" / "old_meta.json").is_file()


def test_index_of_another_folder_is_not_replaced_without_rebuild(tmp_path, capsys, docs, other_docs):
    from ragft.rag.index import RagIndex

    idx = tmp_path / "idx"
    assert run(capsys, "index", docs, "--index", idx, "--quiet")[0] == 0
    before = snapshot(idx)
    code, _, err = run(capsys, "index", other_docs, "--index", idx, "--quiet")
    assert code == 2
    line = one_line_error(err)
    assert str(docs) in line and str(other_docs) in line and "--rebuild" in line
    assert snapshot(idx) == before
    assert run(capsys, "index", other_docs, "--index", idx, "--quiet", "--rebuild")[0] == 0
    assert set(RagIndex.load(idx).docs) == {"pets"}
    assert json.loads((idx / "meta.json").read_text())["docs_dir"] == str(other_docs)


def test_a_moved_project_still_updates_its_index(tmp_path, capsys, docs):
    """The documents folder is also recorded relative to the index, so a project moved whole keeps working."""
    proj = tmp_path / "proj"
    proj.mkdir()
    shutil.move(str(docs), proj / "docs")
    assert run(capsys, "index", proj / "docs", "--index", proj / "idx", "--quiet")[0] == 0
    moved = tmp_path / "moved"
    shutil.move(str(proj), moved)
    code, out, err = run(capsys, "index", moved / "docs", "--index", moved / "idx", "--quiet")
    assert code == 0, err


def test_index_folder_and_files_are_private(tmp_path, capsys, docs):
    idx = tmp_path / "idx"
    assert run(capsys, "index", docs, "--index", idx, "--quiet")[0] == 0
    assert stat.S_IMODE(idx.stat().st_mode) == 0o700
    for f in idx.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


# --------------------------------------------------------------------------------------------------
# finding 6 (files): damaged outputs are one-line errors that say how to rebuild


@pytest.fixture
def built(tmp_path, docs, capsys):
    idx = tmp_path / "idx"
    assert run(capsys, "index", docs, "--index", idx, "--quiet")[0] == 0
    return idx


def _search(capsys, idx):
    return run(capsys, "search", "How much does a tune-up cost?", "--index", idx)


@pytest.mark.parametrize("damage", ["truncate", "random", "empty"])
def test_damaged_index_faiss_is_one_line(built, capsys, damage):
    faiss_file = built / "index.faiss"
    data = faiss_file.read_bytes()
    faiss_file.chmod(0o600)
    if damage == "truncate":
        faiss_file.write_bytes(data[: len(data) // 2])
    elif damage == "random":
        faiss_file.write_bytes(os.urandom(len(data)))
    else:
        faiss_file.write_bytes(b"")
    code, _, err = _search(capsys, built)
    assert code == 2
    line = one_line_error(err)
    assert "index.faiss" in line and "--rebuild" in line


@pytest.mark.parametrize("key", ["embedder", "chunks", "dim"])
def test_meta_json_missing_a_key_is_one_line(built, capsys, key):
    meta = json.loads((built / "meta.json").read_text())
    del meta[key]
    (built / "meta.json").write_text(json.dumps(meta))
    code, _, err = _search(capsys, built)
    assert code == 2
    line = one_line_error(err)
    assert "meta.json" in line and key in line and "--rebuild" in line


@pytest.fixture(scope="module")
def real_adapter(tmp_path_factory):
    """A real (untrained) LoRA adapter of the course generator, saved by peft."""
    from peft import LoraConfig, get_peft_model

    from ragft import models

    model, _ = models.load_generator(progress=False)
    model = get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", r=2, target_modules=["q_proj"]))
    folder = tmp_path_factory.mktemp("adapter") / "adapter"
    model.save_pretrained(folder)
    return folder


@pytest.mark.parametrize("damage", ["truncate", "random", "no-weights", "bad-config"])
def test_damaged_adapter_is_one_line(real_adapter, tmp_path, damage):
    from ragft.cli import UsageError
    from ragft.finetune.train import load_finetuned

    folder = tmp_path / "adapter"
    shutil.copytree(real_adapter, folder)
    weights = folder / "adapter_model.safetensors"
    if damage == "truncate":
        weights.write_bytes(weights.read_bytes()[:-100])
    elif damage == "random":
        weights.write_bytes(os.urandom(weights.stat().st_size))
    elif damage == "no-weights":
        weights.unlink()
    else:
        (folder / "adapter_config.json").write_text('{"peft_type": ')
    with pytest.raises(UsageError) as caught:
        load_finetuned(folder)
    message = str(caught.value)
    assert len(message.splitlines()) == 1 and "ragft finetune" in message and str(folder) in message


# --------------------------------------------------------------------------------------------------
# finding 7: one writer at a time; a killed writer's leftovers are cleaned by the next


LOCK_HOLDER = textwrap.dedent("""
    import sys, time
    from ragft import outputs
    with outputs.folder_lock(sys.argv[1]):
        print("locked", flush=True)
        time.sleep(120)
""")


def _subprocess_env():
    env = dict(os.environ)
    src = str(Path(__import__("ragft").__file__).parents[1])
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    return env


def test_second_writer_names_the_first_and_a_dead_writers_lock_is_taken_over(tmp_path, capsys, monkeypatch, docs):
    idx = tmp_path / "idx"
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(idx)], stdout=subprocess.PIPE, text=True,
                              env=_subprocess_env())
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setenv("RAGFT_LOCK_TIMEOUT", "0.5")
        code, _, err = run(capsys, "index", docs, "--index", idx, "--quiet")
        assert code == 2
        line = one_line_error(err)
        assert f"another ragft process (pid {holder.pid}) is writing" in line and str(idx) in line
        assert not idx.exists()
    finally:
        holder.kill()
        holder.wait()
    # the holder died without releasing anything: its lock file is still there, and is taken over
    assert (tmp_path / ".idx.lock").exists()
    code, _, err = run(capsys, "index", docs, "--index", idx, "--quiet")
    assert code == 0, err
    assert leftovers(idx) == []


def test_two_concurrent_indexers_both_finish_and_leave_one_whole_index(tmp_path, docs):
    from ragft.rag.index import RagIndex

    idx = tmp_path / "idx"
    cmd = [sys.executable, "-m", "ragft", "index", str(docs), "--index", str(idx), "--quiet", "--rebuild"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_subprocess_env())
             for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    index = RagIndex.load(idx)
    assert len(index) == index.faiss.ntotal > 0
    assert leftovers(idx) == []


KILLED_SAVER = textwrap.dedent("""
    import os, sys
    from ragft import outputs
    from ragft.rag.index import RagIndex
    step, source, target, exchange = sys.argv[1:5]
    if exchange == "off":
        outputs._exchange = lambda a, b: False   # the two-rename path of systems without renameat2
    def fault(name):
        if name == step:
            os._exit(9)                          # killed: no finally, no clean-up
    outputs._fault = fault
    RagIndex.load(source).save(target)
    sys.exit(3)                                  # the step was never reached
""")

STEPS = [("tmp-created", "on"), ("faiss-written", "on"), ("meta-written", "on"), ("before-swap", "on"),
         ("swapped", "on"), ("saved", "on"), ("before-swap", "off"), ("moved-aside", "off"), ("swapped", "off")]


@pytest.fixture(scope="module")
def two_indexes(tmp_path_factory):
    """Two saved indexes with different documents: the old one at the target, the new one to save over it."""
    from ragft.rag.chunking import ChunkingConfig
    from ragft.rag.index import RagIndex
    from ragft.rag.loading import load_documents

    root = tmp_path_factory.mktemp("two")
    docs = load_documents(FIXTURES / "rag")
    small = ChunkingConfig(chunk_size=48, overlap=8)
    RagIndex.build(docs, chunking=small).save(root / "old")
    RagIndex.build(docs[:1], chunking=small).save(root / "new")
    return root


@pytest.mark.parametrize(("step", "exchange"), STEPS, ids=[f"{s}-exchange-{e}" for s, e in STEPS])
def test_writer_killed_at_each_step_leaves_old_or_new_index_and_is_cleaned_up(two_indexes, tmp_path, step, exchange):
    from ragft.rag.index import RagIndex

    old_docs = set(RagIndex.load(two_indexes / "old").docs)
    new_docs = set(RagIndex.load(two_indexes / "new").docs)
    assert old_docs != new_docs
    target = tmp_path / "idx"
    shutil.copytree(two_indexes / "old", target)
    proc = subprocess.run([sys.executable, "-c", KILLED_SAVER, step, str(two_indexes / "new"), str(target), exchange],
                          capture_output=True, text=True, env=_subprocess_env(), timeout=300)
    assert proc.returncode == 9, proc.stderr  # killed exactly at that step
    # a reader now sees the old index or the new one, whole (a missing folder is put back by load)
    seen = set(RagIndex.load(target).docs)
    assert seen in (old_docs, new_docs)
    if step in ("swapped", "saved"):
        assert seen == new_docs
    if step in ("tmp-created", "faiss-written", "meta-written", "before-swap", "moved-aside"):
        assert seen == old_docs
    # the next writer deletes what the dead one left, and its own save lands
    RagIndex.load(two_indexes / "new").save(target)
    assert set(RagIndex.load(target).docs) == new_docs
    assert leftovers(target) == [], leftovers(target)


def test_leftovers_of_the_old_naming_are_cleaned_too(built, capsys, docs):
    """Folders the previous version's killed saves left (.idx.tmp-XXXXXXXX, .idx.old-PID) go at the next save."""
    for name in (".idx.tmp-ab12cd34", ".idx.old-999999"):
        (built.parent / name).mkdir()
        (built.parent / name / "meta.json").write_text("{}")
    (docs / "extra.md").write_text("# Extra\n\nThe café sells oat milk.\n")
    assert run(capsys, "index", docs, "--index", built, "--quiet")[0] == 0
    assert leftovers(built) == []


def test_lock_is_released_after_an_error(tmp_path, capsys, docs):
    from ragft import outputs

    idx = tmp_path / "idx"
    idx.mkdir()
    (idx / "thesis.tex").write_text("work")
    code, _, _ = run(capsys, "index", docs, "--index", idx, "--quiet")
    assert code == 2
    with outputs.folder_lock(idx, timeout=0):  # timeout=0: raises at once if the failed run still held it
        assert outputs.holds_lock(idx)


# --------------------------------------------------------------------------------------------------
# the toolkit's own caches: one helper writes a file, one a folder, whole or not at all


def test_write_atomic_replaces_whole_and_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    from ragft import config

    path = tmp_path / "sub" / "record.json"
    config.write_atomic(path, "old")
    config.write_atomic(path, "new")
    assert path.read_text() == "new"

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(config.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        config.write_atomic(path, "half")
    assert path.read_text() == "new"
    assert sorted(p.name for p in path.parent.iterdir()) == ["record.json"]  # no temporary left behind


def test_atomic_folder_swaps_in_a_whole_folder_and_an_error_keeps_the_old_one(tmp_path):
    from ragft import config

    target = tmp_path / "cache" / "index-v1"
    with config.atomic_folder(target) as tmp:
        (tmp / "a.txt").write_text("first")
    assert (target / "a.txt").read_text() == "first"
    with pytest.raises(RuntimeError):
        with config.atomic_folder(target) as tmp:
            (tmp / "a.txt").write_text("half")
            raise RuntimeError("killed while writing")
    assert (target / "a.txt").read_text() == "first"
    with config.atomic_folder(target) as tmp:
        (tmp / "b.txt").write_text("second")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]  # replaced whole, not merged
    assert sorted(p.name for p in target.parent.iterdir()) == ["index-v1"]  # no temporaries left
