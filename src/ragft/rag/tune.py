"""Fine-tune the *retriever*: adapt the embedder to the knowledge base with its own training questions.

Fine-tuning is not only for the generator. The general-purpose MiniLM embedder has never seen
"Ostrel A2" or "Pivra W1 Plus" and puts both near "a product page"; a few hundred (question, line
that answers it) pairs from the ``train`` split teach it which page and which line a question points
to. The training uses sentence-transformers' own trainer with ``MultipleNegativesRankingLoss``: for
each question, its line is the positive and every other line in the batch is a negative, so no
negatives need to be written by hand.

The questions of the test splits are never used. ``test_unseen`` asks about facts that no training
question mentions (other attributes of the same products and policies), so what the embedder
learns there is the vocabulary and layout of the knowledge base, not the answers.

:func:`tuned_embedder` caches the result under ``<cache>/embedders/<hash>`` (the hash covers the
training pairs, the settings and the base embedder), so it is trained once per machine; its id,
``tuned:<hash>``, is what indexes and the embedding cache record, and :func:`ragft.models.load_embedder`
resolves it to that folder.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import config
from .. import device as devices
from ..models import TUNED_PREFIX, tuned_dir  # noqa: F401 (re-exported) models resolves a tuned id, so it owns the folder rule
from .compress import split_units

TUNE_DEFAULTS = dict(epochs=1.0, lr=5e-5, batch_size=32, warmup=0.1, max_seq_length=64)
RECORD = "ragft_tune.json"


@dataclass
class TuneResult:
    embedder_id: str
    folder: str
    seconds: float
    n_pairs: int
    loss_history: list
    cached: bool


def training_pairs(questions: Sequence, docs: Sequence, *, paraphrases: bool = True) -> list[dict]:
    """``{"anchor": question, "positive": "title\\nline"}`` pairs: each question (and its paraphrases)
    with the line of its document that holds an accepted answer. Questions whose answer is on no
    single line (multi-document ones, say) are skipped."""
    from ..data import normalize

    by_id = {str(d.id): d for d in docs}
    pairs = []
    for q in questions:
        if getattr(q, "split", "train") != "train":
            raise ValueError(f"question {q.id} is from the {q.split!r} split; tune the embedder on train questions only")
        if len(q.doc_ids or []) != 1 or not q.answers or q.doc_ids[0] not in by_id:
            continue
        doc = by_id[q.doc_ids[0]]
        from .chunking import linearize_tables

        answers = [normalize(a) for a in q.answers if normalize(a)]
        lines = [u for u in split_units(linearize_tables(doc.text)) if any(a in normalize(u) for a in answers)]
        if not lines:
            continue
        title = str(getattr(doc, "title", "") or doc.id)
        texts = [q.question] + (list(getattr(q, "paraphrases", None) or []) if paraphrases else [])
        pairs.extend({"anchor": t, "positive": f"{title}\n{lines[0]}"} for t in texts)
    return pairs


def _key(pairs: Sequence[dict], settings: dict, base_id: str) -> str:
    record = {"pairs": list(pairs), "settings": settings, "base": base_id, "v": 1}
    device = devices.resolve()
    if device != devices.CPU:  # trained off the CPU: another folder (the CPU's keys stay as they were)
        record["device"] = device
    payload = json.dumps(record, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def tune_embedder(pairs: Sequence[dict], *, seed: int | None = None, progress: bool = True, force: bool = False,
                  **settings) -> TuneResult:
    """Fine-tune a copy of the course embedder on ``pairs`` (cached: a second call loads it)."""
    import copy

    from ..models import embedder_id, load_embedder

    if not pairs:
        raise ValueError("no training pairs: every question was skipped (need single-document questions with answers)")
    unknown = set(settings) - set(TUNE_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown setting(s) {sorted(unknown)}; choose from {sorted(TUNE_DEFAULTS)}")
    s = {**TUNE_DEFAULTS, **settings}
    seed = config.seed() if seed is None else seed
    base = embedder_id()
    key = _key(pairs, {**s, "seed": seed}, base)
    eid = TUNED_PREFIX + key
    folder = tuned_dir(eid)
    if (folder / RECORD).is_file() and not force:
        rec = json.loads((folder / RECORD).read_text())
        return TuneResult(eid, str(folder), rec["seconds"], rec["n_pairs"], rec["loss_history"], cached=True)

    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.losses import MultipleNegativesRankingLoss
    from transformers import TrainerCallback

    from .. import set_seed

    set_seed(seed)
    model = copy.deepcopy(load_embedder())
    model.max_seq_length = int(s["max_seq_length"])
    rows = list(pairs)
    random.Random(seed).shuffle(rows)
    losses: list = []

    class _Log(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kw):
            if logs and "loss" in logs:
                losses.append((int(state.global_step), float(logs["loss"])))

    tmp_root = Path(tempfile.mkdtemp(prefix="ragft-tune-"))
    try:
        args = SentenceTransformerTrainingArguments(
            output_dir=str(tmp_root / "trainer"), num_train_epochs=float(s["epochs"]),
            per_device_train_batch_size=int(s["batch_size"]), learning_rate=float(s["lr"]),
            warmup_steps=float(s["warmup"]), seed=seed, data_seed=seed, report_to=[], save_strategy="no",
            logging_steps=2, use_cpu=devices.resolve() == devices.CPU, batch_sampler="no_duplicates", disable_tqdm=not progress,
        )
        trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=Dataset.from_list(rows),
                                             loss=MultipleNegativesRankingLoss(model), callbacks=[_Log()])
        start = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - start
        model.max_seq_length = load_embedder().max_seq_length  # embed chunks as long as the base model does
        with config.atomic_folder(folder) as out:
            model.save(str(out))
            (out / RECORD).write_text(json.dumps({"embedder_id": eid, "base": base, "settings": s, "seed": seed,
                                                  "n_pairs": len(rows), "seconds": seconds, "loss_history": losses}))
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    return TuneResult(eid, str(folder), seconds, len(rows), losses, cached=False)


def course_tuned_embedder(*, paraphrases: bool = False, progress: bool = True) -> TuneResult:
    """The course's tuned embedder: trained on the ``train`` split's questions (with their paraphrases if
    asked: four times the pairs and the training time)."""
    from .. import data

    return tune_embedder(training_pairs(data.load_questions("train"), data.load_kb("v1"), paraphrases=paraphrases),
                         progress=progress)
