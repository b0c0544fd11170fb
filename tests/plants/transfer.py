PLANTS = {
    "hidden_probe": [
        (
            "the gap closed by less than claimed",
            {"probe": 0.80, "probe_hidden": 0.805, "fine_tuned": 0.82},
            r"by 2 points or more \(it is \+0.5\)",
        ),
    ],
    "denoising_codes": [
        ("an implausible gain", {"autoencoder": 0.8, "denoising": 0.9}, r"\+10.0 points"),
    ],
    "small_code": [
        (
            "fine-tuning behind the probe",
            {"probe_32": 0.86, "probe_8": 0.81, "fine_tuned_32": 0.87, "fine_tuned_8": 0.80},
            "fine_tuned_8 .* should beat probe_8",
        ),
    ],
}
