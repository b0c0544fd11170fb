"""Checks for the exercises of notebook 03, transfer learning (test accuracies as fractions).

The tolerances hold for the reference solutions at seeds 0, 1 and 2 (tests/test_exercises.py
runs them at another seed than the notebook's).
"""

from aelearn.exercises.verdict import accuracies, check, wrong


@check("03 exercise 1: a hidden layer in the frozen probe")
def hidden_probe(answer):
    """``answer``: {"probe", "probe_hidden", "fine_tuned"} test accuracies with 50 labels."""
    a = accuracies(answer, ("probe", "probe_hidden", "fine_tuned"))
    gain = a["probe_hidden"] - a["probe"]
    if gain < 0.02:
        wrong(
            f"probe_hidden ({a['probe_hidden']:.3f}) should beat the linear probe "
            f"({a['probe']:.3f}) by 2 points or more (it is {100 * gain:+.1f}): give the frozen "
            "probe hidden_sizes=(64,)"
        )
    if a["probe_hidden"] < a["fine_tuned"] - 0.04:
        wrong(
            f"probe_hidden ({a['probe_hidden']:.3f}) is more than 4 points below fine-tuning "
            f"({a['fine_tuned']:.3f}); with the same labels and epochs they should be close"
        )
    return (
        f"a hidden layer adds {100 * gain:.1f} points and lands within a few points of "
        "fine-tuning: the code holds the information, a linear head cannot read all of it"
    )


@check("03 exercise 2: the codes of a denoising autoencoder")
def denoising_codes(answer):
    """``answer``: {"autoencoder", "denoising"} frozen-probe test accuracies with 100 labels."""
    a = accuracies(answer, ("autoencoder", "denoising"))
    difference = a["denoising"] - a["autoencoder"]
    if abs(difference) > 0.06:
        wrong(
            f"the two probes differ by {100 * difference:+.1f} points; with the same sizes, "
            "epochs and labels they should be within 6 points: check that both encoders have "
            "32 units and both probes are frozen"
        )
    return (
        f"{100 * difference:+.1f} points: on the digits, denoising does not make the codes "
        "measurably better for a linear probe"
    )


@check("03 exercise 3: shrinking the code to 8 units")
def small_code(answer):
    """``answer``: {"probe_32", "probe_8", "fine_tuned_32", "fine_tuned_8"} accuracies."""
    a = accuracies(answer, ("probe_32", "probe_8", "fine_tuned_32", "fine_tuned_8"))
    drop = a["probe_32"] - a["probe_8"]
    if drop < 0.02:
        wrong(
            f"the frozen probe lost {100 * drop:.1f} points going from 32 to 8 units; it should "
            "lose 2 or more: check that probe_8 reads the 8-unit encoder"
        )
    if a["fine_tuned_8"] <= a["probe_8"]:
        wrong(
            f"fine_tuned_8 ({a['fine_tuned_8']:.3f}) should beat probe_8 ({a['probe_8']:.3f}): "
            "check freeze_encoder=False for the fine-tuned classifier"
        )
    return (
        f"the frozen probe loses {100 * drop:.1f} points; fine-tuning recovers most of it by "
        "widening what the 8 units keep"
    )
