import numpy as np


def _held_at_zero(model, X, units):
    codes = model.encode(X)
    codes[:, units] = 0.0
    return model.decode(codes)


PLANTS = {
    "slow_linear_angles": [("too few epochs", np.full(8, 1.5), "largest angle is 1.50 degrees")],
    "identity_against_pca": [("below PCA's error", 0.02, "below PCA's")],
    "hold_units_at_mean": [("units held at zero", _held_at_zero, r"reconstruction\[\d+, \d+\] is")],
    "decode_line": [
        (
            "pixels interpolated, not codes",
            lambda model, a, b, steps: np.linspace(a, b, steps),
            r"decoded image\[\d, \d+\] is",
        ),
    ],
}
