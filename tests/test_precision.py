"""RAGFT_DTYPE (ragft.precision): resolving the setting, cache keys per dtype, bfloat16 generation and
training, and the selective LM-head loss."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest

from ragft import config, models, precision
from ragft.finetune import train as ft_train

FIXTURES = Path(__file__).parent / "fixtures" / "finetune"
EXAMPLES = [{"question": "How often should I water a cactus?", "answer": "About once every two weeks in summer."},
            {"question": "Do ferns like direct sun?",
             "answer": "No, ferns prefer bright indirect light and moist soil; direct sun scorches their fronds."}]


# --------------------------------------------------------------------------------------------------
# resolving the setting


@pytest.fixture
def cpuinfo(tmp_path, monkeypatch):
    """Write a fake /proc/cpuinfo with the given flags and point ragft.precision at it."""

    def write(*flags: str) -> Path:
        path = tmp_path / "cpuinfo"
        block = "processor\t: {n}\nmodel name\t: Test CPU\nflags\t\t: fpu sse2 avx2 avx512f {flags}\n\n"
        path.write_text("".join(block.format(n=n, flags=" ".join(flags)) for n in range(2)))
        monkeypatch.setattr(precision, "CPUINFO", path)
        return path

    return write


@pytest.mark.parametrize("flags, expected", [(("amx_bf16", "avx512_bf16"), "bfloat16"), (("avx512_vnni",), "float32")])
def test_unset_or_empty_means_float32_and_auto_reads_the_cpu(monkeypatch, cpuinfo, flags, expected):
    cpuinfo(*flags)  # auto: bfloat16 on a CPU that computes it natively, float32 on one that would emulate it
    monkeypatch.delenv("RAGFT_DTYPE", raising=False)
    assert precision.DEFAULT == "float32"  # the registry's timing verdicts are float32's (precision's docstring)
    assert precision.resolve() == "float32" and config.dtype_name() == "float32"
    monkeypatch.setenv("RAGFT_DTYPE", "")
    assert precision.resolve() == "float32"
    monkeypatch.setenv("RAGFT_DTYPE", "auto")
    assert precision.resolve() == expected and config.dtype_name() == expected


@pytest.mark.parametrize("value, expected", [("float32", "float32"), ("bfloat16", "bfloat16"),
                                             (" BFloat16 ", "bfloat16"), ("FLOAT32", "float32")])
def test_explicit_values(monkeypatch, cpuinfo, value, expected):
    cpuinfo()  # no native bfloat16: an explicit choice is still honoured
    monkeypatch.setenv("RAGFT_DTYPE", value)
    assert precision.resolve() == expected
    monkeypatch.delenv("RAGFT_DTYPE")
    assert precision.resolve(value) == expected


@pytest.mark.parametrize("flags, expected", [(("amx_bf16", "amx_tile"), "bfloat16"), (("avx512_bf16",), "bfloat16"),
                                             (("avx512_vnni",), "float32"), ((), "float32")])
def test_auto_follows_the_cpu_flags(monkeypatch, cpuinfo, flags, expected):
    cpuinfo(*flags)
    monkeypatch.setenv("RAGFT_DTYPE", "auto")
    assert precision.resolve() == expected


def test_auto_without_cpuinfo_is_float32(monkeypatch, tmp_path):
    monkeypatch.setattr(precision, "CPUINFO", tmp_path / "missing")  # macOS, Windows
    assert precision.cpu_flags() == set()
    assert precision.resolve("auto") == "float32"


def test_auto_on_cuda_asks_torch(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert precision.resolve("auto", device="cuda") == "bfloat16"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert precision.resolve("auto", device="cuda") == "float32"


@pytest.mark.parametrize("bad", ["fp16", "bf16", "float16", "half", "32", "yes"])
def test_bad_values_name_the_variable_and_the_choices(monkeypatch, bad):
    monkeypatch.setenv("RAGFT_DTYPE", bad)
    with pytest.raises(ValueError) as err:
        precision.resolve()
    message = str(err.value)
    assert "RAGFT_DTYPE" in message and "auto, float32, bfloat16" in message and repr(bad) in message
    with pytest.raises(ValueError, match="RAGFT_DTYPE"):
        models.generator_fingerprint()  # every cache key refuses it too, rather than guessing


def test_torch_dtype_and_names():
    import torch

    assert precision.torch_dtype("float32") is torch.float32
    assert precision.torch_dtype("bfloat16") is torch.bfloat16
    assert precision.name_of(torch.bfloat16) == "bfloat16"
    assert precision.key_suffix("float32") == "" and precision.key_suffix(torch.float32) == ""
    assert precision.key_suffix("bfloat16") == "@bfloat16"


def test_setting_is_documented():
    assert "RAGFT_DTYPE" in config.__doc__
    assert "default is float32" in precision.__doc__.replace("**", "")


# --------------------------------------------------------------------------------------------------
# cache keys


def _old_generator_fingerprint(name: str) -> str:
    """generator_fingerprint as it was before RAGFT_DTYPE existed."""
    return f"{config.GENERATOR_NAME}:{models.generator_cache_dir().name}" if name == config.BUNDLED else name


def _old_adapter_key(examples, **train_kwargs) -> str:
    """adapter_key as it was before RAGFT_DTYPE existed."""
    defaults = ft_train.DEFAULTS
    settings = {k: train_kwargs.get(k, defaults.get(k)) for k in
                ("epochs", "lr", "rank", "alpha", "dropout", "target_modules", "batch_size", "max_length")}
    settings["target_modules"] = list(settings["target_modules"])
    settings.update(seed=train_kwargs.get("seed", 42), system=train_kwargs.get("system"),
                    scheduler=defaults["scheduler"], warmup=defaults["warmup_steps"], format=ft_train.ADAPTER_FORMAT)
    payload = json.dumps({"data": examples, "config": settings, "base": _old_generator_fingerprint(config.BUNDLED)},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@pytest.mark.parametrize("env", [None, "float32", "auto-without-bf16"])
def test_float32_keys_are_todays(monkeypatch, cpuinfo, env):
    cpuinfo()
    if env is None:
        monkeypatch.delenv("RAGFT_DTYPE", raising=False)
    else:
        monkeypatch.setenv("RAGFT_DTYPE", env.split("-")[0])
    monkeypatch.delenv("RAGFT_GENERATOR", raising=False)
    assert models.generator_fingerprint() == _old_generator_fingerprint(config.BUNDLED)
    assert models.generator_fingerprint("org/some-model") == "org/some-model"
    assert ft_train.adapter_fingerprint(None) == _old_generator_fingerprint(config.BUNDLED)
    assert ft_train.adapter_key(EXAMPLES) == _old_adapter_key(EXAMPLES)
    assert ft_train.adapter_key(EXAMPLES, rank=4, system="Be brief.") == _old_adapter_key(EXAMPLES, rank=4,
                                                                                         system="Be brief.")


def test_bfloat16_keys_differ(monkeypatch, tmp_path):
    monkeypatch.delenv("RAGFT_GENERATOR", raising=False)
    monkeypatch.setenv("RAGFT_DTYPE", "float32")
    fp32 = models.generator_fingerprint()
    key32 = ft_train.adapter_key(EXAMPLES)
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_model.safetensors").write_bytes(b"weights")
    afp32 = ft_train.adapter_fingerprint(adapter)
    monkeypatch.setenv("RAGFT_DTYPE", "bfloat16")
    assert models.generator_fingerprint() == fp32 + "@bfloat16"
    assert models.generator_fingerprint("org/some-model") == "org/some-model@bfloat16"
    assert models.generator_fingerprint(dtype="float32") == fp32
    assert ft_train.adapter_key(EXAMPLES) != key32
    assert ft_train.adapter_key(EXAMPLES, selective_head=False) == ft_train.adapter_key(EXAMPLES)
    assert ft_train.adapter_fingerprint(adapter) == afp32.replace("+lora:", "@bfloat16+lora:")
    with pytest.raises(TypeError, match="dtype"):
        ft_train.adapter_key(EXAMPLES, dtype="bfloat16")  # not a training option: it comes from RAGFT_DTYPE

    from ragft.answers import answer_key

    assert answer_key(fp32, "q", {}) != answer_key(models.generator_fingerprint(), "q", {})


# --------------------------------------------------------------------------------------------------
# the real model


@pytest.mark.slow
def test_bfloat16_generation(monkeypatch):
    import torch

    monkeypatch.setenv("RAGFT_DTYPE", "bfloat16")
    model, tokenizer = models.load_generator(progress=False)
    assert model.dtype == torch.bfloat16 and model.ragft_dtype == "bfloat16"
    assert all(p.dtype == torch.bfloat16 for p in model.parameters())
    assert model.ragft_fingerprint == models.generator_fingerprint(dtype="float32") + "@bfloat16"
    assert models.last_load.dtype == "bfloat16"
    gen = models.generate(model, tokenizer, ["What is the capital of France?", "Name a colour."], max_new_tokens=8)
    assert len(gen.texts) == 2 and all(gen.texts) and all(0 < n <= 8 for n in gen.new_tokens)


@pytest.fixture(scope="module")
def lora_model():
    """The real generator in float32 with LoRA matrices that are not zero (so every gradient is non-trivial)."""
    from peft import LoraConfig, get_peft_model

    from ragft import set_seed

    set_seed(0)
    model, tokenizer = models.load_generator(progress=False, dtype="float32")
    assert model.ragft_fingerprint == models.generator_fingerprint(dtype="float32")
    model = get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", r=4, lora_alpha=8, lora_dropout=0.0,
                                             target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    model.train()
    return model, tokenizer


def _batch(tokenizer, examples=EXAMPLES):
    encoded = [ft_train.encode_example(tokenizer, ex, system="Answer briefly.") for ex in examples]
    return ft_train.make_collator(tokenizer)(encoded)


def _grads(model, loss):
    model.zero_grad()
    loss.backward()
    return {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


@pytest.mark.slow
def test_selective_head_loss_equals_the_full_logits_loss(lora_model):
    import torch

    model, tokenizer = lora_model
    batch = _batch(tokenizer)
    assert batch["input_ids"].shape[0] == 2 and (batch["labels"] == -100).any()
    n = (batch["labels"][:, 1:] != -100).sum()

    full = model(**batch).loss  # transformers' ForCausalLMLoss over logits at every position
    selective = ft_train.selective_lm_loss(model, batch)
    assert math.isfinite(full.item())
    torch.testing.assert_close(selective, full, rtol=1e-5, atol=1e-6)
    g_full, g_sel = _grads(model, full), _grads(model, ft_train.selective_lm_loss(model, batch))
    assert g_full.keys() == g_sel.keys() and g_full
    for name in g_full:
        torch.testing.assert_close(g_sel[name], g_full[name], rtol=1e-4, atol=1e-6, msg=name)

    # the Trainer's normalisation: the sum over tokens divided by the accumulated batch's token count
    torch.testing.assert_close(ft_train.selective_lm_loss(model, batch, num_items_in_batch=n * 3),
                               model(**batch, num_items_in_batch=n * 3).loss, rtol=1e-5, atol=1e-6)
    # works on a plain causal LM too, and a batch without a supervised token gives 0, not NaN
    base = model.get_base_model()
    with model.disable_adapter():
        torch.testing.assert_close(ft_train.selective_lm_loss(base, batch), base(**batch).loss, rtol=1e-5, atol=1e-6)
    unsupervised = dict(batch, labels=torch.full_like(batch["labels"], -100))
    assert ft_train.selective_lm_loss(model, unsupervised).item() == 0.0

    # under bfloat16 autocast the loss moves by rounding only
    with torch.autocast("cpu", dtype=torch.bfloat16):
        bf16 = ft_train.selective_lm_loss(model, batch)
    assert abs(bf16.item() - full.item()) < 0.05 * full.item()


@pytest.mark.slow
def test_selective_head_trainer_matches_the_standard_trainer(lora_model, tmp_path):
    import torch
    from transformers import Trainer, TrainingArguments

    model, tokenizer = lora_model
    batch = _batch(tokenizer)
    args = TrainingArguments(output_dir=str(tmp_path), use_cpu=True, report_to=[], per_device_train_batch_size=2)
    standard = Trainer(model=model, args=args, data_collator=ft_train.make_collator(tokenizer))
    selective = ft_train._selective_head_trainer()(model=model, args=args, data_collator=ft_train.make_collator(tokenizer))
    n = (batch["labels"][:, 1:] != -100).sum()
    for items in (None, n):
        torch.testing.assert_close(selective.compute_loss(model, dict(batch), num_items_in_batch=items),
                                   standard.compute_loss(model, dict(batch), num_items_in_batch=items),
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_tiny_bfloat16_training_run(monkeypatch, tmp_path):
    import torch
    from safetensors.torch import load_file

    monkeypatch.setenv("RAGFT_DTYPE", "bfloat16")
    seen: list = []
    load = models.load_generator

    def load_and_watch(*args, **kwargs):
        model, tokenizer = load(*args, **kwargs)
        proj = model.model.layers[0].self_attn.q_proj  # becomes the base layer under the LoRA wrapper
        proj.register_forward_hook(lambda mod, inp, out: seen.append((mod.weight.dtype, out.dtype)))
        return model, tokenizer

    monkeypatch.setattr(models, "load_generator", load_and_watch)
    out = tmp_path / "bf16"
    result = ft_train.train_lora(EXAMPLES, output_dir=out, epochs=1, batch_size=1, lr=5e-3, progress=False)
    assert result.steps == 2 and len(result.loss_history) == 2
    assert all(math.isfinite(loss) and 0 < loss < 20 for _, loss in result.loss_history)
    assert result.config["dtype"] == "bfloat16"
    assert seen and all(w == torch.float32 and o == torch.bfloat16 for w, o in seen), seen[:2]  # autocast
    weights = load_file(str(out / "adapter_model.safetensors"))
    assert weights and all(t.dtype == torch.float32 for t in weights.values())  # LoRA stays float32
