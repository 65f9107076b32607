"""The website as a reader sees it: every page of the built book, opened in headless Chromium.

Needs the book (``make book``) and Chromium (``apt-get install chromium``). Without them these tests are
skipped with the reason, unless ``RAGFT_REQUIRE_SITE=1`` (set by ``.ci/run``), which makes a missing book or
browser a failure. Screenshots of every page at desktop and phone width land in ``_build/screenshots``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if "check_site" not in sys.modules:  # tests/test_book.py may have loaded it already
    _spec = importlib.util.spec_from_file_location("check_site", ROOT / "scripts" / "check_site.py")
    sys.modules["check_site"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["check_site"])
site = sys.modules["check_site"]

REQUIRED = os.environ.get("RAGFT_REQUIRE_SITE") == "1"
DOCS = site.toc_pages()


def _unavailable() -> str | None:
    if not (site.SITE / "index.html").is_file():
        return f"no built book at {site.SITE}: run `make book` first"
    if site.chromium_path() is None:
        return "Chromium is not installed: apt-get install chromium"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed: make install"
    return None


@pytest.fixture(scope="module")
def crawl():
    why = _unavailable()
    if why:
        if REQUIRED:
            pytest.fail(f"RAGFT_REQUIRE_SITE=1 but {why}")
        pytest.skip(why)
    return site.check_site(site.SITE, site.SHOTS, DOCS, progress=False)


@pytest.mark.parametrize("doc", DOCS)
def test_page_renders_as_a_reader_sees_it(crawl, doc):
    report = crawl["pages"][doc]
    assert not report.problems, f"{doc}.html:\n  " + "\n  ".join(report.problems)
    assert len(report.screenshots) == len(site.VIEWPORTS), f"{doc}: a screenshot per width, got {report.screenshots}"


def test_chapters_and_labs_paste_values_and_show_figures(crawl):
    pasted = {doc: r.pasted for doc, r in crawl["pages"].items()}
    quiet = [doc for doc in DOCS if doc.startswith("chapters/0") and doc != "chapters/00_intro" and not pasted[doc]]
    assert not quiet, f"chapters that paste no measured value at all: {quiet}"
    assert sum(r.images for r in crawl["pages"].values()) >= 20, "the site shows fewer than 20 figures"


def test_search_finds_a_word_of_the_course(crawl):
    n, titles = crawl["search"]
    assert n > 0, f"the search page found nothing for {site.SEARCH_WORD!r}"


def test_each_lab_offers_its_notebook(crawl):
    assert not crawl["downloads"], crawl["downloads"]


def test_link_checker_finds_a_broken_link_and_a_missing_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<h1 id="top">A</h1>')
    base = "http://127.0.0.1:1/"
    problems = site.link_problems(tmp_path, base + "a.html", base, ["a.html#top", "b.html", "a.html#nowhere",
                                                                  "https://example.org/x"])
    assert problems == ["broken link 'a.html#nowhere' (no anchor #nowhere on a.html)",
                        "broken link 'b.html' (no file b.html)"]


def test_bad_paste_pattern_catches_errors_and_keeps_numbers():
    assert site.BAD_PASTE.search("KeyError: 'cmp_x'") and site.BAD_PASTE.search("<Figure size 640x480 with 1 Axes>")
    assert site.BAD_PASTE.search("nan%") and site.BAD_PASTE.search("not run in this build")
    assert not any(site.BAD_PASTE.search(t) for t in ("62%", "3.9 min", "confirmed, with a condition", "errors 4"))


def test_slide_decks_open_offline(crawl):
    """The decks of make slides (run by .ci/run before the tests) start reveal.js from the file system."""
    folder = site.SITE.parent / "slides"
    if not any(folder.glob("[0-9]*.html")):
        if REQUIRED:
            pytest.fail("RAGFT_REQUIRE_SITE=1 but there are no slide decks: run make slides")
        pytest.skip("no slide decks: run make slides")
    problems = {deck: found for deck, found in site.check_slides(folder, site.SHOTS).items() if found}
    assert not problems, problems
