"""Q&A over PDFs: part of the knowledge base written as real PDF files, read back through the course loader.

:func:`write_pdf` lays a Markdown document out with ``fpdf2`` the way office documents usually look:
headings in bold, bullet lists, Markdown tables as drawn tables, and (``columns=2``) a two-column page
like a brochure. The fonts are DejaVu, shipped with matplotlib, so every character prints. Nothing of the
Markdown's markup survives in the file: what a PDF keeps is positioned text.

:func:`extraction_report` measures what text extraction (``pypdf``, the loader's reader) gives back
against the Markdown original: table cells found, table rows kept on one line, sentences found intact,
in ``pypdf``'s default order and in its ``layout`` mode (which reads lines across the page).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: the documents Lab 8 prints: product sheets with a specification table, plans on two-column pages,
#: support tiers as plain pages
PDF_DOCS = ("kestmoor-k10", "kestmoor-k20", "kestmoor-k20-marine", "ostrel-a2", "ostrel-a2-pro", "ostrel-a3",
            "pivra-w1", "pivra-w1-plus", "pivra-w5", "plan-sprout", "plan-grove", "plan-canopy", "plan-forest",
            "support-standard", "support-priority", "support-premier")
TWO_COLUMN = ("plan-sprout", "plan-grove", "plan-canopy", "plan-forest")


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _inline(text: str) -> str:
    """Markdown inline markup removed: **bold**, `code`, [links](url)."""
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    return re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)


def blocks(markdown: str) -> list[tuple[str, Any]]:
    """The body as ``(kind, content)`` blocks: ``h1``/``h2``/``h3``, ``bullet``, ``para`` (text), ``table`` (rows)."""
    out: list[tuple[str, Any]] = []
    para: list[str] = []
    table: list[list[str]] = []

    def flush():
        if para:
            out.append(("para", _inline(" ".join(para))))
            para.clear()
        if table:
            out.append(("table", [row[:] for row in table]))
            table.clear()

    for line in markdown.splitlines():
        s = line.strip()
        if s.startswith("|"):
            if para:
                out.append(("para", _inline(" ".join(para))))
                para.clear()
            cells = [_inline(c.strip()) for c in s.strip("|").split("|")]
            if not all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
                table.append(cells)
            continue
        if table:
            flush()
        if not s:
            flush()
        elif m := re.match(r"^(#{1,3})\s+(.*)$", s):
            flush()
            out.append((f"h{len(m.group(1))}", _inline(m.group(2))))
        elif m := re.match(r"^[-*]\s+(.*)$", s):
            flush()
            out.append(("bullet", _inline(m.group(1))))
        else:
            para.append(s)
    flush()
    return out


def write_pdf(doc, path: str | Path, *, columns: int = 1) -> Path:
    """Write one document (``.title``, ``.text``: Markdown body) as a PDF; ``columns=2`` for a two-column page."""
    from fpdf import FPDF

    path = Path(path)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_title(doc.title)
    pdf.add_page()
    parts = blocks(doc.text)
    if parts and parts[0][0] == "h1":  # the title spans the page; the body below it may be in columns
        pdf.set_font("DejaVu", "B", 16)
        pdf.multi_cell(0, 8, parts[0][1], new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        parts = parts[1:]
    if columns == 1:
        for kind, content in parts:
            if kind in ("h2", "h3"):
                pdf.ln(2)
                pdf.set_font("DejaVu", "B", 12 if kind == "h2" else 11)
                pdf.multi_cell(0, 6, content, new_x="LMARGIN", new_y="NEXT")
            elif kind == "table":
                pdf.set_font("DejaVu", "", 9.5)
                with pdf.table(first_row_as_headings=True, line_height=5.5) as table:
                    for row in content:
                        cells = table.row()
                        for cell in row:
                            cells.cell(cell)
                pdf.ln(2)
            else:
                pdf.set_font("DejaVu", "", 10)
                text = f"• {content}" if kind == "bullet" else content
                pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(1 if kind == "bullet" else 2)
    else:
        with pdf.text_columns(ncols=columns, gutter=8, text_align="LEFT", balance=True) as cols:
            for kind, content in parts:
                if kind == "table":  # a table in a column is written as lines "label: value"
                    content = "\n".join(": ".join(r) for r in content[1:])
                    kind = "para"
                bold = kind in ("h2", "h3")
                pdf.set_font("DejaVu", "B" if bold else "", 11 if bold else 10)
                text = f"• {content}" if kind == "bullet" else content
                cols.write(text + "\n")
                if kind != "bullet":
                    cols.ln()
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def write_pdfs(docs: Sequence, folder: str | Path, *, two_column: Sequence[str] = TWO_COLUMN) -> list[Path]:
    """One PDF per document, named ``<doc id>.pdf`` so the loader gives it the same id."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [write_pdf(d, folder / f"{d.id}.pdf", columns=2 if d.id in two_column else 1) for d in docs]


