"""Figures for the course, matplotlib only: images, curves, and the computation graph.

Every function returns a pyplot ``Figure`` (``aelearn.plotting.figure`` says how it is shown).
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
    plot_images,
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
    "plot_images",
    "plot_interpolation",
    "plot_latent_manifold",
    "plot_latent_scatter",
    "plot_reconstructions",
    "plot_samples",
]
