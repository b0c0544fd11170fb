# %% [markdown]
# # 9. MNIST: the lecture's Keras notebook in aelearn
#
# The lecture sends its students to a Keras notebook (`Autoencoder_example.ipynb` in
# kenperry-public/ML_Fall_2019) that works on 28x28 MNIST digits in three parts: dense
# autoencoders against PCA, a convolutional denoising autoencoder, and a variational
# autoencoder with a 2-D code. This notebook builds each of them in aelearn, with the same
# architectures and losses, and adds two questions the lecture asks of them: does a
# pre-trained encoder help a classifier that has few labels, and what does a vanilla
# autoencoder lack to be a generative model.
#
# The data are the 5,000 MNIST digits shipped inside aelearn (`load_mnist_sample`, 500 per
# digit), not the Keras notebook's 70,000, and every model trains for a few epochs, so that
# the notebook runs in about two minutes on a laptop CPU: the numbers are this notebook's,
# not the Keras notebook's.

# %% [markdown]
# The seed and the data. The test set (1,000 digits) is kept for the final comparisons;
# the validation loss we watch during training is measured on 20% of the training images,
# held out (stratified by digit). Every model below trains on the rest, `X_fit`.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split

from aelearn.baselines import fit_pca
from aelearn.datasets import load_mnist_sample
from aelearn.models import VAE, Autoencoder, Classifier, Encoder
from aelearn.nn import MLP, Dense
from aelearn.plotting import IMAGE_STYLE, plot_latent_manifold, plot_latent_scatter, plot_samples
from aelearn.reporting import format_table

SEED = 0
rng = np.random.default_rng(SEED)
data = load_mnist_sample()
X_fit, X_val, y_fit, y_val = train_test_split(
    data.X_train, data.y_train, test_size=0.2, stratify=data.y_train, random_state=SEED
)
X_test, y_test = data.X_test, data.y_test
IMAGE = data.image_shape  # (channels, height, width)
print(f"fit on {X_fit.shape}, validate on {X_val.shape}, test on {X_test.shape}; {IMAGE}")


def mse(a, b):
    """Mean squared error per pixel."""
    return float(np.mean((np.asarray(a, np.float64) - b) ** 2))


# %% [markdown]
# ## Dense autoencoders against PCA
#
# The Keras notebook's first part: a linear autoencoder with a code as wide as the image
# (784-784, "PCA full": it can learn the identity), a linear one with a code of 32
# ("PCA 32": it can at best learn PCA's 32-dimensional subspace), and a 784-32-784
# autoencoder with a ReLU code and a sigmoid output. Beside them, PCA itself with 32
# components. All three autoencoders minimise the squared error; the epochs each trains
# for are printed below (the wide linear one learns fastest and costs the most per epoch).

# %%
relu_init = np.random.default_rng(SEED)  # the ReLU autoencoder's weights, encoder first
dense = {
    "PCA full (linear 784-784)": Autoencoder(
        (784, 784), activation="identity", output_activation="identity", rng=SEED
    ),
    "PCA 32 (linear 784-32-784)": Autoencoder(
        (784, 32), activation="identity", output_activation="identity", rng=SEED
    ),
    # An encoder's last layer is linear unless told: the Keras notebook's code is ReLU.
    "ReLU/sigmoid 784-32-784": Autoencoder(
        (784, 32),
        loss="mse",
        encoder=Encoder((784, 32), net=MLP((784, 32), "relu", "relu", rng=relu_init)),
        rng=relu_init,
    ),
}
dense_epochs = dict(zip(dense, (5, 30, 60), strict=True))
for name, model in dense.items():
    model.fit(
        X_fit, epochs=dense_epochs[name], batch_size=128, validation_data=X_val, verbose=False
    )
    print(f"{name}: {dense_epochs[name]} epochs, val loss {model.history_['val_loss'][-1]:.2f}")
pca = fit_pca(X_fit, 32)
pca_test = pca.inverse_transform(pca.transform(X_test))

