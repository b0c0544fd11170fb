"""Checks for the exercises of notebook 04, greedy layer-wise pre-training.

The tolerances hold for the reference solutions at seeds 0, 1 and 2 (tests/test_exercises.py
runs them at another seed than the notebook's).
"""

from aelearn.exercises.verdict import accuracies, check, wrong


@check("04 exercise 1: a Glorot start instead of N(0, 0.01^2)")
def glorot_start(answer):
    """``answer``: {"normal", "glorot"} test accuracies of the random starts, 200 labels."""
    a = accuracies(answer, ("normal", "glorot"))
    if a["normal"] > 0.5:
        wrong(
            f"normal is {a['normal']:.3f}: the N(0, 0.01^2) start of the notebook barely "
            "learns (about 0.2); use init='normal' with the default init_std"
        )
    if a["glorot"] - a["normal"] < 0.4:
        wrong(
            f"glorot ({a['glorot']:.3f}) should beat normal ({a['normal']:.3f}) by 40 points "
            "or more: check init='glorot' and the same 150 epochs at lr=3e-3"
        )
    return (
        f"glorot reaches {a['glorot']:.3f} against {a['normal']:.3f}: most of pre-training's "
        "advantage was a rescue from a bad initialisation"
    )


@check("04 exercise 2: pre-training with masking noise")
def masked_pretraining(answer):
    """``answer``: {"plain", "masking"} test accuracies of the pre-trained classifiers."""
    a = accuracies(answer, ("plain", "masking"))
    if min(a.values()) < 0.7:
        wrong(
            f"{min(a, key=a.get)} is {min(a.values()):.3f}; a pre-trained classifier reaches "
            "0.8 or so: check that each stack is turned into the classifier you fine-tune"
        )
    difference = a["masking"] - a["plain"]
    if abs(difference) > 0.12:
        wrong(
            f"masking and plain differ by {100 * difference:+.1f} points; at these settings they "
            "are within a few points of each other: check that both stacks see the same epochs"
        )
    return (
        f"{a['masking']:.3f} against {a['plain']:.3f}: both pre-trainings rescue the deep "
        "network; which is ahead changes with the seed, so masking buys nothing clear here"
    )


@check("04 exercise 3: all 1437 labels")
def all_labels(answer):
    """``answer``: {"pretrained", "normal"} test accuracies after 20 epochs on every label."""
    a = accuracies(answer, ("pretrained", "normal"))
    if a["pretrained"] < 0.8:
        wrong(f"pretrained is {a['pretrained']:.3f}; with every label it should pass 0.8")
    if a["pretrained"] - a["normal"] < 0.3:
        wrong(
            f"pretrained ({a['pretrained']:.3f}) should beat normal ({a['normal']:.3f}) by 30 "
            "points or more in 20 epochs: check init='normal' for the random start"
        )
    return (
        f"{a['pretrained']:.3f} against {a['normal']:.3f}: more labels do not rescue a start that "
        "cannot pass a gradient down"
    )
