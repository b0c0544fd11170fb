# %% [markdown]
# # 6. Convolutional autoencoders
#
# A dense layer connects every pixel to every unit, wherever the pixel is. A convolution
# slides one small kernel over the image: the same few weights look at every position, so
# a stroke is detected the same way in any corner. The denoising autoencoders of notebook 5
# were dense; the course's Keras notebook builds its denoising autoencoder from
# convolutions. Here we build the same kind of network in aelearn, on the 8x8 digits so
# that it trains in about a minute on a laptop CPU (the course's network is for 28x28
# MNIST; `benchmarks/bench_conv_quality.py` trains it).

# %% [markdown]
# The seed and the data. The test set is kept for the final comparisons; the validation
# loss we watch during training is measured on 20% of the training images, held out
# (stratified by digit).

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from aelearn.autograd import Tensor
from aelearn.datasets import load_digits
from aelearn.models import VAE, DenoisingAutoencoder
from aelearn.nn import Conv2d
from aelearn.nn.functional import conv2d
from aelearn.plotting import IMAGE_STYLE, plot_latent_manifold, plot_samples
from aelearn.reporting import format_table

SEED = 0
rng = np.random.default_rng(SEED)
data = load_digits()
X_fit, X_val = train_test_split(
    data.X_train, test_size=0.2, stratify=data.y_train, random_state=SEED
)
print(f"fit on {X_fit.shape}, validate on {X_val.shape}, test on {data.X_test.shape}")

# %% [markdown]
# ## A convolution by hand
#
# A 5x5 image and a 3x3 kernel. Output pixel (i, j) is the sum of the kernel times the
# 3x3 window whose top-left corner is (i, j): with stride 1 and no padding there are
# 3x3 such windows. We compute it with two loops and compare with aelearn's op.

# %%
image = np.arange(25, dtype=np.float64).reshape(5, 5) % 7
kernel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])  # a vertical edge
by_hand = np.zeros((3, 3))
for i in range(3):
    for j in range(3):
        by_hand[i, j] = np.sum(image[i : i + 3, j : j + 3] * kernel)
by_op = conv2d(Tensor(image.reshape(1, 1, 5, 5)), Tensor(kernel.reshape(1, 1, 3, 3))).data[0, 0]
print("by hand:\n", by_hand, "\nconv2d:\n", by_op)
np.testing.assert_allclose(by_op, by_hand)

# %% [markdown]
# ## im2col: the convolution as one matrix product
#
# Write each window as a row: 9 windows of 9 pixels make a 9x9 matrix. Multiplying it by
# the kernel flattened into a column of 9 gives the 9 output pixels at once. This is how
# the op computes, with every window of every image and channel in one product: `Conv2dOp`,
# in `aelearn/autograd/convolution.py`, builds that matrix (im2col) with the same
# `sliding_window_view` and a reshape, and its backward adds each row's gradient back into
# its window (col2im, about a dozen lines in `aelearn/autograd/im2col.py`). The layers run,
# by default, faster kernels that compute the same sums (`aelearn/fast`; inside
# `with aelearn.use_fast_kernels(False):` they use `Conv2dOp` itself).
#
# In the figure every cell carries its value. The first window of the image (outlined) is
# the first row of the im2col matrix; that row times the kernel's column, summed, is the
# first output (outlined too). Each panel shades its own values, darker for larger.

# %%
windows = np.lib.stride_tricks.sliding_window_view(image, (3, 3))  # (3, 3, 3, 3), no copy
columns = windows.reshape(9, 9)
product = columns @ kernel.ravel()
np.testing.assert_allclose(product.reshape(3, 3), by_hand)
print("first row of im2col:", columns[0], "\nkernel as a column:", kernel.ravel())
print(f"their product, the first output: {columns[0] @ kernel.ravel():g}")
fig, axes = plt.subplots(1, 4, figsize=(12, 4.2), gridspec_kw={"width_ratios": [5, 9, 1, 1]})
panels = [
    (image, "image 5x5", (0, 0, 3, 3)),
    (columns, "im2col: one window per row", (0, 0, 9, 1)),
    (kernel.reshape(9, 1), "kernel", None),
    (product.reshape(9, 1), "output", (0, 0, 1, 1)),
]
for ax, (values, title, outline) in zip(axes, panels, strict=True):
    low, high = values.min(), values.max()
    ax.imshow(values, cmap="gray_r", vmin=low, vmax=high)
    for (r, c), value in np.ndenumerate(values):
        dark = value > (low + high) / 2  # white text on the darker cells
        ax.text(c, r, f"{value:g}", ha="center", va="center", color="w" if dark else "k")
    if outline is not None:
        row, col, width, height = outline
        box = plt.Rectangle((col - 0.5, row - 0.5), width, height, fill=False, ec="C3", lw=2.5)
        ax.add_patch(box)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("The convolution as (9 windows x 9 pixels) @ (9 kernel weights) = 9 outputs")