# %%
rows = [{"model": name, "test MSE": m.reconstruction_error(X_test)} for name, m in dense.items()]
rows.append({"model": "PCA, 32 components", "test MSE": mse(pca_test, X_test)})
print("squared error per pixel on the test digits")
print(format_table(rows, floatfmt=".4f"))
ae = dense["ReLU/sigmoid 784-32-784"]

# %% [markdown]
# The reconstructions of the first ten test digits, by each model.

# %%
shown = [X_test[:10], *(m.reconstruct(X_test[:10]) for m in dense.values()), pca_test[:10]]
fig = plot_samples(
    np.clip(np.concatenate(shown), 0, 1),
    image_shape=IMAGE,
    row_labels=["test digit", "AE PCA full", "AE PCA 32", "AE ReLU 32", "real PCA, 32"],
    title="Dense autoencoders and PCA: reconstructions of test digits",
)

# %% [markdown]
# In the table, the wide linear code ("PCA full") has the lowest error: it can pass the
# whole image through. The linear code of 32 ends close to PCA with 32 components, as it
# should: the best a linear code of 32 can do under squared error is PCA's subspace, which
# gradient descent approaches and PCA computes exactly. The ReLU code of 32, with its
# sigmoid output, is not bound to a subspace; the table says where it ends against them.

# %% [markdown]
# ## The convolutional denoising autoencoder
#
# The Keras notebook's second part. Its network: two convolutions of 3x3 with stride 2
# (32 then 64 channels, 28x28 -> 14x14 -> 7x7), a dense code of 16, and the mirror image in
# transposed convolutions, a sigmoid output, trained with the squared error.
# `Autoencoder.convolutional(image_shape=(1, 28, 28), filters=(32, 64), latent_dim=16)` is
# that network; its summary lists each layer.

# %%
conv = Autoencoder.convolutional(
    image_shape=(1, 28, 28), filters=(32, 64), latent_dim=16, loss="mse", rng=SEED
)
print(conv.summary())

# %% [markdown]
# The noise, as the Keras notebook draws it: for every pixel a draw from a normal
# distribution of mean 0.5 and standard deviation 0.5, added to the pixel, and the sum
# clipped to [0, 1]. It is drawn once, for the training, validation and test images, and
# the model trains on these fixed (noisy, clean) pairs: `fit(noisy, clean)`, as Keras's
# `fit(x_train_noisy, x_train)`. (A `DenoisingAutoencoder` would instead draw fresh noise
# for every batch; given pairs, it adds none.) The convolutions are the slow part of this
# notebook: the epochs are few and the batches small (32 images, where the Keras notebook
# takes 128), for more steps per epoch; the epochs and the seconds they took are printed.


# %%
def add_noise(X, rng):
    """X + N(0.5, 0.5^2) per pixel, clipped to [0, 1], as float32."""
    return np.clip(X + rng.normal(0.5, 0.5, X.shape), 0, 1).astype(np.float32)


noisy_fit, noisy_val, noisy_test = (add_noise(X, rng) for X in (X_fit, X_val, X_test))
conv_epochs = 8
conv.fit(
    noisy_fit,
    X_fit,
    epochs=conv_epochs,
    batch_size=32,
    validation_data=(noisy_val, X_val),
    verbose=False,
)
val, seconds = conv.history_["val_loss"], sum(conv.history_["time"])
print(f"{conv_epochs} epochs of batch 32 in {seconds:.0f} s: validation loss {val[-1]:.2f}")
print(f"the validation loss changed by {val[-1] - val[-4]:+.2f} over the last 3 epochs")

# %% [markdown]
# Beside it, on the same pairs: a dense denoising autoencoder with about as many parameters
# (784-111-16-111-784), and PCA with 16 components fitted on the noisy training images
# (a noisy test image is projected on them and reconstructed).

