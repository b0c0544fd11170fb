"""The one training loop every model uses: minibatches, validation, callbacks, safety.

A model takes part by writing ``loss_terms(x, y, rng)``: the loss of one batch as a
dict of scalar Tensors, each a mean over the batch's examples, ``"loss"`` being the one to
minimise and any others (a VAE's ``"reconstruction"`` and ``"kl"``) being logged beside it,
every random draw taken from ``rng``. Everything else is here:

- shuffled minibatches drawn from a Generator, so a seed fixes the whole run;
- optionally, each batch's gradient computed on ``shards`` of it side by side, in threads
  (``aelearn.training.shards``);
- validation after each epoch, in evaluation mode, with its own fixed Generator;
- a ``History`` of every term per epoch, and the time each epoch took;
- callbacks (``EarlyStopping``, a VAE's KL warm-up) that act at epoch boundaries;
- a loss that becomes NaN or infinite, or explodes far beyond the first batch's (see
  ``EXPLODED``), stops training with ``TrainingDiverged``, and a
  KeyboardInterrupt stops it quietly; both leave the weights of the last finished epoch,
  kept with ``model.state_dict()`` and put back with ``model.load_state_dict``.

Two settings of the process serve speed alone: the BLAS threads (``aelearn.threads``), and
malloc keeping the memory each step frees for the next (``aelearn.allocator``).
"""

import time

import numpy as np

from aelearn.allocator import keep_freed_memory
from aelearn.autograd import no_grad
from aelearn.optim import SGD, Adam, RMSprop
from aelearn.threads import chosen_threads
from aelearn.training.history import INTERRUPTED, History
from aelearn.training.progress import progress_callback
from aelearn.training.shards import ShardedGradients
from aelearn.validation import check_positive_int, check_rng

#: A batch loss this many times the first batch's (plus 1) has exploded: no training that
#: works climbs a million-fold, while a learning rate far too high reaches 1e27 and more
#: before the loss ever turns NaN.
EXPLODED = 1e6


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the model holds its last good weights."""

    def __init__(self, message, epoch, history):
        super().__init__(message)
        self.epoch, self.history = epoch, history


class Trainer:
    """The state of one ``fit`` call, handed to callbacks."""

    def __init__(self, model, optimizer, has_validation=False):
        self.model, self.optimizer, self.has_validation = model, optimizer, has_validation
        self.history, self.stop = History(getattr(model, "loss_units", None)), None


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


def _weights_finite(model):
    return all(np.all(np.isfinite(p.data)) for p in model.parameters())


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
    shards=1,
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
        Learning rate of an optimiser built here.
    optimizer : {"adam", "rmsprop", "sgd"} or Optimizer, default="adam"
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
    shards : int, default=1
        Split each batch into this many shards whose gradients are computed side by side,
        one thread each, and summed (``aelearn.training.shards``): faster where the cores
        would otherwise wait, as for convolutional networks. The result depends on
        ``shards``, not on the number of cores; it differs from ``shards=1`` in its random
        draws and in the last bits of the sums.

    Returns
    -------
    History

    Raises
    ------
    TrainingDiverged
        When a batch loss is NaN, infinite or exploded (``EXPLODED``), or the weights at the
        end of an epoch are NaN or infinite; the weights are then those of the last epoch
        that finished with a finite loss and finite weights (the initial weights if none did).
    """
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    shards = check_positive_int(shards, "shards")
    if shards > batch_size:
        raise ValueError(f"shards ({shards}) must be at most batch_size ({batch_size})")
    keep_freed_memory()  # for the next step, rather than fault it in afresh (aelearn.allocator)
    # The BLAS threads aelearn chooses for this model's products (aelearn.threads).
    with (
        chosen_threads(model.parameters(), shards),
        ShardedGradients(model.loss_terms, model.parameters(), shards) as gradients,
    ):
        return _fit(
            model, X, y, epochs, batch_size, lr, optimizer, validation_data, callbacks,
            verbose, rng, gradients,
        )  # fmt: skip


def _fit(
    model, X, y, epochs, batch_size, lr, optimizer, validation_data, callbacks, verbose, rng,
    gradients,
):  # fmt: skip
    """The body of ``fit``, inside its choice of BLAS threads; ``gradients`` sets every
    parameter's gradient for a batch and returns the batch's loss terms."""
    rng = check_rng(rng)
    optimizer = _optimizer(optimizer, model, lr)
    trainer = Trainer(model, optimizer, validation_data is not None)
    history = trainer.history
    progress = progress_callback(verbose, epochs)
    callbacks = [*callbacks, *([progress] if progress else [])]
    last_good = model.state_dict()
    n = X.shape[0]
    model.train()
    begun, first = [], None
    try:
        for callback in callbacks:
            callback.on_train_begin(trainer)
            begun.append(callback)
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
                    terms = gradients(X[index], None if y is None else y[index], rng)
                    value = terms["loss"]
                    first = value if first is None else first
                    if not np.isfinite(value):
                        _diverged(model, last_good, history, epoch, f"the loss became {value}")
                    if abs(value) > EXPLODED * (abs(first) + 1.0):
                        what = f"the loss exploded to {value:.3g} from {first:.3g} at the start"
                        _diverged(model, last_good, history, epoch, what)
                    optimizer.step()
                    for key, term in terms.items():
                        totals[key] = totals.get(key, 0.0) + term * len(index)
                # A finite loss can still send a NaN gradient into the last step of the epoch;
                # such weights must not become the "last good" ones.
                if not _weights_finite(model):
                    _diverged(model, last_good, history, epoch, "the weights became NaN or inf")
                logs = {key: value / n for key, value in totals.items()}
                if validation_data is not None:
                    X_val, y_val = validation_data
                    val = _evaluate(model, X_val, y_val, max(batch_size, 256))
                    logs.update({f"val_{key}": value for key, value in val.items()})
                logs["time"] = time.perf_counter() - start_time
                history.append(epoch, logs)
                last_good = model.state_dict()
                for callback in callbacks:
                    callback.on_epoch_end(epoch, logs, trainer)
                if trainer.stop:
                    history.stopped = trainer.stop
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
            callback.on_train_end(trainer)
    return history


#: The optimisers ``fit`` builds by name, each with its own defaults but the learning rate.
OPTIMIZERS = {"adam": Adam, "rmsprop": RMSprop, "sgd": SGD}


def _optimizer(optimizer, model, lr):
    """The optimiser to train with: one given, or one built by name over the model."""
    if optimizer is None or isinstance(optimizer, str):
        name = optimizer or "adam"
        if name not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)} or an Optimizer")
        return OPTIMIZERS[name](model.parameters(), lr=lr)
    return optimizer


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
