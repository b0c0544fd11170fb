"""The one training loop every model uses (``fit``), its History and its callbacks."""

from aelearn.training.callbacks import Callback, EarlyStopping
from aelearn.training.history import History
from aelearn.training.loop import Trainer, TrainingDiverged, fit

__all__ = ["Callback", "EarlyStopping", "History", "Trainer", "TrainingDiverged", "fit"]
