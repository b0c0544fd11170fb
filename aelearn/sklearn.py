"""scikit-learn transformers around the models, to use in place of PCA in a Pipeline.

``fit`` learns ``model_``, ``history_``, ``n_features_in_`` and what an "auto" setting chose;
``score`` is higher for a better model, so ``GridSearchCV`` can choose without a classifier.
A wrapper uses its own parameters (widths, training, seed) and passes every other one, under
its own name, to the model whose constructor takes it, which documents and checks it.

>>> from sklearn.datasets import load_digits
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.pipeline import make_pipeline
>>> X, y = load_digits(return_X_y=True)
>>> pipe = make_pipeline(AutoencoderTransformer(latent_dim=8, epochs=5, random_state=0),
...                      LogisticRegression(max_iter=200)).fit(X / 16, y)
"""

import numbers

from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted

from aelearn.models import VAE, Autoencoder, DenoisingAutoencoder
from aelearn.nn import constructor_parameters
from aelearn.validation import FLOAT_DTYPES, check_int, check_real, check_rng

try:
    from sklearn.utils.validation import validate_data
except ImportError:  # scikit-learn < 1.6 kept it as a method

    def validate_data(estimator, X, *, reset=True, **check_params):
        return estimator._validate_data(X, reset=reset, **check_params)


# float64 first: float32 stays float32 and anything else becomes float64, so that the model
# is built in the dtype of the data it is fitted on and transform keeps the caller's precision.
DTYPES = tuple(reversed(FLOAT_DTYPES))


def _check_hidden_sizes(hidden_sizes):
    if isinstance(hidden_sizes, numbers.Integral):
        hidden_sizes = (hidden_sizes,)
    if not isinstance(hidden_sizes, str):  # "128,64", as the command line writes them, is not
        try:
            return tuple(check_int(h, "each hidden size") for h in hidden_sizes)
        except TypeError:  # not iterable
            pass
    raise ValueError(
        f"hidden_sizes must be a sequence of positive ints such as (128, 64); got {hidden_sizes!r}"
    )


def _by_range(value, X, inside, outside):
    """``value``, or for "auto" ``inside`` when X lies in [0, 1] and ``outside`` otherwise."""
    if value != "auto":
        return value
    return inside if X.min() >= 0 and X.max() <= 1 else outside


