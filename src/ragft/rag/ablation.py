"""An ablation: add one lever at a time and measure what each buys and what it costs.

:class:`Ablation` (one step at a time) and :func:`run_ablation` (a list of steps) evaluate of named pipelines on the same answerable and unanswerable
questions and return one row per step (recall@1, accuracy with its interval, the paired difference
from the step before, abstention and false abstention, prompt tokens, milliseconds per answer).
:func:`oracle` puts the reader in front of the right document only (the gold document's chunks, or its
best lines), which is the ceiling a perfect retriever would give this reader; :func:`gold_line` goes one
step further and gives the reader nothing but the line that holds the answer, the ceiling of a perfect
retriever *and* a perfect compressor: what is left is the reader's own limit. Lab 1 uses both; the
benchmark script ``bench/bench_rag.py`` prints the same rows on the full splits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import metrics as M
from .pipeline import Evaluation, RagPipeline, evaluate


@dataclass
class StepResult:
    """One row of the ablation table, plus the evaluations it came from."""

    name: str
    settings: dict[str, Any]
    answerable: Evaluation
    unanswerable: Evaluation | None = None
    row: dict[str, Any] = field(default_factory=dict)


def _ms_per_answer(ev: Evaluation) -> float:
    keys = ("embed_ms", "search_ms", "compress_ms", "gate_ms", "generate_ms")
    recs = ev.records
    return sum(sum(r.get(k, 0.0) for k in keys) for r in recs) / max(len(recs), 1)


def _row(name: str, pipe: RagPipeline, ans: Evaluation, una: Evaluation | None, before: Evaluation | None) -> dict[str, Any]:
    m = ans.metrics
    row = {
        "step": name,
        "recall@1": m.get("recall@1", float("nan")),
        "accuracy": m["accuracy"],
        "accuracy_ci": m["accuracy_ci"],
        "false_abstention": m["false_abstention_rate"],
        "abstention": una.metrics["abstention_rate"] if una is not None else float("nan"),
        "prompt_tokens": m["prompt_tokens"],
        "ms_per_answer": _ms_per_answer(ans),
        "n": m["n_answerable"],
        "n_unanswerable": una.metrics["n"] if una is not None else 0,
    }
    if before is not None:
        cmp = M.compare_paired([r["correct"] for r in ans.records if r["answerable"]],
                               [r["correct"] for r in before.records if r["answerable"]])
        row["gain"], row["gain_ci"] = cmp["diff"], cmp["ci"]
    return row


class Ablation:
    """An ablation built one step at a time: ``add(name, pipeline)`` evaluates one step and compares it with
    the step before.

    Lab 1 adds each lever in a cell of its own, so a slow machine pauses between levers instead of spending
    ten minutes in one cell, and a learner who interrupts loses one step (answers are cached by the
    pipelines, so the steps already run are read back).
    """

    def __init__(self, answerable: Sequence, unanswerable: Sequence = (), *, progress: bool = True):
        self.answerable, self.unanswerable, self.progress = list(answerable), list(unanswerable), progress
        self.results: list[StepResult] = []

    def add(self, name: str, pipe: RagPipeline) -> StepResult:
        bar = (lambda part: f"{name}: {part}") if self.progress else (lambda part: False)
        ans = evaluate(pipe, self.answerable, progress=bar("answerable"))
        una = evaluate(pipe, self.unanswerable, progress=bar("unanswerable")) if self.unanswerable else None
        row = _row(name, pipe, ans, una, self.results[-1].answerable if self.results else None)
        self.results.append(StepResult(name, pipe.settings(), ans, una, row))
        return self.results[-1]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [r.row for r in self.results]

    def table(self) -> str:
        return format_table(self.rows)


def run_ablation(steps: Sequence[tuple[str, RagPipeline]], answerable: Sequence, unanswerable: Sequence = (), *,
                 progress: bool = True) -> list[StepResult]:
    """Evaluate each ``(name, pipeline)`` in turn on the same questions; each row compares with the row before."""
    ablation = Ablation(answerable, unanswerable, progress=progress)
    for name, pipe in steps:
        ablation.add(name, pipe)
    return ablation.results


def oracle(pipe: RagPipeline, questions: Sequence, *, progress: bool = False) -> Evaluation:
    """``pipe``'s reader with retrieval restricted to each question's gold documents (a perfect retriever).

    Everything else (compression, number of sources, prompt, generation settings) stays as in ``pipe``;
    the gate is not consulted, since the right text is in front of the reader by construction.
    """
    qs = [q for q in questions if getattr(q, "doc_ids", None)]
    if not qs:
        raise ValueError("the oracle needs questions with gold doc_ids")
    gate, pipe.gate = pipe.gate, None
    try:
        return evaluate(pipe, qs, filters=[{"doc_id": list(q.doc_ids)} for q in qs], progress=progress)
    finally:
        pipe.gate = gate


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The ablation rows as a fixed-width text table (fits an 100-character notebook output)."""
    head = f"{'step':<26}{'R@1':>5}{'accuracy':>9}{'gain [95% CI]':>20}{'abstain':>8}{'false':>6}{'tokens':>7}{'ms':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        gain = f"{r['gain']:+.0%} [{r['gain_ci'][0]:+.0%},{r['gain_ci'][1]:+.0%}]" if "gain" in r else ""
        rec = f"{r['recall@1']:.2f}" if r["recall@1"] == r["recall@1"] else "-"
        ab = f"{r['abstention']:.0%}" if r["abstention"] == r["abstention"] else "-"
        lines.append(f"{r['step']:<26.26}{rec:>5}{r['accuracy']:>9.0%}{gain:>20}{ab:>8}{r['false_abstention']:>6.0%}"
                     f"{r['prompt_tokens']:>7.0f}{r['ms_per_answer']:>6.0f}")
    return "\n".join(lines)


