"""``ragft advise``: a decision guide from the course's measurements, for a team's own case.

A :class:`Profile` describes the product (how often its knowledge changes, its traffic, whether answers
must come from its own documents and cite them, whether replies need a fixed format, whether data is
private, how many worked examples exist). :func:`advise` turns it into a recommendation, one of
:data:`RECOMMENDATIONS`, with the reasons; each reason names the claim of the registry it rests on
(``data/claims.toml``) and quotes the measurement when one is at hand:

* the comparison's results (``ragft compare --out``, or the labs' results in the cache): accuracy of RAG
  against the fine-tuned model, the update experiment, and the cost model of :mod:`ragft.cost` evaluated
  at the team's traffic and update rate;
* the values a book build glued (``_build/jupyter_execute``), for the claims' other evidence.

Nothing is run: the advice takes well under a second. Without measurements the reasons still name the
claim and the lab that measures it, and say how to get the figures.

The rules are deliberately few, and each is a sentence of the course's findings:

1. answers from your own, changing or citable knowledge -> retrieval (a trained-in fact is not reliably
   recalled, cannot be updated without retraining, and cannot be cited);
2. a fixed output format with enough worked examples -> an adapter (with fewer, prompt with examples);
3. both -> hybrid; neither -> plain prompting;
4. private data goes into an index with access control, never into weights that every user can query.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from .. import claims as C
from .. import config

RECOMMENDATIONS = ("rag", "fine-tuning", "hybrid", "prompting")
#: the claims of the registry the rules rest on (tests check that each exists)
CLAIMS = {
    "knowledge": "diff-data-access",
    "updates": "diff-updates",
    "citations": "uc-ai-search",  # a citation names a retrieved document: how often search finds the right one
    "format": "ft-voice-and-format",
    "labels": "ft-classification",
    "examples": "qa-ft-for-behaviour",
    "private": "faq-private-data",
    "private_training": "faq-private-data",
    "cost": "cost-ft-dearer",
    "hybrid": "hy-behaviour-plus-knowledge",
}


def _min_examples() -> int:
    """The smallest training set with which a course adapter learned its pattern (the house format)."""
    from ..finetune.recipes import HOUSE_FORMAT_TRAIN_SIZE

    return HOUSE_FORMAT_TRAIN_SIZE


class AdviceError(ValueError):
    """A profile that cannot be advised on: a missing answer or answers that contradict each other."""


@dataclass(frozen=True)
class Profile:
    """What the team knows about its product. Every field is required except ``labels_inputs`` (no when not given)."""

    needs_documents: bool      # answers must come from the team's own documents or data
    updates_per_month: float   # how often that knowledge changes (0: never)
    queries_per_day: float     # expected traffic
    needs_citations: bool      # answers must say which document they come from
    fixed_format: bool         # replies must follow a fixed format, tone or schema
    private_data: bool         # some of the data may not be shown to every user
    training_examples: int     # worked examples of the desired output that exist today
    labels_inputs: bool = False  # the fixed output is a label from a fixed set (routing, classification)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Profile:
        """A profile from loose values (strings from a command line or a form), with clear errors."""
        missing = [f.name for f in fields(cls) if values.get(f.name) is None and f.name not in OPTIONAL]
        if missing:
            raise AdviceError("missing: " + ", ".join("--" + m.replace("_", "-") for m in missing) +
                              "; every question needs an answer (or run `ragft advise` in a terminal to be asked)")
        profile = cls(**{f.name: cls.parse_field(f.name, values[f.name]) for f in fields(cls)
                         if values.get(f.name) is not None})
        profile.check()
        return profile

    @classmethod
    def parse_field(cls, name: str, value: Any) -> bool | float | int:
        """One answer, checked: yes/no for the questions that take it, a number of 0 or more for the others."""
        kinds = {f.name: f.type for f in fields(cls)}
        if name not in kinds:
            raise AdviceError(f"unknown question {name!r}; the questions are {', '.join(kinds)}")
        flag = "--" + name.replace("_", "-")
        if kinds[name] in ("bool", bool):
            return parse_yes_no(value, flag)
        try:
            num = float(value)
        except (TypeError, ValueError):
            raise AdviceError(f"{flag} {value!r}: give a number") from None
        if not math.isfinite(num) or num < 0:
            raise AdviceError(f"{flag} {value!r}: give a number of 0 or more")
        if name == "training_examples":
            if num != int(num):
                raise AdviceError(f"{flag} {value!r}: give a whole number of examples")
            return int(num)
        return num

    def check(self) -> None:
        """Refuse answers that contradict each other, saying which and how to fix them."""
        problems = []
        if not self.needs_documents and self.needs_citations:
            problems.append("--needs-citations yes but --needs-documents no: citations point into your documents; "
                            "answer yes to --needs-documents, or no to --needs-citations")
        if not self.needs_documents and self.updates_per_month > 0:
            problems.append(f"--updates-per-month {self.updates_per_month:g} but --needs-documents no: updates of "
                            "what? Knowledge that changes lives in documents; answer yes to --needs-documents, or "
                            "give --updates-per-month 0")
        if self.labels_inputs and not self.fixed_format:
            problems.append("--labels-inputs yes but --fixed-format no: a label from a fixed set is a fixed output; "
                            "answer yes to --fixed-format, or no to --labels-inputs")
        if self.queries_per_day <= 0:
            problems.append("--queries-per-day 0: give the traffic you expect (at least 1) so the costs can be compared")
        if problems:
            raise AdviceError("; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_yes_no(value: Any, flag: str = "value") -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("y", "yes", "true", "1"):
        return True
    if text in ("n", "no", "false", "0"):
        return False
    raise AdviceError(f"{flag} {value!r}: answer yes or no")


# --------------------------------------------------------------------------------------------------
# measurements


@dataclass
class Evidence:
    """Measurements at hand: a comparison's results and a build's glued values (either may be missing)."""

    results: dict[str, Any] | None = None
    results_path: str = ""
    glued: dict[tuple[str, str], Any] = field(default_factory=dict)
    glue_path: str = ""
    claims: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, results: str | Path | None = None, glue: str | Path | None = None) -> Evidence:
        ev = cls()
        try:
            ev.claims = C.by_id(C.load_claims())
        except C.ClaimsError:
            ev.claims = {}
        path = Path(results).expanduser() if results else None
        if path is not None and path.is_dir():
            path = path / "results.json"
        if path is None:
            from ..cost.cli import DEFAULT_RESULT_FOLDERS

            root = config.cache_dir() / "compare"
            path = next((root / n / "results.json" for n in DEFAULT_RESULT_FOLDERS if (root / n / "results.json").is_file()),
                        None)
        elif not path.is_file():
            raise AdviceError(f"--results {path}: no such results file; make one with `ragft compare --out FOLDER`")
        if path is not None:
            ev.results = read_results(path, flag="--results" if results else "the labs' results")
            ev.results_path = config.display_path(path)
        gdir = Path(glue).expanduser() if glue else None
        if gdir is None:
            gdir = C.build_glue_dir()
        elif not gdir.is_dir():
            raise AdviceError(f"--evidence {gdir}: no such folder; give a book build's _build/jupyter_execute")
        if gdir is not None:
            ev.glued = C.read_glue(gdir)
            ev.glue_path = config.display_path(gdir)
        return ev

    def claim_evidence(self, claim_id: str) -> list[str]:
        claim = self.claims.get(claim_id)
        if claim is None:
            return []
        if not self.glued:
            labs = sorted({ref.lab for _, ref in claim.evidence})
            names = ", ".join(C.LAB_NAMES.get(lab, lab) for lab in labs)
            return [f"measured in {names}; build the book (`make book`) to quote the figures"] if labs else []
        return C.evidence_text(claim, self.glued)

    def verdict(self, claim_id: str) -> str:
        """By the claim's rule on the build's numbers (a verdict is computed, never typed)."""
        claim = self.claims.get(claim_id)
        if claim is None or not (claim.rule is None or self.glued):
            return "computed by the book build (`make book`)" if claim else ""
        return C.decide(claim, self.glued).label


def read_results(path: Path, flag: str = "--results") -> dict[str, Any]:
    """A comparison's ``results.json``, or :class:`AdviceError` naming the file, what is wrong and the fix."""
    where = f"{flag} {config.display_path(path)}"
    fix = "give the results.json written by `ragft compare --out FOLDER` (or run it again to rewrite the file)"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise AdviceError(f"{where}: not valid JSON ({err.msg} at line {err.lineno}, column {err.colno}); {fix}") from None
    except UnicodeDecodeError:
        raise AdviceError(f"{where}: not valid JSON (not UTF-8 text); {fix}") from None
    except (OSError, ValueError, RecursionError) as err:
        raise AdviceError(f"{where}: not valid JSON or not readable ({type(err).__name__}); {fix}") from None
    if not isinstance(data, dict) or not isinstance(data.get("systems"), dict):
        raise AdviceError(f"{where}: not a comparison results file (no \"systems\" object); {fix}")
    for key in ("differences", "update"):
        if key in data and not isinstance(data[key], dict):
            raise AdviceError(f"{where}: not a comparison results file (\"{key}\" is not an object); {fix}")
    return data


