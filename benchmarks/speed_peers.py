"""The peers aelearn is timed against: one epoch of the same autoencoder in other systems.

The workload (``workload``) is a 784-512-256-32-256-512-784 autoencoder trained by Adam,
batch 128, float32. Its peers: the network written out by hand in NumPy, straight and with
flat buffers (``numpy_network``), scikit-learn's ``MLPRegressor`` and PyTorch.

Each ``time_<system>(X, epochs=6)`` trains from a fresh initialisation for ``epochs`` epochs
and returns ``{"name", "epoch_times", "median_ms", "peak_mem_mb", "note", "final_mse"}``;
the median is over epochs 2 to ``epochs`` (the first is warm-up), and ``final_mse`` is the
reconstruction MSE on X after training, taken outside the clock, so that systems that train
the same network can be seen to agree. ``peak_mem_mb`` is the peak resident memory of the
calling process, which only means something in a fresh process: ``measure_isolated`` runs
one system in a subprocess of its own and adds the baseline of a process that only imported
what that system needs.

Run alone: ``python benchmarks/speed_peers.py`` prints the table.
"""

import argparse
import json
import os
import tempfile
import time

import numpy as np
import workload
from measurement import matmul_peak_gflops, peak_rss_mb, result, run_child, time_epochs
from numpy_network import init_params, time_flat_numpy, time_straight_numpy

SYSTEMS = ("straight_numpy", "flat_numpy", "sklearn_mlp", "torch_cpu")
# What a process must import before it can run each system: the baseline to subtract.
IMPORTS = {
    "straight_numpy": ("numpy",),
    "flat_numpy": ("numpy",),
    "sklearn_mlp": ("numpy", "sklearn.neural_network"),
    "torch_cpu": ("numpy", "torch"),
}


def time_sklearn_mlp(X, epochs=6):
    """scikit-learn's MLPRegressor fitted X -> X, one ``partial_fit`` (one epoch) per epoch."""
    X = workload.check_workload(X, epochs)
    import sklearn
    from sklearn.neural_network import MLPRegressor

    model = MLPRegressor(
        hidden_layer_sizes=workload.LAYER_SIZES[1:-1],
        activation="relu",
        solver="adam",
        learning_rate_init=workload.LR,
        batch_size=workload.BATCH_SIZE,
        max_iter=1,
        shuffle=True,
        random_state=0,
    )
    times, cpu_times = [], []
    for _ in range(epochs):
        start, cpu_start = time.perf_counter(), time.process_time()
        model.partial_fit(X, X)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    x_hat = model.predict(X)
    dtype = model.coefs_[0].dtype
    note = (
        f"sklearn {sklearn.__version__}, trained in {dtype}; output layer linear (no sigmoid), "
        "loss squared error / 2 + L2 alpha=1e-4, Glorot init, its own shuffle"
    )
    return result("sklearn_mlp", times, note, float(np.mean((x_hat - X) ** 2)), cpu_times)


def time_torch_cpu(X, epochs=6):
    """PyTorch on the CPU: the same network, initial weights and batches; torch.optim.Adam."""
    X = workload.check_workload(X, epochs)
    try:
        import torch
    except ImportError:
        return {
            "name": "torch_cpu",
            "epoch_times": [],
            "median_ms": None,
            "peak_mem_mb": peak_rss_mb(),
            "note": "skipped: torch is not importable",
            "final_mse": None,
        }
    # As many threads as NumPy's BLAS uses: one per core, or OMP_NUM_THREADS when it is set
    # (bench_speed.py --threads sets it, with OPENBLAS_NUM_THREADS, for every system alike).
    n_threads = int(os.environ.get("OMP_NUM_THREADS") or os.cpu_count())
    torch.set_num_threads(n_threads)
    Ws, bs = init_params(np.random.default_rng(workload.INIT_SEED))
    layers = []
    for W, b in zip(Ws, bs, strict=True):
        linear = torch.nn.Linear(*W.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T))  # torch stores (fan_out, fan_in)
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1], torch.nn.Sigmoid())
    optimizer = torch.optim.Adam(
        model.parameters(), lr=workload.LR, betas=(workload.BETA1, workload.BETA2), eps=workload.EPS
    )

    def train_step(xb):
        xb = torch.from_numpy(xb)
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(xb), xb)
        loss.backward()
        optimizer.step()

    times, cpu_times, faults = time_epochs(
        X, epochs, train_step, workload.BATCH_SIZE, workload.SHUFFLE_SEED
    )
    with torch.no_grad():
        x_hat = model(torch.from_numpy(X)).numpy()
    dtypes = {str(p.dtype).removeprefix("torch.") for p in model.parameters()} | {str(x_hat.dtype)}
    note = f"torch {torch.__version__}, {n_threads} threads, dtypes {sorted(dtypes)}"
    return result("torch_cpu", times, note, float(np.mean((x_hat - X) ** 2)), cpu_times, faults)


