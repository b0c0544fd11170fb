"""ModelCheckpoint: save the best model so far to a file while training runs."""

import numpy as np

from aelearn.io.files import save
from aelearn.training import Callback
from aelearn.training.callbacks import check_monitor


class ModelCheckpoint(Callback):
    """Save the model with its History so far to ``path`` (``aelearn.io.save``) after each
    epoch in which ``monitor`` (a key of the epoch logs, "loss" when there is no validation
    data) improved (fell; rose, for an accuracy), or after every epoch if not
    ``save_best_only``; ``aelearn.io.load(path)`` gives the best model back. ``best`` is the
    best value of ``monitor`` so far, ``best_epoch`` its epoch."""

    def __init__(self, path, monitor="val_loss", save_best_only=True):
        self.path, self.monitor, self.save_best_only = path, monitor, save_best_only

    def on_train_begin(self, run):
        self.sign = check_monitor(self.monitor, run, "ModelCheckpoint")
        self.best, self.best_epoch = self.sign * np.inf, None

    def on_epoch_end(self, epoch, logs, run):
        if self.monitor not in logs:
            raise KeyError(
                f"ModelCheckpoint monitors {self.monitor!r}; the logs hold {sorted(logs)}"
            )
        improved = self.sign * (logs[self.monitor] - self.best) < 0
        if improved:
            self.best, self.best_epoch = logs[self.monitor], epoch
        if improved or not self.save_best_only:
            save(run.model, self.path, history=run.history)
