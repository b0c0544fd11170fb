"""The matrix products of one training step of the course's convolutional DAE, alone.

The same products, of the same shapes and memory layouts, as aelearn's fast kernels
(``aelearn.fast``, what ``fit`` runs by default) make in a step of ``conv_workload``'s network
(batch 128, float32), on random arrays and with nothing else between them: the floor of that
step for any system that computes it with this BLAS, and, against the step, how much of it
is the rest (im2col, col2im, padding, bias, ReLU, Adam). Per layer, as the kernels compute
it:

- Conv2d: forward X_col @ W_row.T; dW as (X_col.T @ G).T; dx's window entries as one batched
  product of G with the kH kW blocks W[:, :, p, q] (not for the first layer, whose input
  needs no gradient);
- Linear: x @ W forward; grad @ W.T and x.T @ grad backward;
- ConvTranspose2d: the patches as one batched product of X with the kH kW blocks forward;
  G_col @ W_col.T for dx and (G_col.T @ X).T for dW backward.
"""

import time

import numpy as np
from conv_workload import BATCH_SIZE as BATCH
from conv_workload import CONVS, LINEARS, TRANSPOSED
from conv_workload import KERNEL as K


def step_products(rng):
    """The step's products as argument-free callables, each on arrays made once here."""
    f32 = np.float32

    def rand(*shape):
        return rng.standard_normal(shape, dtype=f32)

    products = []
    for layer, (c_in, c_out, _, out) in enumerate(CONVS):
        X_col, W_row = rand(BATCH * out * out, K * K * c_in), rand(c_out, K * K * c_in)
        G = rand(BATCH * out * out, c_out)
        products += [lambda X_col=X_col, W_row=W_row: X_col @ W_row.T]
        products += [lambda X_col=X_col, G=G: (X_col.T @ G).T]
        if layer > 0:  # the first layer's input, the images, needs no gradient
            taps = rand(K, K, c_out, c_in)
            products += [lambda G=G, taps=taps: np.matmul(G, taps)]
    for n_in, n_out in LINEARS:
        x, W, grad = rand(BATCH, n_in), rand(n_in, n_out), rand(BATCH, n_out)
        products += [lambda x=x, W=W: x @ W, lambda grad=grad, W=W: grad @ W.T]
        products += [lambda x=x, grad=grad: x.T @ grad]
    for c_in, c_out, side, _ in TRANSPOSED:
        X, taps = rand(BATCH * side * side, c_in), rand(K, K, c_in, c_out)
        G_col, W_col = rand(BATCH * side * side, K * K * c_out), rand(c_in, K * K * c_out)
        products += [lambda X=X, taps=taps: np.matmul(X, taps)]
        products += [lambda G_col=G_col, W_col=W_col: G_col @ W_col.T]
        products += [lambda G_col=G_col, X=X: (G_col.T @ X).T]
    return products


def products_alone(n_steps=40, warm_up=5):
    """(number of products, median ms of all of them once) over ``n_steps`` after a warm-up."""
    products = step_products(np.random.default_rng(0))
    times = []
    for _ in range(warm_up + n_steps):
        start = time.perf_counter()
        for product in products:
            product()
        times.append(time.perf_counter() - start)
    return len(products), 1e3 * float(np.median(times[warm_up:]))
