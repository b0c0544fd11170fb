"""aelearn's convolutional DAE beside PyTorch's: an epoch on the fast and the reference ops.

The workload is ``conv_workload``'s: the course's convolutional denoising autoencoder (issue
17), 178,001 parameters, batch 128, float32, one epoch over 4,000 MNIST images. Three
systems, each trained in a fresh process, ``--rounds`` times in rotating order:

- ``aelearn``: what a user's ``model.fit`` runs, ``Autoencoder.convolutional(loss="mse")``
  trained by ``fit``: the fast kernels (``aelearn.fast``, the default) and the BLAS threads
  ``aelearn.threads`` chooses for this network (two);
- ``aelearn_reference``: the same network and the same ``fit`` inside
  ``aelearn.use_fast_kernels(False)``: the reference ops a student reads
  (``aelearn.autograd.convolution`` and ``transposed_convolution``);
- ``torch_cpu``: PyTorch (CPU) with the same layers and initial weights (copied from
  aelearn's), ``mse_loss`` and ``torch.optim.Adam``, on as many threads as aelearn's.

aelearn's loss sums over the 784 pixels and averages over the batch, PyTorch's averages over
every element: a constant factor that Adam divides out. ``--threads N`` runs every system on
N threads (aelearn inside ``aelearn.blas_threads(N)``) instead of aelearn's choice.

Every process runs with the malloc a user's process has. ``--keep-freed-memory`` gives every
system's process, aelearn's and PyTorch's alike, glibc's ``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_`` in its environment (``measurement.KEEP_FREED_MEMORY``), so that
freed memory is kept for reuse rather than faulted in afresh (the ``faults`` column).

The table gives the median over rounds of each process's median epoch (epochs 2..``--epochs``),
each system's ratio to aelearn's, the peak resident memory of each process (VmHWM, the same
reading for all) beside that of a process that only imported the same modules, the achieved
GFLOP/s against the float32 matmul peak (``conv_workload.epoch_flops``), and the median minor
page faults per epoch. Under it: every round, the reference ops' epoch over the fast kernels'
per round, and the goal of issue 17 per round, aelearn / torch_cpu (at most 1). Last, one
more aelearn process times every op's forward and backward over 40 steps of ``fit``'s loop
(``--breakdown-steps``), apart from the timed epochs, beside the step's matrix products
alone (``conv_products.py``): the floor under that step.

The output begins with the machine, the BLAS kernel in use (threadpoolctl's ``architecture``,
e.g. Haswell) and the 1-minute load average before and after. On two cores another job
changes every figure, so the script refuses to start when the load is above 0.5, unless
``--allow-load``, and then says so loudly in its output.

Run: ``python benchmarks/bench_conv_speed.py [--rounds 3] [--epochs 4] [--threads N]
[--keep-freed-memory] [--allow-load]`` (several minutes: the reference ops are slow).
A smoke run: ``--rounds 1 --epochs 2 --images 256 --breakdown-steps 2 --allow-load``.
"""

import argparse
import collections
import contextlib
import json
import os
import tempfile
import time

import measurement
import numpy as np
from conv_products import products_alone
from conv_workload import (
    BATCH_SIZE,
    LR,
    N_TRAIN,
    SEED,
    aelearn_mse,
    build_aelearn,
    epoch_flops,
    eval_batches,
    fit_aelearn,
    load_images,
)

SYSTEMS = ("aelearn", "aelearn_reference", "torch_cpu")
AELEARN = ("numpy", "aelearn.models", "aelearn.optim", "aelearn.training")
IMPORTS = {"aelearn": AELEARN, "aelearn_reference": AELEARN, "torch_cpu": ("numpy", "torch")}


