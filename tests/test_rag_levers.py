"""The levers that make RAG precise: hybrid search and rank fusion, context compression, the
abstention gate (and that it is calibrated on train questions only), the tuned embedder's data,
and that each lever can be switched off."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ragft.rag import ChunkingConfig, RagIndex, RagPipeline, load_documents
from ragft.rag import embedding as embedding_mod
from ragft.rag.abstain import AbstentionGate, coverage, grounded, idf_table, ungrounded_terms
from ragft.rag.compress import _select, compress, split_units
from ragft.rag.index import LEGACY_FUSION, TIE_BREAK_WEIGHT, TIEBREAK_FUSION
from ragft.rag.lexical import BM25Search, reciprocal_rank_fusion, tied_ranks, tokenize

FIXTURES = Path(__file__).parent / "fixtures" / "rag"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setattr(embedding_mod, "embeddings_cache_dir", lambda: tmp_path_factory.mktemp("emb"))
    built = RagIndex.build(load_documents(FIXTURES), chunking=ChunkingConfig(chunk_size=48, overlap=8))
    mp.undo()  # the index keeps its own temporary cache; the course index (gate test) uses the shared one
    return built


# -- rank fusion and keyword search ------------------------------------------------------------------


def test_reciprocal_rank_fusion_by_hand():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]], k=60, with_scores=True)
    scores = dict(fused)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61)
    assert [x for x, _ in fused][:2] == ["b", "c"]  # found by both lists beats first in one
    assert reciprocal_rank_fusion([["a", "b"], ["b", "a"]]) == ["a", "b"]  # a tie keeps first-seen order
    assert reciprocal_rank_fusion([["a"], ["b"]], weights=[1, 2]) == ["b", "a"]
    with pytest.raises(ValueError, match="weights"):
        reciprocal_rank_fusion([["a"]], weights=[1, 2])


@settings(max_examples=300, deadline=None)
@given(st.permutations(list(range(8))), st.permutations(list(range(8))), st.permutations(list(range(8))),
       st.one_of(st.just(0.0), st.floats(1e-6, TIE_BREAK_WEIGHT, exclude_max=True)), st.booleans())
def test_a_tie_breaking_title_list_never_outvotes_two_lists_that_agree(dense, text, title, weight, top_in_title):
    """Issue 27: with equal votes, the title list put pages whose titles share a common word above the page that
    dense and keyword search both ranked first. Below TIE_BREAK_WEIGHT it only orders what the two leave tied."""
    top = 0
    dense = [top, *[x for x in dense if x != top]]
    text = [top, *[x for x in text if x != top]]
    title = [x for x in title if top_in_title or x != top]
    assert reciprocal_rank_fusion([dense, text, title], weights=(1, 1, weight))[0] == top
    equal = reciprocal_rank_fusion([[1, 0], [1, 0], [0]], weights=(1, 1, 1))
    assert equal[0] == 0  # with an equal vote, the title list alone overturns the two (the behaviour being fixed)
    assert reciprocal_rank_fusion([[1, 0], [0, 1], [0]], weights=(1, 1, weight))[0] == (0 if weight > 0 else 1)


def test_title_weight_is_a_switchable_setting(index):
    qs = ["How many days do I have to return an item?"]
    default = index.search_many(qs, 5, mode="hybrid")[0]
    legacy = index.search_many(qs, 5, mode="hybrid", **LEGACY_FUSION)[0]
    assert [h.chunk.id for h in legacy] == [h.chunk.id for h in default]
    assert 0 < TIEBREAK_FUSION["title_weight"] < TIE_BREAK_WEIGHT  # the candidate can only break ties
    two = index.search_many(qs, 5, mode="hybrid", title_weight=0.0)[0]
    assert all(h.score <= 2 / 61 + 1e-12 for h in two)  # two lists: no chunk can score more than first in both
    with pytest.raises(ValueError, match="title_weight"):
        index.search_many(qs, 5, mode="hybrid", title_weight=2)
    pipe = RagPipeline(None, None, index, abstain=False, title_weight=0.02)
    assert pipe.settings()["title_weight"] == 0.02
    legacy = RagPipeline.course_tuned(None, None, index, abstain=False)
    assert legacy.fusion() == LEGACY_FUSION and "title_weight" not in legacy.settings()  # keys made before the lever stay
    assert "tie_ranks" not in legacy.settings()
    assert RagPipeline(None, None, index, abstain=False, **TIEBREAK_FUSION).settings()["tie_ranks"] is True


def test_tied_scores_share_a_rank_in_fusion():
    assert tied_ranks([3.0, 2.0, 2.0, 1.0]) == [1, 2, 2, 4]
    # twelve pages whose titles match only a word they all share: the title list no longer favours the first
    title, scores = list(range(12)), [1.5] * 12
    fused = reciprocal_rank_fusion([[5, 0], [5, 0], title], scores=[None, None, scores])
    assert fused[0] == 5
    assert reciprocal_rank_fusion([[5, 0], [5, 0], title])[0] == 0  # positional ranks: page 0 wins on list order alone
    with pytest.raises(ValueError, match="score lists"):
        reciprocal_rank_fusion([[1], [2]], scores=[None])


def test_tokens_keep_versions_and_codes_whole():
    toks = tokenize(["Ostrel firmware 3.1 fixed INC-2024-11 and error E-17 on the A2"])[0]
    assert {"3.1", "inc-2024-11", "e-17", "a2"} <= set(toks)
    assert "the" not in toks and "and" not in toks


def test_bm25_prefers_the_exact_model_and_respects_allowed_ids():
    texts = ["Ostrel A2 Pro product specification", "Ostrel A2 product specification", "Pivra W1 battery"]
    bm = BM25Search([10, 11, 12], texts)
    top = bm.search_many(["Ostrel A2 specification"], 3)[0]
    assert top[0][0] == 11  # shorter title without "Pro" wins on length normalisation
    assert all(cid != 11 for cid, _ in bm.search_many(["Ostrel A2"], 3, allowed=[10, 12])[0])
    assert bm.search_many(["zebra"], 3) == [[]]  # no shared word: nothing returned


def test_hybrid_search_ranks_and_filters_like_dense(index):
    for mode in ("dense", "bm25", "hybrid"):
        hits = index.search("How much does a tune-up cost?", k=3, mode=mode)
        assert hits[0].doc_id == "returns", mode
        assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
        # a confidential chunk can never be a candidate under a public-only filter, in any mode
        public = index.search("How big is the yearly mechanic bonus?", k=5, mode=mode, filter={"access": ["public"]})
        assert all(h.chunk.access == "public" for h in public), mode
    with pytest.raises(ValueError, match="search mode"):
        index.search("x", mode="sparse")


def test_keyword_index_follows_updates(index, tmp_path):
    docs = load_documents(FIXTURES)
    small = RagIndex.build(docs, chunking=ChunkingConfig(chunk_size=48, overlap=8))
    assert small.search("puncture", k=1, mode="bm25")[0].doc_id == "returns"
    small.remove(["returns"])
    assert all(h.doc_id != "returns" for h in small.search("puncture repair", k=5, mode="bm25"))


# -- compression --------------------------------------------------------------------------------------


def test_split_units_lines_items_and_sentences():
    text = "Weight: 412 g\n- a USB-C cable\n1. Pack the device.\nWe inspect it. Refunds take 6 days.\n\n"
    assert split_units(text) == ["Weight: 412 g", "a USB-C cable", "Pack the device.", "We inspect it.", "Refunds take 6 days."]


def test_compress_keeps_the_answering_line_of_the_top_document(index):
    q = ["How much does a puncture repair cost?"]
    hits = index.search_many(q, 10, mode="hybrid")
    passages = compress(index, index.embedder.embed_queries(q), hits, docs=1, units=2)[0]
    assert len(passages) == 1 and passages[0].doc_id == "returns"
    assert any("12 euros" in u for u in passages[0].units) and len(passages[0].units) == 2
    full = index.chunks[hits[0][0].chunk.id].text
    assert len(passages[0].text) < len(full) + 200  # a few lines, not the document
    with pytest.raises(ValueError):
        compress(index, index.embedder.embed_queries(q), hits, docs=0)


def test_compress_never_reads_a_document_the_filter_excludes(index):
    q = ["How big is the yearly mechanic bonus?"]
    hits = index.search_many(q, 10, mode="hybrid")  # unfiltered hits include staff-pay ...
    assert any(h.doc_id == "staff-pay" for h in hits[0])
    passages = compress(index, index.embedder.embed_queries(q), hits, docs=3, units=3, filter={"access": ["public"]})[0]
    assert all("900" not in p.text for p in passages)  # ... but its lines never reach the prompt


def test_sentence_window_and_word_budget_choose_units():
    sims = [0.1, 0.9, 0.2, 0.3, 0.8, 0.0]
    words = [5, 5, 5, 30, 5, 5]
    assert _select(sims, words, 2, 0, None) == [1, 4]  # the two best, in document order
    assert _select(sims, words, 1, 1, None) == [0, 1, 2]  # the best and its neighbours
    assert _select(sims, words, 2, 1, None) == [0, 1, 2, 3, 4, 5]
    assert _select(sims, words, 6, 0, 12) == [1, 4]  # the third best (30 words) would pass the budget: stop there
    assert _select(sims, [50] * 6, 3, 0, 10) == [1]  # the best unit is kept even when it alone passes the budget


def test_compress_window_and_budget_through_the_pipeline(index):
    q = ["How much does a puncture repair cost?"]
    plain, _ = RagPipeline(None, None, index, abstain=False, units=1).prepare(q)
    wide, _ = RagPipeline(None, None, index, abstain=False, units=1, window=1).prepare(q)
    assert plain[0].sources[0].chunk.text in wide[0].sources[0].chunk.text
    assert len(wide[0].sources[0].chunk.text.splitlines()) > len(plain[0].sources[0].chunk.text.splitlines())
    capped, _ = RagPipeline(None, None, index, abstain=False, units=8, budget=12).prepare(q)
    assert len(capped[0].sources[0].chunk.text.split()) <= max(12, len(plain[0].sources[0].chunk.text.split()))
    pipe = RagPipeline(None, None, index, abstain=False, units=3, window=1, budget=60)
    assert {"window": 1, "budget": 60}.items() <= pipe.settings().items()
    assert "window" not in RagPipeline(None, None, index, abstain=False).settings()  # old settings keep their keys
    for bad in ({"window": -1}, {"budget": 0}, {"units": None, "window": 1}):
        with pytest.raises(ValueError, match="window|budget"):
            RagPipeline(None, None, index, **bad)


# -- abstention -----------------------------------------------------------------------------------------


def test_coverage_weights_rare_words_and_grounding_checks_numbers():
    idf = idf_table(["the pivra w1 battery lasts 9 days", "the ostrel a2 battery lasts 37 hours", "pivra w5 weighs 1 kg"])
    assert coverage("battery life of the Pivra W1?", "Pivra W1 battery life: 9 days", idf) == 1.0
    missing = coverage("battery life of the Pivra W3?", "Pivra W1 battery life: 9 days", idf)
    assert 0 < missing < 0.75  # "w3" is the rarest word of the question and the context lacks it
    assert grounded("It lasts 9 days.", "battery: 9 days") and not grounded("It lasts 19 days.", "battery: 9 days")
    assert grounded("It costs 1,200 euros.", "price 1200 euros")
    assert grounded("It lasts 9 days [1].", "battery: 9 days")  # a citation marker is not a number
    assert grounded("It has a warranty of 7 years.", "a warranty of seven years") and not grounded("8 years", "seven years")


def test_grounding_checks_names_and_codes():
    context = "Lisnagore Observatory. Director: Aoife Brennan. The Pivra W1 (SKU QV-PV-1011) stores 22 days."
    assert ungrounded_terms("The director is Aoife Brennan.", context) == []
    assert ungrounded_terms("The director is Maeve Collins.", context) == ["Maeve", "Collins"]  # a name no source holds
    assert ungrounded_terms("Its SKU is QV-PV-5011.", context) == ["QV-PV-5011"]
    assert ungrounded_terms("The Pivra W3 stores 22 days.", context) == ["W3"]
    assert ungrounded_terms("It is the Pivra W3, the one you asked about.", context, "Is there a Pivra W3?") == []
    assert ungrounded_terms("The warranty is 48-month and it weighs 2.5 kg.", context) == []  # numbers: grounded()
    assert ungrounded_terms("Yes. The observatory opened in spring.", context) == []  # sentence openers are not names
    assert ungrounded_terms("The director is Aoife Bren", context) == []  # a word cut by the token limit is a fragment
    gate = AbstentionGate()
    assert "Maeve" in gate.check_answer("The director is Maeve Collins.", context)
    assert AbstentionGate(check_names=False).check_answer("The director is Maeve Collins.", context) == ""
    assert gate.check_answer("The director is Aoife Brennan.", context) == ""
    assert gate.with_idf({}).check_names and not AbstentionGate(check_names=False).with_idf({}).check_names


def test_gate_calibration_uses_train_questions_only_and_refuses_a_test_split():
    cov = [0.5 + i / 200 for i in range(100)]
    sup = [0.3 + i / 400 for i in range(100)]
    gate = AbstentionGate.calibrate(cov, sup, idf={}, max_false=0.1)
    assert gate.calibration["source"] == "train" and gate.calibration["refused_on_source"] <= 0.1 + 1e-9
    assert gate.min_coverage == pytest.approx(0.5 + 4.95 / 200, abs=0.01)
    for split in ("test_seen", "test_unseen", "unanswerable"):
        with pytest.raises(ValueError, match="training questions"):
            AbstentionGate.calibrate(cov, sup, idf={}, source=split)
    again = AbstentionGate.from_json(gate.to_json())
    assert (again.min_coverage, again.min_support) == (gate.min_coverage, gate.min_support)


def test_gate_decides_and_explains():
    gate = AbstentionGate(min_coverage=0.6, min_support=0.3, idf=idf_table(["spokewise opens at 9:30", "tune-up 65 euros"]))
    assert not gate.decide("When does Spokewise open?", "Spokewise opens at 9:30", 0.7).abstain
    low = gate.decide("Who is the head chef of the Spokewise cafe?", "Spokewise opens at 9:30", 0.7)
    assert low.abstain and "coverage" in low.reason
    weak = gate.decide("When does Spokewise open?", "Spokewise opens at 9:30", 0.1)
    assert weak.abstain and "similarity" in weak.reason
    assert gate.decide("anything", "", 0.9).abstain


def test_course_gate_is_calibrated_on_train_and_cached(monkeypatch, tmp_path):
    import ragft.rag.course as C
    import ragft.rag.pipeline as P
    from ragft import data

    seen_splits, calibrations = [], []
    real_load, real_calibrate = data.load_questions, C.calibrate_gate

    def spy_load(split=None, *a, **kw):
        seen_splits.append(split)
        return real_load(split, *a, **kw)

    def spy_calibrate(index, questions, *a, **kw):
        calibrations.append({q.split for q in questions})
        return real_calibrate(index, questions, *a, **kw)

    monkeypatch.setattr(data, "load_questions", spy_load)
    monkeypatch.setattr(C, "calibrate_gate", spy_calibrate)
    monkeypatch.setattr(C, "gates_dir", lambda: tmp_path)  # an empty gate cache (the course index is the shared one)
    settings = {"k": 1, "search": "hybrid", "units": 3, "template": "plain"}
    gate = C.course_gate(settings)
    assert set(seen_splits) == {"train"} and calibrations == [{"train"}] and gate.calibration["source"] == "train"
    assert gate.calibration["refused_on_source"] <= P.DEFAULT_MAX_FALSE_ABSTENTION + 0.02
    again = C.course_gate(settings)
    assert again.min_coverage == gate.min_coverage and len(calibrations) == 1  # the second call reads the cache


# -- the pipeline's switches ----------------------------------------------------------------------------


def test_each_lever_can_be_switched_off(index):
    q = ["How much does a puncture repair cost?"]
    off = RagPipeline.baseline(None, None, index)
    assert (off.k, off.search, off.units, off.gate) == (2, "dense", None, None)
    prepared, _ = off.prepare(q)
    assert prepared[0].decision is None and len(prepared[0].sources) == 2
    assert prepared[0].sources[0].chunk.text in index.chunks[prepared[0].sources[0].chunk.id].text  # whole chunks
    on = RagPipeline(None, None, index, abstain=AbstentionGate())
    p, ms = on.prepare(q)
    assert len(p[0].sources) == 1 and p[0].decision is not None and set(ms) >= {"compress_ms", "gate_ms"}
    with pytest.raises(ValueError, match="search"):
        RagPipeline(None, None, index, search="fuzzy")
    with pytest.raises(ValueError, match="units"):
        RagPipeline(None, None, index, units=0)


def test_tuned_embedder_trains_on_train_questions_only():
    from ragft import data
    from ragft.rag.tune import training_pairs

    kb = data.load_kb("v1")
    pairs = training_pairs(data.load_questions("train")[:5], kb)
    assert pairs and all(set(p) == {"anchor", "positive"} for p in pairs)
    q = data.load_questions("train")[1]
    assert any(a.lower() in pairs[-1]["positive"].lower() for a in q.answers) or pairs
    with pytest.raises(ValueError, match="train questions only"):
        training_pairs(data.load_questions("test_unseen")[:1], kb)


def test_calibrate_gate_refuses_questions_from_a_test_split(index):
    from ragft import data
    from ragft.rag.pipeline import calibrate_gate

    settings = {"k": 1, "search": "hybrid", "units": 3, "template": "plain"}
    with pytest.raises(ValueError, match="train questions only"):
        calibrate_gate(index, data.load_questions("test_unseen")[:3], settings)


def test_gold_line_asks_the_reader_over_the_answering_line_only(index, monkeypatch):
    from types import SimpleNamespace

    import ragft.models as models_mod
    from ragft.models import Generation
    from ragft.rag import ablation

    asked = []

    def echo(model, tokenizer, prompts, **kw):  # a "reader" that repeats the source it was given
        asked.extend(prompts)
        return Generation(texts=[" ".join(p[-1]["content"].split()) for p in prompts], seconds=0.0)

    monkeypatch.setattr(models_mod, "generate", echo)
    q = SimpleNamespace(id="q1", question="How much does a puncture repair cost?", answers=["12 euros"], doc_ids=["returns"])
    lost = SimpleNamespace(id="q2", question="What colour is the shop?", answers=["ultraviolet"], doc_ids=["returns"])
    unanswerable = SimpleNamespace(id="q3", question="Who won in 1950?", answers=[], doc_ids=[])
    pipe = RagPipeline(None, None, index, abstain=False)
    result = ablation.gold_line(pipe, [q, lost, unanswerable])
    assert (result.n, result.n_missing) == (1, 1)  # the unanswerable question is not counted at all
    assert result.records[0]["line"] == "Puncture repairs are done while you wait, for 12 euros."
    assert result.accuracy == 1.0 and len(asked) == 1
    sources = asked[0][-1]["content"]
    assert "12 euros" in sources and "Puncture" in sources and len(sources) < 400  # one line, not the document
    with pytest.raises(ValueError, match="one line"):
        ablation.gold_line(pipe, [lost])
