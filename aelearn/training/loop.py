"""The one training loop every model uses: minibatches, validation, callbacks, safety.

A model takes part by writing ``loss_terms(x, y, rng)``: the loss of one batch as a dict
of scalar Tensors, each a mean over the batch's examples, ``"loss"`` the one to minimise and
any others (a VAE's ``"reconstruction"`` and ``"kl"``) logged beside it, every random draw
taken from ``rng``. Everything else is here:

- shuffled minibatches drawn from a Generator, so a seed fixes the whole run;
- for each batch: ``zero_grad``, the loss terms, ``backward``, ``step``;
- validation after each epoch, in evaluation mode, with its own fixed Generator;
- a ``History`` of every term per epoch, and the time each epoch took;
- callbacks (``EarlyStopping``, a VAE's KL warm-up) that act at epoch boundaries;
- a loss that becomes NaN, infinite or explodes (``EXPLODED``) raises ``TrainingDiverged``,
  and Ctrl-C stops quietly: both leave the weights of the last finished epoch.

The BLAS runs on the threads ``aelearn.threads`` chooses for the model, inside this call only.
"""

import time

import numpy as np

from aelearn.autograd import no_grad
from aelearn.optim import SGD, Adam
from aelearn.threads import chosen_threads
from aelearn.training.history import INTERRUPTED, History
from aelearn.training.progress import progress_callback
from aelearn.validation import check_choice, check_int, check_rng

#: A batch loss this many times the first batch's (plus 1) has exploded: no training that
#: works climbs a million-fold, while a learning rate far too high reaches 1e27 and more
#: before the loss ever turns NaN.
EXPLODED = 1e6

#: The optimisers ``fit`` builds by name, each with its own defaults but the learning rate.
OPTIMIZERS = {"adam": Adam, "sgd": SGD}


class TrainingDiverged(RuntimeError):
    """The loss became NaN, infinite or exploded, or the weights did; the model holds its
    last good weights."""

    def __init__(self, message, epoch, history):
        super().__init__(message)
        self.epoch, self.history = epoch, history


class TrainingRun:
    """One call of ``fit``, as callbacks see it: the model, its optimiser, the History so
    far, and ``stop``, which a callback sets to a reason to end after this epoch."""

    def __init__(self, model, optimizer, has_validation=False):
        self.model, self.optimizer, self.has_validation = model, optimizer, has_validation
        self.history, self.stop = History(getattr(model, "loss_units", None)), None


