"""Open every page of the built book in headless Chromium and check it as a reader would see it.

    python scripts/check_site.py                       # _build/html; screenshots into _build/screenshots
    python scripts/check_site.py --site DIR --screenshots OUT --no-screenshots

For each page of the table of contents, at desktop and at phone width: the page loads without a JavaScript
error, its article has a title and text, every internal link points to a file that exists (and to an anchor
that exists on it), every image decodes, every value pasted from a lab (myst-nb ``glue``) is there and is not
an error, and no page offers a launch button or a link to a repository the course does not have. Each lab
page must offer its notebook for download, and lab pages whose notebook drew figures must show them. The
search page must find a word from the course. A screenshot of every page at both widths is saved, so a person
can look. When ``make slides`` has run, each deck is opened from the file system too. tests/test_site.py runs this on the book that ``make book`` built.

Chromium is Debian's (``apt-get install chromium``), driven by Playwright's Python client; nothing is
downloaded.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import re
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
#: links no page may hold: launch buttons and the placeholder repository the course once named
FORBIDDEN_LINKS = ("mybinder.org", "colab.research.google.com", "github.com/ragft-course")
#: text that means a value was not pasted, or an error was pasted instead
BAD_PASTE = re.compile(r"Traceback|\w+Error\b|<Figure size \d|<matplotlib\.|(?<![\w.])(nan|NaN)(?!\w)|not run in this build|not measured in this build")
SEARCH_WORD = "retrieval"


def chromium_path() -> str | None:
    """Debian's Chromium, or the one named by RAGFT_CHROMIUM."""
    named = os.environ.get("RAGFT_CHROMIUM")
    if named:
        return named if Path(named).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def toc_entries(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every ``root:`` and ``file:`` entry of a Jupyter Book table of contents, in order, as written."""
    toc = yaml.safe_load(toc_path.read_text())
    found: list[str] = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found


def toc_pages(root: Path = ROOT) -> list[str]:
    """Every document of _toc.yml, in order (``chapters/04_difference``, ``labs/03_compare``, ...)."""
    return [str(Path(e).with_suffix("")) if Path(e).suffix in (".md", ".ipynb") else e
            for e in toc_entries(root / "_toc.yml")]


def lab_figure_count(site: Path, doc: str) -> int:
    """How many figures a lab's executed notebook displays (image outputs of cells not hidden from the page)."""
    executed = site.parent / "jupyter_execute" / f"{doc}.ipynb"
    if not executed.is_file():
        return 0
    count = 0
    for cell in json.loads(executed.read_text())["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") != "code" or {"remove-output", "remove-cell"} & set(tags):
            continue
        for out in cell.get("outputs", []):
            if "image/png" in out.get("data", {}) and not out.get("metadata", {}).get("scrapbook"):
                count += 1
    return count


@dataclass
class PageReport:
    doc: str
    problems: list[str] = field(default_factory=list)
    images: int = 0
    pasted: int = 0
    screenshots: list[str] = field(default_factory=list)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output readable
        pass


class SiteServer:
    """The built site on a local HTTP port (search needs HTTP; file:// pages cannot load its index)."""

    def __init__(self, site: Path):
        handler = functools.partial(_Quiet, directory=str(site))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


_IDS: dict[Path, set[str]] = {}


def _ids(path: Path) -> set[str]:
    if path not in _IDS:
        _IDS[path] = set(re.findall(r'\bid="([^"]+)"', path.read_text(errors="replace")))
    return _IDS[path]


def link_problems(site: Path, page_url: str, base: str, hrefs: list[str]) -> list[str]:
    """Internal links whose file, or anchor on that file, does not exist."""
    problems = []
    for href in sorted(set(hrefs)):
        if not href or href.startswith(("mailto:", "javascript:", "data:")):
            continue
        absolute = urljoin(page_url, href)
        if not absolute.startswith(base):
            continue
        parts = urlsplit(absolute)
        rel = unquote(parts.path[len(urlsplit(base).path):]) or "index.html"
        target = site / rel
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"broken link {href!r} (no file {rel})")
        elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _ids(target):
            problems.append(f"broken link {href!r} (no anchor #{parts.fragment} on {rel})")
    return problems


