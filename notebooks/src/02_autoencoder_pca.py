# %% [markdown]
# # 2. Autoencoders and PCA
#
# An autoencoder squeezes each image through a small code and rebuilds it. PCA does the
# same with a linear map. We measure both on the 8x8 digits, see that a *linear*
# autoencoder finds PCA's subspace but not its basis, and see what a non-linear code buys.

# %% [markdown]
# One seed for everything: the models get their own Generators seeded from it. The test set
# is kept for the final measurements; the loss we watch during training is measured on a
# validation set, 20% of the training images held out (stratified by digit).

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from aelearn.baselines import fit_pca, reconstruction_error_table, subspace_angles_to_pca
from aelearn.datasets import load_digits
from aelearn.models import Autoencoder
from aelearn.plotting import (
    plot_error_vs_code_size,
    plot_latent_scatter,
    plot_reconstructions,
    plot_samples,
)
from aelearn.reporting import format_table

SEED = 0
rng = np.random.default_rng(SEED)
data = load_digits()
X_fit, X_val = train_test_split(
    data.X_train, test_size=0.2, stratify=data.y_train, random_state=SEED
)
print(data)
print(f"{len(X_fit)} images to fit, {len(X_val)} to validate, {len(data.X_test)} to test")

# %% [markdown]
# ## Reconstructions
#
# A 64-128-8 autoencoder (ReLU hidden layer, sigmoid output, squared error). Look at how
# much of each digit survives an 8-number code, and at what blurs.

# %%
ae = Autoencoder((64, 128, 8), output_activation="sigmoid", loss="mse", rng=SEED)
ae.fit(X_fit, epochs=120, validation_data=X_val)
print(f"test MSE per pixel: {ae.reconstruction_error(data.X_test):.4f}")
fig = plot_reconstructions(data.X_test, ae.reconstruct(data.X_test), title="64-128-8 autoencoder")

# %% [markdown]
# ## Error against code size
#
# PCA with k components is the best *linear* code of size k. A non-linear autoencoder can
# beat it; watch where the gap is largest. (Each autoencoder trains for a few seconds.)

# %%
code_sizes = [2, 4, 8, 16]
nonlinear, linear = {}, {}
for k in code_sizes:
    nonlinear[k] = Autoencoder((64, 128, k), output_activation="sigmoid", loss="mse", rng=SEED)
    nonlinear[k].fit(data.X_train, epochs=80)
    linear[k] = Autoencoder((64, k), activation="identity", output_activation="identity", rng=SEED)
    linear[k].fit(data.X_train, epochs=150, lr=1e-2)

rows = reconstruction_error_table(
    data.X_train,
    data.X_test,
    code_sizes,
    {k: m.reconstruction_error(data.X_test) for k, m in nonlinear.items()},
)
for row in rows:
    row["linear_autoencoder_mse"] = linear[row["code_size"]].reconstruction_error(data.X_test)
print("test MSE per pixel")
print(format_table(rows))
fig = plot_error_vs_code_size(rows, title="Test reconstruction error: PCA and autoencoders")
# README figure: 02_autoencoder_pca.png (the notebook builder saves this cell's figure)

# %% [markdown]
# ## The linear autoencoder finds PCA's subspace...
#
# Its decoder is x_hat = z W + b with W of shape (k, 64). The principal angles between the
# row space of W and the span of PCA's first k components are near 0 degrees when the two
# subspaces coincide.

# %%
k = 8
W = linear[k].decoder.net.dense_layers[0].weight.data  # (latent_dim, n_features)
print("W shape:", W.shape)
angles = subspace_angles_to_pca(W, data.X_train)
print("principal angles (degrees):", np.round(angles, 2))

# %% [markdown]
# ## ...but not its basis
#
# Compare each decoder row with each principal component (|cosine| of the angle between
# them). PCA's basis would give one bright cell per row; the autoencoder spreads each
# component over several of its units: any invertible mix of the code gives the same error.

# %%
components = fit_pca(data.X_train, k).components_
rows_unit = W / np.linalg.norm(W, axis=1, keepdims=True)
cosines = np.abs(rows_unit @ components.T)
fig = plt.figure(figsize=(4.6, 3.8), layout="constrained")
ax = fig.subplots()
image = ax.imshow(cosines, cmap="viridis", vmin=0, vmax=1)
fig.colorbar(image, ax=ax, label="|cosine|")
ax.set_xlabel("principal component")
ax.set_ylabel("decoder unit (row of W)")
ax.set_title("Linear autoencoder units against PCA components")

