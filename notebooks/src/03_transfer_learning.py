# %% [markdown]
# # 3. Transfer learning: classifying with an autoencoder's encoder
#
# Labels are expensive; images are not. An autoencoder trained on every image, labelled or
# not, gives an encoder whose codes may make classification easier. With few labels we
# compare four classifiers: logistic regression on the raw pixels, a linear head on PCA's
# first 32 components, a linear head on the frozen 32-unit encoder (the "linear probe"),
# and that encoder fine-tuned end to end with its head.

# %% [markdown]
# The seed, the data, and what the classifiers start from: an autoencoder and a PCA, both
# fitted on all training images without their labels. PCA is a linear encoder,
# z = (x - mean) @ components.T, so it fits in a frozen `Dense(64, 32)` layer and every
# classifier reads the same pixels.

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

from aelearn.baselines import fit_pca
from aelearn.datasets import load_digits
from aelearn.models import Autoencoder
from aelearn.models.classifier import Classifier
from aelearn.nn import Dense
from aelearn.reporting import format_table

SEED = 0
rng = np.random.default_rng(SEED)
data = load_digits()
ae = Autoencoder((64, 128, 32), loss="mse", rng=SEED).fit(data.X_train, epochs=100)
print(f"autoencoder test MSE per pixel: {ae.reconstruction_error(data.X_test):.4f}")

pca = fit_pca(data.X_train, 32)
pca_encoder = Dense(64, 32, rng=SEED)
pca_encoder.weight.data = pca.components_.T.astype(np.float32)  # (n_features, 32)
pca_encoder.bias.data = (-pca.mean_ @ pca.components_.T).astype(np.float32)
gap = np.abs(pca_encoder(data.X_test).data - pca.transform(data.X_test)).max()
print(f"max |Dense layer - PCA.transform| on the test digits: {gap:.1e}")

# %% [markdown]
# ## Few labels, several draws
#
# `labelled(n, seed)` picks n training images, the same number per class, with a Generator
# of its own. The classifiers see only those, each trained by 300 full-batch Adam steps; the
# test accuracy is measured on the full test set. Which images are labelled matters a great
# deal when there are few, so each count is drawn with five seeds (a seed also starts the
# heads), and we look at the mean and the spread over the five. (About 15 seconds.)


