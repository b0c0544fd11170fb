"""Tests of aelearn.training.shards: a batch's gradient from its shards, computed in threads,
the same as the whole batch's and the same whatever the threads that run them."""

import numpy as np
import pytest

from aelearn.models import VAE, Autoencoder, DenoisingAutoencoder
from aelearn.threads import threads_for
from aelearn.training import TrainingDiverged
from aelearn.training.shards import ShardedGradients, shard_bounds


def data(n=40, d=12, seed=0, dtype=np.float32):
    return np.random.default_rng(seed).random((n, d)).astype(dtype)


def gradients_and_terms(model, X, shards, workers=None, seed=0):
    """The batch's terms and a copy of every parameter's gradient, from ``shards`` shards."""
    model.train()
    with ShardedGradients(model.loss_terms, model.parameters(), shards, workers) as gradients:
        terms = gradients(X, None, np.random.default_rng(seed))
    return terms, [p.grad.copy() for p in model.parameters()]


@pytest.mark.parametrize(("n", "shards"), [(10, 1), (10, 3), (128, 2), (7, 7), (3, 5)])
def test_shards_cover_the_batch_once_in_sizes_within_one_and_none_empty(n, shards):
    bounds = shard_bounds(n, shards)
    assert bounds[0][0] == 0 and bounds[-1][1] == n
    assert all(b == a2 for (_, b), (a2, _) in zip(bounds[:-1], bounds[1:], strict=True))
    sizes = [b - a for a, b in bounds]
    assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1
    assert len(bounds) == min(n, shards)


@pytest.mark.parametrize("shards", [2, 3, 40])
def test_the_shards_gradient_and_loss_are_the_whole_batchs(shards):
    # No random draws in an autoencoder's loss, so the shards compute the very batch loss:
    # only the order of the sums differs, at float64's last bits.
    model = Autoencoder((12, 7, 3), rng=0, dtype=np.float64)
    X = data(dtype=np.float64)
    whole_terms, whole = gradients_and_terms(model, X, shards=1)
    terms, sharded = gradients_and_terms(model, X, shards)
    assert terms["loss"] == pytest.approx(whole_terms["loss"], rel=1e-13)
    for g, expected in zip(sharded, whole, strict=True):
        np.testing.assert_allclose(g, expected, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize(
    "make",
    [
        lambda: DenoisingAutoencoder((12, 7, 3), noise="gaussian", rng=0),
        lambda: VAE((12, 7, 2), rng=0),
    ],
    ids=["dae", "vae"],
)
def test_the_numbers_depend_on_the_shards_not_on_the_threads_that_run_them(make):
    X = data()
    one_thread = gradients_and_terms(make(), X, shards=4, workers=1)
    two_threads = gradients_and_terms(make(), X, shards=4, workers=2)
    assert one_thread[0] == two_threads[0]
    for a, b in zip(one_thread[1], two_threads[1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_one_shard_uses_the_training_generator_itself_and_each_shard_its_own():
    X = data()
    rng = np.random.default_rng(5)
    model = DenoisingAutoencoder((12, 7, 3), noise="gaussian", rng=0).train()
    with ShardedGradients(model.loss_terms, model.parameters(), 1) as gradients:
        gradients(X, None, rng)
    # The whole batch's noise came from rng, as if loss_terms had been called with it.
    expected = np.random.default_rng(5)
    model.loss_terms(X, None, expected)
    assert rng.bit_generator.state == expected.bit_generator.state
    with ShardedGradients(model.loss_terms, model.parameters(), 2) as gradients:
        gradients(X, None, rng)
    expected.integers(2**63, size=2)  # two shard seeds, and no other draw from rng
    assert rng.bit_generator.state == expected.bit_generator.state


def test_frozen_parameters_get_no_gradient_until_they_are_unfrozen_between_batches():
    model = Autoencoder((12, 7, 3), rng=0)
    model.encoder.freeze()
    with ShardedGradients(model.loss_terms, model.parameters(), 2) as gradients:
        gradients(data(), None, np.random.default_rng(0))
        assert all(p.grad is None for p in model.encoder.parameters())
        assert all(p.grad is not None for p in model.decoder.parameters())
        model.encoder.unfreeze()
        gradients(data(), None, np.random.default_rng(0))
    assert all(p.grad is not None for p in model.encoder.parameters())


def test_fit_with_shards_is_reproducible_and_trains():
    rng = np.random.default_rng(0)
    X = (rng.random((200, 3)) @ rng.random((3, 12)) / 3).astype(np.float32)  # rank 3

    def trained(shards):
        model = DenoisingAutoencoder((12, 7, 3), noise="gaussian", noise_level=0.1, rng=3)
        model.fit(X, epochs=6, batch_size=32, lr=1e-2, shards=shards, verbose=False)
        return model

    a, b, unsharded = trained(2), trained(2), trained(1)
    for name, array in a.state_dict().items():
        np.testing.assert_array_equal(array, b.state_dict()[name], err_msg=name)
    assert a.history_["loss"][-1] < 0.8 * a.history_["loss"][0]
    # Another algorithm (other draws, other sums), the same problem: close, not equal.
    assert a.history_["loss"][-1] != unsharded.history_["loss"][-1]
    assert a.history_["loss"][-1] == pytest.approx(unsharded.history_["loss"][-1], rel=0.1)


def test_a_diverging_sharded_fit_stops_with_the_initial_weights():
    model = VAE((12, 7, 2), rng=0)
    before = {name: array.copy() for name, array in model.state_dict().items()}
    with pytest.raises(TrainingDiverged, match="epoch 1"):
        model.fit(data(), epochs=3, batch_size=20, lr=1e6, shards=2, verbose=False)
    for name, array in model.state_dict().items():
        np.testing.assert_array_equal(array, before[name], err_msg=name)


@pytest.mark.parametrize(
    ("shards", "message"),
    [(0, "shards must be a positive integer"), (True, "shards must be a positive integer"),
     (33, r"shards \(33\) must be at most batch_size \(32\)")],
)  # fmt: skip
def test_fit_refuses_shards_that_cannot_split_a_batch(shards, message):
    with pytest.raises(ValueError, match=message):
        Autoencoder((12, 7, 3), rng=0).fit(data(), batch_size=32, shards=shards)


def test_sharded_training_runs_every_shard_on_one_blas_thread():
    large = Autoencoder((784, 512, 32), rng=0).parameters()
    assert threads_for(large) == 2 and threads_for(large, shards=2) == 1
