"""aelearn chooses the BLAS threads inside its own calls, lets the user override the
choice, leaves the user's setting outside its calls alone, and trains to the same bits
whatever the machine's thread setting."""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import aelearn
from aelearn.models import Autoencoder
from aelearn.threads import PARALLEL_WEIGHTS, threads_for
from aelearn.training import Callback

X = np.random.default_rng(0).uniform(size=(64, 64)).astype(np.float32)


def blas_threads_now():
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


class Spy(Callback):
    def on_epoch_end(self, epoch, logs, trainer):
        self.seen = blas_threads_now()


def test_small_models_run_on_one_thread_and_large_ones_on_two_on_every_machine(monkeypatch):
    assert threads_for(Autoencoder((64, 128, 8), rng=0).parameters()) == 1
    large = Autoencoder((784, 512, 32), rng=0).parameters()
    assert max(p.size for p in large) >= PARALLEL_WEIGHTS
    for cores in (1, 2, 64):  # the choice is the model's, so the bits are the same anywhere
        monkeypatch.setattr("os.cpu_count", lambda cores=cores: cores)
        assert threads_for(large) == 2


def test_fit_runs_on_the_chosen_threads_and_restores_the_users_setting():
    spy = Spy()
    with threadpool_limits(limits=2, user_api="blas"):
        Autoencoder((64, 16, 4), rng=0).fit(X, epochs=1, callbacks=[spy], verbose=False)
        after = blas_threads_now()
    assert spy.seen == {1}
    assert after == {2}


def test_the_user_can_choose_the_threads_for_every_call_in_a_block():
    spy = Spy()
    with aelearn.blas_threads(2):
        Autoencoder((64, 16, 4), rng=0).fit(X, epochs=1, callbacks=[spy], verbose=False)
    assert spy.seen == {2}


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_blas_threads_refuses_what_is_not_a_positive_int(n):
    with pytest.raises(ValueError, match="positive number of threads"):
        with aelearn.blas_threads(n):
            pass


@pytest.mark.parametrize("sizes", [(64, 128, 8), (64, 1600, 8)], ids=["small", "large"])
def test_a_seeded_training_gives_the_same_bits_whatever_the_users_thread_setting(sizes):
    # (64, 128, 8) is the README's network, on one thread; 64 x 1600 = 102,400 weights
    # runs on two. OpenBLAS's products differ in their last bits between one thread and
    # two, so only aelearn's own choice keeps the bits.
    def train(threads):
        with threadpool_limits(limits=threads, user_api="blas"):
            model = Autoencoder(sizes, output="sigmoid", loss="mse", rng=0)
            model.fit(X, epochs=3, batch_size=16, verbose=False)
            codes = model.encode(X)
        return model.state_dict(), codes

    (one, codes_one), (two, codes_two) = train(1), train(2)
    assert all(np.array_equal(one[name], two[name]) for name in one)
    np.testing.assert_array_equal(codes_one, codes_two)
