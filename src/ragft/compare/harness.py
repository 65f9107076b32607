"""One harness, the same questions and the same metrics for every system.

The systems and what each uses are in :mod:`ragft.compare.systems`, the settings in
:mod:`ragft.compare.settings` (:class:`CompareConfig`), the questions in :mod:`ragft.compare.questions`, the
index in :mod:`ragft.compare.indexes`, the scoring and paired differences in :mod:`ragft.compare.scoring`, the
training recipes in :mod:`ragft.finetune.recipes` (knowledge) and :mod:`ragft.hybrid.recipes` (RAFT, format).
This module runs them, in four phases: retrieve once for every retrieval system, train or reuse each
adapter, answer with each system, and score the update experiment.

:func:`run_comparison` evaluates them on the test splits (``test_seen``: facts that appear in the
training questions, asked in other words; ``test_unseen``: facts that do not; ``unanswerable``;
``multi_doc``: the multi-document questions of both test splits) and then runs the **update
experiment**: the knowledge base moves to version 2 (changed facts, added and retired documents).
The RAG index is updated in place (:meth:`ragft.rag.RagIndex.update`, timed); the fine-tuned
adapters are kept (or, with ``ft_update="retrain"``, the knowledge adapter is retrained on the v2
facts, timed), and every system is asked the changed-fact questions again: how many answers are
current (v2), and how many still give the old v1 value (stale)?

Everything that costs time is cached and reused: the index (``<cache>/compare/``), the adapters
(:func:`ragft.finetune.cached_adapter`) and the answers (:mod:`ragft.answers`). What came
from a cache is recorded, together with the time it originally cost.
"""

from __future__ import annotations

import gc
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import config
from ..answers import AnswerCache, cached_generate
from ..cost import shared_prefix
from ..data import check_house_format
from ..hybrid.formatting import answer_line
from ..hybrid.recipes import format_adapter, format_training_items, raft_adapter
from .backend import Backend
from .indexes import cached_index, kb_documents
from .questions import select_questions
from .scoring import (
    paired_differences,
    score_answer,
    split_records,
    summarize,
    summarize_update,
    update_differences,
    update_scores,
)
from .settings import CompareConfig
from .systems import ADAPTER, FORMAT_SYSTEMS, QUESTION_SPLITS, RETRIEVAL, SPLITS


def knowledge_adapter(cfg: CompareConfig, backend: Backend, version: str = "v1"):
    """Train (or reuse) the knowledge adapter for KB ``version``; returns its ``TrainResult``.

    The fine-tuning lab's recipe (:func:`ragft.finetune.recipes.knowledge_adapter`) on ``cfg``'s data
    folder, trained by ``backend``; for v1 with the default settings it is the lab's cached adapter.
    ``cfg.knowledge`` may override the settings (``paraphrases``, ``epochs``, ``lr``, ...).
    """
    from ..finetune import recipes

    overrides = {k: v for k, v in cfg.knowledge.items() if k != "paraphrases"}
    return recipes.knowledge_adapter(paraphrases=bool(cfg.knowledge.get("paraphrases")), progress=cfg.progress,
                                     version=version, root=cfg.data_root, overrides=overrides, seed=cfg.seed,
                                     train=backend.train)


def rag_pipeline(index, cfg: CompareConfig):
    """The retrieval half of the RAG systems (no model: the harness generates), with ``cfg``'s levers."""
    from ..rag import RagPipeline
    from ..rag.pipeline import calibrate_gate

    abstain: Any = cfg.abstain
    if cfg.abstain and cfg.data_root:  # another data folder: calibrate on its own train questions
        from ..data import load_questions

        settings = {"k": cfg.k, "search": cfg.search, "units": cfg.units, "template": cfg.template}
        abstain = calibrate_gate(index, load_questions("train", root=Path(cfg.data_root)), settings)
    return RagPipeline(None, None, index, k=cfg.k, template=cfg.template, search=cfg.search, units=cfg.units,
                       abstain=abstain, groups=cfg.groups or None)


