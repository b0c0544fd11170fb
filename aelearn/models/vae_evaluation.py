"""Measuring a trained VAE: the ELBO's terms, the importance-weighted log-likelihood, the
KL of each latent dimension and the number of active units.

``VAEEvaluation`` is a part of ``VAE``: its methods use the VAE's networks through
``_posterior`` and ``_decoder_output``, and its likelihood through
``_negative_log_likelihood``. All figures are in nats per example.
"""

import numpy as np

from aelearn.autograd import Tensor, no_grad
from aelearn.models.gaussian import LOG_2PI, kl_per_unit, sample_posterior
from aelearn.validation import check_positive_int


class VAEEvaluation:
    """The VAE's measures; see the module docstring."""

    def evaluate(self, X, y=None, n_draws=10, seed=0):
        """Per-example reconstruction, KL and negative ELBO in nats, averaged over X.

        -ELBO = E_q[-log p(x|z)] + KL(q(z|x) || p(z)). The reconstruction term is averaged
        over ``n_draws`` draws of z per example, from a Generator seeded with ``seed`` (so
        evaluation does not disturb training's); the KL is exact.

        Parameters
        ----------
        X : array_like of shape (n, n_features)
        y : labels, for a model that takes them
        n_draws : int, default=10
        seed : int, default=0

        Returns
        -------
        dict with "reconstruction", "kl", "neg_elbo" (floats, nats per example)
        """
        X = self._check(X)
        labels = self._labels(y, X.shape[0])
        rng = np.random.default_rng(seed)
        mu, logvar = self._posterior(X, labels)
        kl = kl_per_unit(mu, logvar).sum(axis=1)
        nll = np.zeros(X.shape[0])
        for _ in range(check_positive_int(n_draws, "n_draws")):
            z = sample_posterior(mu, logvar, rng=rng)
            nll -= self._log_px_given_z(X, self._decoder_output(z, labels))
        nll /= n_draws
        return {
            "reconstruction": float(nll.mean()),
            "kl": float(kl.mean()),
            "neg_elbo": float((nll + kl).mean()),
        }

    def _log_px_given_z(self, X, out):
        """log p(x|z) per example, (n,), float64: minus the training loss's reconstruction
        term with reduction="none"; out (n, n_features) holds the decoder's logits or means."""
        with no_grad():
            nll = self._negative_log_likelihood(Tensor(out), X, reduction="none")
        return -nll.data.astype(np.float64)

    def log_likelihood(self, X, y=None, n_draws=500, batch_size=64, seed=0):
        """Importance-weighted estimate of log p(x) for each example (Burda et al., 2015).

        log p(x) ~= log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x),
        computed with log-sum-exp so that no weight under- or overflows. With K = 1 it is
        an unbiased draw of the ELBO; as K grows it rises towards log p(x), so the ELBO
        sits below it.

        Parameters
        ----------
        X : array_like of shape (n, n_features)
        y : labels, for a model that takes them
        n_draws : int, default=500
            K, the number of importance-weighted draws of z per example.
        batch_size : int, default=64
            Examples per pass; K * batch_size codes are decoded at once.
        seed : int, default=0

        Returns
        -------
        ndarray of shape (n,), in nats
        """
        X = self._check(X)
        labels = self._labels(y, X.shape[0])
        K = check_positive_int(n_draws, "n_draws")
        batch_size = check_positive_int(batch_size, "batch_size")
        rng = np.random.default_rng(seed)
        estimates = np.empty(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            xb = X[start : start + batch_size]
            yb = None if labels is None else labels[start : start + batch_size]
            mu, logvar = self._posterior(xb, yb)
            # K copies of the batch stacked, (K * batch, latent_dim): rows k * batch + i
            # hold draw k for example i, so reshape(K, -1) brings each example's draws
            # into one column.
            mu, logvar = np.tile(mu, (K, 1)), np.tile(logvar, (K, 1))
            eps = rng.standard_normal(mu.shape, dtype=mu.dtype)
            z = sample_posterior(mu, logvar, eps=eps)
            flat_y = None if yb is None else np.tile(yb, K)
            log_px = self._log_px_given_z(np.tile(xb, (K, 1)), self._decoder_output(z, flat_y))
            log_pz = -0.5 * np.sum(z**2 + LOG_2PI, axis=-1, dtype=np.float64)
            log_qz = -0.5 * np.sum(eps**2 + LOG_2PI + logvar, axis=-1, dtype=np.float64)
            # The log-sum-exp over the K draws, in float64.
            log_w = (log_px + log_pz - log_qz).reshape(K, -1)
            top = log_w.max(axis=0)
            estimates[start : start + len(xb)] = top + np.log(np.mean(np.exp(log_w - top), axis=0))
        return estimates

    def kl_per_dimension(self, X, y=None):
        """KL(q(z_j|x) || N(0, 1)) of each latent dimension j, averaged over X: (latent_dim,)."""
        X = self._check(X)
        mu, logvar = self._posterior(X, self._labels(y, X.shape[0]))
        return kl_per_unit(mu, logvar).mean(axis=0)

    def active_units(self, X, y=None, threshold=0.01):
        """The number of latent dimensions the data use (Burda et al., 2015).

        Unit j is active when Cov_x(E_q[z_j]) = Var_x(mu_j(x)) > ``threshold``: its mean
        moves with x. A collapsed unit has mu_j = 0 and sigma_j = 1 for every x.
        """
        X = self._check(X)
        mu, _ = self._posterior(X, self._labels(y, X.shape[0]))
        return int(np.sum(np.var(mu, axis=0) > threshold))