_PAGE_FACTS = """() => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const pasted = [...document.querySelectorAll('.pasted-text, .pasted-inline, .pasted-output, .lab-time, .verdict')];
  return {
    title: (article && article.querySelector('h1')) ? article.querySelector('h1').innerText.trim() : '',
    textLength: article ? article.innerText.trim().length : 0,
    hrefs: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
    // a value inside a folded box (a claim's rule) is hidden, so innerText is empty: read what it holds
    pasted: pasted.map(e => e.innerText.trim() || e.textContent.trim()),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    downloads: [...document.querySelectorAll('a[href$=".ipynb"]')].map(a => a.getAttribute('href')),
  };
}"""

_DECODE_IMAGES = """async () => {
  const images = [...document.querySelectorAll('article img, main img')];
  const broken = [];
  for (const img of images) {
    img.loading = 'eager';
    try { await img.decode(); } catch (e) { broken.push(img.getAttribute('src')); }
    if (!broken.includes(img.getAttribute('src')) && img.naturalWidth === 0) broken.push(img.getAttribute('src'));
  }
  return {count: images.length, broken};
}"""


def check_page(page, site: Path, base: str, doc: str, width: str, report: PageReport, shots: Path | None) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    url = urljoin(base, f"{doc}.html")
    response = page.goto(url, wait_until="load")
    if response is None or not response.ok:
        report.problems.append(f"[{width}] {doc}.html did not load (status {response.status if response else None})")
        return
    facts = page.evaluate(_PAGE_FACTS)
    images = page.evaluate(_DECODE_IMAGES)
    where = f"[{width}]"
    if not facts["title"]:
        report.problems.append(f"{where} the article has no title (h1)")
    if facts["textLength"] < 200:
        report.problems.append(f"{where} the article is (nearly) empty: {facts['textLength']} characters")
    for href in facts["hrefs"]:
        if any(bad in (href or "") for bad in FORBIDDEN_LINKS):
            report.problems.append(f"{where} a launch button or placeholder link: {href}")
    empty = sum(1 for text in facts["pasted"] if not text)
    if empty:
        report.problems.append(f"{where} {empty} pasted value(s) are empty")
    bad = sorted({text[:80] for text in facts["pasted"] if BAD_PASTE.search(text)})
    if bad:
        report.problems.append(f"{where} pasted value(s) show an error or a placeholder: {bad}")
    for src in images["broken"]:
        report.problems.append(f"{where} image does not load: {src}")
    if width == "phone" and facts["overflow"] > 2:
        report.problems.append(f"{where} the page is {facts['overflow']} px wider than the phone's screen")
    for message in errors:
        report.problems.append(f"{where} JavaScript error: {message}")
    if width == "desktop":
        report.problems += link_problems(site, url, base, facts["hrefs"])
        report.images, report.pasted = images["count"], len(facts["pasted"])
        if doc.startswith("labs/"):
            name = doc.rsplit("/", 1)[-1] + ".ipynb"
            if not any(href.endswith(name) for href in facts["downloads"]):
                report.problems.append(f"no download link for {name}")
            expected = lab_figure_count(site, doc)
            if images["count"] - len(images["broken"]) < expected:
                report.problems.append(f"the notebook displayed {expected} figures, the page shows "
                                       f"{images['count'] - len(images['broken'])}")
    if shots is not None:
        out = shots / width / (doc.replace("/", "__") + ".jpg")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out), full_page=True, type="jpeg", quality=60)
        report.screenshots.append(str(out))


def check_search(page, base: str, word: str = SEARCH_WORD) -> tuple[int, list[str]]:
    """Number of results the site's search page lists for ``word``."""
    page.goto(urljoin(base, f"search.html?q={word}"), wait_until="load")
    try:
        page.wait_for_function("() => document.querySelectorAll('#search-results li, ul.search li').length > 0",
                               timeout=20_000)
    except Exception:  # noqa: BLE001 (a timeout means no results; reported below)
        pass
    titles = page.evaluate("() => [...document.querySelectorAll('#search-results li a, ul.search li a')]"
                           ".map(a => a.innerText.trim())")
    return len(titles), titles


def check_downloads(site: Path, docs: list[str]) -> list[str]:
    """Each lab's downloadable notebook (the theme's button points to _sources/) is a notebook."""
    problems = []
    for doc in docs:
        if not doc.startswith("labs/"):
            continue
        path = site / "_sources" / f"{doc}.ipynb"
        try:
            nb = json.loads(path.read_text())
            if not nb.get("cells"):
                problems.append(f"{path.relative_to(site)} has no cells")
        except (OSError, ValueError) as exc:
            problems.append(f"the download of {doc}.ipynb ({path.relative_to(site)}) is not a notebook: {exc}")
    return problems


