"""What each trick of ``aelearn.fast`` buys: the conv DAE's epoch with each one undone in turn.

Issue 26: "A speed trick stays only where benchmarks/ shows it buys at least 10% of an
epoch." The workload is ``conv_workload``'s: the course's convolutional denoising
autoencoder, ``Autoencoder.convolutional(loss="mse")`` trained by ``fit``, batch 128,
float32, Adam 1e-3, 4,000 MNIST images, on the BLAS threads ``aelearn.threads`` chooses.
Each variant below runs in a fresh process that patches one piece of aelearn, by
monkeypatching inside this script (aelearn itself is never changed), before it trains:

- ``fast``: the fast kernels as they are (``fit``'s default);
- ``channels_last``: channels-last memory undone. Every array the fast kernels return (the
  convolutions' outputs and input gradients) is copied into NCHW order
  (``np.ascontiguousarray``), so that the next op reads NCHW memory and the kernels
  transpose what they take in;
- ``phase_col2im``: col2im by phases undone. ``scatter_windows`` is a plain strided
  scatter-add of each kernel offset's block into a zero padded image, then cropped (a view);
- ``reference``: both at once, and every other difference: the reference ops
  (``aelearn.use_fast_kernels(False)``).

Issue 26 measured four more tricks with this script, each below 10% of an epoch on both
OpenBLAS kernels of the machine, and removed them from ``aelearn.fast``: one product per
kernel offset (``tap_products``), im2col copied by kernel offset when a window's rows are
short (``window_matrix`` on one-channel images), dL/dW computed as (X_col.T @ G).T rather
than G.T @ X_col, and the bias added a row at a time (``add_channel_bias``).
``benchmarks/README.md`` (Convolutions, "What each trick buys") has the figures of all six.

Each variant trains ``--epochs`` epochs in each of ``--rounds`` rounds, the variants of a
round in a rotated order; a process's figure is its median epoch over epochs 2.., and a
variant's the median over rounds. For each trick it prints the fraction of an epoch it buys,
(undone - fast) / undone, both from those medians and as the median of the per-round
fractions (each round's fast process paired with the variant's: the steadier figure when
the machine's speed drifts), which decides whether it reaches issue 26's 10%. Every variant
must train the same model: the first epoch's loss of each is printed beside the fast
kernels', with its relative difference (float32 rounding only: the sums are the same, some in
another order), and the count of calls of the patched code proves that it ran.

Run: ``python benchmarks/bench_conv_tricks.py [--rounds 3] [--epochs 4] [--variants a,b]
[--threads N] [--keep-freed-memory] [--allow-load]`` (about 3 minutes on two quiet cores).
Like ``bench_conv_speed.py`` it refuses to start when the 1-minute load is above 0.5, unless
``--allow-load``. A smoke run: ``--rounds 1 --epochs 2 --images 256 --allow-load``.
"""

import argparse
import contextlib
import inspect
import json
import os
import tempfile

import measurement
import numpy as np
from conv_workload import N_TRAIN, build_aelearn, fit_aelearn, load_images

#: Issue 26's threshold: the fraction of an epoch a trick must buy to stay.
THRESHOLD = 0.10
#: The largest relative difference of the first epoch's loss taken as float32 rounding.
LOSS_TOLERANCE = 1e-5


# ----- the plain versions, each replacing one trick ----------------------------------------
def counted(function, calls):
    """``function``, counting its calls in ``calls[0]``."""

    def wrapper(*args, **kwargs):
        calls[0] += 1
        return function(*args, **kwargs)

    return wrapper


def nchw_forward(kernel):
    """A forward kernel whose output is copied into NCHW memory."""

    def forward(*args, **kwargs):
        out, saved = kernel(*args, **kwargs)
        return np.ascontiguousarray(out), saved

    return forward


def nchw_backward(kernel):
    """A backward kernel whose gradients are copied into NCHW memory."""

    def backward(grad, saved, needs_input_grad):
        grads = kernel(grad, saved, needs_input_grad)
        return tuple(None if g is None else np.ascontiguousarray(g) for g in grads)

    return backward


