"""aelearn's training step against variants of it: what each design choice costs or buys.

The step is the speed benchmark's (``workload``): a 784-512-256-32-256-512-784 autoencoder,
ReLU, sigmoid output, squared error, Adam, batch 128, float32, the body of ``fit``'s loop
(``zero_grad``, the loss, ``backward``, ``step``) on the BLAS threads ``fit`` chooses. Each
variant patches one piece of aelearn for the duration of its steps, by monkeypatching inside
this script (aelearn itself is never changed). Two kinds:

- a speed trick aelearn had and removed on purpose (issue 26: the plain version stays unless
  a trick buys a tenth of an epoch), re-created here, so that the table says what removing
  it cost: the engine letting a leaf keep the gradient array its op returned when no other
  tensor holds it (a ledger of holders in ``graph.backward``; now a leaf's first gradient is
  always copied), and the sigmoid's numerator by ``np.maximum`` (now ``np.where``, as the
  textbook writes it; the same bits);
- an alternative that was tried and not taken (to show why).

One model trains throughout, alternating pairs of steps between aelearn as it is and the
variant, so that both see the same machine at the same moments; the machine's speed drifts by
tens of per cent from minute to minute, and timing them one after the other would measure
the drift. The table gives the median step of each, the difference, and what it is as a share
of aelearn's step; and, for each variant, the largest difference between the gradients it
computes and aelearn's on one batch from the same weights (0: the same bits).

Run: ``python benchmarks/bench_variants.py [--steps 800] [--variants name,...]`` (about ten
seconds a variant on a quiet machine; a smoke run: ``--steps 5 --warm-up 2``).
"""

import argparse
import math
import time
from collections import Counter

import numpy as np
import workload

from aelearn import optim
from aelearn.autograd import activations, graph
from aelearn.models import Autoencoder
from aelearn.nn import Dense
from aelearn.reporting import format_table
from aelearn.threads import chosen_threads

WARM_UP = 50


# ----- tricks aelearn removed, re-created ---------------------------------------------------
def backward_keeping_owned(root, grad=None, retain_graph=False):
    """``graph.backward`` as it was before issue 26: a leaf keeps its first gradient without
    a copy when it may own it (an array of its own, fresh from its op, that no other tensor
    holds), which a ledger of how many tensors hold each gradient array decides.

    The same walk as ``aelearn.autograd.graph.backward`` otherwise (its error checks left
    out: a timing variant only).
    """
    grads = {id(root): graph._initial_grad(root, grad)}
    # How many tensors hold (or will hold) each gradient array, the caller counting as one.
    holders = Counter({id(grads[id(root)]): 1 if grad is None else 2})
    for node in graph.reverse_topological_order(root):
        node_grad = grads.pop(id(node), None)
        if node_grad is None:
            continue
        if node.op is None:
            if node.grad is not None:
                node.grad += node_grad
                continue
            owned = (
                holders[id(node_grad)] == 1
                and node_grad.base is None
                and node_grad.flags.writeable
                and node_grad.dtype == node.dtype
            )
            node.grad = node_grad if owned else np.array(node_grad, dtype=node.dtype)
            continue
        node.grad = node_grad
        op = node.op
        input_grads = op.backward(node_grad)
        if not retain_graph:
            op.free()
        for tensor, tensor_grad in zip(op.inputs, input_grads, strict=True):
            if tensor_grad is None or not tensor.requires_grad:
                continue
            tensor_grad = graph.unbroadcast(tensor_grad, tensor.shape)
            key = id(tensor)
            if key in grads:
                holders[id(grads[key])] -= 1
                tensor_grad = grads[key] + tensor_grad
            grads[key] = tensor_grad
            holders[id(tensor_grad)] += 1


def maximum_sigmoid(x):
    """The sigmoid with its numerator, 1 or e, as max(e, [x >= 0]): as e <= 1, the maximum
    with 1 is 1 and with 0 is e; the same bits as np.where(x >= 0, 1, e)."""
    e = np.exp(-np.abs(x))
    return np.maximum(e, x >= 0) / (1.0 + e)


# ----- alternatives tried and not taken --------------------------------------------------
def unfused_dense(self, x):
    """A dense layer as two ops, x @ W then + b, instead of one Affine op."""
    return x @ self.weight + self.bias


def chunked_step(chunk_size):
    """Adam's rule applied to each parameter in chunks of ``chunk_size`` elements, so that
    its dozen passes find a chunk still in cache."""

    def step_parameter(self, p, state):
        theta, g = p.data.reshape(-1), p.grad.reshape(-1)
        scratch = np.empty(min(theta.size, chunk_size), dtype=p.dtype)
        for start in range(0, theta.size, chunk_size):
            chunk = slice(start, start + chunk_size)
            moments = {name: array[chunk] for name, array in state.items()}
            self._update(theta[chunk], g[chunk], scratch[: theta[chunk].size], **moments)

    return step_parameter


