"""Transfer learning: a classification head on an encoder, trained with cross-entropy.

An autoencoder learns its codes without labels. When labels are few, a classifier on
those codes can beat one on the raw inputs: the encoder was shaped by every image, the
head by the labelled ones only. With the encoder frozen, only the head learns (a linear
head on frozen codes is the "linear probe"); unfrozen, the whole network is fine-tuned,
starting from the encoder's weights rather than from random ones.
"""

import copy

import numpy as np

from aelearn.autograd import Tensor, no_grad
from aelearn.autograd.activations import log_softmax
from aelearn.losses import SoftmaxCrossEntropy
from aelearn.models.base import Model, predict_in_batches
from aelearn.nn import MLP, Module, shape_through
from aelearn.threads import uses_blas
from aelearn.validation import check_dtype, check_int, check_labels, check_rng, check_sizes


def _input_width(encoder, n_features):
    """``n_features`` if given, else the encoder's own ``n_features`` or ``sizes[0]``."""
    if n_features is not None:
        return check_int(n_features, "n_features")
    if hasattr(encoder, "n_features"):
        return int(encoder.n_features)
    if hasattr(encoder, "sizes"):
        return int(encoder.sizes[0])
    raise ValueError(
        f"cannot tell how many features a {type(encoder).__name__} takes: pass n_features"
    )


def _code_width(encoder, n_features, dtype):
    """The width of the codes: from ``output_shape``, or where that does not say, from
    encoding one all-zero input (1, n_features)."""
    shape = encoder.output_shape((n_features,))
    if shape is None:
        with no_grad():
            codes = encoder(Tensor(np.zeros((1, n_features), dtype=dtype)))
        shape = tuple(codes.shape[1:]) if isinstance(codes, Tensor) else ((),) * len(codes)
    if isinstance(shape[0], tuple):
        raise TypeError(
            f"the encoder returns {len(shape)} arrays, as a VAE's encoder returns mu and logvar; "
            "a Classifier needs one code per input. For a VAE, classify the posterior means: "
            "Classifier(Sequential(vae.encoder.trunk, vae.encoder.mu_head), "
            "n_features=vae.n_features)"
        )
    if len(shape) != 1:
        raise ValueError(
            f"the encoder must map (batch, n_features) to (batch, code_width); it returns "
            f"examples of shape {shape}"
        )
    return shape[0]


