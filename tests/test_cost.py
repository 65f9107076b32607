"""The cost model (ragft.cost) and `ragft cost`: hand-computed totals, break-even arithmetic, prices, errors."""

from __future__ import annotations

import json
import math

import pytest

from ragft import cost
from ragft.cli import main


def _split(n, latency_ms, retrieval_ms=0.0, prompt=100.0, new=10.0, gated=0.0, accuracy=0.5):
    return {"n": n, "latency_ms_mean": latency_ms, "retrieval_ms_p50": retrieval_ms, "prompt_tokens": prompt,
            "new_tokens": new, "gated": gated, "accuracy": accuracy}


def results_fixture() -> dict:
    """Two systems with round numbers: RAG (index 10 s, 2 s a query) and fine-tuned (training 100 s, 1 s)."""
    return {
        "systems": {
            "rag": {"test_seen": _split(10, 2000.0, 10.0, prompt=300, new=10), "test_unseen": _split(10, 2000.0, 10.0, prompt=300, new=10),
                    "unanswerable": _split(20, 2000.0, 10.0, prompt=300, new=10, gated=0.5),
                    "multi_doc": _split(5, 99999.0)},  # overlaps the test splits: must be ignored
            "ft": {"test_seen": _split(20, 1000.0, prompt=40, new=5), "test_unseen": _split(20, 1000.0, prompt=40, new=5)},
            "closed_book": {"test_seen": _split(40, 3000.0, prompt=30, new=30)},
        },
        "costs": {"rag": {"index_seconds": 10.0}, "ft": {"train_seconds": 100.0, "adapter_mb": 5.0},
                  "closed_book": {}},
        "config": {"index": {"seconds": 10.0, "bytes": 2_000_000}, "index_update": {"seconds": 3.0}},
        "update": {"ft": {"retrain_seconds_estimate": 100.0}},
    }


@pytest.fixture
def prices(tmp_path):
    p = tmp_path / "prices.toml"
    p.write_text("cpu_hour = 3.6\ngpu_hour = 36.0\ninput_per_million = 1.0\noutput_per_million = 2.0\n"
                 "storage_gb_month = 0.5\ncurrency = \"EUR\"\n")
    return cost.load_prices(p)


def test_default_prices_have_a_source_for_every_price():
    pr = cost.load_prices()
    for key in cost.REQUIRED_PRICES + cost.OPTIONAL_PRICES:
        assert getattr(pr, key) >= 0
        assert "list price" in pr.sources[key]
    assert pr.hardware == "cpu" and pr.compute_hour == pr.cpu_hour


@pytest.mark.parametrize("text, fragment", [
    ("cpu_hour = -1\ngpu_hour = 1\ninput_per_million = 1\noutput_per_million = 1\n", "negative"),
    ("cpu_hour = \"cheap\"\ngpu_hour = 1\ninput_per_million = 1\noutput_per_million = 1\n", "not a number"),
    ("cpu_hour = true\ngpu_hour = 1\ninput_per_million = 1\noutput_per_million = 1\n", "not a number"),
    ("cpu_hour = 1\ninput_per_million = 1\noutput_per_million = 1\n", "no 'gpu_hour'"),
    ("cpu_hour = = 1\n", "not valid TOML"),
    ("cpu_hour = 1\ngpu_hour = 1\ninput_per_million = 1\noutput_per_million = 1\nhardware = \"tpu\"\n", "hardware"),
])
def test_bad_prices_are_refused_with_the_key_and_the_fix(tmp_path, text, fragment):
    p = tmp_path / "p.toml"
    p.write_text(text)
    with pytest.raises(cost.PriceError, match=fragment):
        cost.load_prices(p)


def test_missing_prices_file(tmp_path):
    with pytest.raises(cost.PriceError, match="not found"):
        cost.load_prices(tmp_path / "nope.toml")


def test_profiles_average_over_disjoint_splits_and_say_where_updates_come_from():
    prof = cost.profiles(results_fixture())
    rag, ft, cb = prof["rag"], prof["ft"], prof["closed_book"]
    assert rag.retrieval_s == pytest.approx(0.010)
    assert rag.generation_s == pytest.approx(1.990)  # multi_doc ignored
    assert rag.per_query_s == pytest.approx(2.0)
    # a refused question costs no tokens: half of the 20 unanswerable ones were gated
    assert rag.prompt_tokens == pytest.approx((10 * 300 + 10 * 300 + 20 * 0.5 * 300) / 40)
    assert (rag.one_off_s, rag.per_update_s, rag.storage_bytes) == (10.0, 3.0, 2_000_000)
    assert (ft.one_off_s, ft.per_query_s, ft.per_update_s, ft.storage_bytes) == (100.0, 1.0, 100.0, 5_000_000)
    assert any("estimated" in n for n in ft.notes)
    assert not cb.can_update and cb.per_update_s == 0


