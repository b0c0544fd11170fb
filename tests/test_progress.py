"""What fit shows while it trains: a live line where someone watches, lines for logs,
nothing in a script whose output goes elsewhere."""

import io

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
