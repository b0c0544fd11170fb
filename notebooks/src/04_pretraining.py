# %% [markdown]
# # 4. Greedy layer-wise pre-training
#
# A deep sigmoid network started from tiny random weights barely learns: the gradient
# fades as it passes down through saturating layers. Before better initialisations and
# ReLUs, the fix was to pre-train one layer at a time as an autoencoder, without labels
# (Hinton and Salakhutdinov, 2006; Bengio et al., 2007), then fine-tune the whole stack.

# %% [markdown]
# The seed and the data. The test set is kept for the final accuracy: the curves we watch
# during training are measured on a validation set, 20% of the training images held out
# (stratified by digit). From the rest we take 200 labelled images (20 per class).

# %%
# %matplotlib inline
import numpy as np
import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split

from aelearn.datasets import load_digits
from aelearn.models.classifier import Classifier
from aelearn.models.stacked import pretrain_stack
from aelearn.plotting import plot_reconstructions
from aelearn.reporting import format_table

SEED = 0
rng = np.random.default_rng(SEED)
data = load_digits()
X_fit, X_val, y_fit, y_val = train_test_split(
    data.X_train, data.y_train, test_size=0.2, stratify=data.y_train, random_state=SEED
)
index = np.concatenate(
    [rng.choice(np.flatnonzero(y_fit == c), 20, replace=False) for c in range(10)]
)
X_few, y_few = X_fit[index], y_fit[index]
print(f"{len(X_fit)} training images ({len(X_few)} of them labelled), {len(X_val)} to validate")

# %% [markdown]
# ## Pre-training the stack
#
# Three stages, 64 -> 64 -> 32 -> 16 with sigmoid units, each an autoencoder on the codes
# of the stage below, trained on all the training images that are not held out, without
# their labels. Look at each stage's final loss.

# %%
stack = pretrain_stack(X_fit, (64, 32, 16), activation="sigmoid", epochs=60, rng=SEED)
for level, history in enumerate(stack.histories_, start=1):
    print(f"stage {level}: final reconstruction loss {history['loss'][-1]:.4f}")

# %% [markdown]
# ## Fine-tuning with labels, against a random start
#
# Both networks have the same architecture; one starts from the stack's weights, the other
# from N(0, 0.01^2), the naive initialisation. Look at how fast each loss falls.

# %%
pretrained = stack.to_classifier(10, rng=SEED)
naive = {"init": "normal", "init_std": 0.01}  # every weight drawn from N(0, 0.01^2)
random_start = Classifier(
    None, 10, hidden_sizes=(64, 32, 16), n_features=64, activation="sigmoid", rng=SEED, **naive
)
for clf in (pretrained, random_start):
    clf.fit(X_few, y_few, epochs=150, lr=3e-3, validation_data=(X_val, y_val))

fig = plt.figure(figsize=(9, 3.4), layout="constrained")
left, right = fig.subplots(1, 2)
for name, clf, color in [("pre-trained", pretrained, "C0"), ("random start", random_start, "C1")]:
    epochs = np.arange(1, len(clf.history_) + 1)
    left.plot(epochs, clf.history_["loss"], color=color, label=f"{name}, training")
    left.plot(
        epochs, clf.history_["val_loss"], color=color, linestyle="--", label=f"{name}, validation"
    )
    right.plot(epochs, clf.history_["val_accuracy"], color=color, label=name)
left.set(title="Cross-entropy", xlabel="epoch", ylabel="loss per example")
right.set(title="Validation accuracy", xlabel="epoch", ylabel="accuracy")
left.legend(frameon=False, fontsize=8)
right.legend(frameon=False)
fig.suptitle(
    "Deep sigmoid classifier on 200 labels: layer-wise pre-trained vs random N(0, 0.01²) start"
)
# README figure: 04_pretraining.png (the notebook builder saves this cell's figure)