class _LatentTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Validation, training and transforms; a subclass gives ``_model_class()`` and
    ``_resolve_auto(X)`` (sets the learned "auto" choices, returns {model parameter: value})."""

    def _build(self, X, rng):
        """A new model of sizes (n_features, *hidden_sizes, latent_dim) in X's dtype, given
        every parameter of this wrapper its constructor takes (or ``convolutional``'s)."""
        model_class = self._model_class()
        names = {p.name for p in constructor_parameters(model_class)}
        settings = {name: getattr(self, name) for name in set(self.get_params(deep=False)) & names}
        settings.update(self._resolve_auto(X), rng=rng, dtype=X.dtype)
        if self.image_shape is None:
            sizes = (X.shape[1], *_check_hidden_sizes(self.hidden_sizes), self.latent_dim)
            return model_class(sizes, **settings)
        model = model_class.convolutional(  # which checks image_shape itself
            self.image_shape,
            self.filters,
            self.latent_dim,
            _check_hidden_sizes(self.hidden_sizes),
            self.kernel_size,
            **settings,
        )
        if model.n_features != X.shape[1]:
            raise ValueError(
                f"image_shape {tuple(self.image_shape)} holds {model.n_features} values per "
                f"example, but X has {X.shape[1]} features per sample; they must match"
            )
        return model

    def fit(self, X, y=None, *, callbacks=()):
        """Train the model on X of shape (n_samples, n_features), with optional
        ``aelearn.training.Callback`` objects; y is ignored. Returns self."""
        for learned in [name for name in vars(self) if name.endswith("_")]:
            delattr(self, learned)  # a fit that fails leaves no learned attribute of an old one
        X = validate_data(self, X, dtype=DTYPES)
        lr = check_real(self.learning_rate, "learning_rate", minimum=0, strictly=True)
        check_int(self.latent_dim, "latent_dim")
        model = self._build(X, check_rng(self.random_state))
        # model.fit checks epochs and batch_size. Learned attributes are set only once training
        # succeeded: an estimator whose training diverged stays unfitted, as scikit-learn expects.
        model.fit(
            X,
            epochs=self.epochs,
            batch_size=self.batch_size,
            lr=lr,
            callbacks=callbacks,
            verbose=self.verbose,
        )
        self.model_, self.history_ = model, model.history_
        self._n_features_out = self.latent_dim
        return self

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")  # set last, once training succeeded

    def _fitted_data(self, X):
        check_is_fitted(self, "model_")
        return validate_data(self, X, reset=False, dtype=DTYPES)

    def transform(self, X):
        """The codes of X: an array of shape (n_samples, latent_dim)."""
        X = self._fitted_data(X)
        return self.model_.encode(X)

    def inverse_transform(self, X):
        """Decode codes of shape (n_samples, latent_dim) into (n_samples, n_features)."""
        check_is_fitted(self, "model_")
        Z = check_array(X, dtype=DTYPES)
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
    latent_dim : int
        Width of the code, like PCA's ``n_components``.
    hidden_sizes : sequence of int
        Hidden widths of the encoder; the decoder mirrors them.
    output_activation : {"auto", "sigmoid", "identity"}
        "auto": sigmoid when X lies in [0, 1], identity otherwise (``output_activation_``).
    activation, loss, noise, noise_level
        As for ``aelearn.models.Autoencoder``; a ``noise`` ("gaussian", "masking",
        "salt_and_pepper") makes the model a ``DenoisingAutoencoder``.
    epochs, batch_size, learning_rate
        Passes over X, examples per step, and Adam's step size.
    image_shape : (channels, height, width), optional
        Each row of X is an image of this shape: the model class's ``convolutional`` factory
        builds the model, with stride-2 convolutions of ``filters`` channels and odd side
        ``kernel_size``, and ``hidden_sizes`` dense layers between them and the code.
    random_state : int, numpy.random.Generator or None
        Seeds the initial weights, batch order and noise.
    verbose : "auto", bool or int
        As in ``aelearn.training.fit``.

    Attributes
    ----------
    model_ : Autoencoder or DenoisingAutoencoder
    output_activation_ : {"sigmoid", "identity"}
        The output activation used.
    history_ : aelearn.training.History
    """

    def __init__(
        self,
        latent_dim=2,
        hidden_sizes=(128,),
        activation="relu",
        output_activation="auto",
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
        self.output_activation = output_activation
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
        self.output_activation_ = _by_range(self.output_activation, X, "sigmoid", "identity")
        return {"output_activation": self.output_activation_}

    def score(self, X, y=None):
        """Minus the mean squared reconstruction error per element: higher is better."""
        X = self._fitted_data(X)
        return -self.model_.reconstruction_error(X)


class VAETransformer(_LatentTransformer):
    """A variational autoencoder as a transformer: x -> mu(x), the posterior mean.

    Parameters
    ----------
    latent_dim, hidden_sizes, activation, epochs, batch_size, learning_rate
        As in ``AutoencoderTransformer``; so are ``image_shape``, ``filters``,
        ``kernel_size``, ``random_state`` and ``verbose``.
    likelihood : {"auto", "bernoulli", "gaussian"}
        "auto": Bernoulli when X lies in [0, 1] (pixel intensities), else Gaussian.
    decoder_std, beta, warmup_epochs
        As for ``aelearn.models.VAE``: the standard deviation of a Gaussian p(x|z), the
        weight of the KL term, and the epochs over which that weight rises from 0.

    Attributes
    ----------
    model_ : VAE
    likelihood_ : {"bernoulli", "gaussian"}
        The likelihood used.
    history_ : aelearn.training.History
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
        """The mean ELBO per example in nats, a lower bound on log p(x): higher is better;
        estimated with 10 draws of z per example from a fixed seed, so it is repeatable."""
        X = self._fitted_data(X)
        return -self.model_.evaluate(X)["neg_elbo"]
