# %% [markdown]
# # 7. The variational autoencoder
#
# The vanilla decoder makes sense only of the codes it was trained on. The VAE
# (Kingma and Welling, 2014) encodes each image as a distribution q(z|x), keeps those
# distributions close to the prior N(0, I), and so learns a decoder for the whole latent
# space: drawing z from N(0, I) then gives digits. This notebook first derives what the VAE
# optimises and why, then, with a 2-D latent space where everything can be computed on a
# grid, shows each quantity of the derivation: the true posterior, log p(x), the bound and
# its gap.

# %% [markdown]
# The seed and the data; every model gets its own Generator seeded from `SEED`. The test set
# is kept for the final measurements; the validation loss we watch during training is
# measured on 20% of the training images, held out (stratified by digit).

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
from matplotlib.patches import Ellipse
from scipy.special import logsumexp
from sklearn.model_selection import train_test_split
from statistics import NormalDist

from aelearn import Tensor, gradcheck, no_grad, reparameterize
from aelearn.baselines import fit_pca
from aelearn.datasets import load_digits
from aelearn.models import VAE, Autoencoder
from aelearn.plotting import (
    latent_sliders,
    latent_traversal,
    plot_history,
    plot_interpolation,
    plot_latent_manifold,
    plot_latent_scatter,
    plot_samples,
)
from aelearn.reporting import format_table
from aelearn.training import Callback

SEED = 0
rng = np.random.default_rng(SEED)
data = load_digits()
X_fit, X_val = train_test_split(
    data.X_train, test_size=0.2, stratify=data.y_train, random_state=SEED
)

# %% [markdown]
# ## The posterior p(z|x), and the bound the VAE maximises
#
# The VAE is a generative model with two parts: a prior $p(z) = \mathcal N(0, I)$ over codes,
# and a decoder that turns a code into a distribution over images. For the digits, whose
# pixels lie in [0, 1], the decoder `vae.decoder` outputs 64 logits $\ell(z)$, and each pixel
# is Bernoulli with probability $\hat x_i = \mathrm{sigmoid}(\ell_i(z))$:
#
# $$\log p(x \mid z) = \sum_{i=1}^{64} \big[x_i \log \hat x_i + (1 - x_i) \log (1 - \hat x_i)
#   \big].$$
#
# Minus this is the `reconstruction` term the history records (the binary cross-entropy).
# To *encode* x we need the codes that could have produced it, the posterior, by Bayes' rule:
#
# $$p(z \mid x) = \frac{p(x \mid z)\, p(z)}{p(x)}, \qquad p(x) = \int p(x \mid z)\, p(z)\, dz .$$
#
# The numerator is cheap for any one z; the denominator is an integral over every z, of a
# neural network's output, with no closed form; in a latent space of more than a few
# dimensions no grid can cover it (100 points a side in 8 dimensions make $10^{16}$
# decoder calls). So the VAE never computes p(z|x). Its encoder `vae.encoder` outputs an
# approximation instead, one Gaussian per image,
# $q(z \mid x) = \mathcal N\big(\mu(x), \mathrm{diag}\, \sigma^2(x)\big)$ with
# $\sigma^2 = e^{\text{logvar}}$, trained together with the decoder.
#
# How far is q from the posterior? Measure it by $\mathrm{KL}(q(z|x) \,\|\, p(z|x)) \ge 0$,
# which is 0 only when the two are equal. Three lines relate it to $\log p(x)$: $\log p(x)$
# does not depend on z, so it equals its own average under q; then Bayes' rule; then
# multiply and divide by $q(z|x)$ inside the logarithm and split it in three:
#
# $$
# \begin{aligned}
# \log p(x) &= \mathbb E_{q(z \mid x)}\big[\log p(x)\big] \\
# &= \mathbb E_{q(z \mid x)}\Big[\log \frac{p(x \mid z)\, p(z)}{p(z \mid x)}\Big] \\
# &= \underbrace{\mathbb E_{q(z \mid x)}\big[\log p(x \mid z)\big]
#    - \mathrm{KL}\big(q(z \mid x) \,\|\, p(z)\big)}_{\mathrm{ELBO}(x)}
#    + \mathrm{KL}\big(q(z \mid x) \,\|\, p(z \mid x)\big).
# \end{aligned}
# $$
#
# The last term is a KL divergence, never negative, so for every x and every q,
# $\mathrm{ELBO}(x) \le \log p(x)$: the ELBO (evidence lower bound) is a lower bound on
# the log-likelihood, and its gap is exactly how far q is from the true posterior. Both of
# its terms can be computed without p(x): the first by drawing z from q (the
# reparameterisation below), the second in closed form,
#
# $$\mathrm{KL}\big(q(z \mid x) \,\|\, \mathcal N(0, I)\big)
#   = \tfrac12 \sum_j \big(\mu_j^2 + \sigma_j^2 - 1 - \log \sigma_j^2\big).$$
#
# Training minimises the loss $-\mathrm{ELBO}$ = `reconstruction` + `kl`. Raising the ELBO
# through the encoder shrinks the gap (q moves towards p(z|x)); through the decoder it
# raises log p(x). This is the derivation of Doersch (2016), *Tutorial on Variational
# Autoencoders*, arXiv:1606.05908, section 2.1, whose equation (5) is the last line above in
# his notation ($Q$ for q, $P$ for p, $\mathcal D$ for KL).

