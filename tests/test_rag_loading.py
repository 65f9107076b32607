"""Loading documents and chunking them (no models needed except the embedder's tokenizer)."""

from __future__ import annotations

import warnings

import pytest

from ragft.rag import ChunkingConfig, SkippedFileWarning, chunk_document, load_documents, split_sections
from ragft.rag.chunking import window_spans
from ragft.rag.loading import Document, NoDocumentsError


def test_loads_markdown_text_and_pdf_with_metadata(docs_dir):
    docs = {d.id: d for d in load_documents(docs_dir)}
    assert set(docs) == {"returns", "staff-pay", "opening_hours", "warranty"}
    assert docs["returns"].title == "Returns and repairs"
    assert docs["returns"].updated == "2025-03-01"
    assert docs["staff-pay"].access == "confidential" and docs["staff-pay"].groups == ["managers"]
    assert docs["opening_hours"].access == "public" and docs["opening_hours"].title == "Opening hours"
    assert "seven years" in docs["warranty"].text and docs["warranty"].title == "Warranty"
    assert not docs["returns"].text.startswith("---")  # front matter is metadata, not text


def test_id_defaults_to_relative_path(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "note.md").write_text("Some text without a heading.")
    (doc,) = load_documents(tmp_path)
    assert doc.id == "a/b/note" and doc.title == "note"


