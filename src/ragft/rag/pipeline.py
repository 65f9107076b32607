"""Answer questions with retrieval (RAG) or without it (closed book), and evaluate the answers.

:class:`RagPipeline` works with any ``(model, tokenizer)`` pair that :func:`ragft.models.generate`
accepts: the base SmolLM2, a peft-wrapped fine-tuned model, or another causal LM. With
``index=None`` it answers closed-book through the same interface, so a comparison harness can call
every system the same way::

    rag = RagPipeline(model, tokenizer, RagIndex.load("runs/index"), k=4)
    closed = RagPipeline(model, tokenizer)               # closed book
    result = evaluate(rag, ragft.data.load_questions("test_unseen"))
    result.metrics["accuracy"], result.records[0]
"""

from __future__ import annotations

import numbers
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .. import metrics as M
from ..answers import AnswerCache, cached_generate
from ..models import chat_text, generate
from .abstain import AbstentionGate, Decision
from .access import ALL, Groups, Identity, access_filter, both, resolve_asker
from .index import (
    DEFAULT_TIE_RANKS,
    DEFAULT_TITLE_WEIGHT,
    LEGACY_FUSION,
    SEARCH_MODES,
    Filter,
    Hit,
    RagIndex,
    check_title_weight,
)
from .prompts import IDK, PromptTemplate, build_closed_book_prompt, build_rag_prompt

# The course's RAG defaults, one place for every lab, the CLI and the comparison harness (chosen on the
# train split in Lab 1; each can be switched off, see RagPipeline):
#: sources put in a RAG prompt: documents when compressing, chunks otherwise
DEFAULT_K = 1
#: how chunks are ranked: "hybrid" = dense + BM25 + BM25 on titles, fused by rank
DEFAULT_SEARCH = "hybrid"
#: lines kept from each source document (context compression); None puts whole chunks in the prompt
DEFAULT_UNITS = 3
#: the embedder of the course's index: "base", or "tuned" = fine-tuned on the train questions (ragft.rag.tune).
#: Lab 1 measures the tuned one on top of hybrid search; it did not raise recall@1 there, so the default
#: stays "base" (and a corpus of your own has no training questions anyway)
DEFAULT_EMBEDDER = "base"
#: answerable train questions the abstention gate may refuse at most (its calibration target)
DEFAULT_MAX_FALSE_ABSTENTION = 0.05
#: the longest question accepted, in characters: a question, not a document (the course's longest is under
#: 200; 40,000 characters once became 9,315 prompt tokens, over the generator's 8,192, and 88 s of garbage)
MAX_QUESTION_CHARS = 2000
#: the longest question accepted, in the generator's tokens (checked when the pipeline has a tokenizer;
#: 2,000 characters of emoji or CJK text can be several thousand tokens)
MAX_QUESTION_TOKENS = 512


class InputTooLongError(ValueError):
    """A question or prompt the model cannot take; the message names the limit and the fix."""


class QuestionTooLongError(InputTooLongError):
    """The question is longer than :data:`MAX_QUESTION_CHARS` characters or :data:`MAX_QUESTION_TOKENS` tokens."""


class PromptTooLongError(InputTooLongError):
    """The prompt plus ``max_new_tokens`` does not fit the model's context, even with one source."""


_TOO_LONG_FIX = ("Ask the question itself, not a document: to ask about a long text, put it in a folder, "
                 "index it with `ragft index DOCS_DIR --index INDEX_DIR` and ask with --index INDEX_DIR")


def check_question(question: object, *, max_chars: int = MAX_QUESTION_CHARS, where: str = "the question") -> str:
    """``question`` as a string when it can be asked, else :class:`ValueError` saying why and what to do.

    Refused: an empty question, one longer than ``max_chars`` characters (:class:`QuestionTooLongError`),
    and text that is not valid Unicode (unpaired surrogates, which is what undecodable bytes on a command
    line become). The question is returned unchanged (not stripped), so prompts and cached answers stay the same.
    """
    text = "" if question is None else str(question)
    if not text.strip():
        raise ValueError(f'{where} is empty; write it in quotes, e.g. ragft ask "What is the refund window?"')
    if len(text) > max_chars:
        raise QuestionTooLongError(f"{where} is {len(text):,} characters long; the limit is {max_chars:,} characters. "
                                   + _TOO_LONG_FIX)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValueError(f"{where} is not valid Unicode text (character {err.start + 1} is an unpaired surrogate, "
                         "e.g. bytes that are not UTF-8); type it again or save it as UTF-8") from None
    return text