# %% [markdown]
# ## What a non-linear code buys
#
# With two numbers per image, PCA keeps a flat slice of the data; the autoencoder can
# bend its code around the digit classes. Look at how separated the colours are.

# %%
codes = {
    "PCA (2 components)": fit_pca(data.X_train, 2).transform(data.X_test),
    "autoencoder (64-128-2)": nonlinear[2].encode(data.X_test),
}
fig = plot_latent_scatter(codes, data.y_test, title="Two-number codes of the test digits")

# %% [markdown]
# ## Which units matter?
#
# PCA ranks its components by explained variance. An autoencoder's units have no order;
# `latent_importance` measures how much the error rises when one unit is held at its mean.
# It is an honest substitute, not a variance decomposition: the rises need not add up.

# %%
importance = ae.latent_importance(data.X_test)
explained = fit_pca(data.X_train, 8).explained_variance_ratio_
fig = plt.figure(figsize=(8.5, 3.2), layout="constrained")
left, right = fig.subplots(1, 2)
left.bar(np.arange(8), explained)
left.set(title="PCA: explained variance", xlabel="component", ylabel="fraction of variance")
right.bar(np.arange(8), importance, color="C1")
right.set(title="Autoencoder: latent importance", xlabel="latent unit", ylabel="rise in MSE")

# %% [markdown]
# ## Decoding codes that no image produced
#
# Draw z from a Gaussian with each unit's mean and spread over the training codes, and
# decode it; then draw with twice and four times that spread, further from every code an
# image produced. The top row decodes the codes of ten test digits, for comparison. The
# printed distances say how far each row's codes are from the nearest training code.

# %%
train_codes = ae.encode(data.X_train)
mean, spread = train_codes.mean(axis=0), train_codes.std(axis=0)
rows = {"test digits": ae.encode(data.X_test[:10])}
for scale in [1, 2, 4]:
    rows[f"{scale} x spread"] = mean + scale * spread * rng.standard_normal((10, 8))
distance = {}
for name, z in rows.items():
    nearest = np.linalg.norm(z[:, None, :] - train_codes[None, :, :], axis=2).min(axis=1)
    distance[name] = np.median(nearest)
    print(
        f"{name:>12}: median distance to the nearest training code {distance[name]:5.1f}, "
        f"{distance[name] / distance['test digits']:4.1f} times the test digits'"
    )
fig = plot_samples(
    ae.decode(np.concatenate(list(rows.values())).astype(np.float32)),
    row_labels=list(rows),
    title="Decoded codes: of test digits, and drawn at 1, 2 and 4 x the codes' spread",
)

# %% [markdown]
# Within the codes' own spread the decoder still draws digit-like shapes, blurrier than
# the decoded test digits, some of them a blend of two, although their codes lie further
# from the nearest training code than a test digit's (the printed ratio). At twice the
# spread the strokes turn hard and few read as digits; at four times the decoder draws
# blots that are not digits. Nothing in training asked the decoder to make sense of codes
# far from those of real images, and nothing says where those codes are. (Notebook 7
# fixes this.)

# %% [markdown]
# ## The same model in PyTorch
#
# For larger data and a GPU, the model moves on to PyTorch: `to_torch` builds a
# `torch.nn.Module` of PyTorch's own layers holding the trained weights, with `loss`, the
# model's training loss; `load_torch_state_dict` brings weights back. Below, the 64-128-8
# autoencoder carries over, gives aelearn's reconstructions, trains on in PyTorch for 200
# full-batch Adam steps, and comes back to aelearn to be measured. PyTorch comes with the
# `torch` extra; without it the cell says so and skips.

# %%
import copy
import importlib.util

if importlib.util.find_spec("torch") is None:
    print("PyTorch is not installed here (pip install 'aelearn[torch]'): this section skips")
