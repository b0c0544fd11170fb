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
from aelearn.losses import softmax_cross_entropy
from aelearn.models.base import Model, predict_in_batches
from aelearn.nn import MLP, Module
from aelearn.validation import check_dtype, check_labels, check_positive_int, check_sizes


def _input_width(encoder, n_features):
    """The input width of ``encoder``: given, or read from its ``n_features`` or ``sizes``."""
    if n_features is not None:
        return check_positive_int(n_features, "n_features")
    if hasattr(encoder, "n_features"):
        return int(encoder.n_features)
    if hasattr(encoder, "sizes"):
        return int(encoder.sizes[0])
    raise ValueError(
        f"cannot tell how many features a {type(encoder).__name__} takes: pass n_features"
    )


def _code_width(encoder, n_features, dtype):
    """The width of the codes, found by encoding one all-zero input of shape (1, n_features)."""
    with no_grad():
        codes = encoder(Tensor(np.zeros((1, n_features), dtype=dtype)))
    if isinstance(codes, tuple):
        raise TypeError(
            f"the encoder returns {len(codes)} arrays, as a VAE's encoder returns mu and logvar; "
            "a Classifier needs one code per input. For a VAE, classify the posterior means: "
            "Classifier(Sequential(vae.encoder.trunk, vae.encoder.mu_head), "
            "n_features=vae.n_features)"
        )
    if codes.ndim != 2:
        raise ValueError(
            f"the encoder must map (batch, n_features) to (batch, code_width); it returned "
            f"shape {codes.shape} for one input"
        )
    return codes.shape[1]


class Classifier(Model):
    """logits = head(encoder(x)): a new MLP head on an encoder, or an MLP on raw inputs.

    Trained by ``fit(X, y)`` with softmax cross-entropy through the shared training loop.

    Parameters
    ----------
    encoder : Module or None, default=None
        Maps x (batch, n_features) to codes (batch, code_width), e.g.
        ``Autoencoder(...).encoder``. None: the head sees the raw inputs (then give
        ``n_features``), which makes a plain MLP classifier.
    n_classes : int, default=10
    hidden : sequence of int, default=()
        Hidden widths of the head; () is a linear head, i.e. multinomial logistic
        regression on the codes.
    n_features : int, optional
        The input width; needed when ``encoder`` is None or has neither ``n_features``
        nor ``sizes``.
    activation : str, default="relu"
        Between the head's hidden layers.
    freeze_encoder : bool, default=True
        Freeze the encoder, so that only the head learns and the encoder's weights do
        not change by a single bit; False fine-tunes encoder and head together.
    copy_encoder : bool, default=True
        Work on a deep copy of ``encoder``, so that freezing or fine-tuning here leaves
        the autoencoder it came from untouched. False shares the very module (and its
        Parameters): fine-tuning then changes the autoencoder too, and ``freeze_encoder=True``
        freezes it there as well.
    init : {"he", "glorot", "normal"}, optional
        Initialisation of the head (default Glorot).
    init_std : float, default=0.01
        Standard deviation for ``init="normal"``.
    rng : numpy.random.Generator or int, optional
        The head's initial weights and the batch order.
    dtype : dtype, optional
        Default: the dtype of the encoder's parameters, or float32.

    Attributes
    ----------
    encoder : Module or None
    head : MLP
        ``(code_width, *hidden, n_classes)``, linear output (the logits).
    code_width : int
    history_ : History
        Set by ``fit``; holds "loss" and "accuracy" per epoch (and ``"val_..."`` with
        validation data).

    Examples
    --------
    >>> from aelearn.datasets import load_digits
    >>> from aelearn.models import Autoencoder
    >>> data = load_digits()
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
        hidden=(),
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
        self.n_classes = check_positive_int(n_classes, "n_classes")
        self.hidden = check_sizes(hidden, "hidden", "of the head, e.g. (64,) or ()", min_len=0)
        rng = self._set_rng(rng)
        if encoder is None:
            self.n_features = check_positive_int(n_features, "n_features")
            self.dtype = check_dtype(dtype or np.float32)
            self.code_width = self.n_features
        else:
            encoder = copy.deepcopy(encoder) if copy_encoder else encoder
            params = encoder.parameters()
            self.n_features = _input_width(encoder, n_features)
            self.dtype = check_dtype(dtype or (params[0].dtype if params else np.float32))
            self.code_width = _code_width(encoder, self.n_features, self.dtype)
            if freeze_encoder:
                encoder.freeze()
        self.encoder, self.freeze_encoder, self.activation = encoder, freeze_encoder, activation
        self.copy_encoder, self.init, self.init_std = copy_encoder, init, init_std
        sizes = (self.code_width, *self.hidden, self.n_classes)
        self.head = MLP(sizes, activation, None, init, rng, self.dtype, init_std)

    def forward(self, x):
        """x (batch, n_features) -> logits (batch, n_classes)."""
        return self.head(x if self.encoder is None else self.encoder(x))

    @property
    def loss_units(self):
        """{term: (short unit, description)} of what ``loss_terms`` returns."""
        return {
            "loss": ("nats/example", "softmax cross-entropy in nats, mean over examples"),
            "accuracy": ("fraction", "fraction of the examples classified correctly"),
        }

    def loss_terms(self, x, y, rng):
        """Mean cross-entropy of a batch (the loss), and its accuracy (logged only).

        The accuracy is a constant Tensor outside the graph: the training loop logs every
        term it is given, and only "loss" is differentiated.
        """
        logits = self.forward(Tensor(x))
        accuracy = np.mean(np.argmax(logits.data, axis=1) == y)
        return {"loss": softmax_cross_entropy(logits, y), "accuracy": Tensor(accuracy)}

    def decision_function(self, X):
        """The logits, shape (n_samples, n_classes)."""
        return predict_in_batches(self, self.forward, self._check(X))

    def predict_proba(self, X):
        """Class probabilities softmax(logits), shape (n_samples, n_classes); rows sum to 1."""
        return np.exp(log_softmax(self.decision_function(X).astype(np.float64), axis=1))

    def predict(self, X):
        """The most probable class of each sample, shape (n_samples,), int64."""
        return np.argmax(self.decision_function(X), axis=1).astype(np.int64)

    def score(self, X, y):
        """Accuracy: the fraction of samples of X whose predicted class is y."""
        X = self._check(X)
        y = check_labels(y, X.shape[0], self.n_classes)
        return float(np.mean(self.predict(X) == y))

    def __repr__(self):
        encoder = "None" if self.encoder is None else type(self.encoder).__name__
        return (
            f"Classifier(encoder={encoder}, head={self.head.sizes}, "
            f"freeze_encoder={self.freeze_encoder})"
        )