def time_aelearn(X, epochs, threads=None, fast=True):
    """Train ``build_aelearn()`` on X with ``fit``; its epoch times and counters.

    ``threads`` None: the BLAS threads ``aelearn.threads`` chooses, as in a user's fit; an
    int: ``aelearn.blas_threads(threads)``. ``fast`` False: ``use_fast_kernels(False)``.
    """
    import aelearn
    from aelearn.threads import threads_for

    model = build_aelearn()
    counters = measurement.epoch_counters()
    chosen = contextlib.nullcontext() if threads is None else aelearn.blas_threads(threads)
    with aelearn.use_fast_kernels(fast), chosen:
        n_threads = threads_for(model)
        fit_aelearn(model, X, epochs, [counters])
        mse = aelearn_mse(model, X)
    times = [float(t) for t in model.history_["time"]]
    dtypes = sorted({str(p.dtype) for p in model.parameters()})
    ops = "fast kernels" if fast else "reference ops"
    how = "aelearn.threads' choice" if threads is None else "blas_threads"
    note = (
        f"fit, {ops}, {n_threads} BLAS threads ({how}), {model.n_parameters():,} params, {dtypes}"
    )
    name = "aelearn" if fast else "aelearn_reference"
    out = measurement.result(name, times, note, mse, counters.cpu, counters.faults)
    out["first_loss"] = float(model.history_["loss"][0])
    return out


def time_torch_cpu(X, epochs, threads, start):
    """PyTorch on the same network from aelearn's initial weights (``start``, a .npz of the
    arrays in aelearn's parameter order), on ``threads`` threads."""
    import torch

    torch.set_num_threads(threads)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
        nn.Flatten(), nn.Linear(3136, 16), nn.Linear(16, 3136), nn.ReLU(),
        nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 64, 3, 2, 1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, 1, 1), nn.Sigmoid(),
    )  # fmt: skip
    with np.load(start) as saved:
        arrays = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    with torch.no_grad():  # a Dense's weight (in, out) is a Linear's weight.T
        for theirs, ours in zip(model.parameters(), arrays, strict=True):
            theirs.copy_(torch.from_numpy(np.ascontiguousarray(ours.T if ours.ndim == 2 else ours)))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)

    def step(xb):
        xb = torch.from_numpy(xb)
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(xb), xb)
        loss.backward()
        optimizer.step()

    times, cpu, faults = measurement.time_epochs(X, epochs, step, BATCH_SIZE, SEED)
    with torch.no_grad():
        batches = eval_batches(X)
        out = np.concatenate([model(torch.from_numpy(xb)).numpy() for xb in batches])
    note = f"torch {torch.__version__}, {threads} threads, float32"
    mse = float(np.mean((out - np.concatenate(batches)) ** 2))
    return measurement.result("torch_cpu", times, note, mse, cpu, faults)


