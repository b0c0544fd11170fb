"""Checks for the exercises of notebook 06, convolutional autoencoders.

The student's convolution and size formulas are compared with aelearn's conv2d, Conv2d and
ConvTranspose2d on inputs from a seeded Generator. The experiment's answers are held to
ranges around what the reference solution gives across seeds (the command and the measured
ranges are in the comment above ``FEWER_IMAGES``).
"""

import itertools

import numpy as np

from aelearn.autograd import Tensor
from aelearn.exercises.verdict import call, check, close, entries, number, within, wrong
from aelearn.nn import Conv2d, ConvTranspose2d, Dense
from aelearn.nn.functional import conv2d


@check("06 exercise 1: a convolution by loops")
def conv_by_loops(convolve):
    """``convolve(image, kernel, stride)``: image (H, W), kernel (kH, kW), no padding ->
    (Ho, Wo), Ho = (H - kH) // stride + 1, compared with aelearn's conv2d."""
    rng = np.random.default_rng(801)
    image = rng.normal(size=(7, 6))
    for kernel_shape, stride in [((3, 3), 1), ((2, 3), 1), ((3, 3), 2)]:
        kernel = rng.normal(size=kernel_shape)
        expected = conv2d(
            Tensor(image[None, None]), Tensor(kernel[None, None]), stride=stride
        ).data[0, 0]
        got = call(convolve, image.copy(), kernel.copy(), stride, what="your convolution")
        shape = "x".join(map(str, kernel_shape))
        close(got, expected, f"with a {shape} kernel and stride {stride}, output", rtol=1e-9)
    return (
        "your loops match conv2d: each output pixel is the window times the kernel, summed "
        "(a cross-correlation: the kernel is not flipped, as in PyTorch)"
    )


def _sizes_agree(formula, layer_size, settings, names):
    """ "wrong" at the first setting where the student's formula and the layer disagree."""
    for setting in settings:
        expected = layer_size(*setting)
        got = number(call(formula, *setting, what="your formula"), "the output size")
        if got != expected:
            at = ", ".join(f"{n}={v}" for n, v in zip(names, setting, strict=True))
            wrong(
                f"for {at} your formula gives {got:g} where the layer's output is {expected} "
                f"wide (off by {got - expected:+g})"
            )


def _conv_size(size, kernel_size, stride, padding):
    layer = Conv2d(1, 1, kernel_size, stride=stride, padding=padding, bias=False, rng=0)
    return layer(Tensor(np.zeros((1, 1, size, size), np.float32))).shape[3]


@check("06 exercise 2a: the output size of Conv2d")
def conv_size(conv_output_size):
    """``conv_output_size(size, kernel_size, stride, padding)``: Conv2d's output width."""
    settings = [
        s
        for s in itertools.product((5, 8, 9), (1, 2, 3, 5), (1, 2, 3), (0, 1, 2))
        if s[0] + 2 * s[3] >= s[1]
    ]
    _sizes_agree(
        conv_output_size, _conv_size, settings, ("size", "kernel_size", "stride", "padding")
    )
    return (
        "(size + 2 padding - kernel_size) // stride + 1 on every setting tried: on 8x8 with "
        "kernel 3, stride 2, padding 1 the maps are 4x4"
    )


def _transposed_size(size, kernel_size, stride, padding, output_padding):
    layer = ConvTranspose2d(1, 1, kernel_size, stride, padding, output_padding, bias=False, rng=0)
    return layer(Tensor(np.zeros((1, 1, size, size), np.float32))).shape[3]


@check("06 exercise 2b: the output size of ConvTranspose2d")
def transposed_size(transposed_output_size):
    """``transposed_output_size(size, kernel_size, stride, padding, output_padding)``:
    ConvTranspose2d's output width."""
    settings = [
        s
        for s in itertools.product((2, 4, 5), (2, 3, 4), (1, 2, 3), (0, 1), (0, 1))
        if s[4] < s[2] and (s[0] - 1) * s[2] + s[1] + s[4] > 2 * s[3]
    ]
    names = ("size", "kernel_size", "stride", "padding", "output_padding")
    _sizes_agree(transposed_output_size, _transposed_size, settings, names)
    return (
        "(size - 1) stride - 2 padding + kernel_size + output_padding: with kernel 3, stride 2, "
        "padding 1 and output_padding 1, 2x2 becomes 4x4 and 4x4 becomes 8x8"
    )