fig.tight_layout()

# %% [markdown]
# ## A convolutional denoising autoencoder and a dense one
#
# `DenoisingAutoencoder.convolutional` builds the course's architecture: two stride-2
# convolutions (8x8 -> 4x4 -> 2x2 here), a dense layer to the code, and the mirror image
# with transposed convolutions. Beside it, a dense DAE with about as many parameters (the
# summary and the line below it count them). Both see Gaussian noise (standard deviation
# 0.3) drawn afresh for every batch. 30 epochs keep the notebook short; the curves, and the
# change of each validation loss over the last five epochs printed below them, show whether
# they have levelled off.

# %%
noise = {"noise": "gaussian", "noise_level": 0.3, "loss": "mse", "rng": SEED}
conv_dae = DenoisingAutoencoder.convolutional(
    image_shape=(1, 8, 8), filters=(16, 32), latent_dim=16, **noise
)
dense_dae = DenoisingAutoencoder((64, 150, 16), **noise)
print(conv_dae.summary())
print(f"\ndense DAE: {dense_dae.n_parameters():,} parameters")

# %%
for model in (conv_dae, dense_dae):
    model.fit(X_fit, epochs=30, validation_data=X_val, verbose=False)
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, model in (("convolutional", conv_dae), ("dense", dense_dae)):
    ax.plot(model.history_["loss"], label=f"{name}, training")
    ax.plot(model.history_["val_loss"], "--", label=f"{name}, validation (clean input)")
ax.set_xlabel("epoch")
ax.set_ylabel("squared error per image")
ax.set_title("Training the two denoising autoencoders")
ax.legend(frameon=False)
for name, model in (("convolutional", conv_dae), ("dense", dense_dae)):
    val = model.history_["val_loss"]
    print(f"{name}: validation loss {val[-1]:.3f}, {val[-1] - val[-6]:+.3f} over the last 5 epochs")

# %% [markdown]
# ## The first layer's filters
#
# The 16 kernels of the first convolution, each 3x3, on one colour scale centred on 0
# (red: positive weights, blue: negative).