# %% [markdown]
# > **Errata: the lecture's slips, each beside the formula this notebook uses.**
# >
# > 1. *The binary cross-entropy lacks its minus sign.* The lecture's
# >    $L_R = \sum_i x_i \log \hat x_i + (1 - x_i) \log(1 - \hat x_i)$ is $\log p(x|z) \le 0$,
# >    which a minimiser would push down, away from the data. The loss is
# >    $L_R = -\sum_i \big[x_i \log \hat x_i + (1 - x_i) \log(1 - \hat x_i)\big]$
# >    $= -\log p(x|z) \ge 0$.
# > 2. *The bound points the other way.* $\mathrm{ELBO} \le \log p(x)$, so the loss
# >    $-\mathrm{ELBO} \ge -\log p(x)$: the loss is an **upper** bound on $-\log p(x)$, not
# >    "a lower bound on the loss". Pushing an upper bound down pushes what it bounds down
# >    with it, which is why minimising $-\mathrm{ELBO}$ trains the model.
# > 3. *$\log p(x) = \mathbb E_q[\log p(x|z)]$ is not an identity.* The identity is the last
# >    line above, $\log p(x) = \mathbb E_q[\log p(x|z)] - \mathrm{KL}(q \| p(z))$
# >    $+ \mathrm{KL}(q \| p(z|x))$, and the two KL terms do not cancel: the table below prints
# >    both sides for four test digits, and they differ in every row.
# > 4. *$\log p(x)$ drops out between two lines of the derivation.* Writing out the KL to the
# >    posterior with Bayes' rule gives
# >    $\mathrm{KL}(q \| p(z|x)) = \mathbb E_q[\log q(z|x) - \log p(x|z) - \log p(z)] + \log p(x)$:
# >    the $+\log p(x)$ stays, since $p(z|x) = p(x|z)p(z)/p(x)$, and moving it to the left
# >    is what gives the identity.
# > 5. *The reparameterisation section swaps $\theta$ and $\phi$.* The encoder's parameters
# >    $\phi$ produce $\mu_\phi(x)$ and $\sigma_\phi(x)$; the decoder's $\theta$ produce
# >    $p_\theta(x|z)$. The trick is needed for the gradient with respect to $\phi$, which
# >    reaches the encoder through $\mu$ and $\sigma$ in
# >    $z = \mu_\phi(x) + \sigma_\phi(x) \odot \epsilon$, $\epsilon \sim \mathcal N(0, I)$:
# >    $\nabla_\phi \mathbb E_{q_\phi(z|x)}[\log p_\theta(x|z)]$
# >    $= \mathbb E_\epsilon[\nabla_\phi \log p_\theta(x | \mu_\phi + \sigma_\phi \odot \epsilon)]$.
# >    The gradient with respect to $\theta$ needs no trick:
# >    $\nabla_\theta \mathbb E_{q_\phi}[\log p_\theta(x|z)]$
# >    $= \mathbb E_{q_\phi}[\nabla_\theta \log p_\theta(x|z)]$.
# > 6. *$L_D$ is defined twice*, first as $\mathrm{KL}(q(z|x) \| p(z|x))$, then as
# >    $\mathrm{KL}(q(z|x) \| p(z))$. They are different quantities. The loss's $L_D$ is the
# >    KL to the prior $p(z) = \mathcal N(0, I)$, in closed form (the history's `kl`); the KL
# >    to the posterior is the gap $\log p(x) - \mathrm{ELBO}$, which no loss can compute
# >    since it needs p(x). Below it is computed on a grid, which 2 dimensions allow.

# %% [markdown]
# ## Why the vanilla decoder fails on arbitrary z
#
# A 2-D vanilla autoencoder puts its codes wherever training takes them. Left: the codes of
# the test digits, coloured by class, and twenty draws z ~ N(0, I) (black crosses); look at
# the scale of the axes, and where the draws land. Right: the twenty draws decoded. The cell
# prints the range of the codes, and how different the decoded draws are from each other
# (the standard deviation of each pixel across the twenty, averaged over pixels) beside
# the same measure for twenty test digits.

# %%
ae = Autoencoder((64, 128, 2), loss="mse", rng=SEED).fit(X_fit, epochs=80)
ae_codes = ae.encode(data.X_test)
z = rng.standard_normal((20, 2)).astype(np.float32)
decoded = ae.decode(z)
print(
    "code range, unit 1:",
    np.round(ae_codes[:, 0].min(), 1),
    "to",
    np.round(ae_codes[:, 0].max(), 1),
)
print(
    "code range, unit 2:",
    np.round(ae_codes[:, 1].min(), 1),
    "to",
    np.round(ae_codes[:, 1].max(), 1),
)
print(f"pixel spread across the 20 decoded draws: {decoded.std(axis=0).mean():.3f}")
print(f"pixel spread across 20 test digits:       {data.X_test[:20].std(axis=0).mean():.3f}")
fig, (ax, ax_images) = plt.subplots(
    1, 2, figsize=(9.5, 3.8), layout="constrained", gridspec_kw={"width_ratios": [1, 1.3]}
)
points = ax.scatter(*ae_codes.T, c=data.y_test, cmap="tab10", s=8, alpha=0.8, vmin=-0.5, vmax=9.5)
ax.scatter(*z.T, marker="x", color="black", s=30)
ax.set(xlabel="z1", ylabel="z2", title="Test codes; x: 20 draws z ~ N(0, I)")
fig.colorbar(points, ax=ax, ticks=range(10), label="class")
mosaic = np.ones((2 * 9 - 1, 10 * 9 - 1))
for k, image in enumerate(decoded):
    row, col = divmod(k, 10)
    mosaic[row * 9 : row * 9 + 8, col * 9 : col * 9 + 8] = 1 - image.reshape(8, 8)
ax_images.imshow(mosaic, cmap="gray", vmin=0, vmax=1)
ax_images.set_axis_off()
ax_images.set_title("The 20 draws decoded")
fig.suptitle("Vanilla autoencoder: decoding z ~ N(0, I)")
plt.show()

# %% [markdown]
# The codes span about 20 units along each axis (from -5.3 to 16.1 and from -8.3 to 14.9),
# and the twenty draws from N(0, I) fall in one small patch of that cloud, near the origin.
# They decode to twenty near-copies of one shape, like a 9: the pixels vary across them
# (0.045) about a fifth as much as across twenty test digits (0.216). Nothing in the
# vanilla autoencoder's loss says where codes should be, so a distribution we could sample
# from does not describe them.

# %% [markdown]
# ## Training a VAE
#
# Same widths, a 2-D latent space. The loss is the negative ELBO: the reconstruction term
# (binary cross-entropy, in nats per image) plus the KL divergence of q(z|x) from N(0, I).
# Look at the two terms in the history: after a dip in the first epochs the KL rises as
# the code starts carrying information, and the reconstruction falls. A callback also
# records, after each epoch, the posterior's mean standard deviation sigma and the spread
# of its means mu over the validation digits; the ablations below use it.


