"""ragft.perf.latency: answers timed in parts, with the same number of new tokens for every prompt."""

from __future__ import annotations

import math

import pytest

from ragft import perf


def test_bad_arguments_are_refused_before_any_model_loads():
    with pytest.raises(ValueError, match="unknown system"):
        perf.latency_breakdown(("raft",))
    with pytest.raises(ValueError, match="n_questions"):
        perf.latency_breakdown(("rag",), n_questions=0)
    with pytest.raises(ValueError, match="new_tokens"):
        perf.time_answer(None, None, "hi", new_tokens=1)


def test_summary_and_plot_from_rows():
    rows = [{"system": s, "id": i, "embed_ms": e, "search_ms": e, "compress_ms": 0.0, "prefill_ms": p,
             "decode_ms": 100.0, "prompt_tokens": t, "new_tokens": 16}
            for s, e, p, t in (("closed_book", 0.0, 10.0, 30), ("rag", 5.0, 40.0, 150)) for i in range(3)]
    for r in rows:
        r["ttft_ms"] = r["embed_ms"] + r["search_ms"] + r["compress_ms"] + r["prefill_ms"]
        r["total_ms"] = sum(r[k] for k in perf.PARTS)
    s = perf.summarize_latency(rows)
    assert list(s.index) == ["closed_book", "rag"]
    assert s.loc["rag", "total_ms"] == pytest.approx(150.0) and s.loc["rag", "ttft_ms"] == pytest.approx(50.0)
    fig = perf.plot_latency(s)
    assert len(fig.axes[0].patches) == len(perf.PARTS) * 2


@pytest.mark.slow
def test_time_answer_forces_the_same_answer_length():
    from ragft.models import load_generator

    model, tokenizer = load_generator(progress=False)
    short = perf.time_answer(model, tokenizer, "Hi", new_tokens=5)
    long = perf.time_answer(model, tokenizer, "Summarise the history of the bicycle in detail, please. " * 8, new_tokens=5)
    assert short["new_tokens"] == long["new_tokens"] == 5
    assert long["prompt_tokens"] > short["prompt_tokens"] + 50  # the chat template adds the same system turn to both
    assert short["prefill_ms"] > 0 and short["decode_ms"] >= 0


def _row(system, qid, total, embed=0.0, search=0.0):
    return {"system": system, "id": qid, "total_ms": total, "embed_ms": embed, "search_ms": search}


def test_paired_latency_and_the_share_of_the_delay_the_search_takes():
    from ragft import perf

    rows = ([_row("closed_book", i, 100.0) for i in range(30)] + [_row("rag", i, 150.0 + i % 3, 5.0, 5.0) for i in range(30)]
            + [_row("ft", i, 90.0) for i in range(30)])
    d = perf.paired_latency(rows, "ft", "rag", prefix="x")
    assert set(d) == {"x", "x_lo", "x_hi"} and d["x_lo"] <= d["x"] <= d["x_hi"] < 0  # ft faster on every question
    assert abs(perf.retrieval_share_of_delay(rows) - 10.0 / 51.0) < 1e-9  # 10 ms of search in a 51 ms delay
    slower_cb = [_row("closed_book", i, 500.0) for i in range(30)] + [r for r in rows if r["system"] == "rag"]
    assert math.isnan(perf.retrieval_share_of_delay(slower_cb))  # no delay to explain
    with pytest.raises(ValueError, match="no rows for system 'raft'"):
        perf.paired_latency(rows, "raft", "rag")


def test_latency_breakdown_does_not_time_a_question_twice(monkeypatch):
    """Rows passed in ``reuse`` come back as they are; only the questions they lack are timed, and a system with
    nothing left to time loads no model. (The index, gate and models are stand-ins: this checks the bookkeeping.)"""
    from types import SimpleNamespace

    import ragft.compare
    import ragft.models
    from ragft.perf import latency as L

    questions = [SimpleNamespace(id=f"q{i}", question=f"question {i}") for i in range(3)]
    parts = {"embed_ms": 1.0, "search_ms": 1.0, "compress_ms": 1.0}
    index = SimpleNamespace(embedder=SimpleNamespace(embed_queries=lambda texts: None))
    monkeypatch.setattr(ragft.compare, "cached_index", lambda version, cfg: (index, None))
    monkeypatch.setattr(ragft.compare, "rag_pipeline", lambda index, cfg: None)
    monkeypatch.setattr(L, "_answerable", lambda qs, pipe, n: (questions[:n], [SimpleNamespace(prompt="p")] * n,
                                                                 [dict(parts) for _ in range(n)]))
    loads, timed = [], []
    monkeypatch.setattr(ragft.models, "load_generator", lambda progress=False: loads.append("base") or ("m", "t"))

    def fake_time(model, tokenizer, prompt, *, new_tokens=16, repeats=1):
        timed.append(prompt)
        return {"prefill_ms": 1.0, "decode_ms": 1.0, "prompt_tokens": 3, "new_tokens": new_tokens}

    monkeypatch.setattr(L, "time_answer", fake_time)
    first = L.latency_breakdown(("closed_book", "rag"), n_questions=2, new_tokens=4, progress=False)
    assert len(first) == 4 and loads == ["base"] and len(timed) == 2 * (1 + 2)  # one warm-up and two answers each
    loads.clear(), timed.clear()
    again = L.latency_breakdown(("closed_book", "rag"), n_questions=2, new_tokens=4, progress=False, reuse=first)
    assert again == first and loads == [] and timed == []  # nothing left to time: no model loaded
    more = L.latency_breakdown(("closed_book",), n_questions=3, new_tokens=4, progress=False, reuse=first)
    assert [r["id"] for r in more] == ["q0", "q1", "q2"] and more[:2] == first[:2]
    assert len(timed) == 2  # the warm-up and the one new question
    other = L.latency_breakdown(("closed_book",), n_questions=2, new_tokens=8, progress=False, reuse=first)
    assert other[0] is not first[0]  # another answer length is another measurement
