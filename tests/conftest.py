"""Shared test set-up: the whole suite runs offline; fixtures that several test modules use."""

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

RAG_FIXTURES = Path(__file__).parent / "fixtures" / "rag"


def make_pdf(path: Path, lines: list[str]) -> Path:
    """A one-page PDF with extractable text (matplotlib, TrueType fonts so pypdf can read it back)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with matplotlib.rc_context({"pdf.fonttype": 42}), PdfPages(path) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        for i, line in enumerate(lines):
            fig.text(0.08, 0.92 - 0.04 * i, line, fontsize=12)
        pdf.savefig(fig)
        plt.close(fig)
    return path


@pytest.fixture
def docs_dir(tmp_path):
    """A folder of documents that is not the course corpus: the Markdown/text fixtures plus a real PDF."""
    folder = tmp_path / "docs"
    shutil.copytree(RAG_FIXTURES, folder)
    make_pdf(folder / "warranty.pdf", ["Warranty", "Every frame sold by Spokewise has a warranty of seven years."])
    return folder


@pytest.fixture
def private_embedding_cache(tmp_path, monkeypatch):
    """Vectors embedded by a test go to a folder of its own, never into the user's cache."""
    from ragft.rag import embedding as embedding_mod

    monkeypatch.setattr(embedding_mod, "embeddings_cache_dir", lambda: tmp_path / "emb")
