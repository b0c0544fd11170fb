"""Checks for the exercises of notebook 08, the conditional VAE.

The tolerances hold for the reference solutions at seeds 0, 1 and 2 (tests/test_exercises.py
runs them at another seed than the notebook's).
"""

from aelearn.exercises.verdict import check, entries, fraction, wrong


@check("08 exercise 1: generating the chosen class")
def chosen_class(answer):
    """``answer``: the fraction of ``sample(50, label=c)`` images, over c = 0..9, whose
    nearest training class mean is c."""
    a = fraction(answer)
    if a < 0.8:
        wrong(f"{a:.3f} of the samples look like their label; expect 0.8 or more")
    return f"{a:.3f} of the samples are nearest the mean image of the class they were asked for"


@check("08 exercise 2: a 1 encoded and decoded as a 7")
def wrong_label(answer):
    """``answer``: the fraction of test 1s, encoded and decoded with c = 7, whose decoded
    image is nearest the training mean of the 7s."""
    a = fraction(answer)
    if a < 0.8:
        wrong(f"{a:.3f} of the decoded images are nearest the 7s; decode with label 7 too")
    return "the decoder draws the digit it is told; z only carries the style of the 1"


@check("08 exercise 3: the KL of the CVAE and of the VAE")
def kl_against_vae(answer):
    """``answer``: {"cvae_kl", "vae_kl"}, the sums of ``kl_per_dimension`` on the test
    digits of 8-unit models."""
    e = entries(answer, ("cvae_kl", "vae_kl"))
    if e["cvae_kl"] > 0.6 * e["vae_kl"]:
        wrong(
            f"cvae_kl ({e['cvae_kl']:.2f}) should be under 60% of vae_kl ({e['vae_kl']:.2f}): pass "
            "the labels to the CVAE's kl_per_dimension"
        )
    return "the label carries what digit it is, so z needs fewer nats: only the style is left"
