"""aelearn in a default environment against the same work with the BLAS pinned to one thread.

aelearn chooses its BLAS threads itself (``aelearn.threads``), so a user's own script or
notebook, which sets nothing, should run about as fast as one that pins OpenBLAS to a
single thread by hand, on an idle machine and while another process keeps one core busy.
This script times, each in a fresh process, the README's ten-line example, ``aelearn demo``
and every notebook (executed by nbclient in a temporary folder), under four conditions:

- default: the environment as it is, without ``OPENBLAS_NUM_THREADS``;
- pinned: ``OPENBLAS_NUM_THREADS=1`` (and OMP, MKL) set for the process;
- each idle, and with one competing process spinning on a core.

It prints the wall time of each and the ratio default / pinned (goal: at most 1.2).

Run: ``python benchmarks/bench_threads.py [--rounds 1] [--only readme,demo,01_autograd]``
(about ten minutes for one round of everything).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from threadpoolctl import threadpool_info

from aelearn.reporting import format_table

ROOT = Path(__file__).resolve().parents[1]
PIN = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

README_EXAMPLE = """
from aelearn.baselines import pca_reconstruction_error
from aelearn.datasets import load_digits
from aelearn.models import Autoencoder

digits = load_digits()
model = Autoencoder(sizes=(64, 128, 8), output_activation="sigmoid", loss="mse", rng=0)
model.fit(digits.X_train, epochs=300, batch_size=64, lr=1e-3)
codes = model.encode(digits.X_test)
print("autoencoder", model.reconstruction_error(digits.X_test))
print("PCA        ", pca_reconstruction_error(digits.X_train, digits.X_test, 8))
"""

NOTEBOOK_RUNNER = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=900, kernel_name="python3").execute()
"""


def workloads(only):
    """{name: (argv, folder to run in)}; the notebooks run on copies in a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="aelearn-threads-"))
    (folder / "figures").mkdir()
    jobs = {
        "readme": ([sys.executable, "-c", README_EXAMPLE], folder),
        "demo": (
            [sys.executable, "-m", "aelearn", "demo", "--output", str(folder / "demo")],
            folder,
        ),
    }
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy(notebook, folder / notebook.name)
        argv = [sys.executable, "-c", NOTEBOOK_RUNNER, notebook.name]
        jobs[notebook.stem] = (argv, folder)
    return {k: v for k, v in jobs.items() if not only or k in only}


def environment(pinned):
    env = {k: v for k, v in os.environ.items() if k not in PIN}
    env["MPLBACKEND"] = "Agg"
    return {**env, **PIN} if pinned else env


def timed(argv, folder, pinned):
    start = time.perf_counter()
    subprocess.run(argv, cwd=folder, env=environment(pinned), check=True, capture_output=True)
    return time.perf_counter() - start


def busy_process():
    """A process that keeps one core busy until it is killed."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", default="", help="comma-separated workload names")
    args = parser.parse_args(argv)
    blas = [(lib["internal_api"], lib.get("architecture")) for lib in threadpool_info()]
    print(
        f"cores: {os.cpu_count()}; BLAS: {blas}; OPENBLAS_CORETYPE: "
        f"{os.environ.get('OPENBLAS_CORETYPE', 'not set')}"
    )
    jobs = workloads(set(filter(None, args.only.split(","))))
    rows = []
    for name, (command, folder) in jobs.items():
        row = {"workload": name}
        for load in ("idle", "busy"):
            times = {"default": [], "pinned": []}
            for round_ in range(args.rounds):
                other = busy_process() if load == "busy" else None
                try:
                    order = ("default", "pinned") if round_ % 2 == 0 else ("pinned", "default")
                    for setting in order:
                        times[setting].append(timed(command, folder, setting == "pinned"))
                finally:
                    if other is not None:
                        other.kill()
                        other.wait()
            default, pinned = min(times["default"]), min(times["pinned"])
            row.update({f"{load} default s": default, f"{load} pinned s": pinned})
            row[f"{load} ratio"] = default / pinned
        rows.append(row)
        print(format_table([row], floatfmt=".2f"), flush=True)
    print("\nall workloads (best of rounds; ratio = default / pinned, goal <= 1.2):")
    print(format_table(rows, floatfmt=".2f"))


if __name__ == "__main__":
    main()