def gated_generate(backend, model, tokenizer, prompts: Sequence, gate: Sequence[tuple[str, str, str]] | None, *,
                   claim=None, **kwargs):
    """``cached_generate`` for the prompts the abstention gate lets through; the others get "I don't know".

    ``gate[i]`` is ``(reason, sources_text, question)`` for prompt ``i`` (``None``: no gate, every prompt is asked).
    An answer that states a number, a name or a code absent from its sources is replaced too (the gate's
    grounding checks, :meth:`ragft.rag.abstain.AbstentionGate.check_answer`);
    ``claim(answer)`` gives the part of the answer that check reads (default: all of it; a house-format
    reply's ``Answer:`` line, whose "Next step" may mention numbers of its own).
    Returns the generation (lists as long as ``prompts``) and the reason per prompt (``""``: answered).
    """
    from ..rag.abstain import AbstentionGate
    from ..rag.prompts import IDK

    check = AbstentionGate().check_answer

    reasons = [g[0] for g in gate] if gate is not None else [""] * len(prompts)
    ask = [i for i, r in enumerate(reasons) if not r]
    gen = cached_generate(backend.generate, model, tokenizer, [prompts[i] for i in ask], render=backend.render, **kwargs)
    n = len(prompts)
    texts, secs, ptok, ntok, cached = [f"{IDK}."] * n, [0.0] * n, [0] * n, [0] * n, [False] * n
    for j, i in enumerate(ask):
        texts[i], secs[i], ptok[i], ntok[i], cached[i] = (gen.texts[j], gen.per_item_seconds[j], gen.prompt_tokens[j],
                                                          gen.new_tokens[j], gen.from_cache[j])
        why = check(claim(gen.texts[j]) if claim else gen.texts[j], gate[i][1], gate[i][2]) if gate is not None else ""
        if why:
            reasons[i], texts[i] = why, f"{IDK}."
    gen.texts, gen.per_item_seconds, gen.prompt_tokens, gen.new_tokens, gen.from_cache = texts, secs, ptok, ntok, cached
    return gen, reasons


def _prompts_for(system: str, questions: Sequence, rag_prompts: dict[str, list], model=None) -> list:
    from ..finetune import KNOWLEDGE_SYSTEM
    from ..models import to_messages
    from ..rag import build_closed_book_prompt

    if RETRIEVAL[system]:
        return [rag_prompts[q.id] for q in questions]
    if system == "ft":  # the fine-tuned model is asked exactly as it was trained (its recorded training prompt)
        trained = getattr(model, "ragft_prompt", None)  # None: an adapter from before prompts were recorded
        return [trained.messages(q.question) if trained else to_messages(q.question, KNOWLEDGE_SYSTEM) for q in questions]
    return [build_closed_book_prompt(q.question) for q in questions]


def _format_prompts(questions: Sequence, sources: dict[str, list], shots: Sequence, template) -> list:
    from ..hybrid.formatting import format_prompt

    return [format_prompt(q.question, sources[q.id], shots, template) for q in questions]



def _gate_entry(p, question) -> tuple[str, str, str]:
    """What the gate decided before generation for one prepared prompt: its reason ("" to ask), the sources' text
    and the question (the grounding check after generation reads the last two)."""
    return (p.decision.reason if p.decision and p.decision.abstain else "", p.context, question)


@dataclass
class Retrieval:
    """Phase 1: the retrieval every retrieval system shares, before and (for the changed facts) after the update."""

    index: Any = None
    index_info: dict = field(default_factory=dict)
    pipe: Any = None
    update_info: dict = field(default_factory=dict)
    prompts: dict[str, list] = field(default_factory=dict)
    sources: dict[str, list] = field(default_factory=dict)  # the hits behind each prompt (the format prompt lays them out again)
    ms: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    gate: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # question id -> _gate_entry
    after_prompts: dict[str, list] = field(default_factory=dict)
    after_sources: dict[str, list] = field(default_factory=dict)
    after_ms: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    gate_after: dict[str, tuple[str, str, str]] = field(default_factory=dict)