class Classifier(Model):
    """logits = head(encoder(x)): a new MLP head on an encoder, or an MLP on raw inputs,
    trained by ``fit(X, y)`` with softmax cross-entropy; ``history_`` holds "loss" and
    "accuracy" per epoch.

    Parameters
    ----------
    encoder : Module or None
        Maps x (batch, n_features) to codes (batch, code_width), e.g.
        ``Autoencoder(...).encoder``; None: a plain MLP classifier on the raw inputs.
    hidden_sizes : sequence of int
        Hidden widths of the ``head``, an MLP ``(code_width, *hidden_sizes, n_classes)``
        with ``activation`` between its layers; () is multinomial logistic regression.
    n_features : int, optional
        The input width, where the encoder (None, or one without ``n_features`` or
        ``sizes``) does not say it.
    freeze_encoder : bool
        Only the head learns (the encoder's weights do not change by a single bit); False
        fine-tunes encoder and head together, an encoder frozen before included.
    copy_encoder : bool
        Work on a deep copy of ``encoder``; False shares the very module, so that
        fine-tuning and freezing change the autoencoder it came from too.
    init, init_std, rng, dtype
        The head's initialisation (None: Glorot; ``init_std`` for "normal"); the Generator
        of its initial weights and of the batch order; the dtype (None: the encoder's).

    Examples
    --------
    >>> data = aelearn.datasets.load_digits()
    >>> ae = Autoencoder((64, 128, 32), rng=0).fit(data.X_train, epochs=5)
    >>> clf = Classifier(ae.encoder, n_classes=10, rng=0).fit(data.X_train, data.y_train)
    >>> clf.predict_proba(data.X_test).shape
    (360, 10)
    """

    takes_labels = True

    def __init__(
        self,
        encoder=None,
        n_classes=10,
        hidden_sizes=(),
        *,
        n_features=None,
        activation="relu",
        freeze_encoder=True,
        copy_encoder=True,
        init=None,
        init_std=0.01,
        rng=None,
        dtype=None,
    ):
        if encoder is not None and not isinstance(encoder, Module):
            raise TypeError(f"encoder must be a Module or None; got {type(encoder).__name__}")
        # A stack is a Module too, of its stages, but no network from x to codes.
        if isinstance(encoder, Model) or hasattr(encoder, "to_classifier"):
            raise TypeError(
                f"encoder is a whole {type(encoder).__name__}; a Classifier goes on its encoder "
                "alone: Classifier(model.encoder, ...), or for a pre-trained stack "
                "stack.to_classifier(n_classes)"
            )
        if encoder is None and n_features is None:
            raise ValueError("a classifier on raw inputs (encoder=None) needs n_features")
        self.n_classes = check_int(n_classes, "n_classes")
        self.hidden_sizes = check_sizes(
            hidden_sizes, "hidden_sizes", "of the head, e.g. (64,) or ()", min_len=0
        )
        self.rng = rng = check_rng(rng)
        if encoder is None:
            self.n_features = check_int(n_features, "n_features")
            self.dtype = check_dtype(dtype or np.float32)
            self.code_width = self.n_features
        else:
            encoder = copy.deepcopy(encoder) if copy_encoder else encoder
            params = encoder.parameters()
            self.n_features = _input_width(encoder, n_features)
            self.dtype = check_dtype(dtype or (params[0].dtype if params else np.float32))
            self.code_width = _code_width(encoder, self.n_features, self.dtype)
            encoder.freeze() if freeze_encoder else encoder.unfreeze()
        self.encoder, self.freeze_encoder, self.activation = encoder, freeze_encoder, activation
        self.copy_encoder, self.init, self.init_std = copy_encoder, init, init_std
        sizes = (self.code_width, *self.hidden_sizes, self.n_classes)
        self.head = MLP(sizes, activation, None, init, rng, self.dtype, init_std)

    def forward(self, x):
        """x (batch, n_features) -> logits (batch, n_classes)."""
        return self.head(x if self.encoder is None else self.encoder(x))

    @property
    def loss_units(self):
        return {
            "loss": ("nats/example", "softmax cross-entropy in nats, mean over examples"),
            "accuracy": ("fraction", "fraction of the examples classified correctly"),
        }

    def loss_terms(self, x, y, rng):
        """Mean cross-entropy of a batch, and its accuracy (a constant Tensor, only logged)."""
        logits = self.forward(Tensor(x))
        accuracy = np.mean(np.argmax(logits.data, axis=1) == y)
        return {"loss": SoftmaxCrossEntropy.apply(logits, labels=y), "accuracy": Tensor(accuracy)}

    def output_shape(self, input_shape, shapes=None):
        shapes = {} if shapes is None else shapes
        if self.encoder is not None:
            input_shape = shape_through(self.encoder, input_shape, shapes)
        return shape_through(self.head, input_shape, shapes)

    @uses_blas
    def decision_function(self, X):
        """The logits, shape (n_samples, n_classes)."""
        return predict_in_batches(self.forward, self._check(X))

    @uses_blas
    def predict_proba(self, X):
        """Class probabilities softmax(logits), shape (n_samples, n_classes); rows sum to 1."""
        return np.exp(log_softmax(self.decision_function(X).astype(np.float64), axis=1))

    @uses_blas
    def predict(self, X):
        """The most probable class of each sample, shape (n_samples,), int64."""
        return np.argmax(self.decision_function(X), axis=1).astype(np.int64)

    @uses_blas
    def score(self, X, y):
        """Accuracy: the fraction of samples of X whose predicted class is y."""
        logits = self.decision_function(X)
        y = check_labels(y, logits.shape[0], self.n_classes)
        return float(np.mean(np.argmax(logits, axis=1) == y))
