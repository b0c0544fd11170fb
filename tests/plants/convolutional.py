import numpy as np


def _conv_by_loops(image, kernel, stride, flip=False, stride_in_windows=True):
    """The reference loops, with the slips of the plants below switchable."""
    kernel = kernel[::-1, ::-1] if flip else kernel
    kh, kw = kernel.shape
    out = np.zeros(((image.shape[0] - kh) // stride + 1, (image.shape[1] - kw) // stride + 1))
    step = stride if stride_in_windows else 1
    for i, j in np.ndindex(out.shape):
        out[i, j] = np.sum(image[i * step : i * step + kh, j * step : j * step + kw] * kernel)
    return out


def _conv_stride_ignored(image, kernel, stride):
    return _conv_by_loops(image, kernel, 1)


# The experiment values of fewer_images are real, at seed 0. The right answer, from
#     python notebooks/exercise_runner.py 06_convolutional --seeds 0 1 2 3 4 5
# is noisy_input 0.0517, conv_full 0.0307, dense_full 0.0248, conv_half 0.0451, dense_half
# 0.0306. With one change to the solution, the noise and the models of the solution at seed 0:
#     the noise not clipped to [0, 1]: the noisy input's error            0.0894
#     the untrained convolutional DAE's denoise(noisy)                      0.1793
# The other plants rearrange these measured values (swapped, repeated).
RIGHT_4 = {
    "noisy_input": 0.0517,
    "conv_full": 0.0307,
    "dense_full": 0.0248,
    "conv_half": 0.0451,
    "dense_half": 0.0306,
}

PLANTS = {
    "conv_by_loops": [
        (
            "the kernel flipped (a true convolution; conv2d, as PyTorch's, is a cross-correlation)",
            lambda image, kernel, stride: _conv_by_loops(image, kernel, stride, flip=True),
            r"output\[\d, \d\] is .* where .* is expected \(off by",
        ),
        (
            "the stride ignored",
            _conv_stride_ignored,
            r"with a 3x3 kernel and stride 2, output has shape \(5, 4\); expected \(3, 2\)",
        ),
        (
            "the stride in the output's size but not in the windows",
            lambda image, kernel, stride: _conv_by_loops(
                image, kernel, stride, stride_in_windows=False
            ),
            r"with a 3x3 kernel and stride 2, output\[\d, \d\] is .* where",
        ),
        (
            "the output transposed (i and j swapped)",
            lambda image, kernel, stride: _conv_by_loops(image.T, kernel.T, stride),
            r"output has shape \(4, 5\); expected \(5, 4\)",
        ),
    ],
    "conv_size": [
        (
            "padding counted once",
            lambda size, k, stride, padding: (size + padding - k) // stride + 1,
            r"for size=\d, kernel_size=\d, stride=\d, padding=\d your formula gives",
        ),
        (
            "the stride ignored",
            lambda size, k, stride, padding: size + 2 * padding - k + 1,
            r"stride=2, padding=\d your formula gives \d+ .* \(off by \+\d+\)",
        ),
        (
            "a true division, not a floor",
            lambda size, k, stride, padding: (size + 2 * padding - k) / stride + 1,
            r"your formula gives \d+\.\d+ where the layer's output is",
        ),
        (
            "rounded up, not down",
            lambda size, k, stride, padding: -(-(size + 2 * padding - k) // stride) + 1,
            r"your formula gives \d+ where .* \(off by \+1\)",
        ),
    ],
    "transposed_size": [
        (
            "output_padding left out",
            lambda size, k, stride, padding, output_padding: (size - 1) * stride - 2 * padding + k,
            r"output_padding=1 your formula gives .* \(off by -1\)",
        ),
        (
            "padding counted once",
            lambda size, k, stride, padding, output_padding: (
                (size - 1) * stride - padding + k + output_padding
            ),
            r"padding=1, output_padding=0 your formula gives .* \(off by \+1\)",
        ),
        (
            "size times stride, not (size - 1) times stride",
            lambda size, k, stride, padding, output_padding: (
                size * stride - 2 * padding + k + output_padding
            ),
            r"stride=1, .* \(off by \+1\)",
        ),
    ],
    "parameter_counts": [
        ("the biases left out", {"conv": 144, "dense": 16640}, r"'conv'\] .*the biases"),
        ("the dense layer's biases left out", {"conv": 160, "dense": 16384}, "the biases"),
        (
            "a kernel per output position (no weight sharing)",
            {"conv": 16 * 16 * 9 + 16, "dense": 16640},
            r"answer\['conv'\] is 2320 where 160 is expected",
        ),
        (
            "the dense layer to one channel's 4x4 map",
            {"conv": 160, "dense": 64 * 16 + 16},
            r"answer\['dense'\] is 1040 where 16640 is expected",
        ),
    ],
    "fewer_images": [
        (
            "the noisy input's own error given as the half conv DAE's",
            RIGHT_4 | {"conv_half": 0.0517},
            r"'conv_half'\] equals noisy_input .* noisy input's own error",
        ),
        (
            "the noise not clipped to [0, 1]",
            RIGHT_4 | {"noisy_input": 0.0894},
            r"'noisy_input'\] is 0.0894, above .* clip to \[0, 1\]",
        ),
        (
            "the untrained convolutional DAE for the half",
            RIGHT_4 | {"conv_half": 0.1793},
            r"'conv_half'\] is 0.1793, above .* train a fresh model",
        ),
        (
            "the full model evaluated twice (the same model twice)",
            RIGHT_4 | {"conv_half": 0.0307},
            "conv_full and conv_half are both 0.0307: train a fresh model",
        ),
        (
            "the conv and dense DAEs swapped",
            RIGHT_4
            | {
                "conv_full": 0.0248,
                "dense_full": 0.0307,
                "conv_half": 0.0306,
                "dense_half": 0.0451,
            },
            r"'dense_full'\] is 0.0307, above",
        ),
        (
            "full and half swapped",
            RIGHT_4 | {"dense_full": 0.0306, "dense_half": 0.0248},
            "dense_half .* should be worse than dense_full .* swapped",
        ),
    ],
}
