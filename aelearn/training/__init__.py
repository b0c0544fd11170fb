"""The one training loop every model uses (``fit``), its History and its callbacks."""

from aelearn.training.callbacks import Callback, CSVLogger, EarlyStopping
from aelearn.training.history import History
from aelearn.training.loop import TrainingDiverged, TrainingRun, evaluate, fit
from aelearn.training.progress import EpochLines, ProgressDisplay

__all__ = [
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "EpochLines",
    "History",
    "ProgressDisplay",
    "TrainingDiverged",
    "TrainingRun",
    "evaluate",
    "fit",
]