@check("06 exercise 3: parameters of a convolution and of a dense layer")
def parameter_counts(answer):
    """``answer``: {"conv", "dense"}, weights and biases of Conv2d(1, 16, 3, stride=2,
    padding=1) and of a dense layer from 64 pixels to its 16 x 4 x 4 outputs."""
    got = entries(answer, ("conv", "dense"))
    expected = {
        "conv": Conv2d(1, 16, 3, stride=2, padding=1, rng=0).n_parameters(),
        "dense": Dense(64, 16 * 4 * 4, rng=0).n_parameters(),
    }
    biases = {"conv": 16, "dense": 16 * 4 * 4}
    for key, value in got.items():
        if value != expected[key]:
            off = value - expected[key]
            clue = (
                " (the biases: one per output channel or unit)" if abs(off) == biases[key] else ""
            )
            wrong(
                f"answer[{key!r}] is {value:g} where {expected[key]} is expected "
                f"(off by {off:+g}){clue}"
            )
    return (
        f"{expected['dense'] / expected['conv']:.0f} times fewer: the convolution shares its 16 "
        "kernels of 3x3 over every position"
    )


# Exercise 4, measured with
#     python notebooks/exercise_runner.py 06_convolutional --seeds 0 1 2 3 4 5
# noisy_input 0.0508 .. 0.0527, conv_full 0.0268 .. 0.0310, dense_full 0.0238 .. 0.0248,
# conv_half 0.0378 .. 0.0451, dense_half 0.0288 .. 0.0306; what half the images costs, conv
# 0.0096 .. 0.0154 and dense 0.0049 .. 0.0062, the conv DAE's loss 1.75 to 3.1 times the
# dense one's. Each range is widened by about a tenth of its value so that a student's own
# run passes; the untrained models (0.179) and the unclipped noise (0.089) stay outside.
FEWER_IMAGES = {
    "noisy_input": (0.047, 0.057),
    "conv_full": (0.024, 0.035),
    "dense_full": (0.021, 0.028),
    "conv_half": (0.034, 0.050),
    "dense_half": (0.026, 0.034),
}
CONV_LOSS_OVER_DENSE = 1.3  # measured 1.75 .. 3.1


@check("06 exercise 4: half as many training images")
def fewer_images(answer):
    """``answer``: {"noisy_input", "conv_full", "dense_full", "conv_half", "dense_half"}, MSE
    per pixel against the clean test images of the noisy test images and of each DAE's
    ``denoise``, trained on all of X_fit and on its first half for 30 epochs."""
    keys = tuple(FEWER_IMAGES)
    e = entries(answer, keys)
    for key in keys[1:]:
        if abs(e[key] - e["noisy_input"]) <= 1e-6:
            wrong(
                f"answer[{key!r}] equals noisy_input ({e['noisy_input']:.4f}): that is the noisy "
                "input's own error; give the error of the model's denoise(noisy) against X_test"
            )
    for model in ("conv", "dense"):
        full, half = e[f"{model}_full"], e[f"{model}_half"]
        if full == half:
            wrong(
                f"{model}_full and {model}_half are both {full:.4f}: train a fresh model on "
                "X_fit[: len(X_fit) // 2] for the half"
            )
    for model in ("conv", "dense"):
        if e[f"{model}_half"] <= e[f"{model}_full"]:
            wrong(
                f"{model}_half ({e[f'{model}_half']:.4f}) should be worse than {model}_full "
                f"({e[f'{model}_full']:.4f}), as at every seed of the reference solution: are "
                "the two swapped?"
            )
    trained = (
        "train a fresh model for 30 epochs on {}, then compare its denoise(noisy) with the "
        "clean data.X_test"
    )
    hints = {
        "noisy_input": "add np.random.default_rng(SEED).normal(0.0, 0.3, ...) to the test "
        "images, clip to [0, 1], and compare with the clean data.X_test",
        "conv_full": trained.format("all of X_fit"),
        "dense_full": trained.format("all of X_fit"),
        "conv_half": trained.format("X_fit[: len(X_fit) // 2]"),
        "dense_half": trained.format("X_fit[: len(X_fit) // 2]"),
    }
    for key, bounds in FEWER_IMAGES.items():
        within(e[key], f"answer[{key!r}]", bounds, hints[key], fmt=".4f")
    conv_loss = e["conv_half"] - e["conv_full"]
    dense_loss = e["dense_half"] - e["dense_full"]
    if conv_loss < CONV_LOSS_OVER_DENSE * dense_loss:
        wrong(
            f"the conv DAE loses {conv_loss:+.4f} and the dense one {dense_loss:+.4f}; in the "
            f"reference solution the conv DAE loses at least {CONV_LOSS_OVER_DENSE} times as "
            "much at every seed: are both trained for 30 epochs, with the same noise?"
        )
    return (
        f"on half the images the conv DAE's error rises by {conv_loss:+.4f} and the dense "
        f"one's by {dense_loss:+.4f}, {conv_loss / dense_loss:.1f} times as much; at a fixed "
        "number of epochs half the images is also half the updates"
    )