# %%
dense_dae = Autoencoder((784, 111, 16), loss="mse", rng=SEED)
dense_dae.fit(noisy_fit, X_fit, epochs=30, batch_size=128, verbose=False)
pca_noisy = fit_pca(noisy_fit, 16)
print(f"parameters: convolutional {conv.n_parameters():,}, dense {dense_dae.n_parameters():,}")
denoised = {
    "conv DAE": conv.reconstruct(noisy_test),
    "dense DAE": dense_dae.reconstruct(noisy_test),
    "PCA (16)": pca_noisy.inverse_transform(pca_noisy.transform(noisy_test)),
}
rows = [{"output": "noisy input", "test MSE": mse(noisy_test, X_test)}]
rows += [{"output": name, "test MSE": mse(x, X_test)} for name, x in denoised.items()]
print("squared error per pixel against the clean test digits")
print(format_table(rows, floatfmt=".4f"))

# %% [markdown]
# The rows the Keras notebook draws, originals, noisy inputs and denoised outputs, with the
# dense DAE and PCA below them. In the table above, the noise raises the error far above
# that of any denoiser; PCA with 16 components removes little of it, and the two networks
# much more; which of them is lower the table says (on the 8x8 digits of notebook 6, the
# dense DAE won).

# %%
fig = plot_samples(
    np.clip(
        np.concatenate([X_test[:10], noisy_test[:10], *(x[:10] for x in denoised.values())]), 0, 1
    ),
    image_shape=IMAGE,
    row_labels=["original", "noisy input", *denoised],
    title="Denoising N(0.5, 0.5) noise: the convolutional DAE, a dense DAE and PCA",
)
# README figure: 09_mnist.png (the notebook builder saves this cell's figure)

# %% [markdown]
# ## The variational autoencoder 784-512-2
#
# The Keras notebook's third part: an encoder 784-512 (ReLU) with two heads of 2, the mean
# and log-variance of q(z|x), and a decoder 2-512-784 with a sigmoid output. Its loss is
# `mse(x, x_hat) * 784` plus the KL: the squared error summed over the pixels, plus
# KL(q(z|x) || N(0, I)).
#
# aelearn's Gaussian likelihood p(x|z) = N(x_hat, s^2 I) gives the reconstruction term
# $\frac{1}{2 s^2}\sum_i (x_i - \hat x_i)^2 + \frac{784}{2}\log(2\pi s^2)$. With $s^2 = 1/2$
# the first part is the summed squared error itself, and the second is a constant that
# changes no gradient: so `likelihood="gaussian", decoder_std=sqrt(0.5)` is the Keras loss,
# and the decoder given as an MLP with a sigmoid output is the Keras decoder. The second
# VAE has the same networks but the Bernoulli likelihood (binary cross-entropy, the
# decoder's sigmoid inside the loss), on binarised pixels: each batch a fresh draw of black
# and white pixels with the grey levels as probabilities (`binarize=True`).

# %%
vae_epochs = 30
init = np.random.default_rng(SEED)  # the Keras-loss VAE's weights, decoder first
keras_vae = VAE(
    (784, 512, 2),
    likelihood="gaussian",
    decoder_std=np.sqrt(0.5),
    decoder=MLP((2, 512, 784), "relu", "sigmoid", rng=init),
    rng=init,
)
bernoulli_vae = VAE((784, 512, 2), likelihood="bernoulli", binarize=True, rng=SEED)
for vae in (keras_vae, bernoulli_vae):
    vae.fit(X_fit, epochs=vae_epochs, batch_size=64, validation_data=X_val, verbose=False)
scores = keras_vae.evaluate(X_test)
constant = 784 / 2 * np.log(2 * np.pi * 0.5)
keras_loss = scores["reconstruction"] - constant + scores["kl"]
print(f"{vae_epochs} epochs each; the constant 392 log(pi) = {constant:.2f}")
print(f"Keras loss on the test digits: summed squared error + KL = {keras_loss:.2f}")
print(f"  of which KL {scores['kl']:.2f}")
print(f"test MSE per pixel of the reconstructions {keras_vae.reconstruction_error(X_test):.4f}")

# %% [markdown]
# The posterior means z_mean of the test digits, coloured by digit, for both VAEs.

