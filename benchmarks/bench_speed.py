"""aelearn's training speed beside its peers: one epoch of the same autoencoder, side by side.

Workload (``workload``): a 784-512-256-32-256-512-784 autoencoder, ReLU hidden layers, a
sigmoid output, squared error, Adam with lr=1e-3, batch 128, float32, 4,000 examples of
784 features. aelearn trains ``Autoencoder(sizes=(784, 512, 256, 32), activation="relu",
output_activation="sigmoid", loss="mse", init="he")`` with ``model.fit``: its loop
(``aelearn.training.fit``), Tensor ops, the ``Affine`` op, ``losses.MSELoss``,
``optim.Adam``, and the BLAS threads ``aelearn.threads`` chooses for the model (two for its
784-512 layers). Its epoch time is the one ``fit`` records in ``history_["time"]``.

Two differences from the peers do not change the work done per step: aelearn's MSE sums
over the 784 features and averages over the batch (784 times PyTorch's per-element mean, a
scale Adam divides out), and ``init="he"`` also draws the sigmoid layer from He rather than
Glorot.

Every system runs in a fresh subprocess of its own, one after the other in one run of this
script, so that each peak memory is its own and no system warms the caches of another. A
process's speed on a shared machine varies by 20-40% with what else runs at the time, so
the systems run in ``--rounds`` rounds (3 by default), each round a fresh process per system
in a rotated order: a burst of load from elsewhere then slows one process of each system in
turn rather than all of one. For each system, the table gives the median over rounds of
its median epoch time over epochs 2..6, its ratio to aelearn's, the highest peak resident
memory (and that of a process that only imported the same modules), and the achieved
GFLOP/s against the float32 matmul peak of the machine (the better of a reading before and
one after the runs), and the CPU time per epoch of all the threads of each process. Below
it come each round's times and ratios and the median of each system's per-round ratios (a
paired comparison), so that a single lucky round cannot make the result.

Every process runs with the malloc a user's process has (aelearn changes no process-wide
setting). ``--keep-freed-memory`` gives every system's process, aelearn's and its peers'
alike, glibc's ``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` in its environment
(``measurement.KEEP_FREED_MEMORY``), so that freed memory is kept for reuse rather than handed
back to the system and faulted in again.

Run: ``python benchmarks/bench_speed.py`` (about two minutes). ``--threads 1`` pins every
system to one thread: NumPy's BLAS and PyTorch by their environment variables, aelearn by
``aelearn.blas_threads`` (by default the peers run one thread per core and aelearn its own
choice). A smoke run: ``--rounds 1 --epochs 2 --systems aelearn,flat_numpy``.
"""

import argparse
import contextlib
import json
import os
import tempfile

import measurement
import numpy as np
import speed_peers as peers
import workload

ALL_SYSTEMS = ("aelearn", *peers.SYSTEMS)
IMPORTS = {"aelearn": ("numpy", "aelearn.models", "aelearn.optim"), **peers.IMPORTS}


