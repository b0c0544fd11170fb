PLANTS = {
    "chosen_class": [("a weak classifier's score", 0.3, "expect 0.8 or more")],
    "wrong_label": [("the wrong label's share", 0.1, "nearest the 7s")],
    "kl_against_vae": [("the KLs close", {"cvae_kl": 2.5, "vae_kl": 2.9}, "under 60%")],
}
