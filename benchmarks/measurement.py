"""How the speed benchmarks measure: epochs timed, memory and page faults read, each system in
a fresh process.

Every speed script times its systems with these, so that the figures it prints side by side
were taken the same way:

- ``time_epochs``: the wall-clock and CPU seconds and the minor page faults of each epoch of a
  training step, over data reshuffled every epoch by a seeded Generator;
- ``result``: one system's figures, as the dict the scripts print and compare;
- ``peak_rss_mb``: the peak resident memory of this process;
- ``run_child``: a script run in a fresh process, the JSON it printed last read back, so that
  each system's peak memory is its own;
- ``epoch_counters``: a ``fit`` callback recording each epoch's CPU seconds and page faults;
- ``instrument``: timers around every op's forward and backward, the breakdown of a step;
- ``matmul_peak_gflops``: the machine's float32 matmul rate, against which GFLOP/s are read;
- ``machine_description``, ``blas_description``: the CPU, the versions, and the BLAS kernel
  in use, as the scripts print them;
- ``check_quiet``: the 1-minute load average at the start, and a refusal (or a loud
  warning) when other jobs are computing;
- ``KEEP_FREED_MEMORY``: glibc's malloc told to keep freed memory, an environment a script
  may give every child process alike.
"""

import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

# glibc returns a freed block of more than a few MB to the operating system, and the next
# array of that size is faulted in again, page by page. These settings keep freed memory in
# the process for reuse (mmap threshold 256 MB, trim threshold 512 MB). They are only ever
# an environment a script gives its child processes, every system alike, and never the
# default: left alone, each system runs with the malloc a user's own process has (aelearn
# changes no process-wide setting).
KEEP_FREED_MEMORY = {"MALLOC_MMAP_THRESHOLD_": "268435456", "MALLOC_TRIM_THRESHOLD_": "536870912"}
KEEP_HELP = (
    "run every system's process with glibc's MALLOC_MMAP_THRESHOLD_ and "
    "MALLOC_TRIM_THRESHOLD_ at 256 and 512 MB in its environment (default: malloc as it comes)"
)
#: The 1-minute load average above which a speed script refuses to start (two cores).
QUIET_LOAD = 0.5


def matmul_peak_gflops(n=2048, repeats=5):
    """Best float32 GFLOP/s of an (n, n) @ (n, n) NumPy matmul over ``repeats`` runs."""
    rng = np.random.default_rng(0)
    a = rng.random((n, n), dtype=np.float32)
    b = rng.random((n, n), dtype=np.float32)
    out = a @ b  # warm-up: threads started, pages touched
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - start)
    return 2.0 * n**3 / best / 1e9


def peak_rss_mb():
    """Peak resident memory of this process, in MB.

    Linux carries a parent's ``ru_maxrss`` over exec into its child (so a child launched by a
    300 MB parent reports at least 300 MB); the kernel's VmHWM is the peak of this process
    image alone, so it is read first and ``ru_maxrss`` is the fallback.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 1024  # bytes vs KiB


def time_epochs(X, epochs, train_step, batch_size, seed):
    """Wall-clock seconds, CPU seconds and minor page faults per epoch of ``train_step(batch)``
    over X in batches of ``batch_size``, reshuffled every epoch by ``default_rng(seed)``. CPU
    time (of every thread of the process) is what the epoch cost the machine; on a machine
    shared with other jobs it varies less than the wall clock. A page fault is memory the
    kernel maps and zeroes on first touch."""
    rng = np.random.default_rng(seed)
    times, cpu_times, faults = [], [], []
    for _ in range(epochs):
        start, cpu_start, faults_start = time.perf_counter(), time.process_time(), minor_faults()
        order = rng.permutation(len(X))
        for lo in range(0, len(X), batch_size):
            train_step(X[order[lo : lo + batch_size]])
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        faults.append(minor_faults() - faults_start)
    return times, cpu_times, faults


def minor_faults():
    """Minor page faults of this process so far (every thread)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def result(name, times, note, final_mse, cpu_times=(), faults=()):
    """One system's figures: medians over epochs 2.. (the first is warm-up), this process's
    peak memory, a note saying what ran, and the final MSE (so that systems training the same
    network can be seen to agree)."""
    return {
        "name": name,
        "epoch_times": times,
        "median_ms": 1e3 * float(np.median(times[1:])),
        "cpu_times": list(cpu_times),
        "median_cpu_ms": 1e3 * float(np.median(cpu_times[1:])) if len(cpu_times) > 1 else None,
        "median_faults": float(np.median(faults[1:])) if len(faults) > 1 else None,
        "peak_mem_mb": peak_rss_mb(),
        "note": note,
        "final_mse": final_mse,
    }


def epoch_counters():
    """A ``fit`` callback that records each epoch's CPU seconds (every thread of the process)
    in ``cpu`` and its minor page faults in ``faults``, beside the wall clock ``fit`` records
    in ``history_["time"]`` over the same span."""
    from aelearn.training import Callback

    class EpochCounters(Callback):
        def __init__(self):
            self.cpu, self.faults = [], []

        def on_epoch_begin(self, epoch, run):
            self.start = time.process_time(), minor_faults()

        def on_epoch_end(self, epoch, logs, run):
            self.cpu.append(time.process_time() - self.start[0])
            self.faults.append(minor_faults() - self.start[1])

    return EpochCounters()


def instrument(totals, op_classes):
    """Wrap each op's forward and backward in timers that add their seconds to ``totals`` (a
    defaultdict(float)): the op breakdown of a step. Returns the wrapper, for other calls."""

    def timed(name, method):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            out = method(*args, **kwargs)
            totals[name] += time.perf_counter() - start
            return out

        return wrapper

    for op in op_classes:
        op.forward = timed(f"{op.__name__} forward", op.forward)
        op.backward = timed(f"{op.__name__} backward", op.backward)
    return timed


def machine_description():
    """CPU model, cores, NumPy and PyTorch versions, as one line."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line)
    except (OSError, StopIteration):
        pass
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    return f"{model}, {os.cpu_count()} cores; numpy {np.__version__}, torch {torch_version}"


def blas_description():
    """The BLAS and OpenMP libraries this process loaded, as threadpoolctl reports them: the
    library, its version, the kernel it chose for this CPU (OpenBLAS's ``architecture``,
    e.g. Haswell) and its threads."""
    from threadpoolctl import threadpool_info

    return "; ".join(
        f"{i['internal_api']} {i.get('version')} kernel {i.get('architecture')}, "
        f"{i['num_threads']} threads"
        for i in threadpool_info()
    )


def check_quiet(allow_load, threshold=QUIET_LOAD):
    """The 1-minute load average now, and a warning line (None on a quiet machine).

    Above ``threshold``, other jobs are computing on the machine, and on two cores they
    change every figure a speed script prints: SystemExit, unless ``allow_load``, when the
    warning is returned for the script to print in its output.
    """
    load = os.getloadavg()[0]
    if load <= threshold:
        return load, None
    message = (
        f"the 1-minute load average is {load:.2f} at the start, above {threshold}: other jobs "
        "are computing, and the figures below are slowed by them"
    )
    if not allow_load:
        raise SystemExit(
            f"refusing to measure: {message}. Wait for a quiet machine, or pass --allow-load "
            "to measure anyway (the output then says so)."
        )
    return load, f"!!! WARNING: {message} !!!"


def run_child(args, script, env=None, timeout=600):
    """Run ``script`` with ``args`` in a fresh Python process; return the JSON it printed last."""
    out = subprocess.run(
        [sys.executable, os.path.abspath(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child {args} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])
