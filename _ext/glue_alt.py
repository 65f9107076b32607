"""Sphinx extension for this book: an ``:alt:`` option on myst-nb's ``{glue}`` directive.

myst-nb 1.4 pastes a figure from another page (``{glue} key`` with ``:doc:``) as a bare image, and the
HTML writer then uses the image's file name, a hash, as its alt text. ``{glue:figure}`` has an
``:alt:`` option but cannot paste from another page. This extension adds ``:alt:`` to ``{glue}``:

```{glue} rag_fig_sweep
:doc: ../labs/01_rag_from_scratch.ipynb
:alt: Three line charts: recall against k for three chunk sizes, accuracy and time against k.
```

The directive itself is myst-nb's; the option only wraps its result in a container that a
post-transform reads once myst-nb has put the image in place (its own post-transform, priority 5).
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst import directives
from myst_nb.ext.glue.directives import PasteAnyDirective
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)


class glue_alt(nodes.container):  # noqa: N801 (docutils node classes are lower-case)
    """Holds a pasted output until its images have received ``alt``."""


class PasteAnyWithAlt(PasteAnyDirective):
    """myst-nb's ``{glue}`` directive, plus ``:alt:`` for the pasted image(s)."""

    option_spec = {**PasteAnyDirective.option_spec, "alt": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        alt = self.options.pop("alt", None)
        result = super().run()
        if not alt:
            return result
        holder = glue_alt("", *result, alt=alt)
        self.set_source_info(holder)
        return [holder]


class ApplyGlueAlt(SphinxPostTransform):
    """Copy each holder's alt text onto the images pasted inside it, then drop the holder."""

    default_priority = 50  # after myst-nb's ReplacePendingGlueReferences (5)

    def run(self, **kwargs) -> None:
        for holder in list(self.document.findall(glue_alt)):
            images = list(holder.findall(nodes.image))
            for image in images:
                image["alt"] = holder["alt"]
            if holder.children and not images:
                logger.warning("{glue} has :alt: but pasted no image", location=holder, type="glue_alt")
            holder.replace_self(holder.children or [])


def _skip(self, node) -> None:
    raise nodes.SkipNode


def setup(app):
    app.setup_extension("myst_nb")  # so that this override is registered after myst-nb's own directive
    app.add_node(glue_alt, html=(_skip, None), latex=(_skip, None), text=(_skip, None))
    app.add_directive("glue", PasteAnyWithAlt, override=True)  # `{glue}`; `{glue:any}` stays myst-nb's
    app.add_post_transform(ApplyGlueAlt)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
