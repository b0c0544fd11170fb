"""aelearn's training step against variants of it: what each design choice is worth.

The step is the speed benchmark's (``workload``): a 784-512-256-32-256-512-784 autoencoder,
ReLU, sigmoid output, squared error, Adam, batch 128, float32, the body of ``fit``'s loop.
Each variant patches one piece of aelearn for the duration of its steps: either the plain
form of a speed trick aelearn keeps (to measure what the trick buys) or an alternative
that was tried and not taken. One model trains throughout, alternating pairs of steps
between aelearn as it is and the variant, so that both see the same machine at the same
moments; the machine's speed drifts by tens of per cent from minute to minute, and timing
them one after the other would measure the drift. The table gives the median step of each
and the difference.

Run: ``python benchmarks/bench_variants.py [--steps 800] [--variants name,...]`` (about ten
seconds a variant).
"""

import argparse
import math
import time

import numpy as np
import workload

from aelearn import optim
from aelearn.autograd import activations, graph
from aelearn.models import Autoencoder
from aelearn.nn import Dense
from aelearn.reporting import format_table

WARM_UP = 50


# ----- the plain forms of the tricks aelearn keeps ----------------------------------------
def copy_leaf_grad(total, grad, alone, dtype):
    """Every leaf's first gradient copied, instead of kept when the leaf may own it."""
    if total is not None:
        np.add(total, grad, out=total)
        return total
    return np.array(grad, dtype=dtype, copy=True)


def where_sigmoid(x):
    """The sigmoid's numerator picked by np.where, as a textbook writes it."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def unfused_dense(self, x):
    """A dense layer as two ops, x @ W then + b, instead of one Affine op."""
    return x @ self.W + self.b


# ----- alternatives tried and not taken --------------------------------------------------
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
    "np.where sigmoid": (
        "plain: the sigmoid's numerator by np.where",
        [(activations, "stable_sigmoid", where_sigmoid)],
    ),
    "unfused dense": ("plain: x @ W + b as two ops", [(Dense, "forward", unfused_dense)]),
    "copy every leaf gradient": (
        "plain: a leaf copies its first gradient",
        [(graph, "_accumulated", copy_leaf_grad)],
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


def compare(variant, n_steps):
    """Median seconds of a step of aelearn and of the variant, alternating pairs of steps."""
    patches = VARIANTS[variant][1]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    model = Autoencoder(
        workload.LAYER_SIZES[:4], activation="relu", output="sigmoid", loss="mse", init="he", rng=0
    )
    optimizer = optim.Adam(model.parameters(), lr=workload.LR)
    model.train()
    X = np.random.default_rng(0).random((32 * workload.BATCH_SIZE, 784), dtype=np.float32)
    times = ([], [])
    try:
        for i in range(2 * (WARM_UP + n_steps)):
            patched = (i // 2) % 2
            for (owner, name, value), (_, _, original) in zip(patches, originals, strict=True):
                setattr(owner, name, value if patched else original)
            x = X[(i % 32) * workload.BATCH_SIZE : (i % 32 + 1) * workload.BATCH_SIZE]
            start = time.perf_counter()
            loss = model.loss_terms(x, None, model.rng)["loss"]
            loss.item()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            times[patched].append(time.perf_counter() - start)
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
    return [float(np.median(t[WARM_UP:])) for t in times]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=800, help="steps of each, after warm-up")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args(argv)
    rows = []
    for variant in args.variants.split(","):
        ours, theirs = compare(variant, args.steps)
        rows.append(
            {
                "variant": variant,
                "what": VARIANTS[variant][0],
                "aelearn ms": f"{1e3 * ours:.2f}",
                "variant ms": f"{1e3 * theirs:.2f}",
                "variant - aelearn ms": f"{1e3 * (theirs - ours):+.2f}",
            }
        )
    print(f"median ms per training step, {args.steps} steps each, alternating pairs of steps:")
    print(format_table(rows))


if __name__ == "__main__":
    main()
