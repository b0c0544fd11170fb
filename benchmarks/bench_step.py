"""Where one aelearn training step spends its time, op by op, beside its matrix products alone.

The step is the speed benchmark's (``workload``): a 784-512-256-32-256-512-784 autoencoder,
ReLU, sigmoid output, squared error, Adam, batch 128, float32, exactly the body of ``fit``'s
loop, on the BLAS threads ``fit`` chooses for the model. Every op's ``forward`` and
``backward`` is wrapped in a timer for the run (the wrappers add a few microseconds per call);
the phases (``zero_grad``, forward with the loss, ``backward``, ``Adam.step``) are timed
around them; the rest of ``backward`` is the engine's walk (the graph's order, the adds of
gradients, a leaf's copy of its first gradient). The reference line times the step's 17
matrix products on arrays of the same shapes, with nothing else: the floor for any system
that computes this step with the same BLAS. ``--torch`` times the same products with PyTorch's
``torch.mm`` on as many threads, in alternating rounds: where they are faster than NumPy's,
no NumPy loop can match PyTorch's step, however lean.

Run: ``python benchmarks/bench_step.py [--steps 300] [--torch]`` (about ten seconds).
"""

import argparse
import collections
import os
import time

import measurement
import numpy as np
import workload

from aelearn.autograd.activations import ReLUOp, SigmoidOp
from aelearn.autograd.arithmetic import Affine
from aelearn.losses import MSELoss
from aelearn.models import Autoencoder
from aelearn.optim import Adam
from aelearn.threads import chosen_threads, threads_for

WARM_UP = 30


def step_breakdown(n_steps):
    """Mean ms per step of each phase and op over ``n_steps`` steps after a warm-up."""
    totals = collections.defaultdict(float)
    measurement.instrument(totals, (Affine, ReLUOp, SigmoidOp, MSELoss))
    model = Autoencoder(
        workload.LAYER_SIZES[:4],
        activation="relu",
        output_activation="sigmoid",
        loss="mse",
        init="he",
        rng=0,
    )
    optimizer = Adam(model.parameters(), lr=workload.LR)
    model.train()
    X = np.random.default_rng(0).random((32 * workload.BATCH_SIZE, 784), dtype=np.float32)
    with chosen_threads(model):
        for i in range(WARM_UP + n_steps):  # fit's loop: zero_grad, the loss, backward, step
            if i == WARM_UP:
                totals.clear()
            x = X[(i % 32) * workload.BATCH_SIZE : (i % 32 + 1) * workload.BATCH_SIZE]
            t0 = time.perf_counter()
            optimizer.zero_grad()
            t1 = time.perf_counter()
            loss = model.loss_terms(x, None, model.rng)["loss"]
            loss.item()
            t2 = time.perf_counter()
            loss.backward()
            t3 = time.perf_counter()
            optimizer.step()
            t4 = time.perf_counter()
            for phase, seconds in (
                ("STEP", t4 - t0),
                ("zero_grad", t1 - t0),
                ("forward and loss", t2 - t1),
                ("backward", t3 - t2),
                ("Adam step", t4 - t3),
            ):
                totals[phase] += seconds
    return {name: 1e3 * seconds / n_steps for name, seconds in totals.items()}


def matmuls_alone(n_steps, as_array=np.asarray):
    """Median ms of the step's 17 matrix products: 6 forward, 6 dW, 5 dx (x needs none).

    ``as_array`` turns the NumPy operands into another library's (``torch.from_numpy``)."""
    rng = np.random.default_rng(0)
    sizes = workload.LAYER_SIZES
    Ws = [
        as_array(rng.standard_normal(shape, dtype=np.float32))
        for shape in zip(sizes[:-1], sizes[1:], strict=True)
    ]
    hs = [as_array(rng.random((workload.BATCH_SIZE, n), dtype=np.float32)) for n in sizes]
    times = []
    for _ in range(WARM_UP + n_steps):
        start = time.perf_counter()
        for i, W in enumerate(Ws):
            hs[i] @ W
            hs[i].T @ hs[i + 1]
            if i:
                hs[i + 1] @ W.T
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times[WARM_UP:]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument(
        "--torch", action="store_true", help="the products in PyTorch too, in alternating rounds"
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of --torch")
    args = parser.parse_args(argv)
    print(measurement.machine_description())
    print(measurement.blas_description())
    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    breakdown = step_breakdown(args.steps)
    print(f"mean ms per step over {args.steps} steps (batch {workload.BATCH_SIZE}, float32):")
    for name, ms in sorted(breakdown.items(), key=lambda item: -item[1]):
        print(f"  {name:<26} {ms:7.3f}")
    print(f"the same 17 matrix products alone (median): {matmuls_alone(args.steps):.3f} ms")
    if args.torch:
        compare_torch(args.steps, args.rounds)
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def compare_torch(n_steps, rounds):
    """The 17 products in NumPy and in PyTorch, alternating, on the threads fit chooses."""
    import torch

    model = Autoencoder(workload.LAYER_SIZES[:4], activation="relu", rng=0)
    n_threads = threads_for(model)
    with chosen_threads(model):
        torch.set_num_threads(n_threads)
        ratios = []
        for _ in range(rounds):
            numpy_ms = matmuls_alone(n_steps)
            torch_ms = matmuls_alone(n_steps, torch.from_numpy)
            ratios.append(torch_ms / numpy_ms)
            print(f"  products: NumPy {numpy_ms:.3f} ms, PyTorch {torch_ms:.3f} ms")
    print(
        f"PyTorch's products take {np.median(ratios):.2f} of NumPy's time (median of {rounds} "
        f"rounds, {n_threads} threads, torch {torch.__version__})"
    )


if __name__ == "__main__":
    main()