def plain_scatter(cols, padded_hw, stride, crop=(0, 0, 0, 0)):
    """col2im as the math reads: each offset's (batch, Ho, Wo, C) block added into the
    strided grid of a zero (batch, Hp, Wp, C) image, which is then cropped (a view)."""
    n, ho, wo, kh, kw, c = cols.shape
    (sh, sw), (hp, wp) = stride, padded_hw
    image = np.zeros((n, hp, wp, c), dtype=cols.dtype)
    for p in range(kh):
        for q in range(kw):
            image[:, p : p + sh * ho : sh, q : q + sw * wo : sw] += cols[:, :, :, p, q]
    top, bottom, left, right = crop
    return image[:, top : hp - bottom, left : wp - right]


# ----- the variants ----------------------------------------------------------------------
def patch_kernel_module(name, replacement, calls):
    """Replace the function ``name`` that ``aelearn.fast.convolution``'s kernels call (they
    imported it from ``layout`` by name, so the name is replaced in that module)."""
    import aelearn.fast.convolution as kernels

    # Fails loudly if the library renamed the function or changed its arguments.
    if inspect.signature(getattr(kernels, name)) != inspect.signature(replacement):
        raise TypeError(f"{replacement.__name__} no longer has the arguments of {name}")
    setattr(kernels, name, counted(replacement, calls))


def undo_channels_last(calls):
    from aelearn.autograd.kernels import FastConv2dOp, FastConvTranspose2dOp

    for op in (FastConv2dOp, FastConvTranspose2dOp):
        forward, backward = op.forward_kernel, op.backward_kernel
        op.forward_kernel = staticmethod(counted(nchw_forward(forward), calls))
        op.backward_kernel = staticmethod(nchw_backward(backward))


def count_reference_ops(calls):
    from aelearn.autograd.convolution import Conv2dOp
    from aelearn.autograd.transposed_convolution import ConvTranspose2dOp

    for op in (Conv2dOp, ConvTranspose2dOp):
        op.forward = counted(op.forward, calls)


#: name -> (the trick it undoes, patch(calls) applied in the child, fast kernels on)
VARIANTS = {
    "fast": ("none: the fast kernels as they are", None, True),
    "channels_last": ("channels-last memory", undo_channels_last, True),
    "phase_col2im": (
        "col2im by phases (scatter_windows)",
        lambda calls: patch_kernel_module("scatter_windows", plain_scatter, calls),
        True,
    ),
    "reference": ("every trick: the reference ops", count_reference_ops, False),
}


