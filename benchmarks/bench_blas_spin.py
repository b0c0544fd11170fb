"""Why aelearn's element-wise passes stay on one thread: OpenBLAS's workers spin after a product.

After each call, OpenBLAS keeps its worker threads spinning, for 2^28 cycles by default,
before they sleep; ``OPENBLAS_THREAD_TIMEOUT`` (an exponent from 4 to 30) changes that, but
only when it is set before the library loads, that is before NumPy is imported. The
convolution ops alternate products with element-wise passes (col2im, im2col, ReLU), so a pass
split over two Python threads (NumPy lets go of the GIL inside its loops) shares the second
core with a spinning worker.

This script times one such pass, ``np.maximum(x, 0)`` of a (128, 28, 28, 32) float32 array
(the 64->32 transposed convolution's output), right after a product of that layer's shapes
((25088, 288) @ (288, 64), its input gradient), on one thread and split into two halves over
two, alternating, each setting in a fresh process with OpenBLAS on two threads: once as
OpenBLAS comes and once with ``OPENBLAS_THREAD_TIMEOUT=4``. It prints the median times and
the ratio two threads / one.

Run: ``python benchmarks/bench_blas_spin.py [--rounds 3] [--reps 30]`` (about half a minute).
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

SETTINGS = {"as it comes": {}, "OPENBLAS_THREAD_TIMEOUT=4": {"OPENBLAS_THREAD_TIMEOUT": "4"}}


def measure(reps):
    """Median ms of the product, and of the pass after it on one thread and on two."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((25088, 288), dtype=np.float32)
    B = rng.standard_normal((288, 64), dtype=np.float32)
    x = rng.standard_normal((128, 28, 28, 32), dtype=np.float32)
    out = np.empty_like(x)
    pool = ThreadPoolExecutor(1)

    def one_thread():
        np.maximum(x, 0.0, out=out)

    def two_threads():  # the second half on the pool's thread, the first on this one
        half = pool.submit(np.maximum, x[64:], 0.0, out=out[64:])
        np.maximum(x[:64], 0.0, out=out[:64])
        half.result()

    times = {"product": [], "one thread": [], "two threads": []}
    for i in range(2 * reps):
        name, work = ("one thread", one_thread) if i % 2 else ("two threads", two_threads)
        start = time.perf_counter()
        A @ B
        middle = time.perf_counter()
        work()
        times["product"].append(middle - start)
        times[name].append(time.perf_counter() - middle)
    return {name: 1e3 * float(np.median(values)) for name, values in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per setting")
    parser.add_argument("--reps", type=int, default=30, help="passes of each kind per process")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.reps)))
        return
    import measurement
    from threadpoolctl import threadpool_info

    libraries = [
        f"{i['internal_api']} {i['version']} {i.get('architecture')}" for i in threadpool_info()
    ]
    print(f"kernels: {'; '.join(libraries)}; OpenBLAS on 2 threads in every process")
    inherited = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    child = ["--child", "--reps", str(args.reps)]
    results = {name: [] for name in SETTINGS}
    for r in range(args.rounds):
        for name in list(SETTINGS) if r % 2 == 0 else list(SETTINGS)[::-1]:
            env = dict(inherited, OPENBLAS_NUM_THREADS="2", **SETTINGS[name])
            results[name].append(measurement.run_child(child, __file__, env))
    print(f"median ms over {args.rounds} processes of each one's median over {args.reps} passes:")
    columns = ("product", "pass, 1 thread", "pass, 2 threads")
    print(f"  {'OpenBLAS':28s} {columns[0]:>8s} {columns[1]:>15s} {columns[2]:>16s}  2 / 1")
    for name, runs in results.items():
        med = {key: float(np.median([run[key] for run in runs])) for key in runs[0]}
        ratio = med["two threads"] / med["one thread"]
        print(f"  {name:28s} {med['product']:8.2f} {med['one thread']:15.2f} "
              f"{med['two threads']:16.2f}  {ratio:5.2f}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
