# %% [markdown]
# # 8. The conditional VAE
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
from aelearn.models import CVAE, VAE
from aelearn.plotting import class_dropdown, plot_history, plot_latent_scatter, plot_samples
from aelearn.reporting import format_table

SEED = 0
rng = np.random.default_rng(SEED)
data = load_digits()
X_fit, X_val, y_fit, y_val = train_test_split(
    data.X_train, data.y_train, test_size=0.2, stratify=data.y_train, random_state=SEED
)

# %% [markdown]
# ## Training
#
# Same widths as the VAE of notebook 7, plus the one-hot label on both sides. `fit` needs
# the labels. Beside it we train that VAE again, with the same widths, data and epochs, so
# that the table compares the two on the test digits: the reconstruction term, the KL (the
# nats the code z costs) and their sum, -ELBO, all in nats per digit.

# %%
cvae = CVAE((64, 128, 2), n_classes=10, rng=SEED)
cvae.fit(X_fit, y_fit, epochs=200, validation_data=(X_val, y_val))
vae = VAE((64, 128, 2), rng=SEED).fit(X_fit, epochs=200, validation_data=X_val, verbose=False)
scores = {"CVAE": cvae.evaluate(data.X_test, data.y_test), "VAE": vae.evaluate(data.X_test)}
print(format_table([{"model": name} | s for name, s in scores.items()], floatfmt=".3f"))
kl_ratio = scores["CVAE"]["kl"] / scores["VAE"]["kl"]
print(f"the CVAE's KL is {kl_ratio:.0%} of the VAE's")
fig = plot_history(cvae.history_, title="CVAE 64-128-2 (+ label)")

# %% [markdown]
# The CVAE's code costs fewer nats than the VAE's (the ratio is printed above): the label
# now carries which digit it is, which the VAE's z had to encode.

# %% [markdown]
# ## Generating a chosen class
#
# Each row is `sample(10, label=c)`: ten draws z ~ N(0, I) decoded with the label c.
# Every row should show one digit, in varied styles.

# %%
grid = np.concatenate([cvae.sample(10, label=c) for c in range(10)])
fig = plot_samples(grid, row_labels=[f"c = {c}" for c in range(10)], title="CVAE samples by class")
# README figure: 08_cvae.png (the notebook builder saves this cell's figure)

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
# ## Choose a class, move z
#
# A dropdown for the class c and a slider for each coordinate of z: the CVAE decodes
# (z, c). With z fixed, change c: look for the digit changing while the style stays; with c
# fixed, move z. With ipywidgets installed, this cell shows the dropdown and the sliders;
# without it (as on this page), a row per class, each decoding the same seven codes: z1 from
# -3 to 3, z2 = 0.

# %%
view = class_dropdown(cvae)

# %% [markdown]
# Down each column the code stays and the class changes; along each row z1 changes the
# style of one digit, for most classes from a wider shape at -3 to a narrower one at 3.

# %% [markdown]
# ## The codes no longer sort by class
#
# In notebook 7's VAE the classes form clusters in z. Here the label is given, so the
# encoder need not say which digit it is: look for the colours mixing.

# %%
fig = plot_latent_scatter(
    {"CVAE: mean of q(z | x, c)": cvae.encode(data.X_test, data.y_test)},
    data.y_test,
    title="CVAE codes of the test digits",
)

# %% [markdown]
# ## Exercises
#
# Write your answer where the stub says `YOUR CODE HERE` (a function body that raises
# `NotImplementedError`, or `answer = ...`), then run the check cell below it: it says
# *right*, *wrong* with a hint, or *not yet attempted*.

# %%
from aelearn.exercises import cvae as check

# %% [markdown]
# **1.** Does `sample(n, label=c)` give the class asked for? Train a CVAE (64-128-2) for 30
# epochs, draw 50 samples of each class c, and give each sample the class whose mean
# training image is nearest (in squared distance). Set `answer` to the fraction of samples
# whose nearest class is the label they were drawn with.

# %%
### BEGIN SOLUTION
cvae_30 = CVAE((64, 128, 2), n_classes=10, rng=SEED).fit(data.X_train, data.y_train, epochs=30)
class_means = np.stack([data.X_train[data.y_train == c].mean(axis=0) for c in range(10)])


def nearest_class(images):
    return np.argmin(((images[:, None, :] - class_means) ** 2).sum(axis=2), axis=1)


answer = np.mean([np.mean(nearest_class(cvae_30.sample(50, label=c)) == c) for c in range(10)])
print(answer)
### END SOLUTION

# %%
check.chosen_class(answer)

# %% [markdown]
# **2.** Give the encoder a *wrong* label: encode the test 1s with c = 7 and decode them with
# c = 7. What comes out? Set `answer` to the fraction of decoded images nearest the mean
# training 7 (train a CVAE as in exercise 1).

# %%
### BEGIN SOLUTION
cvae_30 = CVAE((64, 128, 2), n_classes=10, rng=SEED).fit(data.X_train, data.y_train, epochs=30)
ones = data.X_test[data.y_test == 1]
sevens = np.full(len(ones), 7)
decoded = cvae_30.decode(cvae_30.encode(ones, sevens), sevens)
means = np.stack([data.X_train[data.y_train == c].mean(axis=0) for c in range(10)])
nearest = np.argmin(((decoded[:, None, :] - means) ** 2).sum(axis=2), axis=1)
answer = np.mean(nearest == 7)
print(answer)
### END SOLUTION

# %%
check.wrong_label(answer)

# %% [markdown]
# **3.** At latent size 8, how many nats does the label save? Train a CVAE and a VAE
# (64-128-8, 30 epochs each) and set `answer` to the sums of their `kl_per_dimension` on
# the test digits (the CVAE's with the test labels). Compare `active_units` too.

# %%
### BEGIN SOLUTION
cvae_8 = CVAE((64, 128, 8), n_classes=10, rng=SEED).fit(data.X_train, data.y_train, epochs=30)
vae_8 = VAE((64, 128, 8), rng=SEED).fit(data.X_train, epochs=30)
answer = {
    "cvae_kl": float(cvae_8.kl_per_dimension(data.X_test, data.y_test).sum()),
    "vae_kl": float(vae_8.kl_per_dimension(data.X_test).sum()),
}
print(answer)
active = cvae_8.active_units(data.X_test, data.y_test), vae_8.active_units(data.X_test)
print("active units (CVAE, VAE):", active)
### END SOLUTION

# %%
check.kl_against_vae(answer)