def retrieve(cfg: CompareConfig, questions: Sequence, changed: Sequence, run_update: bool, say=lambda msg: None) -> Retrieval:
    """Phase 1: load (or build) the v1 index, retrieve for every question, and, for the update experiment,
    update a copy of the index to KB v2 (timed) and retrieve again for the changed-fact questions."""
    from ..rag import Embedder, RagIndex

    r = Retrieval()
    if not any(RETRIEVAL[s] for s in cfg.systems):
        return r
    say("loading the v1 index")
    r.index, r.index_info = cached_index("v1", cfg, progress=cfg.progress)
    r.pipe = rag_pipeline(r.index, cfg)
    r.index.embedder.embed_queries(["warm-up"])  # load the embedder before the clock starts
    prepared, ms = r.pipe.prepare([q.question for q in questions])
    for q, p in zip(questions, prepared, strict=True):
        r.prompts[q.id], r.sources[q.id] = p.prompt, p.sources
        r.ms[q.id] = sum(ms.values()) / len(questions)
        r.gate[q.id] = _gate_entry(p, q.question)
    if run_update:
        say("updating a copy of the index to KB v2")
        index_v2 = RagIndex.load(r.index.path)
        index_v2.embedder = Embedder(model_id=r.index.embedder.id, cache=False)  # time the real cost: changed chunks are embedded again
        index_v2.embedder.embed_queries(["warm-up"])
        report = index_v2.update(kb_documents("v2", cfg.data_root))
        r.update_info = {"seconds": report.seconds, "docs_added": report.docs_added,
                         "docs_updated": report.docs_updated, "docs_removed": report.docs_removed,
                         "docs_unchanged": report.docs_unchanged, "chunks_added": report.chunks_added,
                         "chunks_removed": report.chunks_removed, "chunks_total": report.chunks_total}
        index_v2.embedder = Embedder(model_id=r.index.embedder.id)  # compression embeds lines: through the cache
        prepared2, ms2 = rag_pipeline(index_v2, cfg).prepare([q.question for q in changed])
        for q, p in zip(changed, prepared2, strict=True):
            r.after_prompts[q.id], r.after_sources[q.id] = p.prompt, p.sources
            r.after_ms[q.id] = sum(ms2.values()) / len(changed)
            r.gate_after[q.id] = _gate_entry(p, q.question)
    return r


@dataclass
class Adapters:
    """Phase 2: the adapters the systems carry (``TrainResult`` by kind), what their training data held, and the
    worked examples of ``format_prompt_rag``."""

    trained: dict[str, Any] = field(default_factory=dict)
    raft_info: dict = field(default_factory=dict)
    format_info: dict = field(default_factory=dict)
    shots: list = field(default_factory=list)


def prepare_adapters(cfg: CompareConfig, backend: Backend, r: Retrieval, run_update: bool, say=lambda msg: None) -> Adapters:
    """Phase 2: train (or reuse from the adapter cache) every adapter the systems need."""
    a = Adapters()
    if any(ADAPTER[s] == "knowledge" for s in cfg.systems):
        say("knowledge adapter (cached after the first run)")
        a.trained["knowledge"] = knowledge_adapter(cfg, backend)
    if "raft" in cfg.systems:
        say("RAFT adapter (cached after the first run)")
        a.trained["raft"], a.raft_info = raft_adapter(cfg, backend, r.index)
    training = format_training_items(cfg, r.pipe) if set(cfg.systems) & set(FORMAT_SYSTEMS) else None  # retrieved once
    if "format_rag" in cfg.systems:
        say("house-format adapter for RAG prompts (cached after the first run)")
        a.trained["format"], a.format_info = format_adapter(cfg, backend, r.pipe, training)
    if "format_prompt_rag" in cfg.systems and cfg.format_shots:  # the format adapter's first training replies
        items, sources, _ = training
        a.shots = [(it.question, src, it.reply) for it, src in list(zip(items, sources, strict=True))[: cfg.format_shots]]
    if run_update and cfg.ft_update == "retrain" and "knowledge" in a.trained:
        say("retraining the knowledge adapter on the v2 facts")
        a.trained["knowledge-v2"] = knowledge_adapter(cfg, backend, "v2")
    return a


