PLANTS = {
    "other_corruption": [
        (
            "masking behind gaussian",
            {"noisy_input": 0.07, "gaussian_dae": 0.02, "masking_dae": 0.03},
            "masking_dae .* should beat gaussian_dae",
        ),
    ],
    "clean_images": [
        ("the plain model behind", {"plain": 0.016, "denoising": 0.008}, "should reconstruct"),
    ],
    "wide_code": [
        (
            "the wide model level with the DAE",
            {"noisy_input": 0.07, "plain_64": 0.02, "denoising_64": 0.02},
            "copies its input",
        ),
    ],
}
