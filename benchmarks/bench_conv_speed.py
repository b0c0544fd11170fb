"""aelearn's convolutional layers beside PyTorch's: one epoch of the course's convolutional DAE.

The workload is ``conv_workload``'s: the course's convolutional denoising autoencoder (issue
17), 178,001 parameters, batch 128, float32, one epoch over 4,000 MNIST images. PyTorch 2.13
(CPU) runs the same layers with the same initial weights (copied from aelearn's),
``mse_loss`` and ``torch.optim.Adam``. aelearn's loss sums over the 784 pixels and averages
over the batch, PyTorch's averages over every element: a constant factor that Adam divides
out.

Three systems: aelearn with each batch in one piece, its products on the BLAS's threads;
aelearn as ``fit(shards=2)`` trains, the batch in two shards side by side, one thread each
and one BLAS thread per shard (``aelearn.training.shards``); and PyTorch. Each system trains
in a fresh process, ``--rounds`` times in rotating order, with the same threads
(``--threads``, default one per core, set for OpenBLAS, OpenMP and PyTorch alike); the
table gives the median over rounds of each process's median epoch (epochs 2..``--epochs``),
every round's ratio, the peak resident memory of each process (VmHWM, the same reading for
both) beside that of a process that only imported the same modules, and the achieved GFLOP/s
against the float32 matmul peak of the machine, and the median minor page faults per epoch
(memory the kernel maps and zeroes afresh). Both systems run with glibc's malloc told to keep
freed memory (``measurement.KEEP_FREED_MEMORY``): left as it comes (``--default-malloc``),
aelearn keeps it itself, as ``fit`` does (``aelearn.allocator``), while PyTorch faults as much
as its process's history makes it (benchmarks/README.md). Last, one more aelearn process
times every op's forward and backward (as ``bench_step.py``), apart from the timed epochs,
and the step's matrix products alone (``conv_products.py``): the floor under that step. The
GFLOP/s count the FLOPs as ``conv_workload.epoch_flops`` does.

Run: ``python benchmarks/bench_conv_speed.py [--rounds 3] [--threads 2] [--epochs 4]
[--default-malloc]`` (about two minutes on two quiet cores).
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
import workload
from bench_speed import machine_description
from conv_products import products_alone
from conv_workload import (
    BATCH_SIZE,
    EVAL_BATCHES,
    LR,
    aelearn_step,
    build_aelearn,
    epoch_flops,
    load_images,
    loss_terms,
)

AELEARN = ("numpy", "aelearn.nn", "aelearn.optim", "aelearn.training")
IMPORTS = {"aelearn": AELEARN, "aelearn_shards": AELEARN, "torch_cpu": ("numpy", "torch")}
#: The shards of ``aelearn_shards``: one per core of the two-core machines this was made on.
SHARDS = 2


def time_aelearn(X, epochs, shards=1):
    from aelearn.allocator import keep_freed_memory
    from aelearn.optim import Adam
    from aelearn.threads import chosen_threads
    from aelearn.training.shards import ShardedGradients

    keep_freed_memory()  # as fit does
    model = build_aelearn()
    optimizer = Adam(model.parameters(), lr=LR)
    # Shards run their products on one BLAS thread each, as in fit; one piece keeps the
    # threads this process was given.
    threads = chosen_threads(model.parameters(), shards) if shards > 1 else contextlib.nullcontext()
    with threads, ShardedGradients(loss_terms(model), model.parameters(), shards) as gradients:
        times, cpu, faults = measurement.time_epochs(
            X, epochs, aelearn_step(gradients, optimizer), BATCH_SIZE, workload.SHUFFLE_SEED
        )
    from aelearn.autograd import Tensor, no_grad

    with no_grad():  # in batches, as training runs, so that the peak memory is training's
        out = np.concatenate(
            [model(Tensor(X[i : min(i + BATCH_SIZE, 1000)])).data for i in EVAL_BATCHES]
        )
    dtypes = sorted({str(p.dtype) for p in model.parameters()} | {str(out.dtype)})
    how = "one piece" if shards == 1 else f"{shards} shards, 1 BLAS thread each"
    note = f"aelearn.nn, {model.n_parameters():,} params, dtypes {dtypes}, {how}"
    name = "aelearn" if shards == 1 else "aelearn_shards"
    mse = float(np.mean((out - X[:1000]) ** 2))
    return measurement.result(name, times, note, mse, cpu, faults)


def time_torch_cpu(X, epochs):
    import torch

    n_threads = int(os.environ.get("OMP_NUM_THREADS") or os.cpu_count())
    torch.set_num_threads(n_threads)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
        nn.Flatten(), nn.Linear(3136, 16), nn.Linear(16, 3136), nn.ReLU(),
        nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 64, 3, 2, 1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(64, 32, 3, 2, 1, 1), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, 1, 1), nn.Sigmoid(),
    )  # fmt: skip
    with torch.no_grad():  # aelearn's initial weights, in order; a Dense's W is weight.T
        for theirs, ours in zip(model.parameters(), build_aelearn().parameters(), strict=True):
            theirs.copy_(torch.from_numpy(ours.data.T if ours.ndim == 2 else ours.data))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)

    def step(xb):
        xb = torch.from_numpy(xb)
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(xb), xb)
        loss.backward()
        optimizer.step()

    times, cpu, faults = measurement.time_epochs(X, epochs, step, BATCH_SIZE, workload.SHUFFLE_SEED)
    with torch.no_grad():
        batches = [
            model(torch.from_numpy(X[i : min(i + BATCH_SIZE, 1000)])).numpy() for i in EVAL_BATCHES
        ]
    out = np.concatenate(batches)
    note = f"torch {torch.__version__}, {n_threads} threads, float32"
    return measurement.result(
        "torch_cpu", times, note, float(np.mean((out - X[:1000]) ** 2)), cpu, faults
    )


def op_breakdown(X, n_steps=40, warm_up=5):
    """Mean ms per step of each op's forward and backward, and of the phases, for aelearn."""
    from aelearn.allocator import keep_freed_memory
    from aelearn.autograd import ops
    from aelearn.losses import MSELoss
    from aelearn.optim import Adam
    from aelearn.training.shards import ShardedGradients

    keep_freed_memory()
    totals = collections.defaultdict(float)
    op_classes = (ops.Conv2dOp, ops.ConvTranspose2dOp, ops.Affine, ops.ReLUOp, ops.SigmoidOp,
                  ops.Reshape, MSELoss)  # fmt: skip
    timed = measurement.instrument(totals, op_classes)
    model = build_aelearn()
    optimizer = Adam(model.parameters(), lr=LR)
    optimizer.step = timed("Adam step", optimizer.step)
    n_batches = len(X) // BATCH_SIZE
    with ShardedGradients(loss_terms(model), model.parameters()) as gradients:  # one piece
        step = aelearn_step(gradients, optimizer)
        for i in range(warm_up + n_steps):
            if i == warm_up:
                totals.clear()
            b = i % n_batches
            start = time.perf_counter()
            step(X[b * BATCH_SIZE : (b + 1) * BATCH_SIZE])
            totals["STEP"] += time.perf_counter() - start
    return {name: 1e3 * seconds / n_steps for name, seconds in totals.items()}


