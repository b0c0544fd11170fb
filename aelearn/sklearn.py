"""scikit-learn estimators around the models, to use in place of PCA in a Pipeline.

``AutoencoderTransformer`` and ``VAETransformer`` follow scikit-learn's conventions:
``__init__`` stores its arguments and nothing else; ``fit`` validates X at the edge and
learns ``model_``, ``history_`` and ``n_features_in_`` (and the choice an "auto" setting
left to the data: ``output_``, ``likelihood_``); ``transform`` gives the codes,
``inverse_transform`` decodes codes, and ``score`` is higher for a better model, so that
``GridSearchCV`` can choose among them without a downstream classifier.

A wrapper uses its own parameters (the widths, the training, the seed) and passes every
other one, under its own name, to the model whose constructor lists it: a model's setting
is documented and checked in one place, the model.

>>> from sklearn.datasets import load_digits
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.pipeline import make_pipeline
>>> X, y = load_digits(return_X_y=True)
>>> pipe = make_pipeline(AutoencoderTransformer(latent_dim=8, epochs=5, random_state=0),
...                      LogisticRegression(max_iter=200)).fit(X / 16, y)
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted

from aelearn.models import VAE, Autoencoder, DenoisingAutoencoder
from aelearn.models.config import constructor_parameters
from aelearn.validation import check_positive_int, check_real, check_rng

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6 kept it as a method

    def validate_data(estimator, X, *, reset=True, **check_params):
        return estimator._validate_data(X, reset=reset, **check_params)


# float32 stays float32 and anything else becomes float64: the model is built in the
# dtype of the data it is fitted on, so transform preserves the caller's precision.
FLOAT_DTYPES = (np.float64, np.float32)


def _check_hidden_sizes(hidden_sizes):
    if isinstance(hidden_sizes, numbers.Integral):
        hidden_sizes = (hidden_sizes,)
    try:
        return tuple(check_positive_int(h, "each hidden size") for h in hidden_sizes)
    except TypeError:
        raise ValueError(
            f"hidden_sizes must be a sequence of positive ints such as (128, 64); "
            f"got {hidden_sizes!r}"
        ) from None


def _by_range(value, X, inside, outside):
    """``value``, or for "auto" ``inside`` when X lies in [0, 1] and ``outside`` otherwise."""
    if value != "auto":
        return value
    return inside if X.min() >= 0 and X.max() <= 1 else outside


class _LatentTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """What both estimators share: validation, training, transform and inverse_transform.

    A subclass names the model class it builds (``_model_class``) and resolves its "auto"
    settings from the data (``_resolve_auto``, which sets the learned attributes and returns
    {model parameter: value}).
    """

    def _build(self, X, rng):
        """A new model for X, of sizes (n_features, *hidden_sizes, latent_dim) and X's dtype,
        given every parameter of this wrapper that the model's constructor takes."""
        model_class = self._model_class()
        shared = set(self.get_params(deep=False)) & set(constructor_parameters(model_class))
        settings = {name: getattr(self, name) for name in shared}
        settings.update(self._resolve_auto(X))
        return model_class(self._sizes(X), **settings, rng=rng, dtype=X.dtype)

    def fit(self, X, y=None, *, callbacks=()):
        """Train the model on X (y is ignored).

        Parameters
        ----------
        X : array_like of shape (n_samples, n_features)
        y : ignored
        callbacks : sequence of aelearn.training.Callback, optional

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=FLOAT_DTYPES)
        epochs = check_positive_int(self.epochs, "epochs")
        batch_size = check_positive_int(self.batch_size, "batch_size")
        lr = check_real(self.learning_rate, "learning_rate", minimum=0, strictly=True)
        check_positive_int(self.latent_dim, "latent_dim")
        rng = check_rng(self.random_state)
        # Learned attributes are set only once training succeeded: an estimator whose
        # training diverged stays unfitted, as scikit-learn expects of a failed fit.
        model = self._build(X, rng)
        model.fit(
            X,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            callbacks=callbacks,
            verbose=self.verbose,
        )
        self.model_ = model
        self.history_ = self.model_.history_
        self._n_features_out = self.latent_dim
        return self

    def _sizes(self, X):
        return (X.shape[1], *_check_hidden_sizes(self.hidden_sizes), self.latent_dim)

    def transform(self, X):
        """The codes of X: an array of shape (n_samples, latent_dim)."""
        check_is_fitted(self, "model_")
        return self.model_.encode(validate_data(self, X, reset=False, dtype=FLOAT_DTYPES))

    def inverse_transform(self, X):
        """Decode codes of shape (n_samples, latent_dim) into (n_samples, n_features)."""
        check_is_fitted(self, "model_")
        Z = check_array(X, dtype=FLOAT_DTYPES)
        if Z.shape[1] != self.latent_dim:
            raise ValueError(
                f"inverse_transform takes codes with {self.latent_dim} columns (latent_dim); "
                f"got {Z.shape[1]}"
            )
        return self.model_.decode(Z)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class AutoencoderTransformer(_LatentTransformer):
    """An autoencoder as a scikit-learn transformer: x -> z = E(x).

    Parameters
    ----------
    latent_dim : int, default=2
        Width of the code, like PCA's ``n_components``.
    hidden_sizes : sequence of int, default=(128,)
        Hidden widths of the encoder; the decoder mirrors them.
    activation : str, default="relu"
    output : {"auto", "sigmoid", "identity"}, default="auto"
        The decoder's output activation. "auto": chosen at fit from the data, sigmoid
        when X lies in [0, 1], identity otherwise (see ``output_``).
    loss : {"auto", "bce", "mse"}, default="auto"
        "auto": cross-entropy under a sigmoid output, squared error otherwise.
    noise : {None, "gaussian", "masking", "salt_and_pepper"}, default=None
        A corruption makes it a denoising autoencoder.
    noise_level : float, default=0.3
    epochs : int, default=100
    batch_size : int, default=64
    learning_rate : float, default=1e-3
        Adam's step size.
    image_shape : (channels, height, width), optional
        Makes the networks convolutional (``aelearn.models.convolutional``): each row of X
        is an image of this shape, so channels * height * width must be X's columns.
        ``hidden_sizes`` then gives the dense layers between the convolutions and the code.
    filters : sequence of int, default=(32, 64)
        With ``image_shape``: the channels of each stride-2 convolution.
    kernel_size : int, default=3
        With ``image_shape``: the odd side of every kernel.
    random_state : int, numpy.random.Generator or None, default=None
        Seeds the Generator behind the initial weights, batch order and noise.
    verbose : "auto", bool or int, default="auto"
        As in ``aelearn.training.fit``: a live progress line for a long fit in a terminal
        or notebook, a line per epoch (True) or every n epochs, or nothing (False).

    Attributes
    ----------
    model_ : Autoencoder or DenoisingAutoencoder
    output_ : str
        The output activation used ("sigmoid" or "identity").
    history_ : aelearn.training.History
    n_features_in_ : int
    """

    def __init__(
        self,
        latent_dim=2,
        hidden_sizes=(128,),
        activation="relu",
        output="auto",
        loss="auto",
        noise=None,
        noise_level=0.3,
        epochs=100,
        batch_size=64,
        learning_rate=1e-3,
        random_state=None,
        verbose="auto",
        image_shape=None,
        filters=(32, 64),
        kernel_size=3,
    ):
        self.latent_dim = latent_dim
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.output = output
        self.loss = loss
        self.noise = noise
        self.noise_level = noise_level
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.verbose = verbose
        self.image_shape = image_shape
        self.filters = filters
        self.kernel_size = kernel_size

    def _model_class(self):
        return Autoencoder if self.noise is None else DenoisingAutoencoder

    def _resolve_auto(self, X):
        self.output_ = _by_range(self.output, X, "sigmoid", "identity")
        return {"output": self.output_}

    def score(self, X, y=None):
        """Minus the mean squared reconstruction error per element: higher is better."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        return -self.model_.reconstruction_error(X)


