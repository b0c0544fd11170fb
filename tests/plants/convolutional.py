import numpy as np


def _conv_by_loops(image, kernel, stride):
    kh, kw = kernel.shape
    out = np.zeros(((image.shape[0] - kh) // stride + 1, (image.shape[1] - kw) // stride + 1))
    for i, j in np.ndindex(out.shape):
        out[i, j] = np.sum(
            image[i * stride : i * stride + kh, j * stride : j * stride + kw] * kernel
        )
    return out


PLANTS = {
    "conv_by_loops": [
        (
            "the kernel flipped (a true convolution; conv2d, as PyTorch's, is a cross-correlation)",
            lambda image, kernel, stride: _conv_by_loops(image, kernel[::-1, ::-1], stride),
            r"output\[\d, \d\] is .* where .* is expected \(off by",
        ),
    ],
    "conv_size": [
        (
            "padding counted once",
            lambda size, k, stride, padding: (size + padding - k) // stride + 1,
            r"for size=\d, kernel_size=\d, stride=\d, padding=\d your formula gives",
        ),
    ],
    "transposed_size": [
        (
            "output_padding left out",
            lambda size, k, stride, padding, output_padding: (size - 1) * stride - 2 * padding + k,
            r"output_padding=1 your formula gives .* \(off by -1\)",
        ),
    ],
    "parameter_counts": [("the biases left out", {"conv": 144, "dense": 16640}, "the biases")],
    "fewer_images": [
        (
            "the conv model no more hurt by fewer images",
            {
                "noisy_input": 0.05,
                "conv_full": 0.026,
                "dense_full": 0.024,
                "conv_half": 0.028,
                "dense_half": 0.029,
            },
            "should lose clearly more",
        ),
    ],
}
