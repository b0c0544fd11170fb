"""The workload's network written out by hand in NumPy: the floor under a framework.

``backprop`` is the forward and backward pass of ``workload``'s autoencoder, its gradients
derived in the docstring; two peers train with it. ``straight_numpy`` keeps one array per
weight and bias and updates each with fresh temporaries (``adam_step``); ``flat_numpy`` keeps
every parameter, gradient and Adam moment in one flat buffer each, updated in place
(``adam_step_flat``), as a framework tuned for speed would.
"""

import numpy as np
from measurement import result, time_epochs
from workload import (
    BATCH_SIZE,
    BETA1,
    BETA2,
    EPS,
    INIT_SEED,
    LAYER_SIZES,
    LR,
    SHUFFLE_SEED,
    assert_float32,
    check_workload,
)


def init_params(rng, layer_sizes=LAYER_SIZES):
    """He-normal weights for the ReLU layers, Glorot-uniform for the sigmoid output, zero biases.

    Returns lists ``Ws`` of (fan_in, fan_out) and ``bs`` of (fan_out,) float32 arrays.
    """
    Ws, bs = [], []
    n_layers = len(layer_sizes) - 1
    for i, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:], strict=True)):
        if i < n_layers - 1:  # ReLU: N(0, 2 / fan_in)
            W = rng.standard_normal((fan_in, fan_out), dtype=np.float32)
            W *= np.sqrt(2.0 / fan_in)
        else:  # sigmoid: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
            a = np.sqrt(6.0 / (fan_in + fan_out))
            W = rng.uniform(-a, a, size=(fan_in, fan_out)).astype(np.float32)
        Ws.append(W)
        bs.append(np.zeros(fan_out, dtype=np.float32))
    return Ws, bs


def forward(Ws, bs, x):
    """Every layer's output for a batch x of shape (batch, 784); the last is x_hat."""
    hs = [x]
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        hs.append(np.maximum(hs[-1] @ W + b, 0.0))
    z = hs[-1] @ Ws[-1] + bs[-1]
    hs.append(0.5 * (1.0 + np.tanh(0.5 * z)))  # sigmoid(z), in a form whose exp cannot overflow
    return hs


def backprop(Ws, bs, x, dWs, dbs):
    """Forward and backward pass on a batch x of shape (batch, 784); returns the loss.

    The gradients are written into ``dWs`` (shapes of ``Ws``) and ``dbs`` (shapes of ``bs``).
    With L = mean((y - x)^2) over all batch * 784 elements and y = sigmoid(z):
    dL/dy = 2 (y - x) / (batch * 784), dL/dz = dL/dy * y (1 - y). For each layer z = h @ W + b:
    dL/dW = h^T dL/dz, dL/db = sum over the batch of dL/dz, dL/dh = dL/dz W^T, and through a
    ReLU h = max(z, 0): dL/dz = dL/dh where h > 0, else 0.
    """
    hs = forward(Ws, bs, x)
    y = hs[-1]
    diff = y - x
    loss = float(np.mean(diff * diff))
    dz = diff * (2.0 / diff.size) * y * (1.0 - y)
    for i in reversed(range(len(Ws))):
        np.matmul(hs[i].T, dz, out=dWs[i])
        np.sum(dz, axis=0, out=dbs[i])
        if i > 0:  # the input x needs no gradient
            dz = dz @ Ws[i].T
            dz *= hs[i] > 0
    return loss


def adam_step(params, grads, ms, vs, t):
    """Adam (Kingma and Ba, 2015, Algorithm 1), one parameter array at a time, step t >= 1."""
    for i, (g, m, v) in enumerate(zip(grads, ms, vs, strict=True)):
        m = BETA1 * m + (1.0 - BETA1) * g  # biased first moment estimate
        v = BETA2 * v + (1.0 - BETA2) * g * g  # biased second raw moment estimate
        m_hat = m / (1.0 - BETA1**t)  # bias-corrected first moment
        v_hat = v / (1.0 - BETA2**t)  # bias-corrected second moment
        params[i] -= LR * m_hat / (np.sqrt(v_hat) + EPS)
        ms[i], vs[i] = m, v