# %%
fig = plot_latent_scatter(
    {
        "Keras loss (Gaussian)": keras_vae.encode(X_test),
        "Bernoulli, binarised": bernoulli_vae.encode(X_test),
    },
    y_test,
    title="z_mean of the 1,000 test digits",
)

# %% [markdown]
# The Keras notebook's manifold: a 30x30 grid of z over `linspace(-4, 4)` in each
# coordinate, decoded, for the VAE with the Keras loss.

# %%
grid = np.linspace(-4, 4, 30)
Z = np.array([[z1, z2] for z2 in grid[::-1] for z1 in grid], dtype=np.float32)
fig = plot_latent_manifold(
    keras_vae.decode(Z),
    grid,
    image_shape=IMAGE,
    title="The Keras-loss VAE's decoder over [-4, 4]^2",
)

# %% [markdown]
# The same grid through the Bernoulli VAE's decoder.

# %%
fig = plot_latent_manifold(
    bernoulli_vae.decode(Z),
    grid,
    image_shape=IMAGE,
    title="The Bernoulli VAE's decoder over [-4, 4]^2",
)

# %% [markdown]
# Each region of the plane decodes to one kind of digit, and neighbouring images change
# gradually, as in the Keras notebook's figure; where the scatter shows the codes of two
# digits overlapping, the grid shows images between the two. Far out in the corners of
# [-4, 4], where the scatter has few codes, the decoder repeats what it draws nearer in.

# %% [markdown]
# ## Transfer learning: where a frozen encoder helps
#
# An encoder learned its code from images without their labels. Does it, frozen, help a
# classifier that has only a few labelled images? A new head (one softmax layer,
# `Classifier`) is trained on 10, 30, 100 or 300 labelled images of `X_fit` (as many of
# each digit), and tested on the 1,000 test digits. Each count is drawn five times (a draw
# picks the images and starts the head), and every head, whatever its input, trains by the
# same 300 full-batch steps of Adam. Two cases:
#
# - **clean digits**: the frozen encoder of the ReLU autoencoder 784-32 of the first part,
#   against the raw pixels and PCA's 32 components standardised (each divided by its
#   standard deviation on `X_fit`);
# - **noisy digits**, the classifier seeing only images with the Keras notebook's noise:
#   the frozen encoder of the convolutional denoising autoencoder of the second part (its
#   code of 16, learned from the 3,200 noisy images of `X_fit` in the 8 epochs above),
#   against the raw noisy pixels and the 16 components of the PCA fitted on them, standardised.
#
# Both encoders are already trained: this section trains only heads.

# %%
label_counts, draws = [10, 30, 100, 300], range(5)


