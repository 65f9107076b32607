"""Tests of ragft.finetune: training data, loss masking, adapter round trip, cache and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragft import finetune
from ragft.cli import main
from ragft.finetune import data as ft_data
from ragft.finetune import train as ft_train
from ragft.finetune.evaluate import parse_label

FIXTURES = Path(__file__).parent / "fixtures" / "finetune"
TINY = dict(epochs=1, batch_size=4, lr=5e-3, progress=False)


# --------------------------------------------------------------------------------------------------
# training data


def test_load_question_answer_file():
    examples = finetune.load_training_data(FIXTURES / "plant_care.jsonl")
    assert len(examples) == 6
    assert examples[0] == {"question": "How often should I water a snake plant?",
                           "answer": "Every two to three weeks; let the soil dry out in between."}


def test_load_chat_file():
    examples = finetune.load_training_data(FIXTURES / "plant_care_chat.jsonl")
    assert [len(e["messages"]) for e in examples] == [3, 4]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad_json.jsonl", "bad_json.jsonl:3: not valid JSON"),
        ("missing_answer.jsonl", 'missing_answer.jsonl:2: missing "answer"'),
        ("empty.jsonl", "holds no examples"),
        ("no_such_file.jsonl", "no such file"),
    ],
)
def test_bad_training_files_name_the_problem(name, expected):
    with pytest.raises(finetune.TrainingDataError, match=expected):
        finetune.load_training_data(FIXTURES / name)


@pytest.mark.parametrize(
    ("example", "expected"),
    [
        ({"question": "q"}, 'missing "answer"'),
        ({"answer": "a"}, 'missing "question"'),
        ({"question": "q", "answer": ""}, "non-empty string"),
        ({"messages": []}, "non-empty list"),
        ({"messages": [{"role": "user", "content": "hi"}]}, "no non-empty assistant"),
        ({"messages": [{"role": "bot", "content": "hi"}]}, "role 'bot'"),
        ({"messages": [{"role": "assistant", "content": "a"}, {"role": "user", "content": "q"}]}, "last message"),
        (["q", "a"], "expected a JSON object"),
    ],
)
def test_bad_examples(example, expected):
    with pytest.raises(finetune.TrainingDataError, match=expected):
        ft_data.check_example(example, "here")


def test_builders_from_course_style_records():
    questions = [
        {"question": "How heavy is the X1?", "answers": ["412 g", "412 grams"], "paraphrases": ["X1 weight?", "Mass of X1?"]},
        {"question": "Who won?", "answers": [], "paraphrases": []},  # unanswerable: skipped
    ]
    plain = finetune.knowledge_examples(questions)
    assert plain == [{"question": "How heavy is the X1?", "answer": "The answer is 412 g."}]
    augmented = finetune.knowledge_examples(questions, paraphrases=True)
    assert [e["question"] for e in augmented] == ["How heavy is the X1?", "X1 weight?", "Mass of X1?"]
    assert {e["answer"] for e in augmented} == {"The answer is 412 g."}
    tickets = finetune.ticket_examples([{"text": "Refund please", "label": "billing"}], ["billing", "sales"])
    assert tickets[0]["answer"] == "billing" and "billing, sales" in tickets[0]["question"]


def test_save_and_load_round_trip(tmp_path):
    examples = [{"question": "q1", "answer": "a1"}, {"messages": [{"role": "user", "content": "q2"},
                                                                  {"role": "assistant", "content": "a2"}]}]
    path = finetune.save_training_data(examples, tmp_path / "out.jsonl")
    assert finetune.load_training_data(path) == examples


def test_parse_label():
    labels = ["billing", "sales", "account"]
    assert parse_label("Billing.", labels) == "billing"
    assert parse_label("This is about sales, not billing", labels) == "sales"
    assert parse_label("no idea", labels) is None
    assert parse_label("accounting", labels) is None  # whole words only


@pytest.mark.slow
def test_format_adherence_counts_the_tokens_each_prompt_costs(generator):
    from ragft import models
    from ragft.finetune import evaluate

    model, tokenizer = generator
    items = [{"question": "How do I reset my password?"}, {"question": "Can I pay by invoice?"}]
    shots = [{"question": "Where is my order?", "reply": "Hello from Quorvane Support!\nAnswer: On its way.\n"
              "Next step: Track it online.\nKind regards, the Quorvane Support team"}]
    bare = evaluate.format_adherence(model, tokenizer, items, max_new_tokens=6)
    few = evaluate.format_adherence(model, tokenizer, items, shots=shots, max_new_tokens=6)
    assert len(bare.prompt_tokens) == len(bare.new_tokens) == 2
    assert all(0 < n <= 6 for n in few.new_tokens + bare.new_tokens)
    for it, b, f in zip(items, bare.prompt_tokens, few.prompt_tokens):
        few_text = models.chat_text(tokenizer, evaluate.few_shot_messages(it["question"], shots))
        assert f == len(tokenizer(few_text, add_special_tokens=False)["input_ids"])
        assert f > b + 50  # the instructions and the worked example travel with every question
    assert few.tokens_per_item == (sum(few.prompt_tokens) + sum(few.new_tokens)) / 2
    assert few.tokens_per_item > bare.tokens_per_item


# --------------------------------------------------------------------------------------------------
# loss masking


@pytest.fixture(scope="module")
def generator():
    from ragft import models

    return models.load_generator(progress=False)


@pytest.fixture(scope="module")
def tokenizer(generator):
    return generator[1]


def _assistant_mask(tokenizer, ids):
    """Independent reference: True from after each '<|im_start|>assistant\\n' up to its '<|im_end|>'."""
    start_ids = tokenizer("<|im_start|>assistant\n", add_special_tokens=False)["input_ids"]
    end_id = tokenizer.convert_tokens_to_ids("<|im_end|>")
    mask, inside, i = [False] * len(ids), False, 0
    while i < len(ids):
        if not inside and ids[i : i + len(start_ids)] == start_ids:
            inside, i = True, i + len(start_ids)
            continue
        if inside:
            mask[i] = True
            if ids[i] == end_id:
                inside = False
        i += 1
    return mask


@pytest.mark.slow
def test_labels_cover_exactly_the_assistant_tokens(tokenizer):
    examples = finetune.load_training_data(FIXTURES / "plant_care_chat.jsonl") + [
        {"question": "Short?", "answer": "Yes."}]
    encoded = [finetune.encode_example(tokenizer, ex, system="Be brief.") for ex in examples]
    batch = finetune.make_collator(tokenizer)(encoded)
    assert batch["labels"].shape == batch["input_ids"].shape
    n_assistant_turns = 0
    for row, enc in enumerate(encoded):
        ids = batch["input_ids"][row].tolist()
        labels = batch["labels"][row].tolist()
        n = len(enc["input_ids"])
        assert ids[:n] == enc["input_ids"]  # padded on the right
        assert all(lab == -100 for lab in labels[n:]), "padding must not carry loss"
        assert batch["attention_mask"][row, n:].sum() == 0
        mask = _assistant_mask(tokenizer, ids[:n])
        for tok, lab, keep in zip(ids[:n], labels[:n], mask):
            assert lab == (tok if keep else -100)
        n_assistant_turns += sum(1 for a, b in zip([False] + mask, mask) if b and not a)
    assert n_assistant_turns == 4  # 1 + 2 (multi-turn chat) + 1
    first = tokenizer.decode([t for t, lab in zip(batch["input_ids"][0], batch["labels"][0]) if lab != -100])
    assert first == "Yes, keep it out of their reach.<|im_end|>"


# --------------------------------------------------------------------------------------------------
# training, saving, loading


@pytest.fixture(scope="module")
def tiny_adapter(tmp_path_factory):
    examples = finetune.load_training_data(FIXTURES / "plant_care.jsonl")
    out = tmp_path_factory.mktemp("adapters") / "plants"
    return finetune.train_lora(examples, output_dir=out, **TINY)


@pytest.mark.slow
def test_train_lora_reports_and_saves(tiny_adapter):
    r = tiny_adapter
    folder = Path(r.adapter_dir)
    assert (folder / "adapter_config.json").is_file() and (folder / "adapter_model.safetensors").is_file()
    record = json.loads((folder / ft_train.TRAIN_RECORD).read_text())
    assert record["config"]["rank"] == 8 and record["n_examples"] == 6
    assert r.steps == 2 and len(r.loss_history) == 2 and r.final_loss == r.loss_history[-1][1]
    assert 0 < r.trainable_params < r.total_params and 0 < r.trainable_percent < 1
    assert 100_000 < r.adapter_bytes < 10_000_000
    assert not list(folder.parent.glob(".training-*")), "temporary folders are cleaned up"
    assert finetune.TrainResult.from_dir(folder).trainable_params == r.trainable_params


@pytest.mark.slow
def test_adapter_round_trip_gives_identical_logits(tiny_adapter, tokenizer, monkeypatch):
    """In float32, merging the adapter into the weights keeps the function (to float rounding). In bfloat16
    the merged weights are rounded to 8 bits of mantissa, which moves logits by tenths: not checked here."""
    import torch

    from ragft import models

    monkeypatch.setenv("RAGFT_DTYPE", "float32")

    enc = tokenizer(models.chat_text(tokenizer, "Does a monstera like direct sun?"), return_tensors="pt",
                    add_special_tokens=False)
    base, _ = models.load_generator(progress=False)
    with torch.inference_mode():
        base_logits = base(**enc).logits
        first, _ = finetune.load_finetuned(tiny_adapter.adapter_dir)
        again, _ = finetune.load_finetuned(tiny_adapter.adapter_dir)
        merged, _ = finetune.load_finetuned(tiny_adapter.adapter_dir, merge=True)
        a, b, c = (m(**enc).logits for m in (first, again, merged))
    assert torch.equal(a, b), "loading the same adapter twice must give identical logits"
    scale = a.abs().max().item()
    merged_moved = (a - c).abs().max().item()  # measured: 1.2e-4 on logits up to 39 (float32 rounding)
    adapter_moved = (a - base_logits).abs().max().item()
    assert merged_moved < 2e-5 * scale, f"merging must not change the function ({merged_moved} of {scale})"
    assert adapter_moved > 100 * merged_moved, f"the adapter must change the model ({adapter_moved})"


@pytest.mark.slow
def test_train_lora_does_not_overwrite(tiny_adapter):
    with pytest.raises(finetune.AdapterError, match="overwrite=True"):
        finetune.train_lora([{"question": "q", "answer": "a"}], output_dir=tiny_adapter.adapter_dir, **TINY)


def test_load_finetuned_rejects_other_folders(tmp_path):
    with pytest.raises(finetune.AdapterError, match="not a LoRA adapter"):
        finetune.load_finetuned(tmp_path)
    with pytest.raises(finetune.AdapterError, match="no such folder"):
        finetune.load_finetuned(tmp_path / "missing")


# --------------------------------------------------------------------------------------------------
# the training prompt: an adapter is asked the way it was trained


def _prompt_ids(tokenizer, messages) -> list[int]:
    from ragft import models

    return tokenizer(models.chat_text(tokenizer, messages), add_special_tokens=False)["input_ids"]


def _trained_prompt_ids(tokenizer, example, system) -> list[int]:
    """What the model read in training before the reply: the tokens up to the first one that carries loss."""
    enc = finetune.encode_example(tokenizer, example, system=system)
    first = next(i for i, lab in enumerate(enc["labels"]) if lab != -100)
    return enc["input_ids"][:first]


@pytest.fixture(scope="module")
def signoff_adapter(tmp_path_factory):
    """A user's data that is not course data: replies that all end with a fixed sign-off, no system prompt."""
    examples = finetune.load_training_data(FIXTURES / "signoff.jsonl")
    out = tmp_path_factory.mktemp("adapters") / "signoff"
    return finetune.train_lora(examples, output_dir=out, **TINY)


