"""Callbacks: code that acts at the boundaries of epochs while ``fit`` trains."""

import csv
from pathlib import Path

import numpy as np

from aelearn.validation import check_int


class Callback:
    """Hooks called by ``fit``; set ``run.stop`` to a reason to stop after this epoch.
    ``on_train_end`` runs however training ends (finished, stopped, diverged, interrupted)."""

    def on_train_begin(self, run):
        pass

    def on_epoch_begin(self, epoch, run):
        pass

    def on_epoch_end(self, epoch, logs, run):
        pass

    def on_train_end(self, run):
        pass


def check_monitor(monitor, run, who):
    """Refuse a validation monitor without validation data; -1 (an accuracy) if better is larger."""
    if monitor.startswith("val_") and not run.has_validation:
        raise ValueError(
            f"{who} monitors {monitor!r}, a validation loss, but fit was given no "
            f"validation_data; pass validation_data=X_val (or (X_val, y_val)), or monitor "
            f"{monitor.removeprefix('val_')!r}"
        )
    return -1.0 if monitor.endswith("accuracy") else 1.0


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved (fallen; risen, for an accuracy) by ``min_delta``
    for ``patience`` epochs.

    Parameters
    ----------
    monitor : str, default="val_loss"
        A key of the epoch logs; pass "loss" when ``fit`` has no validation data.
    patience : int, default=10
    min_delta : float, default=0.0
    restore_best : bool, default=True
        Put back the weights of the best epoch when training ends.
    """

    def __init__(self, monitor="val_loss", patience=10, min_delta=0.0, restore_best=True):
        self.monitor, self.patience = monitor, check_int(patience, "patience")
        self.min_delta, self.restore_best = float(min_delta), restore_best

    def on_train_begin(self, run):
        self.sign = check_monitor(self.monitor, run, "EarlyStopping")
        self.best, self.best_epoch, self.best_weights, self.wait = self.sign * np.inf, None, None, 0

    def on_epoch_end(self, epoch, logs, run):
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping monitors {self.monitor!r}; the logs hold {sorted(logs)}")
        if self.sign * (logs[self.monitor] - self.best) < -self.min_delta:
            self.best, self.best_epoch, self.wait = logs[self.monitor], epoch, 0
            if self.restore_best:
                self.best_weights = run.model.state_dict()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                since = f"since epoch {self.best_epoch}"
                run.stop = f"early stopping: no improvement in {self.monitor} {since}"

    def on_train_end(self, run):
        if self.restore_best and self.best_weights is not None:
            run.model.load_state_dict(self.best_weights)


class CSVLogger(Callback):
    """Write every epoch's logs as a row of the CSV file ``path`` (replaced when training
    starts), complete after each epoch, so a long run can be watched; the header names each
    column with its unit, e.g. ``loss [nats/example]``."""

    def __init__(self, path):
        self.path = Path(path)

    def on_train_begin(self, run):
        self.columns = None

    def on_epoch_end(self, epoch, logs, run):
        history = run.history
        if self.columns is None:
            self.columns = list(logs)
            header = ["epoch"] + [
                f"{k} [{history.unit(k)}]" if history.unit(k) else k for k in logs
            ]
            with open(self.path, "w", newline="") as file:
                csv.writer(file).writerow(header)
        with open(self.path, "a", newline="") as file:
            csv.writer(file).writerow([epoch] + [repr(float(logs[k])) for k in self.columns])