TIMERS = {
    "aelearn": time_aelearn,
    "aelearn_shards": lambda X, epochs: time_aelearn(X, epochs, SHARDS),
    "torch_cpu": time_torch_cpu,
}


def _child(args, threads, keep_freed_memory=False):
    env = dict(os.environ, **(measurement.KEEP_FREED_MEMORY if keep_freed_memory else {}))
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = str(threads)
    return measurement.run_child(args, __file__, env, timeout=1200)


def kernel_info():
    from threadpoolctl import threadpool_info

    return "; ".join(
        f"{i['internal_api']} {i.get('version')} {i.get('architecture')} {i['num_threads']} threads"
        for i in threadpool_info()
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--systems", default=",".join(TIMERS))
    parser.add_argument(
        "--default-malloc", action="store_true", help="leave glibc's malloc thresholds as they come"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline:
        import importlib

        for module in args.baseline.split(","):
            importlib.import_module(module)
        print(json.dumps({"peak_mem_mb": measurement.peak_rss_mb(), "kernels": kernel_info()}))
        return
    if args.child:
        X = np.load(args.data)
        if args.child == "breakdown":
            result = {"ops": op_breakdown(X), "products": products_alone()}
        else:
            result = TIMERS[args.child](X, args.epochs)
        print(json.dumps(result))
        return

    systems = args.systems.split(",")
    X, description = load_images()
    load_before = os.getloadavg()
    peak = measurement.matmul_peak_gflops()
    runs = {system: [] for system in systems}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "X.npy")
        np.save(path, X)
        for r in range(args.rounds):
            for system in systems[r % len(systems) :] + systems[: r % len(systems)]:
                child = ["--child", system, "--data", path, "--epochs", str(args.epochs)]
                runs[system].append(_child(child, args.threads, not args.default_malloc))
        baselines = {s: _child(["--baseline", ",".join(IMPORTS[s])], args.threads) for s in systems}
        breakdown = _child(["--child", "breakdown", "--data", path], args.threads)
    peak = max(peak, measurement.matmul_peak_gflops())
    load_after = os.getloadavg()
    flops = epoch_flops(len(X))

    malloc = (
        "default malloc" if args.default_malloc else "glibc told to keep freed memory, for both"
    )
    print(f"machine: {machine_description()}; threads per system: {args.threads}; {malloc}")
    print(f"kernels: {baselines[systems[-1]]['kernels']}")
    print(f"data: {description} as (n, 1, 28, 28)")
    print(
        f"conv DAE 178,001 params, batch {BATCH_SIZE}, float32, Adam lr {LR}; "
        f"{flops / 1e9:.1f} GFLOP per epoch; float32 matmul peak (2048^3, best before/after) "
        f"{peak:.1f} GFLOP/s; 1-min load {load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    reference = systems[0]
    ref_ms = float(np.median([run["median_ms"] for run in runs[reference]]))
    print(f"median over {args.rounds} rounds of each process's median of epochs 2..{args.epochs}:")
    print(f"  {'system':<14} {'ms/epoch':>9} {'x ' + reference:>10} {'peak MB (base)':>15} "
          f"{'GFLOP/s':>8} {'% peak':>7} {'faults':>7}  note")  # fmt: skip
    for system in systems:
        ms = float(np.median([run["median_ms"] for run in runs[system]]))
        mem = max(run["peak_mem_mb"] for run in runs[system])
        gflops = flops / (ms / 1e3) / 1e9
        memory = f"{mem:.0f} ({baselines[system]['peak_mem_mb']:.0f})"
        faults = np.median([run["median_faults"] for run in runs[system]])
        print(
            f"  {system:<14} {ms:9.0f} {ms / ref_ms:10.2f} {memory:>15} {gflops:8.1f} "
            f"{100 * gflops / peak:7.0f} {faults:7.0f}  {runs[system][0]['note']}"
        )
    print("per round (ms/epoch, and the ratio to the reference in the same round):")
    for system in systems:
        times = [run["median_ms"] for run in runs[system]]
        ratios = [t / run["median_ms"] for t, run in zip(times, runs[reference], strict=True)]
        print(
            f"  {system:<14} " + " ".join(f"{t:.0f}" for t in times) + "   x "
            + " ".join(f"{x:.2f}" for x in ratios) + f"   median {np.median(ratios):.2f}"
        )  # fmt: skip
    if "torch_cpu" in runs:  # the goal of issue 17: aelearn's epoch at most PyTorch's
        for system in (s for s in systems if s != "torch_cpu"):
            pairs = zip(runs[system], runs["torch_cpu"], strict=True)
            ratios = [ours["median_ms"] / theirs["median_ms"] for ours, theirs in pairs]
            verdict = "met" if np.median(ratios) <= 1 else "not met"
            print(
                f"goal, {system}'s epoch at most PyTorch's: {system} / torch_cpu per round "
                + " ".join(f"{x:.2f}" for x in ratios) + f", median {np.median(ratios):.2f}: "
                + verdict
            )  # fmt: skip
    print(
        "MSE per pixel on the first 1,000 images after training: "
        + ", ".join(f"{s} {runs[s][-1]['final_mse']:.5f}" for s in systems)
    )
    print("aelearn, mean ms per step by op (timers around every op; a separate process):")
    for name, ms in sorted(breakdown["ops"].items(), key=lambda item: -item[1]):
        print(f"  {name:<26} {ms:8.2f}")
    count, ms = breakdown["products"]
    print(f"the step's {count} matrix products alone (conv_products.py, median): {ms:.2f} ms")


if __name__ == "__main__":
    main()