# %%
class PosteriorSpread(Callback):
    """After each epoch: the mean sigma of q(z|x), and the standard deviation of mu across
    the examples of X (averaged over latent dimensions), on X."""

    def __init__(self, X):
        self.X, self.sigma, self.mu_spread = X, [], []

    def on_epoch_end(self, epoch, logs, run):
        with no_grad():
            mu, logvar = (t.data for t in run.model.encoder(Tensor(self.X)))
        self.sigma.append(float(np.exp(logvar / 2).mean()))
        self.mu_spread.append(float(mu.std(axis=0).mean()))


spreads = {"VAE": PosteriorSpread(X_val)}
vae = VAE((64, 128, 2), rng=SEED)
vae.fit(X_fit, epochs=200, validation_data=X_val, callbacks=[spreads["VAE"]])
fig = plot_history(vae.history_, title="VAE 64-128-2: the two terms of the negative ELBO")

# %% [markdown]
# ## See it where it is tractable: the true posterior on a grid
#
# With two latent dimensions the integral $p(x) = \int p(x|z)\,p(z)\,dz$ can be done by
# quadrature: on a square grid of codes $z_g$ with spacing h (`step=0.1`) over $[-8, 8]^2$,
#
# $$p(x) \approx h^2 \sum_g p(x \mid z_g)\, p(z_g), \qquad
#   p(z_g \mid x) = \frac{p(x \mid z_g)\, p(z_g)}{p(x)},$$
#
# and with the true posterior in hand,
# $\mathrm{KL}(q \,\|\, p(z|x)) \approx h^2 \sum_g q(z_g|x)\,\log \frac{q(z_g|x)}{p(z_g|x)}$
# and $\mathrm{ELBO} \approx h^2 \sum_g q(z_g|x) \log p(x|z_g) - \mathrm{KL}(q \,\|\, p(z))$
# (the last KL in closed form). Everything is vectorised: the decoder runs once on the whole
# grid, and $\log p(x|z_g)$ for every digit and every grid point is one matrix product,
# $\sum_i x_i \ell_i - \log(1 + e^{\ell_i})$, in float64.


# %%
def log_px_given_z(vae, X, Z):
    """log p(x|z) in nats for every x of X (n, 64) and z of Z (G, 2): (n, G), float64."""
    with no_grad():
        logits = vae.decoder(Tensor(Z.astype(np.float32))).data.astype(np.float64)
    # Bernoulli with logits l: log p(x|z) = sum_i x_i l_i - log(1 + exp(l_i))
    return X.astype(np.float64) @ logits.T - np.logaddexp(0.0, logits).sum(axis=1)


def by_quadrature(vae, X, half_width=8.0, step=0.1, chunk=40):
    """log p(x), the ELBO, KL(q(z|x) || p(z|x)) and the posterior's mean (n, 2) of each x of
    X, by the midpoint rule on the grid of spacing ``step`` over [-half_width, half_width]^2."""
    axis = np.arange(-half_width, half_width + step / 2, step)
    Z = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    log_pz = -0.5 * np.sum(Z**2, axis=1) - np.log(2 * np.pi)
    with no_grad():
        mu, logvar = (t.data.astype(np.float64) for t in vae.encoder(Tensor(X)))
    kl_prior = 0.5 * np.sum(mu**2 + np.exp(logvar) - 1.0 - logvar, axis=1)
    out = {key: np.empty(len(X)) for key in ("log_px", "elbo", "kl_posterior", "q_mass")}
    out["posterior_mean"] = np.empty((len(X), 2))
    for s in range(0, len(X), chunk):
        log_lik = log_px_given_z(vae, X[s : s + chunk], Z)  # (chunk, G)
        log_joint = log_lik + log_pz
        log_px = logsumexp(log_joint, axis=1) + 2 * np.log(step)
        log_posterior = log_joint - log_px[:, None]  # log p(z_g|x)
        m, v = mu[s : s + chunk, None, :], np.exp(logvar[s : s + chunk, None, :])
        log_q = -0.5 * np.sum((Z - m) ** 2 / v + np.log(2 * np.pi * v), axis=2)
        q_weight = np.exp(log_q) * step**2  # q(z_g|x) h^2, summing to 1
        out["log_px"][s : s + chunk] = log_px
        out["elbo"][s : s + chunk] = np.sum(q_weight * log_lik, axis=1) - kl_prior[s : s + chunk]
        out["kl_posterior"][s : s + chunk] = np.sum(q_weight * (log_q - log_posterior), axis=1)
        out["q_mass"][s : s + chunk] = q_weight.sum(axis=1)
        out["posterior_mean"][s : s + chunk] = np.exp(log_posterior) * step**2 @ Z
    return out


# %% [markdown]
# Is the grid wide and fine enough? *Wide*: the prior puts a mass $P_{\text{out}}$ outside
# the grid's square $[-8.05, 8.05]^2$, and $p(x|z) \le e^{-H(x)}$ for every z, where
# $H(x) = -\sum_i x_i \log x_i + (1 - x_i)\log(1 - x_i)$ (a cross-entropy is never below
# the entropy), so the part of $p(x)$ the grid misses is at most $e^{-H(x)} P_{\text{out}}$:
# a bound on the error of $\log p(x)$ that holds whatever the decoder does. *Fine*: the
# same sums with half the spacing, on the 60 test digits with the largest gap
# log p(x) - ELBO. And q's smallest sigma against the spacing, and how much of q's mass the
# grid holds.

# %%
quad = by_quadrature(vae, data.X_test)
gap = quad["log_px"] - quad["elbo"]
x = np.clip(data.X_test.astype(np.float64), 1e-12, 1 - 1e-12)
entropy = -np.sum(x * np.log(x) + (1 - x) * np.log(1 - x), axis=1)
p_out = 1 - (2 * NormalDist().cdf(8.05) - 1) ** 2
outside = np.log1p(np.exp(-entropy - quad["log_px"]) * p_out)
hardest = np.argsort(gap)[-60:]
finer = by_quadrature(vae, data.X_test[hardest], step=0.05)
with no_grad():
    mu_test, logvar_test = (t.data.astype(np.float64) for t in vae.encoder(Tensor(data.X_test)))
print(f"prior mass outside the grid: {p_out:.1e}")
print(f"bound on the error of log p(x) from outside the grid: {outside.max():.1e} nats")
for key in ("log_px", "elbo", "kl_posterior"):
    change = np.abs(finer[key] - quad[key][hardest]).max()
    print(f"half the spacing: {key:>12} changes by at most {change:.1e} nats")
