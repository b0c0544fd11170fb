# %% [markdown]
# # 5. Denoising autoencoders
#
# An autoencoder with a wide enough code could learn to copy its input. A denoising
# autoencoder is shown a corrupted image and asked for the clean one, so copying no longer
# works: it has to learn what digits look like (Vincent et al., 2008).

# %% [markdown]
# The seed, the data, and one Generator for the corruptions we draw ourselves. The test set
# is kept for the final comparisons; the validation loss we watch during training is
# measured on 20% of the training images, held out (stratified by digit).

# %%
# %matplotlib inline
import numpy as np
from sklearn.model_selection import train_test_split

from aelearn.datasets import load_digits
from aelearn.models import Autoencoder, DenoisingAutoencoder
from aelearn.nn import corrupt
from aelearn.plotting import noise_slider, plot_history, plot_samples
from aelearn.reporting import format_table

SEED = 0
rng = np.random.default_rng(SEED)
data = load_digits()
X_fit, X_val = train_test_split(
    data.X_train, test_size=0.2, stratify=data.y_train, random_state=SEED
)

# %% [markdown]
# ## Three corruptions
#
# Gaussian noise is added to every pixel; masking sets pixels to 0 (ink disappears);
# salt-and-pepper sets pixels to 0 or 1 (ink also appears where there was none).

# %%
clean = data.X_test[:10]
corruptions = [("gaussian", 0.3), ("masking", 0.4), ("salt_and_pepper", 0.2)]
noisy = {noise: corrupt(clean, noise, noise_level, rng) for noise, noise_level in corruptions}
fig = plot_samples(
    np.concatenate([clean, *noisy.values()]),
    row_labels=["clean"] + [f"{noise} {noise_level}" for noise, noise_level in corruptions],
    title="The same ten digits under three corruptions",
)

# %% [markdown]
# ## Training a denoising autoencoder
#
# Same architecture as a plain autoencoder; only the input changes: every batch is masked
# afresh (30% of the pixels). The loss compares the output with the *clean* batch.
# The validation loss is measured in evaluation mode, where the model masks nothing: it
# rebuilds clean held-out images, an easier task, so its curve lies below the training one.

# %%
sizes = (64, 128, 16)
dae = DenoisingAutoencoder(sizes, noise="masking", noise_level=0.3, loss="mse", rng=SEED)
dae.fit(X_fit, epochs=120, validation_data=X_val)
plain = Autoencoder(sizes, loss="mse", rng=SEED).fit(X_fit, epochs=120)
fig = plot_history(dae.history_, title="Denoising autoencoder (masking 0.3)")

# %% [markdown]
# ## Clean, masked and denoised side by side
#
# Ten test digits (top row), the same digits with 30% of their pixels masked (middle row),
# and the denoising autoencoder's output for the masked digits (bottom row): the denoised
# output, which the model computes from the masked input alone. Look for strokes the
# masking removed coming back in the bottom row.

# %%
masked = corrupt(data.X_test, "masking", 0.3, rng)
fig = plot_samples(
    np.concatenate([data.X_test[:10], masked[:10], dae.denoise(masked[:10])]),
    row_labels=["clean", "masked input", "denoised output"],
    title="Denoising masked test digits (masking 0.3)",
)
# README figure: 05_denoising.png (the notebook builder saves this cell's figure)

# %% [markdown]
# ## How much does the training help?
#
# Error to the clean test images: of the noisy input itself, of a plain autoencoder fed the
# noisy input, and of the denoising one, for rising masking levels. The plain model was
# never shown missing pixels; the denoising one was trained at 0.3.

# %%
rows = []
for level in [0.1, 0.3, 0.5]:
    x_noisy = corrupt(data.X_test, "masking", level, rng)
    rows.append(
        {
            "masking": level,
            "noisy_input": float(np.mean((x_noisy - data.X_test) ** 2)),
            "plain_ae": float(np.mean((plain.reconstruct(x_noisy) - data.X_test) ** 2)),
            "denoising_ae": float(np.mean((dae.denoise(x_noisy) - data.X_test) ** 2)),
        }
    )
print("test MSE per pixel against the clean images")
print(format_table(rows, floatfmt=".4f"))

