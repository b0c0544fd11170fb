"""Checks for the exercises of notebook 05, denoising autoencoders (MSE per pixel).

The tolerances hold for the reference solutions at seeds 0, 1 and 2 (tests/test_exercises.py
runs them at another seed than the notebook's).
"""

from aelearn.exercises.verdict import check, entries, wrong


def _errors(answer, keys):
    values = entries(answer, keys)
    for key, value in values.items():
        if not 0.0 <= value < 1.0:
            wrong(f"answer[{key!r}] is {value}; expected an MSE per pixel, between 0 and 1")
    return values


@check("05 exercise 1: trained on Gaussian noise, tested on masking")
def other_corruption(answer):
    """``answer``: {"noisy_input", "gaussian_dae", "masking_dae"}, errors to the clean test
    images on inputs masked at 0.3."""
    e = _errors(answer, ("noisy_input", "gaussian_dae", "masking_dae"))
    if e["gaussian_dae"] > 0.6 * e["noisy_input"]:
        wrong(
            f"gaussian_dae ({e['gaussian_dae']:.4f}) should remove most of the masking, below "
            f"60% of noisy_input ({e['noisy_input']:.4f}): compare its output with the clean images"
        )
    if e["masking_dae"] >= e["gaussian_dae"]:
        wrong(
            f"masking_dae ({e['masking_dae']:.4f}) should beat gaussian_dae "
            f"({e['gaussian_dae']:.4f}) on the corruption it was trained for"
        )
    return (
        f"the Gaussian-trained model removes {1 - e['gaussian_dae'] / e['noisy_input']:.0%} of "
        "the masking error; the masking-trained one does better still"
    )


@check("05 exercise 2: plain and denoising on clean images")
def clean_images(answer):
    """``answer``: {"plain", "denoising"}, errors of the two models on clean test images."""
    e = _errors(answer, ("plain", "denoising"))
    if e["plain"] >= e["denoising"]:
        wrong(
            f"plain ({e['plain']:.4f}) should reconstruct clean images better than denoising "
            f"({e['denoising']:.4f}): feed both the clean X_test, and use reconstruct"
        )
    return (
        f"{e['plain']:.4f} against {e['denoising']:.4f}: the denoising model spends capacity on "
        "filling in strokes that clean images do not lack"
    )


@check("05 exercise 3: a code as wide as the input")
def wide_code(answer):
    """``answer``: {"noisy_input", "plain_64", "denoising_64"}, errors to the clean test
    images on inputs masked at 0.3, with 64-unit codes."""
    e = _errors(answer, ("noisy_input", "plain_64", "denoising_64"))
    if e["plain_64"] < 0.5 * e["noisy_input"]:
        wrong(
            f"plain_64 ({e['plain_64']:.4f}) removes more than half of the masking error "
            f"({e['noisy_input']:.4f}); a 64-unit plain autoencoder copies its input: feed it "
            "the masked images and compare with the clean ones"
        )
    if e["denoising_64"] > 0.5 * e["noisy_input"]:
        wrong(
            f"denoising_64 ({e['denoising_64']:.4f}) should stay below half of noisy_input "
            f"({e['noisy_input']:.4f}): the corruption keeps it from copying"
        )
    return (
        "the wide plain autoencoder learns to copy, masking and all; the denoising one still "
        "has to learn what digits look like"
    )
