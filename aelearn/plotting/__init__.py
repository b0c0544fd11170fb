"""Figures for the course, matplotlib only: images, curves, and the computation graph.

Every function returns a pyplot ``Figure`` (``aelearn.plotting.figure`` says how it is shown),
but the widgets (``aelearn.plotting.widgets``), which return a ``Playground``: live controls
where ipywidgets is installed, a static grid where it is not.
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
from aelearn.plotting.widgets import (
    Playground,
    class_dropdown,
    latent_sliders,
    latent_traversal,
    noise_slider,
)

__all__ = [
    "IMAGE_STYLE",
    "Playground",
    "class_dropdown",
    "graph_layout",
    "latent_sliders",
    "latent_traversal",
    "noise_slider",
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
