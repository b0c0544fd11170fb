PLANTS = {
    "glorot_start": [("normal ahead", {"normal": 0.2, "glorot": 0.3}, "should beat normal")],
    "masked_pretraining": [
        ("a broken run", {"plain": 0.85, "masking": 0.3}, "masking is 0.300"),
    ],
    "all_labels": [("an implausible gap", {"pretrained": 0.96, "normal": 0.9}, "by 30 points")],
}
