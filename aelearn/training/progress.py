"""What ``fit`` shows while it trains (its ``verbose``): a live line, or a line per epoch.

``verbose="auto"`` shows a live line once training has run for ``DELAY_SECONDS``, and only
where someone can watch it: a line rewritten in place in a terminal, an output that updates
in Jupyter; a script writing to a file, and a test, see nothing. The line names each loss
term with its unit, the validation loss, the time per epoch and the time left, e.g.::

    epoch  40/300  loss 24.1 nats/example (reconstruction 20.6, kl 3.49)  val_loss 24.6
    15 ms/epoch, about 4 s left

In a terminal the line fits the terminal's width, read again at every update: a line wider
than its terminal would wrap, and every update would leave a line behind. It gives up the
details of ``SHORTENINGS`` in turn until it fits, e.g. at 80 columns::

    epoch  40/300  loss 24.1 nats/example  val_loss 24.6  4 s left

A notebook's output is one line updated in place whatever its length, and it shows it all.
"""

import shutil
import sys
import time

from aelearn.training.callbacks import Callback

#: A live display starts only after training has run this long, so quick fits stay quiet.
DELAY_SECONDS = 2.0
#: The terminal's size where none can be asked (shutil.get_terminal_size's fallback).
FALLBACK_SIZE = (80, 24)
#: What a line too wide for its terminal gives up, in this order: the validation loss's
#: terms, its unit (the training loss shows it), the word "about" before the time left, the
#: time per epoch, the training loss's terms, its unit, the validation loss, the time left.
#: The epoch and the training loss stay; a terminal too narrow even for them cuts the line.
SHORTENINGS = ("val_terms", "val_unit", "about", "per_epoch", "terms", "unit", "val", "left")


def format_duration(seconds):
    """``seconds`` as a short human reading: "850 ms", "12.3 s", "4 min 05 s"."""
    if seconds < 1.0:
        return f"{1e3 * seconds:.0f} ms"
    if seconds < 60.0:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _line(epoch, epochs, logs, history, seconds_left, dropped):
    """The line of ``format_epoch`` without the details named in ``dropped``."""
    terms = {k: v for k, v in logs.items() if k != "time"}
    groups = {"": [k for k in terms if not k.startswith("val_")]}
    if "val" not in dropped:
        groups["val_"] = [k for k in terms if k.startswith("val_")]
    shown = [f"epoch {epoch:>{len(str(epochs))}}/{epochs}"]
    for prefix, group in groups.items():
        if not group:
            continue
        main, others = group[0], group[1:]
        unit = "" if f"{prefix}unit" in dropped else history.unit(main)
        text = f"{main} {terms[main]:.4g} {unit}".rstrip()
        if others and f"{prefix}terms" not in dropped:
            text += " (" + ", ".join(f"{k.removeprefix(prefix)} {terms[k]:.4g}" for k in others)
            text += ")"
        shown.append(text)
    timing = [] if "per_epoch" in dropped else [f"{format_duration(logs['time'])}/epoch"]
    if seconds_left is not None and epoch < epochs and "left" not in dropped:
        about = "" if "about" in dropped else "about "
        timing.append(f"{about}{format_duration(seconds_left)} left")
    if timing:
        shown.append(", ".join(timing))
    return "  ".join(shown)


def format_epoch(epoch, epochs, logs, history, seconds_left=None, width=None):
    """One line: the epoch, every logged term with the loss's unit, time per epoch, time left.

    With a ``width`` (in characters), the line gives up the details of ``SHORTENINGS`` in
    turn until it is at most ``width`` long, and is cut at ``width`` if it still is not.
    """
    for n in range(len(SHORTENINGS) + 1):
        line = _line(epoch, epochs, logs, history, seconds_left, SHORTENINGS[:n])
        if width is None or len(line) <= width:
            return line
    return line[:width].rstrip()


def terminal_line_width():
    """How many characters a line may hold in this terminal: one fewer than its columns,
    because a character in the last column makes some terminals (Windows' console among
    them) move to the next line. ``COLUMNS`` in the environment overrides the terminal."""
    columns = shutil.get_terminal_size(FALLBACK_SIZE).columns
    return max(1, (columns if columns > 0 else FALLBACK_SIZE[0]) - 1)


def _in_notebook():
    """Whether this runs inside a Jupyter kernel (where outputs can update in place)."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = ipython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _is_terminal(stream):
    return getattr(stream, "isatty", lambda: False)()


class _TerminalLine:
    """A line rewritten in place: a carriage return, the text, and spaces over what is left
    of the longer line before it."""

    def __init__(self, stream):
        self.stream, self.shown = stream, 0

    def width(self):
        return terminal_line_width()

    def update(self, text):
        self.stream.write("\r" + text.ljust(min(self.shown, self.width())))
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

    def width(self):
        return None

    def update(self, text):
        self.handle.update(self._pretty(text))

    def close(self):
        pass


class ProgressDisplay(Callback):
    """The live line of ``verbose="auto"``; see the module docstring.

    Parameters
    ----------
    epochs : int
    delay : float, default=DELAY_SECONDS
        Seconds of training before the display appears.
    stream : file, optional
        Where a terminal line goes (default: sys.stdout); ignored in a notebook.
    force : bool, default=False
        Show it even where nobody seems to watch (a stream that is not a terminal).
    """

    def __init__(self, epochs, delay=DELAY_SECONDS, stream=None, force=False):
        self.epochs, self.delay, self.force = epochs, delay, force
        self.stream = stream or sys.stdout
        self.output = None

    def _open(self):
        if _in_notebook():
            return _NotebookOutput()
        if self.force or _is_terminal(self.stream):
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
            line = format_epoch(epoch, self.epochs, logs, run.history, left, self.output.width())
            self.output.update(line)

    def on_train_end(self, run):
        if self.output is not None:
            self.output.close()


class EpochLines(Callback):
    """A printed line every ``every`` epochs (and at the last and a stopping one); in a
    terminal, each fits its width as the live line does, so that none wraps."""

    def __init__(self, epochs, every=1):
        self.epochs, self.every = epochs, every

    def on_epoch_end(self, epoch, logs, run):
        if epoch % self.every == 0 or epoch == self.epochs or run.stop:
            width = terminal_line_width() if _is_terminal(sys.stdout) else None
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
