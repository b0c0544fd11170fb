# %% [markdown]
# # 7. The variational autoencoder
#
# The vanilla decoder makes sense only of the codes it was trained on. The VAE
# (Kingma and Welling, 2014) encodes each image as a distribution q(z|x), keeps those
# distributions close to the prior N(0, I), and so learns a decoder for the whole latent
# space: drawing z from N(0, I) then gives digits.

# %% [markdown]
# The seed and the data; every model gets its own Generator seeded from `SEED`. The test set
# is kept for the final measurements; the validation loss we watch during training is
# measured on 20% of the training images, held out (stratified by digit).

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from aelearn import Tensor, gradcheck, reparameterize
from aelearn.baselines import fit_pca
from aelearn.datasets import load_digits
from aelearn.models import VAE, Autoencoder
from aelearn.plotting import (
    plot_history,
    plot_interpolation,
    plot_latent_manifold,
    plot_latent_scatter,
    plot_samples,
)
from aelearn.reporting import format_table

SEED = 0
rng = np.random.default_rng(SEED)
data = load_digits()
X_fit, X_val = train_test_split(
    data.X_train, test_size=0.2, stratify=data.y_train, random_state=SEED
)

# %% [markdown]
# ## Why the vanilla decoder fails on arbitrary z
#
# A 2-D vanilla autoencoder puts its codes wherever it likes: look at the scale of the
# axes and at the empty space between the classes. Codes drawn from N(0, I) land in places
# no image was encoded to.

# %%
ae = Autoencoder((64, 128, 2), loss="mse", rng=SEED).fit(data.X_train, epochs=80)
ae_codes = ae.encode(data.X_test)
print("code range per unit:", np.round(ae_codes.min(axis=0), 1), np.round(ae_codes.max(axis=0), 1))
z = rng.standard_normal((20, 2)).astype(np.float32)
fig = plot_samples(ae.decode(z), title="Vanilla autoencoder decoding z ~ N(0, I)")

# %% [markdown]
# ## Training a VAE
#
# Same widths, a 2-D latent space. The loss is the negative ELBO: a reconstruction term
# (binary cross-entropy, in nats per image) plus the KL divergence of q(z|x) from N(0, I).
# Look at the two terms in the history: the KL rises as the code starts carrying
# information, the reconstruction falls.

# %%
vae = VAE((64, 128, 2), rng=SEED)
vae.fit(X_fit, epochs=200, validation_data=X_val)
fig = plot_history(vae.history_, title="VAE 64-128-2: the two terms of the negative ELBO")

# %% [markdown]
# ## The reparameterisation op and its eps
#
# z = mu + sigma * eps with sigma = exp(logvar / 2) and eps ~ N(0, I) drawn in the forward
# pass. The op keeps that eps (`z.op.eps`); its backward uses the very same draw:
# dL/dmu = dL/dz and dL/dlogvar = dL/dz * eps * sigma / 2. Check it by hand and numerically.

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
# Drop the KL term (`beta=0`): the model is an autoencoder with noise, and the KL grows
# large. Drop the reconstruction term (`reconstruction_weight=0`): nothing asks z to carry
# information, so q(z|x) collapses onto the prior: KL goes to 0 and so does the number of
# *active units* (latent dimensions whose mean moves with x). Both train as long as the VAE
# (200 epochs), so that the differences are the ablations', not the training time's. The
# column `mu_spread` is the standard deviation of the posterior means over the test digits,
# averaged over the two dimensions: the prior N(0, I) has spread 1.

# %%
models = {
    "VAE": vae,
    "beta = 0": VAE((64, 128, 2), beta=0.0, rng=SEED).fit(X_fit, epochs=200),
    "reconstruction_weight = 0": VAE((64, 128, 2), reconstruction_weight=0.0, rng=SEED).fit(
        X_fit, epochs=200
    ),
}
rows = []
for name, model in models.items():
    scores = model.evaluate(data.X_test)
    rows.append(
        {
            "model": name,
            "reconstruction": scores["reconstruction"],
            "kl": scores["kl"],
            "active_units": model.active_units(data.X_test),
            "mu_spread": model.encode(data.X_test).std(axis=0).mean(),
        }
    )
