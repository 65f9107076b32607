"""Sphinx extension for this book: how long each lab takes, measured by the build that executes it.

myst-nb times every notebook it executes. This extension keeps that time for each lab, tells a *first run*
(the lab's first run with this cache, in which it computes and caches its answers, adapters and indexes) from
a *second run* (any other run, which reads them back), and keeps the latest of each in ``<cache>/lab_runs.json``
(:mod:`ragft.labruns`). Pages quote the times, so no duration in the prose is typed by hand:

* ``{labtime}`labs/03_compare``` the time of this build's run; ``{labtime}`first:labs/03_compare``` and
  ``{labtime}`second:labs/03_compare``` the recorded first and second run; ``labs/a+labs/b`` adds labs up;
* ```{lab-card} labs/03_compare``` a box naming the lab(s) a chapter rests on, with their times and a
  download link for each notebook;
* ```{lab-table}``` every lab with its times and notebook;
* ```{workshop-plan} Title``` a table of the labs listed in its body (one docname per line), in that
  order, with each lab's times and the total.

Times are filled in after every page has been read (a post-transform), because chapters are read before
the labs they quote are executed.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

from ragft import labruns, precision

logger = logging.getLogger(__name__)

RUN_KEY = "ragft_run"
_SNAPSHOTS: dict[str, frozenset[str]] = {}


class lab_time(nodes.inline):  # noqa: N801 (docutils node classes are lower-case)
    """A placeholder for a lab's time, filled in once every lab has run."""


def _parse_spec(spec: str) -> tuple[str, list[str]]:
    kind, _, labs = spec.strip().rpartition(":")
    kind = kind or "build"
    if kind not in labruns.KIND_LABELS:
        raise ValueError(f"unknown kind {kind!r} in {spec!r}; write first:, second: or nothing (this build)")
    docs = [d.strip().strip("/").removesuffix(".ipynb") for d in labs.split("+") if d.strip()]
    if not docs:
        raise ValueError(f"no lab in {spec!r}; write e.g. labs/03_compare")
    return kind, docs


def _check_labs(env, docs: list[str]) -> None:
    missing = [d for d in docs if not (Path(env.srcdir) / f"{d}.ipynb").is_file()]
    if missing:
        raise ValueError(f"no notebook {', '.join(m + '.ipynb' for m in missing)}; name labs as labs/NN_name")