# %%
def labelled(n, seed=SEED):
    """n training images and their labels, n // 10 of each class, drawn with ``seed``."""
    draw = np.random.default_rng(seed)
    index = np.concatenate(
        [draw.choice(np.flatnonzero(data.y_train == c), n // 10, replace=False) for c in range(10)]
    )
    return data.X_train[index], data.y_train[index]


def classifiers(seed=SEED):
    """The four classifiers, untrained; each reads the raw pixels."""
    return {
        "raw pixels": Classifier(None, 10, n_features=64, rng=seed),
        "PCA (32)": Classifier(pca_encoder, 10, n_features=64, freeze_encoder=True, rng=seed),
        "frozen encoder": Classifier(ae.encoder, 10, freeze_encoder=True, rng=seed),
        "fine-tuned encoder": Classifier(ae.encoder, 10, freeze_encoder=False, rng=seed),
    }


def mean_and_spread(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


label_counts, seeds, names = [10, 30, 100, 300], range(5), list(classifiers())
accuracy = {}  # (labels, classifier name) -> test accuracy, one per seed
for n in label_counts:
    for seed in seeds:
        X, y = labelled(n, seed)
        for name, clf in classifiers(seed).items():
            clf.fit(X, y, epochs=300, batch_size=n, lr=1e-2)
            accuracy.setdefault((n, name), []).append(clf.score(data.X_test, data.y_test))
rows = [
    {"labels": n} | {name: mean_and_spread(accuracy[n, name]) for name in names}
    for n in label_counts
]
print("test accuracy on the 360 test digits, mean ± standard deviation over 5 draws")
print(format_table(rows))

# %% [markdown]
# The same, drawn: each point a mean over the five draws, each bar one standard deviation.

# %%
fig = plt.figure(figsize=(6, 4), layout="constrained")
ax = fig.subplots()
for shift, name in zip([0.9, 0.96, 1.02, 1.08], names, strict=True):
    means = [np.mean(accuracy[n, name]) for n in label_counts]
    spreads = [np.std(accuracy[n, name]) for n in label_counts]
    x = [n * shift for n in label_counts]  # side by side, so that the bars do not hide
    ax.errorbar(x, means, yerr=spreads, marker="o", capsize=3, label=name)
ax.set(xscale="log", xlabel="labelled training images (10 classes)", ylabel="test accuracy")
ax.set_xticks(label_counts, [str(n) for n in label_counts])
ax.set_xticks([], minor=True)
ax.set_title("Classifying digits with few labels (5 draws each)")
ax.legend(frameon=False)
# README figure: 03_transfer_learning.png (the notebook builder saves this cell's figure)

# %% [markdown]
# Read the figure honestly. The frozen encoder helps where it stands in for a code of the
# same size: with 32 numbers per image, its linear probe is 3 to 9 points more accurate than
# a head on PCA's 32 components at every label count, the most with the fewest labels. It
# does not beat the 64 raw pixels: with 10 and 30 labels logistic regression on the pixels
# is ahead of every other classifier by about 3 points on average, less than the spread
# from one draw of labelled images to another, and from 100 labels the three are level.
# The autoencoder's code was trained to redraw pixels, not to separate classes, and 64
# pixels are already a small input. Fine-tuning the encoder with its head is the best of
# the four only at 300 labels (0.939 ± 0.005 against 0.924 ± 0.010 for the pixels).

# %% [markdown]
# ## Frozen means frozen
#
# The probe trains its head only. Its encoder, a copy of the autoencoder's, still holds the
# autoencoder's weights bit for bit; the fine-tuned one has moved.

# %%
X, y = labelled(100)
probe = Classifier(ae.encoder, 10, freeze_encoder=True, rng=SEED).fit(X, y, epochs=50)
tuned = Classifier(ae.encoder, 10, freeze_encoder=False, rng=SEED).fit(X, y, epochs=50)
for name, clf in [("frozen", probe), ("fine-tuned", tuned)]:
    same = all(
        np.array_equal(a.data, b.data)
        for a, b in zip(ae.encoder.parameters(), clf.encoder.parameters(), strict=True)
    )
    print(f"{name:>10}: encoder weights unchanged = {same}")

# %% [markdown]
# ## Exercises
#
# Write your answer where the stub says `YOUR CODE HERE` (a function body that raises
# `NotImplementedError`, or `answer = ...`), then run the check cell below it: it says
# *right*, *wrong* with a hint, or *not yet attempted*.

# %%
from aelearn.exercises import transfer as check

# %% [markdown]
# **1.** Give the frozen probe a hidden layer (`hidden_sizes=(64,)`). Does it close the gap to
# fine-tuning with 50 labels? Train, on the same 50 labels and for 150 epochs at `lr=3e-3`,
# the linear probe, the probe with a hidden layer and the fine-tuned encoder, on a fresh
# 64-128-32 autoencoder trained for 40 epochs, and set `answer` to their test accuracies.

# %%
### BEGIN SOLUTION
ae_32 = Autoencoder((64, 128, 32), loss="mse", rng=SEED).fit(data.X_train, epochs=40)
X, y = labelled(50)
heads = {
    "probe": Classifier(ae_32.encoder, 10, freeze_encoder=True, rng=SEED),
    "probe_hidden": Classifier(
        ae_32.encoder, 10, hidden_sizes=(64,), freeze_encoder=True, rng=SEED
    ),
    "fine_tuned": Classifier(ae_32.encoder, 10, freeze_encoder=False, rng=SEED),
}
answer = {
    name: clf.fit(X, y, epochs=150, lr=3e-3).score(data.X_test, data.y_test)
    for name, clf in heads.items()
}
print(answer)
### END SOLUTION

# %%
check.hidden_probe(answer)

# %% [markdown]
# **2.** Use the encoder of a denoising autoencoder (notebook 5) instead: train
# `DenoisingAutoencoder((64, 128, 32), noise="masking", noise_level=0.3, loss="mse")` and a
# plain `Autoencoder` of the same sizes for 40 epochs each, put a frozen linear probe on
# each (100 labels, 150 epochs, `lr=3e-3`), and set `answer` to their test accuracies.
# Better codes?

# %%
### BEGIN SOLUTION
from aelearn.models import DenoisingAutoencoder

X, y = labelled(100)
encoders = {
    "autoencoder": Autoencoder((64, 128, 32), loss="mse", rng=SEED),
    "denoising": DenoisingAutoencoder(
        (64, 128, 32), noise="masking", noise_level=0.3, loss="mse", rng=SEED
    ),
}
answer = {}
for name, model in encoders.items():
    model.fit(data.X_train, epochs=40)
    probe = Classifier(model.encoder, 10, freeze_encoder=True, rng=SEED)
    answer[name] = probe.fit(X, y, epochs=150, lr=3e-3).score(data.X_test, data.y_test)
print(answer)
### END SOLUTION

# %%
check.denoising_codes(answer)

# %% [markdown]
# **3.** Shrink the code to 8 units. With 100 labels, train a frozen probe and a fine-tuned
# classifier on a 32-unit and on an 8-unit autoencoder (40 epochs each; 150 epochs at
# `lr=3e-3` for the classifiers) and set `answer` to the four test accuracies. Which
# classifier suffers most, and why?

# %%
### BEGIN SOLUTION
X, y = labelled(100)
answer = {}
for k in (32, 8):
    code = Autoencoder((64, 128, k), loss="mse", rng=SEED).fit(data.X_train, epochs=40)
    for name, frozen in [("probe", True), ("fine_tuned", False)]:
        clf = Classifier(code.encoder, 10, freeze_encoder=frozen, rng=SEED)
        answer[f"{name}_{k}"] = clf.fit(X, y, epochs=150, lr=3e-3).score(data.X_test, data.y_test)
print(answer)
### END SOLUTION

# %%
check.small_code(answer)
