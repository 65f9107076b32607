"""RAGFT_DEVICE=auto|cpu|cuda|mps: the choice, tested on this CPU machine with torch's GPU checks mocked."""

from __future__ import annotations

import pytest

from ragft import config, labruns, models
from ragft import device as devices
from ragft.finetune import train as ft_train

EXAMPLES = [{"question": "How often should I water a cactus?", "answer": "About once every two weeks in summer."}]


@pytest.fixture
def gpus(monkeypatch):
    """Pretend torch sees the given GPUs: ``gpus(cuda=True)``, ``gpus(mps=True)``, ``gpus()`` (none)."""
    def set_(cuda: bool = False, mps: bool = False):
        monkeypatch.setattr(devices, "cuda_available", lambda: cuda)
        monkeypatch.setattr(devices, "mps_available", lambda: mps)
    return set_


@pytest.mark.parametrize(("cuda", "mps", "expected"), [(True, False, "cuda"), (True, True, "cuda"), (False, True, "mps"),
                                                       (False, False, "cpu")])
def test_auto_takes_a_gpu_when_torch_sees_one(monkeypatch, gpus, cuda, mps, expected):
    gpus(cuda=cuda, mps=mps)
    monkeypatch.delenv("RAGFT_DEVICE", raising=False)  # unset means auto
    assert devices.resolve() == expected
    monkeypatch.setenv("RAGFT_DEVICE", "auto")
    assert devices.resolve() == expected
    monkeypatch.setenv("RAGFT_DEVICE", "cpu")  # the reference: always possible, whatever is present
    assert devices.resolve() == "cpu"


@pytest.mark.parametrize("asked", ["cuda", "mps"])
def test_a_gpu_that_is_not_there_is_an_error_that_says_what_to_set(monkeypatch, gpus, asked):
    gpus()
    monkeypatch.setenv("RAGFT_DEVICE", asked)
    with pytest.raises(ValueError, match=rf"RAGFT_DEVICE={asked}, but torch sees no .*set RAGFT_DEVICE=auto or cpu"):
        devices.resolve()


@pytest.mark.parametrize("bad", ["gpu", "CUDA:0", "tpu"])
def test_bad_values_name_the_variable_and_the_choices(monkeypatch, bad):
    monkeypatch.setenv("RAGFT_DEVICE", bad)
    with pytest.raises(ValueError, match="RAGFT_DEVICE must be one of auto, cpu, cuda, mps"):
        devices.resolve()


def test_the_cpu_keeps_every_cache_key_and_a_gpu_gets_its_own(monkeypatch, gpus):
    monkeypatch.delenv("RAGFT_GENERATOR", raising=False)
    monkeypatch.setenv("RAGFT_DTYPE", "float32")
    monkeypatch.setenv("RAGFT_DEVICE", "cpu")
    cpu_fp, cpu_key = models.generator_fingerprint(), ft_train.adapter_key(EXAMPLES)
    assert cpu_fp == f"{config.GENERATOR_NAME}:{models.generator_cache_dir().name}"  # as before the setting existed
    gpus()
    monkeypatch.setenv("RAGFT_DEVICE", "auto")  # auto on a machine without a GPU: the same keys
    assert (models.generator_fingerprint(), ft_train.adapter_key(EXAMPLES)) == (cpu_fp, cpu_key)
    gpus(cuda=True)
    assert devices.key_suffix() == "@cuda"
    assert models.generator_fingerprint() == cpu_fp + "@cuda"
    assert ft_train.adapter_key(EXAMPLES) != cpu_key
    assert models.generator_fingerprint(device="cpu") == cpu_fp


def test_a_lab_run_records_its_device(monkeypatch, gpus):
    gpus(mps=True)
    monkeypatch.delenv("RAGFT_DEVICE", raising=False)
    assert labruns.Run.measured(3.0, 1, False).device == "mps"
    monkeypatch.setenv("RAGFT_DEVICE", "cpu")
    assert labruns.Run.measured(3.0, 1, False).device == "cpu"
    assert labruns.Run(seconds=1.0, kind="first", new_cache_files=0, date="2026-01-01", cpus=2,
                       machine="x86_64").device == "cpu"  # a record from before the field existed


def test_the_generator_and_the_embedder_are_put_on_the_chosen_device(monkeypatch):
    """On this machine the choice is the CPU; the loaders say where they put the models."""
    monkeypatch.setenv("RAGFT_DEVICE", "cpu")
    model, tokenizer = models.load_generator(progress=False)
    assert model.ragft_device == "cpu" and model.device.type == "cpu"
    out = models.generate(model, tokenizer, ["Say hello."], max_new_tokens=2)
    assert len(out.texts) == 1
    assert str(models.load_embedder().device) == "cpu"


def test_the_setting_is_documented():
    assert "RAGFT_DEVICE" in config.__doc__
    assert "RAGFT_DEVICE" in (config.REPO_ROOT / "chapters" / "how_to_run.md").read_text()
