"""aelearn chooses the BLAS threads inside its own calls from the work of the model's largest
product, lets the user override the choice, keeps the outer choice in nested calls, leaves
the user's setting outside its calls alone, and trains to the same bits whatever the
machine's thread setting."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import aelearn
from aelearn.models import (
    CVAE,
    VAE,
    Autoencoder,
    Classifier,
    DenoisingAutoencoder,
    StackedAutoencoder,
)
from aelearn.nn import Conv2d, ConvTranspose2d, Dense, Sequential
from aelearn.threads import PARALLEL_WORK, chosen_threads, largest_product, threads_for
from aelearn.training import Callback

X = np.random.default_rng(0).uniform(size=(64, 64)).astype(np.float32)


def blas_threads_now():
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


class Spy(Callback):
    """Reads the BLAS thread count at the end of every epoch, inside fit."""

    def __init__(self):
        self.seen = set()

    def on_epoch_end(self, epoch, logs, run):
        self.seen |= blas_threads_now()


def spy_on_forward(module, seen):
    """Make ``module.forward`` note the BLAS thread count each time it runs."""
    forward = module.forward

    def noting(*args, **kwargs):
        seen.update(blas_threads_now())
        return forward(*args, **kwargs)

    module.forward = noting


# ----- the rule: multiply-adds per example of the largest product ----------------------------
def test_a_dense_product_counts_its_weights():
    assert Dense(784, 512, rng=0).multiply_adds((784,)) == 784 * 512


def test_a_convolution_counts_its_weights_times_its_output_positions():
    conv = Conv2d(32, 64, 3, stride=2, padding=1, rng=0)  # (32, 14, 14) -> (64, 7, 7)
    assert conv.multiply_adds((32, 14, 14)) == (64 * 32 * 3 * 3) * (7 * 7)


def test_a_transposed_convolution_counts_its_weights_times_its_input_positions():
    conv = ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1, rng=0)
    assert conv.multiply_adds((64, 14, 14)) == (64 * 32 * 3 * 3) * (14 * 14)


def test_a_network_whose_input_shape_is_unknown_counts_the_weights_of_its_largest_layer():
    net = Sequential(Conv2d(1, 8, 3, rng=0), Dense(10, 20, rng=0))  # no input_shape to read
    assert largest_product(net) == 10 * 20


DIGITS = {
    "ae": lambda: Autoencoder((64, 128, 8), rng=0),
    "dae": lambda: DenoisingAutoencoder((64, 128, 8), rng=0),
    "vae": lambda: VAE((64, 128, 8), rng=0),
    "cvae": lambda: CVAE((64, 128, 8), n_classes=10, rng=0),
    "classifier": lambda: Classifier(None, 10, (128,), n_features=64, rng=0),
    "stage": lambda: StackedAutoencoder((128, 64, 32), rng=0).fit(X, epochs=1).autoencoders_[0],
}


@pytest.mark.parametrize("kind", DIGITS)
def test_the_digits_networks_run_on_one_thread(kind):
    model = DIGITS[kind]()
    assert largest_product(model) < PARALLEL_WORK
    assert threads_for(model) == 1


def test_the_784_512_dense_autoencoder_runs_on_two_threads_on_every_machine(monkeypatch):
    large = Autoencoder((784, 512, 32), rng=0)
    assert largest_product(large) == 784 * 512 >= PARALLEL_WORK
    for cores in (1, 2, 64):  # the choice is the model's, so the bits are the same anywhere
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert threads_for(large) == 2


def test_the_courses_convolutional_dae_runs_on_two_threads_though_no_weight_matrix_is_large():
    model = DenoisingAutoencoder.convolutional(rng=0)  # (1, 28, 28), filters (32, 64)
    # Its largest weight matrix, the 3136 x 16 code layer, is below the threshold: counting
    # weights alone would keep it on one thread.
    assert max(p.size for p in model.parameters()) == 3136 * 16 < PARALLEL_WORK
    products = [
        (1 * 32 * 9) * (14 * 14),  # Conv2d 1 -> 32, output 14 x 14
        (32 * 64 * 9) * (7 * 7),  # Conv2d 32 -> 64, output 7 x 7
        3136 * 16,  # Dense to the code
        16 * 3136,  # Dense from the code
        (64 * 64 * 9) * (7 * 7),  # ConvTranspose2d 64 -> 64, input 7 x 7
        (64 * 32 * 9) * (14 * 14),  # ConvTranspose2d 64 -> 32, input 14 x 14
        (32 * 1 * 9) * (28 * 28),  # ConvTranspose2d 32 -> 1, input 28 x 28
    ]
    assert largest_product(model) == max(products) == 3_612_672
    assert threads_for(model) == 2


# ----- the user's choice ---------------------------------------------------------------------
def test_blas_threads_overrides_the_choice_inside_its_block_and_restores_it_after():
    small, large = Autoencoder((64, 16, 4), rng=0), Autoencoder((784, 512, 32), rng=0)
    with aelearn.blas_threads(2):
        assert threads_for(small) == 2
        with aelearn.blas_threads(1):
            assert threads_for(large) == 1
        assert threads_for(large) == 2 and threads_for(small) == 2
    assert threads_for(small) == 1 and threads_for(large) == 2


def test_blas_threads_is_restored_when_its_block_raises():
    small = Autoencoder((64, 16, 4), rng=0)
    with pytest.raises(RuntimeError, match="inside"):
        with aelearn.blas_threads(2):
            raise RuntimeError("inside")
    assert threads_for(small) == 1


def test_the_user_can_choose_the_threads_for_every_call_in_a_block():
    spy = Spy()
    with aelearn.blas_threads(2):
        Autoencoder((64, 16, 4), rng=0).fit(X, epochs=1, callbacks=[spy], verbose=False)
    assert spy.seen == {2}


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_blas_threads_refuses_what_is_not_a_positive_int(n):
    with pytest.raises(ValueError, match="number of threads must be a positive integer"):
        with aelearn.blas_threads(n):
            pass


# ----- the limit in force inside aelearn's calls, and only there -----------------------------
@pytest.mark.parametrize(
    ("sizes", "users", "chosen"), [((64, 16, 4), 2, 1), ((784, 512, 32), 1, 2)]
)
def test_fit_runs_on_the_chosen_threads_and_restores_the_users_setting(sizes, users, chosen):
    spy = Spy()
    data = np.random.default_rng(1).uniform(size=(16, sizes[0])).astype(np.float32)
    with threadpool_limits(limits=users, user_api="blas"):
        Autoencoder(sizes, rng=0).fit(data, epochs=1, callbacks=[spy], verbose=False)
        after = blas_threads_now()
    assert spy.seen == {chosen}
    assert after == {users}


def test_encode_runs_on_the_chosen_threads_and_restores_the_users_setting():
    model, seen = DenoisingAutoencoder.convolutional(rng=0), set()
    spy_on_forward(model.encoder, seen)
    images = np.random.default_rng(1).uniform(size=(2, 1, 28, 28)).astype(np.float32)
    with threadpool_limits(limits=1, user_api="blas"):
        codes = model.encode(images)
        after = blas_threads_now()
    assert codes.shape == (2, 16)
    assert seen == {2} and after == {1}


def test_a_nested_call_keeps_the_outer_choice():
    small, large = Autoencoder((64, 16, 4), rng=0), Autoencoder((784, 512, 32), rng=0)
    seen = set()
    spy_on_forward(small.encoder, seen)
    with threadpool_limits(limits=1, user_api="blas"):
        with chosen_threads(large):
            small.encode(X)  # a call that on its own would run on one thread
            inside = blas_threads_now()
        after = blas_threads_now()
    assert seen == {2} and inside == {2} and after == {1}


def test_fit_evaluating_inside_keeps_the_choice_of_fit():
    # The validation pass (evaluate) and a callback's own call to the model run within fit's
    # choice; afterwards the user's setting is back.
    seen = set()

    class EncodeEachEpoch(Callback):
        def on_epoch_end(self, epoch, logs, run):
            run.model.encode(X[:4])
            seen.update(blas_threads_now())

    model = Autoencoder((64, 16, 4), rng=0)
    with threadpool_limits(limits=2, user_api="blas"):
        model.fit(X, epochs=2, validation_data=X[:8], callbacks=[EncodeEachEpoch()], verbose=False)
        after = blas_threads_now()
    assert seen == {1} and after == {2}


# ----- the same bits everywhere --------------------------------------------------------------
@pytest.mark.parametrize("sizes", [(64, 128, 8), (64, 1600, 8)], ids=["small", "large"])
def test_a_seeded_training_gives_the_same_bits_whatever_the_users_thread_setting(sizes):
    # (64, 128, 8) is the README's network, on one thread; 64 x 1600 = 102,400 multiply-adds
    # runs on two. OpenBLAS's products differ in their last bits between one thread and
    # two, so only aelearn's own choice keeps the bits.
    def train(threads):
        with threadpool_limits(limits=threads, user_api="blas"):
            model = Autoencoder(sizes, output_activation="sigmoid", loss="mse", rng=0)
            model.fit(X, epochs=3, batch_size=16, verbose=False)
            codes = model.encode(X)
        return model.state_dict(), codes

    (one, codes_one), (two, codes_two) = train(1), train(2)
    assert all(np.array_equal(one[name], two[name]) for name in one)
    np.testing.assert_array_equal(codes_one, codes_two)