# %% [markdown]
# ## Play with the noise level
#
# A slider over the masking level, for eight test digits: the digits, the digits masked at
# that level, and the denoising autoencoder's output, each with its mean squared error per
# pixel against the clean digits. Each level's mask is drawn from a Generator seeded with 0
# (`seed=0`), so a higher level masks the pixels of a lower one and more. With ipywidgets
# installed, this cell shows a slider; without it (as on this page), a row per level.

# %%
view = noise_slider(dae, data.X_test[:8], corrupt)

# %% [markdown]
# Level by level, the noisy input's error grows, and the denoised output's stays below it
# at every level above 0, growing more slowly. At level 0 the output is not the input: the
# model, trained on masked digits, changes clean ones too, so its error there is above the
# clean input's 0.

# %% [markdown]
# ## Exercises
#
# Write your answer where the stub says `YOUR CODE HERE` (a function body that raises
# `NotImplementedError`, or `answer = ...`), then run the check cell below it: it says
# *right*, *wrong* with a hint, or *not yet attempted*.

# %%
from aelearn.exercises import denoising as check

# %% [markdown]
# **1.** Does a model trained on one corruption remove another? Train
# `DenoisingAutoencoder((64, 128, 16), noise="gaussian", noise_level=0.3)` and one with
# `noise="masking"` for 40 epochs each, mask the test images at 0.3, and set `answer` to the
# MSE per pixel against the clean images of the masked input itself and of each model's
# `denoise`.

# %%
### BEGIN SOLUTION
masked_test = corrupt(data.X_test, "masking", 0.3, np.random.default_rng(SEED))
answer = {"noisy_input": float(np.mean((masked_test - data.X_test) ** 2))}
for kind in ("gaussian", "masking"):
    model = DenoisingAutoencoder((64, 128, 16), noise=kind, noise_level=0.3, loss="mse", rng=SEED)
    model.fit(data.X_train, epochs=40)
    answer[f"{kind}_dae"] = float(np.mean((model.denoise(masked_test) - data.X_test) ** 2))
print(answer)
### END SOLUTION

# %%
check.other_corruption(answer)

# %% [markdown]
# **2.** On clean test images, which reconstructs better, a plain autoencoder or a denoising
# one (masking 0.3)? Train both, 64-128-16, for 40 epochs and set `answer` to their test
# MSE per pixel on clean images. Why might the denoising model lose a little there?

# %%
### BEGIN SOLUTION
plain_40 = Autoencoder((64, 128, 16), loss="mse", rng=SEED).fit(data.X_train, epochs=40)
dae_40 = DenoisingAutoencoder((64, 128, 16), noise="masking", noise_level=0.3, loss="mse", rng=SEED)
dae_40.fit(data.X_train, epochs=40)
answer = {
    "plain": plain_40.reconstruction_error(data.X_test),
    "denoising": float(np.mean((dae_40.reconstruct(data.X_test) - data.X_test) ** 2)),
}
print(answer)
### END SOLUTION

# %%
check.clean_images(answer)

# %% [markdown]
# **3.** Widen the code to 64 units (as wide as the input): train a plain and a denoising
# (masking 0.3) 64-128-64 autoencoder for 40 epochs, feed each the test images masked at
# 0.3, and set `answer` to the MSE per pixel against the clean images of the masked input
# and of each output. Does the plain autoencoder still learn anything useful? The denoising
# one?

# %%
### BEGIN SOLUTION
masked_test = corrupt(data.X_test, "masking", 0.3, np.random.default_rng(SEED))
wide = (64, 128, 64)
plain_64 = Autoencoder(wide, loss="mse", rng=SEED).fit(data.X_train, epochs=40)
dae_64 = DenoisingAutoencoder(wide, noise="masking", noise_level=0.3, loss="mse", rng=SEED)
dae_64.fit(data.X_train, epochs=40)
answer = {
    "noisy_input": float(np.mean((masked_test - data.X_test) ** 2)),
    "plain_64": float(np.mean((plain_64.reconstruct(masked_test) - data.X_test) ** 2)),
    "denoising_64": float(np.mean((dae_64.denoise(masked_test) - data.X_test) ** 2)),
}
print(answer)
### END SOLUTION

# %%
check.wide_code(answer)