def test_bad_files_are_skipped_with_a_warning_naming_them(docs_dir):
    (docs_dir / "empty.md").write_text("   \n")
    (docs_dir / "latin1.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    (docs_dir / "binary.txt").write_bytes(b"\x00\x01\x02binary")
    (docs_dir / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    (docs_dir / "image.png").write_bytes(b"\x89PNG")  # unsupported type: ignored silently
    with pytest.warns(SkippedFileWarning) as caught:
        docs = load_documents(docs_dir)
    messages = " ".join(str(w.message) for w in caught)
    for name in ("empty.md", "latin1.txt", "binary.txt", "broken.pdf"):
        assert name in messages
    assert "UTF-8" in messages
    assert len(docs) == 4


def test_folder_without_documents_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_documents(tmp_path / "missing")
    (tmp_path / "x.png").write_bytes(b"png")
    (tmp_path / "empty.md").write_text("")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(NoDocumentsError, match="no usable documents"):
            load_documents(tmp_path)


def test_duplicate_ids_are_an_error(tmp_path):
    (tmp_path / "a.md").write_text("---\nid: same\n---\nText A")
    (tmp_path / "b.md").write_text("---\nid: same\n---\nText B")
    with pytest.raises(ValueError, match="same"):
        load_documents(tmp_path)


def test_split_sections_tracks_heading_path_and_ignores_code():
    text = "# Title\nintro\n## A\na text\n```\n# not a heading\n```\n### A1\ndeep\n## B\nb text\n"
    sections = split_sections(text)
    assert [h for h, _ in sections] == [["Title"], ["Title", "A"], ["Title", "A", "A1"], ["Title", "B"]]
    assert "# not a heading" in sections[1][1]


def test_windows_respect_size_and_overlap():
    spans = [(i, i + 1, 1) for i in range(100)]
    windows = window_spans(spans, 30, 10)
    assert all(n <= 30 for _, _, n in windows)
    assert windows[0] == (0, 30, 30) and windows[1][0] == 20  # 10 words shared
    assert windows[-1][1] == 100
    assert window_spans(spans, 30, 0)[1][0] == 30


def test_chunks_keep_metadata_and_prefix():
    doc = Document(
        id="d1",
        title="Handbook",
        text="# Handbook\n## Leave\n" + "word " * 120 + "\n## Pay\nPaid monthly.",
        path="x/d1.md",
        access="confidential",
        groups=["hr"],
    )
    chunks = chunk_document(doc, ChunkingConfig(chunk_size=50, overlap=10, unit="words"))
    assert len(chunks) == 4  # 120 words -> 3 windows, plus the short Pay section
    assert [c.position for c in chunks] == [0, 1, 2, 3]
    assert all(c.doc_id == "d1" and c.access == "confidential" and c.groups == ["hr"] and c.path == "x/d1.md" for c in chunks)
    assert chunks[0].heading == "Leave" and chunks[-1].heading == "Pay"
    assert chunks[-1].embed_text() == "Handbook > Pay\nPaid monthly."
    assert chunks[-1].embed_text(prefix=False) == "Paid monthly."
    assert chunks[0]["access"] == "confidential"  # dict-style access for filters


def test_token_chunks_use_the_embedder_tokenizer():
    from ragft.models import load_embedder

    tokenizer = load_embedder().tokenizer
    doc = Document(id="t", title="T", text="Supercalifragilistic antidisestablishmentarianism. " * 60)
    config = ChunkingConfig(chunk_size=64, overlap=16)
    chunks = chunk_document(doc, config, tokenizer)
    assert len(chunks) > 3
    for c in chunks:
        n = len(tokenizer(c.text, add_special_tokens=False)["input_ids"])
        assert n == c.n_tokens <= 64
        assert c.text in doc.text  # an exact slice: words are never cut


def test_bad_chunking_config_says_what_to_fix():
    with pytest.raises(ValueError, match="overlap"):
        ChunkingConfig(chunk_size=50, overlap=50)
    with pytest.raises(ValueError, match="chunk_size"):
        ChunkingConfig(chunk_size=2)
    with pytest.raises(ValueError, match="tokenizer"):
        chunk_document(Document(id="a", title="a", text="x"), ChunkingConfig())


def test_tables_become_lines():
    from ragft.rag import linearize_tables

    text = "Intro.\n\n| Specification | Ostrel A2 |\n|---|---|\n| Weight | 412 g |\n| SKU | QV-1 |\n\n| Plan | Devices | Price |\n|:--|--:|---|\n| Sprout | 13 | $9 |\nAfter."
    assert linearize_tables(text) == "Intro.\n\nWeight: 412 g\nSKU: QV-1\n\nSprout: Devices 13; Price $9\nAfter."
    doc = Document(id="t", title="Ostrel A2 sheet", text="# Ostrel A2\n## Specifications\n" + text)
    (chunk,) = chunk_document(doc, ChunkingConfig(unit="words"))
    assert "Weight: 412 g" in chunk.text and "|" not in chunk.text
    assert chunk.label == "Ostrel A2 sheet > Specifications"  # the H1 repeating the title is dropped
    (kept,) = chunk_document(doc, ChunkingConfig(unit="words", tables="keep"))
    assert "| Weight | 412 g |" in kept.text


# --------------------------------------------------------------------------------------------------
# HTML pages (issue 27: many users' documents are web pages)

PAGE = """<!DOCTYPE html><html><head><meta charset="iso-8859-1"><title>Energy - Brekkefjell Observatory</title>
<meta name="description" content="How the observatory is powered"><style>p {color: red}</style>
<script>var secret = "tracking code";</script></head>
<body><nav><a href="/">Home</a> | <a href="/visit">Visit</a></nav>
<h1>Energy<a class="headerlink" href="#energy">\u00b6</a></h1><p>The dome runs on <a href="/solar">48 solar panels</a>.</p>
<h2>Storage</h2><ul><li>Battery: 96 kWh</li><li>Caf\u00e9 heating: heat pump</li></ul>
<table><tr><th>Month</th><th>Output</th></tr><tr><td>June</td><td>5.2 MWh</td></tr></table>
<pre>panels --status
</pre><footer>Copyright 2026 the observatory</footer></body></html>"""


def test_html_page_becomes_markdown_with_its_headings_tables_and_title(tmp_path):
    (tmp_path / "energy.html").write_bytes(PAGE.encode("iso-8859-1"))
    (doc,) = load_documents(tmp_path)
    assert doc.id == "energy" and doc.title == "Energy - Brekkefjell Observatory"
    assert doc.text.startswith("# Energy\n") and "## Storage" in doc.text
    assert "48 solar panels" in doc.text and "- Battery: 96 kWh" in doc.text and "Café heating" in doc.text
    assert "| June | 5.2 MWh |" in doc.text and "```\npanels --status" in doc.text
    for furniture in ("tracking code", "color: red", "Home", "Copyright", "\u00b6", "href"):
        assert furniture not in doc.text, furniture
    assert doc.access == "public" and doc.meta == {"description": "How the observatory is powered"}
    chunks = chunk_document(doc, ChunkingConfig(unit="words", chunk_size=40, overlap=8))
    assert [c.heading.split(" > ")[-1] for c in chunks][1] == "Storage"  # the h2 is a section of its own
    assert any("June: 5.2 MWh" in c.text for c in chunks)  # the table is read as "row: value" lines


def test_html_access_comes_from_meta_tags_or_a_sidecar_denying_by_default(tmp_path):
    head = '<html><head><meta name="{}" content="{}"></head><body><h1>Pay</h1><p>Band C is 4,100.</p></body></html>'
    (tmp_path / "pay.html").write_text(head.format("access", "confidential").replace("</head>", '<meta name="groups" content="hr, exec"></head>'))
    (tmp_path / "typo.html").write_text(head.format("acess", "internal"))
    (tmp_path / "side.htm").write_text(head.format("access", "public"))
    (tmp_path / "side.htm.yaml").write_text("access: internal\ngroups: [staff]\n")
    with pytest.warns(UserWarning, match="typo.html"):
        docs = {d.id: d for d in load_documents(tmp_path)}
    assert set(docs) == {"pay", "typo", "side"}  # the sidecar is metadata, not a document
    assert (docs["pay"].access, docs["pay"].groups) == ("confidential", ["hr", "exec"])
    assert docs["typo"].access != "public"  # a misspelt key never makes a page public
    assert (docs["side"].access, docs["side"].groups) == ("internal", ["staff"])  # the sidecar wins


def test_html_without_content_is_skipped_with_a_reason(tmp_path):
    (tmp_path / "menu.html").write_text("<html><body><nav>Home</nav><script>x()</script></body></html>")
    (tmp_path / "ok.md").write_text("# Ok\n\ntext")
    with pytest.warns(SkippedFileWarning, match="menu.html: is empty"):
        assert [d.id for d in load_documents(tmp_path)] == ["ok"]


def test_html_paragraphs_wrapped_in_the_source_become_one_line_but_pre_keeps_its_lines():
    from ragft.rag.compress import split_units
    from ragft.rag.loading import html_to_markdown

    page = ("<html><body><h1>zlib</h1><p>The default compression level\nis 6, a compromise between\nspeed and size.</p>"
            "<pre>gzip -9 file\ngzip -d file.gz</pre><!-- a comment\nthat stays hidden --></body></html>")
    _, text = html_to_markdown(page)
    assert "The default compression level is 6, a compromise between speed and size." in text
    assert "gzip -9 file\ngzip -d file.gz" in text and "comment" not in text
    assert "The default compression level is 6, a compromise between speed and size." in split_units(text)
