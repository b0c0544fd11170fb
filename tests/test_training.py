"""Tests of aelearn.training: the one fit loop, History, callbacks, and what happens when a
run diverges or is interrupted (the weights of the last finished epoch, bit for bit)."""

import threading
from types import SimpleNamespace

import numpy as np
import pytest

from aelearn.autograd import Tensor, is_grad_enabled, no_grad
from aelearn.models import VAE, Autoencoder, KLWarmup
from aelearn.optim import Adam
from aelearn.training import Callback, EarlyStopping, TrainingDiverged, TrainingRun, evaluate, fit

N_ROWS, N_FEATURES, BATCH = 50, 8, 20  # three batches per epoch: 20, 20 and 10 rows


def indexed_data():
    """(50, 8) data in [0, 1] whose column 0 is row / 50, so a batch names its rows."""
    X = np.random.default_rng(0).random((N_ROWS, N_FEATURES)).astype(np.float32)
    X[:, 0] = np.arange(N_ROWS) / N_ROWS
    return X


def small_autoencoder(seed=0, **kwargs):
    return Autoencoder(sizes=(N_FEATURES, 6, 3), rng=seed, **kwargs)


def weights(model):
    return {name: array.copy() for name, array in model.state_dict().items()}


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


class Snapshots(Callback):
    """Keeps a copy of the model's weights at the end of every epoch."""

    def __init__(self):
        self.at_end_of = {}

    def on_epoch_end(self, epoch, logs, run):
        self.at_end_of[epoch] = weights(run.model)


