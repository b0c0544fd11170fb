"""What every model shares: a Generator of its own, a dtype, labels if it takes them, its
configuration, and ``fit`` through the one training loop."""

import numpy as np

from aelearn.autograd import Tensor, no_grad
from aelearn.models.config import Configurable
from aelearn.nn import Module
from aelearn.threads import chosen_threads
from aelearn.training import fit
from aelearn.validation import check_data, check_labels, check_rng


class Model(Configurable, Module):
    """A Module that trains itself with ``aelearn.training.fit``.

    Subclasses write ``loss_terms(x, y, rng)`` (the batch loss, as a dict of scalar
    Tensors with the total under ``"loss"``) and set ``n_features``, ``dtype`` and
    ``rng`` in ``__init__``. ``fit`` validates the data once and keeps the History.

    A model says what it needs through two attributes, which the command line, saving
    and the scikit-learn wrappers read instead of asking which class it is:
    ``takes_labels`` (labels y beside X, one of ``n_classes``) and
    ``needs_unit_interval`` (data in [0, 1], for a Bernoulli likelihood or cross-entropy).
    """

    needs_unit_interval = False
    takes_labels = False
    #: (channels, height, width) of a convolutional model's examples; None for a dense one.
    image_shape = None

    def _check(self, X, name="X"):
        X = self._rows(X, name)
        return check_data(X, name, self.n_features, self.dtype, self.needs_unit_interval)

    def _rows(self, X, name="X"):
        """X as rows (n_samples, n_features): a convolutional model also takes images
        ``(n_samples, *image_shape)`` and unfolds them here, at the edge."""
        if self.image_shape is None:
            return X
        shape = np.shape(X)
        if len(shape) == 1 + len(self.image_shape) and tuple(shape[1:]) == self.image_shape:
            return np.reshape(X, (shape[0], self.n_features))
        if len(shape) != 2 or shape[1] != self.n_features:
            raise ValueError(
                f"{name} has shape {shape}; this model takes images of shape "
                f"(n_samples, {', '.join(map(str, self.image_shape))}) or rows of shape "
                f"(n_samples, {self.n_features}) (image_shape {self.image_shape})"
            )
        return X

    def _shaped_like(self, out, X):
        """Rows ``out`` (n_samples, n_features) as images when X was given as images."""
        if self.image_shape is not None and np.ndim(X) > 2:
            return out.reshape(-1, *self.image_shape)
        return out

    def _labels(self, y, n_samples, name="y"):
        """The labels of ``n_samples`` examples, checked, for a model that takes labels;
        None for one that takes none (which ignores y, as scikit-learn's transformers do).

        One int stands for the same class for every example.
        """
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

    #: {term: (short unit, description)} of each term ``loss_terms`` returns.
    loss_units = {}

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
        shards=1,
    ):
        """Train on X (and y for models that take labels). Returns self; see ``history_``.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : array_like of shape (n_samples,), optional
            Labels, for models that take them; ignored by the others.
        epochs, batch_size, lr, callbacks, verbose, optimizer, shards
            As in ``aelearn.training.fit``.
        validation_data : X_val, (X_val,) or (X_val, y_val), optional
            Held-out data, evaluated after every epoch (``val_loss``...).

        Returns
        -------
        self
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
            shards=shards,
        )
        return self

    def summary(self, example=None):
        """A table of the model's layers, part by part (encoder, decoder, head...): each
        layer's output shape, parameter count and whether it is trainable or frozen, with
        the totals. ``print(model)`` prints it.

        By default the shapes come from one example input of zeros (and label 0), run
        through ``loss_terms`` in evaluation mode with a Generator of its own, so that
        neither the model's state nor its Generator changes.
        """
        if example is None:
            x = np.zeros((1, self.n_features), dtype=self.dtype)
            y = np.zeros(1, dtype=np.int64) if self.takes_labels else None

            def example():
                was_training = self.training
                self.eval()
                try:
                    self.loss_terms(x, y, np.random.default_rng(0))
                finally:
                    self.train(was_training)

        return super().summary(example)

    def _set_rng(self, rng):
        self.rng = check_rng(rng)
        return self.rng


def predict_in_batches(module, function, X, batch_size=1024):
    """Apply ``function`` (Tensor -> Tensor) of ``module`` to X in batches, without a graph,
    with the BLAS threads chosen for the module; stack the rows."""
    with chosen_threads(module.parameters()), no_grad():
        parts = [function(Tensor(X[i : i + batch_size])).data for i in range(0, len(X), batch_size)]
    return np.concatenate(parts, axis=0)