def model_context(model, tokenizer=None) -> int | None:
    """The most tokens ``model`` can attend to (prompt and answer together), or ``None`` when it does not say."""
    config = getattr(model, "config", None)
    for name in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    value = getattr(tokenizer, "model_max_length", None)  # tokenizers say 1e30 when they do not know
    return value if isinstance(value, int) and 0 < value < 10_000_000 else None


def clean_answer(text: str) -> str:
    """Keep the first paragraph of a reply and drop a leading "Answer:".

    Small models often finish their sentence and then start echoing the sources ("\\n\\n[2] ...");
    that tail is not part of the answer and would let a reply "contain" a value it never stated.
    """
    text = (text or "").strip()
    text = re.sub(r"^(?:answer\s*:\s*)", "", text, flags=re.IGNORECASE)
    return text.split("\n\n", 1)[0].strip()


@dataclass
class Source:
    """A retrieved chunk as cited in an answer."""

    doc_id: str
    path: str
    score: float
    text: str
    title: str = ""
    heading: str = ""
    chunk_id: int = -1
    access: str = "public"
    groups: list[str] = field(default_factory=list)

    @classmethod
    def from_hit(cls, hit: Hit) -> Source:
        c = hit.chunk
        return cls(doc_id=c.doc_id, path=c.path, score=round(hit.score, 4), text=c.text, title=c.title, heading=c.heading, chunk_id=c.id,
                   access=c.access, groups=list(c.groups))


@dataclass
class Answer:
    """The answer to one question, the sources put in the prompt, and where the time went.

    ``timings``: ``embed_ms`` and ``search_ms`` (per question; batched queries share the cost),
    ``prompt_tokens``, ``new_tokens``, ``generate_ms`` (this question's share of its batch) and
    ``cached`` (the answer came from the answer cache; ``generate_ms`` is then the time measured when
    it was first generated).
    ``compress_ms`` (choosing the lines) and ``gate_ms`` (the abstention decision) when those are on.
    ``ranked_doc_ids`` lists the distinct documents of the top ``eval_depth`` chunks, best first
    (for retrieval metrics; the prompt only holds the first ``k`` sources).
    ``abstained``: the pipeline answered "I don't know" itself, for ``abstain_reason`` (the model was
    not asked, or its answer failed the grounding check); ``signals``: the gate's coverage and support.
    ``notes``: what the pipeline changed to be able to answer (sources left out to fit the model's context).
    """

    question: str
    answer: str
    sources: list[Source] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    ranked_doc_ids: list[str] = field(default_factory=list)
    prompt: list[dict] = field(default_factory=list)
    abstained: bool = False
    abstain_reason: str = ""
    signals: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # e.g. sources left out so the prompt fits the context

    def to_dict(self, *, with_text: bool = True, with_prompt: bool = False) -> dict[str, Any]:
        d = asdict(self)
        if not with_text:
            for s in d["sources"]:
                s.pop("text")
        if not with_prompt:
            d.pop("prompt")
        return d


@dataclass
class Prepared:
    """What goes in front of the reader for one question, decided before any generation."""

    question: str
    hits: list[Hit]  # ranked chunks (eval_depth), for retrieval metrics
    sources: list[Hit]  # what the prompt holds: chunks, or compressed passages as hits
    prompt: list[dict]
    decision: Decision | None = None

    @property
    def context(self) -> str:
        return "\n".join(f"{h.chunk.title}\n{h.chunk.text}" for h in self.sources)