def time_aelearn(X, epochs=6, threads=0):
    """Train aelearn's Autoencoder on X with ``fit``; the epoch times ``fit`` recorded.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 784), float32
    epochs : int, default=6
    threads : int, default=0
        0: the BLAS threads ``aelearn.threads`` chooses; else ``aelearn.blas_threads(threads)``.

    Returns
    -------
    dict
        As each peer's ``time_<system>`` (``speed_peers``): name, epoch_times, median_ms
        (over epochs 2..epochs), peak_mem_mb, note, final_mse (per element, on X, after
        training).
    """
    X = workload.check_workload(X, epochs)
    # Imported here, so that the processes timing the peers do not carry aelearn's imports.
    import aelearn
    from aelearn.models import Autoencoder
    from aelearn.optim import Adam
    from aelearn.threads import threads_for

    model = Autoencoder(
        sizes=workload.LAYER_SIZES[:4],
        activation="relu",
        output_activation="sigmoid",
        loss="mse",
        init="he",
        rng=workload.INIT_SEED,
    )
    optimizer = Adam(
        model.parameters(), lr=workload.LR, betas=(workload.BETA1, workload.BETA2), eps=workload.EPS
    )
    counters = measurement.epoch_counters()
    chosen = aelearn.blas_threads(threads) if threads else contextlib.nullcontext()
    with chosen:
        n_threads = threads_for(model)
        model.fit(
            X,
            epochs=epochs,
            batch_size=workload.BATCH_SIZE,
            optimizer=optimizer,
            callbacks=[counters],
            verbose=False,
        )
        mse = model.reconstruction_error(X)
    times = [float(t) for t in model.history_["time"]]
    dtypes = {str(p.dtype) for p in model.parameters()}
    dtypes |= {str(a.dtype) for state in optimizer.state for a in state.values()}
    note = (
        f"aelearn fit, {n_threads} BLAS threads, {model.n_parameters():,} params, "
        f"dtypes {sorted(dtypes)}"
    )
    return measurement.result("aelearn", times, note, mse, counters.cpu, counters.faults)


TIMERS = {"aelearn": time_aelearn, **peers.TIMERS}


def _run_child(args, threads, keep_freed_memory=False, timeout=900):
    env = dict(os.environ)
    if threads:
        # Read by OpenBLAS at import, by PyTorch's intra-op pool (see speed_peers), by MKL;
        # aelearn, which sets its own threads inside fit, gets them as --threads.
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(threads)
    if keep_freed_memory:
        env.update(measurement.KEEP_FREED_MEMORY)
    return measurement.run_child(args, __file__, env, timeout)


def measure_isolated(system, data_path, epochs, threads, keep_freed_memory=False):
    """Time one system in a fresh process; add the peak MB of a process with its imports only."""
    args = ["--child", system, "--data", data_path, "--epochs", str(epochs)]
    result = _run_child([*args, "--threads", str(threads)], threads, keep_freed_memory)
    modules = IMPORTS[system] if result["median_ms"] is not None else ("numpy",)
    baseline = _run_child(["--baseline", ",".join(modules)], threads, keep_freed_memory)
    result["baseline_mb"] = baseline["peak_mem_mb"]
    return result


def measure_rounds(systems, data_path, epochs, threads, rounds, keep_freed_memory=False):
    """Run every system ``rounds`` times, a fresh process each, in a rotated order per round.

    Returns one row per system, as ``measure_isolated``'s but with ``median_ms`` and
    ``median_cpu_ms`` the medians over rounds, ``peak_mem_mb`` the highest, and
    ``round_ms`` each round's median epoch time.
    """
    runs = {system: [] for system in systems}
    for r in range(rounds):
        shift = r % len(systems)
        for system in systems[shift:] + systems[:shift]:
            runs[system].append(
                measure_isolated(system, data_path, epochs, threads, keep_freed_memory)
            )
    rows = []
    for system in systems:
        row = dict(runs[system][0])
        times = [run["median_ms"] for run in runs[system]]
        cpu = [run.get("median_cpu_ms") for run in runs[system]]
        skipped = None in times
        row["round_ms"] = times
        row["median_ms"] = None if skipped else float(np.median(times))
        row["median_cpu_ms"] = None if skipped or None in cpu else float(np.median(cpu))
        row["peak_mem_mb"] = max(run["peak_mem_mb"] for run in runs[system])
        row["baseline_mb"] = max(run["baseline_mb"] for run in runs[system])
        row["epoch_times"] = [t for run in runs[system] for t in run["epoch_times"]]
        rows.append(row)
    return rows