TIMERS = {
    "straight_numpy": time_straight_numpy,
    "flat_numpy": time_flat_numpy,
    "sklearn_mlp": time_sklearn_mlp,
    "torch_cpu": time_torch_cpu,
}


def baseline_rss_mb(modules=("numpy",)):
    """Peak resident MB of a fresh Python process that only imported ``modules``."""
    return run_child(["--baseline", ",".join(modules)], __file__)["peak_mem_mb"]


def measure_isolated(system, X, epochs=6):
    """Run ``time_<system>(X, epochs)`` in a fresh process, so that its peak memory is its own.

    Returns that function's dict plus ``baseline_mb``: the peak of a process that only
    imported what the system needs (``IMPORTS[system]``). The data X of shape
    (n_samples, 784) reaches the child as a .npy file, so no pickled copy inflates the peak.
    """
    if system not in TIMERS:
        raise ValueError(f"system must be one of {tuple(TIMERS)}; got {system!r}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "X.npy")
        np.save(path, workload.check_workload(X, epochs))
        result = run_child(["--child", system, "--data", path, "--epochs", str(epochs)], __file__)
    modules = IMPORTS[system] if result["median_ms"] is not None else ("numpy",)
    result["baseline_mb"] = baseline_rss_mb(modules)
    return result


def format_rows(rows, reference="straight_numpy", n_examples=workload.N_TRAIN, peak_gflops=None):
    """A text table: system, median ms/epoch, ratio to the ``reference`` row, peak MB (and the
    baseline of a process with only the imports), GFLOP/s, % of the matmul peak, note.

    ``rows`` are dicts with at least name, median_ms (None when skipped), peak_mem_mb, note.
    """
    ref_ms = next((r["median_ms"] for r in rows if r["name"] == reference), None)
    header = ("system", "ms/epoch", f"x {reference}", "peak MB (base)", "GFLOP/s", "% peak", "note")
    lines = [header]
    for r in rows:
        ms = r["median_ms"]
        mem = f"{r['peak_mem_mb']:.0f}"
        if r.get("baseline_mb") is not None:
            mem += f" ({r['baseline_mb']:.0f})"
        if ms is None:
            lines.append((r["name"], "skipped", "-", mem, "-", "-", r["note"]))
            continue
        gflops = workload.epoch_gflops(ms, n_examples)
        ratio = f"{ms / ref_ms:.2f}" if ref_ms else "-"
        of_peak = f"{100.0 * gflops / peak_gflops:.0f}" if peak_gflops else "-"
        lines.append((r["name"], f"{ms:.1f}", ratio, mem, f"{gflops:.1f}", of_peak, r["note"]))
    # The system name is left-aligned, the numbers right-aligned, the note (last) unpadded.
    widths = [max(len(line[i]) for line in lines) for i in range(6)]
    text = [
        "  ".join(
            [line[0].ljust(widths[0])]
            + [c.rjust(w) for c, w in zip(line[1:6], widths[1:], strict=True)]
        )
        + "  "
        + line[6]
        for line in lines
    ]
    return "\n".join(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--systems", default=",".join(SYSTEMS))
    parser.add_argument("--reference", default="straight_numpy")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # run one system, print JSON
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help=argparse.SUPPRESS)  # import these, print JSON
    args = parser.parse_args(argv)

    if args.baseline:
        import importlib

        for module in args.baseline.split(","):
            importlib.import_module(module)
        print(json.dumps({"peak_mem_mb": peak_rss_mb()}))
        return
    if args.child:
        print(json.dumps(TIMERS[args.child](np.load(args.data), args.epochs)))
        return

    X, description = workload.load_workload()
    peak = matmul_peak_gflops()
    rows = [measure_isolated(s, X, args.epochs) for s in args.systems.split(",")]
    print(f"data: {description}")
    sizes = "-".join(map(str, workload.LAYER_SIZES))
    print(f"network {sizes}, {workload.n_weights():,} weights, batch {workload.BATCH_SIZE}")
    print(f"median of epochs 2..{args.epochs}; float32 matmul peak (2048^3): {peak:.1f} GFLOP/s")
    print(format_rows(rows, args.reference, len(X), peak))
    print(
        "final reconstruction MSE on X: "
        + ", ".join(f"{r['name']} {r['final_mse']:.5f}" for r in rows if r["final_mse"] is not None)
    )


if __name__ == "__main__":
    main()
