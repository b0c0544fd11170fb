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
from aelearn.models import Autoencoder, DenoisingAutoencoder
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
# of its own. The classifiers see only those; the test accuracy is measured on the full
# test set. Which images are labelled matters a great deal when there are few, so each
# count is drawn with five seeds (a seed also starts the heads), and we look at the mean and
# the spread over the five.
#
# Every head is trained the same way, by `train`: 300 steps of plain gradient descent on all
# its labelled images at once. Gradient descent treats every direction of its input alike:
# rotate the inputs (PCA's components are a rotation of the centred pixels) and its steps
# rotate with them. Adam, the default elsewhere in the course, scales each coordinate's step
# by that coordinate's own gradient history, so a head on PCA's components and a head on
# the pixels would learn differently for a reason that has nothing to do with what the
# features hold; exercise 1 measures how much. (About 20 seconds.)


# %%
def labelled(n, seed=SEED):
    """n training images and their labels, n // 10 of each class, drawn with ``seed``."""
    draw = np.random.default_rng(seed)
    index = np.concatenate(
        [draw.choice(np.flatnonzero(data.y_train == c), n // 10, replace=False) for c in range(10)]
    )
    return data.X_train[index], data.y_train[index]


def train(clf, X, y, optimizer="sgd", lr=0.3):
    """Fit ``clf`` by 300 full-batch steps: gradient descent at lr=0.3 unless told otherwise."""
    return clf.fit(X, y, epochs=300, batch_size=len(X), lr=lr, optimizer=optimizer)


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
            train(clf, X, y)
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
ax.set_title("Classifying digits with few labels (5 draws each, gradient descent)")
ax.legend(frameon=False)
# README figure: 03_transfer_learning.png (the notebook builder saves this cell's figure)

# %% [markdown]
# The differences that matter, in points of accuracy (means over the five draws), beside the
# largest spread of the four classifiers at that count: a difference smaller than the spread
# is one that another draw of labelled images could reverse.


# %%
def points(n, a, b):
    return 100 * (np.mean(accuracy[n, a]) - np.mean(accuracy[n, b]))


rows = [
    {
        "labels": n,
        "PCA - pixels": points(n, "PCA (32)", "raw pixels"),
        "frozen - PCA": points(n, "frozen encoder", "PCA (32)"),
        "fine-tuned - pixels": points(n, "fine-tuned encoder", "raw pixels"),
        "largest spread": 100 * max(np.std(accuracy[n, name]) for name in names),
        "best": max(names, key=lambda name: np.mean(accuracy[n, name])),
    }
    for n in label_counts
]
print("differences of mean test accuracy, in points")
print(format_table(rows, floatfmt="+.1f"))
differences = ["PCA - pixels", "frozen - PCA", "fine-tuned - pixels"]
within = all(abs(row[d]) < row["largest spread"] for row in rows for d in differences)
print(f"every difference smaller than its row's largest spread: {within}")

# %% [markdown]
# With every head trained alike, the table says little in the autoencoder's favour. PCA's
# 32 components and the 64 pixels are level at every count: the components keep what a
# linear classifier of these digits uses. The frozen encoder's linear probe is ahead of
# PCA's head at no count: behind it at the three smaller counts, level at the largest.
# Fine-tuning the encoder with its head trails the pixels at the fewest labels and leads
# them only at the largest count, where it is the best of the four. Every one of these
# differences is smaller than the spread from one draw of labelled images to another, so
# another draw could reverse any of them. The autoencoder's code was trained to redraw
# pixels, not to separate classes, and 64 pixels are already a small input for a linear
# classifier.

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
# **1.** PCA with all 64 components loses nothing: it only rotates the centred pixels. Build
# a frozen layer for it as the setup built `pca_encoder` (from `fit_pca(data.X_train, 64)`),
# and on the 30 images of `labelled(30)` train a linear head on it and logistic regression on
# the raw pixels, each once with `train` (gradient descent) and once with
# `train(..., optimizer="adam", lr=1e-2)`. Set `answer` to the four test accuracies. Which
# optimiser treats the two inputs alike, and which of the table's comparisons would it have
# spoiled?

# %%
### BEGIN SOLUTION
pca_64 = fit_pca(data.X_train, 64)
rotation = Dense(64, 64, rng=SEED)
rotation.weight.data = pca_64.components_.T.astype(np.float32)
rotation.bias.data = (-pca_64.mean_ @ pca_64.components_.T).astype(np.float32)
X, y = labelled(30)
answer = {}
for prefix, optimizer, lr in [("gd", "sgd", 0.3), ("adam", "adam", 1e-2)]:
    heads = {
        "pixels": Classifier(None, 10, n_features=64, rng=SEED),
        "pca": Classifier(rotation, 10, n_features=64, freeze_encoder=True, rng=SEED),
    }
    for name, clf in heads.items():
        train(clf, X, y, optimizer=optimizer, lr=lr)
        answer[f"{prefix}_{name}"] = clf.score(data.X_test, data.y_test)
print(answer)
### END SOLUTION

# %%
check.rotated_inputs(answer)

# %% [markdown]
# **2.** Use the encoder of a denoising autoencoder (notebook 5) instead: train
# `DenoisingAutoencoder((64, 128, 32), noise="masking", noise_level=0.3, loss="mse")` and a
# plain `Autoencoder` of the same sizes for 40 epochs each, put a frozen linear probe on the
# encoder of each and train it with `train` on `labelled(100)`. Set `answer` to
# `{"autoencoder": ..., "denoising": ..., "probe_autoencoder": ..., "probe_denoising": ...}`,
# the two autoencoders and their two trained probes: the check measures the probes' test
# accuracy itself. Better codes?

# %%
### BEGIN SOLUTION
X, y = labelled(100)
answer = {
    "autoencoder": Autoencoder((64, 128, 32), loss="mse", rng=SEED),
    "denoising": DenoisingAutoencoder(
        (64, 128, 32), noise="masking", noise_level=0.3, loss="mse", rng=SEED
    ),
}
for name in ("autoencoder", "denoising"):
    model = answer[name].fit(data.X_train, epochs=40)
    probe = Classifier(model.encoder, 10, freeze_encoder=True, rng=SEED)
    answer[f"probe_{name}"] = train(probe, X, y)
    print(name, probe.score(data.X_test, data.y_test))
### END SOLUTION

# %%
check.denoising_codes(answer)

# %% [markdown]
# **3.** Shrink the code to 8 units. On `labelled(100)`, train with `train` a frozen linear
# probe and a fine-tuned classifier on the encoder of a 64-128-32 and of a 64-128-8
# autoencoder (each trained for 40 epochs), and set `answer` to the four trained classifiers,
# `{"probe_32": ..., "fine_tuned_32": ..., "probe_8": ..., "fine_tuned_8": ...}`. Which of
# the two loses more when the code shrinks? Would another seed say the same?

# %%
### BEGIN SOLUTION
X, y = labelled(100)
answer = {}
for k in (32, 8):
    code = Autoencoder((64, 128, k), loss="mse", rng=SEED).fit(data.X_train, epochs=40)
    for name, frozen in [("probe", True), ("fine_tuned", False)]:
        clf = Classifier(code.encoder, 10, freeze_encoder=frozen, rng=SEED)
        answer[f"{name}_{k}"] = train(clf, X, y)
print({name: clf.score(data.X_test, data.y_test) for name, clf in answer.items()})
### END SOLUTION

# %%
check.small_code(answer)