def format_rounds(rows, reference):
    """Each round's median ms/epoch per system, its ratio to ``reference`` in that round, and
    the median of those ratios.

    Systems of one round run minutes apart at most, so a round's ratio compares them under
    much the same load; the median of the per-round ratios (a paired comparison) is the
    steadier of the two ratios this script prints when the machine's speed drifts.
    """
    ref = next(r for r in rows if r["name"] == reference)["round_ms"]
    lines = []
    for r in rows:
        if r["median_ms"] is None:
            continue
        times = " ".join(f"{t:.0f}" for t in r["round_ms"])
        ratios = [t / t_ref for t, t_ref in zip(r["round_ms"], ref, strict=True)]
        lines.append(
            f"  {r['name']:<15} ms/epoch {times}   x {reference} "
            + " ".join(f"{x:.2f}" for x in ratios)
            + f"   median {np.median(ratios):.2f}"
        )
    return "per round (each a fresh process per system):\n" + "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per system")
    parser.add_argument("--systems", default=",".join(ALL_SYSTEMS))
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="threads per system (0: all cores, aelearn its own choice)",
    )
    parser.add_argument(
        "--keep-freed-memory",
        action="store_true",
        help=measurement.KEEP_HELP,
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.baseline:
        import importlib

        for module in args.baseline.split(","):
            importlib.import_module(module)
        print(json.dumps({"peak_mem_mb": measurement.peak_rss_mb()}))
        return
    if args.child:
        X = np.load(args.data)
        if args.child == "aelearn":
            print(json.dumps(time_aelearn(X, args.epochs, args.threads)))
        else:
            print(json.dumps(TIMERS[args.child](X, args.epochs)))
        return

    systems = args.systems.split(",")
    unknown = set(systems) - set(TIMERS)
    if unknown:
        parser.error(f"unknown systems {sorted(unknown)}; choose from {ALL_SYSTEMS}")
    X, description = workload.load_workload()
    load_before = os.getloadavg()
    peak = measurement.matmul_peak_gflops()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "X.npy")
        np.save(path, X)
        rows = measure_rounds(
            systems, path, args.epochs, args.threads, args.rounds, args.keep_freed_memory
        )
    load_after = os.getloadavg()
    # A single reading on a machine other jobs share can be low: keep the higher of two.
    peak = max(peak, measurement.matmul_peak_gflops())
    threads = args.threads or f"{os.cpu_count()} (all cores; aelearn its own choice)"
    malloc = (
        "glibc told to keep freed memory (environment), every system alike"
        if args.keep_freed_memory
        else "default malloc"
    )
    print(f"machine: {measurement.machine_description()}; threads per system: {threads}; {malloc}")
    print(f"BLAS: {measurement.blas_description()}")
    print(f"data: {description}")
    print(
        f"network {'-'.join(map(str, workload.LAYER_SIZES))}, {workload.n_weights():,} weights, "
        f"batch {workload.BATCH_SIZE}, float32, Adam lr {workload.LR}"
    )
    print(
        f"median over {args.rounds} rounds of the median of epochs 2..{args.epochs}; "
        f"float32 matmul peak (2048^3, best before/after): "
        f"{peak:.1f} GFLOP/s; 1-min load average {load_before[0]:.2f} before, "
        f"{load_after[0]:.2f} after (above {os.cpu_count()}: others were computing too)"
    )
    reference = "aelearn" if "aelearn" in systems else systems[0]
    print(peers.format_rows(rows, reference, len(X), peak))
    print(format_rounds(rows, reference))
    ref_cpu = next(r.get("median_cpu_ms") for r in rows if r["name"] == reference) or 1.0
    print(
        "CPU ms/epoch (all threads; less sensitive to other jobs than the wall clock): "
        + ", ".join(
            f"{r['name']} {r['median_cpu_ms']:.0f} ({r['median_cpu_ms'] / ref_cpu:.2f})"
            for r in rows
            if r.get("median_cpu_ms") is not None
        )
    )
    print(
        "final reconstruction MSE per element on X: "
        + ", ".join(f"{r['name']} {r['final_mse']:.5f}" for r in rows if r["final_mse"] is not None)
    )


if __name__ == "__main__":
    main()
