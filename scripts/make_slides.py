"""One reveal.js slide deck per chapter, made from the chapter's figures and verdicts as the book build measured them.

    make slides                                   # = python scripts/make_slides.py
    python scripts/make_slides.py --out DIR --chapters 04_difference 06_cost

Each deck follows its chapter: a title slide naming the lab(s) behind it, then, in the order the chapter shows
them, a slide per figure it pastes from a lab (``{glue}`` / ``{glue:figure}``) and a slide per claim whose
verdict it shows (``{verdict}``, ``{claim}``, ``{claims-table}``), with the verdict and its reasons filled in
with the values of the last ``make book``. The experiment behind each claim is in the speaker notes (press
``s``). So an instructor presents the numbers the learners will reproduce; nothing on a slide is typed by hand.

The decks need only reveal.js, which ships with the course (``vendor/reveal.js``): they open offline, from the
file system. They are written by this script rather than by ``jupyter nbconvert --to slides`` because that
template loads require.js, jQuery and MathJax from CDNs.
"""

from __future__ import annotations

import argparse
import functools
import html
import json
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ragft import claims as C
from ragft import labruns

ROOT = Path(__file__).resolve().parents[1]

BUILD = ROOT / "_build"
OUT = BUILD / "slides"
REVEAL = ROOT / "vendor" / "reveal.js"
CLAIMS_PER_TABLE_SLIDE = 7

_FENCE = re.compile(r"^(`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*)$")
_VERDICT_ROLE = re.compile(r"\{verdict\}`([^`]+)`")


@dataclass
class Figure:
    lab: str
    key: str
    alt: str = ""
    caption: str = ""


@dataclass
class Deck:
    chapter: str
    title: str
    labs: list[str] = field(default_factory=list)
    items: list[Figure | str | list[str]] = field(default_factory=list)  # a figure, a claim id, a claims table


