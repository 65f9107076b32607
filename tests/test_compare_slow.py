"""End to end with the real generator: closed book vs RAG on the tiny synthetic corpus (no training).

The generator comes from the default cache (loading it from a fresh cache would take ~17 s); the
harness's own caches (answers, index) go to a temporary folder through ``cache_root``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ragft import compare

DATA = Path(__file__).parent / "fixtures" / "compare" / "data"


@pytest.mark.slow
def test_real_model_rag_beats_closed_book_and_follows_the_update(tmp_path):
    cfg = compare.CompareConfig(systems=("closed_book", "rag"), data_root=str(DATA), cache_root=str(tmp_path),
                                limit=2, seed=42, max_new_tokens=24, progress=False)
    first = compare.run_comparison(cfg)
    assert first.config["n_questions"] == {"test_seen": 2, "test_unseen": 2, "unanswerable": 2,
                                           "multi_doc": first.config["n_questions"]["multi_doc"]}
    answers = [r["answer"] for r in first.records]
    assert all(a.strip() for a in answers), answers
    s = first.systems
    answerable = {sys: (s[sys]["test_seen"]["accuracy"] + s[sys]["test_unseen"]["accuracy"]) / 2
                  for sys in ("closed_book", "rag")}
    # the facts are invented, so only the system that reads the documents can know them
    assert answerable["closed_book"] == 0.0, first.records
    assert answerable["rag"] >= 0.5, [r for r in first.records if r["system"] == "rag"]
    assert s["rag"]["test_unseen"]["prompt_tokens"] > 2 * s["closed_book"]["test_unseen"]["prompt_tokens"]
    assert s["rag"]["test_unseen"]["retrieval_ms_p50"] > 0 and s["closed_book"]["test_unseen"]["retrieval_ms_p50"] == 0
    # one answer-length cap for both systems, and the lengths are recorded beside the times
    assert all(r["new_tokens"] <= 24 for r in first.records), [r["new_tokens"] for r in first.records]
    # the paired difference is computed on the same questions as the two accuracies
    d = first.differences["rag_vs_closed_book"]["test_unseen"]
    assert d["n"] == 2
    assert d["diff"] == pytest.approx(s["rag"]["test_unseen"]["accuracy"] - s["closed_book"]["test_unseen"]["accuracy"])
    # the update: the index is re-embedded for the changed documents and RAG gives the new values
    u = first.update["rag"]
    assert first.config["index_update"]["docs_updated"] == 2
    assert u["n"] >= 1 and u["changed_accuracy"] >= u["changed_accuracy_before"]
    assert u["stale_rate"] <= u["stale_rate_before"]
    # reproducible: a second run reuses every answer and reports the same scores
    second = compare.run_comparison(cfg)
    assert second.n_from_cache == sum(not r["gate"] for r in second.records)  # gated answers are not generated
    assert [r["answer"] for r in second.records] == answers
    for sys in ("closed_book", "rag"):
        for split in ("test_seen", "test_unseen", "unanswerable"):
            assert second.systems[sys][split]["accuracy"] == s[sys][split]["accuracy"]
