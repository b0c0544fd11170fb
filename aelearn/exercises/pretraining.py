"""Checks for the exercises of notebook 04, greedy layer-wise pre-training (test accuracies as
fractions).

An experiment's tolerances are the range of the reference solution's answers over the seeds
0 to 5, measured with

    python notebooks/exercise_runner.py 04_pretraining --seeds 0 1 2 3 4 5

and widened by a margin; each constant says what was measured, and tests/plants/pretraining.py
what the plausible wrong answers give.
"""

from aelearn.exercises.verdict import accuracies, check, within, wrong

# Exercise 1, at seeds 0-5: normal 0.186 .. 0.231, glorot 0.828 .. 0.892.
NORMAL_START = (0.05, 0.35)  # a deep sigmoid network from N(0, 0.01^2), 200 or 1437 labels
GLOROT_START = (0.75, 0.96)
# Exercise 2, at seeds 0-5: plain 0.811 .. 0.875, masking 0.797 .. 0.875, masking - plain
# -7.2 .. +6.4 points.
PRETRAINED_FEW = (0.72, 0.91)
MASKING_GAP = 0.12  # |masking - plain| at most
# Exercise 3, at seeds 0-5: pretrained 0.875 .. 0.925, normal 0.189 .. 0.239.
PRETRAINED_ALL = (0.82, 0.97)


@check("04 exercise 1: a Glorot start instead of N(0, 0.01^2)")
def glorot_start(answer):
    """``answer``: {"normal", "glorot"} test accuracies of the random starts, 200 labels."""
    a = accuracies(answer, ("normal", "glorot"))
    within(
        a["normal"],
        "normal",
        NORMAL_START,
        "train the network with init='normal' (init_std left at 0.01), and measure it on "
        "data.X_test",
    )
    within(
        a["glorot"],
        "glorot",
        GLOROT_START,
        "train a fresh network with init='glorot' on X_few, y_few for 150 epochs at lr=3e-3, "
        "and measure it on data.X_test, not on the training images",
    )
    return (
        f"glorot reaches {a['glorot']:.3f} against {a['normal']:.3f} for the N(0, 0.01^2) start, "
        f"{100 * (a['glorot'] - a['normal']):+.1f} points, with no pre-training"
    )


@check("04 exercise 2: pre-training with masking noise")
def masked_pretraining(answer):
    """``answer``: {"plain", "masking"} test accuracies of the pre-trained classifiers."""
    a = accuracies(answer, ("plain", "masking"))
    for key in ("plain", "masking"):
        within(
            a[key],
            key,
            PRETRAINED_FEW,
            "turn each stack into a classifier with to_classifier, fine-tune it on X_few, "
            "y_few, and measure it on data.X_test",
        )
    difference = a["masking"] - a["plain"]
    if abs(difference) > MASKING_GAP:
        wrong(
            f"masking and plain differ by {100 * difference:+.1f} points; at every seed we "
            f"measured they are within {100 * MASKING_GAP:.0f}: check that both stacks see the "
            "same epochs and the same labels"
        )
    return (
        f"{a['masking']:.3f} with masking against {a['plain']:.3f} plain "
        f"({100 * difference:+.1f} points)"
    )


@check("04 exercise 3: all 1437 labels")
def all_labels(answer):
    """``answer``: {"pretrained", "normal"} test accuracies after 20 epochs on every label."""
    a = accuracies(answer, ("pretrained", "normal"))
    within(
        a["pretrained"],
        "pretrained",
        PRETRAINED_ALL,
        "fine-tune the pre-trained stack's classifier on data.X_train, data.y_train (every "
        "label), 20 epochs at lr=3e-3",
    )
    within(
        a["normal"],
        "normal",
        NORMAL_START,
        "start the random network with init='normal' (init_std left at 0.01), as in the notebook",
    )
    return (
        f"with every label, pretrained {a['pretrained']:.3f} against {a['normal']:.3f} for the "
        "N(0, 0.01^2) start after 20 epochs"
    )