def _pct_points(d: dict[str, Any]) -> str:
    lo, hi = d["ci95"]
    scale = 100 if abs(d["diff"]) <= 1 and abs(lo) <= 1 and abs(hi) <= 1 else 1
    return f"{d['diff'] * scale:+.0f} points (95% interval {lo * scale:+.0f} to {hi * scale:+.0f})"


def _accuracy_evidence(ev: Evidence) -> list[str]:
    if not ev.results:
        return []
    try:
        return _accuracy_lines(ev)
    except (KeyError, TypeError, AttributeError, ValueError) as err:  # a results file of another shape or version
        return [f"the accuracy figures of {ev.results_path} could not be read ({type(err).__name__}: {err}); "
                "run `ragft compare --out FOLDER` again to rewrite it"]


def _accuracy_lines(ev: Evidence) -> list[str]:
    out = []
    d = ev.results.get("differences", {}).get("rag_vs_ft", {}).get("test_unseen")
    if d:
        out.append(f"RAG minus the fine-tuned model on facts only the documents hold: {_pct_points(d)}")
    u = ev.results.get("update", {})
    if "rag" in u and "ft" in u:
        ft = "fine-tuned and retrained on the new facts" if "retrain_seconds" in u["ft"] else "fine-tuned"
        out.append(f"after a knowledge update, current answers: RAG {u['rag']['changed_accuracy']:.0%}, "
                   f"{ft} {u['ft']['changed_accuracy']:.0%} (index update {u['rag'].get('update_seconds', 0):.1f} s)")
    return out