def _preparation_cost(system: str, r: Retrieval, a: Adapters) -> dict:
    """What a system cost before its first answer: the index (and a tuned retriever) and its adapter's training."""
    cost: dict[str, Any] = {}
    kind = ADAPTER[system]
    prep = 0.0
    prep_parts = []
    if RETRIEVAL[system]:
        info = r.index_info
        prep += info["seconds"]
        prep_parts.append(f"index build {info['seconds']:.1f} s" + (" (cached)" if info["cached"] else ""))
        if "tune_seconds" in info:  # the retriever fine-tuned on the train questions
            prep += info["tune_seconds"]
            prep_parts.append(f"retriever tuning {info['tune_seconds']:.1f} s" + (" (cached)" if info["tune_cached"] else ""))
            cost["tune_seconds"] = info["tune_seconds"]
    if kind:
        tr = a.trained[kind]
        prep += tr.seconds
        prep_parts.append(f"{kind} training {tr.seconds:.1f} s" + (" (cached)" if tr.cached else ""))
        cost["train_seconds"] = tr.seconds
        cost["train_cached"] = bool(tr.cached)
        cost["adapter_mb"] = tr.adapter_bytes / 1e6
        cost["train_examples"] = tr.n_examples
        cost["train_steps"] = tr.steps
        cost["train_billed_tokens"] = tr.billed_tokens  # what a hosted fine-tuning would bill: tokens x epochs
    if RETRIEVAL[system]:
        cost["index_seconds"] = r.index_info["seconds"]
        cost["index_cached"] = bool(r.index_info["cached"])
    cost["prep_seconds"] = prep
    cost["prep"] = ", ".join(prep_parts) or "none"
    return cost