print(f"smallest sigma of q: {np.exp(logvar_test / 2).min():.3f} (grid spacing 0.1)")
print(f"q's mass on the grid: {quad['q_mass'].min():.6f} to {quad['q_mass'].max():.6f}")

# %% [markdown]
# The grid misses at most 2.4e-06 nats of log p(x) outside its square (the bound printed
# above), and halving the spacing changes log p(x), the ELBO and the KL to the posterior by
# at most 0.0011 nats, on the 60 digits where q is worst: the quadrature's error is about a
# thousandth of a nat. q's smallest sigma (0.128) spans more than a grid step, and the grid
# holds all of q's mass to six decimals.
#
# Now the table: for four test digits, those whose gap log p(x) - ELBO is the smallest,
# the median, the 90th percentile and the largest, and for the mean over all the test
# digits: $\mathbb E_q \log p(x|z)$, the ELBO, the importance-weighted estimates
# IWAE(K) = `vae.log_likelihood` (Burda et al., 2015) with K = 10 and K = 500 draws of z
# (each the mean of five runs with different seeds), log p(x), the gap log p(x) - ELBO, and
# KL(q || p(z|x)), in nats. The cell also compares the quadrature's ELBO with the library's
# Monte-Carlo one, `vae.evaluate`, and counts the digits whose IWAE(500) lies above log p(x).

