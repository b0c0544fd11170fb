"""How aelearn's training step scales with batch size and width, beside hand-written NumPy.

Network: 784-w-w/2-32-w/2-w-784, ReLU, sigmoid output, squared error, Adam, float32, on
uniform noise (the timing of dense layers does not depend on the values). Two sweeps:
batch 32..1024 at width 512, and width 128..2048 at batch 128.

For each configuration the table gives the median time of one aelearn training step,
exactly the body of ``fit``'s loop (``model.loss_terms``, ``zero_grad``, ``backward``,
``Adam.step``), the time of the same step in flat hand-written NumPy (``numpy_network``), the
difference (aelearn's per-step overhead: the graph, the ops' Python, gradient accumulation),
the achieved GFLOP/s (6 FLOPs per weight per example) as a share of the float32 matmul peak,
the arrays training keeps (parameters, gradients, Adam's m and v: 4 x 4 bytes per
parameter) and the peak of the arrays one step allocates
(tracemalloc, in a separate, untimed step).

Run: ``python benchmarks/bench_scale.py`` (about a minute; on a busy machine
``OPENBLAS_NUM_THREADS=1`` keeps the BLAS from waiting on its own threads).
"""

import argparse
import time
import tracemalloc

import measurement
import numpy as np
import numpy_network
import workload

from aelearn.models import Autoencoder
from aelearn.optim import Adam
from aelearn.reporting import format_table

BATCHES = (32, 64, 128, 256, 512, 1024)
WIDTHS = (128, 256, 512, 1024, 2048)


def layer_sizes(width):
    """784-w-w/2-32-w/2-w-784 as a tuple."""
    half = (784, width, width // 2, 32)
    return half + half[-2::-1]


def aelearn_step(width, rng_seed=0):
    """A function running one aelearn training step on a batch x, and its optimiser."""
    sizes = layer_sizes(width)[:4]
    model = Autoencoder(
        sizes,
        activation="relu",
        output_activation="sigmoid",
        loss="mse",
        init="he",
        rng=rng_seed,
    )
    optimizer = Adam(model.parameters(), lr=workload.LR)
    model.train()

    def step(x):
        loss = model.loss_terms(x, None, model.rng)["loss"]
        loss.item()  # fit reads the value to check it is finite
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step, optimizer


def state_mb(optimizer):
    """MB of the arrays training keeps: parameters, gradients, Adam's m and v (its scratch
    array, of the largest parameter's size, left out)."""
    arrays = [p.data for p in optimizer.params]
    arrays += [p.grad for p in optimizer.params if p.grad is not None]
    arrays += [a for state in optimizer.state for a in state.values()]
    return sum(a.nbytes for a in arrays) / 2**20


def numpy_step(width, rng_seed=0):
    """One step of the flat hand-written NumPy network of ``numpy_network``, same sizes."""
    sizes = layer_sizes(width)
    init_Ws, init_bs = numpy_network.init_params(np.random.default_rng(rng_seed), sizes)
    theta = np.concatenate([p.ravel() for p in init_Ws + init_bs])
    grad = np.zeros_like(theta)
    Ws, bs = numpy_network.flat_views(theta, sizes)
    dWs, dbs = numpy_network.flat_views(grad, sizes)
    m, v, scratch = np.zeros_like(theta), np.zeros_like(theta), np.empty_like(theta)
    t = 0

    def step(x):
        nonlocal t
        t += 1
        numpy_network.backprop(Ws, bs, x, dWs, dbs)
        numpy_network.adam_step_flat(theta, grad, m, v, scratch, t)

    return step


def median_step_seconds(steps, batch, budget=1.0, min_steps=5, max_steps=200):
    """Median seconds of each ``step(x)`` in ``steps``, over fresh batches, after two warm-ups.

    The steps take turns, batch by batch, so that a change in the machine's load (other
    jobs on a shared machine) falls on all of them alike.
    """
    rng = np.random.default_rng(1)
    X = rng.random((8 * batch, 784), dtype=np.float32)
    for step in steps:
        for i in range(2):
            step(X[i * batch : (i + 1) * batch])
    times, spent = [[] for _ in steps], 0.0
    while len(times[0]) < min_steps or (spent < budget and len(times[0]) < max_steps):
        i = len(times[0]) % 8
        for step, own in zip(steps, times, strict=True):
            start = time.perf_counter()
            step(X[i * batch : (i + 1) * batch])
            own.append(time.perf_counter() - start)
            spent += own[-1]
    return [float(np.median(own)) for own in times]


def step_allocation_mb(step, batch):
    """Peak MB of the arrays allocated during one step (NumPy reports to tracemalloc)."""
    x = np.random.default_rng(2).random((batch, 784), dtype=np.float32)
    tracemalloc.start()
    step(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def measure(batch, width, peak_gflops, budget):
    step, optimizer = aelearn_step(width)
    n_params = sum(p.size for p in optimizer.params)
    ours, reference = median_step_seconds([step, numpy_step(width)], batch, 2 * budget)
    gflops = 6.0 * workload.n_weights(layer_sizes(width)) * batch / ours / 1e9
    return {
        "batch": batch,
        "width": width,
        "params": n_params,
        "aelearn ms": 1e3 * ours,
        "numpy ms": 1e3 * reference,
        "overhead ms": 1e3 * (ours - reference),
        "x numpy": ours / reference,
        "GFLOP/s": gflops,
        "% peak": 100.0 * gflops / peak_gflops,
        "state MB": state_mb(optimizer),
        "step alloc MB": step_allocation_mb(step, batch),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per system and row")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sweeps = (
        ("batch size, width 512", [(b, 512) for b in BATCHES]),
        ("width, batch 128", [(128, w) for w in WIDTHS]),
    )
    # The peak is measured before and after the sweeps and the higher kept: one reading on a
    # machine other jobs share can be low, which would inflate every "% peak".
    peak_before = measurement.matmul_peak_gflops()
    tables = []
    for title, configs in sweeps:
        tables.append((title, [measure(b, w, peak_before, args.budget) for b, w in configs]))
    peak_after = measurement.matmul_peak_gflops()
    peak = max(peak_before, peak_after)
    print(
        f"float32 matmul peak (2048^3): {peak:.1f} GFLOP/s (before {peak_before:.1f}, after "
        f"{peak_after:.1f}); median step times"
    )
    for title, rows in tables:
        for row in rows:
            row["% peak"] = 100.0 * row["GFLOP/s"] / peak
        print(f"\n{title}:")
        print(format_table(rows, floatfmt=".2f"))
    print(f"\n({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
