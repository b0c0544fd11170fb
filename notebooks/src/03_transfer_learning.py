# %% [markdown]
# # 3. Transfer learning: classifying with an autoencoder's encoder
#
# Labels are expensive; images are not. An autoencoder trained on every image, labelled or
# not, gives an encoder whose codes may make classification easier. With few labels we
# compare three classifiers: logistic regression on raw pixels, a linear head on the frozen
# encoder (the "linear probe"), and the same network fine-tuned end to end.

# %% [markdown]
# The seed, the data, and an autoencoder trained on all training images, without labels.

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt

from aelearn.datasets import load_digits
from aelearn.models import Autoencoder
from aelearn.models.classifier import Classifier
from aelearn.reporting import format_table

SEED = 0
rng = np.random.default_rng(SEED)
data = load_digits()
ae = Autoencoder((64, 128, 32), loss="mse", rng=SEED).fit(data.X_train, epochs=80)
print(f"autoencoder test MSE per pixel: {ae.reconstruction_error(data.X_test):.4f}")

# %% [markdown]
# ## Few labels
#
# `labelled(n)` picks n training images, the same number per class. The three classifiers
# see only those; the test accuracy is measured on the full test set.


# %%
def labelled(n):
    per_class = n // 10
    index = np.concatenate(
        [rng.choice(np.flatnonzero(data.y_train == c), per_class, replace=False) for c in range(10)]
    )
    return data.X_train[index], data.y_train[index]


def classifiers():
    return {
        "raw pixels": Classifier(None, 10, n_features=64, rng=SEED),
        "frozen encoder": Classifier(ae.encoder, 10, freeze_encoder=True, rng=SEED),
        "fine-tuned encoder": Classifier(ae.encoder, 10, freeze_encoder=False, rng=SEED),
    }


rows = []
for n in [20, 50, 100, 300]:
    X, y = labelled(n)
    row = {"labels": n}
    for name, clf in classifiers().items():
        row[name] = clf.fit(X, y, epochs=150, lr=3e-3).score(data.X_test, data.y_test)
    rows.append(row)
print("test accuracy (fraction of the 360 test digits)")
print(format_table(rows, floatfmt=".3f"))

# %% [markdown]
# Read the table honestly: on the digits, the frozen 32-unit code is no better than the raw
# pixels. It was trained to redraw pixels, not to separate classes, and 64 pixels are already
# a small input. Fine-tuning, which starts from the encoder and adapts it, is the best of the
# three at most label counts.

# %%
fig = plt.figure(figsize=(5.5, 3.8), layout="constrained")
ax = fig.subplots()
for name in ["raw pixels", "frozen encoder", "fine-tuned encoder"]:
    ax.plot([r["labels"] for r in rows], [r[name] for r in rows], marker="o", label=name)
ax.set(xscale="log", xlabel="labelled training images", ylabel="test accuracy")
ax.set_title("Classifying digits with few labels")
ax.legend(frameon=False)
# README figure: 03_transfer_learning.png (the notebook builder saves this cell's figure)

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
# **1.** Give the frozen probe a hidden layer (`hidden=(64,)`). Does it close the gap to
# fine-tuning with 50 labels? Train, on the same 50 labels and for 150 epochs at `lr=3e-3`,
# the linear probe, the probe with a hidden layer and the fine-tuned encoder, on a fresh
# 64-128-32 autoencoder trained for 40 epochs, and set `answer` to their test accuracies.

# %%
### BEGIN SOLUTION
ae_32 = Autoencoder((64, 128, 32), loss="mse", rng=SEED).fit(data.X_train, epochs=40)
X, y = labelled(50)
heads = {
    "probe": Classifier(ae_32.encoder, 10, freeze_encoder=True, rng=SEED),
    "probe_hidden": Classifier(ae_32.encoder, 10, hidden=(64,), freeze_encoder=True, rng=SEED),
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