# %%
first = next(m for m in conv_dae.modules() if isinstance(m, Conv2d))
filters = first.weight.data[:, 0]  # (16, 3, 3)
limit = np.abs(filters).max()
fig, axes = plt.subplots(2, 8, figsize=(9, 2.8))
fig.suptitle("First-layer filters of the convolutional DAE")
for k, ax in enumerate(axes.ravel()):
    shown = ax.imshow(filters[k], cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_title(f"filter {k}", fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
bar = fig.colorbar(shown, ax=axes, shrink=0.8, label="weight")

# %% [markdown]
# ## Feature maps of one digit
#
# The first convolution and its ReLU applied to one test digit: 16 maps of 4x4, one per
# filter above, each showing where in the digit its filter responds. The digit is drawn as
# every digit in the course (ink dark on white); the 16 maps share one scale, from 0 (white:
# no response) to the strongest response of any map (black), so that the maps can be
# compared with one another.

# %%
digit = data.X_test[:1]
relu_maps = np.maximum(first(Tensor(digit.reshape(1, 1, 8, 8))).data, 0)[0]  # (16, 4, 4)
fig, axes = plt.subplots(2, 9, figsize=(11, 2.8))
fig.suptitle("One test digit and its 16 first-layer feature maps (4x4, after the ReLU)")
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].imshow(digit.reshape(8, 8), **IMAGE_STYLE)
axes[0, 0].set_title("digit")
axes[1, 0].axis("off")
for k, ax in enumerate(axes[:, 1:].ravel()):
    shown = ax.imshow(relu_maps[k], cmap="gray_r", vmin=0.0, vmax=relu_maps.max())
    ax.set_title(f"filter {k}", fontsize=8)
bar = fig.colorbar(shown, ax=axes, shrink=0.8, label="ReLU output")

# %% [markdown]
# ## Noisy, clean and denoised
#
# The same ten noisy test digits through both models, one row each under the clean and the
# noisy images; the table gives the error to the clean test images over the whole test
# set, beside the noisy input's own.

# %%
noisy = np.clip(data.X_test + rng.normal(0.0, 0.3, data.X_test.shape), 0, 1).astype(np.float32)
denoised = {"conv DAE": conv_dae.denoise(noisy), "dense DAE": dense_dae.denoise(noisy)}
fig = plot_samples(
    np.concatenate([data.X_test[:10], noisy[:10], *(x[:10] for x in denoised.values())]),
    row_labels=["clean", "noisy input", *denoised],
    title="Denoising Gaussian noise (0.3): the convolutional DAE and the dense one",
)
# README figure: 06_convolutional.png (the notebook builder saves this cell's figure)

# %%
rows = [{"input": "noisy", "test MSE": float(np.mean((noisy - data.X_test) ** 2))}]
for name, x in denoised.items():
    rows.append({"input": name, "test MSE": float(np.mean((x - data.X_test) ** 2))})
print("squared error per pixel against the clean test images")
print(format_table(rows, floatfmt=".4f"))
best = min(rows[1:], key=lambda row: row["test MSE"])
print(f"lower: the {best['input']}")

# %% [markdown]
# On these 8x8 digits, after 30 epochs, both models bring the error well below the noisy
# input's, and the convolutional DAE ends *behind* the dense one (the table says by how
# much, the line under it which is lower), with its validation loss still falling at the
# end of training (printed under the training curves). On 28x28 MNIST the order is the
# other way round: with the course's convolutional DAE of 178,001 parameters, and a dense
# DAE of as many (178,622), trained for 30 epochs on 4,000 images with fixed noise, the
# convolutional one reaches a test error of 0.02426 per pixel against the dense one's
# 0.03598 (means over seeds 0 to 2, printed below as the README quotes them, not computed
# here: they come from `python benchmarks/bench_conv_quality.py --only dae`, which trains
# for several minutes).

# %%
# Quoted from the README's results (python benchmarks/bench_conv_quality.py --only dae):
# MNIST 28x28, 30 epochs on 4,000 images with fixed noise, means over seeds 0 to 2.
mnist_dae = {"convolutional DAE": 0.02426, "dense DAE, as many parameters": 0.03598}
print("MNIST test error per pixel (quoted, not computed here)")
for name, error in mnist_dae.items():
    print(f"  {name}: {error:.5f}")

# %% [markdown]
# ## A convolutional VAE and its 2-D manifold
#
# The variational autoencoder is taught in notebook 7; here we use only what it does, not
# why: its encoder maps each image to a small region of a 2-D code z, trained so that the
# codes together spread like a standard normal distribution, and its decoder turns any z
# into an image. keras-io's VAE is convolutional: its encoder is two stride-2
# convolutions and a dense layer of 16, and the decoder mirrors them. With a 2-D code we
# can decode a grid of z, spaced by the standard normal's quantiles, and see the whole map.
# It trains for 30 epochs, where notebook 7's dense VAE trains for 200, to keep this
# notebook short.

# %%
vae = VAE.convolutional(
    image_shape=(1, 8, 8), filters=(16, 32), latent_dim=2, hidden_sizes=(16,), rng=SEED
)
vae.fit(X_fit, epochs=30, validation_data=X_val, verbose=False)
images, coordinates = vae.latent_grid(n=15)
fig = plot_latent_manifold(images, coordinates, title="The convolutional VAE's 2-D latent manifold")

# %% [markdown]
# ## Exercises
#
# Write your answer where the stub says `YOUR CODE HERE` (a function body that raises
# `NotImplementedError`, or `answer = ...`), then run the check cell below it: it says
# *right*, *wrong* with a hint, or *not yet attempted*.

# %%
from aelearn.exercises import convolutional as check

# %% [markdown]
# **1.** Write the hand-worked convolution for any image, kernel and stride, with loops and
# no padding: output pixel (i, j) is the sum of the kernel times the window whose top-left
# corner is (i * stride, j * stride). The check compares it with `conv2d`. Then apply it to
# the 5x5 `image` above with `kernel` and with `kernel.T`, which detects horizontal edges:
# which output pixels change sign, and why?


# %%
def conv_by_loops(image, kernel, stride=1):
    """image (H, W), kernel (kH, kW) -> (Ho, Wo), Ho = (H - kH) // stride + 1."""
    ### BEGIN SOLUTION
    kh, kw = kernel.shape
    out = np.zeros(((image.shape[0] - kh) // stride + 1, (image.shape[1] - kw) // stride + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            window = image[i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[i, j] = np.sum(window * kernel)
    return out
    ### END SOLUTION


# %%
check.conv_by_loops(conv_by_loops)

# %% [markdown]
# **2.** Write (a) the output width of `Conv2d(..., kernel_size, stride, padding)` on an image
# `size` wide, and (b) of `ConvTranspose2d(..., kernel_size, stride, padding,
# output_padding)`. Check the first against `conv_dae.summary()`: what does each layer make
# of the 8x8 digits?


# %%
def conv_output_size(size, kernel_size, stride, padding):
    """The width of Conv2d's output on an input `size` wide."""
    ### BEGIN SOLUTION
    return (size + 2 * padding - kernel_size) // stride + 1
    ### END SOLUTION


# %%
check.conv_size(conv_output_size)


# %%
def transposed_output_size(size, kernel_size, stride, padding, output_padding):
    """The width of ConvTranspose2d's output on an input `size` wide."""
    ### BEGIN SOLUTION
    return (size - 1) * stride - 2 * padding + kernel_size + output_padding
    ### END SOLUTION


# %%
check.transposed_size(transposed_output_size)

# %% [markdown]
# **3.** How many parameters (weights and biases) has the first convolution,
# `Conv2d(1, 16, 3, stride=2, padding=1)`, and how many would a dense layer from the 64
# pixels to the same 16 x 4 x 4 outputs need? Compute both from the shapes and set `answer`
# to {"conv": ..., "dense": ...}.

# %%
### BEGIN SOLUTION
out_channels, in_channels, k = 16, 1, 3
answer = {
    "conv": out_channels * in_channels * k * k + out_channels,
    "dense": 64 * (16 * 4 * 4) + 16 * 4 * 4,
}
print(answer)
### END SOLUTION

# %%
check.parameter_counts(answer)

# %% [markdown]
# **4.** Train the two DAEs of this notebook (same arguments, 30 epochs) on all of `X_fit`
# and on its first half. Denoise the test images with Gaussian noise of 0.3 (from
# `np.random.default_rng(SEED)`, clipped to [0, 1]) and set `answer` to the MSE per pixel
# against the clean test images of the noisy input and of each model: keys "noisy_input",
# "conv_full", "dense_full", "conv_half", "dense_half". Which model loses more, and is it
# the number of images or the number of updates that it misses?

# %%
### BEGIN SOLUTION
noise = {"noise": "gaussian", "noise_level": 0.3, "loss": "mse", "rng": SEED}
noise_rng = np.random.default_rng(SEED)
noisy_test = np.clip(data.X_test + noise_rng.normal(0.0, 0.3, data.X_test.shape), 0, 1)
answer = {"noisy_input": float(np.mean((noisy_test - data.X_test) ** 2))}
for part, images in (("full", X_fit), ("half", X_fit[: len(X_fit) // 2])):
    models = {
        "conv": DenoisingAutoencoder.convolutional(
            image_shape=(1, 8, 8), filters=(16, 32), latent_dim=16, **noise
        ),
        "dense": DenoisingAutoencoder((64, 150, 16), **noise),
    }
    for name, model in models.items():
        model.fit(images, epochs=30, verbose=False)
        error = np.mean((model.denoise(noisy_test.astype(np.float32)) - data.X_test) ** 2)
        answer[f"{name}_{part}"] = float(error)
print(answer)
### END SOLUTION

# %%
check.fewer_images(answer)