class VAETransformer(_LatentTransformer):
    """A variational autoencoder as a transformer: x -> mu(x), the posterior mean.

    Parameters
    ----------
    latent_dim : int, default=2
    hidden_sizes : sequence of int, default=(128,)
    activation : str, default="relu"
    likelihood : {"auto", "bernoulli", "gaussian"}, default="auto"
        "auto": Bernoulli when X lies in [0, 1] (pixel intensities), else Gaussian.
    decoder_std : float, default=1.0
        Standard deviation of a Gaussian p(x|z).
    beta : float, default=1.0
        Weight of the KL term.
    warmup_epochs : int, default=0
    epochs : int, default=100
    batch_size : int, default=64
    learning_rate : float, default=1e-3
    image_shape : (channels, height, width), optional
        Makes the networks convolutional (``aelearn.models.convolutional``): each row of X
        is an image of this shape, so channels * height * width must be X's columns.
        ``hidden_sizes`` then gives the dense layers between the convolutions and the code.
    filters : sequence of int, default=(32, 64)
        With ``image_shape``: the channels of each stride-2 convolution.
    kernel_size : int, default=3
        With ``image_shape``: the odd side of every kernel.
    random_state : int, numpy.random.Generator or None, default=None
    verbose : "auto", bool or int, default="auto"

    Attributes
    ----------
    model_ : VAE
    likelihood_ : str
        The likelihood used ("bernoulli" or "gaussian").
    history_ : aelearn.training.History
    n_features_in_ : int
    """

    def __init__(
        self,
        latent_dim=2,
        hidden_sizes=(128,),
        activation="relu",
        likelihood="auto",
        decoder_std=1.0,
        beta=1.0,
        warmup_epochs=0,
        epochs=100,
        batch_size=64,
        learning_rate=1e-3,
        random_state=None,
        verbose="auto",
        image_shape=None,
        filters=(32, 64),
        kernel_size=3,
    ):
        self.latent_dim = latent_dim
        self.hidden_sizes = hidden_sizes
        self.activation = activation
        self.likelihood = likelihood
        self.decoder_std = decoder_std
        self.beta = beta
        self.warmup_epochs = warmup_epochs
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.random_state = random_state
        self.verbose = verbose
        self.image_shape = image_shape
        self.filters = filters
        self.kernel_size = kernel_size

    def _model_class(self):
        return VAE

    def _resolve_auto(self, X):
        self.likelihood_ = _by_range(self.likelihood, X, "bernoulli", "gaussian")
        return {"likelihood": self.likelihood_}

    def score(self, X, y=None):
        """The mean ELBO per example in nats, a lower bound on log p(x): higher is better.

        Estimated with 10 draws of z per example from a fixed seed, so it is repeatable.
        """
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=FLOAT_DTYPES)
        return -self.model_.evaluate(X)["neg_elbo"]