class Scripted(Autoencoder):
    """An autoencoder that records its training batches and misbehaves on cue.

    ``fault`` is (epoch, batch, what): on that training batch ``loss_terms`` returns an
    infinite loss ("inf"), raises KeyboardInterrupt ("interrupt"), or returns a finite loss
    whose gradient is NaN ("nan_grad").
    """

    def __init__(self, fault=None, **kwargs):
        super().__init__(sizes=(N_FEATURES, 6, 3), **kwargs)
        self.fault, self.batches, self.calls = fault, [], 0

    def loss_terms(self, x, y, rng):
        if not self.training:  # validation: leave the training record alone
            return super().loss_terms(x, y, rng)
        per_epoch = -(-N_ROWS // BATCH)
        epoch, batch = divmod(self.calls, per_epoch)
        self.calls += 1
        self.batches.append(x.copy())
        terms = super().loss_terms(x, y, rng)
        if self.fault is not None and self.fault[:2] == (epoch + 1, batch + 1):
            what = self.fault[2]
            if what == "inf":
                return {"loss": Tensor(np.float32(np.inf))}
            if what == "interrupt":
                raise KeyboardInterrupt
            # d(x ** 0.5)/dx is infinite at 0 and 0 * inf is NaN: a finite loss, NaN gradients.
            zero = (self.encoder(Tensor(x)) * 0.0).sum()
            return {"loss": terms["loss"] + zero**0.5}
        return terms


def rows_of(batch):
    return np.rint(batch[:, 0] * N_ROWS).astype(int)


# ----- History -------------------------------------------------------------------------------
def test_history_records_loss_validation_and_time_per_epoch():
    X = indexed_data()
    model = small_autoencoder().fit(X[:40], epochs=3, batch_size=BATCH, validation_data=(X[40:],))
    history = model.history_
    assert sorted(history.keys()) == ["loss", "time", "val_loss"]
    assert len(history) == 3 and history.epochs == [1, 2, 3]
    assert all(len(history[key]) == 3 for key in history.keys())
    assert np.all(history["time"] > 0)
    # val_loss is the per-example loss summed over features, averaged over the validation set,
    # at the weights of the end of the last epoch.
    X_val = X[40:]
    logits = model.decoder(model.encoder(Tensor(X_val))).data
    bce = np.sum(np.logaddexp(0.0, logits) - X_val * logits, axis=1)
    np.testing.assert_allclose(history["val_loss"][-1], bce.mean(), rtol=1e-5)


def test_history_loss_is_the_batch_size_weighted_mean_of_batch_losses():
    X = indexed_data()
    losses, sizes = [], []

    class Recorder(Autoencoder):
        def loss_terms(self, x, y, rng):
            terms = super().loss_terms(x, y, rng)
            losses.append(terms["loss"].item())
            sizes.append(x.shape[0])
            return terms

    model = Recorder(sizes=(N_FEATURES, 6, 3), rng=0).fit(X, epochs=2, batch_size=BATCH)
    assert sizes == [20, 20, 10] * 2
    expected = [np.average(losses[3 * e : 3 * e + 3], weights=sizes[:3]) for e in range(2)]
    np.testing.assert_allclose(model.history_["loss"], expected, rtol=1e-6)


def test_vae_history_holds_reconstruction_and_kl_with_their_validation_twins():
    X = indexed_data()
    model = VAE(sizes=(N_FEATURES, 6, 2), rng=0)
    model.fit(X[:40], epochs=2, batch_size=BATCH, validation_data=X[40:])
    keys = {"loss", "reconstruction", "kl", "val_loss", "val_reconstruction", "val_kl", "time"}
    assert set(model.history_.keys()) == keys
    history = model.history_
    # beta = 1: each epoch's loss is its reconstruction plus its KL.
    np.testing.assert_allclose(history["loss"], history["reconstruction"] + history["kl"])
    np.testing.assert_allclose(
        history["val_loss"], history["val_reconstruction"] + history["val_kl"], rtol=1e-6
    )


# ----- the loop itself -----------------------------------------------------------------------
def test_each_batch_runs_zero_grad_the_loss_terms_backward_and_step_in_that_order(monkeypatch):
    calls = []

    class RecordingAdam(Adam):
        def zero_grad(self):
            calls.append("zero_grad")
            super().zero_grad()

        def step(self):
            calls.append("step")
            super().step()

    class Recorded(Autoencoder):
        def loss_terms(self, x, y, rng):
            calls.append("loss_terms")
            return super().loss_terms(x, y, rng)

    backward = Tensor.backward

    def recorded_backward(self, *args, **kwargs):
        calls.append("backward")
        return backward(self, *args, **kwargs)

    monkeypatch.setattr(Tensor, "backward", recorded_backward)
    model = Recorded(sizes=(N_FEATURES, 6, 3), rng=0)
    optimizer = RecordingAdam(model.parameters(), lr=1e-2)
    before = weights(model)
    model.fit(indexed_data(), epochs=2, batch_size=BATCH, optimizer=optimizer, verbose=False)
    # Two epochs of three batches (20, 20 and 10 rows), each the four steps in this order.
    assert calls == ["zero_grad", "loss_terms", "backward", "step"] * 6
    assert optimizer.t == 6
    after = weights(model)
    assert all(not np.array_equal(before[k], after[k]) for k in before)  # the steps took


def test_no_grad_in_another_thread_leaves_recording_on_in_the_training_thread():
    # Grad mode is thread-local: a model whose loss_terms encodes without a graph in a worker
    # thread, while the training thread computes the loss, must still get a graph and
    # gradients in the training thread.
    modes, worker_graphs = [], []

    class HalfInAThread(Autoencoder):
        def loss_terms(self, x, y, rng):
            inside, release, codes = threading.Event(), threading.Event(), {}

            def encode_without_graph():
                with no_grad():
                    codes["z"] = self.encoder(Tensor(x))
                    inside.set()
                    release.wait(timeout=30)

            worker = threading.Thread(target=encode_without_graph)
            worker.start()
            try:
                assert inside.wait(timeout=30)
                modes.append(is_grad_enabled())  # while the worker is inside no_grad
                terms = super().loss_terms(x, y, rng)
            finally:
                release.set()
                worker.join()
            worker_graphs.append(codes["z"].requires_grad)
            return terms

    model = HalfInAThread(sizes=(N_FEATURES, 6, 3), rng=0)
    before = weights(model)
    model.fit(indexed_data(), epochs=1, batch_size=BATCH, verbose=False)
    assert modes == [True] * 3
    assert worker_graphs == [False] * 3  # the worker's own block recorded nothing
    assert np.isfinite(model.history_["loss"]).all()
    after = weights(model)
    assert all(not np.array_equal(before[k], after[k]) for k in before)  # gradients reached all
    assert is_grad_enabled()


def test_fit_leaves_every_process_wide_setting_as_it_was():
    # NumPy's error handling, its print options, its global Generator and the BLAS threads
    # outside the call: fit may change none of them behind the user's back.
    from threadpoolctl import threadpool_info

    def settings():
        blas = sorted((lib["filepath"], lib["num_threads"]) for lib in threadpool_info())
        legacy = np.random.get_state()[1].tolist()  # noqa: NPY002 (the global one, untouched)
        return np.geterr(), np.get_printoptions(), legacy, blas

    before = settings()
    with np.errstate(over="raise"):  # the user's own setting, inside which fit runs
        small_autoencoder().fit(indexed_data(), epochs=2, batch_size=BATCH, verbose=False)
        assert np.geterr()["over"] == "raise"
    assert settings() == before


def test_callbacks_see_the_run_its_model_optimizer_history_and_validation_flag():
    seen = []

    class Look(Callback):
        def on_train_begin(self, run):
            seen.append(("begin", type(run), run.has_validation, len(run.history)))

        def on_epoch_end(self, epoch, logs, run):
            seen.append(("end", run.model is model, run.optimizer.t, len(run.history)))
            if epoch == 2:
                run.stop = "enough"

    X = indexed_data()
    model = small_autoencoder()
    model.fit(X[:40], epochs=5, batch_size=BATCH, validation_data=X[40:], callbacks=[Look()])
    # Two batches of 20 per epoch; the history already holds the epoch that just ended.
    assert seen == [
        ("begin", TrainingRun, True, 0),
        ("end", True, 2, 1),
        ("end", True, 4, 2),
    ]
    assert model.history_.stopped == "enough" and len(model.history_) == 2


def test_evaluate_is_the_mean_of_each_term_in_evaluation_mode_from_a_seeded_generator():
    X = indexed_data()
    model = VAE(sizes=(N_FEATURES, 6, 2), rng=0).train()
    first = evaluate(model, X, None, batch_size=BATCH, seed=3)
    assert model.training  # the mode it found is put back
    assert set(first) == {"loss", "reconstruction", "kl"}
    assert evaluate(model, X, None, batch_size=BATCH, seed=3) == first
    assert (
        evaluate(model, X, None, batch_size=BATCH, seed=4)["reconstruction"]
        != (first["reconstruction"])
    )
    # The batch size changes the grouping, not the mean of the deterministic KL.
    np.testing.assert_allclose(evaluate(model, X, None, batch_size=7)["kl"], first["kl"], rtol=1e-6)


def test_the_validation_loss_of_fit_is_evaluate_after_the_epoch():
    X = indexed_data()
    model = small_autoencoder().fit(X[:40], epochs=2, batch_size=BATCH, validation_data=X[40:])
    expected = evaluate(model, X[40:], None, batch_size=256)["loss"]
    assert model.history_["val_loss"][-1] == expected


# ----- minibatches and seeds -----------------------------------------------------------------
def test_each_epoch_visits_every_row_once_in_a_fresh_shuffled_order():
    model = Scripted(rng=0).fit(indexed_data(), epochs=2, batch_size=BATCH)
    assert [len(b) for b in model.batches] == [20, 20, 10, 20, 20, 10]
    first = np.concatenate([rows_of(b) for b in model.batches[:3]])
    second = np.concatenate([rows_of(b) for b in model.batches[3:]])
    np.testing.assert_array_equal(np.sort(first), np.arange(N_ROWS))
    np.testing.assert_array_equal(np.sort(second), np.arange(N_ROWS))
    assert not np.array_equal(first, np.arange(N_ROWS))  # shuffled
    assert not np.array_equal(first, second)  # reshuffled every epoch


def test_the_batches_come_from_the_models_generator():
    a = Scripted(rng=4).fit(indexed_data(), epochs=1, batch_size=BATCH)
    b = Scripted(rng=4).fit(indexed_data(), epochs=1, batch_size=BATCH)
    c = Scripted(rng=5).fit(indexed_data(), epochs=1, batch_size=BATCH)
    order = [np.concatenate([rows_of(batch) for batch in m.batches]) for m in (a, b, c)]
    np.testing.assert_array_equal(order[0], order[1])
    assert not np.array_equal(order[0], order[2])


def test_same_seed_gives_bit_identical_weights_after_fit():
    X = indexed_data()
    a = small_autoencoder(seed=7).fit(X, epochs=3, batch_size=BATCH)
    b = small_autoencoder(seed=7).fit(X, epochs=3, batch_size=BATCH)
    assert_same_weights(weights(a), weights(b))
    np.testing.assert_array_equal(a.history_["loss"], b.history_["loss"])


def test_a_different_shuffling_seed_gives_different_weights_from_the_same_start():
    X = indexed_data()
    a, b = small_autoencoder(seed=7), small_autoencoder(seed=7)
    assert_same_weights(weights(a), weights(b))
    fit(a, X, epochs=2, batch_size=BATCH, rng=1)
    fit(b, X, epochs=2, batch_size=BATCH, rng=2)
    wa, wb = weights(a), weights(b)
    assert all(not np.array_equal(wa[k], wb[k]) for k in wa)


# ----- callbacks -----------------------------------------------------------------------------
class ScriptedScore(Callback):
    """Puts a chosen 'score' into each epoch's logs, for EarlyStopping to monitor."""

    def __init__(self, scores, key="score"):
        self.scores, self.key = scores, key

    def on_epoch_end(self, epoch, logs, run):
        logs[self.key] = self.scores[epoch - 1]


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    snapshots = Snapshots()
    scores = [5.0, 3.0, 4.0, 3.5, 1.0, 1.0]  # best at epoch 2; epochs 3 and 4 do not improve
    callbacks = [ScriptedScore(scores), snapshots, EarlyStopping(monitor="score", patience=2)]
    model = small_autoencoder().fit(indexed_data(), epochs=6, batch_size=BATCH, callbacks=callbacks)
    assert len(model.history_) == 4
    assert "early stopping" in model.history_.stopped and "epoch 2" in model.history_.stopped
    assert_same_weights(weights(model), snapshots.at_end_of[2])
    # Epochs 3 and 4 had moved the weights: restoring them was not a no-op.
    moved = snapshots.at_end_of[4]
    assert any(not np.array_equal(moved[k], snapshots.at_end_of[2][k]) for k in moved)


def test_early_stopping_on_an_accuracy_waits_for_it_to_rise():
    snapshots = Snapshots()
    scores = [0.5, 0.8, 0.7, 0.75, 0.9, 0.9]  # best at epoch 2; epochs 3 and 4 fall short
    stop = EarlyStopping(monitor="accuracy", patience=2)
    callbacks = [ScriptedScore(scores, "accuracy"), snapshots, stop]
    model = small_autoencoder().fit(indexed_data(), epochs=6, batch_size=BATCH, callbacks=callbacks)
    assert len(model.history_) == 4 and stop.best == 0.8 and stop.best_epoch == 2
    assert_same_weights(weights(model), snapshots.at_end_of[2])


def test_early_stopping_on_a_missing_key_names_the_keys_it_has():
    with pytest.raises(KeyError, match="'kl'.*loss"):
        small_autoencoder().fit(indexed_data(), epochs=2, callbacks=[EarlyStopping("kl")])


def test_kl_warmup_rises_linearly_from_zero_to_beta():
    seen = []

    class KLWeight(Callback):
        def on_epoch_end(self, epoch, logs, run):
            seen.append(run.model.kl_weight)

    model = VAE(sizes=(N_FEATURES, 6, 2), beta=2.0, warmup_epochs=4, rng=0)
    model.fit(indexed_data(), epochs=6, batch_size=BATCH, callbacks=[KLWeight()])
    np.testing.assert_allclose(seen, [0.0, 0.5, 1.0, 1.5, 2.0, 2.0])
    # The weight was the one used in the loss, and is beta again after training.
    history = model.history_
    expected = history["reconstruction"] + np.array(seen) * history["kl"]
    np.testing.assert_allclose(history["loss"], expected, rtol=1e-5)
    assert model.kl_weight == 2.0


def test_kl_warmup_as_a_callback_sets_the_weight_at_each_epoch_start():
    model = VAE(sizes=(N_FEATURES, 2), beta=1.0, rng=0)
    warmup = KLWarmup(epochs=2)
    for epoch, expected in [(1, 0.0), (2, 0.5), (3, 1.0), (9, 1.0)]:
        warmup.on_epoch_begin(epoch, SimpleNamespace(model=model))
        assert model.kl_weight == expected


# ----- divergence and interruption -----------------------------------------------------------
def test_huge_learning_rate_raises_training_diverged_and_keeps_the_initial_weights():
    model = VAE(sizes=(N_FEATURES, 6, 2), rng=0)
    before = weights(model)
    with pytest.raises(TrainingDiverged, match="epoch 1") as caught:
        model.fit(indexed_data(), epochs=3, batch_size=BATCH, lr=1e6)
    assert caught.value.epoch == 1 and len(caught.value.history) == 0
    assert_same_weights(weights(model), before)


def test_infinite_loss_keeps_exactly_the_weights_of_the_last_good_epoch():
    snapshots = Snapshots()
    model = Scripted(fault=(3, 2, "inf"), rng=0)
    with pytest.raises(TrainingDiverged, match="diverged at epoch 3") as caught:
        model.fit(indexed_data(), epochs=5, batch_size=BATCH, callbacks=[snapshots])
    assert caught.value.epoch == 3
    assert len(caught.value.history) == 2 and "epoch 3" in caught.value.history.stopped
    # Batch 1 of epoch 3 did update the weights; they were put back.
    assert len(model.batches) == 8
    assert_same_weights(weights(model), snapshots.at_end_of[2])


def test_nan_weights_at_the_end_of_an_epoch_count_as_divergence():
    # The loss is finite on the last batch of epoch 2 but its gradient is NaN, so the weights
    # at the end of epoch 2 are NaN: they must not be kept as the "last good" ones.
    snapshots = Snapshots()
    model = Scripted(fault=(2, 3, "nan_grad"), rng=0)
    with pytest.raises(TrainingDiverged, match="epoch 2"):
        model.fit(indexed_data(), epochs=4, batch_size=BATCH, callbacks=[snapshots])
    assert list(snapshots.at_end_of) == [1]
    assert_same_weights(weights(model), snapshots.at_end_of[1])


def test_keyboard_interrupt_keeps_the_weights_and_history_of_the_last_finished_epoch(capsys):
    snapshots = Snapshots()
    model = Scripted(fault=(3, 2, "interrupt"), rng=0)
    model.fit(indexed_data(), epochs=5, batch_size=BATCH, callbacks=[snapshots])
    assert len(model.history_) == 2 and len(model.history_["loss"]) == 2
    assert "interrupted during epoch 3" in model.history_.stopped
    assert_same_weights(weights(model), snapshots.at_end_of[2])
    assert "end of epoch 2" in capsys.readouterr().out
    assert not model.training  # left in evaluation mode, as after a normal fit


# ----- arguments and printing ----------------------------------------------------------------
@pytest.mark.parametrize("name", ["epochs", "batch_size"])
@pytest.mark.parametrize("value", [0, -3])
def test_epochs_and_batch_size_must_be_positive(name, value):
    model = small_autoencoder()
    with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
        model.fit(indexed_data(), **{name: value})
    with pytest.raises(ValueError, match=f"{name} must be a positive integer"):
        fit(model, indexed_data(), **{name: value})


def test_verbose_prints_one_line_per_epoch(capsys):
    small_autoencoder().fit(indexed_data(), epochs=3, batch_size=BATCH, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    assert all("loss" in line for line in lines)


def test_verbose_every_n_epochs_prints_those_and_the_last(capsys):
    small_autoencoder().fit(indexed_data(), epochs=5, batch_size=BATCH, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["2/5", "4/5", "5/5"]


def test_quiet_fit_prints_nothing(capsys):
    small_autoencoder().fit(indexed_data(), epochs=3, batch_size=BATCH)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_a_csv_logger_writes_a_row_per_epoch_with_units_in_the_header(tmp_path):
    import csv

    from aelearn.training import CSVLogger

    X = np.random.default_rng(0).uniform(size=(32, 6)).astype(np.float32)
    path = tmp_path / "log.csv"
    model = VAE((6, 4, 2), rng=0).fit(X, epochs=3, callbacks=[CSVLogger(path)], verbose=False)
    rows = list(csv.reader(open(path)))
    assert rows[0][:3] == ["epoch", "loss [nats/example]", "reconstruction [nats/example]"]
    assert rows[0][-1] == "time [s/epoch]"
    assert [r[0] for r in rows[1:]] == ["1", "2", "3"]
    np.testing.assert_array_equal([float(r[1]) for r in rows[1:]], model.history_["loss"])


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_fit_builds_an_optimizer_by_name_with_the_learning_rate(name, monkeypatch):
    from aelearn.training import loop

    built = []
    monkeypatch.setitem(
        loop.OPTIMIZERS,
        name,
        (lambda cls: lambda p, lr: built.append(lr) or cls(p, lr=lr))(loop.OPTIMIZERS[name]),
    )
    X = np.random.default_rng(0).uniform(size=(16, 6)).astype(np.float32)
    Autoencoder((6, 2), rng=0).fit(X, epochs=1, optimizer=name, lr=0.02, verbose=False)
    assert built == [0.02]


def test_fit_refuses_an_optimizer_it_does_not_know():
    X = np.random.default_rng(0).uniform(size=(16, 6)).astype(np.float32)
    with pytest.raises(
        ValueError, match=r"optimizer must be one of \('adam', 'sgd'\); got 'adagrad'"
    ):
        Autoencoder((6, 2), rng=0).fit(X, epochs=1, optimizer="adagrad")


def test_early_stopping_on_a_validation_loss_without_validation_data_fails_before_training():
    class Count(Callback):
        epochs = 0

        def on_epoch_end(self, epoch, logs, run):
            Count.epochs += 1

    X = np.random.default_rng(0).uniform(size=(16, 6)).astype(np.float32)
    model = Autoencoder((6, 2), rng=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="no validation_data; pass validation_data=X_val"):
        model.fit(X, epochs=3, callbacks=[Count(), EarlyStopping()], verbose=False)
    assert Count.epochs == 0
    assert all(np.array_equal(v, model.state_dict()[k]) for k, v in before.items())


@pytest.mark.parametrize("kind", ["bce_ae", "dae", "classifier"])
def test_a_loss_that_explodes_without_turning_nan_stops_training_with_the_last_good_weights(kind):
    from aelearn.models import Classifier, DenoisingAutoencoder

    rng = np.random.default_rng(0)
    X = rng.uniform(size=(64, 16)).astype(np.float32)
    y = np.arange(64) % 3
    model = {
        "bce_ae": lambda: Autoencoder((16, 8, 2), rng=0),
        "dae": lambda: DenoisingAutoencoder((16, 8, 2), rng=0),
        "classifier": lambda: Classifier(None, 3, (8,), n_features=16, rng=0),
    }[kind]()
    kept = [model.state_dict()]

    class Keep(Callback):
        def on_epoch_end(self, epoch, logs, run):
            kept.append(run.model.state_dict())

    with pytest.raises(TrainingDiverged, match="exploded|became"):
        model.fit(X, y, epochs=50, batch_size=16, lr=1e6, callbacks=[Keep()], verbose=False)
    after = model.state_dict()  # those of the last epoch that finished
    assert all(np.array_equal(kept[-1][k], after[k]) for k in after)
    assert len(kept) < 51


def test_after_a_divergence_the_kl_weight_returns_to_beta_and_early_stopping_restores_its_best():
    X = np.random.default_rng(0).uniform(size=(64, 16)).astype(np.float32)
    vae = VAE((16, 8, 2), beta=0.5, warmup_epochs=10, rng=0)
    with pytest.raises(TrainingDiverged):
        vae.fit(X, epochs=20, batch_size=16, lr=1e6, verbose=False)
    assert vae.kl_weight == 0.5

    model = Autoencoder((16, 8, 2), rng=0)
    stopping = EarlyStopping("loss", patience=50)

    class Blow(Callback):  # a good first epoch, then a learning rate that explodes
        def on_epoch_end(self, epoch, logs, run):
            for state in run.optimizer.state:
                state["v"][:] = 0.0
            run.optimizer.lr = 1e6

    with pytest.raises(TrainingDiverged):
        model.fit(X, epochs=20, batch_size=16, callbacks=[stopping, Blow()], verbose=False)
    assert stopping.best_epoch == 1
    assert all(np.array_equal(v, model.state_dict()[k]) for k, v in stopping.best_weights.items())
