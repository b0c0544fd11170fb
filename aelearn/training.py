"""The one training loop every model uses: minibatches, History, callbacks, safety.

A model takes part by writing ``loss_terms(x, y, rng)``: the loss of one batch as a
dict of scalar Tensors, ``"loss"`` being the one to minimise and any others (a VAE's
``"reconstruction"`` and ``"kl"``) being logged beside it. Everything else is here:

- shuffled minibatches drawn from a Generator, so a seed fixes the whole run;
- validation after each epoch, in evaluation mode, with its own fixed Generator;
- a ``History`` of every term per epoch, and the time each epoch took;
- callbacks (``EarlyStopping``, ``KLWarmup``) that act at epoch boundaries;
- a loss that becomes NaN or infinite stops training with ``TrainingDiverged``, and a
  KeyboardInterrupt stops it quietly; both leave the weights of the last finished epoch.
"""

import time

import numpy as np

from aelearn.autograd import no_grad
from aelearn.optim import Adam
from aelearn.validation import check_positive_int, check_rng


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the model holds its last good weights."""

    def __init__(self, message, epoch, history):
        super().__init__(message)
        self.epoch, self.history = epoch, history


class History:
    """Per-epoch records of a training run.

    ``history["loss"]`` is the training loss per epoch, ``history["val_loss"]`` the
    validation loss, and likewise for each term (``"kl"``, ``"val_kl"``); ``"time"``
    is seconds per epoch. ``stopped`` says why training ended early, or is None.
    """

    def __init__(self):
        self.records = {}
        self.epochs = []
        self.stopped = None

    def append(self, epoch, logs):
        self.epochs.append(epoch)
        for key, value in logs.items():
            self.records.setdefault(key, []).append(float(value))

    def __getitem__(self, key):
        return np.asarray(self.records[key])

    def __contains__(self, key):
        return key in self.records

    def keys(self):
        return self.records.keys()

    def last(self):
        """The logs of the last epoch as {name: value}."""
        return {key: values[-1] for key, values in self.records.items()}

    def __len__(self):
        return len(self.epochs)

    def __repr__(self):
        return f"History({len(self)} epochs, keys={sorted(self.records)})"


class Callback:
    """Hooks called by ``fit`` at epoch boundaries; set ``trainer.stop`` to stop."""

    def on_train_begin(self, trainer):
        pass

    def on_epoch_begin(self, epoch, trainer):
        pass

    def on_epoch_end(self, epoch, logs, trainer):
        pass

    def on_train_end(self, trainer):
        pass


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default="val_loss"
        A key of the epoch logs ("loss" when there is no validation data).
    patience : int, default=10
    min_delta : float, default=0.0
    restore_best : bool, default=True
        Put back the weights of the best epoch when training ends.
    """

    def __init__(self, monitor="val_loss", patience=10, min_delta=0.0, restore_best=True):
        self.monitor, self.patience = monitor, check_positive_int(patience, "patience")
        self.min_delta, self.restore_best = float(min_delta), restore_best

    def on_train_begin(self, trainer):
        self.best, self.best_epoch, self.best_weights, self.wait = np.inf, None, None, 0

    def on_epoch_end(self, epoch, logs, trainer):
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}; the logs hold {sorted(logs)}")
        if logs[self.monitor] < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = logs[self.monitor], epoch, 0
            if self.restore_best:
                self.best_weights = trainer.optimizer.flat.data.copy()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                since = f"since epoch {self.best_epoch}"
                trainer.stop = f"early stopping: no improvement in {self.monitor} {since}"

    def on_train_end(self, trainer):
        if self.restore_best and self.best_weights is not None:
            trainer.optimizer.flat.data[:] = self.best_weights


class KLWarmup(Callback):
    """Raise the model's KL weight linearly from 0 to ``model.beta`` over ``epochs`` epochs.

    At epoch e (1-based) the weight is beta * min(1, (e - 1) / epochs): the first epoch
    trains the reconstruction alone, so the decoder learns to use z before the KL term
    pulls q(z|x) onto the prior (the usual remedy for posterior collapse).
    """

    def __init__(self, epochs):
        self.epochs = check_positive_int(epochs, "warm-up epochs")

    def on_epoch_begin(self, epoch, trainer):
        model = trainer.model
        model.kl_weight = model.beta * min(1.0, (epoch - 1) / self.epochs)

    def on_train_end(self, trainer):
        trainer.model.kl_weight = trainer.model.beta


class Trainer:
    """The state of one ``fit`` call, handed to callbacks."""

    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer
        self.history, self.stop = History(), None


def _format_logs(epoch, epochs, logs):
    parts = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    parts += [f"{k} {v:.5g}" for k, v in logs.items() if k != "time"]
    parts.append(f"{logs['time']:.2f}s")
    return "  ".join(parts)


def _evaluate(model, X, y, batch_size, seed=0):
    """Mean of each loss term over (X, y), in evaluation mode, with a fixed Generator."""
    rng = np.random.default_rng(seed)
    totals, n = {}, X.shape[0]
    was_training = model.training
    model.eval()
    with no_grad():
        for start in range(0, n, batch_size):
            xb = X[start : start + batch_size]
            yb = None if y is None else y[start : start + batch_size]
            for key, value in model.loss_terms(xb, yb, rng).items():
                totals[key] = totals.get(key, 0.0) + float(value.item()) * xb.shape[0]
    model.train(was_training)
    return {key: value / n for key, value in totals.items()}


