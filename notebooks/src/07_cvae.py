# %% [markdown]
# # 7. The conditional VAE
#
# A VAE generates digits, but not a digit of our choosing. The conditional VAE
# (Sohn et al., 2015) gives the label c to both the encoder, q(z|x, c), and the decoder,
# p(x|z, c). Since c already says which digit it is, z is free to carry the *style*.

# %% [markdown]
# The seed and the data. The test set is kept for the final measurements; the validation
# loss we watch during training is measured on 20% of the training images and their labels,
# held out (stratified by digit).

# %%
# %matplotlib inline
import numpy as np
from sklearn.model_selection import train_test_split

from aelearn.datasets import load_digits
from aelearn.models import CVAE
from aelearn.plotting import plot_history, plot_latent_scatter, plot_samples

SEED = 0
rng = np.random.default_rng(SEED)
data = load_digits()
X_fit, X_val, y_fit, y_val = train_test_split(
    data.X_train, data.y_train, test_size=0.2, stratify=data.y_train, random_state=SEED
)

# %% [markdown]
# ## Training
#
# Same widths as the VAE of notebook 6, plus the one-hot label on both sides. `fit` needs
# the labels. The KL here is lower than the VAE's: the label carries part of the information.

# %%
cvae = CVAE((64, 128, 2), n_classes=10, rng=SEED)
cvae.fit(X_fit, y_fit, epochs=200, validation_data=(X_val, y_val))
print({k: round(v, 3) for k, v in cvae.evaluate(data.X_test, data.y_test).items()})
fig = plot_history(cvae.history_, title="CVAE 64-128-2 (+ label)")

# %% [markdown]
# ## Generating a chosen class
#
# Each row is `sample(10, label=c)`: ten draws z ~ N(0, I) decoded with the label c.
# Every row should show one digit, in varied styles.

# %%
grid = np.concatenate([cvae.sample(10, label=c) for c in range(10)])
fig = plot_samples(grid, row_labels=[f"c = {c}" for c in range(10)], title="CVAE samples by class")
# README figure: 07_cvae.png (the notebook builder saves this cell's figure)

# %% [markdown]
# ## z carries the style
#
# Now fix eight codes z and decode each with every label: down a column the style (slant,
# thickness) should stay while the digit changes.

# %%
z = rng.standard_normal((8, 2)).astype(np.float32)
labels = np.repeat(np.arange(10), len(z))
styles = cvae.decode(np.tile(z, (10, 1)), labels)
fig = plot_samples(
    styles,
    n_cols=len(z),
    row_labels=[f"c = {c}" for c in range(10)],
    title="Eight fixed z (columns) decoded with each label (rows)",
)

# %% [markdown]
# ## The codes no longer sort by class
#
# In a VAE the classes form clusters in z. Here the label is given, so the encoder need not
# say which digit it is: look for the colours mixing.

# %%
fig = plot_latent_scatter(
    {"CVAE: mean of q(z | x, c)": cvae.encode(data.X_test, data.y_test)},
    data.y_test,
    title="CVAE codes of the test digits",
)

# %% [markdown]
# ## Exercises
#
# 1. Decode the 2-D latent grid (`cvae.latent_grid(n=10, label=3)`) with
#    `plot_latent_manifold`. Which direction of z controls slant?
# 2. Give the encoder a *wrong* label: encode a 1 with c = 7 and decode with c = 7. What
#    comes out?
# 3. Compare `cvae.active_units(X, y)` with the VAE's at latent size 8.