@dataclass
class GoldLine:
    """The reader in front of the one line that holds the answer: accuracy with its interval, and the records."""

    accuracy: float
    ci: tuple[float, float]
    n: int  # questions whose gold line was found (and asked)
    n_missing: int  # answerable questions whose answer is on no single line of their gold documents
    records: list[dict[str, Any]]


def gold_line(pipe: RagPipeline, questions: Sequence, *, progress: bool | str = False) -> GoldLine:
    """``pipe``'s reader asked each answerable question over the line (unit, :func:`~ragft.rag.compress.split_units`)
    of its gold documents that contains a gold answer (of several, the one that covers most of the question's
    keywords), under the document's title, in ``pipe``'s prompt template.

    No retrieval, no compression, no gate: accuracy here is the most that better retrieval or compression could
    give this reader. Answers go through ``pipe``'s answer cache when it has one.
    """
    from ..answers import cached_generate
    from ..models import chat_text, generate
    from .abstain import coverage
    from .compress import Passage, _doc_units
    from .pipeline import clean_answer, index_idf
    from .prompts import build_rag_prompt

    if pipe.index is None:
        raise ValueError("gold_line needs a pipeline with an index (the gold documents' lines come from it)")
    asked, prompts, missing = [], [], 0
    idf = index_idf(pipe.index)
    for q in questions:
        if not getattr(q, "answers", None):
            continue
        candidates = []  # (keyword coverage of the question, document, line) of every line holding an answer
        for d in getattr(q, "doc_ids", None) or []:
            if pipe.index.docs.get(d, {}).get("chunks"):
                candidates += [(coverage(q.question, unit, idf), d, unit) for _label, unit in _doc_units(pipe.index, d, None)
                               if M.answer_correct(unit, q.answers)]
        found = None
        if candidates:  # a bare number ("100") can occur on several lines: take the one closest to the question
            _, d, unit = max(candidates, key=lambda c: c[0])
            chunk = pipe.index.chunks[pipe.index.docs[d]["chunks"][0]]
            found = Passage(doc_id=d, title=chunk.title, units=[unit], scores=[1.0], chunk=chunk).as_hit(1)
        if found is None:
            missing += 1
            continue
        asked.append((q, found.chunk.text))
        prompts.append(build_rag_prompt(q.question, [found], pipe.template))
    if not prompts:
        raise ValueError("no answerable question has its answer on one line of its gold documents")
    kw = dict(max_new_tokens=pipe.max_new_tokens, batch_size=pipe.batch_size, progress=progress)
    if pipe.cache is not None:
        gen = cached_generate(generate, pipe.model, pipe.tokenizer, prompts, render=chat_text,
                              fingerprint=pipe.model.ragft_fingerprint, cache=pipe.cache, **kw)
    else:
        gen = generate(pipe.model, pipe.tokenizer, prompts, **kw)
    records = []
    for (q, line), text in zip(asked, gen.texts, strict=True):
        answer = clean_answer(text) if pipe.clean else text
        records.append({"id": q.id, "type": getattr(q, "type", None), "question": q.question, "line": line,
                        "answer": answer, "correct": M.answer_correct(answer, q.answers)})
    scores = [float(r["correct"]) for r in records]
    return GoldLine(sum(scores) / len(scores), M.bootstrap_ci(scores), len(records), missing, records)