def time_variant(variant, X, epochs, threads=None):
    """Train the workload with ``variant`` patched in; its epoch times, first epoch's loss and
    the calls of the patched code."""
    import aelearn

    _, patch, fast = VARIANTS[variant]
    calls = [0]
    if patch is not None:
        patch(calls)
    model = build_aelearn()
    chosen = contextlib.nullcontext() if threads is None else aelearn.blas_threads(threads)
    with aelearn.use_fast_kernels(fast), chosen:
        fit_aelearn(model, X, epochs)
    times = [float(t) for t in model.history_["time"]]
    return {
        "median_ms": 1e3 * float(np.median(times[1:])),
        "epoch_times": times,
        "first_loss": float(model.history_["loss"][0]),
        "calls": calls[0] if patch is not None else None,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4, help="epochs per process (>= 2)")
    parser.add_argument("--rounds", type=int, default=3, help="fresh processes per variant")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="fast is always run")
    parser.add_argument(
        "--threads", type=int, default=0, help="BLAS threads (0: aelearn.threads' choice)"
    )
    parser.add_argument("--images", type=int, default=N_TRAIN, help="training images (smoke)")
    parser.add_argument("--keep-freed-memory", action="store_true", help=measurement.KEEP_HELP)
    parser.add_argument(
        "--allow-load", action="store_true", help="measure even when the 1-min load is > 0.5"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        X = np.load(args.data)
        print(json.dumps(time_variant(args.child, X, args.epochs, args.threads or None)))
        return

    variants = ["fast", *(v for v in args.variants.split(",") if v != "fast")]
    if set(variants) - set(VARIANTS) or args.epochs < 2:
        parser.error(f"--variants from {tuple(VARIANTS)}; --epochs at least 2")
    load_before, warning = measurement.check_quiet(args.allow_load)
    if warning:
        print(warning, flush=True)
    X, description = load_images(args.images)
    env = dict(os.environ, **(measurement.KEEP_FREED_MEMORY if args.keep_freed_memory else {}))
    runs = {variant: [] for variant in variants}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "X.npy")
        np.save(path, X)
        child = ["--data", path, "--epochs", str(args.epochs), "--threads", str(args.threads)]
        for r in range(args.rounds):
            for variant in variants[r % len(variants) :] + variants[: r % len(variants)]:
                run = measurement.run_child(["--child", variant, *child], __file__, env, 3600)
                runs[variant].append(run)
                print(f"  round {r + 1}, {variant}: {run['median_ms']:.0f} ms", flush=True)
    load_after = os.getloadavg()[0]

    from aelearn.threads import threads_for

    threads = args.threads or f"{threads_for(build_aelearn())} (aelearn.threads' choice)"
    malloc = "glibc told to keep freed memory" if args.keep_freed_memory else "default malloc"
    print(f"machine: {measurement.machine_description()}")
    print(f"BLAS: {measurement.blas_description()}; threads: {threads}; {malloc}")
    print(f"data: {description}; conv DAE 178,001 params, batch 128, float32, Adam lr 0.001")
    print(f"1-min load {load_before:.2f} before, {load_after:.2f} after")
    print(
        f"median over {args.rounds} rounds of each process's median of epochs 2..{args.epochs}; "
        "buys = (undone - fast) / undone, from the medians and as the median of the rounds' "
        f"own; issue 26 keeps a trick that buys at least {THRESHOLD:.0%} of an epoch"
    )
    fast_ms = float(np.median([run["median_ms"] for run in runs["fast"]]))
    fast_loss = runs["fast"][0]["first_loss"]
    header = (
        f"  {'variant':<15} {'undone':<46} {'ms/epoch':>8} {'x fast':>6} {'buys':>6} "
        f"{'rounds':>6}  {'verdict':<14} {'1st-epoch loss':>14} {'rel. diff':>9} {'calls':>6}"
    )
    print(header)
    problems = []
    for variant in variants:
        what = VARIANTS[variant][0]
        ms = float(np.median([run["median_ms"] for run in runs[variant]]))
        pairs = zip(runs[variant], runs["fast"], strict=True)
        fractions = [(v["median_ms"] - f["median_ms"]) / v["median_ms"] for v, f in pairs]
        paired = float(np.median(fractions))
        if variant == "fast":
            verdict = "-"
        else:
            verdict = "keeps its place" if paired >= THRESHOLD else "below 10%"
        loss = runs[variant][0]["first_loss"]
        difference = abs(loss - fast_loss) / abs(fast_loss)
        calls = runs[variant][0]["calls"]
        if difference > LOSS_TOLERANCE:
            problems.append(f"{variant}: its first epoch's loss differs by {difference:.1e}")
        if calls == 0:
            problems.append(f"{variant}: the patched code never ran")
        print(
            f"  {variant:<15} {what:<46} {ms:8.0f} {ms / fast_ms:6.2f} {(ms - fast_ms) / ms:6.1%} "
            f"{paired:6.1%}  {verdict:<14} {loss:14.7g} {difference:9.1e} "
            f"{'-' if calls is None else calls:>6}"
        )
    print("per round (ms/epoch):")
    for variant in variants:
        print(f"  {variant:<15} " + " ".join(f"{run['median_ms']:.0f}" for run in runs[variant]))
    if problems:
        print("NOT THE SAME COMPUTATION: " + "; ".join(problems))
    else:
        print(
            f"every variant ran its patched code and agrees with the fast kernels' first "
            f"epoch's loss to {LOSS_TOLERANCE:.0e} (float32 rounding)"
        )
    if warning:
        print(warning)


if __name__ == "__main__":
    main()