class LabTimeRole(SphinxRole):
    """``{labtime}`[first:|second:]labs/a[+labs/b]```: a lab's measured time (or the sum of several)."""

    def run(self):
        try:
            kind, docs = _parse_spec(self.text)
            _check_labs(self.env, docs)
        except ValueError as exc:
            msg = self.inliner.reporter.error(f"{{labtime}}: {exc}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        return [lab_time("", "…", kind=kind, labs=docs, classes=["lab-time"])], []


def _role(kind: str, docs: list[str]) -> str:
    spec = "+".join(docs)
    return f"{{labtime}}`{spec}`" if kind == "build" else f"{{labtime}}`{kind}:{spec}`"


def _title(env, doc: str) -> str:
    return labruns.lab_title(Path(env.srcdir) / f"{doc}.ipynb")


class _MystDirective(SphinxDirective):
    def _parse(self, lines: list[str], classes: list[str]) -> list[nodes.Node]:
        container = nodes.container(classes=classes)
        self.state.nested_parse(StringList(lines, source=self.env.docname), self.content_offset, container)
        return [container]

    def _labs(self, docs: list[str]) -> list[str]:
        docs = [d.strip().strip("/").removesuffix(".ipynb") for d in docs if d.strip()]
        try:
            _check_labs(self.env, docs)
        except ValueError as exc:
            raise self.error(str(exc)) from None
        return docs


def _download(doc: str) -> str:
    return f"{{download}}`{doc.rsplit('/', 1)[-1]}.ipynb </{doc}.ipynb>`"


class LabCardDirective(_MystDirective):
    """The lab(s) a chapter rests on: title, link, first and second run, notebook download."""

    required_arguments = 1
    optional_arguments = 8
    has_content = False

    def run(self):
        docs = self._labs(self.arguments)
        heading = "The lab behind this chapter" if len(docs) == 1 else "The labs behind this chapter"
        lines = [":::{admonition} " + heading, ":class: tip lab-card", ""]
        for doc in docs:
            lines += [f"- **{{doc}}`{_title(self.env, doc)} </{doc}>`**: first run {_role('first', [doc])} (it computes "
                      f"and caches its results), second run {_role('second', [doc])} (it reads them back); this build: "
                      f"{_role('build', [doc])}. Notebook: {_download(doc)}."]
        lines += ["", f"Times are measured on the build machine (two CPU cores, the model in {precision.resolve()}, "
                  "`RAGFT_DTYPE`); {doc}`/chapters/how_to_run` says how to run a lab yourself.", ":::"]
        return self._parse(lines, ["lab-card-container"])


def _table(docs: list[str], env, numbered: bool, title: str = "") -> list[str]:
    """A list-table of labs with their three times and notebook, and a total row."""
    number = (lambda value: [value]) if numbered else (lambda value: [])  # noqa: E731
    head = [*number("#"), "Lab", "First run", "Second run", "This build", "Notebook"]
    rows = [[*number(str(i)), f"{{doc}}`{_title(env, doc)} </{doc}>`",
             *(_role(k, [doc]) for k in ("first", "second", "build")), _download(doc)]
            for i, doc in enumerate(docs, 1)]
    total = [*number("–"), "**Total**", *(f"**{_role(k, docs)}**" for k in ("first", "second", "build")), "–"]
    lines = [f"```{{list-table}} {title}".rstrip(), ":header-rows: 1", ""]
    for row in [head, *rows, total]:
        lines += [f"* - {row[0]}".rstrip(), *(f"  - {cell}".rstrip() for cell in row[1:])]
    lines.append("```")
    return lines


class LabTableDirective(_MystDirective):
    """Every lab of the book (or those listed in the body), with its times and notebook."""

    has_content = True

    def run(self):
        listed = [line for line in self.content if line.strip()]
        if listed:
            docs = self._labs(listed)
        else:
            docs = sorted(p.relative_to(self.env.srcdir).with_suffix("").as_posix()
                          for p in (Path(self.env.srcdir) / "labs").glob("*.ipynb"))
        return self._parse(_table(docs, self.env, numbered=False), ["lab-table"])


class WorkshopPlanDirective(_MystDirective):
    """A workshop format: the labs in its body, in order, with their times and the total."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True

    def run(self):
        docs = self._labs([line for line in self.content if line.strip()])
        if not docs:
            raise self.error("list the format's labs in the directive's body, one per line (labs/00_setup)")
        return self._parse(_table(docs, self.env, numbered=True, title=self.arguments[0]), ["workshop-plan"])


class LabTimes(SphinxPostTransform):
    """Replace each placeholder with the time measured for its lab(s)."""

    default_priority = 8

    def run(self, **kwargs) -> None:
        placeholders = list(self.document.findall(lab_time))
        if not placeholders:
            return
        record = labruns.load_record()
        data = NbMetadataCollector.get_doc_data(self.env)
        for node in placeholders:
            seconds = []
            for doc in node["labs"]:
                if node["kind"] == "build":
                    run = data.get(doc, {}).get(RUN_KEY)
                    seconds.append(run["seconds"] if run else None)
                else:
                    run = record.get(doc.rsplit("/", 1)[-1], {}).get(node["kind"])
                    seconds.append(run.seconds if run else None)
            value = labruns.total(seconds)
            text = labruns.format_duration(value)
            if value is None:
                text = "not yet measured" if node["kind"] != "build" else "not run in this build"
            node.replace_self(nodes.inline(text, text, classes=["lab-time", f"lab-time-{node['kind']}"]))


def _snapshot(app, docname, source):
    if docname.startswith("labs/"):
        _SNAPSHOTS[docname] = labruns.cache_snapshot()


def _record(app, doctree):
    env = app.env
    before = _SNAPSHOTS.pop(env.docname, None)
    if before is None:
        return
    exec_data = NbMetadataCollector.get_exec_data(env, env.docname) or {}
    if not exec_data.get("succeeded") or exec_data.get("runtime") is None:
        return
    new = labruns.cache_snapshot() - before
    lab = env.docname.rsplit("/", 1)[-1]
    run = labruns.Run.measured(exec_data["runtime"], len(new), seen_before=lab in labruns.load_record())
    labruns.update_record(lab, run)
    NbMetadataCollector.set_doc_data(env, env.docname, RUN_KEY, asdict(run))
    logger.info(f"[labs] {env.docname}: {labruns.format_duration(run.seconds)}, a {labruns.KIND_LABELS[run.kind]} "
                f"({len(new)} new cache files)")


def setup(app):
    app.add_node(lab_time)
    app.add_role("labtime", LabTimeRole())
    app.add_directive("lab-card", LabCardDirective)
    app.add_directive("lab-table", LabTableDirective)
    app.add_directive("workshop-plan", WorkshopPlanDirective)
    app.add_post_transform(LabTimes)
    app.connect("source-read", _snapshot)
    app.connect("doctree-read", _record)
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True, "env_version": 1}
