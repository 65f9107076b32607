"""The FAISS index: build, search, filters, save/load checks, incremental updates, the embedding cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ragft.rag import (
    ChunkingConfig,
    Document,
    IndexMismatchError,
    IndexNotFoundError,
    RagIndex,
    load_documents,
)
from ragft.rag import embedding as embedding_mod

FIXTURES = Path(__file__).parent / "fixtures" / "rag"
SMALL = ChunkingConfig(chunk_size=48, overlap=8)


@pytest.fixture(autouse=True)
def embedding_cache(tmp_path, monkeypatch):
    """Keep this file's embedding cache in a temporary folder (the models stay in the shared cache)."""
    folder = tmp_path / "embeddings"
    monkeypatch.setattr(embedding_mod, "embeddings_cache_dir", lambda: folder)
    return folder


@pytest.fixture
def docs():
    return load_documents(FIXTURES)


@pytest.fixture
def index(docs):
    return RagIndex.build(docs, chunking=SMALL)


def test_search_finds_the_right_document(index):
    hits = index.search("How much does a tune-up cost?", k=3)
    assert hits[0].doc_id == "returns" and "65 euros" in hits[0].text
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].score >= hits[1].score >= hits[2].score
    assert index.search("When does the shop open?", k=1)[0].doc_id == "opening_hours"


def test_threshold_drops_weak_hits(index):
    hits = index.search("How much does a tune-up cost?", k=5, threshold=0.5)
    assert hits and all(h.score >= 0.5 for h in hits)
    assert index.search("quantum chromodynamics lattice gauge", k=5, threshold=0.6) == []


def test_filter_is_applied_before_ranking(index):
    question = "How big is the yearly mechanic bonus?"
    assert index.search(question, k=1)[0].doc_id == "staff-pay"  # the best match without a filter
    for flt in ({"access": ["public"]}, lambda meta: meta["access"] == "public"):
        hits = index.search(question, k=10, filter=flt)
        assert hits, "other chunks are still returned"
        assert all(h.chunk.access == "public" for h in hits)
        assert len(hits) == sum(c.access == "public" for c in index.chunks.values())
    managers = index.search(question, k=10, filter={"groups": ["managers"]})
    assert {h.doc_id for h in managers} == {"staff-pay"}
    assert index.search(question, k=3, filter={"access": "nobody"}) == []
    with pytest.raises(ValueError, match="unknown filter field"):
        index.search(question, filter={"acess": ["public"]})


def test_save_load_roundtrip(index, tmp_path):
    folder = index.save(tmp_path / "idx")
    loaded = RagIndex.load(folder)
    assert len(loaded) == len(index) and loaded.chunking == SMALL
    q = "Can I return a wheel that was trued?"
    assert [h.chunk.key for h in loaded.search(q, k=3)] == [h.chunk.key for h in index.search(q, k=3)]


def test_load_explains_what_is_wrong(index, tmp_path):
    with pytest.raises(IndexNotFoundError, match="ragft index"):
        RagIndex.load(tmp_path / "nothing")
    folder = index.save(tmp_path / "idx")
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text())
    meta["embedder"] = "some-other-embedder"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexMismatchError, match="built with embedder some-other-embedder.*--rebuild"):
        RagIndex.load(folder)
    meta["embedder"] = index.embedder_id
    meta["chunks"] = meta["chunks"][:-1]
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexMismatchError, match="vectors but"):
        RagIndex.load(folder)
    meta["chunks"], meta["format_version"] = [], 999
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(IndexMismatchError, match="format version"):
        RagIndex.load(folder)


def test_save_never_overwrites_foreign_folders(index, tmp_path):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("years of work")
    with pytest.raises(FileExistsError, match="not a ragft index"):
        index.save(precious)
    assert (precious / "chapter1.tex").read_text() == "years of work"


def test_save_replaces_previous_index_atomically(index, tmp_path, monkeypatch):
    folder = index.save(tmp_path / "idx")
    before = (folder / "meta.json").read_text()
    index.update([d for d in load_documents(FIXTURES) if d.id != "staff-pay"])

    import faiss

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", boom)
    with pytest.raises(OSError, match="disk full"):
        index.save(folder)
    assert (folder / "meta.json").read_text() == before  # the old index is untouched
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder left behind


def test_update_adds_changes_and_removes_documents(docs, embedding_cache):
    index = RagIndex.build(docs, chunking=SMALL)
    n_before = len(index)
    same = index.update(docs)
    assert not same.changed and same.docs_unchanged == len(docs) and same.chunks_added == 0

    changed = [Document(**{**d.__dict__}) for d in docs if d.id != "staff-pay"]
    for d in changed:
        if d.id == "opening_hours":
            d.text = d.text.replace("9:30", "8:00")
    changed.append(Document(id="new", title="Gift cards", text="Gift cards are valid for two years."))
    report = index.update(changed)
    assert (report.docs_added, report.docs_updated, report.docs_removed) == (1, 1, 1)
    assert report.chunks_removed == 1 + 1  # staff-pay (1 chunk) and the old opening_hours chunk
    assert len(index) == n_before - 2 + report.chunks_added
    assert "staff-pay" not in {c.doc_id for c in index.chunks.values()}
    assert index.faiss.ntotal == len(index)
    assert index.search("When does the shop open?", k=1)[0].text.count("8:00") == 1
    assert index.search("How long are gift cards valid?", k=1)[0].doc_id == "new"


def test_embedding_cache_avoids_recomputing(docs, embedding_cache):
    first = RagIndex.build(docs, chunking=SMALL)
    assert first.embedder.last_stats["computed"] == len(first)
    second = RagIndex.build(docs, chunking=SMALL)  # a fresh index: every vector comes from the cache
    assert second.embedder.last_stats == {**second.embedder.last_stats, "computed": 0, "cached": len(first)}
    assert any(embedding_cache.glob("*.sqlite"))


def test_copying_documents_elsewhere_changes_paths_only(tmp_path, docs):
    shutil.copytree(FIXTURES, tmp_path / "copy")
    index = RagIndex.build(docs, chunking=SMALL)
    report = index.update(load_documents(tmp_path / "copy"))
    assert report.docs_updated == len(docs) and report.embedded == 0  # same texts: all from the cache
    assert all(str(tmp_path) in c.path for c in index.chunks.values())
