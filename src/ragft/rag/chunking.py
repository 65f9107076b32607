"""Split documents into chunks: first by Markdown headings, then by token count with overlap.

Token counts use the **embedder's own tokenizer** (MiniLM's WordPiece), because the embedder is
what truncates long inputs (at 256 tokens); windows are cut at word boundaries, so a chunk's text
is always an exact slice of the document (after Markdown tables are rewritten as "column: value"
lines, see :func:`linearize_tables`). ``unit="words"`` counts whitespace-separated words
instead (no tokenizer needed; useful in tests and for other embedders).

Each chunk carries its document's id, title, path and access metadata, the heading path of its
section and its position in the document. :meth:`Chunk.embed_text` prefixes the text with
"title > heading" before embedding, so that a short chunk ("It is 30 days.") can still be found
by a question that names the topic ("What is the refund window?").

The splitter is written by hand on purpose: the RAG lab shows each step. (LangChain and
LlamaIndex ship similar splitters; the course does not depend on them.)
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

_HEADING_LINE = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class ChunkingConfig:
    """How documents are cut. ``chunk_size`` and ``overlap`` are in ``unit`` (tokens or words)."""

    chunk_size: int = 160
    overlap: int = 32
    unit: str = "tokens"  # "tokens" (embedder tokenizer) or "words"
    by_headings: bool = True
    prefix: bool = True  # embed "title > heading" in front of each chunk's text
    tables: str = "rows"  # "rows": Markdown table rows become "column: value" lines; "keep": as written

    def __post_init__(self):
        if self.chunk_size < 8:
            raise ValueError(f"chunk_size must be at least 8, got {self.chunk_size}")
        if not 0 <= self.overlap < self.chunk_size:
            raise ValueError(
                f"overlap must be between 0 and chunk_size - 1 ({self.chunk_size - 1}), got {self.overlap}; lower --overlap"
            )
        if self.unit not in ("tokens", "words"):
            raise ValueError(f"unit must be 'tokens' or 'words', got {self.unit!r}")
        if self.tables not in ("rows", "keep"):
            raise ValueError(f"tables must be 'rows' or 'keep', got {self.tables!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Chunk:
    """A piece of a document plus everything needed to cite it and filter on it.

    Supports ``chunk["access"]`` as well as ``chunk.access`` so metadata filters can be written
    either way.
    """

    doc_id: str
    title: str
    text: str
    heading: str = ""
    position: int = 0
    path: str = ""
    access: str = "public"
    groups: list[str] = field(default_factory=list)
    updated: str | None = None
    n_tokens: int = 0
    id: int = -1  # the FAISS id, assigned by the index

    def __getitem__(self, key: str) -> Any:
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key, default)

    @property
    def key(self) -> str:
        return f"{self.doc_id}#{self.position}"

    @property
    def label(self) -> str:
        """"Title > Heading" (or just the title), as shown to the model and in citations."""
        return f"{self.title} > {self.heading}" if self.heading and self.heading != self.title else self.title

    def embed_text(self, prefix: bool = True) -> str:
        return f"{self.label}\n{self.text}" if prefix else self.text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def split_sections(text: str) -> list[tuple[list[str], str]]:
    """Split Markdown into ``(heading_path, body)`` sections; headings inside code fences are ignored.

    The heading path lists the enclosing headings, e.g. ``["Refunds", "Exceptions"]``. Sections
    whose body is empty are dropped (their heading still appears in the path of sub-sections).
    """
    sections: list[tuple[list[str], str]] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush():
        body = "\n".join(lines).strip()
        if body:
            sections.append(([h for _, h in path], body))
        lines.clear()

    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING_LINE.match(line)
        if match:
            flush()
            level = len(match.group(1))
            while path and path[-1][0] >= level:
                path.pop()
            path.append((level, match.group(2).strip()))
        else:
            lines.append(line)
    flush()
    return sections


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def linearize_tables(text: str) -> str:
    """Rewrite Markdown tables as one "column: value" line per row.

    ``| Weight | 412 g |`` under the header ``| Specification | Ostrel A2 |`` becomes
    ``Weight: 412 g``; with more columns, ``Weight: Ostrel A2 412 g; Ostrel A3 455 g``. Small models
    (and the embedder) read such lines far more reliably than pipes and dashes.
    """
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and lines[i].lstrip().startswith("|") and _TABLE_RULE.match(lines[i + 1]):
            header = _cells(lines[i])
            i += 2
            while i < len(lines) and lines[i].lstrip().startswith("|"):
                cells = _cells(lines[i])
                if len(cells) <= 2:
                    out.append(": ".join(c for c in cells if c))
                else:
                    rest = "; ".join(f"{h} {c}".strip() for h, c in zip(header[1:], cells[1:], strict=False))
                    out.append(f"{cells[0]}: {rest}")
                i += 1
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def _word_spans(text: str, tokenizer=None) -> list[tuple[int, int, int]]:
    """``(start, end, n_tokens)`` for each word of ``text`` (word = the tokenizer's pre-tokenized word)."""
    if tokenizer is None:
        return [(m.start(), m.end(), 1) for m in re.finditer(r"\S+", text)]
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, truncation=False, verbose=False)
    spans: list[list[int]] = []
    last_word = None
    for word, (start, end) in zip(enc.word_ids(), enc["offset_mapping"], strict=True):
        if word is None:
            continue
        if word == last_word:
            spans[-1][1] = end
            spans[-1][2] += 1
        else:
            spans.append([start, end, 1])
            last_word = word
    return [tuple(s) for s in spans]


