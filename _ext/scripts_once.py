"""Sphinx extension for this book: each page loads every script once.

In a Jupyter Book 1 build, sphinx-thebe and sphinx-togglebutton each add their inline configuration script
twice (once with the file name ``None``, once with ``""``), so every page declared ``const THEBE_JS_URL`` twice
and the browser reported "Identifier 'THEBE_JS_URL' has already been declared" on each of them (found by the
browser test, tests/test_site.py). This keeps the first copy of any repeated script.
"""

from __future__ import annotations


def _once(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        # the two copies differ only in how they say "no file" (None and "")
        key = (str(getattr(script, "filename", script) or ""),
               tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def setup(app):
    app.connect("html-page-context", _once)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
