"""Figures for the course, matplotlib only: images, curves, and the computation graph.

Every function returns a pyplot ``Figure``: in a notebook it appears below the cell that
made it, in a script ``plt.show()`` displays it, and ``fig.savefig(path)`` writes it
(``aelearn.plotting.figure`` says more, and when to close one).

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