def extract(path: str | Path, mode: str = "plain") -> str:
    """The text ``pypdf`` extracts: ``plain`` (content-stream order, what the loader uses) or ``layout``."""
    from pypdf import PdfReader

    if mode not in ("plain", "layout"):
        raise ValueError(f"mode must be 'plain' or 'layout', got {mode!r}")
    reader = PdfReader(str(path))
    kwargs = {"extraction_mode": "layout"} if mode == "layout" else {}
    return "\n".join(page.extract_text(**kwargs) or "" for page in reader.pages)


def _norm(text: str) -> str:
    return " ".join(text.replace("•", " ").split()).lower()


def sentences(markdown: str) -> list[str]:
    """The sentences of a document's paragraphs and bullets (at least five words each)."""
    out = []
    for kind, content in blocks(markdown):
        if kind in ("para", "bullet"):
            out += [s for s in re.split(r"(?<=[.!?])\s+", content) if len(s.split()) >= 5]
    return out


def extraction_report(doc, path: str | Path) -> dict[str, Any]:
    """What extraction kept of one document, in both modes.

    ``cells``: table cells (header row excluded) found in the extracted text; ``rows``: table rows whose
    cells all sit on one extracted line, in order; ``sentences``: sentences found word for word (spacing
    ignored). Each is ``(found, total)``.
    """
    tables = [rows for kind, rows in blocks(doc.text) if kind == "table"]
    body_rows = [r for rows in tables for r in rows[1:]]
    sents = sentences(doc.text)
    report: dict[str, Any] = {"doc_id": doc.id}
    for mode in ("plain", "layout"):
        text = extract(path, mode)
        flat = _norm(text)
        lines = [_norm(line) for line in text.splitlines()]
        cells = [c for r in body_rows for c in r if c]
        report[mode] = {
            "cells": (sum(_norm(c) in flat for c in cells), len(cells)),
            "rows": (sum(any(re.search(r"\s+".join(re.escape(_norm(c)) for c in r if c), line) for line in lines)
                         for r in body_rows), len(body_rows)),
            "sentences": (sum(_norm(s) in flat for s in sents), len(sents)),
            "chars": len(flat),
        }
    return report


def summarize_extraction(reports: Sequence[dict[str, Any]], docs: Sequence[str] | None = None) -> dict[str, dict[str, float]]:
    """Shares over several documents (``docs``: only those ids): ``{mode: {"cells", "rows", "sentences"}}``."""
    chosen = [r for r in reports if docs is None or r["doc_id"] in docs]
    out = {}
    for mode in ("plain", "layout"):
        out[mode] = {}
        for what in ("cells", "rows", "sentences"):
            found = sum(r[mode][what][0] for r in chosen)
            total = sum(r[mode][what][1] for r in chosen)
            out[mode][what] = found / total if total else float("nan")
    return out


def pdf_questions(questions: Sequence, doc_ids: Sequence[str] = PDF_DOCS) -> list:
    """The questions answered entirely by the printed documents."""
    wanted = set(doc_ids)
    return [q for q in questions if q.doc_ids and set(q.doc_ids) <= wanted]


def pdf_knowledge_base(pdf_folder: str | Path, version: str = "v1") -> list:
    """The course knowledge base with the printed documents read from their PDFs (the rest as Markdown).

    PDFs carry no front matter, so those documents come back public, titled by their first line: the
    same as any PDF a team drops into a folder.
    """
    from .. import data
    from ..rag.loading import load_documents

    pdfs = {d.id: d for d in load_documents(pdf_folder, suffixes=(".pdf",))}
    kb = data.load_kb(version)
    known = {d.id for d in kb}
    return [pdfs.get(d.id, d) for d in kb] + [d for i, d in pdfs.items() if i not in known]


def course_pdf_index(folder: str | Path | None = None, *, progress: bool = False):
    """The PDFs of :data:`PDF_DOCS` (written once) and the index of the knowledge base that reads them.

    Returns ``(index, pdf_paths)``. Both live under ``<cache>/usecases/`` unless ``folder`` is given; the
    index is updated in place, so a second call re-embeds nothing. The chunking settings are the course
    index's, so the two indexes differ only in how the printed documents were read.
    """
    from .. import config, data
    from ..rag.index import build_or_update

    root = Path(folder) if folder else config.cache_dir() / "usecases"
    pdf_dir = root / "pdfs"
    docs = [d for d in data.load_kb("v1") if d.id in PDF_DOCS]
    paths = [pdf_dir / f"{d.id}.pdf" for d in docs]
    if not all(p.is_file() for p in paths):
        paths = write_pdfs(docs, pdf_dir)
    index, _ = build_or_update(pdf_knowledge_base(pdf_dir), root / "kb-v1-pdf", progress=progress)
    return index, paths
