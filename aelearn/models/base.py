"""What every model shares: a Generator of its own, a dtype, and ``fit`` through the one loop."""

import numpy as np

from aelearn.autograd import Tensor, no_grad
from aelearn.nn import Module
from aelearn.training import fit
from aelearn.validation import check_data, check_rng


class Model(Module):
    """A Module that trains itself with ``aelearn.training.fit``.

    Subclasses write ``loss_terms(x, y, rng)`` (the batch loss, as a dict of scalar
    Tensors with the total under ``"loss"``) and set ``n_features``, ``dtype`` and
    ``rng`` in ``__init__``. ``fit`` validates the data once and keeps the History.
    """

    #: Whether the model's likelihood needs data in [0, 1] (Bernoulli / cross-entropy).
    needs_unit_interval = False
    #: Whether ``fit`` needs labels.
    needs_labels = False

    def _as_tensor(self, X, name="X"):
        return Tensor(self._check(X, name))

    def _check(self, X, name="X"):
        return check_data(X, name, self.n_features, self.dtype, self.needs_unit_interval)

    def _check_labels(self, y, n_samples):
        raise NotImplementedError

    def loss_terms(self, x, y, rng):
        raise NotImplementedError

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
        verbose=False,
        optimizer=None,
    ):
        """Train on X (and y for models that use labels). Returns self; see ``history_``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,), optional
        epochs, batch_size, lr, callbacks, verbose, optimizer
            As in ``aelearn.training.fit``.
        validation_data : (X_val,) or (X_val, y_val), optional

        Returns
        -------
        self
        """
        X = self._check(X)
        y = self._check_labels(y, X.shape[0]) if self.needs_labels else None
        if validation_data is not None:
            if not isinstance(validation_data, tuple | list):
                validation_data = (validation_data,)
            X_val = self._check(validation_data[0], "validation X")
            y_val = None
            if self.needs_labels:
                y_val = self._check_labels(validation_data[1], X_val.shape[0])
            validation_data = (X_val, y_val)
        self.history_ = fit(
            self,
            X,
            y,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            optimizer=optimizer,
            validation_data=validation_data,
            callbacks=callbacks,
            verbose=verbose,
            rng=self.rng,
        )
        return self

    def _set_rng(self, rng):
        self.rng = check_rng(rng)
        return self.rng


def predict_in_batches(function, X, batch_size=1024):
    """Apply ``function`` (Tensor -> Tensor) to X in batches, without a graph; stack the rows."""
    with no_grad():
        parts = [function(Tensor(X[i : i + batch_size])).data for i in range(0, len(X), batch_size)]
    return np.concatenate(parts, axis=0)