@pytest.mark.slow
def test_training_prompt_round_trips_and_every_caller_asks_as_trained(signoff_adapter, tokenizer, capsys):
    from types import SimpleNamespace

    from ragft.compare.harness import _prompts_for
    from ragft.rag import RagPipeline, build_closed_book_prompt

    folder = Path(signoff_adapter.adapter_dir)
    record = json.loads((folder / ft_train.TRAIN_RECORD).read_text())["prompt"]
    assert record == {"system": None, "chat_template": tokenizer.chat_template, "layout": ["user", "assistant"],
                      "system_varies": False}
    assert finetune.TrainResult.from_dir(folder).training_prompt == signoff_adapter.training_prompt

    model, tok = finetune.load_finetuned(folder)
    assert model.ragft_prompt == finetune.TrainingPrompt.from_record(record)
    question = "Do you sell second-hand bikes?"  # not in the training file
    example = {"question": question, "answer": "Sometimes. Happy riding! — Bram, Spokewise Cycles"}
    trained = _trained_prompt_ids(tok, example, system=None)
    assert tok.decode(trained).endswith("<|im_start|>assistant\n")

    pipeline_prompt = RagPipeline(model, tok).prompts([question], [[]])[0]
    harness_prompt = _prompts_for("ft", [SimpleNamespace(question=question)], {}, model)[0]
    for prompt in (pipeline_prompt, harness_prompt, model.ragft_prompt.messages(question)):
        assert _prompt_ids(tok, prompt) == trained
    assert tok(model.ragft_prompt.text(tok, question), add_special_tokens=False)["input_ids"] == trained
    # the course's closed-book prompt (what `ragft ask --adapter` used before) is a different layout
    assert _prompt_ids(tok, build_closed_book_prompt(question)) != trained

    # `ragft ask --adapter` (closed book) reads exactly the training prompt: same number of prompt tokens
    # (the course's closed-book prompt, what it used before, is longer)
    assert main(["ask", question, "--adapter", str(folder), "--max-new-tokens", "4", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mode"] == "fine-tuned closed-book"
    assert out["timings"]["prompt_tokens"] == len(trained) < len(_prompt_ids(tok, build_closed_book_prompt(question)))


@pytest.mark.slow
def test_adapter_without_a_recorded_prompt_still_loads(signoff_adapter, tmp_path, tokenizer):
    import shutil

    from ragft.rag import RagPipeline, build_closed_book_prompt

    old = tmp_path / "old-adapter"
    shutil.copytree(signoff_adapter.adapter_dir, old)
    record = json.loads((old / ft_train.TRAIN_RECORD).read_text())
    del record["prompt"]
    (old / ft_train.TRAIN_RECORD).write_text(json.dumps(record))
    assert finetune.TrainResult.from_dir(old).training_prompt is None
    model, tok = finetune.load_finetuned(old)
    assert model.ragft_prompt is None
    assert RagPipeline(model, tok).prompts(["Hi?"], [[]])[0] == build_closed_book_prompt("Hi?")  # the old behaviour


@pytest.mark.slow
def test_training_prompt_follows_the_system_message_of_the_data(tokenizer):
    qa = [{"question": "q", "answer": "a"}]
    chat = [{"messages": [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "q"},
                          {"role": "assistant", "content": "a"}]}]
    assert finetune.TrainingPrompt.of_training(qa, None, tokenizer).messages("Q?") == [{"role": "user", "content": "Q?"}]
    with_option = finetune.TrainingPrompt.of_training(qa, "Be brief.", tokenizer)
    assert with_option.system == "Be brief." and with_option.layout == ["system", "user", "assistant"]
    assert finetune.TrainingPrompt.of_training(chat, None, tokenizer).system == "Be terse."
    mixed = finetune.TrainingPrompt.of_training(chat + qa, None, tokenizer)
    assert mixed.system_varies and mixed.system is None
    for examples, system in [(qa, "Be brief."), (chat, None)]:
        prompt = finetune.TrainingPrompt.of_training(examples, system, tokenizer)
        assert _prompt_ids(tokenizer, prompt.messages("q")) == _trained_prompt_ids(tokenizer, examples[0], system)


# --------------------------------------------------------------------------------------------------
# cache


@pytest.mark.slow
def test_cached_adapter_trains_once(tmp_path, monkeypatch):
    monkeypatch.setattr(ft_train, "adapters_dir", lambda: tmp_path)
    examples = [{"question": "Capital of Quorvania?", "answer": "Velmora."}] * 4
    first = finetune.cached_adapter("toy", examples, **TINY)
    assert not first.cached and Path(first.adapter_dir).parent == tmp_path
    assert Path(first.adapter_dir).name.startswith("toy-")

    def no_training(*args, **kwargs):
        raise AssertionError("cached_adapter trained again although the adapter was cached")

    monkeypatch.setattr(ft_train, "train_lora", no_training)
    second = finetune.cached_adapter("toy", examples, **TINY)
    assert second.cached and second.adapter_dir == first.adapter_dir
    assert second.loss_history == first.loss_history
    assert second.training_prompt == first.training_prompt is not None
    # the tokens a hosted fine-tuning would bill: the encoded examples, times the epochs
    assert first.train_tokens > 4 * 5 and first.billed_tokens == first.train_tokens * TINY.get("epochs", 1)
    # an adapter cached before prompts and tokens were recorded gets both (exactly known) added on the next hit
    path = Path(first.adapter_dir) / ft_train.TRAIN_RECORD
    record = json.loads(path.read_text())
    path.write_text(json.dumps({k: v for k, v in record.items() if k not in ("prompt", "train_tokens")}))
    third = finetune.cached_adapter("toy", examples, **TINY)
    assert third.prompt == record["prompt"] and json.loads(path.read_text())["prompt"] == record["prompt"]
    assert third.train_tokens == record["train_tokens"] == json.loads(path.read_text())["train_tokens"]
    # a different configuration or different data is a different adapter
    with pytest.raises(AssertionError, match="trained again"):
        finetune.cached_adapter("toy", examples, **{**TINY, "lr": 1e-3})
    with pytest.raises(AssertionError, match="trained again"):
        finetune.cached_adapter("toy", examples[:3], **TINY)


def test_cache_key_ignores_progress_and_rejects_unknown_options():
    ex = [{"question": "q", "answer": "a"}]
    assert ft_train.adapter_key(ex, progress=True) == ft_train.adapter_key(ex, progress=False)
    assert ft_train.adapter_key(ex, rank=8) != ft_train.adapter_key(ex, rank=4)
    with pytest.raises(TypeError, match="epochz"):
        ft_train.adapter_key(ex, epochz=3)


# --------------------------------------------------------------------------------------------------
# command line


@pytest.mark.slow
def test_cli_finetune_trains_and_protects_output(tmp_path, capsys, monkeypatch):
    out = tmp_path / "plants-adapter"
    argv = ["finetune", str(FIXTURES / "plant_care.jsonl"), "--output", str(out), "--epochs", "1",
            "--batch-size", "6", "--quiet"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "trainable parameters:" in printed and "final loss:" in printed and "training time:" in printed
    assert (out / "adapter_config.json").is_file()
    before = (out / "adapter_model.safetensors").read_bytes()

    assert main(argv) == 2  # exists: refused, untouched
    assert "--force" in capsys.readouterr().err
    assert (out / "adapter_model.safetensors").read_bytes() == before

    calls = []
    fake = finetune.TrainResult(adapter_dir=str(out), seconds=0.0, trainable_params=1, total_params=2,
                                trainable_percent=50.0, final_loss=0.5)
    monkeypatch.setattr(ft_train, "train_lora", lambda examples, **kw: calls.append(kw) or fake)
    assert main([*argv, "--force", "--rank", "4"]) == 0  # with --force it trains (here: a stand-in)
    assert calls and calls[0]["overwrite"] is True and calls[0]["rank"] == 4 and calls[0]["alpha"] == 8


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["bad_json.jsonl"], "bad_json.jsonl:3: not valid JSON"),
        (["missing_answer.jsonl"], 'missing "answer"'),
        (["empty.jsonl"], "holds no examples"),
        (["plant_care.jsonl", "--lr", "0"], "--lr must be positive"),
    ],
)
def test_cli_errors_are_one_clear_line(tmp_path, capsys, args, expected):
    out = tmp_path / "adapter"
    code = main(["finetune", str(FIXTURES / args[0]), "--output", str(out), *args[1:]])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and err.count("\n") == 1
    assert not out.exists(), "nothing is written when the input is bad"