def check_slides(folder: Path, shots: Path | None = None) -> dict[str, list[str]]:
    """Open each deck of ``make slides`` from the file system (as an instructor would, offline): reveal.js must
    start, with no JavaScript error and no request outside the folder, and show more than a title slide."""
    from playwright.sync_api import sync_playwright

    problems: dict[str, list[str]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        context = browser.new_context(viewport=VIEWPORTS["desktop"])
        for deck in sorted(folder.glob("[0-9]*.html")):
            found: list[str] = []
            page = context.new_page()
            page.on("pageerror", lambda exc, found=found: found.append(f"JavaScript error: {exc}"))
            page.on("request", lambda req, found=found: found.append(f"fetches {req.url}")
                    if not req.url.startswith(("file:", "data:")) else None)
            page.goto(deck.resolve().as_uri(), wait_until="load")
            try:
                page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=10_000)
                total = page.evaluate("() => Reveal.getTotalSlides()")
                if total < 2:
                    found.append(f"only {total} slide(s)")
                if shots is not None:
                    page.evaluate("() => Reveal.slide(1)")
                    out = shots / "slides" / f"{deck.stem}.jpg"
                    out.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(out), type="jpeg", quality=70)
            except Exception as exc:  # noqa: BLE001 (reveal.js did not start: say so)
                found.append(f"reveal.js did not start: {str(exc).splitlines()[0]}")
            page.close()
            problems[deck.stem] = found
        browser.close()
    return problems


def check_site(site: Path = SITE, shots: Path | None = SHOTS, docs: list[str] | None = None,
               progress: bool = True) -> dict:
    """Crawl the site; return ``{"pages": {doc: PageReport}, "search": (n, titles), "downloads": [...]}``."""
    from playwright.sync_api import sync_playwright

    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"no built book at {site}; run `make book` first")
    browser_path = chromium_path()
    if browser_path is None:
        raise FileNotFoundError("Chromium is not installed; on Debian or Ubuntu: sudo apt-get install chromium")
    docs = docs or toc_pages()
    if shots is not None and shots.exists():
        shutil.rmtree(shots)
    reports = {doc: PageReport(doc) for doc in docs}
    start = time.perf_counter()
    with SiteServer(site) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        for width, viewport in VIEWPORTS.items():
            context = browser.new_context(viewport=viewport, is_mobile=width == "phone",
                                          has_touch=width == "phone", device_scale_factor=1)
            for i, doc in enumerate(docs, 1):
                page = context.new_page()
                try:
                    check_page(page, site, server.url, doc, width, reports[doc], shots)
                finally:
                    page.close()
                if progress:
                    print(f"\r{width:>7}: {i}/{len(docs)} pages", end="", file=sys.stderr, flush=True)
            if progress:
                print(file=sys.stderr)
            context.close()
        context = browser.new_context(viewport=VIEWPORTS["desktop"])
        search = check_search(context.new_page(), server.url)
        browser.close()
    return {"pages": reports, "search": search, "downloads": check_downloads(site, docs),
            "seconds": time.perf_counter() - start}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, default=SITE)
    parser.add_argument("--screenshots", type=Path, default=SHOTS)
    parser.add_argument("--no-screenshots", action="store_true")
    args = parser.parse_args(argv)
    result = check_site(args.site, None if args.no_screenshots else args.screenshots)
    failed = False
    for doc, report in result["pages"].items():
        status = "ok" if not report.problems else "PROBLEMS"
        print(f"{doc:<36} {report.images:>3} images {report.pasted:>4} pasted values  {status}")
        for problem in report.problems:
            print(f"    {problem}")
        failed |= bool(report.problems)
    n, titles = result["search"]
    print(f"search for {SEARCH_WORD!r}: {n} results {titles[:3]}")
    for problem in result["downloads"]:
        print(problem)
    failed |= n == 0 or bool(result["downloads"])
    slides = args.site.parent / "slides"
    if slides.is_dir():
        for deck, problems in check_slides(slides, None if args.no_screenshots else args.screenshots).items():
            print(f"slides {deck:<29} {'ok' if not problems else 'PROBLEMS'}")
            for problem in problems:
                print(f"    {problem}")
            failed |= bool(problems)
    if not args.no_screenshots:
        print(f"screenshots: {args.screenshots} (desktop/, phone/ and slides/)")
    print(f"checked in {result['seconds']:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