def answer_system(system: str, cfg: CompareConfig, backend: Backend, questions: Sequence, changed: Sequence,
                  run_update: bool, r: Retrieval, a: Adapters, cache) -> tuple[list[dict], dict | None, dict]:
    """Phase 3, one system: answer every question (and, after the update, the changed-fact questions that need
    a new answer), score each answer. Returns the per-question records, the update's raw answers
    (``{"_before", "_after"}``, or ``None`` without the update) and the system's costs."""
    t0 = time.perf_counter()
    kind = ADAPTER[system]
    adapter_dir = a.trained[kind].adapter_dir if kind else None
    model, tokenizer = backend.load(adapter_dir)
    if system == "format_prompt_rag":
        prompts = _format_prompts(questions, r.sources, a.shots, cfg.template)
    else:
        prompts = _prompts_for(system, questions, r.prompts, model)
    extra = []  # the changed-fact questions after the update, when they need a new answer
    if run_update and RETRIEVAL[system] and not (cfg.ft_update == "retrain" and kind == "knowledge"):
        extra = (_format_prompts(changed, r.after_sources, a.shots, cfg.template) if system == "format_prompt_rag"
                 else [r.after_prompts[q.id] for q in changed])
    gates = None
    if RETRIEVAL[system] and cfg.abstain:
        gates = [r.gate[q.id] for q in questions] + ([r.gate_after[q.id] for q in changed] if extra else [])
    gen, reasons = gated_generate(backend, model, tokenizer, prompts + extra, gates,
                                  claim=answer_line if system in FORMAT_SYSTEMS else None,
                                  fingerprint=backend.fingerprint(adapter_dir), cache=cache,
                                  max_new_tokens=cfg.max_new_tokens, batch_size=cfg.batch_size,
                                  progress=system if cfg.progress else False, read=not cfg.refresh_cache)
    del model
    gc.collect()
    records = []
    for i, q in enumerate(questions):
        records.append({"system": system, "id": q.id, "split": q.split, "type": q.type, "question": q.question,
                        "answer": gen.texts[i], "gold": list(q.answers or []),
                        **score_answer(answer_line(gen.texts[i]) if system in FORMAT_SYSTEMS else gen.texts[i], q),
                        "format_ok": check_house_format(gen.texts[i]),
                        "retrieval_ms": r.ms[q.id] if RETRIEVAL[system] else 0.0,
                        "generation_ms": gen.per_item_seconds[i] * 1000, "prompt_tokens": gen.prompt_tokens[i],
                        "new_tokens": gen.new_tokens[i], "from_cache": gen.from_cache[i], "gate": reasons[i]})
    raw = None
    if run_update:
        answers = {q.id: gen.texts[i] for i, q in enumerate(questions)}
        before = [answers[q.id] for q in changed]
        after = gen.texts[len(questions):] if extra else before
        if system in FORMAT_SYSTEMS:  # scored on the Answer line, as above
            before, after = [answer_line(t) for t in before], [answer_line(t) for t in after]
        raw = {"_before": before, "_after": after}
    n_gated = sum(bool(g[0]) for g in gates) if gates is not None else 0  # answered by the gate, not the model
    cost = {"seconds": time.perf_counter() - t0, "generated": len(gen.texts) - n_gated - gen.n_cached,
            "from_cache": gen.n_cached, "gated": n_gated, "generation_seconds": gen.seconds,
            "peak_rss_mb": config.peak_rss_mb(), **_preparation_cost(system, r, a),
            "shared_prefix_tokens": shared_prefix([backend.prompt_ids(tokenizer, p) for p in prompts])}
    return records, raw, cost


def answer_after_retraining(cfg: CompareConfig, backend: Backend, changed: Sequence, r: Retrieval, a: Adapters,
                            update: dict, cache) -> None:
    """Phase 3, after the update: the systems that carry the retrained knowledge adapter answer the changed-fact
    questions again (their ``_after`` answers in ``update`` are replaced)."""
    tr2 = a.trained["knowledge-v2"]
    model, tokenizer = backend.load(tr2.adapter_dir)
    for system in [s for s in cfg.systems if ADAPTER[s] == "knowledge"]:
        prompts = [r.after_prompts[q.id] for q in changed] if RETRIEVAL[system] else _prompts_for(system, changed, {}, model)
        gates = [r.gate_after[q.id] for q in changed] if RETRIEVAL[system] and cfg.abstain else None
        gen, _ = gated_generate(backend, model, tokenizer, prompts, gates,
                                fingerprint=backend.fingerprint(tr2.adapter_dir), cache=cache,
                                max_new_tokens=cfg.max_new_tokens, batch_size=cfg.batch_size,
                                read=not cfg.refresh_cache)
        update[system]["_after"] = gen.texts
    del model
    gc.collect()