# %%
seeds = range(5)
K_values = [1, 10, 100, 500]
iwae = {
    K: np.array([vae.log_likelihood(data.X_test, n_draws=K, seed=s) for s in seeds])
    for K in K_values
}  # (5 seeds, 360 digits) for each K
order = np.argsort(gap)
shown = [order[0], order[len(order) // 2], order[int(0.9 * len(order))], order[-1]]
kl_prior = 0.5 * np.sum(mu_test**2 + np.exp(logvar_test) - 1 - logvar_test, axis=1)
columns = {
    "E_q log p(x|z)": quad["elbo"] + kl_prior,
    "ELBO": quad["elbo"],
    "IWAE(10)": iwae[10].mean(axis=0),
    "IWAE(500)": iwae[500].mean(axis=0),
    "log p(x)": quad["log_px"],
    "log p(x) - ELBO": gap,
    "KL(q || p(z|x))": quad["kl_posterior"],
}
rows = [
    {"digit": f"test #{i} (a {data.y_test[i]})"} | {k: v[i] for k, v in columns.items()}
    for i in shown
]
rows.append({"digit": f"mean of {len(gap)}"} | {k: v.mean() for k, v in columns.items()})
print(format_table(rows, floatfmt=".3f"))
print(
    f"\nlargest |gap - KL| over the {len(gap)} test digits: "
    f"{np.abs(gap - quad['kl_posterior']).max():.1e} nats"
)
mc_elbo = -vae.evaluate(data.X_test, n_draws=200, seed=SEED)["neg_elbo"]
print(
    f"mean ELBO: {quad['elbo'].mean():.3f} by quadrature, {mc_elbo:.3f} by vae.evaluate "
    f"(Monte Carlo, 200 draws of z per digit), {abs(mc_elbo - quad['elbo'].mean()):.3f} apart"
)
first_minus_log_px = columns["E_q log p(x|z)"] - quad["log_px"]
print(
    "E_q log p(x|z) - log p(x) for the four digits:",
    ", ".join(f"{d:.2f}" for d in first_minus_log_px[shown]),
    f"(mean over the test digits {first_minus_log_px.mean():.2f})",
)
above = columns["IWAE(500)"] - quad["log_px"]
print(
    f"digits whose IWAE(500) (mean of 5) lies above log p(x): {np.sum(above > 0)} of "
    f"{len(gap)}, by at most {above.max():.3f} nats"
)
print(
    f"spread of one IWAE(500) run across the 5 seeds, largest over digits: "
    f"{iwae[500].std(axis=0).max():.3f} nats"
)

# %% [markdown]
# Start with the last row, the mean over the 360 test digits. It reads as the derivation
# says: ELBO (-25.156) < IWAE(10) (-24.980) < IWAE(500) (-24.950) <= log p(x) (-24.948);
# the importance-weighted estimate tightens the bound as K grows and stays just below
# log p(x). The gap log p(x) - ELBO and KL(q || p(z|x)), two different sums on the grid,
# agree to 2.3e-13 nats for every test digit: that is the identity of the three lines. On
# average, approximating the posterior by q costs 0.208 nats a digit; digit by digit the
# cost ranges from 0.019 nats (test #229) to 2.564 (test #302).
#
# A single row need not climb so neatly. IWAE is a lower bound on log p(x) only on average
# over its random draws, and where the gap is a few hundredths of a nat the estimate's
# noise is as large: for 158 of the 360 digits the mean of five IWAE(500) runs lies above
# log p(x), by at most 0.119 nats (test #49 is one), and one run's spread across the five
# seeds reaches 0.975 nats for one digit. The first column is not log p(x)
# (erratum 3): $\mathbb E_q \log p(x|z)$ lies 1.5 to 2.3 nats above log p(x) for the first
# three digits and on average, and 1.4 nats below it for test #302. The library's
# Monte-Carlo ELBO agrees with the quadrature's to 0.011 nats (the two printed means).
#
# Now the posteriors themselves, for the same four digits: the true p(z|x) (shaded) on a
# fine grid around it and around q, and q(z|x)'s 1- and 2-sigma ellipses (white); the cross
# marks the true posterior's mean. Where the gap is small the two should overlap; where it
# is large, look for how they differ.


# %%
def posterior_panel(ax, vae, x, log_px, posterior_mean, n=161):
    """Shade p(z|x) on an n x n grid around q's 2-sigma box and p(z|x)'s mean; draw q's 1-
    and 2-sigma ellipses and the posterior mean."""
    with no_grad():
        mu, logvar = (t.data[0].astype(np.float64) for t in vae.encoder(Tensor(x[None])))
    sigma = np.exp(logvar / 2)
    low = np.minimum(mu - 3 * sigma, posterior_mean - 2 * sigma)
    high = np.maximum(mu + 3 * sigma, posterior_mean + 2 * sigma)
    z1, z2 = np.linspace(low[0], high[0], n), np.linspace(low[1], high[1], n)
    Z = np.stack(np.meshgrid(z1, z2), axis=-1).reshape(-1, 2)
    log_pz = -0.5 * np.sum(Z**2, axis=1) - np.log(2 * np.pi)
    density = np.exp(log_px_given_z(vae, x[None], Z)[0] + log_pz - log_px).reshape(n, n)
    extent = (z1[0], z1[-1], z2[0], z2[-1])
    ax.imshow(density, origin="lower", extent=extent, aspect="auto", cmap="viridis")
    for k in (1, 2):
        ax.add_patch(Ellipse(mu, 2 * k * sigma[0], 2 * k * sigma[1], fill=False, color="w"))
    ax.plot(*posterior_mean, marker="x", color="w", markersize=8)
    ax.set(xlabel="z1", ylabel="z2")


fig, axes = plt.subplots(2, 4, figsize=(11, 5.6), layout="constrained", height_ratios=[1, 3])
for (ax_digit, ax), i in zip(axes.T, shown, strict=True):
    ax_digit.imshow(data.X_test[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax_digit.set_axis_off()
    ax_digit.set_title(f"test #{i}: gap {gap[i]:.3f} nats", fontsize=9)
    posterior_panel(ax, vae, data.X_test[i], quad["log_px"][i], quad["posterior_mean"][i])
    offset = (quad["posterior_mean"][i] - mu_test[i]) / np.exp(logvar_test[i] / 2)
    print(f"test #{i}: posterior mean - mu of q, in q's sigmas: {np.round(offset, 2)}")
fig.suptitle("True posterior p(z|x) (shaded, x: its mean) and q(z|x) (white: 1 and 2 sigma)")
plt.show()

# %% [markdown]
# Where the gap is small, q is a good fit: for test #229 and test #49 (gaps 0.019 and 0.102
# nats) the true posterior is one round bump inside q's 1-sigma ellipse, its mean within
# 0.24 sigma of q's. For test #30 (0.417 nats) the bump is tilted, z1 and z2 correlated,
# which q's diagonal covariance cannot follow, and its mean sits 0.63 sigma above q's. For
# test #302 (2.564 nats) q is in the wrong place: the posterior's mass lies at the lower
# edge of q's ellipses, its mean 1.04 sigma below and 0.74 sigma to the right of q's. The
# encoder computes q from x in one pass for every digit, and for this digit it misses.

# %% [markdown]
# The same bounds averaged over the 360 test digits, against K. IWAE(K) with K = 1 is one
# draw of the ELBO's integrand, and rises towards log p(x) as K grows. The points and the
# dashed line (the ELBO by `vae.evaluate`, 20 draws of z) are means over the five seeds,
# the bars and the grey band one standard deviation; the solid line is log p(x) by
# quadrature.

# %%
elbos = [-vae.evaluate(data.X_test, n_draws=20, seed=s)["neg_elbo"] for s in seeds]
elbo = np.mean(elbos)
means = [iwae[K].mean(axis=1) for K in K_values]  # each: the 5 runs' averages over digits
print(f"ELBO     : {elbo:8.3f} ± {np.std(elbos):.3f} nats")
for K, m in zip(K_values, means, strict=True):
    print(f"K = {K:>3}  : {m.mean():8.3f} ± {m.std():.3f} nats")
print(f"log p(x) : {quad['log_px'].mean():8.3f} nats (quadrature)")
print(f"log p(x) - IWAE(500): {quad['log_px'].mean() - means[-1].mean():.3f} nats")
fig = plt.figure(figsize=(5.5, 3.6), layout="constrained")
ax = fig.subplots()
ax.axhspan(elbo - np.std(elbos), elbo + np.std(elbos), color="0.85")
ax.axhline(elbo, color="black", linestyle="--", label="ELBO")
ax.axhline(quad["log_px"].mean(), color="C3", label="log p(x), quadrature")
ax.errorbar(
    K_values,
    [m.mean() for m in means],
    yerr=[m.std() for m in means],
    marker="o",
    capsize=4,
    label="importance-weighted estimate",
)
ax.set(xscale="log", xlabel="K (importance-weighted draws of z)", ylabel="mean log p(x), nats")
ax.set_xticks(K_values, [str(K) for K in K_values])
ax.set_xticks([], minor=True)
ax.set_title("Tighter bounds with more samples (5 evaluations each)")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# The estimates rise with K. At K = 1 (-25.151 ± 0.018) the bar reaches into the ELBO's
# band, since one importance weight is one draw of the ELBO's integrand; at K = 10 the
# estimate is already -24.980; at K = 500 it is -24.950, 0.002 nats below log p(x) by
# quadrature (-24.948), the line it approaches from below.

# %% [markdown]
# ## Many latent representations per x
#
# The encoder gives each digit a distribution, not a point. Left: the posterior means of 60
# test digits with their 1-sigma ellipses, coloured by class. Right: one test digit, its
# posterior mean decoded, and eight draws z ~ q(z|x) decoded side by side; the cell prints
# the draws.

# %%
fig, (ax, ax_images) = plt.subplots(
    1, 2, figsize=(10, 4), layout="constrained", gridspec_kw={"width_ratios": [1, 1.4]}
)
with no_grad():
    mu_60, logvar_60 = (t.data for t in vae.encoder(Tensor(data.X_test[:60])))
colors = plt.get_cmap("tab10")(data.y_test[:60])
for m, s, c in zip(mu_60, np.exp(logvar_60 / 2), colors, strict=True):
    ax.add_patch(Ellipse(m, 2 * s[0], 2 * s[1], color=c, alpha=0.25))
ax.scatter(*mu_60.T, c=colors, s=10)
ax.set(xlabel="z1", ylabel="z2", title="60 test digits: mu and 1-sigma ellipses", aspect="equal")
ax.autoscale_view()
one = data.X_test[shown[1]]
draws = vae.encode(np.repeat(one[None], 8, axis=0), sample=True)
print("eight draws z ~ q(z|x):\n", np.round(draws, 2))
mu_one, sigma_one = mu_test[shown[1]], np.exp(logvar_test[shown[1]] / 2)
print(f"mu {np.round(mu_one, 2)}, sigma {np.round(sigma_one, 2)}")
print(f"pixel spread across the 8 decoded draws: {vae.decode(draws).std(axis=0).mean():.3f}")
print(f"pixel spread across 8 test digits:       {data.X_test[:8].std(axis=0).mean():.3f}")
images = np.concatenate([one[None], vae.decode(vae.encode(one[None])), vae.decode(draws)])
mosaic = np.ones((8, 10 * 9 - 1))
for k, image in enumerate(images):
    mosaic[:, k * 9 : k * 9 + 8] = 1 - image.reshape(8, 8)
ax_images.imshow(mosaic, cmap="gray", vmin=0, vmax=1)
ax_images.set_xticks(
    [3.5 + 9 * k for k in range(10)], ["x", "mu"] + [f"z{k + 1}" for k in range(8)]
)
ax_images.set_yticks([])
ax_images.set_title(f"test #{shown[1]}: the digit, its mean, 8 draws of z decoded")
fig.suptitle("The posterior q(z|x), not just its mean")
plt.show()

# %% [markdown]
# Each ellipse is the set of codes the encoder considers for one digit, and the ellipses of
# neighbouring classes overlap. The eight draws for test #49 (mu and sigma printed above)
# spread along z1, where its sigma is largest; they decode to variations of one shape,
# whose pixels vary (0.057) about a quarter as much as across eight test digits (0.202):
# many codes for one x, all decoding to images like it.

# %% [markdown]
# ## The reparameterisation op and its eps
#
# z = mu + sigma * eps with sigma = exp(logvar / 2) and eps ~ N(0, I) drawn in the forward
# pass. The op keeps that eps (`z.op.eps`); its backward uses the very same draw:
# dL/dmu = dL/dz and dL/dlogvar = dL/dz * eps * sigma / 2. This is how the gradient reaches
# the encoder's parameters phi, through mu and logvar (erratum 5). Check it by hand and
# numerically.

# %%
mu = Tensor(rng.normal(size=(3, 2)), requires_grad=True, name="mu")
logvar = Tensor(rng.normal(size=(3, 2)), requires_grad=True, name="logvar")
z_t = reparameterize(mu, logvar, rng=rng)
loss = (z_t**2).sum()  # any scalar function of z; here dL/dz = 2 z
loss.backward()
eps, sigma = z_t.op.eps, np.exp(logvar.data / 2)
by_hand = z_t.grad * eps * sigma / 2
print("eps kept by the op:\n", np.round(eps, 3))
print("max |logvar.grad - dL/dz * eps * sigma / 2| =", np.abs(logvar.grad - by_hand).max())
print(gradcheck(lambda m, lv: reparameterize(m, lv, eps=eps) ** 2, [mu, logvar]))

# %% [markdown]
# ## Two ablations
#
# The lecture says that without the KL term $L_D$ (`beta=0`) z becomes deterministic, and
# that without the reconstruction term $L_R$ (`reconstruction_weight=0`) z carries no
# information about x. Test both: each ablation trains as long as the VAE (200 epochs, the
# same `PosteriorSpread` callback), so that the differences are the ablations', not the
# training time's. The table gives, on the test digits: the two terms, the active units
# (latent dimensions whose mean moves with x), `mu_spread` (the standard deviation of the
# posterior means across digits, averaged over the two dimensions: the prior N(0, I) has
# spread 1), `sigma` (the posterior's mean standard deviation), and their ratio
# `sigma / mu_spread`: how wide one digit's cloud of codes is against the spread of all the
# codes.

# %%
ablations = {
    "beta = 0": VAE((64, 128, 2), beta=0.0, rng=SEED),
    "reconstruction_weight = 0": VAE((64, 128, 2), reconstruction_weight=0.0, rng=SEED),
}
for name, model in ablations.items():
    spreads[name] = PosteriorSpread(X_val)
    model.fit(X_fit, epochs=200, validation_data=X_val, callbacks=[spreads[name]])
models = {"VAE": vae, **ablations}
rows = []
for name, model in models.items():
    scores = model.evaluate(data.X_test)
    with no_grad():
        mu_m, logvar_m = (t.data for t in model.encoder(Tensor(data.X_test)))
    mu_spread, sigma_mean = mu_m.std(axis=0).mean(), np.exp(logvar_m / 2).mean()
    rows.append(
        {
            "model": name,
            "reconstruction": scores["reconstruction"],
            "kl": scores["kl"],
            "active_units": model.active_units(data.X_test),
            "mu_spread": mu_spread,
            "sigma": sigma_mean,
            "sigma / mu_spread": sigma_mean / mu_spread,
        }
    )
print("nats per test example (reconstruction summed over 64 pixels, KL over 2 dimensions)")
print(format_table(rows, floatfmt=".3f"))
for name in models:
    s = spreads[name]
    print(
        f"{name:>26}: sigma at epochs 1, 10, 50, 200: "
        + ", ".join(f"{s.sigma[e - 1]:.3f}" for e in (1, 10, 50, 200))
    )

# %% [markdown]
# The posterior's sigma over training (left, log scale) and against the spread of the means
# (right), on the validation digits, for the three models; then what each model generates,
# ten draws z ~ N(0, I) decoded.

# %%
fig, (ax_sigma, ax_ratio) = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
for name, s in spreads.items():
    epochs = np.arange(1, len(s.sigma) + 1)
    ax_sigma.plot(epochs, s.sigma, label=name)
    ax_ratio.plot(epochs, np.array(s.sigma) / np.array(s.mu_spread), label=name)
ax_sigma.set(yscale="log", xlabel="epoch", ylabel="mean sigma of q(z|x)", title="Posterior sigma")
ax_ratio.set(
    yscale="log", xlabel="epoch", ylabel="sigma / mu_spread", title="Sigma against the spread of mu"
)
ax_sigma.legend(frameon=False)
fig.suptitle("How noisy is z given x? (validation digits, after each epoch)")
plt.show()

# %%
fig = plot_samples(
    np.concatenate([model.sample(10) for model in models.values()]),
    row_labels=list(models),
    title="Samples z ~ N(0, I) from the VAE and its two ablations",
)

# %% [markdown]
# Dropping $L_D$ (`beta = 0`). The lecture's claim holds as a trend: the posterior's sigma
# falls from 1.141 after the first epoch to 0.119 at epoch 10, 0.019 at 50 and 0.005 at
# 200, and is still falling when training ends (left); the VAE's falls only to 0.364. The
# means meanwhile spread to five times the prior's width (`mu_spread` 5.05), so one digit's
# cloud of codes is about a thousandth as wide as the cloud of all the codes
# (`sigma / mu_spread` 0.001, right): z is, to that precision, a function of x, although
# sigma has not reached 0 in 200 epochs. The model is an autoencoder with a little noise.
# It reconstructs about 1 nat better than the VAE (21.92 against 23.02 nats) and its KL to
# the prior is 56.8 nats; draws from N(0, I) land in a small patch in the middle of its
# codes, and all ten decode to nearly the same shape, between a 7 and a 9.
#
# Dropping $L_R$ (`reconstruction_weight = 0`): KL 0.000, no active unit, `sigma` 1.000 and
# `mu_spread` 0.008: q(z|x) is N(0, I) for every x. Its decoder, which only the
# reconstruction term trains, keeps its random initial weights and draws grey noise for
# every z. The VAE, between the two, draws varied digits.

# %% [markdown]
# Why q(z|x) = p(z) for every x once $L_R$ is gone: the loss left is
# $\sum_n \mathrm{KL}(q(z|x_n) \,\|\, p(z))$, one term per example, each 0 exactly when
# that example's q is the prior. Nothing in it looks at what the code says about x. This is
# the lecture's coin-relabelling example: a code that carries no information about x, for
# which any relabelling of which code goes with which x gives the same loss. The cell
# relabels the codes: each test digit gets the code z ~ q(z|x') drawn for another digit x'
# (a fixed random permutation); it prints the reconstruction term and the KL term with the
# digits' own codes and with the relabelled ones.

# %%
perm = np.random.default_rng(SEED).permutation(len(data.X_test))
for name in ("VAE", "reconstruction_weight = 0"):
    model = models[name]
    own = model.encode(data.X_test, sample=True)  # one z ~ q(z|x) per digit
    relabelled = own[perm]  # the same codes, handed to other digits
    x64 = data.X_test.astype(np.float64)
    reconstruction = {}
    with no_grad():
        for label, Z in (("own codes", own), ("relabelled codes", relabelled)):
            logits = model.decoder(Tensor(Z)).data.astype(np.float64)
            terms = np.sum(np.logaddexp(0, logits) - x64 * logits, axis=1)
            reconstruction[label] = terms.mean()
            print(f"{name:>26}, {label:>16}: reconstruction {terms.mean():6.2f} nats")
    cost = reconstruction["relabelled codes"] - reconstruction["own codes"]
    print(f"{name:>26}: relabelling costs {cost:.2f} nats of reconstruction")
    print(f"{name:>26}: KL term {model.evaluate(data.X_test)['kl']:.4f} nats either way")

# %% [markdown]
# For the VAE, relabelling costs 9.9 nats of reconstruction (23.10 against 33.02): its
# codes carry information about their own digit, and the loss knows which code is whose.
# Without $L_R$, the relabelled codes reconstruct as badly as the digits' own (44.59 and
# 44.58 nats), and the loss, the KL term alone, is the same either way: like the coin's,
# these codes say nothing about x, so any relabelling of them leaves the loss unchanged.

# %% [markdown]
# ## Samples, interpolation and the latent manifold
#
# Now z ~ N(0, I) decodes into digits. A straight line between two codes passes through
# digit-like images too: here from the first 0 of the test set to its first 7, whose own
# decoding, on the right, looks more like a 9 (two numbers per image do not keep every 7
# apart from the 9s). Decoding a grid through the prior's quantiles shows the whole map.

# %%
fig = plot_samples(vae.sample(30), title="VAE samples, z ~ N(0, I)")

# %%
a, b = data.X_test[data.y_test == 0][0], data.X_test[data.y_test == 7][0]
fig = plot_interpolation(vae.interpolate(a, b, steps=10), title="From a 0 to a 7 in latent space")

# %%
images, coordinates = vae.latent_grid(n=15)
fig = plot_latent_manifold(images, coordinates, title="The VAE's 2-D latent manifold")
# README figure: 07_vae.png (the notebook builder saves this cell's figure)

# %% [markdown]
# The codes side by side: PCA's linear projection, the vanilla autoencoder's codes spread
# wherever training put them, and the VAE's posterior means packed into the region the
# prior covers (note each panel's axes).

# %%
codes = {
    "PCA (2 components)": fit_pca(X_fit, 2).transform(data.X_test),
    "vanilla autoencoder": ae_codes,
    "VAE (posterior means)": vae.encode(data.X_test),
}
fig = plot_latent_scatter(codes, data.y_test, title="2-D codes of the test digits")
# README figure: 07_latent_codes.png (the notebook builder saves this cell's figure)

# %% [markdown]
# ## A latent space to play with
#
# Two sliders set one code z = (z1, z2) in the square $[-4, 4]^2$, where the prior N(0, I)
# puts nearly all its mass, and both models decode it: the vanilla autoencoder (left) and
# the VAE (right), each below its codes of the test digits, where a cross marks z. Look for
# where each decoder draws digits, and which. With ipywidgets installed, this cell shows
# sliders (leave out `limit` to span every code of both models); without it (as on this
# page), it decodes the 9 x 9 grid of z marked by the crosses.

# %%
models_2d = {"vanilla autoencoder": ae, "VAE": vae}
view = latent_sliders(models_2d, data.X_test, data.y_test, limit=4, n_static=9)

# %% [markdown]
# In this square the VAE's codes fill the middle, and its decoder draws digits across it,
# of a different class in each region: 6s at the top left, 1s and 2s at the top right, 3s
# on the right, 4s at the bottom left, 7s at the bottom right. Most of the vanilla
# autoencoder's codes lie outside the square; there its decoder draws fewer classes, mostly
# 0s, 9s, 1s and 4s, and blurrier ones: the square where the prior would draw z is not
# where the autoencoder's digits are.

# %% [markdown]
# With eight latent dimensions no grid covers the space; take one dimension at a time. An
# 8-D VAE, same widths and epochs as the 2-D one; the cell prints each dimension's KL on the
# test digits (nats, `kl_per_dimension`) and the number of active units, then decodes z = 0,
# the prior's mean, with one coordinate moved from -3 to 3. With ipywidgets installed, it
# shows a dropdown to choose the dimension; without it (as on this page), a row per
# dimension.

# %%
vae_8 = VAE((64, 128, 8), rng=SEED).fit(X_fit, epochs=200, validation_data=X_val, verbose=False)
print("KL per dimension (nats):", np.round(vae_8.kl_per_dimension(data.X_test), 2))
print("active units:", vae_8.active_units(data.X_test))
view = latent_traversal(vae_8)

# %% [markdown]
# Three dimensions, z1, z6 and z8, have a KL that prints as 0: they are collapsed (q(z|x)
# is the prior along them for every x), and their rows repeat one image, the blurred shape
# the decoder draws at z = 0. The active ones each change the digit: z2 from a 6 to a 7,
# z3 from a 5 to a 4, z5 from a 0 to a 1, z7 from a 1 to a 9; z4, whose KL (0.12) is the
# smallest of the five, changes it least.

# %% [markdown]
# ## Exercises
#
# Write your answer where the stub says `YOUR CODE HERE` (a function body that raises
# `NotImplementedError`, or `answer = ...`), then run the check cell below it: it says
# *right*, *wrong* with a hint, or *not yet attempted*.

# %%
from aelearn.exercises import vae as check

# %% [markdown]
# **1.** Train with `beta=4`. What happens to the reconstruction, the KL and the samples?
# Train a 64-128-2 VAE with `beta=1` and one with `beta=4` for 30 epochs each and set
# `answer` to their test reconstruction and KL (from `evaluate`).

# %%
### BEGIN SOLUTION
answer = {}
for beta in (1, 4):
    model = VAE((64, 128, 2), beta=beta, rng=SEED).fit(data.X_train, epochs=30)
    scores = model.evaluate(data.X_test)
    answer[f"reconstruction_{beta}"], answer[f"kl_{beta}"] = scores["reconstruction"], scores["kl"]
print(answer)
### END SOLUTION

# %%
check.beta_four(answer)

# %% [markdown]
# **2.** Use `warmup_epochs=20` in 40 epochs of training. Does the KL curve change shape?
# The final ELBO? Set `answer` to the largest training KL of the first 10 epochs
# (`history_["kl"]`) and the test negative ELBO, with and without the warm-up.

# %%
### BEGIN SOLUTION
answer = {}
for suffix, warmup_epochs in [("", 0), ("_warmup", 20)]:
    model = VAE((64, 128, 2), warmup_epochs=warmup_epochs, rng=SEED).fit(data.X_train, epochs=40)
    answer[f"kl_peak{suffix}"] = max(model.history_["kl"][:10])
    answer[f"neg_elbo{suffix}"] = model.evaluate(data.X_test)["neg_elbo"]
print(answer)
### END SOLUTION

# %%
check.warmup(answer)

# %% [markdown]
# **3.** Write the reparameterisation's gradient with respect to logvar by hand, given the
# upstream gradient dL/dz and the forward's eps. Then recompute `logvar.grad` of the cell
# above with a *fresh* eps instead of `z_t.op.eps`: how wrong is it, and why is the saved
# draw the right one?


# %%
def gradient_wrt_logvar(grad_z, eps, logvar):
    """dL/dlogvar (batch, latent_dim) for z = mu + exp(logvar / 2) * eps."""
    ### BEGIN SOLUTION
    return grad_z * eps * np.exp(logvar / 2) / 2
    ### END SOLUTION


# %%
check.logvar_gradient(gradient_wrt_logvar)

# %% [markdown]
# **4.** Increase the latent size to 8 and compare `active_units` for `beta` in 0.5, 1 and
# 4 (30 epochs each). Set `answer` to {beta: active units on the test digits}.

# %%
### BEGIN SOLUTION
answer = {}
for beta in (0.5, 1.0, 4.0):
    model = VAE((64, 128, 8), beta=beta, rng=SEED).fit(data.X_train, epochs=30)
    answer[beta] = model.active_units(data.X_test)
print(answer)
### END SOLUTION

# %%
check.active_units(answer)

# %% [markdown]
# **5.** Derive the KL divergence of two diagonal Gaussians,
# KL(N(mu1, exp(logvar1)) || N(mu2, exp(logvar2))), per example and summed over the latent
# dimensions. With mu2 = 0 and logvar2 = 0 it must reduce to the VAE's KL term.


# %%
def kl_divergence(mu1, logvar1, mu2, logvar2):
    """KL of q = N(mu1, e^logvar1) from p = N(mu2, e^logvar2); arrays (batch, latent_dim)
    in, (batch,) out."""
    ### BEGIN SOLUTION
    var_ratio = np.exp(logvar1 - logvar2)
    mean_term = (mu1 - mu2) ** 2 / np.exp(logvar2)
    return 0.5 * np.sum(var_ratio + mean_term - 1.0 - (logvar1 - logvar2), axis=1)
    ### END SOLUTION


# %%
check.kl_two_gaussians(kl_divergence)

# %% [markdown]
# **6.** Compute the ELBO's two terms for a batch by hand, from the VAE's networks: encode x
# to (mu, logvar) with `vae.encoder(Tensor(x))`, form z = mu + sigma * eps with the given
# eps, decode to logits with `vae.decoder`, and return the reconstruction term
# -log p(x|z) (Bernoulli, summed over pixels) and the KL term, each per example.


# %%
def elbo_terms_of(vae, x, eps):
    """(reconstruction, kl), each of shape (batch,), in nats."""
    ### BEGIN SOLUTION
    mu, logvar = (t.data for t in vae.encoder(Tensor(x)))
    z = mu + np.exp(logvar / 2) * eps
    logits = vae.decoder(Tensor(z)).data
    # -log p(x|z) = sum softplus(l) - x l, written stably as logaddexp(0, l) - x l
    reconstruction = np.sum(np.logaddexp(0.0, logits) - x * logits, axis=1)
    kl = 0.5 * np.sum(mu**2 + np.exp(logvar) - 1.0 - logvar, axis=1)
    return reconstruction, kl
    ### END SOLUTION


# %%
check.elbo_terms(elbo_terms_of)