def fit(
    model,
    X,
    y=None,
    *,
    epochs=10,
    batch_size=64,
    lr=1e-3,
    optimizer=None,
    validation_data=None,
    callbacks=(),
    verbose=False,
    rng=None,
):
    """Train ``model`` on X (and labels y, for models that use them) by minibatch descent.

    Parameters
    ----------
    model : Module with ``loss_terms(x, y, rng) -> dict of scalar Tensors``
    X : ndarray of shape (n_samples, n_features)
        Already validated by the model (this loop does no checking per batch).
    y : ndarray of shape (n_samples,), optional
    epochs : int, default=10
    batch_size : int, default=64
    lr : float, default=1e-3
        Learning rate of the default optimiser, Adam.
    optimizer : Optimizer, optional
        Built over ``model.parameters()`` when not given.
    validation_data : (X_val,) or (X_val, y_val), optional
    callbacks : sequence of Callback
    verbose : bool or int, default=False
        Print a line per epoch (True), every n epochs (an int n), or nothing.
    rng : numpy.random.Generator or int, optional
        Shuffles the batches and is passed to ``loss_terms`` (noise, eps draws).

    Returns
    -------
    History

    Raises
    ------
    TrainingDiverged
        When a batch loss, or the weights at the end of an epoch, are NaN or infinite; the
        weights are then those of the last epoch that finished with a finite loss and
        finite weights (the initial weights if none did).
    """
    epochs, batch_size = (
        check_positive_int(epochs, "epochs"),
        check_positive_int(batch_size, "batch_size"),
    )
    rng = check_rng(rng)
    optimizer = optimizer or Adam(model.parameters(), lr=lr)
    trainer = Trainer(model, optimizer)
    history = trainer.history
    every = int(verbose) if verbose is not True else 1
    last_good = optimizer.flat.data.copy()
    n = X.shape[0]
    model.train()
    for callback in callbacks:
        callback.on_train_begin(trainer)
    try:
        # A diverging run overflows before its loss turns NaN. The loop detects that itself
        # and raises TrainingDiverged, so NumPy's overflow warnings are silenced here: shown,
        # they would only precede the clear message, and under ``-W error`` they would
        # replace it and leave the weights of a half-finished epoch.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, epochs + 1):
                for callback in callbacks:
                    callback.on_epoch_begin(epoch, trainer)
                start_time = time.perf_counter()
                totals = {}
                order = rng.permutation(n)
                for start in range(0, n, batch_size):
                    index = order[start : start + batch_size]
                    terms = model.loss_terms(X[index], None if y is None else y[index], rng)
                    loss = terms["loss"]
                    value = loss.item()
                    if not np.isfinite(value):
                        _diverged(optimizer, last_good, history, epoch, f"the loss became {value}")
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    for key, term in terms.items():
                        totals[key] = totals.get(key, 0.0) + float(term.item()) * len(index)
                # A finite loss can still send a NaN gradient into the last step of the epoch;
                # such weights must not become the "last good" ones.
                if not np.all(np.isfinite(optimizer.flat.data)):
                    _diverged(optimizer, last_good, history, epoch, "the weights became NaN or inf")
                logs = {key: value / n for key, value in totals.items()}
                if validation_data is not None:
                    X_val, y_val = (*validation_data, None)[:2]
                    val = _evaluate(model, X_val, y_val, max(batch_size, 256))
                    logs.update({f"val_{key}": value for key, value in val.items()})
                logs["time"] = time.perf_counter() - start_time
                history.append(epoch, logs)
                np.copyto(last_good, optimizer.flat.data)  # into the same array each epoch
                for callback in callbacks:
                    callback.on_epoch_end(epoch, logs, trainer)
                if every and (epoch % every == 0 or epoch == epochs or trainer.stop):
                    print(_format_logs(epoch, epochs, logs), flush=True)
                if trainer.stop:
                    history.stopped = trainer.stop
                    break
    except KeyboardInterrupt:
        optimizer.flat.data[:] = last_good
        history.stopped = f"interrupted during epoch {len(history) + 1}"
        print(
            f"training interrupted: keeping the weights from the end of epoch {len(history)}",
            flush=True,
        )
    finally:
        model.eval()
    for callback in callbacks:
        callback.on_train_end(trainer)
    return history


def _diverged(optimizer, last_good, history, epoch, what):
    """Put back the weights of the last good epoch and raise TrainingDiverged."""
    optimizer.flat.data[:] = last_good
    history.stopped = f"diverged at epoch {epoch}"
    raise TrainingDiverged(
        f"training diverged at epoch {epoch}: {what}. The model keeps the weights from the "
        f"end of epoch {epoch - 1}. Likely causes: a learning rate too high for this model "
        "(try 10 times smaller), unscaled inputs, or a loss that does not fit the data.",
        epoch,
        history,
    )
