"""The decision guide as a flow chart (Lab 8 and chapter 5 show it)."""

from __future__ import annotations

from . import _min_examples


def plot_guide(ax=None):
    """The decision guide as a flow chart: the questions :func:`advise` asks, in order, and where they lead."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5.2))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 6.2)
    ax.axis("off")
    colours = {"q": "#EEF2F8", "rag": "#C9DDF2", "fine-tuning": "#F6D7B8", "hybrid": "#D5ECCF", "prompting": "#E6E6E6"}

    def box(x, y, text, kind, w=2.9, h=0.9):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05", fc=colours[kind],
                                    ec="#555555", lw=0.8))
        ax.text(x, y, text, ha="center", va="center", fontsize=8.5, wrap=True)

    def arrow(x0, y0, x1, y1, label=""):
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=dict(arrowstyle="->", color="#444444", lw=0.9))
        if label:
            ax.text((x0 + x1) / 2 + 0.08, (y0 + y1) / 2 + 0.05, label, fontsize=8, color="#333333")

    n = _min_examples()
    box(5, 5.6, "Must answers come from your own documents\n(facts that change, or must be cited)?", "q", w=4.6)
    box(2.4, 3.9, f"Fixed format, tone or schema,\nwith at least {n} worked examples?", "q", w=3.6)
    box(7.6, 3.9, f"Fixed format, tone or schema,\nwith at least {n} worked examples?", "q", w=3.6)
    arrow(4.2, 5.15, 7.2, 4.4, "yes")
    arrow(5.8, 5.15, 7.9, 4.4)
    arrow(3.8, 5.15, 2.6, 4.4, "no")
    box(6.3, 2.0, "HYBRID\nindex for knowledge,\nadapter for the format", "hybrid", w=2.5, h=1.1)
    box(8.9, 2.0, "RAG\nindex + base model,\nformat in the prompt", "rag", w=2.3, h=1.1)
    box(1.2, 2.0, "FINE-TUNING\nLoRA adapter,\nno retrieval", "fine-tuning", w=2.3, h=1.1)
    box(3.7, 2.0, "PROMPTING\ninstructions + a few\nexamples, measure first", "prompting", w=2.5, h=1.1)
    arrow(7.2, 3.45, 6.5, 2.55, "yes")
    arrow(8.0, 3.45, 8.8, 2.55, "no")
    arrow(2.0, 3.45, 1.3, 2.55, "yes")
    arrow(2.8, 3.45, 3.5, 2.55, "no")
    ax.text(5, 0.75, "Private data: in the index with access control, never in training examples.\n"
            "Traffic and update rate decide the running cost (ragft cost), not what each system can do.",
            ha="center", va="center", fontsize=8.5, style="italic", color="#333333")
    ax.set_title("The decision guide behind `ragft advise`", fontsize=10)
    return ax