def test_horizon_cost_by_hand(prices):
    prof = cost.profiles(results_fixture())
    # RAG, 1 month, 100 queries a day, 2 updates: 10 + 2 * 100 * 30.4375 + 3 * 2 = 6103.5 s at 3.6 an hour
    c = cost.horizon_cost(prof["rag"], prices, queries_per_day=100, updates_per_month=2, months=1)
    assert c["compute_s"] == pytest.approx(10 + 2.0 * 100 * cost.DAYS_PER_MONTH + 6)
    assert c["compute_cost"] == pytest.approx(c["compute_s"] / 1000)
    assert c["storage_cost"] == pytest.approx(0.002 * 0.5)
    queries = 100 * cost.DAYS_PER_MONTH
    assert c["hosted_total"] == pytest.approx(queries * (prof["rag"].prompt_tokens * 1.0 + prof["rag"].new_tokens * 2.0) / 1e6)
    # closed book cannot be updated: updates cost nothing and are not counted
    cb = cost.horizon_cost(prof["closed_book"], prices, queries_per_day=0, updates_per_month=30, months=1)
    assert cb["updates"] == 0 and cb["compute_s"] == 0
    with pytest.raises(ValueError, match="queries_per_day"):
        cost.horizon_cost(prof["rag"], prices, queries_per_day=-1, updates_per_month=0, months=1)


def test_break_even_is_where_the_totals_meet(prices):
    prof = cost.profiles(results_fixture())
    rows = cost.break_even(prof, prices, updates_per_month=[0, 4], months=12, systems=["rag", "ft"])
    assert {r["updates_per_month"] for r in rows} == {0, 4}
    for r in rows:  # ft is cheaper per answer (1 s vs 2 s), dearer to prepare and to update
        assert (r["cheaper_above"], r["than"]) == ("ft", "rag")
        q = r["queries_per_day"]
        a = cost.horizon_cost(prof["ft"], prices, queries_per_day=q, updates_per_month=r["updates_per_month"], months=12)
        b = cost.horizon_cost(prof["rag"], prices, queries_per_day=q, updates_per_month=r["updates_per_month"], months=12)
        assert a["cost_total"] == pytest.approx(b["cost_total"])
        above = cost.horizon_cost(prof["ft"], prices, queries_per_day=q * 1.1 + 1, updates_per_month=r["updates_per_month"], months=12)
        other = cost.horizon_cost(prof["rag"], prices, queries_per_day=q * 1.1 + 1, updates_per_month=r["updates_per_month"], months=12)
        assert above["cost_total"] < other["cost_total"]
    # by hand, no updates: fixed 90 s more for ft (+3 MB storage), 1 s a query less
    never = next(r for r in rows if r["updates_per_month"] == 0)
    extra_fixed = 90 / 3600 * 3.6 + 0.003 * 0.5 * 12
    per_qpd = 1.0 * cost.DAYS_PER_MONTH * 12 / 3600 * 3.6
    assert never["queries_per_day"] == pytest.approx(extra_fixed / per_qpd)
    weekly = next(r for r in rows if r["updates_per_month"] == 4)
    assert weekly["queries_per_day"] > never["queries_per_day"]  # retraining every week moves the break-even up


def test_break_even_when_one_system_is_cheaper_at_any_volume(prices):
    prof = cost.profiles(results_fixture())
    prof["rag"].index_s = 1000.0  # dearer to prepare *and* per answer than ft
    rows = cost.break_even(prof, prices, updates_per_month=[0], systems=["rag", "ft"])
    assert rows == [{"cheaper_above": "ft", "than": "rag", "updates_per_month": 0, "queries_per_day": 0.0, "always": True}]
    prof["ft"].generation_s = prof["rag"].per_query_s  # same cost per answer: the totals never cross
    assert cost.break_even(prof, prices, updates_per_month=[0], systems=["rag", "ft"]) == []


