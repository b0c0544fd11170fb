"""aelearn's training step against variants of it: what each design choice is worth.

The step is the speed benchmark's (``speed_peers``): a 784-512-256-32-256-512-784 autoencoder,
ReLU, sigmoid output, squared error, Adam, batch 128, float32, the body of ``fit``'s loop.
Each variant patches one piece of aelearn for the duration of its steps: either the code as
it was before a change (to measure the change) or an alternative that was tried and not
taken. One model trains throughout, alternating pairs of steps between aelearn as it is
and the variant, so that both see the same machine at the same moments; the machine's
speed drifts by tens of per cent from minute to minute, and timing them one after the other
would measure the drift. The table gives the median step of each and the difference.

Run: ``python benchmarks/bench_variants.py [--steps 800] [--variants name,...]`` (about ten
seconds a variant).
"""

import argparse
import importlib
import math
import time

import numpy as np
import speed_peers as peers

from aelearn import optim
from aelearn.models import Autoencoder
from aelearn.reporting import format_table

activations = importlib.import_module("aelearn.autograd.activations")
engine = importlib.import_module("aelearn.autograd.tensor")
WARM_UP = 50


# ----- the code before this round's changes ----------------------------------------------
def zero_then_add(self):
    """The old zero_grad: zeros over the whole gradient buffer, every p.grad its view, so
    that backward adds each fresh gradient into it instead of writing it there."""
    self.flat.grad.fill(0)
    for p in self.params:
        p.grad = p.grad_buffer


def offer_no_buffers(inputs, grads):
    """Ops allocate their gradients; the engine copies them into the parameters' slots."""
    return (None,) * len(inputs)


def where_sigmoid(x):
    """The old select of the sigmoid's numerator."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def full_length_scratch(self, chunks, scratch):
    """Adam's old scratch: as long as the whole buffer, each chunk using its own stretch."""
    if getattr(self, "full_scratch", None) is None:
        self.full_scratch = np.empty_like(self.flat.data)
    for chunk in chunks:
        self._update(chunk, self.full_scratch[chunk])


# ----- alternatives tried and not taken --------------------------------------------------
def tanh_sigmoid(x):
    """sigmoid(x) = (1 + tanh(x / 2)) / 2: cannot overflow, but rounds to 0 below x = -17
    in float32."""
    out = np.multiply(x, 0.5)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def scaled_moments(self, run, tmp):
    """Adam keeping u = m / (1 - beta1) and w = v / (1 - beta2): u <- beta1 u + g and
    w <- beta2 w + g^2 lose a multiplication each, the constants fold into the step size.
    (The stored moments then mean something else; a timing variant only.)"""
    g, theta, u, w = self.flat.grad[run], self.flat.data[run], self.m[run], self.v[run]
    b1, b2, t = self.beta1, self.beta2, self.t
    correction1, correction2 = 1.0 - b1**t, 1.0 - b2**t
    scale = math.sqrt(correction2 / (1.0 - b2))
    step_size = self.lr * (1.0 - b1) / correction1 * scale
    u *= b1
    u += g
    np.multiply(g, g, out=tmp)
    w *= b2
    w += tmp
    np.sqrt(w, out=tmp)
    tmp += self.eps * scale
    np.divide(u, tmp, out=tmp)
    tmp *= step_size
    theta -= tmp


N_PARAMS = peers.n_weights() + sum(peers.LAYER_SIZES[1:])
# name -> (what it is, [(object, attribute, value while the variant runs)])
VARIANTS = {
    "zero then add": (
        "before: zero_grad fills zeros, backward adds each gradient",
        [(optim.Optimizer, "zero_grad", zero_then_add)],
    ),
    "copy into slot": (
        "ops allocate gradients, the engine copies them into the slots",
        [(engine, "_grad_buffers", offer_no_buffers)],
    ),
    "np.where sigmoid": (
        "before: the sigmoid's numerator by np.where",
        [(activations, "stable_sigmoid", where_sigmoid)],
    ),
    "full-length scratch": (
        "before: Adam's scratch array as long as the buffer",
        [(optim.Optimizer, "_update_chunks", full_length_scratch)],
    ),
    "tanh sigmoid": (
        "not taken: (1 + tanh(x / 2)) / 2",
        [(activations, "stable_sigmoid", tanh_sigmoid)],
    ),
    "Adam on 2 threads": ("not taken: N_THREADS = 2", [(optim, "N_THREADS", 2)]),
    "Adam on 2 threads in halves": (
        "not taken: N_THREADS = 2, one chunk per thread",
        [(optim, "N_THREADS", 2), (optim, "CHUNK_SIZE", -(-N_PARAMS // 2))],
    ),
    "scaled moments": (
        "not taken: 10 passes instead of 12",
        [(optim.Adam, "_update", scaled_moments)],
    ),
    "chunks of 32K": ("not taken: CHUNK_SIZE = 32768", [(optim, "CHUNK_SIZE", 1 << 15)]),
    "chunks of 128K": ("not taken: CHUNK_SIZE = 131072", [(optim, "CHUNK_SIZE", 1 << 17)]),
    "one chunk": ("not taken: the whole buffer per pass", [(optim, "CHUNK_SIZE", 1 << 22)]),
}


def compare(variant, n_steps):
    """Median seconds of a step of aelearn and of the variant, alternating pairs of steps."""
    patches = VARIANTS[variant][1]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    model = Autoencoder(
        peers.LAYER_SIZES[:4], activation="relu", output="sigmoid", loss="mse", init="he", rng=0
    )
    optimizer = optim.Adam(model.parameters(), lr=peers.LR)
    model.train()
    X = np.random.default_rng(0).random((32 * peers.BATCH_SIZE, 784), dtype=np.float32)
    times = ([], [])
    try:
        for i in range(2 * (WARM_UP + n_steps)):
            patched = (i // 2) % 2
            for (owner, name, value), (_, _, original) in zip(patches, originals, strict=True):
                setattr(owner, name, value if patched else original)
            x = X[(i % 32) * peers.BATCH_SIZE : (i % 32 + 1) * peers.BATCH_SIZE]
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
