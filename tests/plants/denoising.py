# The experiment values are real: the reference solutions' answers at seed 0, from
#     python notebooks/exercise_runner.py 05_denoising --seeds 0 1 2 3 4 5
# and each mistake made at seed 0, with the models and masks of the solutions, by a script
# that runs the solution with the one change the mistake names:
#     masked test images at 0.3 against the clean ones             0.0675 (noisy_input)
#     masked at 0.4 instead                                        0.0909
#     an untrained 64-128-16 DAE, denoise(masked)                  0.1795
#     an untrained 64-128-16 Autoencoder on clean test images      0.1794
#     an untrained 64-128-64 Autoencoder on masked test images     0.1826
#     the Gaussian DAE's output against the masked, not the clean, images    0.0513
#     the trained masking DAE fed masked images, against the clean ones      0.0244
#     the trained plain 64-128-16 on the training images           0.0075 (test: 0.0090)
#     the trained plain 64-128-16 fed masked test images           0.0358
#     the trained plain 64-128-64 fed clean test images            0.0039
#     the trained plain 64-128-64's output against the masked images         0.0191
# and gaussian_dae 0.0290, masking_dae 0.0244; plain 0.0090, denoising 0.0168; plain_64
# 0.0458, denoising_64 0.0220 for the right answers.

PLANTS = {
    "other_corruption": [
        (
            "the two models swapped",
            {"noisy_input": 0.0675, "gaussian_dae": 0.0244, "masking_dae": 0.0290},
            "masking_dae .* should beat gaussian_dae .* swapped",
        ),
        (
            "the noisy input's own error given as the Gaussian model's",
            {"noisy_input": 0.0675, "gaussian_dae": 0.0675, "masking_dae": 0.0244},
            r"'gaussian_dae'\] equals noisy_input .* masked input's own error",
        ),
        (
            "the untrained model",
            {"noisy_input": 0.0675, "gaussian_dae": 0.1795, "masking_dae": 0.0244},
            r"'gaussian_dae'\] is 0.1795, above the 0.026 .. 0.035",
        ),
        (
            "the output compared with the masked images, not the clean ones",
            {"noisy_input": 0.0675, "gaussian_dae": 0.0513, "masking_dae": 0.0628},
            r"'gaussian_dae'\] is 0.0513, above .* compare its output with the clean",
        ),
        (
            "the same (masking) model twice",
            {"noisy_input": 0.0675, "gaussian_dae": 0.0244, "masking_dae": 0.0244},
            "both 0.0244: train one model with noise='gaussian'",
        ),
        (
            "masked at 0.4, not 0.3",
            {"noisy_input": 0.0909, "gaussian_dae": 0.0290, "masking_dae": 0.0244},
            r"'noisy_input'\] is 0.0909, above .* mask the test images at 0.3",
        ),
    ],
    "clean_images": [
        (
            "the two models swapped",
            {"plain": 0.0168, "denoising": 0.0090},
            "should reconstruct clean images better .* swapped",
        ),
        (
            "the plain model's training error (the wrong split)",
            {"plain": 0.0075, "denoising": 0.0168},
            r"'plain'\] is 0.0075, below .* \(the test set, not the training set",
        ),
        (
            "the denoising model fed masked images",
            {"plain": 0.0090, "denoising": 0.0244},
            r"'denoising'\] is 0.0244, above .* feed the denoising model clean images",
        ),
        (
            "the untrained plain model",
            {"plain": 0.1794, "denoising": 0.0168},
            r"'plain'\] is 0.1794, above .* train for 40 epochs",
        ),
        (
            "the same model twice",
            {"plain": 0.0090, "denoising": 0.0090},
            "both 0.0090: train an Autoencoder and a DenoisingAutoencoder",
        ),
    ],
    "wide_code": [
        (
            "the noisy input's own error given as plain_64",
            {"noisy_input": 0.0675, "plain_64": 0.0675, "denoising_64": 0.0220},
            r"'plain_64'\] equals noisy_input .* masked input's own error",
        ),
        (
            "the wide plain model fed the clean images",
            {"noisy_input": 0.0675, "plain_64": 0.0039, "denoising_64": 0.0220},
            r"'plain_64'\] is 0.0039, below .* feed each the masked test images",
        ),
        (
            "the wide plain model's output compared with the masked images",
            {"noisy_input": 0.0675, "plain_64": 0.0191, "denoising_64": 0.0220},
            r"'plain_64'\] is 0.0191, below .* compare its output with the clean",
        ),
        (
            "the 16-unit plain model instead of the 64-unit one",
            {"noisy_input": 0.0675, "plain_64": 0.0358, "denoising_64": 0.0220},
            r"'plain_64'\] is 0.0358, below the 0.039 .. 0.056",
        ),
        (
            "the untrained wide plain model",
            {"noisy_input": 0.0675, "plain_64": 0.1826, "denoising_64": 0.0220},
            r"'plain_64'\] is 0.1826, above",
        ),
        (
            "the same model twice",
            {"noisy_input": 0.0675, "plain_64": 0.0220, "denoising_64": 0.0220},
            "both 0.0220: train a plain Autoencoder and a DenoisingAutoencoder",
        ),
    ],
}