def test_extrapolate_is_a_stated_formula():
    p = cost.profiles(results_fixture())["rag"]
    big = cost.extrapolate(p, params_ratio=10, hardware_speedup=5, documents_ratio=100)
    assert big.generation_s == pytest.approx(p.generation_s * 10 / 5)
    assert big.index_s == pytest.approx(p.index_s * 100 / 5)
    assert big.retrieval_s == pytest.approx(p.retrieval_s * 100 / 5)
    approx = cost.extrapolate(p, documents_ratio=100, retrieval_growth="log")
    assert approx.retrieval_s == pytest.approx(p.retrieval_s * (1 + math.log(100)))
    assert big.index_bytes == p.index_bytes * 100 and "extrapolated" in big.notes[-1]
    with pytest.raises(ValueError, match="positive"):
        cost.extrapolate(p, params_ratio=0)


def test_results_without_index_size_ask_for_a_new_run():
    data = results_fixture()
    del data["config"]["index"]["bytes"]
    with pytest.raises(ValueError, match="run the comparison again"):
        cost.profiles(data)


# ------------------------------------------------------------------------------------------------- CLI


@pytest.fixture
def results_file(tmp_path):
    path = tmp_path / "res" / "results.json"
    path.parent.mkdir()
    path.write_text(json.dumps(results_fixture()))
    return path