def window_spans(spans: list[tuple[int, int, int]], size: int, overlap: int) -> list[tuple[int, int, int]]:
    """Greedily pack words into windows of at most ``size`` tokens; consecutive windows share about
    ``overlap`` tokens. Returns ``(first_word, last_word_exclusive, n_tokens)`` per window."""
    windows = []
    start = 0
    n = len(spans)
    while start < n:
        end, total = start, 0
        while end < n and (total + spans[end][2] <= size or end == start):
            total += spans[end][2]
            end += 1
        windows.append((start, end, total))
        if end >= n:
            break
        # step back from `end` until about `overlap` tokens are repeated, but always move forward
        back, shared = end, 0
        while back > start + 1 and shared + spans[back - 1][2] <= overlap:
            back -= 1
            shared += spans[back][2]
        start = back
    return windows


def chunk_document(doc, config: ChunkingConfig | None = None, tokenizer=None) -> list[Chunk]:
    """Cut one document (any object with id, title, text and optionally path/access/groups/updated).

    ``tokenizer`` is required when ``config.unit == "tokens"`` (pass the embedder's tokenizer,
    e.g. ``ragft.models.load_embedder().tokenizer``).
    """
    config = config or ChunkingConfig()
    if config.unit == "tokens" and tokenizer is None:
        raise ValueError("chunking by tokens needs the embedder's tokenizer; pass tokenizer=... or use unit='words'")
    tok = tokenizer if config.unit == "tokens" else None
    title = str(getattr(doc, "title", "") or doc.id)
    sections = split_sections(doc.text) if config.by_headings else [([], doc.text.strip())]
    common = dict(
        doc_id=str(doc.id),
        title=title,
        path=str(getattr(doc, "path", "") or ""),
        access=str(getattr(doc, "access", None) or "public"),
        groups=list(getattr(doc, "groups", None) or []),
        updated=str(doc.updated) if getattr(doc, "updated", None) is not None else None,
    )
    chunks: list[Chunk] = []
    for heading_path, body in sections:
        # the top heading usually repeats the title ("Ostrel A2" in "Ostrel A2 product specification")
        if heading_path and heading_path[0].strip().lower() in title.strip().lower():
            heading_path = heading_path[1:]
        heading = " > ".join(heading_path)
        if config.tables == "rows":
            body = linearize_tables(body)
        spans = _word_spans(body, tok)
        for first, last, n_tokens in window_spans(spans, config.chunk_size, config.overlap):
            text = body[spans[first][0] : spans[last - 1][1]]
            chunks.append(Chunk(text=text, heading=heading, position=len(chunks), n_tokens=n_tokens, **common))
    return chunks


def chunk_documents(docs, config: ChunkingConfig | None = None, tokenizer=None) -> list[Chunk]:
    """Chunk several documents (in order)."""
    out: list[Chunk] = []
    for doc in docs:
        out.extend(chunk_document(doc, config, tokenizer))
    return out