# %%
rows = [
    {"start": name, "test_accuracy": clf.score(data.X_test, data.y_test)}
    for name, clf in [("pre-trained", pretrained), ("random N(0, 0.01^2)", random_start)]
]
print("test accuracy (fraction of the test digits)")
print(format_table(rows, floatfmt=".3f"))

# %% [markdown]
# ## The unrolled deep autoencoder
#
# The same stack, unrolled into encoder and mirrored decoder, is a deep autoencoder that
# already reconstructs before any end-to-end training; fine-tuning then improves it.

# %%
deep = stack.to_deep_autoencoder(rng=SEED)
before = deep.reconstruction_error(data.X_test)
deep.fit(X_fit, epochs=40)
after = deep.reconstruction_error(data.X_test)
print(f"test MSE per pixel: {before:.4f} before fine-tuning, {after:.4f} after")
fig = plot_reconstructions(data.X_test, deep.reconstruct(data.X_test), title="Deep autoencoder")

# %% [markdown]
# ## Exercises
#
# Write your answer where the stub says `YOUR CODE HERE` (a function body that raises
# `NotImplementedError`, or `answer = ...`), then run the check cell below it: it says
# *right*, *wrong* with a hint, or *not yet attempted*.

# %%
from aelearn.exercises import pretraining as check

# %% [markdown]
# **1.** Start the random network with `init="glorot"` instead. How much of the advantage of
# pre-training remains? Train both random starts (`init="normal"` and `init="glorot"`) on
# `X_few, y_few` for 150 epochs at `lr=3e-3` and set `answer` to their test accuracies.

# %%
### BEGIN SOLUTION
answer = {}
for init in ("normal", "glorot"):
    start = Classifier(
        None,
        10,
        hidden_sizes=(64, 32, 16),
        n_features=64,
        activation="sigmoid",
        init=init,
        rng=SEED,
    )
    answer[init] = start.fit(X_few, y_few, epochs=150, lr=3e-3).score(data.X_test, data.y_test)
print(answer)
### END SOLUTION

# %%
check.glorot_start(answer)

# %% [markdown]
# **2.** Pre-train with `noise="masking"` (stacked denoising autoencoders). Better accuracy,
# or a difference within what another seed would change?
# Pre-train two stacks for 20 epochs, one plain and one with masking noise, fine-tune each
# on `X_few, y_few` (150 epochs, `lr=3e-3`) and set `answer` to their test accuracies.

# %%
### BEGIN SOLUTION
answer = {}
for name, noise in [("plain", None), ("masking", "masking")]:
    stack_ = pretrain_stack(
        data.X_train, (64, 32, 16), activation="sigmoid", epochs=20, noise=noise, rng=SEED
    )
    clf = stack_.to_classifier(10, rng=SEED).fit(X_few, y_few, epochs=150, lr=3e-3)
    answer[name] = clf.score(data.X_test, data.y_test)
print(answer)
### END SOLUTION

# %%
check.masked_pretraining(answer)

# %% [markdown]
# **3.** Use all 1437 labels. Does pre-training still help? Fine-tune a stack pre-trained for
# 20 epochs and train the N(0, 0.01^2) random start on every training label, 20 epochs at
# `lr=3e-3` each, and set `answer` to their test accuracies.

# %%
### BEGIN SOLUTION
stack_all = pretrain_stack(data.X_train, (64, 32, 16), activation="sigmoid", epochs=20, rng=SEED)
starts = {
    "pretrained": stack_all.to_classifier(10, rng=SEED),
    "normal": Classifier(
        None,
        10,
        hidden_sizes=(64, 32, 16),
        n_features=64,
        activation="sigmoid",
        init="normal",
        rng=SEED,
    ),
}
answer = {
    name: clf.fit(data.X_train, data.y_train, epochs=20, lr=3e-3).score(data.X_test, data.y_test)
    for name, clf in starts.items()
}
print(answer)
### END SOLUTION

# %%
check.all_labels(answer)
