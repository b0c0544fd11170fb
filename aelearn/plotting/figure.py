"""The one place figures are made, and how they are displayed.

Every plotting function makes its figure here, with pyplot, and returns it. So, as with any
pyplot figure:

- in a Jupyter notebook (matplotlib's inline backend, the default there) the figure
  appears below the cell that made it, once, whether or not the cell's last line is the
  figure. Assign it (``fig = plot_samples(...)``) rather than ending a cell with the call,
  or the notebook also shows its text description;
- in a script, ``plt.show()`` displays every figure made so far (``import matplotlib.pyplot
  as plt``); with a headless backend (Agg) nothing is displayed, and ``fig.savefig(path)``
  writes the file;
- pyplot keeps each figure until it is closed: ``plt.close(fig)`` once it is saved, when
  a program makes many.
"""

import matplotlib.pyplot as plt


def new_figure(figsize, **kwargs):
    """A new pyplot figure of ``figsize`` inches, laid out with constrained layout."""
    return plt.figure(figsize=figsize, layout="constrained", **kwargs)
