"""Model: what every model shares, ``fit`` through the one training loop, and its data
checked once, here, at the edge."""

import numpy as np

from aelearn.autograd import Tensor, no_grad
from aelearn.nn import Module
from aelearn.training import fit
from aelearn.validation import check_data, check_labels


class Model(Module):
    """A Module that trains itself with ``aelearn.training.fit``.

    Subclasses write ``loss_terms(x, y, rng)`` (a dict of scalar Tensors, the total under
    ``"loss"``) and set ``n_features``, ``dtype`` and ``rng`` in ``__init__``. What a model
    needs, ``fit`` and the command line read from ``takes_labels`` (labels y of ``n_classes``
    beside X) and ``needs_unit_interval`` (data in [0, 1]).

    Data come as rows (n_samples, n_features) or as images (n_samples, channels, height,
    width) of n_features values each; results come back in the shape given.
    """

    needs_unit_interval = False
    takes_labels = False
    #: {term: (short unit, description)} of each term ``loss_terms`` returns.
    loss_units = {}

    @property
    def input_shape(self):
        """The shape of one example as the networks take it: (n_features,)."""
        return (self.n_features,)

    def _check(self, X, name="X", unit_interval=None):
        """X as checked rows (n_samples, n_features) of the model's dtype."""
        if np.ndim(X) > 2:
            X = np.reshape(X, (np.shape(X)[0], -1))
        unit = self.needs_unit_interval if unit_interval is None else unit_interval
        return check_data(X, name, self.n_features, self.dtype, unit)

    @staticmethod
    def _shaped_like(out, X):
        """Rows ``out`` (n_samples, n_features) in the shape X was given in."""
        return out.reshape(np.shape(X)) if np.ndim(X) > 2 else out

    def _labels(self, y, n_samples, name="y"):
        """The checked labels of ``n_samples`` examples (one int: that class for all); None
        for a model that takes none (it ignores y, as scikit-learn's transformers do)."""
        if not self.takes_labels:
            return None
        if y is None:
            raise ValueError(
                f"a {type(self).__name__} needs labels {name} of shape ({n_samples},), one class "
                "per sample, whenever it trains, encodes or decodes"
            )
        labels = np.asarray(y)
        if labels.ndim == 0:
            labels = np.full(n_samples, labels)
        return check_labels(labels, n_samples, self.n_classes, name)

    def loss_terms(self, x, y, rng):
        raise NotImplementedError

    def training_callbacks(self):
        """Callbacks the model itself trains with, before the user's (a VAE's KL warm-up)."""
        return []

    def fit(
        self,
        X,
        y=None,
        *,
        epochs=10,
        batch_size=64,
        lr=1e-3,
        validation_data=None,
        callbacks=(),
        verbose="auto",
        optimizer="adam",
    ):
        """Train on X (n_samples, n_features); set ``history_`` and return self.

        y: the labels (n_samples,) of a model that takes them (Classifier, CVAE), or, for an
        autoencoder, the target of each example, of X's shape: ``fit(X_noisy, X_clean)``
        trains on fixed (noisy, clean) pairs, as the course's Keras notebook does.

        ``validation_data`` (X_val, (X_val,) or (X_val, y_val)) is evaluated after every
        epoch (``val_loss``...); the other arguments are ``aelearn.training.fit``'s.
        """
        X = self._check(X)
        y = self._labels(y, X.shape[0])
        if validation_data is not None:
            if not isinstance(validation_data, tuple | list):
                validation_data = (validation_data,)
            if self.takes_labels and len(validation_data) != 2:
                raise ValueError(
                    f"validation_data for a {type(self).__name__} must be (X_val, y_val): it "
                    f"needs the labels of the validation examples; got {len(validation_data)} "
                    "item(s)"
                )
            X_val = self._check(validation_data[0], "validation X")
            y_val = validation_data[1] if len(validation_data) > 1 else None
            validation_data = (X_val, self._labels(y_val, X_val.shape[0], "validation y"))
        self.history_ = fit(
            self,
            X,
            y,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            optimizer=optimizer,
            validation_data=validation_data,
            callbacks=[*self.training_callbacks(), *callbacks],
            verbose=verbose,
            rng=self.rng,
        )
        return self

    def summary(self, input_shape=None):
        """``Module.summary`` for an example of ``input_shape``, by default the model's own."""
        return super().summary(self.input_shape if input_shape is None else input_shape)


def predict_in_batches(function, X, batch_size=1024):
    """Apply ``function`` (Tensor -> Tensor) to X in batches, without a graph; stack the rows."""
    with no_grad():
        parts = [function(Tensor(X[i : i + batch_size])).data for i in range(0, len(X), batch_size)]
    return np.concatenate(parts, axis=0)