def labelled(n, seed):
    """The indices of n images of X_fit, n // 10 of each digit, drawn with ``seed``."""
    draw = np.random.default_rng(seed)
    return np.concatenate(
        [draw.choice(np.flatnonzero(y_fit == c), n // 10, replace=False) for c in range(10)]
    )


def standardised_pca(pca):
    """A Dense layer x -> PCA's components of x, each divided by its standard deviation on
    the data PCA was fitted to; frozen under a head, it is a fixed linear map."""
    scale = np.sqrt(pca.explained_variance_)
    layer = Dense(784, len(scale), rng=SEED)
    layer.weight.data = (pca.components_.T / scale).astype(np.float32)
    layer.bias.data = (-pca.mean_ @ pca.components_.T / scale).astype(np.float32)
    return layer


def few_labels(inputs):
    """{name: (new_head(seed), training rows aligned with X_fit, test rows)} ->
    {(n, name): the test accuracy of each draw}, every head trained alike."""
    accuracy = {}
    for n in label_counts:
        for seed in draws:
            index = labelled(n, seed)
            for name, (new_head, X_pool, X_eval) in inputs.items():
                head = new_head(seed)
                head.fit(
                    X_pool[index], y_fit[index], epochs=300, batch_size=n, lr=1e-2, verbose=False
                )
                accuracy.setdefault((n, name), []).append(head.score(X_eval, y_test))
    return accuracy


def report(accuracy, names, case):
    """The table of mean ± std per count, with the encoder's (names[0]) gain over the better
    of the two others, draw by draw; and the counts where the encoder is ahead."""
    mean = {key: np.mean(value) for key, value in accuracy.items()}
    std = {key: np.std(value) for key, value in accuracy.items()}
    encoder, others = names[0], names[1:]
    rows = []
    for n in label_counts:
        best = max(others, key=lambda k: mean[n, k])
        gain = np.subtract(accuracy[n, encoder], accuracy[n, best])
        rows.append(
            {"labels": n}
            | {k: f"{mean[n, k]:.3f} ± {std[n, k]:.3f}" for k in names}
            | {"gain over the better other": f"{gain.mean():+.3f} ± {gain.std():.3f}"}
        )
    print(f"{case}: test accuracy, mean ± standard deviation over {len(draws)} draws")
    print(format_table(rows))
    ahead = [n for n in label_counts if all(mean[n, encoder] > mean[n, k] for k in others)]
    apart = [
        n
        for n in ahead
        if all(mean[n, encoder] - std[n, encoder] > mean[n, k] + std[n, k] for k in others)
    ]
    print(f"the {encoder} ahead of both others at {ahead or 'no'} labels;")
    print(f"  its error bar clear above both others' at {apart or 'no'} labels")
    return mean, std


clean = {
    "frozen AE encoder": (lambda seed: Classifier(ae.encoder, 10, rng=seed), X_fit, X_test),
    "raw pixels": (lambda seed: Classifier(None, 10, n_features=784, rng=seed), X_fit, X_test),
    "PCA 32, standardised": (
        lambda seed: Classifier(standardised_pca(pca), 10, n_features=784, rng=seed),
        X_fit,
        X_test,
    ),
}
clean_accuracy = few_labels(clean)
clean_scores = report(clean_accuracy, list(clean), "clean digits")

# %% [markdown]
# For the noisy digits, one shortcut first. A frozen encoder is a fixed function: the head
# that `Classifier(conv.encoder, ...)` trains sees the same codes at every step, so the
# codes can be computed once and the head trained on them, `Classifier(None, ...)` with the
# same seed, without running the convolutions 300 times. The two heads, trained on the same
# ten noisy images, should make the same predictions; the largest difference between their
# logits on the test digits is printed.

# %%
codes_noisy_fit, codes_noisy_test = conv.encode(noisy_fit), conv.encode(noisy_test)
index = labelled(10, 0)
through_encoder = Classifier(conv.encoder, 10, rng=0)
through_encoder.fit(
    noisy_fit[index], y_fit[index], epochs=300, batch_size=10, lr=1e-2, verbose=False
)
on_codes = Classifier(None, 10, n_features=16, rng=0)
on_codes.fit(
    codes_noisy_fit[index], y_fit[index], epochs=300, batch_size=10, lr=1e-2, verbose=False
)
gap = np.abs(
    through_encoder.decision_function(noisy_test) - on_codes.decision_function(codes_noisy_test)
)
same = np.mean(through_encoder.predict(noisy_test) == on_codes.predict(codes_noisy_test))
print(f"largest difference of the logits {gap.max():.1e}; same prediction for {same:.1%}")

# %%
noisy = {
    "frozen DAE encoder": (
        lambda seed: Classifier(None, 10, n_features=16, rng=seed),
        codes_noisy_fit,
        codes_noisy_test,
    ),
    "raw noisy pixels": (
        lambda seed: Classifier(None, 10, n_features=784, rng=seed),
        noisy_fit,
        noisy_test,
    ),
    "PCA 16, standardised": (
        lambda seed: Classifier(standardised_pca(pca_noisy), 10, n_features=784, rng=seed),
        noisy_fit,
        noisy_test,
    ),
}
noisy_accuracy = few_labels(noisy)
noisy_scores = report(noisy_accuracy, list(noisy), "noisy digits")

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True, layout="constrained")
for ax, (mean, std), names, case in zip(
    axes, (clean_scores, noisy_scores), (list(clean), list(noisy)), ("clean", "noisy"), strict=True
):
    for shift, name in zip([0.94, 1.0, 1.06], names, strict=True):
        ax.errorbar(
            [n * shift for n in label_counts],
            [mean[n, name] for n in label_counts],
            yerr=[std[n, name] for n in label_counts],
            marker="o",
            capsize=3,
            label=name,
        )
    ax.set(xscale="log", xlabel="labelled training images (10 digits)", title=f"{case} digits")
    ax.set_xticks(label_counts, [str(n) for n in label_counts])
    ax.set_xticks([], minor=True)
    ax.legend(frameon=False)
axes[0].set_ylabel("test accuracy")
title = fig.suptitle(f"A new head on frozen codes with few labels ({len(draws)} draws each)")

# %% [markdown]
# Each point is a mean over the five draws, each bar one standard deviation; the lines
# under each table say, computed from it, at which counts the frozen encoder's head is
# ahead of both others, and at which its error bar stays clear above theirs. Much of a
# bar is the luck of the draw, which images are labelled, and it is shared by the three
# inputs of a draw: the last column compares them draw by draw, the encoder's accuracy
# minus that of the better other input on the same images.
#
# On clean digits, where the first table puts the dense autoencoder's code against the
# pixels, nothing in its training asked the code to separate the digits: only to rebuild
# their pixels, which the next section looks at. On noisy digits, every pixel carries the
# noise as well as the digit, and a head on the pixels fits the noise of its few images.
# The denoising autoencoder's encoder learned, from the 3,200 unlabelled noisy images, to
# keep what rebuilds the clean digit and to drop the rest: that is where a frozen encoder
# helps, at the counts the second table lists.
# (`benchmarks/bench_transfer.py` runs the full protocol: more draws and labels, encoders
# trained for longer, and a convolutional autoencoder on clean digits.)

# %% [markdown]
# ## Syntactic, not semantic
#
# The dense autoencoder's encoder (`ae`, the one of the clean digits above) was trained to
# rebuild pixels, not to tell digits apart: images whose codes are close are images that
# look alike, stroke by stroke, whatever digit they are. For each test digit, its nearest
# neighbour among the codes of `X_fit`; how often that neighbour is another digit, and, in
# the figure, eight test digits whose nearest neighbour in code space is another digit.

# %%
codes_fit, codes_test = ae.encode(X_fit), ae.encode(X_test)
distances = ((codes_test[:, None, :] - codes_fit[None, :, :]) ** 2).sum(axis=2)
nearest = distances.argmin(axis=1)
differ = np.flatnonzero(y_fit[nearest] != y_test)
print(
    f"nearest neighbour in code space of another digit: {len(differ)} of {len(y_test)} test digits"
)

# %%
fig, axes = plt.subplots(2, 8, figsize=(9, 2.8))
for column, i in enumerate(differ[:8]):
    for row, (image, label) in enumerate(
        [(X_test[i], y_test[i]), (X_fit[nearest[i]], y_fit[nearest[i]])]
    ):
        axes[row, column].imshow(image.reshape(28, 28), **IMAGE_STYLE)
        axes[row, column].set_title(f"{'test' if row == 0 else 'neighbour'}: {label}", fontsize=8)
        axes[row, column].set_axis_off()
title = fig.suptitle(
    "Test digits (top) and their nearest neighbour in code space (bottom), of another digit"
)

# %% [markdown]
# Each pair is close in code space because it is close in ink: the code keeps the shape of
# the strokes, which is syntax, and knows nothing of the digit they write, the semantics a
# classifier needs.

# %% [markdown]
# ## Making the vanilla autoencoder generative
#
# A vanilla autoencoder has a decoder but no distribution of codes to draw from. Its
# codes are wherever training put them; drawing z from N(0, I), the VAE's prior, lands
# elsewhere. Printed below: the spread of each of the 32 units over the codes of
# `X_fit`. One remedy is to fit a density to the codes: a Gaussian mixture of 10 full-
# covariance components (scikit-learn), from which we draw codes and decode them. Beside
# them, the Keras-loss VAE's samples of its own prior N(0, I), which it was trained to
# decode.

# %%
spread = codes_fit.std(axis=0)
print(
    f"std of each unit over the codes: {spread.min():.2f} to {spread.max():.2f}; "
    f"mean {codes_fit.mean():.2f}"
)
mixture = GaussianMixture(10, random_state=SEED).fit(codes_fit.astype(np.float64))
from_mixture = ae.decode(mixture.sample(10)[0].astype(np.float32))
from_normal = ae.decode(rng.standard_normal((10, 32)).astype(np.float32))
fig = plot_samples(
    np.concatenate([from_normal, from_mixture, keras_vae.sample(10)]),
    image_shape=IMAGE,
    row_labels=["AE, z ~ N(0, I)", "AE, z ~ mixture", "VAE, z ~ N(0, I)"],
    title="Decoded draws of codes: the autoencoder's and the VAE's",
)

# %% [markdown]
# The units of the autoencoder's code spread over several units each (the printed range)
# and are not centred on 0: codes drawn from N(0, I) fall where the decoder saw no code in
# training, and decode, in the first row, to no digit. Codes drawn from the mixture fitted to
# the real codes decode to strokes that look like digits, some of them misshapen. The VAE
# needs no such second step: its KL term pulled its codes towards N(0, I) during training,
# so the prior it samples from is the distribution its decoder learned to decode.

# %% [markdown]
# ## Exercises
#
# Write your answer where the stub says `YOUR CODE HERE` (a function body that raises
# `NotImplementedError`, or `answer = ...`), then run the check cell below it: it says
# *right*, *wrong* with a hint, or *not yet attempted*.

# %%
from aelearn.exercises import mnist as check

# %% [markdown]
# **1.** Write the Keras notebook's noise without looking at `add_noise` above: to every
# pixel of X add a draw of a normal distribution of mean 0.5 and standard deviation 0.5
# (one call of `rng.normal` for the whole array), then clip to [0, 1]. What fraction of
# the pixels of the noisy test images is exactly 0 or 1?


# %%
def keras_noise(X, rng):
    """X (n_samples, n_features) in [0, 1] -> the noisy X, same shape."""
    ### BEGIN SOLUTION
    return np.clip(X + rng.normal(0.5, 0.5, X.shape), 0.0, 1.0)
    ### END SOLUTION


# %%
check.keras_noise(keras_noise)

# %% [markdown]
# **2.** The Keras VAE's reconstruction term is `mse(x, x_hat) * 784`, the squared error
# summed over the 784 pixels. aelearn's Gaussian likelihood gives
# $\frac{1}{2 s^2}\sum_i (x_i - \hat x_i)^2 + \frac{784}{2}\log(2\pi s^2)$ with
# $s$ = `decoder_std`. Set `answer` to {"decoder_std": the s that makes the first part the
# Keras term, "constant": the second part at that s}.

# %%
### BEGIN SOLUTION
s = np.sqrt(0.5)
answer = {"decoder_std": float(s), "constant": float(784 / 2 * np.log(2 * np.pi * s**2))}
print(answer)
### END SOLUTION

# %%
check.keras_vae_loss(answer)

# %% [markdown]
# **3.** Train the linear autoencoder "PCA 32", `Autoencoder((784, 32),
# activation="identity", output_activation="identity", rng=SEED)`, for 10 epochs of batch
# 128 on `X_fit`, and fit PCA with 32 components on `X_fit` (`fit_pca`). Set `answer` to
# {"pca": PCA's test MSE per pixel, "linear": the autoencoder's}. Which is lower, and would
# more epochs close the gap?

# %%
### BEGIN SOLUTION
linear = Autoencoder((784, 32), activation="identity", output_activation="identity", rng=SEED)
linear.fit(X_fit, epochs=10, batch_size=128, verbose=False)
pca_32 = fit_pca(X_fit, 32)
answer = {
    "pca": float(np.mean((pca_32.inverse_transform(pca_32.transform(X_test)) - X_test) ** 2)),
    "linear": linear.reconstruction_error(X_test),
}
print(answer)
### END SOLUTION

# %%
check.linear_against_pca(answer)