class RagPipeline:
    """Retrieve, compress, decide whether to answer, build the prompt, generate. ``index=None`` answers closed-book.

    Parameters
    ----------
    model, tokenizer: any pair accepted by :func:`ragft.models.generate` (peft models included).
    index: a :class:`RagIndex`, or ``None`` for closed-book answers.
    k: sources put in the prompt: documents when ``units`` is set, chunks when it is ``None``.
    search: ``"hybrid"`` (dense + BM25 + title BM25, fused by rank), ``"dense"`` or ``"bm25"``.
    title_weight: hybrid search's weight of the title list (:meth:`RagIndex.search_many`; 0 leaves it out).
    tie_ranks: hybrid search ranks chunks that a list scores equally alike (:meth:`RagIndex.search_many`).
    units: context compression: keep this many lines of each source document
        (:func:`ragft.rag.compress.compress`); ``None`` puts the top ``k`` chunks in whole.
    window: with compression, also keep this many units before and after each kept one (a sentence window).
    budget: with compression, a cap in words on each document's passage (at least one unit, at most ``units``).
    abstain: ``True`` for the course's abstention gate (calibrated on the train split for these
        settings, :func:`course_gate`), an :class:`~ragft.rag.abstain.AbstentionGate`, or ``False``.
    eval_depth: chunks retrieved for retrieval metrics (>= k).
    groups: who is asking (:mod:`ragft.rag.access`): the asker's groups (``["hr", "exec"]`` or ``"hr,exec"``)
        read public documents plus those whose groups they share; ``None`` (the default) reads **public
        documents only** (deny by default); :data:`ragft.rag.access.ALL` (``"*"``) reads everything, for
        graders and administrators. Applied inside the search, before ranking, on top of any ``filter``.
    identity: a verified :class:`ragft.rag.access.Identity` built by the calling application; it decides
        what is read, and giving ``groups`` beside it is an error (a user's flag cannot override it).
    threshold: drop chunks with a dense score below it. ``filter``: metadata filter, see :meth:`RagIndex.search`.
    template: a name from :data:`ragft.rag.prompts.TEMPLATES` or a :class:`PromptTemplate`.
    clean: keep only the first paragraph of each reply (see :func:`clean_answer`).
    cache: reuse answers stored on disk (``True`` for the course's answer cache, or an
    :class:`ragft.answers.AnswerCache`). An answer is stored under the model's fingerprint, the exact
    prompt text and the generation settings, so it is reused only when the same weights would be asked
    exactly the same thing; a reused answer reports the generation time measured when it was first
    produced, and ``timings["cached"]`` says so. The model must carry a ``ragft_fingerprint`` (models
    from :func:`ragft.models.load_generator` and :func:`ragft.finetune.load_finetuned` do). Leave it off
    when timing generation.

    Limits (:meth:`answer`): a question of at most :data:`MAX_QUESTION_CHARS` characters and
    :data:`MAX_QUESTION_TOKENS` tokens (:func:`check_question`, :class:`QuestionTooLongError`); the prompt plus
    ``max_new_tokens`` must fit the model's context (:func:`model_context`): sources are left out from the end,
    with a note in :attr:`Answer.notes`, until it does, or :class:`PromptTooLongError` is raised.

    :meth:`baseline` gives the pipeline as it was before these levers (dense search, two whole chunks,
    no gate): the starting point of Lab 1's ablation.
    """

    def __init__(
        self,
        model,
        tokenizer,
        index: RagIndex | None = None,
        *,
        k: int = DEFAULT_K,
        search: str = DEFAULT_SEARCH,
        title_weight: float = DEFAULT_TITLE_WEIGHT,
        tie_ranks: bool = DEFAULT_TIE_RANKS,
        units: int | None = DEFAULT_UNITS,
        window: int = 0,
        budget: int | None = None,
        abstain: bool | AbstentionGate = True,
        eval_depth: int = 10,
        threshold: float | None = None,
        filter: Filter = None,
        groups: Groups = None,
        identity: Identity | None = None,
        template: str | PromptTemplate | None = None,
        max_new_tokens: int = 32,
        batch_size: int = 16,
        clean: bool = True,
        name: str | None = None,
        cache: bool | AnswerCache = False,
    ):
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        if search not in SEARCH_MODES:
            raise ValueError(f"unknown search {search!r}; choose one of {', '.join(SEARCH_MODES)}")
        if units is not None and units < 1:
            raise ValueError(f"units must be at least 1 (or None to put whole chunks in the prompt), got {units}")
        if window < 0 or (budget is not None and budget < 1):
            raise ValueError(f"window must be 0 or more and budget at least 1 word (or None), got window={window}, budget={budget}")
        if units is None and (window or budget is not None):
            raise ValueError("window and budget shape compressed passages; give units too (or leave them at 0 and None)")
        if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, numbers.Integral) or max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be a whole number of at least 1 (the answer's length limit), got {max_new_tokens!r}")
        use_cache = isinstance(cache, AnswerCache) or bool(cache)  # an empty AnswerCache is falsy (len 0)
        if use_cache and not isinstance(getattr(model, "ragft_fingerprint", None), str):
            raise ValueError(
                "cache=True needs to know which weights answer, and this model has no ragft_fingerprint: load it with "
                "ragft.models.load_generator() or ragft.finetune.load_finetuned(), set model.ragft_fingerprint to a "
                "string that changes whenever the weights change, or leave cache off"
            )
        self.cache: AnswerCache | None = (cache if isinstance(cache, AnswerCache) else AnswerCache()) if use_cache else None
        self.model, self.tokenizer, self.index = model, tokenizer, index
        self.k, self.eval_depth = k, max(k, eval_depth)
        self.search, self.units, self.window, self.budget = search, units, int(window), budget
        self.title_weight, self.tie_ranks = check_title_weight(title_weight), bool(tie_ranks)
        self.threshold, self.filter, self.template = threshold, filter, template
        self._groups = resolve_asker(groups, identity)
        self.identity = identity
        self._access = access_filter(self._groups)
        self.max_new_tokens, self.batch_size, self.clean = max_new_tokens, batch_size, clean
        self.name = name or ("rag" if index is not None else "closed-book")
        self.gate: AbstentionGate | None = None
        if index is not None and abstain is not False and abstain is not None:
            if isinstance(abstain, AbstentionGate):
                self.gate = abstain
            else:  # the course's calibrated thresholds (ragft.rag.course), used with this index's keyword statistics
                from .course import course_gate

                self.gate = course_gate(self.settings(), embedder_id=index.embedder.id)
            self.gate = self.gate.with_idf(index_idf(index))

    @property
    def groups(self):
        """Who this pipeline reads as (fixed when it is made: build another pipeline to ask as someone else)."""
        return self._groups

    @classmethod
    def course_tuned(cls, model, tokenizer, index: RagIndex | None = None, **kwargs) -> RagPipeline:
        """The defaults as Lab 1 chose them on the course corpus alone, hybrid search's title list an equal third vote
        and positional ranks (:data:`ragft.rag.index.LEGACY_FUSION`), whatever the defaults become: issue 27's suite
        measures them against :data:`ragft.rag.index.TIEBREAK_FUSION` on corpora the course did not write."""
        return cls(model, tokenizer, index, **{**LEGACY_FUSION, **kwargs})

    @classmethod
    def baseline(cls, model, tokenizer, index: RagIndex | None = None, **kwargs) -> RagPipeline:
        """The course's first RAG: dense search, the top two whole chunks, no abstention gate."""
        settings = dict(k=2, search="dense", units=None, abstain=False)
        settings.update(kwargs)
        return cls(model, tokenizer, index, **settings)

    def settings(self) -> dict[str, Any]:
        """The retrieval settings that decide what the reader sees (recorded with results, keys the gate)."""
        from .prompts import get_template

        out = {"k": self.k, "search": self.search, "units": self.units, "template": get_template(self.template).name}
        if self.window:  # like the fusion below: only when set, so the keys made before these levers stay valid
            out["window"] = self.window
        if self.budget is not None:
            out["budget"] = self.budget
        if self.search == "hybrid":  # the fusion before issue 27 adds nothing, so keys made before it stay valid
            out.update({k: v for k, v in self.fusion().items() if LEGACY_FUSION[k] != v})
        return out

    def fusion(self) -> dict[str, Any]:
        """How hybrid search fuses its lists: ``{"title_weight", "tie_ranks"}``."""
        return {"title_weight": self.title_weight, "tie_ranks": self.tie_ranks}

    def retrieve(self, questions: Sequence[str], *, filter: Filter = None) -> tuple[list[list[Hit]], float, float]:
        """Hits (``eval_depth`` per question) plus the total embedding and search time in ms."""
        hits, _, embed_ms, search_ms = self._retrieve(questions, filter)
        return hits, embed_ms, search_ms

    def _filter(self, filter: Filter) -> Filter:
        """The asker's access filter combined with ``filter`` (or the pipeline's own ``filter``)."""
        return both(self._access, filter if filter is not None else self.filter)

    def _retrieve(self, questions: Sequence[str], filter: Filter, filters: Sequence[Filter] | None = None, vectors=None):
        if self.index is None:
            return [[] for _ in questions], None, 0.0, 0.0
        t0 = time.perf_counter()
        if vectors is None:
            vectors = self.index.embedder.embed_queries(questions)
        elif len(vectors) != len(questions):
            raise ValueError(f"got {len(vectors)} question vectors for {len(questions)} questions")
        t1 = time.perf_counter()
        if filters is None:
            hits = self.index.search_many(questions, self.eval_depth, threshold=self.threshold, mode=self.search, vectors=vectors,
                                          filter=self._filter(filter), **self.fusion())
        else:  # one filter per question (e.g. each asker's permissions, or the oracle's gold documents)
            if len(filters) != len(questions):
                raise ValueError(f"got {len(filters)} filters for {len(questions)} questions; give one per question")
            hits = [self.index.search_many([q], self.eval_depth, threshold=self.threshold, mode=self.search, vectors=v[None, :],
                                           filter=both(self._access, f), **self.fusion())[0] for q, v, f in zip(questions, vectors, filters, strict=True)]
        t2 = time.perf_counter()
        return hits, vectors, (t1 - t0) * 1000, (t2 - t1) * 1000

    def prepare(self, questions: Sequence[str], *, filter: Filter = None, filters: Sequence[Filter] | None = None,
                vectors: np.ndarray | None = None) -> tuple[list[Prepared], dict[str, float]]:
        """Retrieve, compress and decide for each question; returns what to ask and the time each step took (ms, in all).

        ``filters``: one metadata filter per question instead of one ``filter`` for all. ``vectors``: the
        questions' embeddings when the caller already has them (asking the same questions as several users).
        """
        questions = [str(q) for q in questions]
        hits, vectors, embed_ms, search_ms = self._retrieve(questions, filter, filters, vectors)
        ms = {"embed_ms": embed_ms, "search_ms": search_ms, "compress_ms": 0.0, "gate_ms": 0.0}
        if self.index is None:
            trained = getattr(self.model, "ragft_prompt", None)  # an adapter is asked as it was trained (ragft.finetune.prompt)
            return [Prepared(q, [], [], trained.messages(q) if trained else build_closed_book_prompt(q, self.template))
                    for q in questions], ms
        t0 = time.perf_counter()
        if self.units is not None:
            from .compress import compress

            if filters is None:
                passages = compress(self.index, vectors, hits, docs=self.k, units=self.units, window=self.window,
                                    budget=self.budget, filter=self._filter(filter))
            else:
                passages = [compress(self.index, v[None, :], [h], docs=self.k, units=self.units, window=self.window,
                                     budget=self.budget, filter=both(self._access, f))[0]
                            for v, h, f in zip(vectors, hits, filters, strict=True)]
            sources = [[p.as_hit(i) for i, p in enumerate(row, start=1)] for row in passages]
            support = [max((p.best for p in row), default=-1.0) for row in passages]
        else:
            sources = [h[: self.k] for h in hits]
            support = [self._dense_support(v, row) for v, row in zip(vectors, sources, strict=True)]
        t1 = time.perf_counter()
        out = [Prepared(q, h, src, build_rag_prompt(q, src, self.template)) for q, h, src in zip(questions, hits, sources, strict=True)]
        if self.gate is not None:
            for p, sup in zip(out, support, strict=True):
                p.decision = self.gate.decide(p.question, p.context, sup)
        t2 = time.perf_counter()
        ms["compress_ms"], ms["gate_ms"] = (t1 - t0) * 1000, (t2 - t1) * 1000
        return out, ms

    def _dense_support(self, vector: np.ndarray, hits: Sequence[Hit]) -> float:
        """Best cosine between the question and the chunks in the prompt (whatever ranked them)."""
        if not hits:
            return -1.0
        vecs = np.stack([self.index.faiss.reconstruct(int(h.chunk.id)) for h in hits])
        return float((vecs @ vector).max())

    def prompts(self, questions: Sequence[str], hits: Sequence[Sequence[Hit]] | None = None) -> list[list[dict]]:
        """The prompts these questions get (retrieving and compressing as configured; ``hits`` is ignored)."""
        return [p.prompt for p in self.prepare(questions)[0]]

    def answer(self, questions: Sequence[str], *, filter: Filter = None, filters: Sequence[Filter] | None = None,
               batch_size: int | None = None, progress: bool | str = False, vectors: np.ndarray | None = None) -> list[Answer]:
        """Answer a batch of questions (retrieval is batched too). Returns one :class:`Answer` each.

        ``filter`` applies to every question; ``filters`` gives one per question.
        """
        if isinstance(questions, str):
            raise TypeError("answer() takes a list of questions; use answer_one() for a single question")
        questions = [str(q) for q in questions]
        empty = [i for i, q in enumerate(questions) if not q.strip()]
        if empty:
            raise ValueError(f"question {empty[0]} is empty; every question needs some text")
        if not questions:
            return []
        many = len(questions) > 1
        for i, q in enumerate(questions):
            check_question(q, where=f"question {i}" if many else "the question")
            self._check_question_tokens(q, f"question {i}" if many else "the question")
        prepared, ms = self.prepare(questions, filter=filter, filters=filters, vectors=vectors)
        ask = [i for i, p in enumerate(prepared) if not (p.decision and p.decision.abstain)]
        notes = {i: self._fit_context(prepared[i]) for i in ask}
        prompts = [prepared[i].prompt for i in ask]
        gen_kwargs = dict(max_new_tokens=self.max_new_tokens, batch_size=batch_size or self.batch_size, progress=progress)
        if not prompts:
            texts, prompt_tokens, new_tokens, seconds, from_cache = [], [], [], [], []
        elif self.cache is not None:
            gen = cached_generate(generate, self.model, self.tokenizer, prompts, render=chat_text,
                                  fingerprint=self.model.ragft_fingerprint, cache=self.cache, **gen_kwargs)
            texts, prompt_tokens, new_tokens, seconds, from_cache = gen.texts, gen.prompt_tokens, gen.new_tokens, gen.per_item_seconds, gen.from_cache
        else:
            gen = generate(self.model, self.tokenizer, prompts, **gen_kwargs)
            texts, prompt_tokens, new_tokens, seconds = gen.texts, gen.prompt_tokens, gen.new_tokens, gen.per_item_seconds
            from_cache = [False] * len(prompts)
        slot = {i: j for j, i in enumerate(ask)}
        n = len(questions)
        out = []
        for i, p in enumerate(prepared):
            j = slot.get(i)
            reason = p.decision.reason if p.decision and p.decision.abstain else ""
            text = "" if j is None else (clean_answer(texts[j]) if self.clean else texts[j])
            if j is not None and self.gate is not None:
                reason = self.gate.check_answer(text, p.context, p.question)
            abstained = bool(reason)
            out.append(
                Answer(
                    question=p.question,
                    answer=f"{IDK}." if abstained else text,
                    sources=[Source.from_hit(h) for h in p.sources],
                    timings={
                        "embed_ms": ms["embed_ms"] / n,
                        "search_ms": ms["search_ms"] / n,
                        "compress_ms": ms["compress_ms"] / n,
                        "gate_ms": ms["gate_ms"] / n,
                        "prompt_tokens": prompt_tokens[j] if j is not None else 0,
                        "new_tokens": new_tokens[j] if j is not None else 0,
                        "generate_ms": seconds[j] * 1000 if j is not None else 0.0,
                        "cached": from_cache[j] if j is not None else False,
                    },
                    ranked_doc_ids=list(dict.fromkeys(h.doc_id for h in p.hits)),
                    prompt=p.prompt,
                    abstained=abstained,
                    abstain_reason=reason,
                    signals={"coverage": p.decision.coverage, "support": p.decision.support} if p.decision else {},
                    notes=notes.get(i, []),
                )
            )
        return out

    def _count_tokens(self, text: str) -> int | None:
        """Tokens of ``text`` for this pipeline's tokenizer, or ``None`` when there is no tokenizer to ask."""
        if self.tokenizer is None or not callable(self.tokenizer):
            return None
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _check_question_tokens(self, question: str, where: str) -> None:
        n = self._count_tokens(question)
        if n is not None and n > MAX_QUESTION_TOKENS:
            raise QuestionTooLongError(f"{where} is {n:,} tokens long; the limit is {MAX_QUESTION_TOKENS:,} tokens "
                                       f"(MAX_QUESTION_TOKENS). " + _TOO_LONG_FIX)

    def _fit_context(self, p: Prepared) -> list[str]:
        """Make ``p``'s prompt plus ``max_new_tokens`` fit the model's context: leave out sources from the end
        (the weakest first) and say so, or raise :class:`PromptTooLongError` when even one source is too many."""
        context = model_context(self.model, self.tokenizer)
        if context is None or self.tokenizer is None or not hasattr(self.tokenizer, "apply_chat_template"):
            return []
        tokens = self._count_tokens(chat_text(self.tokenizer, p.prompt))
        if tokens is None or tokens + self.max_new_tokens <= context:
            return []
        n_sources = len(p.sources)
        kept = list(p.sources)
        while len(kept) > 1 and tokens + self.max_new_tokens > context:
            kept.pop()
            prompt = build_rag_prompt(p.question, kept, self.template)
            tokens = self._count_tokens(chat_text(self.tokenizer, prompt))
        if tokens + self.max_new_tokens > context:
            what = "with one source " if n_sources else ""
            raise PromptTooLongError(
                f"the prompt {what}is {tokens:,} tokens and max_new_tokens (--max-new-tokens) asks for "
                f"{self.max_new_tokens:,} more: over the model's context of {context:,} tokens. Shorten the question, "
                "lower --max-new-tokens" + (", or put less in the prompt (--units, smaller --chunk-size)" if n_sources else ""))
        p.sources, p.prompt = kept, prompt
        return [f"{n_sources - len(kept)} of {n_sources} sources left out so that the prompt ({tokens:,} tokens) and the "
                f"answer ({self.max_new_tokens:,} tokens) fit the model's context of {context:,} tokens; lower --k, --units "
                "or --max-new-tokens to choose what is left out"]

    def answer_one(self, question: str, *, filter: Filter = None) -> Answer:
        return self.answer([question], filter=filter, batch_size=1)[0]


def index_idf(index: RagIndex) -> dict[str, float]:
    """IDF of every keyword in the index's chunks (cached on the index until its chunks change)."""
    from .abstain import idf_table

    cache = index._lexical
    if "idf" not in cache:
        cache["idf"] = idf_table([c.embed_text(True) for c in index.chunks.values()])
    return cache["idf"]


def calibrate_gate(index: RagIndex, train_questions: Sequence, settings: dict[str, Any], *,
                   max_false: float = DEFAULT_MAX_FALSE_ABSTENTION) -> AbstentionGate:
    """Calibrate the gate for these ``settings`` on answerable ``train_questions`` (and their paraphrases)
    over ``index`` (no generation).

    Every question must come from the train split: the thresholds must never see a test question.
    """
    bad = [q.id for q in train_questions if getattr(q, "split", "train") != "train"]
    if bad:
        raise ValueError(f"calibrate the abstention gate on train questions only; {bad[:3]} are from other splits")
    train = [q for q in train_questions if q.answers and getattr(q, "type", None) != "unanswerable"]
    # the questions and their paraphrases: users do not word a question the way the documents do, and a gate
    # calibrated on one wording refuses many answerable questions asked in other words
    asked = [text for q in train for text in [q.question, *(getattr(q, "paraphrases", None) or [])]]
    pipe = RagPipeline(None, None, index, k=settings["k"], search=settings["search"], units=settings["units"], groups=ALL,
                       template=settings["template"], abstain=AbstentionGate(idf=index_idf(index)),
                       window=settings.get("window", 0), budget=settings.get("budget"),
                       **{k: settings.get(k, v) for k, v in LEGACY_FUSION.items()})
    prepared, _ = pipe.prepare(asked)
    return AbstentionGate.calibrate([p.decision.coverage for p in prepared], [p.decision.support for p in prepared],
                                    idf=index_idf(index), max_false=max_false, source="train")


@dataclass
class Evaluation:
    """Per-question ``records`` (dicts) and aggregate ``metrics`` of one system on one question set."""

    name: str
    records: list[dict[str, Any]]
    metrics: dict[str, Any]
    seconds: float

    def failures(self, n: int | None = None) -> list[dict[str, Any]]:
        """Records of answerable questions answered wrongly."""
        bad = [r for r in self.records if r["answerable"] and not r["correct"]]
        return bad[:n] if n else bad


def _mean(values) -> float:
    values = [v for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    return float(np.mean(values)) if values else float("nan")


def evaluate(
    pipeline: RagPipeline,
    questions: Sequence,
    *,
    recall_k: Sequence[int] = (1, 3, 5),
    filter: Filter = None,
    filters: Sequence[Filter] | None = None,
    batch_size: int | None = None,
    progress: bool | str = False,
) -> Evaluation:
    """Answer ``questions`` (:class:`ragft.data.Question` objects) and score them.

    An answerable question is correct when an accepted answer occurs in the reply
    (:func:`ragft.metrics.answer_correct`); an unanswerable one (no accepted answers, or type
    ``unanswerable``) is correct when the model abstains. Retrieval metrics compare the ranked
    distinct documents against ``question.doc_ids``.

    ``metrics`` holds: ``n``, ``accuracy`` (answerable questions) with ``accuracy_ci``, ``f1``,
    ``abstention_rate`` (unanswerable questions), ``false_abstention_rate`` (answerable ones),
    ``accuracy_by_type``, ``recall@K``, ``mrr``, ``ndcg@5`` (questions with doc ids; RAG only),
    ``ms_embed``, ``ms_search``, ``ms_generate`` (means per question), ``prompt_tokens``,
    ``questions_per_second``, ``n_cached`` (answers reused from the answer cache; when there are any,
    ``questions_per_second`` is computed from the per-answer times measured when they were generated).
    """
    start = time.perf_counter()
    questions = list(questions)
    answers = pipeline.answer([q.question for q in questions], filter=filter, filters=filters, batch_size=batch_size, progress=progress)
    seconds = time.perf_counter() - start
    records = []
    for q, a in zip(questions, answers, strict=True):
        rec: dict[str, Any] = {
            "id": q.id,
            "type": getattr(q, "type", None),
            "split": getattr(q, "split", None),
            "question": q.question,
            "gold": list(q.answers or []),
            "answer": a.answer,
            **M.score_answer(a.answer, q),
            "doc_ids": list(getattr(q, "doc_ids", None) or []),
            "retrieved": a.ranked_doc_ids,
            "sources": [s.doc_id for s in a.sources],
            "gate": a.abstain_reason,
            **a.signals,
            **a.timings,
        }
        if pipeline.index is not None and rec["doc_ids"]:
            for k in recall_k:
                rec[f"recall@{k}"] = M.recall_at_k(a.ranked_doc_ids, rec["doc_ids"], k)
            rec["rr"] = M.reciprocal_rank(a.ranked_doc_ids, rec["doc_ids"])
            rec["ndcg@5"] = M.ndcg_at_k(a.ranked_doc_ids, rec["doc_ids"], 5)
        records.append(rec)
    answerable = [r for r in records if r["answerable"]]
    unanswerable = [r for r in records if not r["answerable"]]
    acc_scores = [float(r["correct"]) for r in answerable]
    metrics: dict[str, Any] = {
        "n": len(records),
        "n_answerable": len(answerable),
        "accuracy": _mean(acc_scores),
        "accuracy_ci": M.bootstrap_ci(acc_scores),
        "f1": _mean(r["f1"] for r in answerable),
        "abstention_rate": _mean(float(r["abstained"]) for r in unanswerable),
        "false_abstention_rate": _mean(float(r["abstained"]) for r in answerable),
        "accuracy_by_type": {
            t: _mean(float(r["correct"]) for r in records if r["type"] == t) for t in sorted({str(r["type"]) for r in records})
        },
        "ms_embed": _mean(r["embed_ms"] for r in records),
        "ms_search": _mean(r["search_ms"] for r in records),
        "ms_generate": _mean(r["generate_ms"] for r in records),
        "prompt_tokens": _mean(r["prompt_tokens"] for r in records),
        "questions_per_second": len(records) / seconds if seconds else float("nan"),
        "n_cached": sum(bool(r.get("cached")) for r in records),
    }
    if metrics["n_cached"]:  # reused answers cost nothing now: report the throughput measured when they were made
        cost_s = sum(r["embed_ms"] + r["search_ms"] + r["generate_ms"] for r in records) / 1000
        metrics["questions_per_second"] = len(records) / cost_s if cost_s else float("nan")
    if pipeline.index is not None:
        with_docs = [r for r in records if "rr" in r]
        for k in recall_k:
            metrics[f"recall@{k}"] = _mean(r[f"recall@{k}"] for r in with_docs)
        metrics["mrr"] = _mean(r["rr"] for r in with_docs)
        metrics["ndcg@5"] = _mean(r["ndcg@5"] for r in with_docs)
    return Evaluation(name=pipeline.name, records=records, metrics=metrics, seconds=seconds)


def evaluate_retrieval(index: RagIndex, questions: Sequence, *, depth: int = 10, recall_k: Sequence[int] = (1, 3, 5),
                       filter: Filter = None, mode: str = DEFAULT_SEARCH, title_weight: float = DEFAULT_TITLE_WEIGHT,
                       tie_ranks: bool = DEFAULT_TIE_RANKS) -> dict[str, float]:
    """Retrieval metrics only (no generation: cheap enough to sweep chunk sizes and k); ``mode`` as in :meth:`RagIndex.search_many`."""
    qs = [q for q in questions if getattr(q, "doc_ids", None)]
    if not qs:
        raise ValueError("none of the questions has doc_ids to score retrieval against")
    hits = index.search_many([q.question for q in qs], depth, filter=filter, mode=mode, title_weight=title_weight,
                              tie_ranks=tie_ranks)
    ranked = [list(dict.fromkeys(h.doc_id for h in hs)) for hs in hits]
    out = {f"recall@{k}": _mean(M.recall_at_k(r, q.doc_ids, k) for r, q in zip(ranked, qs, strict=True)) for k in recall_k}
    out["mrr"] = _mean(M.reciprocal_rank(r, q.doc_ids) for r, q in zip(ranked, qs, strict=True))
    out["ndcg@5"] = _mean(M.ndcg_at_k(r, q.doc_ids, 5) for r, q in zip(ranked, qs, strict=True))
    out["n"] = len(qs)
    return out