def tanh_sigmoid(x):
    """sigmoid(x) = (1 + tanh(x / 2)) / 2: cannot overflow, but rounds to 0 below x = -17
    in float32."""
    out = np.multiply(x, 0.5)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def scaled_moments(self, theta, g, tmp, m, v):
    """Adam keeping u = m / (1 - beta1) and w = v / (1 - beta2): u <- beta1 u + g and
    w <- beta2 w + g^2 lose a multiplication each, the constants fold into the step size.
    (The stored moments then mean something else; a timing variant only.)"""
    b1, b2, t = self.beta1, self.beta2, self.t
    correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t
    scale = math.sqrt(correction2 / (1.0 - b2))
    step_size = self.lr * (1.0 - b1) / correction1 * scale
    m *= b1
    m += g
    np.multiply(g, g, out=tmp)
    v *= b2
    v += tmp
    np.sqrt(v, out=tmp)
    tmp += self.eps * scale
    np.divide(m, tmp, out=tmp)
    tmp *= step_size
    theta -= tmp


# name -> (what it is, [(object, attribute, value while the variant runs)])
VARIANTS = {
    "owned first gradient": (
        "removed: a leaf keeps its op's gradient array (holders ledger)",
        [(graph, "backward", backward_keeping_owned)],
    ),
    "np.maximum sigmoid": (
        "removed: the sigmoid's numerator by np.maximum",
        [(activations, "stable_sigmoid", maximum_sigmoid)],
    ),
    "unfused dense": (
        "not taken: x @ W + b as two ops (aelearn: one Affine op)",
        [(Dense, "forward", unfused_dense)],
    ),
    "Adam in 64K chunks": (
        "not taken: each parameter in chunks of 65536",
        [(optim.Optimizer, "_step_parameter", chunked_step(1 << 16))],
    ),
    "tanh sigmoid": (
        "not taken: (1 + tanh(x / 2)) / 2",
        [(activations, "stable_sigmoid", tanh_sigmoid)],
    ),
    "scaled moments": (
        "not taken: 10 passes instead of 12",
        [(optim.Adam, "_update", scaled_moments)],
    ),
}


def build():
    """The workload's model, in training mode, its optimiser, and 32 batches of data."""
    model = Autoencoder(
        workload.LAYER_SIZES[:4],
        activation="relu",
        output_activation="sigmoid",
        loss="mse",
        init="he",
        rng=0,
    )
    optimizer = optim.Adam(model.parameters(), lr=workload.LR)
    model.train()
    X = np.random.default_rng(0).random((32 * workload.BATCH_SIZE, 784), dtype=np.float32)
    return model, optimizer, X


def patched(patches, on):
    """Set each patched attribute to the variant's value (``on``) or back to aelearn's."""
    for owner, name, value, original in patches:
        setattr(owner, name, value if on else original)


def gradient_difference(variant):
    """The largest absolute difference between the parameters' gradients of aelearn and of
    ``variant`` on one batch, from the same weights."""
    patches = [(o, n, v, getattr(o, n)) for o, n, v in VARIANTS[variant][1]]
    model, _, X = build()
    x = X[: workload.BATCH_SIZE]
    grads = []
    try:
        for on in (False, True):
            patched(patches, on)
            model.zero_grad()
            model.loss_terms(x, None, model.rng)["loss"].backward()
            grads.append([p.grad.copy() for p in model.parameters()])
    finally:
        patched(patches, False)
    return max(float(np.max(np.abs(a - b))) for a, b in zip(*grads, strict=True))


def compare(variant, n_steps, warm_up=WARM_UP):
    """Median seconds of a step of aelearn and of the variant, alternating pairs of steps."""
    patches = [(o, n, v, getattr(o, n)) for o, n, v in VARIANTS[variant][1]]
    model, optimizer, X = build()
    times = ([], [])
    try:
        with chosen_threads(model):  # the BLAS threads fit would use
            for i in range(2 * (warm_up + n_steps)):
                on = (i // 2) % 2
                patched(patches, on)
                x = X[(i % 32) * workload.BATCH_SIZE : (i % 32 + 1) * workload.BATCH_SIZE]
                start = time.perf_counter()
                optimizer.zero_grad()
                loss = model.loss_terms(x, None, model.rng)["loss"]
                loss.item()
                loss.backward()
                optimizer.step()
                times[on].append(time.perf_counter() - start)
    finally:
        patched(patches, False)
    return [float(np.median(t[warm_up:])) for t in times]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=800, help="steps of each, after warm-up")
    parser.add_argument("--warm-up", type=int, default=WARM_UP, help="untimed steps of each")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args(argv)
    rows = []
    for variant in args.variants.split(","):
        ours, theirs = compare(variant, args.steps, args.warm_up)
        rows.append(
            {
                "variant": variant,
                "what": VARIANTS[variant][0],
                "aelearn ms": f"{1e3 * ours:.2f}",
                "variant ms": f"{1e3 * theirs:.2f}",
                "variant - aelearn ms": f"{1e3 * (theirs - ours):+.2f}",
                "of aelearn's step": f"{(theirs - ours) / ours:+.1%}",
                "max grad diff": f"{gradient_difference(variant):.1e}",
            }
        )
    print(
        f"median ms per training step, {args.steps} steps each, alternating pairs of steps "
        "(a removed trick's negative difference is what removing it cost):"
    )
    print(format_table(rows))


if __name__ == "__main__":
    main()
