"""The leak test: do documents reach people who may not read them?

Several users with different groups ask the same questions through three versions of the same RAG
system, which differ only in where access control sits:

* ``"none"``: no access control (every document is a candidate for everyone);
* ``"post"``: rank the whole index as if the asker could read everything, then drop from the ranked
  list what the asker may not read (a common retrofit: filter the results of an existing search);
* ``"pre"``: the course's way (:mod:`ragft.rag.access`): the asker's filter is applied inside the
  search, so a document the asker may not read is never a candidate.

For every (user, question) the test counts *prompt leaks* (the prompt holds a passage of a document the
user may not read) and *answer leaks* (the answer states a confidential fact the user may not read: a
gold answer of a question whose document is confidential), and, for questions the user may read, whether
the gold document still reached the prompt (what access control costs in recall).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import metrics as M
from ..rag.access import ALL, access_filter, can_read, first_chunk
from ..rag.pipeline import RagPipeline

#: the course's users: an outsider, an employee, and three employees of teams that hold confidential documents
USERS: dict[str, tuple[str, ...]] = {
    "visitor": (),
    "employee": ("staff",),
    "hr": ("staff", "hr"),
    "security": ("staff", "security"),
    "exec": ("staff", "exec"),
}
FILTER_MODES = ("none", "post", "pre")
MODE_LABELS = {"none": "no access control", "post": "filter after ranking", "pre": "filter before ranking (course)"}


@dataclass(frozen=True)
class Fact:
    """A confidential fact: the accepted wordings of one gold answer and the document that holds it."""

    fact_id: str
    doc_id: str
    aliases: tuple[str, ...]
    access: str
    groups: tuple[str, ...]

    def stated_in(self, answer: str) -> bool:
        return M.answer_correct(answer, self.aliases)


def confidential_facts(questions: Sequence, index) -> list[Fact]:
    """The facts of ``questions`` whose gold document is confidential, less any fact that a public or
    internal document also states (it would not be a secret, and the counter would flag it wrongly)."""
    open_text = "\n".join(c.text for c in index.chunks.values() if c.access != "confidential")
    out: dict[str, Fact] = {}
    for q in questions:
        if not getattr(q, "answers", None) or len(q.doc_ids or []) != 1:
            continue
        chunk = first_chunk(index, q.doc_ids[0])
        if chunk is None or chunk.access != "confidential":
            continue
        if M.answer_correct(open_text, q.answers):
            continue
        key = getattr(q, "fact_id", None) or q.id
        out.setdefault(key, Fact(key, q.doc_ids[0], tuple(q.answers), chunk.access, tuple(chunk.groups)))
    return list(out.values())


class PostFilterPipeline(RagPipeline):
    """A RAG pipeline that ranks the whole index, then drops the hits the asker may not read
    (the ``"post"`` variant of the leak test; do not use it to serve anyone)."""

    def __init__(self, *args, groups=None, **kwargs):
        super().__init__(*args, groups=ALL, **kwargs)
        self.post_groups = groups
        self._post = access_filter(groups)

    def _retrieve(self, questions, filter, filters=None, vectors=None):
        hits, vectors, embed_ms, search_ms = super()._retrieve(questions, filter, filters, vectors)
        if self._post is not None:
            hits = [[h for h in row if self._post(h.chunk)] for row in hits]
        return hits, vectors, embed_ms, search_ms


def make_pipeline(mode: str, model, tokenizer, index, groups, **kwargs) -> RagPipeline:
    """The RAG system of the leak test for ``mode`` (see :data:`FILTER_MODES`) and an asker in ``groups``."""
    if mode == "none":
        return RagPipeline(model, tokenizer, index, groups=ALL, **kwargs)
    if mode == "post":
        return PostFilterPipeline(model, tokenizer, index, groups=groups, **kwargs)
    if mode == "pre":
        return RagPipeline(model, tokenizer, index, groups=groups, **kwargs)
    raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(FILTER_MODES)}")


@dataclass
class LeakReport:
    """Per (mode, user, question) records and the totals per mode."""

    records: list[dict[str, Any]]
    users: dict[str, tuple[str, ...]]
    n_questions: int
    facts: list[Fact] = field(default_factory=list)

    def totals(self) -> dict[str, dict[str, Any]]:
        out = {}
        for mode in dict.fromkeys(r["mode"] for r in self.records):
            rows = [r for r in self.records if r["mode"] == mode]
            authorised = [r for r in rows if r["gold_readable"]]
            out[mode] = {
                "pairs": len(rows),
                "prompt_leaks": sum(r["prompt_leak"] for r in rows),
                "conf_prompt_leaks": sum(r["conf_prompt_leak"] for r in rows),
                "answer_leaks": sum(bool(r["leaked_facts"]) for r in rows),
                "recall": sum(r["gold_in_prompt"] for r in authorised) / len(authorised) if authorised else float("nan"),
                "empty": sum(r["empty"] for r in rows),
                "n_authorised": len(authorised),
            }
        return out

    def by_user(self, mode: str) -> dict[str, dict[str, int]]:
        out = {}
        for user in self.users:
            rows = [r for r in self.records if r["mode"] == mode and r["user"] == user]
            out[user] = {"prompt_leaks": sum(r["prompt_leak"] for r in rows), "answer_leaks": sum(bool(r["leaked_facts"]) for r in rows)}
        return out

    def examples(self, mode: str, n: int = 3) -> list[dict[str, Any]]:
        """Answer leaks of ``mode``, most instructive first (an outsider before an employee)."""
        rows = [r for r in self.records if r["mode"] == mode and r["leaked_facts"]]
        order = {u: i for i, u in enumerate(self.users)}
        return sorted(rows, key=lambda r: order[r["user"]])[:n]


def leak_test(model, tokenizer, index, questions: Sequence, *, users: Mapping[str, Sequence[str]] | None = None,
              modes: Sequence[str] = FILTER_MODES, facts: Sequence[Fact] | None = None, cache: bool = True,
              progress: bool = True, **pipeline_kwargs) -> LeakReport:
    """Ask every question as every user through each mode's pipeline and record what leaked.

    ``questions``: :class:`ragft.data.Question`-like objects (``question``, ``answers``, ``doc_ids``);
    ``facts``: the confidential facts to look for in answers (default :func:`confidential_facts` of the
    questions). Answers go through the answer cache, so a prompt two users share is generated once.
    """
    from tqdm.auto import tqdm

    users = dict(users or USERS)
    questions = list(questions)
    facts = list(facts if facts is not None else confidential_facts(questions, index))
    texts = [q.question for q in questions]
    vectors = index.embedder.embed_queries(texts)
    gold_docs = [list(getattr(q, "doc_ids", None) or []) for q in questions]
    records: list[dict[str, Any]] = []
    runs = [(m, u) for m in modes for u in users]
    shared: dict[str, list] = {}
    for mode, user in tqdm(runs, desc="leak test (mode x user)", disable=not progress):
        groups = users[user]
        if mode == "none" and "none" in shared:
            answers = shared["none"]  # no access control: every user gets the same prompt
        else:
            pipe = make_pipeline(mode, model, tokenizer, index, groups or None, cache=cache, **pipeline_kwargs)
            answers = pipe.answer(texts, vectors=vectors)
            if mode == "none":
                shared["none"] = answers
        for q, gold, a in zip(questions, gold_docs, answers, strict=True):
            unread = [s for s in a.sources if not can_read(s, groups)]
            readable_gold = bool(gold) and all((c := first_chunk(index, d)) is not None and can_read(c, groups) for d in gold)
            records.append({
                "mode": mode, "user": user, "id": q.id, "type": getattr(q, "type", None), "question": q.question,
                "answer": a.answer, "sources": [s.doc_id for s in a.sources],
                "prompt_leak": bool(unread), "conf_prompt_leak": any(s.access == "confidential" for s in unread),
                "leaked_docs": sorted({s.doc_id for s in unread}),
                "leaked_facts": [f.fact_id for f in facts if not can_read(f, groups) and f.stated_in(a.answer)],
                "gold_readable": readable_gold, "empty": not a.sources,
                "gold_in_prompt": readable_gold and bool(set(gold) & {s.doc_id for s in a.sources}),
            })
    return LeakReport(records=records, users=users, n_questions=len(questions), facts=facts)


def plot_leaks(report: LeakReport, ax=None):
    """Grouped bars: prompt leaks and answer leaks per mode (log-free counts, labelled)."""
    import matplotlib.pyplot as plt

    totals = report.totals()
    modes = list(totals)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.6))
    width = 0.38
    xs = range(len(modes))
    for j, (key, label) in enumerate((("prompt_leaks", "prompts holding a document the asker may not read"),
                                      ("answer_leaks", "answers stating a confidential fact to an unauthorised asker"))):
        vals = [totals[m][key] for m in modes]
        bars = ax.bar([x + (j - 0.5) * width for x in xs], vals, width, label=label)
        ax.bar_label(bars, padding=2, fontsize=8)
    ax.set_xticks(list(xs), [MODE_LABELS[m] for m in modes], fontsize=9)
    ax.set_ylabel(f"count (of {totals[modes[0]]['pairs']} user x question pairs)")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("Where access control sits decides what leaks")
    ax.margins(y=0.15)
    return ax