def score_update(cfg: CompareConfig, changed: Sequence, r: Retrieval, a: Adapters, update: dict):
    """Phase 4: each system's update summary (changed-fact accuracy and stale rate, before and after, what the update
    did and what it cost), in place of its raw answers in ``update``; returns the after-update scores by system."""
    after_scores: dict[str, tuple[list[float], list[float]]] = {}
    for system in cfg.systems:
        raw = update[system]
        after_scores[system] = update_scores(raw["_after"], changed)
        u = summarize_update(raw.pop("_before"), raw.pop("_after"), changed, seed=cfg.seed)
        kind = ADAPTER[system]
        index_seconds = r.update_info.get("seconds", 0.0) if RETRIEVAL[system] else 0.0
        parts = []
        if kind == "knowledge" and "knowledge-v2" in a.trained:
            tr2 = a.trained["knowledge-v2"]
            parts.append("retrained the knowledge adapter on the v2 facts" + (" (training time from the adapter cache)" if tr2.cached else ""))
            u.update(retrain_seconds=tr2.seconds, retrain_billed_tokens=tr2.billed_tokens)
        elif kind == "knowledge":
            parts.append("kept the old knowledge adapter")
            u["retrain_seconds_estimate"] = a.trained["knowledge"].seconds  # same amount of data as the v1 training
            u["retrain_billed_tokens_estimate"] = a.trained["knowledge"].billed_tokens
        elif kind == "raft":
            parts.append("kept the RAFT adapter")
        if RETRIEVAL[system]:
            parts.append("updated the index in place (changed documents re-embedded)")
        u["update_seconds"] = index_seconds + u.get("retrain_seconds", 0.0)
        u["update_method"] = "; ".join(parts) or "nothing to update: the model's weights stay as they are"
        update[system] = u
    return after_scores


def run_comparison(cfg: CompareConfig | None = None, *, backend: Backend | None = None):
    """Evaluate every system in ``cfg.systems`` and run the update experiment; returns :class:`Results`."""
    from .. import __version__, set_seed
    from .report import Results, environment

    cfg = cfg or CompareConfig()
    backend = backend or Backend()
    set_seed(cfg.seed)
    start = time.perf_counter()
    say = (lambda msg: print(f"[compare] {msg}", file=sys.stderr, flush=True)) if cfg.progress else (lambda msg: None)

    by_split = select_questions(cfg.limit, cfg.seed, cfg.data_root, cfg.splits)
    questions = [q for s in QUESTION_SPLITS for q in by_split[s]]
    changed = [q for q in questions if q.type == "changed" and q.v2_answers and q.split in ("test_seen", "test_unseen")]
    run_update = cfg.update and bool(changed)
    cache = AnswerCache(cfg.cache_root_path() / "answers") if cfg.use_cache else None
    notes: list[str] = []

    r = retrieve(cfg, questions, changed, run_update, say)
    a = prepare_adapters(cfg, backend, r, run_update, say)
    records: list[dict] = []
    update: dict[str, dict] = {}
    costs: dict[str, dict] = {}
    for system in cfg.systems:
        recs, raw, costs[system] = answer_system(system, cfg, backend, questions, changed, run_update, r, a, cache)
        records += recs
        if raw is not None:
            update[system] = raw
        c = costs[system]
        say(f"{system}: {c['generated']} answers generated, {c['from_cache']} reused, {c['seconds']:.1f} s")
    if run_update and "knowledge-v2" in a.trained:
        answer_after_retraining(cfg, backend, changed, r, a, update, cache)
    after_scores = score_update(cfg, changed, r, a, update) if run_update else {}

    results_config = cfg.to_dict()
    results_config.update(
        n_questions={s: len(by_split[s]) for s in SPLITS},
        n_changed=len(changed),
        index=r.index_info,
        index_update=r.update_info,
        raft_data=a.raft_info,
        format_data=a.format_info,
        answer_cache=config.display_path(cache.path) if cache is not None else None,
        ragft_version=__version__,
    )
    systems = {}
    for system in cfg.systems:
        recs = [rec for rec in records if rec["system"] == system]
        systems[system] = {split: summarize(split_records(recs, split), seed=cfg.seed) for split in SPLITS}
    differences = paired_differences(records, seed=cfg.seed)
    upd_differences = update_differences(after_scores, seed=cfg.seed) if run_update else {}
    if cache is not None:
        cache.close()
    total = time.perf_counter() - start
    if not run_update and cfg.update:
        notes.append("no changed-fact questions among the selected questions: the update experiment was skipped")
    return Results(systems=systems, update=update, config=results_config, costs=costs, records=records,
                   environment=environment(), seconds=total, notes=notes, differences=differences,
                   update_differences=upd_differences)
