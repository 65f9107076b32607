"""Use-case experiments of Lab 8 (the article's section on use cases), one module each.

* :mod:`ragft.usecases.pdf`: the knowledge base as real PDF files (a table, a two-column page), indexed
  through the same loader, and what text extraction keeps;
* :mod:`ragft.usecases.search`: AI search, retrieval only: ranked documents with snippets
  (``ragft search``), and nDCG@10 / recall@10 of keyword, dense and hybrid search;
* :mod:`ragft.usecases.structured`: a fixed JSON record from support tickets, by prompting and by a
  fine-tuned adapter.
"""
