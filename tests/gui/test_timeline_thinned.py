"""The timeline of a thinned history: which iterations are kept, and drags land on them."""

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PyQt6.QtGui import QAction

from gmm_viz.gui.views.timeline import SLIDER_TIP, TimelineBar, kept_fraction, kept_text

N = 1000
#: Every 8th old iteration and the newest 40, as a thinned history keeps them.
KEPT = np.unique(np.r_[np.arange(0, N - 40, 8), np.arange(N - 40, N)])


@pytest.fixture
def bar(qtbot):
    bar = TimelineBar(QAction("Step"))
    qtbot.addWidget(bar)
    bar.resize(800, 40)
    bar.show()
    qtbot.waitExposed(bar)
    return bar


def seeks(qtbot, bar, move):
    """Iterations requested by the bar while ``move()`` runs."""
    requested = []
    bar.sigSeekRequested.connect(requested.append)
    move()
    bar.sigSeekRequested.disconnect(requested.append)
    return requested


def drag_to(bar, value):
    """As a drag does: the handle is down and moves to ``value``."""
    bar.slider.setSliderDown(True)
    bar.slider.setSliderPosition(value)
    bar.slider.setSliderDown(False)


def test_a_history_that_keeps_everything_looks_as_before(qtbot, bar):
    every = np.arange(41)
    for kept in (None, every):
        bar.show_position(3, 40, kept=kept)
        assert not bar.thinned and bar.kept_text() == ""
        assert bar.position_text() == "iteration 3 / 40"
        assert bar.slider.toolTip() == SLIDER_TIP
        assert bar.kept_strip.fractions() is None
        assert seeks(qtbot, bar, lambda: drag_to(bar, 7)) == [7]
    bar.show_position(5, 40, "E")  # the old call, without kept
    assert bar.position_text() == "iteration 5 / 40 · E-step"
    assert "responsibilities from θ(4)" in bar.label.toolTip()
    bar.show_position(5, 40, "detected")
    assert bar.position_text() == "iteration 5 / 40 · caught"
    bar.show_position(5, 40, "M")
    assert bar.position_text() == "iteration 5 / 40 · M-step"
    assert "θ(5)" in bar.label.toolTip()
    bar.show_position(0, 40, "start")
    assert bar.position_text() == "iteration 0 / 40 · start"


def test_a_drag_onto_a_thinned_iteration_lands_on_the_nearest_kept_one(qtbot, bar):
    bar.show_position(N - 1, N - 1, kept=KEPT)
    assert bar.thinned
    assert seeks(qtbot, bar, lambda: drag_to(bar, 13)) == [16]
    assert bar.slider.value() == 16  # the handle sits on the iteration that is shown
    assert seeks(qtbot, bar, lambda: drag_to(bar, 12)) == [8]  # a tie: the earlier one
    assert seeks(qtbot, bar, lambda: drag_to(bar, N - 3)) == [N - 3]  # kept: as is
    # The label says what the worker shows (it snaps the same way).
    bar.show_position(8, N - 1, kept=KEPT)
    assert bar.position_text() == f"iteration 8 / {N - 1}"
    assert bar.slider.value() == 8


def test_the_timeline_says_how_many_iterations_are_kept(bar):
    bar.show_position(N - 1, N - 1, kept=KEPT)
    text = f"{len(KEPT)} of 1,000 iterations kept (older ones thinned to stay within 500 MiB)"
    assert bar.kept_text() == text == kept_text(len(KEPT), N)
    assert text in bar.slider.toolTip() and "nearest kept" in bar.slider.toolTip()
    assert text in bar.label.toolTip() and text in bar.kept_strip.toolTip()


def test_the_strip_shows_where_iterations_are_kept(qtbot, bar):
    bar.show_position(N - 1, N - 1, kept=KEPT)
    strip = bar.kept_strip
    x0, x_last = strip.handle_centres()
    # The strip spans the slider's handle positions: iteration 0 to the last.
    assert 0 <= x0 < 30 and strip.width() - 30 < x_last <= strip.width()
    fractions = strip.fractions()
    newest = int(x0 + (N - 20) / (N - 1) * (x_last - x0))  # among the newest 40
    old = slice(int(x0 + 100 / (N - 1) * (x_last - x0)), int(x0 + 500 / (N - 1) * (x_last - x0)))
    assert fractions[newest] == 1.0
    # About one in 8 old iterations is kept (columns hold one iteration or two).
    assert 0.08 < np.nanmean(fractions[old]) < 0.2
    bar.grab().save("/tmp/timeline.png")
    image = bar.grab().toImage()
    y = strip.y() + strip.height() // 2

    def lightness(x):
        return image.pixelColor(strip.x() + x, y).lightness()

    background = image.pixelColor(strip.x() + newest, strip.y() - 2).lightness()
    old_mean = np.mean([lightness(x) for x in range(old.start, old.stop)])
    assert lightness(newest) < old_mean < background


def test_kept_fraction_counts_the_iterations_of_each_column():
    # 10 iterations over 100 columns: each iteration is one column, the others are gaps.
    fraction = kept_fraction(np.array([0, 3, 9]), 10, 0.0, 99.0, 100)
    assert fraction[0] == 1 and fraction[22] == 0 and fraction[33] == 1 and fraction[99] == 1
    assert np.isnan(fraction[50])
    # 1,000,000 iterations over 100 columns of about 10,000: every 10th kept is a tenth.
    kept = np.arange(0, 1_000_000, 10)
    fraction = kept_fraction(kept, 1_000_000, 0.0, 99.0, 100)
    np.testing.assert_allclose(fraction[:99], 0.1, rtol=0.02)
