"""What a training run records: every loss term per epoch, its unit, and why it stopped."""

import numpy as np

#: The unit of the seconds every epoch records.
TIME_UNIT = ("s/epoch", "seconds per epoch")

#: How ``stopped`` begins when the user interrupted training (Ctrl-C).
INTERRUPTED = "interrupted"


class History:
    """Per-epoch records of a training run.

    ``history["loss"]`` is the training loss per epoch, ``history["val_loss"]`` the
    validation loss, and likewise for each term (``"kl"``, ``"val_kl"``); ``"time"``
    is seconds per epoch. ``stopped`` says why training ended early, or is None.

    Parameters
    ----------
    units : dict, optional
        {term: (short unit, description)} for the model's loss terms, e.g.
        ``{"loss": ("nats/example", "-ELBO in nats per example, ...")}``; a validation
        term ``val_x`` has the unit of ``x``.
    """

    def __init__(self, units=None):
        self.records = {}
        self.epochs = []
        self.stopped = None
        self.units = {"time": TIME_UNIT, **(units or {})}

    @property
    def interrupted(self):
        """Whether the user stopped this run (Ctrl-C) before its last epoch."""
        return self.stopped is not None and self.stopped.startswith(INTERRUPTED)

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

    def unit(self, key, short=True):
        """The unit of a record: short ("nats/example") or its full description."""
        short_unit, description = self.units.get(key.removeprefix("val_"), ("", ""))
        return short_unit if short else description

    def to_dict(self):
        """The history as JSON-ready data (``from_dict`` reads it back)."""
        return {
            "epochs": list(self.epochs),
            "records": {key: list(values) for key, values in self.records.items()},
            "units": {key: list(unit) for key, unit in self.units.items()},
            "stopped": self.stopped,
        }

    @classmethod
    def from_dict(cls, data):
        """A History from ``to_dict``'s output."""
        history = cls({key: tuple(unit) for key, unit in data.get("units", {}).items()})
        history.epochs = [int(e) for e in data["epochs"]]
        records = data["records"]
        history.records = {key: [float(v) for v in values] for key, values in records.items()}
        history.stopped = data.get("stopped")
        return history

    def __len__(self):
        return len(self.epochs)

    def __repr__(self):
        return f"History({len(self)} epochs, keys={sorted(self.records)})"
