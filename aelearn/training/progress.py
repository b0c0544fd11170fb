"""What ``fit`` shows while it trains (its ``verbose``): a live line, or a line per epoch.

``verbose="auto"`` shows a live line once training has run for ``DELAY_SECONDS``, and only
where someone can watch it: rewritten in place in a terminal, an output that updates in
Jupyter; a script writing to a file sees nothing. The line names each loss term with its
unit, the validation loss, the time per epoch and the time left, e.g.::

    epoch  40/300  loss 24.1 nats/example (reconstruction 20.6, kl 3.49)  val_loss 24.6
    15 ms/epoch, about 4 s left

A line wider than the terminal, which would wrap at every update, gives way to its short
form (``epoch  40/300  loss 24.1  val_loss 24.6  4 s left``), cut at the width if need be.
"""

import shutil
import sys
import time

from aelearn.training.callbacks import Callback

#: A live display starts only after training has run this long, so quick fits stay quiet.
DELAY_SECONDS = 2.0


def format_duration(seconds):
    """``seconds`` as a short human reading: "850 ms", "12.3 s", "4 min 05 s"."""
    if seconds < 1.0:
        return f"{1e3 * seconds:.0f} ms"
    if seconds < 60.0:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _line(epoch, epochs, logs, history, seconds_left, short):
    """The line of ``format_epoch``; ``short``: each loss alone, and the time left alone."""
    terms = {k: v for k, v in logs.items() if k != "time"}
    shown = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    for prefix in ("", "val_"):
        group = [k for k in terms if k.startswith("val_") == (prefix == "val_")]
        if not group:
            continue
        main, others = group[0], group[1:]
        text = f"{main} {terms[main]:.4g}"
        if not short:
            inner = ", ".join(f"{k.removeprefix(prefix)} {terms[k]:.4g}" for k in others)
            text = f"{text} {history.unit(main)}".rstrip() + (f" ({inner})" if others else "")
        shown.append(text)
    timing = [] if short else [f"{format_duration(logs['time'])}/epoch"]
    if seconds_left is not None and epoch < epochs:
        timing.append(f"{'' if short else 'about '}{format_duration(seconds_left)} left")
    if timing:
        shown.append(", ".join(timing))
    return "  ".join(shown)


def format_epoch(epoch, epochs, logs, history, seconds_left=None, width=None):
    """One line: the epoch, every logged term with the loss's unit, time per epoch, time left;
    longer than ``width``, the short line instead (cut at ``width`` if it still is longer)."""
    line = _line(epoch, epochs, logs, history, seconds_left, short=False)
    if width is None or len(line) <= width:
        return line
    return _line(epoch, epochs, logs, history, seconds_left, short=True)[:width].rstrip()


def terminal_line_width():
    """The terminal's columns less one: a character in the last column makes some terminals
    (Windows' console among them) move to the next line."""
    return max(1, (shutil.get_terminal_size((80, 24)).columns or 80) - 1)


def _in_notebook():
    """Whether this runs inside a Jupyter kernel."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = ipython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class _TerminalLine:
    """A line rewritten in place: a carriage return, the text, spaces over the longer last."""

    def __init__(self, stream):
        self.stream, self.shown = stream, 0

    def update(self, text):
        self.stream.write("\r" + text.ljust(min(self.shown, terminal_line_width())))
        self.stream.flush()
        self.shown = len(text)

    def close(self):
        self.stream.write("\n")
        self.stream.flush()


class _NotebookOutput:
    """An output that Jupyter replaces at every update: one line, however long."""

    def __init__(self):
        from IPython.display import Pretty, display  # present: this runs in a kernel

        self._pretty = Pretty
        self.handle = display(Pretty(""), display_id=True)

    def update(self, text):
        self.handle.update(self._pretty(text))

    def close(self):
        pass


class ProgressDisplay(Callback):
    """The live line of ``verbose="auto"``, shown after ``delay`` seconds of training on
    ``stream`` (default: sys.stdout; in a notebook, an output); ``force`` shows it even on a
    stream that is not a terminal."""

    def __init__(self, epochs, delay=DELAY_SECONDS, stream=None, force=False):
        self.epochs, self.delay, self.force = epochs, delay, force
        self.stream = stream or sys.stdout
        self.output = None

    def _open(self):
        if _in_notebook():
            return _NotebookOutput()
        if self.force or getattr(self.stream, "isatty", lambda: False)():
            return _TerminalLine(self.stream)
        return None

    def on_train_begin(self, run):
        self.start, self.output, self.opened = time.perf_counter(), None, False

    def on_epoch_end(self, epoch, logs, run):
        elapsed = time.perf_counter() - self.start
        if not self.opened and elapsed >= self.delay:
            self.output, self.opened = self._open(), True
        if self.output is not None:
            left = elapsed / epoch * (self.epochs - epoch)
            width = terminal_line_width() if isinstance(self.output, _TerminalLine) else None
            self.output.update(format_epoch(epoch, self.epochs, logs, run.history, left, width))

    def on_train_end(self, run):
        if self.output is not None:
            self.output.close()


class EpochLines(Callback):
    """A printed line every ``every`` epochs, at the last and at a stopping one, fitted to a
    terminal's width."""

    def __init__(self, epochs, every=1):
        self.epochs, self.every = epochs, every

    def on_epoch_end(self, epoch, logs, run):
        if epoch % self.every == 0 or epoch == self.epochs or run.stop:
            width = terminal_line_width() if sys.stdout.isatty() else None
            print(format_epoch(epoch, self.epochs, logs, run.history, width=width), flush=True)


def progress_callback(verbose, epochs):
    """The callback that shows what ``verbose`` asks for, or None."""
    if verbose == "auto":
        return ProgressDisplay(epochs)
    if verbose is True:
        return EpochLines(epochs)
    if verbose is None or verbose is False or verbose == 0:
        return None
    if isinstance(verbose, int) and verbose > 0:
        return EpochLines(epochs, verbose)
    raise ValueError(
        f'verbose must be "auto", True, False or a positive int (every n epochs); got {verbose!r}'
    )