def fit(
    model,
    X,
    y=None,
    *,
    epochs=10,
    batch_size=64,
    lr=1e-3,
    optimizer="adam",
    validation_data=None,
    callbacks=(),
    verbose="auto",
    rng=None,
):
    """Train ``model`` on X (and labels y, for models that use them) by minibatch descent.

    Parameters
    ----------
    model : Module with ``loss_terms(x, y, rng) -> dict of scalar Tensors``
    X : ndarray of shape (n_samples, n_features)
        Already validated by the model (this loop does no checking per batch).
    y : ndarray of shape (n_samples, ...), optional
    epochs, batch_size : int
    lr : float, default=1e-3
        Learning rate of an optimiser built here.
    optimizer : {"adam", "sgd"} or Optimizer, default="adam"
        An optimiser built over ``model.parameters()`` with ``lr`` and its own defaults
        (``aelearn.optim``), or one built beforehand.
    validation_data : (X_val, y_val), optional
        y_val None for models without labels.
    callbacks : sequence of Callback
    verbose : "auto", bool or int, default="auto"
        "auto": a live progress line once training has run two seconds, in a terminal or
        a notebook (see ``aelearn.training.progress``); True: a printed line per epoch; an
        int n: a line every n epochs; False: nothing.
    rng : numpy.random.Generator or int, optional
        Shuffles the batches and is passed to ``loss_terms`` (noise, eps draws).

    Returns
    -------
    History
        The model is left in evaluation mode (``model.train()`` turns its noise back on).

    Raises
    ------
    TrainingDiverged
        When a batch loss is NaN, infinite or exploded, or the weights at the end of an epoch
        are not finite; the model keeps the weights of the last good epoch (or initial ones).
    """
    epochs, batch_size = check_int(epochs, "epochs"), check_int(batch_size, "batch_size")
    rng = check_rng(rng)
    if isinstance(optimizer, str):
        check_choice(optimizer, tuple(OPTIMIZERS), "optimizer")
        optimizer = OPTIMIZERS[optimizer](model.parameters(), lr=lr)
    run = TrainingRun(model, optimizer, validation_data is not None)
    history = run.history
    progress = progress_callback(verbose, epochs)
    callbacks = [*callbacks, *([progress] if progress else [])]
    last_good = model.state_dict()
    n = X.shape[0]
    model.train()
    begun, first = [], None
    try:
        for callback in callbacks:
            callback.on_train_begin(run)
            begun.append(callback)
        # A diverging run overflows before its loss turns NaN, and TrainingDiverged says so.
        # NumPy's warnings would only precede that message, or under ``-W error`` replace it
        # and leave the weights of a half-finished epoch.
        with chosen_threads(model), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, epochs + 1):
                for callback in callbacks:
                    callback.on_epoch_begin(epoch, run)
                start_time, totals = time.perf_counter(), {}
                order = rng.permutation(n)
                for start in range(0, n, batch_size):
                    index = order[start : start + batch_size]
                    optimizer.zero_grad()
                    terms = model.loss_terms(X[index], None if y is None else y[index], rng)
                    value = terms["loss"].item()
                    first = value if first is None else first
                    if not np.isfinite(value):
                        _diverged(model, last_good, history, epoch, f"the loss became {value}")
                    if abs(value) > EXPLODED * (abs(first) + 1.0):
                        what = f"the loss exploded to {value:.3g} from {first:.3g} at the start"
                        _diverged(model, last_good, history, epoch, what)
                    terms["loss"].backward()
                    optimizer.step()
                    for key, term in terms.items():
                        totals[key] = totals.get(key, 0.0) + term.item() * len(index)
                    del terms  # this batch's graph, freed before the next batch builds its own
                # A finite loss can still send a NaN gradient into the last step of the epoch;
                # such weights must not become the "last good" ones.
                if not all(np.all(np.isfinite(p.data)) for p in model.parameters()):
                    _diverged(model, last_good, history, epoch, "the weights became NaN or inf")
                logs = {key: value / n for key, value in totals.items()}
                if validation_data is not None:
                    val = evaluate(model, *validation_data, max(batch_size, 256))
                    logs.update({f"val_{key}": value for key, value in val.items()})
                logs["time"] = time.perf_counter() - start_time
                history.append(epoch, logs)
                last_good = model.state_dict()
                for callback in callbacks:
                    callback.on_epoch_end(epoch, logs, run)
                if run.stop:
                    history.stopped = run.stop
                    break
    except KeyboardInterrupt:
        model.load_state_dict(last_good)
        history.stopped = f"{INTERRUPTED} during epoch {len(history) + 1}"
        print(
            f"training interrupted: keeping the weights from the end of epoch {len(history)}",
            flush=True,
        )
    finally:
        model.eval()
        for callback in begun:  # those that began: the clean-up of what each set up
            callback.on_train_end(run)
    return history


def evaluate(model, X, y, batch_size, seed=0):
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
                totals[key] = totals.get(key, 0.0) + value.item() * xb.shape[0]
    model.train(was_training)
    return {key: value / n for key, value in totals.items()}


def _diverged(model, last_good, history, epoch, what):
    """Put back the weights of the last good epoch and raise TrainingDiverged."""
    model.load_state_dict(last_good)
    history.stopped = f"diverged at epoch {epoch}"
    kept = f"the weights from the end of epoch {epoch - 1}" if epoch > 1 else "its initial weights"
    raise TrainingDiverged(
        f"training diverged at epoch {epoch}: {what}. The model keeps {kept}. Likely "
        "causes: a learning rate too high for this model (try 10 times smaller), unscaled "
        "inputs, or a loss that does not fit the data.",
        epoch,
        history,
    )