def adam_step_flat(theta, g, m, v, scratch, t):
    """The same Adam step, in place over one flat parameter buffer ``theta`` and gradient ``g``.

    ``m``, ``v`` and ``scratch`` have theta's shape; nothing is allocated.
    """
    m *= BETA1  # m = beta1 m + (1 - beta1) g
    np.multiply(g, 1.0 - BETA1, out=scratch)
    m += scratch
    v *= BETA2  # v = beta2 v + (1 - beta2) g^2
    np.multiply(g, g, out=scratch)
    scratch *= 1.0 - BETA2
    v += scratch
    np.divide(v, 1.0 - BETA2**t, out=scratch)  # scratch = sqrt(v_hat) + eps
    np.sqrt(scratch, out=scratch)
    scratch += EPS
    np.divide(m, scratch, out=scratch)  # theta -= lr * m_hat / (sqrt(v_hat) + eps)
    scratch *= LR / (1.0 - BETA1**t)
    theta -= scratch


def time_straight_numpy(X, epochs=6):
    """Hand-written NumPy with one Adam update per parameter array: the floor for a framework."""
    X = check_workload(X, epochs)
    Ws, bs = init_params(np.random.default_rng(INIT_SEED))
    params = Ws + bs
    dWs, dbs = [np.empty_like(W) for W in Ws], [np.empty_like(b) for b in bs]
    ms, vs = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    step = 0

    def train_step(xb):
        nonlocal step
        step += 1
        backprop(Ws, bs, xb, dWs, dbs)
        adam_step(params, dWs + dbs, ms, vs, step)

    times, cpu_times, faults = time_epochs(X, epochs, train_step, BATCH_SIZE, SHUFFLE_SEED)
    x_hat = forward(Ws, bs, X)[-1]
    assert_float32(params + ms + vs + [x_hat], "straight_numpy")
    note = "12 arrays, per-array Adam with fresh temporaries; float32 checked"
    return result(
        "straight_numpy", times, note, float(np.mean((x_hat - X) ** 2)), cpu_times, faults
    )


def flat_views(flat, layer_sizes):
    """(fan_in, fan_out) weight views then (fan_out,) bias views into one flat buffer."""
    Ws, bs, offset = [], [], 0
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        Ws.append(flat[offset : offset + fan_in * fan_out].reshape(fan_in, fan_out))
        offset += fan_in * fan_out
    for fan_out in layer_sizes[1:]:
        bs.append(flat[offset : offset + fan_out])
        offset += fan_out
    return Ws, bs


def time_flat_numpy(X, epochs=6):
    """Hand-written NumPy with parameters and gradients in one flat buffer each, in-place Adam."""
    X = check_workload(X, epochs)
    init_Ws, init_bs = init_params(np.random.default_rng(INIT_SEED))
    n_params = sum(p.size for p in init_Ws + init_bs)
    theta = np.empty(n_params, dtype=np.float32)
    grad = np.zeros_like(theta)
    Ws, bs = flat_views(theta, LAYER_SIZES)
    dWs, dbs = flat_views(grad, LAYER_SIZES)
    for view, value in zip(Ws + bs, init_Ws + init_bs, strict=True):
        view[...] = value
    m, v, scratch = np.zeros_like(theta), np.zeros_like(theta), np.empty_like(theta)
    step = 0

    def train_step(xb):
        nonlocal step
        step += 1
        backprop(Ws, bs, xb, dWs, dbs)
        adam_step_flat(theta, grad, m, v, scratch, step)

    times, cpu_times, faults = time_epochs(X, epochs, train_step, BATCH_SIZE, SHUFFLE_SEED)
    x_hat = forward(Ws, bs, X)[-1]
    assert_float32([theta, grad, m, v, x_hat], "flat_numpy")
    note = f"flat buffers of {n_params:,} params, in-place Adam; float32 checked"
    return result("flat_numpy", times, note, float(np.mean((x_hat - X) ** 2)), cpu_times, faults)