def _options(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    """The ``:name: value`` lines after a directive's first line, and the index of the line after them."""
    opts, i = {}, start
    while i < len(lines) and re.match(r"^:[\w-]+:", lines[i]):
        name, _, value = lines[i][1:].partition(":")
        opts[name] = value.strip()
        i += 1
    return opts, i


def _caption_after(lines: list[str], i: int) -> str:
    """An italic paragraph right after a directive's closing fence (the book's figure caption)."""
    while i < len(lines) and not lines[i].startswith(("```", ":::")):
        i += 1
    i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i < len(lines) and lines[i].startswith("*") and not lines[i].startswith("**"):
        para = []
        while i < len(lines) and lines[i].strip():
            para.append(lines[i].strip())
            i += 1
        return " ".join(para).strip("*")
    return ""


def parse_chapter(text: str, chapter: str, registry: dict[str, C.Claim]) -> Deck:
    """The deck's outline: title, labs, and the figures and claims in the order the chapter shows them."""
    lines = text.splitlines()
    title = next((line[2:].strip() for line in lines if line.startswith("# ")), chapter)
    deck = Deck(chapter, title)
    seen: set[str] = set()

    def claim(claim_id: str) -> None:
        if claim_id not in seen and claim_id in registry:
            seen.add(claim_id)
            deck.items.append(claim_id)

    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m:
            name, arg = m["name"], m["arg"].strip()
            opts, _ = _options(lines, i + 1)
            if name == "lab-card":
                deck.labs += arg.split()
            elif name in ("glue", "glue:figure") and arg:
                lab = Path(opts.get("doc", "")).stem
                if lab:
                    deck.items.append(Figure(lab, arg, opts.get("alt", ""), _caption_after(lines, i + 1)))
            elif name == "claim" and arg:
                claim(arg)
            elif name == "claims-table":
                wanted = [s.strip() for s in opts.get("section", "").split(",") if s.strip()]
                ids = [c.id for c in registry.values() if (not wanted or c.section in wanted) and c.id not in seen]
                seen.update(ids)
                deck.items.append(ids)
            continue
        for claim_id in _VERDICT_ROLE.findall(line):
            claim(claim_id.strip())
    return deck


def inline(text: str) -> str:
    """The little MyST a registry entry or caption holds, as HTML: roles to their text, bold, italics, code."""
    text = re.sub(r"\{(?:term|doc|ref)\}`([^`<]+?)(?:\s*<[^>]+>)?`", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![*\w])\*([^*]+)\*(?![*\w])", r"<em>\1</em>", text)


@functools.cache
def _glue_file(path: Path) -> dict:
    """A lab's glued outputs (figures included), parsed once however many slides use them."""
    return json.loads(path.read_text()) if path.is_file() else {}


def _glue_image(glue_dir: Path, lab: str, key: str) -> str:
    data = _glue_file(glue_dir / "labs" / f"{lab}.glue.json").get(key, {})
    png = data.get("data", {}).get("image/png") if isinstance(data, dict) else None
    if not png:
        raise FileNotFoundError(f"the build holds no figure {key!r} from {lab}; build the book (make book) first")
    return f"data:image/png;base64,{png}"


def _verdict_class(decision: C.Decision) -> str:
    return "verdict " + decision.css_class


def _claim_slide(claim: C.Claim, glued: dict) -> str:
    evidence = "".join(f"<li>{inline(e)}</li>" for e in C.evidence_text(claim, glued))
    decision = C.decide(claim, glued)
    return (f'<section class="claim-slide">\n<p class="section">{html.escape(claim.section)}</p>\n'
            f'<h3>{inline(claim.claim)}</h3>\n'
            f'<p class="{_verdict_class(decision)}">Verdict: {html.escape(decision.label)}</p>\n'
            f'<p class="why">{inline(C.why_with_values(claim.why, glued))}</p>\n'
            + (f'<ul class="evidence">{evidence}</ul>\n' if evidence else "")
            + f'<aside class="notes">Measured: {inline(claim.experiment)}</aside>\n</section>')


def _table_slides(ids: list[str], registry: dict[str, C.Claim], glued: dict) -> list[str]:
    slides = []
    decided = {i: C.decide(registry[i], glued) for i in ids}
    for start in range(0, len(ids), CLAIMS_PER_TABLE_SLIDE):
        rows = "".join(f'<tr><td>{inline(registry[i].claim)}</td><td class="{_verdict_class(decided[i])}">'
                       f'{html.escape(decided[i].label)}</td></tr>'
                       for i in ids[start:start + CLAIMS_PER_TABLE_SLIDE])
        slides.append(f'<section class="claims-table"><table><tr><th>Claim</th><th>Verdict</th></tr>{rows}</table>'
                      "</section>")
    return slides


def render(deck: Deck, registry: dict[str, C.Claim], glued: dict, glue_dir: Path, reveal: str = "reveal.js") -> str:
    """The deck as one HTML file (figures embedded), with reveal.js loaded from ``reveal`` (a relative folder)."""
    labs = [f"{labruns.lab_title(ROOT / f'{doc}.ipynb')}" for doc in deck.labs]
    slides = [f'<section class="title-slide"><h2>{inline(deck.title)}</h2>'
              + "".join(f"<p>{inline(t)}</p>" for t in labs)
              + '<p class="small">Every figure and number on these slides comes from the last book build '
                "(<code>make book</code>): rerun the lab to reproduce it.</p></section>"]
    for item in deck.items:
        if isinstance(item, Figure):
            caption = inline(item.caption) if item.caption else ""
            slides.append(f'<section class="figure-slide"><img src="{_glue_image(glue_dir, item.lab, item.key)}" '
                          f'alt="{html.escape(item.alt)}"><p class="caption">{caption}</p>'
                          f'<aside class="notes">{html.escape(item.alt)}</aside></section>')
        elif isinstance(item, list):
            slides += _table_slides(item, registry, glued)
        else:
            slides.append(_claim_slide(registry[item], glued))
    body = "\n".join(slides)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{html.escape(deck.title)}</title>
<link rel="stylesheet" href="{reveal}/dist/reveal.css">
<link rel="stylesheet" href="{reveal}/dist/theme/white.css">
<style>
.reveal h2 {{ font-size: 1.6em; }} .reveal h3 {{ font-size: 1.05em; text-transform: none; }}
.reveal p, .reveal li, .reveal td, .reveal th {{ font-size: 0.62em; line-height: 1.35; }}
.reveal .section, .reveal .small, .reveal .caption {{ color: #555; font-size: 0.5em; }}
.reveal img {{ max-height: 520px; max-width: 100%; }}
.reveal .verdict {{ font-weight: bold; }} .verdict-confirmed {{ color: #1a7f37; }}
.verdict-nuanced {{ color: #9a6700; }} .verdict-contradicted {{ color: #cf222e; }} .verdict-not-testable {{ color: #57606a; }}
.verdict-inconclusive {{ color: #57606a; }} .verdict-not-measured {{ color: #cf222e; }}
.reveal .claims-table table {{ font-size: 0.85em; }}
</style>
</head>
<body>
<div class="reveal"><div class="slides">
{body}
</div></div>
<script src="{reveal}/dist/reveal.js"></script>
<script src="{reveal}/plugin/notes/notes.js"></script>
<script>Reveal.initialize({{hash: true, slideNumber: true, plugins: [RevealNotes]}});</script>
</body>
</html>
"""


def build(out: Path = OUT, chapters: list[str] | None = None, build_dir: Path = BUILD) -> list[Path]:
    glue_dir = build_dir / "jupyter_execute"
    if not any(glue_dir.glob("labs/*.glue.json")):
        raise FileNotFoundError(f"no lab results in {glue_dir}; build the book first (make book)")
    registry = C.by_id(C.load_claims())
    glued = C.read_glue(glue_dir)
    names = chapters or list(C.SECTION_PAGES.values())
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REVEAL, out / "reveal.js", dirs_exist_ok=True)
    written = []
    for name in names:
        path = ROOT / "chapters" / f"{name}.md"
        if not path.is_file():
            raise FileNotFoundError(f"no chapter {path.relative_to(ROOT)}; chapters are {', '.join(C.SECTION_PAGES.values())}")
        deck = parse_chapter(path.read_text(), name, registry)
        target = out / f"{name}.html"
        target.write_text(render(deck, registry, glued, glue_dir))
        written.append(target)
    links = "".join(f'<li><a href="{p.name}">{html.escape(p.stem)}</a></li>' for p in written)
    (out / "index.html").write_text(f"<!doctype html><meta charset='utf-8'><title>Slides</title><h1>Slides, one deck "
                                    f"per chapter</h1><ul>{links}</ul>")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--chapters", nargs="*", help="chapter stems (default: the eleven chapters of the article)")
    args = parser.parse_args(argv)
    try:
        written = build(args.out, args.chapters)
    except (FileNotFoundError, C.ClaimsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  ({path.stat().st_size // 1024} KB)")
    print(f"Open {(args.out / 'index.html')}; present a deck with the arrow keys, speaker notes with 's'.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