def _cost_evidence(ev: Evidence, p: Profile) -> tuple[list[str], dict[str, float]]:
    if not ev.results:
        return [], {}
    from .. import cost

    try:
        profs = cost.profiles(ev.results)
        prices = cost.load_prices()
    except (ValueError, KeyError, TypeError, AttributeError, cost.PriceError):
        return [], {}
    totals = {}
    for name in ("rag", "ft"):
        if name in profs:
            totals[name] = cost.horizon_cost(profs[name], prices, queries_per_day=p.queries_per_day,
                                             updates_per_month=p.updates_per_month, months=12)["cost_total"]
    if len(totals) < 2:
        return [], {}
    cur = prices.currency
    return ([f"cost model over 12 months at {p.queries_per_day:g} queries a day and {p.updates_per_month:g} updates a "
             f"month, with the course's measured seconds and default prices: RAG {totals['rag']:.2f} {cur}, "
             f"fine-tuned {totals['ft']:.2f} {cur} (edit the prices: `ragft cost --prices`)"], totals)


# --------------------------------------------------------------------------------------------------
# the rules


def _reason(factor: str, says: str, text: str, claim_key: str, ev: Evidence, extra: list[str] | None = None) -> dict:
    claim_id = CLAIMS[claim_key]
    return {"factor": factor, "points_to": says, "reason": text, "claim": claim_id, "verdict": ev.verdict(claim_id),
            "evidence": (extra or []) + ev.claim_evidence(claim_id)}


