"""The one place figures are made, with pyplot, so they show as any pyplot figure does.

In a notebook a figure appears once below its cell: assign it (``fig = plot_samples(...)``)
rather than ending the cell with the call, or its text description shows too. In a script
``plt.show()`` displays every figure so far, and ``fig.savefig(path)`` writes one. pyplot keeps
each figure until ``plt.close(fig)``: close them when a program makes many.
"""

import matplotlib.pyplot as plt


def new_figure(figsize, **kwargs):
    """A new pyplot figure of ``figsize`` inches, laid out with constrained layout."""
    return plt.figure(figsize=figsize, layout="constrained", **kwargs)
