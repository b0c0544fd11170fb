"""What fit shows while it trains: a live line where someone watches, lines for logs,
nothing in a script whose output goes elsewhere."""

import io
import os
import sys

import numpy as np
import pytest

from aelearn.models import VAE, Autoencoder
from aelearn.training import progress
from aelearn.training.progress import ProgressDisplay, format_duration, format_epoch

X = np.random.default_rng(0).uniform(size=(64, 12)).astype(np.float32)


def test_a_line_names_the_terms_with_their_unit_the_time_per_epoch_and_the_time_left():
    model = VAE((12, 6, 2), rng=0)
    model.fit(X, epochs=2, validation_data=X, verbose=False)
    logs = model.history_.last()
    line = format_epoch(2, 10, logs, model.history_, seconds_left=12.5)
    assert line.startswith("epoch  2/10  loss ")
    assert "nats/example (reconstruction" in line and "kl " in line
    assert "val_loss " in line and "/epoch, about 12.5 s left" in line


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0042, "4 ms"), (0.85, "850 ms"), (12.34, "12.3 s"), (245, "4 min 05 s")],
)
def test_durations_read_in_a_unit_that_fits(seconds, text):
    assert format_duration(seconds) == text


def test_a_terminal_sees_one_line_rewritten_in_place():
    stream = io.StringIO()
    display = ProgressDisplay(epochs=3, delay=0.0, stream=stream, force=True)
    Autoencoder((12, 4), rng=0).fit(X, epochs=3, callbacks=[display], verbose=False)
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "epoch 3/3" in text and "nats/example" in text


def test_by_default_a_fit_whose_output_is_not_watched_prints_nothing(capsys, monkeypatch):
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.0)
    Autoencoder((12, 4), rng=0).fit(X, epochs=3)  # verbose="auto"; stdout is captured
    assert capsys.readouterr().out == ""


def test_a_quick_fit_shows_nothing_even_in_a_terminal():
    stream = io.StringIO()
    display = ProgressDisplay(epochs=2, stream=stream, force=True)  # the 2 s delay
    Autoencoder((12, 4), rng=0).fit(X, epochs=2, callbacks=[display], verbose=False)
    assert stream.getvalue() == ""


def test_verbose_true_prints_a_line_per_epoch_and_an_int_every_n(capsys):
    Autoencoder((12, 4), rng=0).fit(X, epochs=4, verbose=True)
    assert capsys.readouterr().out.count("\n") == 4
    Autoencoder((12, 4), rng=0).fit(X, epochs=4, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == ["2/4", "4/4"]
    assert all("ms/epoch" in line or " s/epoch" in line for line in lines)


def test_a_verbose_that_means_nothing_is_refused():
    with pytest.raises(ValueError, match="verbose must be"):
        Autoencoder((12, 4), rng=0).fit(X, epochs=1, verbose="loud")


def _vae_logs():
    """The logs and History of a VAE fitted with validation data: the longest line."""
    model = VAE((12, 6, 2), rng=0)
    model.fit(X[:48], epochs=2, validation_data=X[48:], verbose=False)
    return model.history_.last(), model.history_


def _terminal_of(monkeypatch, columns):
    size = os.terminal_size((columns, 24))
    monkeypatch.setattr(progress.shutil, "get_terminal_size", lambda fallback=None: size)


@pytest.mark.parametrize("columns", [80, 40])
def test_the_live_line_fits_its_terminal_and_never_wraps(monkeypatch, columns):
    _terminal_of(monkeypatch, columns)
    stream = io.StringIO()
    display = ProgressDisplay(epochs=3, delay=0.0, stream=stream, force=True)
    VAE((12, 6, 2), rng=0).fit(
        X[:48], epochs=3, validation_data=X[48:], callbacks=[display], verbose=False
    )
    updates = stream.getvalue().removesuffix("\n").split("\r")[1:]
    assert len(updates) == 3
    # Below the last column, which makes some terminals wrap.
    assert all(len(update) <= columns - 1 for update in updates), updates
    assert all(update.startswith("epoch ") and " loss " in update for update in updates)
    logs, history = _vae_logs()
    full = format_epoch(1, 3, logs, history, seconds_left=1.0)
    assert len(full) > 120  # what the terminal would have wrapped
    if columns == 80:  # the short form: each loss alone, and the time left
        assert "val_loss" in updates[0] and " left" in updates[0]
        assert "reconstruction" not in updates[0] and "nats/example" not in updates[0]


def test_a_wide_terminal_shows_every_detail(monkeypatch):
    _terminal_of(monkeypatch, 250)
    stream = io.StringIO()
    display = ProgressDisplay(epochs=3, delay=0.0, stream=stream, force=True)
    VAE((12, 6, 2), rng=0).fit(
        X[:48], epochs=3, validation_data=X[48:], callbacks=[display], verbose=False
    )
    first = stream.getvalue().split("\r")[1]
    assert "(reconstruction " in first and "val_loss " in first and "/epoch, about " in first


def test_a_line_too_wide_gives_way_to_its_short_form_never_wider_than_asked():
    logs, history = _vae_logs()
    full = format_epoch(120, 200, logs, history, seconds_left=1.7)
    short = f"epoch 120/200  loss {logs['loss']:.4g}  val_loss {logs['val_loss']:.4g}  1.7 s left"
    assert format_epoch(120, 200, logs, history, seconds_left=1.7, width=len(full)) == full
    assert format_epoch(120, 200, logs, history, seconds_left=1.7, width=len(full) - 1) == short
    for width in range(len(short), 4, -1):
        line = format_epoch(120, 200, logs, history, seconds_left=1.7, width=width)
        assert line == short[:width].rstrip()


def test_printed_lines_fit_a_terminal_and_stay_whole_elsewhere(capsys, monkeypatch):
    _terminal_of(monkeypatch, 60)
    model = VAE((12, 6, 2), rng=0)
    model.fit(X, epochs=2, verbose=True)
    whole = capsys.readouterr().out.splitlines()
    assert "(reconstruction " in whole[0] and len(whole[0]) > 59
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    VAE((12, 6, 2), rng=0).fit(X, epochs=2, verbose=True)
    fitted = capsys.readouterr().out.splitlines()
    assert len(fitted) == 2 and all(len(line) <= 59 for line in fitted), fitted


def test_a_notebook_shows_one_output_updated_in_place(monkeypatch):
    import IPython.display

    shown = []

    class Handle:
        def update(self, obj):
            shown.append(obj.data)

    def display(obj, display_id=False):
        assert display_id is True
        shown.append("opened")
        return Handle()

    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(progress, "_in_notebook", lambda: True)
    _terminal_of(monkeypatch, 40)  # a notebook's output is not the terminal's width
    display_ = ProgressDisplay(epochs=3, delay=0.0)
    VAE((12, 6, 2), rng=0).fit(
        X[:48], epochs=3, validation_data=X[48:], callbacks=[display_], verbose=False
    )
    assert shown[0] == "opened" and shown.count("opened") == 1 and len(shown) == 4
    assert all("\n" not in line and "(reconstruction " in line for line in shown[1:])
