"""Tests of aelearn/models/stacked.py: greedy layer-wise pre-training and what it builds."""

import numpy as np
import pytest

from aelearn.datasets import load_digits
from aelearn.models import Autoencoder, DenoisingAutoencoder
from aelearn.models.stacked import StackedAutoencoder, pretrain_stack
from aelearn.nn import Dense

EPOCHS = 3


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return data.X_train[:300], data.y_train[:300]


@pytest.fixture(scope="module")
def stack(digits):
    return pretrain_stack(digits[0], (24, 12), epochs=EPOCHS, rng=0)


def dense_layers(module):
    return [m for m in module.modules() if isinstance(m, Dense)]


def same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_lower_layers_do_not_change_while_later_stages_train(digits):
    stack = StackedAutoencoder((24, 12, 6), rng=0)
    snapshots = []  # (stage index, state of every earlier stage) as each new stage begins
    make_stage = stack._stage

    def recording_stage(*args):
        snapshots.append([ae.state_dict() for ae in stack.autoencoders_])
        return make_stage(*args)

    stack._stage = recording_stage
    stack.fit(digits[0], epochs=EPOCHS)
    assert [len(s) for s in snapshots] == [0, 1, 2]
    for earlier in snapshots:
        for state, ae in zip(earlier, stack.autoencoders_, strict=False):
            after = ae.state_dict()
            assert all(np.array_equal(state[k], after[k]) for k in state)
    assert all(ae.frozen for ae in stack.autoencoders_)


def test_each_stage_trains_on_the_codes_of_the_one_below(stack, digits):
    first, second = stack.autoencoders_
    assert (first.n_features, first.latent_dim) == (64, 24)
    assert (second.n_features, second.latent_dim) == (24, 12)
    codes = first.encode(digits[0])
    assert codes.min() >= 0 and codes.max() <= 1  # sigmoid codes
    np.testing.assert_array_equal(stack.transform(digits[0]), second.encode(codes))


def test_histories_are_kept_per_stage(stack):
    assert len(stack.histories_) == 2
    for ae, history in zip(stack.autoencoders_, stack.histories_, strict=True):
        assert history is ae.history_
        assert len(history) == EPOCHS
        assert history["loss"][-1] < history["loss"][0]


def test_classifier_starts_from_exact_copies_of_the_pretrained_weights(stack, digits):
    pretrained = [stage.encoder.net[0] for stage in stack.autoencoders_]
    kept = [(layer.weight.data.copy(), layer.bias.data.copy()) for layer in pretrained]
    clf = stack.to_classifier(10, rng=0)
    lower = dense_layers(clf.encoder)
    assert len(lower) == 2 and clf.head.sizes == (12, 10)
    for layer, source in zip(lower, pretrained, strict=True):
        np.testing.assert_array_equal(layer.weight.data, source.weight.data)
        np.testing.assert_array_equal(layer.bias.data, source.bias.data)
        assert not np.shares_memory(layer.weight.data, source.weight.data)  # copies, not shared
        assert layer.weight.requires_grad
    clf.fit(*digits, epochs=2)
    assert not np.array_equal(lower[0].weight.data, kept[0][0])  # fine-tuned end to end
    for source, (weight, bias) in zip(pretrained, kept, strict=True):
        assert np.array_equal(source.weight.data, weight)
        assert np.array_equal(source.bias.data, bias)


def test_the_stacked_encoder_is_a_property_over_the_stages_own_frozen_layers(stack, digits):
    from aelearn.models import Encoder

    encoder = stack.encoder  # a property, not a method
    assert isinstance(encoder, Encoder) and encoder.sizes == (64, 24, 12)
    stage_layers = [stage.encoder.net[0] for stage in stack.autoencoders_]
    assert all(a is b for a, b in zip(dense_layers(encoder), stage_layers, strict=True))
    assert encoder.frozen
    np.testing.assert_array_equal(encoder.encode(digits[0]), stack.transform(digits[0]))


def test_a_classifier_head_of_the_stack_takes_hidden_sizes(stack, digits):
    clf = stack.to_classifier(10, hidden_sizes=(6,), rng=0)
    assert clf.head.sizes == (12, 6, 10)
    assert clf.head.activation == stack.activation
    assert clf.predict_proba(digits[0][:5]).shape == (5, 10)


def test_frozen_classifier_trains_only_its_head(stack, digits):
    clf = stack.to_classifier(10, freeze_encoder=True, rng=0)
    before = [p.data.copy() for p in clf.encoder.parameters()]
    clf.fit(*digits, epochs=2)
    assert same([p.data for p in clf.encoder.parameters()], before)


def test_deep_autoencoder_composes_the_stages(stack, digits):
    X = digits[0]
    deep = stack.to_deep_autoencoder(rng=0)
    assert deep.encoder.sizes == (64, 24, 12)
    assert len(dense_layers(deep)) == 4
    first, second = stack.autoencoders_
    by_stage = first.decode(second.reconstruct(first.encode(X)))
    np.testing.assert_allclose(deep.reconstruct(X), by_stage, rtol=1e-5, atol=1e-6)
    # Errors compound up the stack: the unrolled network is worse than stage 1 alone.
    assert deep.reconstruction_error(X) >= first.reconstruction_error(X)