def advise(profile: Profile, evidence: Evidence | None = None) -> dict[str, Any]:
    """The recommendation for ``profile``: ``{"recommendation", "summary", "reasons", "profile", "measurements"}``."""
    p, ev = profile, evidence or Evidence()
    p.check()
    enough = p.training_examples >= _min_examples()
    knowledge = p.needs_documents
    format_ft = p.fixed_format and enough
    reasons = []
    if knowledge:
        reasons.append(_reason("own knowledge", "rag", "Answers must come from your own documents: retrieval puts them in "
                               "the prompt, while facts trained into weights were recalled unreliably.", "knowledge", ev,
                               _accuracy_evidence(ev)))
    if p.updates_per_month > 0:
        reasons.append(_reason("updates", "rag", f"The knowledge changes {p.updates_per_month:g} times a month: an index "
                               "update is enough for RAG, an adapter must be retrained and still lagged behind.",
                               "updates", ev))
    if p.needs_citations:
        reasons.append(_reason("citations", "rag", "Answers must cite their source: only retrieval knows which document "
                               "an answer came from, and a citation is as good as the search that found the document.",
                               "citations", ev))
    if p.fixed_format and enough and p.labels_inputs:
        reasons.append(_reason("fixed labels", "fine-tuning", f"Each input gets one label from a fixed set and you have "
                               f"{p.training_examples} labelled examples: an adapter trained on labelled tickets sorted "
                               "new ones better than the same model shown examples in the prompt.", "labels", ev))
    elif p.fixed_format and enough:
        reasons.append(_reason("fixed format", "fine-tuning", f"Replies need a fixed format and you have "
                               f"{p.training_examples} worked examples (a course adapter learned its format from "
                               f"{_min_examples()}): an adapter keeps the format without instructions in every prompt.",
                               "format", ev))
    elif p.fixed_format:
        reasons.append(_reason("fixed format, few examples", "prompting", f"Replies need a fixed format but only "
                               f"{p.training_examples} worked examples exist (a course adapter needed "
                               f"{_min_examples()}): put a few of them in the prompt first, and collect more before "
                               "training.", "examples", ev))
    if p.private_data and knowledge:
        reasons.append(_reason("private data", "rag", "Some data is private: keep it in the index, where permissions are "
                               "checked inside the search for every question.", "private", ev))
    if p.private_data and format_ft:
        reasons.append(_reason("private training data", "rag", "Do not put private data into training examples: an "
                               "adapter repeated planted secrets to anyone who asked, and weights cannot be filtered per "
                               "user. Scrub the examples or keep that data in the index.", "private_training", ev))
    cost_lines, totals = _cost_evidence(ev, p)
    if totals:
        cheaper = "rag" if totals["rag"] <= totals["ft"] else "fine-tuning"
        note = ("" if not knowledge or cheaper == "rag" else
                " At this traffic the fine-tuned model costs less to run, but it cannot answer from your documents; "
                "the cost does not change the recommendation.")
        reasons.append(_reason("cost", cheaper, f"At your traffic and update rate, {cheaper} is the cheaper of the two "
                               f"to run for a year.{note}", "cost", ev, cost_lines))
    if knowledge and format_ft:
        rec, summary = "hybrid", "RAG for the knowledge, a fine-tuned adapter for the format"
        reasons.append(_reason("both", "hybrid", "Both needs at once: keep the knowledge in the index and the format in "
                               "an adapter trained to read retrieved passages.", "hybrid", ev))
    elif knowledge:
        rec, summary = "rag", "retrieval-augmented generation over your documents"
    elif format_ft:
        rec, summary = "fine-tuning", "a LoRA adapter for the format, no retrieval"
    else:
        rec, summary = "prompting", "a well-written prompt (with worked examples) on the base model; no index, no training"
        reasons.append({"factor": "nothing to add", "points_to": "prompting", "claim": "", "verdict": "",
                        "reason": "Neither your own knowledge nor a format backed by enough examples: start with a "
                        "prompt, and measure it before building anything.", "evidence": []})
    return {"recommendation": rec, "summary": summary, "reasons": reasons, "profile": p.to_dict(),
            "measurements": {"results": ev.results_path or None, "glue": ev.glue_path or None}}


def format_advice(advice: dict[str, Any]) -> str:
    lines = [f"Recommendation: {advice['recommendation']} ({advice['summary']})", "", "Why:"]
    for i, r in enumerate(advice["reasons"], start=1):
        claim = f" [claim {r['claim']}: {r['verdict']}]" if r["claim"] else ""
        lines.append(f"{i}. {r['factor']} -> {r['points_to']}: {r['reason']}{claim}")
        lines += [f"     - {e}" for e in r["evidence"]]
    m = advice["measurements"]
    lines += ["", f"Measurements: comparison results {m['results'] or 'not found (run Lab 3 or `ragft compare --out`)'}; "
              f"book values {m['glue'] or 'not found (run `make book`)'}"]
    return "\n".join(lines)


#: the questions that may go unanswered (their default is taken)
OPTIONAL = ("labels_inputs",)

#: the four contrasting profiles the course shows (chapter "When to use")
EXAMPLE_PROFILES = {
    "support-desk": Profile(needs_documents=True, updates_per_month=30, queries_per_day=2000, needs_citations=True,
                            fixed_format=False, private_data=False, training_examples=0),
    "ticket-router": Profile(needs_documents=False, updates_per_month=0, queries_per_day=5000, needs_citations=False,
                             fixed_format=True, private_data=False, training_examples=250, labels_inputs=True),
    "hr-assistant": Profile(needs_documents=True, updates_per_month=4, queries_per_day=200, needs_citations=True,
                            fixed_format=True, private_data=True, training_examples=120),
    "writing-helper": Profile(needs_documents=False, updates_per_month=0, queries_per_day=50, needs_citations=False,
                              fixed_format=True, private_data=False, training_examples=10),
}


from .chart import plot_guide  # noqa: E402, F401 (re-exported; the chart needs _min_examples above)
