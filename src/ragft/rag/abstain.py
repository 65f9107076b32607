"""Abstention: say "I don't know" when the retrieved text does not support an answer.

A 135M reader almost never abstains by itself: asked about the "Pivra W3" (no such product) with
the Pivra W1's page in front of it, it reads off the W1's battery life. So the decision is taken
outside the model, by :class:`AbstentionGate`, from two signals that need no generation:

``coverage``
    the share of the question's keywords (BM25's analysis: lower-cased, stemmed, no stop words),
    weighted by how rare each word is in the knowledge base (IDF), that occur in the passages put in
    front of the reader. A question about the "Pivra W3" whose context never says "W3" loses the
    weight of its rarest word.
``support``
    the best similarity between the question and one unit (line or sentence) of the passages, with
    the retrieval embedder.

and two checks after generation: :func:`grounded`, every number in the answer must occur in the
passages (a number the reader made up is not an answer), and :func:`ungrounded_terms`, every name and
code the answer states (a capitalised word inside a sentence, a product code such as ``QV-PV-5011`` or
``W5``) must occur in the passages or the question (a director's name that no source contains is not
an answer either). On the cached answers of the suite's development corpora and the course's train
questions the name check rejected no right answer and 4 wrong ones (issue 27); ``check_names=False``
switches it off.

The gate abstains when ``coverage < min_coverage`` or ``support < min_support``. The two thresholds
are **calibrated on answerable questions of the train split only**, each asked in its original wording and
in its paraphrases (:meth:`AbstentionGate.calibrate`, :func:`ragft.rag.pipeline.calibrate_gate`):
each is the quantile of its signal that leaves at most ``max_false`` of those questions below it.
No unanswerable question is needed (there are none in ``train``), and no test question is ever
looked at: how well the gate does on the ``unanswerable`` split is then a fair measurement.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .lexical import tokenize

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CITATION = re.compile(r"\[\d+\]")


@dataclass
class Decision:
    """Whether to answer, and why (the signals and the thresholds they were held against)."""

    abstain: bool
    reason: str
    coverage: float
    support: float

    def to_dict(self) -> dict:
        return asdict(self)


def idf_table(texts: Sequence[str]) -> dict[str, float]:
    """``{token: idf}`` over ``texts`` (smoothed: ``log(1 + N / df)``)."""
    df: dict[str, int] = {}
    for toks in tokenize(texts):
        for t in set(toks):
            df[t] = df.get(t, 0) + 1
    n = max(len(texts), 1)
    return {t: math.log(1 + n / c) for t, c in df.items()}


def coverage(question: str, context: str, idf: dict[str, float]) -> float:
    """IDF-weighted share of the question's keywords that occur in ``context`` (1.0 when it has none).

    A keyword the knowledge base never uses gets the largest weight there is (it is as rare as rare gets).
    """
    q = list(dict.fromkeys(tokenize([question])[0]))
    if not q:
        return 1.0
    ctx = set(tokenize([context])[0])
    top = max(idf.values(), default=1.0)
    weights = [idf.get(t, top) for t in q]
    return float(sum(w for t, w in zip(q, weights, strict=True) if t in ctx) / sum(weights))


_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
                      "ninety": "90", "hundred": "100"})


_TERM = re.compile(r"[A-Za-z0-9]+(?:[.-][A-Za-z0-9]+)*")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)*")
_SENTENCE = re.compile(r"(?<=[.!?:])\s+")


def _is_code(term: str) -> bool:
    """A product code or version: a part mixing letters and digits (``W5``, ``v18``, ``3a``) or capitals beside
    a number (``QV-PV-5011``); ``48-month`` and ``12.5`` are not codes (the number check covers them)."""
    parts = re.split(r"[.-]", term)
    mixed = any(re.search(r"[A-Za-z]", p) and re.search(r"\d", p) for p in parts)
    return mixed or (any(p.isdigit() for p in parts) and any(p.isupper() and len(p) > 1 for p in parts))


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "


def ungrounded_terms(answer: str, context: str, question: str = "") -> list[str]:
    """Names and codes in ``answer`` that neither ``context`` nor ``question`` contains (case ignored).

    A name is a capitalised word that does not open a sentence; a code is what :func:`_is_code` says. The
    last word of an answer that stops mid-sentence (cut by the token limit) is not checked: it may be a
    fragment.
    """
    known = _words(f"{context} {question}")
    answer = _CITATION.sub(" ", answer).rstrip()
    cut = not answer.endswith((".", "!", "?", ")", '"', "'"))
    terms = list(_TERM.finditer(answer))
    last = terms[-1].start() if terms and cut else -1
    out: list[str] = []
    for m in terms:
        if m.start() != last and _is_code(m.group()) and _words(m.group()) not in known:
            out.append(m.group())
    pos = 0
    for sentence in _SENTENCE.split(answer):
        start = answer.find(sentence, pos)
        pos = start + len(sentence)
        for m in _NAME.finditer(sentence):
            if m.start() == 0:
                continue  # a sentence's first word is capitalised whatever it is
            for w in re.finditer(r"[A-Z][a-z]+", m.group()):
                if start + m.start() + w.start() != last and _words(w.group()) not in known:
                    out.append(w.group())
    return list(dict.fromkeys(out))


def grounded(answer: str, context: str) -> bool:
    """True when every number in ``answer`` also occurs in ``context`` (thousand separators and citation
    markers such as ``[1]`` ignored; "seven" in the sources grounds a "7" in the answer)."""
    ctx = {n.replace(",", "") for n in _NUMBER.findall(context)}
    ctx |= {d for w, d in _NUMBER_WORDS.items() if re.search(rf"\b{w}\b", context, re.IGNORECASE)}
    answer = _CITATION.sub(" ", answer)
    return all(n.replace(",", "") in ctx for n in _NUMBER.findall(answer))


@dataclass
class AbstentionGate:
    """Abstain when the passages do not cover the question's keywords or do not match it closely.

    Build it with :meth:`calibrate` (thresholds from train questions); ``AbstentionGate()`` alone
    never abstains before generation (thresholds at their lowest) but still applies the
    ``grounded`` check. ``idf`` is the knowledge base's IDF table (:func:`idf_table`).
    """

    min_coverage: float = 0.0
    min_support: float = -1.0
    idf: dict[str, float] = field(default_factory=dict, repr=False)
    calibration: dict = field(default_factory=dict)
    check_names: bool = True  # also reject answers whose names or codes no source holds (ungrounded_terms)

    def with_idf(self, idf: dict[str, float]) -> AbstentionGate:
        """The same thresholds with another corpus's keyword statistics."""
        return AbstentionGate(self.min_coverage, self.min_support, dict(idf), dict(self.calibration), self.check_names)

    def signals(self, question: str, passages_text: str, support: float) -> tuple[float, float]:
        return coverage(question, passages_text, self.idf), float(support)

    def decide(self, question: str, passages_text: str, support: float) -> Decision:
        cov, sup = self.signals(question, passages_text, support)
        if not passages_text.strip():
            return Decision(True, "nothing was retrieved (or the filter allows no document)", cov, sup)
        if cov < self.min_coverage:
            return Decision(True, f"the sources cover too little of the question (keyword coverage {cov:.2f} < {self.min_coverage:.2f})", cov, sup)
        if sup < self.min_support:
            return Decision(True, f"no source line matches the question closely (similarity {sup:.2f} < {self.min_support:.2f})", cov, sup)
        return Decision(False, "", cov, sup)

    def check_answer(self, answer: str, passages_text: str, question: str = "") -> str:
        """``""`` when the answer may stand, else why it is replaced by "I don't know"."""
        if not grounded(answer, passages_text):
            return "the answer states a number that is not in the sources"
        missing = ungrounded_terms(answer, passages_text, question) if self.check_names else []
        if missing:
            return f"the answer names {', '.join(repr(t) for t in missing[:3])}, which no source contains"
        return ""

    @classmethod
    def calibrate(cls, coverages: Sequence[float], supports: Sequence[float], *, idf: dict[str, float],
                  max_false: float = 0.05, source: str = "train") -> AbstentionGate:
        """Thresholds that keep at most about ``max_false`` of these *answerable* questions above each.

        ``coverages``/``supports``: the signals of answerable questions (from ``source``, which must
        not be a test split). Each threshold is the ``max_false / 2`` quantile of its signal, so the
        two together refuse at most about ``max_false`` of them.
        """
        if source.startswith("test") or source == "unanswerable":
            raise ValueError(f"calibrate the abstention gate on training questions, not on the {source!r} split")
        cov = np.asarray(list(coverages), dtype=float)
        sup = np.asarray(list(supports), dtype=float)
        if cov.size == 0 or cov.size != sup.size:
            raise ValueError("calibration needs the same, non-zero number of coverage and support values")
        q = max_false / 2
        gate = cls(min_coverage=float(np.quantile(cov, q)), min_support=float(np.quantile(sup, q)), idf=dict(idf))
        refused = float(np.mean((cov < gate.min_coverage) | (sup < gate.min_support)))
        gate.calibration = {"source": source, "n": int(cov.size), "max_false": max_false, "refused_on_source": refused}
        return gate

    def to_json(self) -> str:
        return json.dumps({"min_coverage": self.min_coverage, "min_support": self.min_support,
                           "calibration": self.calibration, "idf": self.idf})

    @classmethod
    def from_json(cls, text: str) -> AbstentionGate:
        d = json.loads(text)
        return cls(min_coverage=d["min_coverage"], min_support=d["min_support"], idf=d["idf"], calibration=d.get("calibration", {}))
