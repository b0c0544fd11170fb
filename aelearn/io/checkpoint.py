"""ModelCheckpoint: save the best model so far to a file while training runs."""

import numpy as np

from aelearn.io.files import save
from aelearn.training import Callback
from aelearn.training.callbacks import check_monitor


class ModelCheckpoint(Callback):
    """After each epoch in which ``monitor`` improved, save the model to ``path``.

    The file is aelearn's safe model file (``aelearn.io.save``: plain arrays and JSON,
    written completely before it replaces the last one), holding the History up to that
    epoch; ``aelearn.io.load(path)`` gives the best model back.

    Parameters
    ----------
    path : str or path-like
    monitor : str, default="val_loss"
        A key of the epoch logs ("loss" when there is no validation data).
    save_best_only : bool, default=True
        False saves after every epoch.

    Attributes
    ----------
    best : float
        The best value of ``monitor`` so far.
    best_epoch : int or None
    """

    def __init__(self, path, monitor="val_loss", save_best_only=True):
        self.path, self.monitor, self.save_best_only = path, monitor, save_best_only

    def on_train_begin(self, trainer):
        check_monitor(self.monitor, trainer, "ModelCheckpoint")
        self.best, self.best_epoch = np.inf, None

    def on_epoch_end(self, epoch, logs, trainer):
        if self.monitor not in logs:
            raise KeyError(
                f"ModelCheckpoint monitors {self.monitor!r}; the logs hold {sorted(logs)}"
            )
        improved = logs[self.monitor] < self.best
        if improved:
            self.best, self.best_epoch = logs[self.monitor], epoch
        if improved or not self.save_best_only:
            save(trainer.model, self.path, history=trainer.history)
