"""Figures for the course, matplotlib only: images, curves, and the computation graph.

Every function returns a ``matplotlib.figure.Figure`` built without pyplot: nothing is
shown, nothing is registered with pyplot's figure manager (so nothing needs closing), and
the figures render the same under the headless Agg backend as in a notebook, where a
Figure returned by the last line of a cell is displayed once. Save one with
``fig.savefig(path)``.

Images are flattened rows of ``(n_samples, n_features)`` arrays with values in [0, 1];
``image_shape`` says how to fold a row back into a picture, (8, 8) for the digits.
"""

from aelearn.plotting.curves import (
    plot_error_vs_code_size,
    plot_gradcheck,
    plot_history,
    plot_latent_scatter,
)
from aelearn.plotting.graph import graph_layout, plot_graph
from aelearn.plotting.images import (
    IMAGE_STYLE,
    plot_interpolation,
    plot_latent_manifold,
    plot_reconstructions,
    plot_samples,
)

__all__ = [
    "IMAGE_STYLE",
    "graph_layout",
    "plot_error_vs_code_size",
    "plot_gradcheck",
    "plot_graph",
    "plot_history",
    "plot_interpolation",
    "plot_latent_manifold",
    "plot_latent_scatter",
    "plot_reconstructions",
    "plot_samples",
]
