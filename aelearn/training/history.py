"""What a training run records: every loss term per epoch, and why it stopped."""

import numpy as np


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