def test_cli_output_is_a_file(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    assert main(["finetune", str(FIXTURES / "plant_care.jsonl"), "--output", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert target.read_text() == "keep me"


def test_macro_f1_interval_matches_scikit_learn_resamples():
    import numpy as np
    from sklearn.metrics import f1_score

    from ragft.finetune import evaluate

    labels = ["billing", "sales", "account"]
    gold = ["billing"] * 6 + ["sales"] * 3 + ["account"] * 3
    pred = ["billing"] * 5 + ["sales", "sales", "(none)", "billing", "account", "billing", "account"]
    assert evaluate.macro_f1(gold, pred, labels) == f1_score(gold, pred, labels=labels, average="macro", zero_division=0)
    lo, hi = evaluate.bootstrap_macro_f1_ci(gold, pred, labels, n_boot=300, seed=1)
    # the same redraws, scored one by one with scikit-learn
    idx = np.random.default_rng(1).integers(0, len(gold), size=(300, len(gold)))
    ref = [f1_score([gold[i] for i in row], [pred[i] for i in row], labels=labels, average="macro", zero_division=0)
           for row in idx]
    assert (lo, hi) == pytest.approx(tuple(np.quantile(ref, [0.025, 0.975])))
    assert lo < evaluate.macro_f1(gold, pred, labels) < hi
    assert evaluate.bootstrap_macro_f1_ci(["sales"] * 4, ["sales"] * 4, labels) == (pytest.approx(1 / 3),) * 2


def test_ticket_few_shot_prompt_states_the_instruction_once():
    from ragft.finetune import evaluate

    labels = ["billing", "sales"]
    shots = [{"text": "Refund please", "label": "billing"}, {"text": "A quote for 40 units?", "label": "sales"}]
    messages = evaluate.ticket_few_shot_messages("Where is my invoice?", labels, shots)
    instruction, ticket = finetune.ticket_prompt("Where is my invoice?", labels).rsplit("\n\n", 1)
    assert messages[0] == {"role": "system", "content": instruction}
    assert [m["role"] for m in messages[1:]] == ["user", "assistant", "user", "assistant", "user"]
    assert [m["content"] for m in messages[2::2]] == ["billing", "sales"]
    assert messages[-1] == {"role": "user", "content": ticket} and ticket == "Ticket: Where is my invoice?"
    assert sum("billing, sales" in m["content"] for m in messages) == 1


# --------------------------------------------------------------------------------------------------
# micro-batches (gradient accumulation): the memory of a micro-batch, the update of the whole batch


def test_micro_batch_key_changes_only_when_the_batch_is_split():
    ex = [{"question": "q", "answer": "a"}]
    whole = ft_train.adapter_key(ex)
    assert ft_train.adapter_key(ex, micro_batch_size=None) == whole
    assert ft_train.adapter_key(ex, micro_batch_size=ft_train.DEFAULTS["batch_size"]) == whole
    assert ft_train.adapter_key(ex, micro_batch_size=4) != whole
    assert ft_train.adapter_key(ex, micro_batch_size=4) != ft_train.adapter_key(ex, micro_batch_size=2)
    for bad in (3, 0, -2, 2.5, True):
        with pytest.raises(ValueError, match="divisor of batch_size 8"):
            ft_train.adapter_key(ex, micro_batch_size=bad)


@pytest.mark.slow
def test_micro_batches_give_the_whole_batch_update(tmp_path, monkeypatch):
    """Without dropout, two micro-batches of 2 accumulated give the adapter one batch of 4 gives (same
    examples per step, loss normalised over the batch's supervised tokens), to within float32 rounding
    (bfloat16 autocast rounds each micro-batch's products differently, so the test pins float32)."""
    import torch
    from safetensors.torch import load_file

    monkeypatch.setenv("RAGFT_DTYPE", "float32")

    examples = finetune.load_training_data(FIXTURES / "plant_care.jsonl")
    settings = dict(epochs=1, batch_size=4, lr=5e-3, dropout=0.0, progress=False)
    whole = finetune.train_lora(examples, output_dir=tmp_path / "whole", **settings)
    split = finetune.train_lora(examples, output_dir=tmp_path / "split", micro_batch_size=2, **settings)
    assert split.steps == whole.steps and split.config["micro_batch_size"] == 2 and whole.config["micro_batch_size"] == 4
    for (s1, a), (s2, b) in zip(whole.loss_history, split.loss_history, strict=True):
        assert s1 == s2 and abs(a - b) < 1e-3 * max(1.0, abs(a)), (whole.loss_history, split.loss_history)
    wa = load_file(str(tmp_path / "whole" / "adapter_model.safetensors"))
    wb = load_file(str(tmp_path / "split" / "adapter_model.safetensors"))
    assert wa.keys() == wb.keys()
    moved = max((wa[k] - wb[k]).abs().max().item() for k in wa)
    scale = max(wa[k].abs().max().item() for k in wa)
    assert moved < 1e-3 * scale, (moved, scale)
    assert any("lora_B" in k and not torch.equal(wa[k], torch.zeros_like(wa[k])) for k in wa)  # B starts at zero