print("nats per test example (reconstruction summed over 64 pixels, KL over 2 dimensions)")
print(format_table(rows, floatfmt=".2f"))

# %% [markdown]
# What each model generates: ten draws z ~ N(0, I), decoded.

# %%
fig = plot_samples(
    np.concatenate([model.sample(10) for model in models.values()]),
    row_labels=list(models),
    title="Samples z ~ N(0, I) from the VAE and its two ablations",
)

# %% [markdown]
# At the same 200 epochs, `beta = 0` reconstructs about 1 nat better than the VAE (21.9
# against 23.0 nats) and pays with a KL of 58 nats: its posterior means spread five times as
# wide as the prior (`mu_spread` 5.1), so draws from N(0, I) land in a small patch in the
# middle of its codes, and all ten decode to nearly the same shape, between a 7 and a 9.
# With `reconstruction_weight = 0` the KL is 0 and no unit is active; its decoder, which
# only the reconstruction term trains, still holds its random initial weights and draws
# grey noise for every z. The VAE, between the two, draws varied digits.

# %% [markdown]
# ## The ELBO is a lower bound
#
# The importance-weighted estimate of log p(x) with K samples (Burda et al., 2015) equals
# the ELBO on average for K = 1 and rises towards log p(x) as K grows. The gap is what the
# approximate posterior q(z|x) costs. Both are Monte-Carlo estimates (they draw z), so each
# is repeated with five seeds, on the 360 test digits: the points and the dashed line are
# the means over the five, the bars and the grey band one standard deviation.

# %%
seeds = range(5)
elbos = [-vae.evaluate(data.X_test, n_draws=20, seed=s)["neg_elbo"] for s in seeds]
elbo = np.mean(elbos)
K_values = [1, 10, 100, 500]
estimates = {
    K: [vae.log_likelihood(data.X_test, n_draws=K, seed=s).mean() for s in seeds] for K in K_values
}
iw = [np.mean(estimates[K]) for K in K_values]
print(f"ELBO    : {elbo:8.3f} ± {np.std(elbos):.3f} nats")
for K in K_values:
    print(f"K = {K:>3} : {np.mean(estimates[K]):8.3f} ± {np.std(estimates[K]):.3f} nats")
fig = plt.figure(figsize=(5.5, 3.6), layout="constrained")
ax = fig.subplots()
ax.axhspan(elbo - np.std(elbos), elbo + np.std(elbos), color="0.85")
ax.axhline(elbo, color="black", linestyle="--", label="ELBO")
ax.errorbar(
    K_values,
    iw,
    yerr=[np.std(estimates[K]) for K in K_values],
    marker="o",
    capsize=4,
    label="importance-weighted estimate",
)
ax.set(xscale="log", xlabel="K (importance-weighted draws of z)", ylabel="mean log p(x), nats")
ax.set_xticks(K_values, [str(K) for K in K_values])
ax.set_xticks([], minor=True)
ax.set_title("Tighter bounds with more samples (5 evaluations each)")
ax.legend(frameon=False)

# %% [markdown]
# Every importance-weighted estimate lies on or above the ELBO. With K = 1 the two agree
# within their spread (the bar reaches into the band): one importance weight is one draw of
# the ELBO's integrand. From K = 10 the estimates sit clearly above it; at K = 500, with a
# bar hardly wider than its marker, the estimate is 0.22 nats above the ELBO. log p(x) is at
# least that high, so here the approximate posterior q(z|x) costs at least 0.2 nats a digit.

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
# wherever training put them, and the VAE's packed into the region the prior covers.

# %%
codes = {
    "PCA (2 components)": fit_pca(data.X_train, 2).transform(data.X_test),
    "vanilla autoencoder": ae_codes,
    "VAE (posterior means)": vae.encode(data.X_test),
}
fig = plot_latent_scatter(codes, data.y_test, title="2-D codes of the test digits")
# README figure: 07_latent_codes.png (the notebook builder saves this cell's figure)

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
