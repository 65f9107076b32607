"""Training data for LoRA fine-tuning: loading JSONL files and building examples from the course data.

An *example* is a dict in one of two forms:

* ``{"question": "...", "answer": "..."}``: one user turn and the assistant's reply;
* ``{"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}, ...]}``:
  a whole chat (optionally starting with a ``system`` turn); the loss is taken on every assistant turn.

:func:`load_training_data` reads such examples from a JSONL file and rejects bad lines with a message
that names the file and line. The ``*_examples`` builders turn the course's question, house-format and
ticket sets into examples, so the labs and the comparison harness train on exactly the same data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..errors import UsageError

ROLES = ("system", "user", "assistant")


class TrainingDataError(UsageError, ValueError):
    """A training file or example is malformed. The message names the place and the fix."""


# --------------------------------------------------------------------------------------------------
# validation and loading


def check_example(example: object, where: str = "example") -> dict:
    """Return ``example`` as a clean dict, or raise :class:`TrainingDataError` naming ``where``."""
    if not isinstance(example, dict):
        raise TrainingDataError(f"{where}: expected a JSON object, got {type(example).__name__}")
    if "messages" in example:
        messages = example["messages"]
        if not isinstance(messages, list) or not messages:
            raise TrainingDataError(f'{where}: "messages" must be a non-empty list of {{"role", "content"}} objects')
        for i, m in enumerate(messages):
            if not isinstance(m, dict) or "role" not in m or "content" not in m:
                raise TrainingDataError(f'{where}: message {i + 1} needs "role" and "content"')
            if m["role"] not in ROLES:
                raise TrainingDataError(f"{where}: message {i + 1} has role {m['role']!r}; use one of {', '.join(ROLES)}")
            if not isinstance(m["content"], str):
                raise TrainingDataError(f'{where}: message {i + 1} "content" must be a string')
        if not any(m["role"] == "assistant" and m["content"].strip() for m in messages):
            raise TrainingDataError(f"{where}: no non-empty assistant message, so there is nothing to learn")
        if messages[-1]["role"] != "assistant":
            raise TrainingDataError(f"{where}: the last message must be the assistant's (the reply to learn)")
        for i, m in enumerate(messages):
            _check_text(m["content"], f"{where}: message {i + 1} \"content\"")
        return {"messages": [{"role": m["role"], "content": m["content"]} for m in messages]}
    for key in ("question", "answer"):
        if key not in example:
            raise TrainingDataError(f'{where}: missing "{key}" (each line needs "question" and "answer", or "messages")')
        if not isinstance(example[key], str) or not example[key].strip():
            raise TrainingDataError(f'{where}: "{key}" must be a non-empty string')
        _check_text(example[key], f'{where}: "{key}"')
    return {"question": example["question"], "answer": example["answer"]}


def _check_text(text: str, what: str) -> None:
    """Refuse strings that are not valid Unicode (a JSON escape like "\\ud800" gives an unpaired surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise TrainingDataError(f"{what} holds an unpaired surrogate (\\u{ord(text[err.start]):04x} at character "
                                f"{err.start + 1}), which is not a character; remove that escape") from None


def load_training_data(path: str | Path) -> list[dict]:
    """Read examples from a JSONL file (one JSON object a line; blank lines are skipped).

    Raises :class:`TrainingDataError` for a missing or empty file and for any malformed line, e.g.
    ``data.jsonl:7: not valid JSON (Expecting ',' delimiter)`` or ``data.jsonl:3: missing "answer"``.
    """
    path = Path(path)
    if not path.is_file():
        raise TrainingDataError(f"{path}: no such file; pass a JSONL file with one example per line")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise TrainingDataError(f"{path}: cannot be read ({err.strerror or err})") from None
    examples = []
    for n, data in enumerate(raw.removeprefix(b"\xef\xbb\xbf").splitlines(), start=1):  # a UTF-8 BOM is fine
        where = f"{path.name}:{n}"
        try:
            line = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise TrainingDataError(
                f"{where}: not UTF-8 text (byte 0x{data[err.start]:02x} at column {err.start + 1}; the file looks saved as "
                f"latin-1 or another legacy encoding); save it as UTF-8, e.g. `iconv -f latin1 -t utf-8 {path.name} "
                f"> fixed.jsonl`") from None
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as err:
            raise TrainingDataError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
        except (ValueError, RecursionError) as err:  # a 5,000-digit number, or arrays nested thousands deep
            reason = "nested too deeply" if isinstance(err, RecursionError) else str(err).split(";")[0]
            raise TrainingDataError(f"{where}: not usable JSON ({reason})") from None
        examples.append(check_example(obj, where))
    if not examples:
        raise TrainingDataError(f"{path}: the file holds no examples; add lines like "
                                '{"question": "...", "answer": "..."}')
    return examples


def save_training_data(examples: Iterable[dict], path: str | Path) -> Path:
    """Write examples as JSONL (the format :func:`load_training_data` and ``ragft finetune`` read)."""
    path = Path(path)
    with path.open("w", encoding="utf-8") as fh:
        for i, ex in enumerate(examples):
            fh.write(json.dumps(check_example(ex, f"example {i + 1}"), ensure_ascii=False) + "\n")
    return path


def to_messages(example: dict, system: str | None = None) -> list[dict]:
    """The chat messages of an example, with ``system`` prepended when it has no system turn."""
    if "messages" in example:
        messages = [dict(m) for m in example["messages"]]
    else:
        messages = [{"role": "user", "content": example["question"]},
                    {"role": "assistant", "content": example["answer"]}]
    if system is not None and messages[0]["role"] != "system":
        messages.insert(0, {"role": "system", "content": system})
    return messages


# --------------------------------------------------------------------------------------------------
# examples from the course data (ragft.data objects or plain dicts with the same fields)


def _get(item, key):
    return item[key] if isinstance(item, dict) else getattr(item, key)


#: system prompt for the knowledge experiment (training and closed-book evaluation alike)
KNOWLEDGE_SYSTEM = "Answer in one short sentence."


def answer_sentence(question: str, answer: str) -> str:
    """A short answer sentence for a fact, e.g. ``"The answer is 412 g."``.

    The course data gives answers as short strings; we wrap them in the same plain sentence for every
    question so that the model has one simple pattern to learn and all the difficulty is the fact.
    """
    return f"The answer is {answer}."


def knowledge_examples(questions: Sequence, *, paraphrases: bool = False) -> list[dict]:
    """``{"question", "answer"}`` examples from course questions (the first alias as the answer).

    With ``paraphrases=True`` every paraphrase of a question becomes an extra example with the same
    answer (data augmentation: the same fact in several wordings).
    """
    out = []
    for q in questions:
        answers = _get(q, "answers")
        if not answers:  # unanswerable questions teach nothing closed-book
            continue
        answer = answer_sentence(_get(q, "question"), answers[0])
        wordings = [_get(q, "question")]
        if paraphrases:
            wordings += list(_get(q, "paraphrases") or [])
        out.extend({"question": w, "answer": answer} for w in wordings)
    return out


def house_format_examples(items: Sequence) -> list[dict]:
    """``{"question", "answer"}`` examples from house-format items (the reply is the answer)."""
    return [{"question": _get(it, "question"), "answer": _get(it, "reply")} for it in items]


def ticket_prompt(text: str, labels: Sequence[str]) -> str:
    """The classification prompt, identical for zero-shot prompting and fine-tuning."""
    return (f"Classify this customer ticket into exactly one category: {', '.join(labels)}.\n"
            f"Reply with the category only.\n\nTicket: {text}")


def ticket_examples(tickets: Sequence, labels: Sequence[str]) -> list[dict]:
    """``{"question", "answer"}`` examples: the ticket prompt and its label."""
    return [{"question": ticket_prompt(_get(t, "text"), labels), "answer": _get(t, "label")} for t in tickets]
