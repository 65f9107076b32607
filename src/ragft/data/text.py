"""Text rules shared by the validator and the metrics: answer normalisation and containment, word n-gram
overlap, and ticket similarity (numbers masked).

Answer matching
    :func:`normalize` is used both by the validator (is the gold answer in its document?) and by the
    answer-accuracy metric (is the gold answer in the model's answer?). It lowercases, drops
    currency symbols and thousands separators (``"$1,299"``, ``"$1299"``, ``"1,299 dollars"`` all
    contain ``"1299"``), drops ``.00`` decimals, spells ``%`` as ``percent``, separates letters from
    digits (``"K20"`` -> ``"k 20"``), turns other punctuation into spaces (keeping a decimal point
    between digits) and collapses whitespace.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_DECIMAL = "\u2027"  # placeholder for a decimal point between digits while punctuation is removed


def normalize(text: str) -> str:
    """Normalise text for answer matching (see the module docstring); idempotent."""
    t = unicodedata.normalize("NFKC", text or "").lower()
    t = re.sub(r"(?<=\d)[,\u202f](?=\d{3}(?!\d))", "", t)  # 1,299 -> 1299
    t = re.sub(r"(?<=\d)\.0+(?!\d)", "", t)  # 347.00 -> 347
    t = t.replace("%", " percent ")
    t = re.sub(r"(?<=\d)\.(?=\d)", _DECIMAL, t)
    t = re.sub(r"[^\w\s" + _DECIMAL + "]|_", " ", t)
    t = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", t)  # k20 -> k 20, 412g -> 412 g
    t = t.replace(_DECIMAL, ".")
    return " ".join(t.split())


def contains(haystack: str, needle: str) -> bool:
    """Whether normalised ``needle`` occurs in normalised ``haystack`` as whole words."""
    n, h = normalize(needle), normalize(haystack)
    return bool(n) and re.search(rf"(?<!\w){re.escape(n)}(?!\w)", h) is not None


def _ngrams(text: str, n: int = 3) -> set[tuple[str, ...]]:
    words = normalize(text).split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def ngram_overlap(a: str, b: str, n: int = 3) -> float:
    """Share of ``a``'s word n-grams that also occur in ``b`` (0 when ``a`` is too short)."""
    ga, gb = _ngrams(a, n), _ngrams(b, n)
    return len(ga & gb) / len(ga) if ga else 0.0


#: a test ticket this similar to a train ticket (Jaccard of word 3-grams, numbers masked) is a near-duplicate
MAX_TICKET_SIMILARITY = 0.6


def ticket_shingles(text: str, n: int = 3) -> set[tuple[str, ...]]:
    """The word ``n``-grams of a ticket: lower-cased words, every word holding a digit masked as ``#``.

    Masking numbers makes "order QO-88213, 3 days" and "order QO-91502, 12 days" the same message,
    which is what they are for a classifier: a test ticket that differs from a train ticket only in
    its numbers measures memory, not generalisation.
    """
    words = ["#" if any(c.isdigit() for c in w) else w for w in re.findall(r"[a-z0-9]+", text.lower())]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def ticket_similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two tickets' :func:`ticket_shingles` (0 when either is too short)."""
    sa, sb = ticket_shingles(a), ticket_shingles(b)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0


def ticket_near_duplicates(tickets: Iterable, threshold: float = MAX_TICKET_SIMILARITY) -> list[tuple[str, str, float]]:
    """``(test id, train id, similarity)`` for each test ticket whose closest train ticket reaches ``threshold``.

    ``tickets`` are :class:`Ticket` objects or dicts with ``id``, ``text`` and ``split``.
    """
    def get(t, key):
        return t[key] if isinstance(t, dict) else getattr(t, key)

    train = [(get(t, "id"), ticket_shingles(get(t, "text"))) for t in tickets if get(t, "split") == "train"]
    found = []
    for t in tickets:
        if get(t, "split") != "test":
            continue
        mine = ticket_shingles(get(t, "text"))
        best_id, best = None, 0.0
        for other_id, theirs in train:
            union = len(mine | theirs)
            sim = len(mine & theirs) / union if mine and theirs else 0.0
            if sim > best:
                best_id, best = other_id, sim
        if best_id is not None and best >= threshold:
            found.append((get(t, "id"), best_id, best))
    return found