def test_fine_tuning_improves_the_deep_autoencoder(stack, digits):
    X = digits[0]
    deep = stack.to_deep_autoencoder(rng=0)
    before = deep.reconstruction_error(X)
    deep.fit(X, epochs=5, lr=3e-3)
    assert deep.reconstruction_error(X) < before
    # Fine-tuning a copy leaves the stack as pre-training left it.
    np.testing.assert_allclose(stack.to_deep_autoencoder().reconstruction_error(X), before)


def test_stage_outputs_fit_their_inputs(digits):
    relu = pretrain_stack(digits[0], (16, 8), activation="relu", epochs=1, rng=0)
    # Pixels lie in [0, 1]; ReLU codes do not, so the second stage reconstructs linearly.
    assert [ae.decoder.output_activation for ae in relu.autoencoders_] == ["sigmoid", "identity"]
    assert all(ae.loss_ == "mse" for ae in relu.autoencoders_)


def test_denoising_stages(digits):
    noisy = pretrain_stack(digits[0], (16, 8), noise="masking", noise_level=0.2, epochs=1, rng=0)
    assert all(isinstance(ae, DenoisingAutoencoder) for ae in noisy.autoencoders_)
    assert all(ae.noise_level == 0.2 for ae in noisy.autoencoders_)


def test_same_seed_same_stack(digits):
    a, b = (pretrain_stack(digits[0], (8,), epochs=1, init="normal", rng=5) for _ in range(2))
    assert same(a.autoencoders_[0].state_dict().values(), b.autoencoders_[0].state_dict().values())
    np.testing.assert_array_equal(
        a.to_classifier(10, rng=1).head.parameters()[0].data,
        b.to_classifier(10, rng=1).head.parameters()[0].data,
    )


def test_bad_arguments_and_unfitted_use_raise():
    with pytest.raises(ValueError, match="hidden"):
        StackedAutoencoder(())
    with pytest.raises(ValueError, match="activation"):
        StackedAutoencoder((8,), activation="swish")
    with pytest.raises(ValueError, match="loss"):
        StackedAutoencoder((8,), loss="l1")
    with pytest.raises(ValueError):
        StackedAutoencoder((8,), noise="blur")
    unfitted = StackedAutoencoder((8,), rng=0)
    with pytest.raises(RuntimeError, match=r"no pre-trained layer: call fit\(X\)"):
        unfitted.to_classifier(10)
    with pytest.raises(RuntimeError, match=r"no pre-trained layer: call fit\(X\)"):
        unfitted.to_deep_autoencoder()
    with pytest.raises(RuntimeError, match=r"no pre-trained layer: call fit\(X\)"):
        unfitted.encoder  # noqa: B018 (a property)
    with pytest.raises(RuntimeError, match=r"no pre-trained layer: call fit\(X\)"):
        unfitted.transform(np.zeros((2, 4), dtype=np.float32))


def interrupt_at_batch(monkeypatch, n):
    """Make the n-th batch of the whole pre-training (counted from 1) raise Ctrl-C."""
    seen = []
    original = Autoencoder.loss_terms

    def loss_terms(self, x, y, rng):
        seen.append(1)
        if len(seen) == n:
            raise KeyboardInterrupt
        return original(self, x, y, rng)

    monkeypatch.setattr(Autoencoder, "loss_terms", loss_terms)


@pytest.mark.parametrize(
    ("epoch", "kept"),
    [(2, 2), (1, 1)],  # stage 2 interrupted in its second epoch, or in its first
)
def test_ctrl_c_stops_the_whole_stack_keeping_the_finished_stages(
    digits, monkeypatch, capsys, epoch, kept
):
    batches = 300 // 100  # per epoch, with batch_size=100
    interrupt_at_batch(monkeypatch, 2 * batches + (epoch - 1) * batches + 2)
    stack = StackedAutoencoder((24, 12, 6), rng=0).fit(
        digits[0], epochs=2, batch_size=100, verbose=False
    )
    assert len(stack.autoencoders_) == kept  # stage 3 never trained
    assert stack.sizes_ == (64, 24, 12)[: kept + 1]
    assert stack.stopped_ == f"stage 2 interrupted during epoch {epoch}"
    assert [len(h) for h in stack.histories_] == [2, 1][:kept]
    assert stack.transform(digits[0]).shape == (300, stack.sizes_[-1])
    assert "training interrupted" in capsys.readouterr().out


def test_a_stack_interrupted_before_any_stage_finished_an_epoch_is_not_pre_trained(
    digits, monkeypatch, capsys
):
    interrupt_at_batch(monkeypatch, 1)
    stack = StackedAutoencoder((24, 12), rng=0).fit(digits[0], epochs=2, verbose=False)
    assert stack.autoencoders_ == [] and stack.stopped_ == "stage 1 interrupted during epoch 1"
    with pytest.raises(RuntimeError, match="interrupted fit keeps only the stages"):
        stack.encoder  # noqa: B018 (a property)


def test_an_uninterrupted_stack_has_not_stopped(stack):
    assert stack.stopped_ is None