def test_cli_json(results_file, capsys):
    assert main(["cost", "--results", str(results_file.parent), "--json", "--queries-per-day", "500"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["prices"]) >= {"cpu_hour", "gpu_hour", "input_per_million", "output_per_million", "sources"}
    for name in ("rag", "ft", "closed_book"):
        assert set(out["systems"][name]) >= {"one_off_s", "per_query_s", "per_update_s", "storage_bytes", "cost_total"}
    assert out["horizon"]["queries_per_day"] == 500
    assert {r["updates_per_month"] for r in out["break_even"]} == {0, 1, 4, 30}
    assert all(set(r) >= {"cheaper_above", "than", "updates_per_month", "queries_per_day"} for r in out["break_even"])


def test_cli_table_prints_prices_with_sources(results_file, capsys):
    assert main(["cost", "--results", str(results_file), "--systems", "rag,ft"]) == 0
    out = capsys.readouterr().out
    assert "list price" in out and "Break-even" in out and "closed_book" not in out


@pytest.mark.parametrize("args, fragment", [
    (["--results", "/nonexistent/results.json"], "no such results file"),
    (["--prices", "/nonexistent/prices.toml"], "not found"),
    (["--queries-per-day", "-5"], "0 or more"),
    (["--systems", "raft"], "not in these results"),
])
def test_cli_errors_are_one_line(results_file, capsys, args, fragment):
    if "--results" not in args:
        args = ["--results", str(results_file), *args]
    assert main(["cost", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ragft: error:") and fragment in err and "\n" not in err


def test_cli_bad_price_file(results_file, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("cpu_hour = -0.1\ngpu_hour = 1\ninput_per_million = 1\noutput_per_million = 1\n")
    assert main(["cost", "--results", str(results_file), "--prices", str(bad)]) == 2
    assert "negative" in capsys.readouterr().err


def test_ft_cheaper_above_reads_the_break_even_rows():
    rows = [{"cheaper_above": "ft", "than": "rag", "updates_per_month": 0, "queries_per_day": 4.0, "always": False},
            {"cheaper_above": "ft", "than": "rag", "updates_per_month": 1, "queries_per_day": 0.0, "always": True},
            {"cheaper_above": "rag", "than": "ft", "updates_per_month": 4, "queries_per_day": 9.0, "always": False}]
    assert cost.ft_cheaper_above(rows, 0) == 4.0
    assert cost.ft_cheaper_above(rows, 1) == 0.0  # cheaper at any volume
    assert cost.ft_cheaper_above(rows, 4) == math.inf  # RAG is cheaper per answer: never
    assert cost.ft_cheaper_above(rows, 30) == math.inf  # the lines never cross


def test_per_correct_spreads_the_bill_over_the_right_answers():
    assert cost.per_correct(10.0, 0.5) == 20.0 and cost.per_correct(10.0, 0.0) == math.inf
    with pytest.raises(ValueError, match="between 0 and 1"):
        cost.per_correct(10.0, 45.0)  # points, not a share


# ------------------------------------------------------------------------------------------------- hosted, fairly


def test_shared_prefix_is_what_every_prompt_starts_with():
    assert cost.shared_prefix([[1, 2, 3, 9], [1, 2, 3, 7], [1, 2, 4]]) == 2
    assert cost.shared_prefix([[5, 6], [5, 6, 7]]) == 2  # one prompt is the others' start
    assert cost.shared_prefix([[1], [2]]) == 0 and cost.shared_prefix([]) == 0


def test_provider_caches_only_long_prefixes_in_whole_steps():
    p = cost.load_prices()  # the defaults: from 1,024 tokens, in steps of 128
    assert (p.cache_min_tokens, p.cache_step_tokens) == (1024, 128)
    assert p.cached_tokens(1023) == 0 and p.cached_tokens(1024) == 1024
    assert p.cached_tokens(1024 + 127) == 1024 and p.cached_tokens(1024 + 300) == 1024 + 256


def _hosted_fixture():
    data = results_fixture()
    data["costs"]["ft"].update(train_billed_tokens=50_000, shared_prefix_tokens=20)
    data["costs"]["rag"]["shared_prefix_tokens"] = 2_000
    for split in ("test_seen", "test_unseen", "unanswerable"):
        data["systems"]["rag"][split]["prompt_tokens"] = 3_000
    data["update"]["ft"]["retrain_billed_tokens_estimate"] = 40_000
    data["systems"]["ft"]["test_seen"]["accuracy"] = 0.25
    return data


def test_hosted_bill_by_hand_premium_training_fee_and_cache(tmp_path):
    path = tmp_path / "fair.toml"
    path.write_text("cpu_hour = 3.6\ngpu_hour = 36.0\ninput_per_million = 1.0\noutput_per_million = 2.0\n"
                    "ft_input_per_million = 3.0\nft_output_per_million = 4.0\nft_training_per_million = 10.0\n"
                    "cached_input_per_million = 0.5\nft_cached_input_per_million = 1.5\n"
                    "cache_min_tokens = 1000\ncache_step_tokens = 100\n")
    fair = cost.load_prices(path)
    prof = cost.profiles(_hosted_fixture())
    rag, ft = prof["rag"], prof["ft"]
    assert ft.fine_tuned and not rag.fine_tuned and (ft.train_tokens, ft.retrain_tokens) == (50_000, 40_000)
    assert rag.answered == pytest.approx((10 + 10 + 20 * 0.5) / 40)
    assert ft.accuracy == pytest.approx((20 * 0.25 + 20 * 0.5) / 40)
    q = 100 * cost.DAYS_PER_MONTH
    # RAG: 2,000 shared tokens -> 2,000 cached (1,000 + 10 steps of 100) on each question that reaches the model
    c = cost.horizon_cost(rag, fair, queries_per_day=100, updates_per_month=2, months=1)
    cached = 2000 * rag.answered
    assert c["hosted_cached_tokens"] == pytest.approx(cached)
    per = ((rag.prompt_tokens - cached) * 1.0 + cached * 0.5 + rag.new_tokens * 2.0) / 1e6
    assert c["hosted_total"] == pytest.approx(q * per) and c["hosted_training"] == 0
    assert c["hosted_per_correct"] == pytest.approx(per / rag.accuracy)
    assert c["cost_per_correct"] == pytest.approx(c["cost_total"] / q / rag.accuracy)
    # fine-tuned: its own token prices (20 shared tokens are below the minimum: none cached), and the training fee
    # for the first training plus two retrainings
    f = cost.horizon_cost(ft, fair, queries_per_day=100, updates_per_month=2, months=1)
    assert f["hosted_cached_tokens"] == 0
    assert f["hosted_training"] == pytest.approx((50_000 + 2 * 40_000) * 10.0 / 1e6)
    assert f["hosted_total"] == pytest.approx(q * (ft.prompt_tokens * 3.0 + ft.new_tokens * 4.0) / 1e6 + f["hosted_training"])
    # no question, no price per answer
    assert cost.horizon_cost(ft, fair, queries_per_day=0, updates_per_month=0, months=1)["hosted_per_correct"] is None


def test_a_prices_file_without_hosted_prices_bills_base_prices_and_says_so(prices):
    assert "no premium" in prices.sources["ft_input_per_million"]
    assert "no training fee" in prices.sources["ft_training_per_million"]
    assert prices.token_prices(fine_tuned=True) == prices.token_prices(fine_tuned=False) == (1.0, 1.0, 2.0)
    ft = cost.profiles(_hosted_fixture())["ft"]
    c = cost.horizon_cost(ft, prices, queries_per_day=10, updates_per_month=1, months=1)
    assert c["hosted_training"] == 0  # and a cached token costs what any input token costs
    assert c["hosted_total"] == pytest.approx(10 * cost.DAYS_PER_MONTH * (ft.prompt_tokens * 1.0 + ft.new_tokens * 2.0) / 1e6)


def test_default_prices_bill_a_fine_tuned_model_dearer():
    p = cost.load_prices()
    base, tuned = p.token_prices(fine_tuned=False), p.token_prices(fine_tuned=True)
    assert all(t > b for t, b in zip(tuned, base)) and p.ft_training_per_million > 0