else:
    import torch

    from aelearn.export import load_torch_state_dict, to_torch

    module = to_torch(ae)  # .to("cuda") on a machine with a GPU
    print(module)
    with torch.no_grad():
        theirs = module.eval()(torch.from_numpy(data.X_test)).numpy()
    gap = np.abs(theirs - ae.reconstruct(data.X_test)).max()
    print(f"largest difference from aelearn's test reconstructions: {gap:.1e}")

    torch.manual_seed(SEED)
    optimizer = torch.optim.Adam(module.train().parameters(), lr=1e-3)
    x = torch.from_numpy(X_fit)
    for _ in range(200):
        optimizer.zero_grad()
        loss = module.loss(x)
        loss.backward()
        optimizer.step()
    trained_on = load_torch_state_dict(copy.deepcopy(ae), module.state_dict())
    print(
        f"validation MSE per pixel: {ae.reconstruction_error(X_val):.4f} from aelearn, "
        f"{trained_on.reconstruction_error(X_val):.4f} after 200 more steps in PyTorch"
    )

# %% [markdown]
# ## Exercises
#
# Write your answer where the stub says `YOUR CODE HERE` (a function body that raises
# `NotImplementedError`, or `answer = ...`), then run the check cell below it: it says
# *right*, *wrong* with a hint, or *not yet attempted*.

# %%
from aelearn.exercises import autoencoder_pca as check

# %% [markdown]
# **1.** Train a fresh linear autoencoder (64-8, identity units) with a ten times smaller
# learning rate, `lr=1e-3`, for the same 150 epochs. Set
# `answer = {"model": ..., "angles": ...}`: the trained model and its 8 principal angles to
# PCA's subspace, in degrees. Print its test MSE per pixel beside PCA's (the table above) and
# its angles beside those of `linear[8]`: how far has the slow fit come in its error, and how
# far in its subspace?

# %%
### BEGIN SOLUTION
slow = Autoencoder((64, 8), activation="identity", output_activation="identity", rng=SEED)
slow.fit(data.X_train, epochs=150, lr=1e-3)
W_slow = slow.decoder.net.dense_layers[0].weight.data
answer = {"model": slow, "angles": subspace_angles_to_pca(W_slow, data.X_train)}
print(f"test MSE per pixel: {slow.reconstruction_error(data.X_test):.4f}")
print("principal angles (degrees):", np.round(answer["angles"], 1))
### END SOLUTION

# %%
check.slow_linear_angles(answer)

# %% [markdown]
# **2.** Make the 64-128-8 autoencoder linear
# (`activation="identity", output_activation="identity"`), train it for 60 epochs, and set
# `answer` to its test MSE per pixel. Does it beat PCA with 8 components?

# %%
### BEGIN SOLUTION
wide_linear = Autoencoder(
    (64, 128, 8), activation="identity", output_activation="identity", rng=SEED
)
answer = wide_linear.fit(data.X_train, epochs=60).reconstruction_error(data.X_test)
### END SOLUTION

# %%
check.identity_against_pca(answer)

# %% [markdown]
# **3.** Write `reconstruct_with_units_held(model, X, units)`: encode X, replace the code
# units `units` of every example by their mean over X, and decode. Then, on `ae`, hold its
# two least important units (by `latent_importance`) and then its two most important, and
# compare the errors and the images: is the quality what the ranking predicted?


# %%
def reconstruct_with_units_held(model, X, units):
    """Reconstructions (n_samples, 64) with the code units ``units`` held at their mean."""
    ### BEGIN SOLUTION
    codes = model.encode(X)
    codes[:, units] = codes[:, units].mean(axis=0)
    return model.decode(codes)
    ### END SOLUTION


# %%
check.hold_units_at_mean(reconstruct_with_units_held)

# %% [markdown]
# **4.** Write `decode_between(model, a, b, steps)`: the images decoded from the straight
# line z = (1 - t) z_a + t z_b, t from 0 to 1 in `steps` steps, between the codes of images
# a and b. Plot it for two test digits with `plot_samples`: where does it leave the digits?


# %%
def decode_between(model, a, b, steps):
    """(steps, 64) images decoded along the line between the codes of a and b."""
    ### BEGIN SOLUTION
    z_a, z_b = model.encode(np.stack([a, b]))
    t = np.linspace(0.0, 1.0, steps)[:, None]
    return model.decode(((1 - t) * z_a + t * z_b).astype(np.float32))
    ### END SOLUTION


# %%
check.decode_line(decode_between)
