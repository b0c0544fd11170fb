"""What a pre-trained stack holds beyond its settings, for saving and loading.

A stack's constructor builds no network: ``fit`` builds the stages one after the other.
So ``aelearn.io`` saves a stack as its settings plus what ``get_fitted`` returns, and
loads it by building the stack from its settings and handing the rebuilt stages back to
``set_fitted``, which checks that they fit the settings.
"""

from aelearn.models.autoencoder import Autoencoder
from aelearn.models.denoising import DenoisingAutoencoder
from aelearn.training import History
from aelearn.validation import check_sizes


class StackedState:
    """``get_fitted`` and ``set_fitted`` (a mixin of ``StackedAutoencoder``: it reads the
    stack's settings and ``_keep``)."""

    def get_fitted(self):
        """What ``fit`` learned, as ``aelearn.io.save`` writes it; None before ``fit``.

        Returns
        -------
        (dict, dict) or None
            ``sizes_``, ``stopped_`` and ``histories_`` as JSON-ready data, and
            {"autoencoders_": the stages}.
        """
        if not hasattr(self, "autoencoders_"):
            return None
        histories = [history.to_dict() for history in self.histories_]
        learned = {"sizes_": list(self.sizes_), "stopped_": self.stopped_, "histories_": histories}
        return learned, {"autoencoders_": list(self.autoencoders_)}

    def set_fitted(self, learned, modules):
        """Take back what ``get_fitted`` gave, once checked against the stack's settings:
        one stage and one History per pre-trained layer, the stages of the widths sizes_
        lists, of this stack's kind and dtype. Raises ValueError when they do not fit."""
        stages, stopped = list(modules["autoencoders_"]), learned["stopped_"]
        sizes = check_sizes(learned["sizes_"], "sizes_", "(n_features, *hidden_sizes)", 1)
        histories = [History.from_dict(history) for history in learned["histories_"]]
        kind = Autoencoder if self.noise is None else DenoisingAutoencoder
        if any(type(stage) is not kind or stage.dtype != self.dtype for stage in stages):
            raise ValueError(
                f"the stages of a {self!r} are {kind.__name__}s of dtype {self.dtype}; got "
                f"{[type(stage).__name__ for stage in stages]}"
            )
        finished = stopped is None and len(stages) == len(self.hidden_sizes)
        widths = [(stage.n_features, stage.latent_dim) for stage in stages]
        expected = list(zip(sizes[:-1], sizes[1:], strict=True))
        if (
            sizes[1:] != self.hidden_sizes[: len(sizes) - 1]
            or widths != expected
            or len(histories) != len(stages)
            or not (finished or type(stopped) is str)
        ):
            raise ValueError(
                f"the pre-trained stages do not fit a {self!r} of sizes_ {sizes}: expected "
                f"one stage per pre-trained layer, of widths {expected}, as many histories, "
                f"and stopped_ a string unless every layer was pre-trained; got stages {widths}, "
                f"{len(histories)} histories, stopped_={stopped!r}"
            )
        self.sizes_, self.stopped_, self.autoencoders_, self.histories_ = sizes, stopped, [], []
        for stage, history in zip(stages, histories, strict=True):
            stage.history_ = history
            self._keep(stage)