def op_breakdown(X, threads=None, n_steps=40, warm_up=5):
    """Mean ms per step of each op's forward and backward, and of the loop's phases, over
    ``n_steps`` steps of ``fit``'s loop on the fast kernels; and the products alone."""
    import aelearn
    from aelearn.autograd.activations import ReLUOp, SigmoidOp
    from aelearn.autograd.arithmetic import Affine
    from aelearn.autograd.kernels import FastConv2dOp, FastConvTranspose2dOp
    from aelearn.autograd.shapes import Reshape
    from aelearn.losses import MSELoss
    from aelearn.optim import Adam
    from aelearn.threads import chosen_threads

    totals = collections.defaultdict(float)
    op_classes = (FastConv2dOp, FastConvTranspose2dOp, Affine, ReLUOp, SigmoidOp, Reshape, MSELoss)
    measurement.instrument(totals, op_classes)
    model = build_aelearn()
    optimizer = Adam(model.parameters(), lr=LR)
    rows = X.reshape(len(X), -1)  # what fit hands loss_terms: the images as rows
    n_batches = max(1, len(rows) // BATCH_SIZE)
    rng = np.random.default_rng(SEED)
    model.train()
    chosen = chosen_threads(model) if threads is None else aelearn.blas_threads(threads)
    with chosen:
        for i in range(warm_up + n_steps):  # fit's loop: zero_grad, the loss, backward, step
            if i == warm_up:
                totals.clear()
            b = i % n_batches
            xb = rows[b * BATCH_SIZE : (b + 1) * BATCH_SIZE]
            t0 = time.perf_counter()
            optimizer.zero_grad()
            t1 = time.perf_counter()
            loss = model.loss_terms(xb, None, rng)["loss"]
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
        products = products_alone()
    return {name: 1e3 * seconds / n_steps for name, seconds in totals.items()}, products


def _child(args, keep_freed_memory, timeout=3600):
    env = dict(os.environ, **(measurement.KEEP_FREED_MEMORY if keep_freed_memory else {}))
    return measurement.run_child(args, __file__, env, timeout=timeout)


def run_child_system(args):
    """In a child process: what ``--child`` names, printed as the last line of JSON."""
    X = np.load(args.data)
    threads = args.threads or None
    if args.child == "breakdown":
        ops, products = op_breakdown(X, threads, args.breakdown_steps)
        return {"ops": ops, "products": products}
    if args.child == "torch_cpu":
        return time_torch_cpu(X, args.epochs, args.torch_threads, args.start)
    return time_aelearn(X, args.epochs, threads, fast=args.child == "aelearn")


def per_round(runs, system, over):
    """Each round's median epoch of ``system`` over that of ``over`` in the same round."""
    pairs = zip(runs[system], runs[over], strict=True)
    return [ours["median_ms"] / theirs["median_ms"] for ours, theirs in pairs]


def format_ratios(ratios):
    return " ".join(f"{x:.2f}" for x in ratios) + f", median {np.median(ratios):.2f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4, help="epochs per process (>= 2)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per system")
    parser.add_argument(
        "--threads", type=int, default=0, help="threads for every system (0: aelearn's choice)"
    )
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--images", type=int, default=N_TRAIN, help="training images (smoke)")
    parser.add_argument("--breakdown-steps", type=int, default=40, help="steps of the op breakdown")
    parser.add_argument("--keep-freed-memory", action="store_true", help=measurement.KEEP_HELP)
    parser.add_argument(
        "--allow-load", action="store_true", help="measure even when the 1-min load is > 0.5"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--start", help=argparse.SUPPRESS)
    parser.add_argument("--torch-threads", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline:
        import importlib

        for module in args.baseline.split(","):
            importlib.import_module(module)
        print(json.dumps({"peak_mem_mb": measurement.peak_rss_mb()}))
        return
    if args.child:
        print(json.dumps(run_child_system(args)))
        return

    systems = args.systems.split(",")
    if set(systems) - set(SYSTEMS) or args.epochs < 2:
        parser.error(f"--systems from {SYSTEMS}; --epochs at least 2 (the first is warm-up)")
    load_before, warning = measurement.check_quiet(args.allow_load)
    if warning:
        print(warning, flush=True)
    from aelearn.threads import threads_for

    X, description = load_images(args.images)
    model = build_aelearn()
    threads = args.threads or threads_for(model)
    peak = measurement.matmul_peak_gflops()
    runs = {system: [] for system in systems}
    with tempfile.TemporaryDirectory() as tmp:
        data, start = os.path.join(tmp, "X.npy"), os.path.join(tmp, "start.npz")
        np.save(data, X)
        np.savez(start, *[p.data for p in model.parameters()])
        common = ["--data", data, "--epochs", str(args.epochs), "--threads", str(args.threads)]
        for r in range(args.rounds):
            for system in systems[r % len(systems) :] + systems[: r % len(systems)]:
                child = ["--child", system, *common]
                child += ["--start", start, "--torch-threads", str(threads)]
                runs[system].append(_child(child, args.keep_freed_memory))
                print(
                    f"  round {r + 1}, {system}: {runs[system][-1]['median_ms']:.0f} ms", flush=True
                )
        baselines = {s: _child(["--baseline", ",".join(IMPORTS[s])], False) for s in systems}
        child = ["--child", "breakdown", *common, "--breakdown-steps", str(args.breakdown_steps)]
        breakdown = _child(child, args.keep_freed_memory)
    peak = max(peak, measurement.matmul_peak_gflops())
    load_after = os.getloadavg()[0]
    flops = epoch_flops(len(X))

    malloc = (
        "glibc told to keep freed memory (environment), every system alike"
        if args.keep_freed_memory
        else "default malloc"
    )
    chosen = "aelearn's choice" if not args.threads else "--threads"
    print(f"machine: {measurement.machine_description()}")
    print(f"BLAS: {measurement.blas_description()}")
    print(f"threads per system: {threads} ({chosen}); {malloc}")
    print(f"data: {description} as (n, 1, 28, 28)")
    print(
        f"conv DAE 178,001 params, batch {BATCH_SIZE}, float32, Adam lr {LR}; "
        f"{flops / 1e9:.1f} GFLOP per epoch; float32 matmul peak (2048^3, best before/after) "
        f"{peak:.1f} GFLOP/s; 1-min load {load_before:.2f} before, {load_after:.2f} after"
    )
    reference = "aelearn" if "aelearn" in systems else systems[0]
    ref_ms = float(np.median([run["median_ms"] for run in runs[reference]]))
    print(f"median over {args.rounds} rounds of each process's median of epochs 2..{args.epochs}:")
    print(f"  {'system':<18} {'ms/epoch':>9} {'x ' + reference:>10} {'peak MB (base)':>15} "
          f"{'GFLOP/s':>8} {'% peak':>7} {'faults':>7}  note")  # fmt: skip
    for system in systems:
        ms = float(np.median([run["median_ms"] for run in runs[system]]))
        mem = max(run["peak_mem_mb"] for run in runs[system])
        gflops = flops / (ms / 1e3) / 1e9
        memory = f"{mem:.0f} ({baselines[system]['peak_mem_mb']:.0f})"
        faults = np.median([run["median_faults"] for run in runs[system]])
        print(
            f"  {system:<18} {ms:9.0f} {ms / ref_ms:10.2f} {memory:>15} {gflops:8.1f} "
            f"{100 * gflops / peak:7.0f} {faults:7.0f}  {runs[system][0]['note']}"
        )
    print(f"per round (ms/epoch, and the ratio to {reference} in the same round):")
    for system in systems:
        times = " ".join(f"{run['median_ms']:.0f}" for run in runs[system])
        print(f"  {system:<18} {times}   x {format_ratios(per_round(runs, system, reference))}")
    if {"aelearn", "aelearn_reference"} <= set(systems):
        ratios = per_round(runs, "aelearn_reference", "aelearn")
        print(f"reference ops / fast kernels per round: {format_ratios(ratios)}")
    if {"aelearn", "torch_cpu"} <= set(systems):
        ratios = per_round(runs, "aelearn", "torch_cpu")
        verdict = "met" if np.median(ratios) <= 1 else "not met"
        print(
            "goal (issue 17), aelearn's epoch at most PyTorch's: aelearn / torch_cpu per round "
            f"{format_ratios(ratios)}: {verdict}"
        )
    print(
        "MSE per pixel on the first 1,000 images after training: "
        + ", ".join(f"{s} {runs[s][-1]['final_mse']:.5f}" for s in systems)
    )
    if {"aelearn", "aelearn_reference"} <= set(systems):
        fast, plain = runs["aelearn"][0]["first_loss"], runs["aelearn_reference"][0]["first_loss"]
        print(
            f"first epoch's loss: aelearn {fast:.7g}, aelearn_reference {plain:.7g} "
            f"(relative difference {abs(plain - fast) / abs(fast):.1e}; float32 rounding)"
        )
    ops, (count, products_ms) = breakdown["ops"], breakdown["products"]
    print(
        f"aelearn (fast kernels), mean ms per step by op, {args.breakdown_steps} steps of fit's "
        "loop (a separate process):"
    )
    for name, ms in sorted(ops.items(), key=lambda item: -item[1]):
        print(f"  {name:<32} {ms:8.2f}")
    print(
        f"the step's {count} matrix products alone (conv_products.py, median): {products_ms:.2f} ms"
    )
    if warning:
        print(warning)


if __name__ == "__main__":
    main()
