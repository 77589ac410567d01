"""The log-likelihood plot while it follows a growing run: what it draws stays exact while
only the new iterations are looked at (no test asserts a time; the drawing benchmark
measures speed)."""

import numpy as np
import pytest
from pyqtgraph.Qt import QtCore

from gmm_viz.gui.views.loglik_plot import (
    FOLLOW_LOOSEST,
    MARKER_ROOM_PX,
    CurveEnvelope,
    column_envelope,
)


def _random_curve(rng, n, gaps=True):
    x = np.arange(n, dtype=float)
    y = np.cumsum(rng.standard_normal(n))
    if gaps:
        y[rng.random(n) < 0.05] = np.nan
    return x, y


@pytest.mark.parametrize("x_range", [(0.0, 2_500.0), (300.0, 900.0), (-50.0, 40.0),
                                     (2_900.0, 3_500.0), (100.0, 100.0)])
def test_growing_envelope_equals_the_envelope_of_the_whole_curve(x_range):
    """Fed the curve a few points at a time, the envelope is the one of the whole curve."""
    rng = np.random.default_rng(5)
    x, y = _random_curve(rng, 3_000)
    y[1_000:1_040] = np.round(y[1_000:1_040])  # ties: the first lowest/highest point wins
    envelope = CurveEnvelope(x_range, 120)
    n = 0
    while n < len(x):
        n = min(len(x), n + int(rng.integers(1, 60)))
        envelope.extend(x[:n], y[:n])
        index = envelope.indices()
        x_full, y_full = column_envelope(x[:n], y[:n], x_range, 120)
        np.testing.assert_array_equal(x[:n][index], x_full)
        np.testing.assert_array_equal(y[:n][index], y_full)
    assert envelope.n == len(x)


# ------------------------------------------------------------------ following a run
@pytest.fixture
def plot(qtbot):
    return _plot(qtbot)


def _plot(qtbot):
    from gmm_viz.gui.views.loglik_plot import LogLikelihoodPlot

    widget = LogLikelihoodPlot()
    qtbot.addWidget(widget)
    widget.resize(700, 260)
    widget.show()
    return widget


def _run(n=3_000):
    """A rising curve with a recovery (a drop) every 37 iterations and a short gap."""
    iterations = np.arange(n, dtype=float)
    values = -3_000.0 - 60_000.0 * np.exp(-iterations / 40.0) - 200.0 * np.exp(-iterations / 900)
    recoveries = list(range(50, n, 37))
    values[recoveries] -= 400.0
    values[1_200:1_203] = np.nan
    return iterations, values, recoveries


def _frame(plot, iterations, values, recoveries, n, converged_at=None, current=None):
    """Show the first ``n`` iterations as the window does (copies of the whole history)."""
    plot.show_history(iterations[:n].copy(), values[:n].copy(),
                      [r for r in recoveries if r < n],
                      converged_at if converged_at is not None and converged_at < n else None,
                      n - 1 if current is None else current)


def _assert_draws_the_envelope_of_its_view(plot, iterations, values):
    x_range = tuple(plot.getViewBox().viewRange()[0])
    x, y = plot.drawn_points()
    x_full, y_full = column_envelope(iterations, values, x_range, plot._pixel_columns())
    np.testing.assert_array_equal(x, x_full)
    np.testing.assert_array_equal(y, y_full)


def _assert_same_markers(plot, other):
    for item in ("_recovery_marks", "_current_dot", "_converged_star"):
        mine, theirs = getattr(plot, item), getattr(other, item)
        assert mine.isVisible() == theirs.isVisible(), item
        if mine.isVisible():
            for axis in (0, 1):
                assert mine.getData()[axis].tolist() == theirs.getData()[axis].tolist(), item
    for item in ("_current_line", "_converged_line"):
        mine, theirs = getattr(plot, item), getattr(other, item)
        assert mine.isVisible() == theirs.isVisible(), item
        if mine.isVisible():
            assert mine.value() == theirs.value(), item
    assert plot.visible_recovery_lines() == other.visible_recovery_lines()
    np.testing.assert_array_equal(plot._recovery_x, other._recovery_x)
    assert plot.readout_text() == other.readout_text()
    assert plot._dots.isVisible() == other._dots.isVisible()


def test_following_a_run_keeps_the_newest_iteration_in_view_and_moves_the_range_rarely(
        plot, qtbot):
    iterations, values, recoveries = _run()
    view = plot.getViewBox()
    moves = []
    view.sigXRangeChanged.connect(lambda *_: moves.append("x"))
    view.sigYRangeChanged.connect(lambda *_: moves.append("y"))
    frames = 0
    for n in range(1, len(iterations) + 1, 4):
        _frame(plot, iterations, values, recoveries, n, converged_at=2_500)
        frames += 1
        (x0, x1), (y0, y1) = view.viewRange()
        assert x0 <= iterations[0] and iterations[n - 1] <= x1
        if np.isfinite(values[n - 1]):
            assert y0 <= values[n - 1] <= y1
        if n % 100 == 1 or n > 2_990:
            _assert_draws_the_envelope_of_its_view(plot, iterations[:n], values[:n])
    # The range moves on in steps, not every frame (each move regenerates ticks and grid).
    assert moves.count("x") < frames / 10 and moves.count("y") < frames / 10
    # What is marked is what a plot shown the whole history at once marks, and the range
    # is at most a little wider than the one that plot fits tightly (the y-range may keep
    # less room around the curve).
    fresh = _plot(qtbot)
    _frame(fresh, iterations, values, recoveries, n, converged_at=2_500)
    _assert_same_markers(plot, fresh)
    (x0, x1), (y0, y1) = view.viewRange()
    (fx0, fx1), (fy0, fy1) = fresh.getViewBox().viewRange()
    assert x0 == pytest.approx(fx0, rel=0.2) and fx1 <= x1 <= fx1 + 0.16 * (fx1 - fx0) + 8
    assert y0 <= np.nanmin(values) and np.nanmax(values) <= y1  # every value in view
    assert y1 - y0 <= FOLLOW_LOOSEST * (fy1 - fy0)
    assert fresh._recovery_marks.data["x"].tolist() == [
        r for r in recoveries if np.isfinite(values[r])]


def test_a_history_shown_at_once_is_framed_tightly_as_before(plot):
    """Only a run that goes on is given room ahead: its newest iteration ends the range,
    with just the room its marker (the star, the ring) needs to be drawn whole."""
    iterations, values, recoveries = _run()
    _frame(plot, iterations, values, recoveries, 3_000)
    view = plot.getViewBox()
    first = view.mapViewToScene(QtCore.QPointF(0.0, values[0])).x()
    last = view.mapViewToScene(QtCore.QPointF(2_999.0, values[-1])).x()
    left, right = view.sceneBoundingRect().left(), view.sceneBoundingRect().right()
    for room in (first - left, right - last):
        assert MARKER_ROOM_PX <= room <= 3 * MARKER_ROOM_PX
    _assert_draws_the_envelope_of_its_view(plot, iterations, values)


def test_a_changed_history_is_framed_and_drawn_anew(plot, qtbot):
    """Another scale, or a history cut back (playing on from the past), is not taken for
    the previous one grown: it is drawn and framed as if shown at once."""
    iterations, values, recoveries = _run()
    for n in range(1, 2_001, 4):
        _frame(plot, iterations, values, recoveries, n)
    cases = [(values / 2_000.0, 2_001),  # the mean scale
             (values, 900)]  # cut back
    for new_values, n in cases:
        _frame(plot, iterations, new_values, recoveries, n, current=n // 2)
        fresh = _plot(qtbot)
        _frame(fresh, iterations, new_values, recoveries, n, current=n // 2)
        assert plot.getViewBox().viewRange() == fresh.getViewBox().viewRange()
        np.testing.assert_array_equal(plot.drawn_points()[1], fresh.drawn_points()[1])
        _assert_same_markers(plot, fresh)
    # Growing again from there: more iterations after the cut-back history.
    recoveries = recoveries + [903, 903, 910]
    for n in range(901, 1_001, 4):
        _frame(plot, iterations, values, recoveries, n)
    fresh = _plot(qtbot)
    _frame(fresh, iterations, values, recoveries, n)
    _assert_same_markers(plot, fresh)
    _assert_draws_the_envelope_of_its_view(plot, iterations[:n], values[:n])


def test_a_range_the_user_chose_stays_while_the_run_goes_on_until_the_next_run(plot):
    iterations, values, recoveries = _run()
    for n in range(1, 1_001, 4):
        _frame(plot, iterations, values, recoveries, n)
    view = plot.getViewBox()
    view.setRange(xRange=(100, 400), yRange=(-10_000, 0), padding=0)
    view.sigRangeChangedManually.emit([True, True])  # as a wheel or a drag does
    chosen = view.viewRange()
    for n in range(1_001, 3_001, 4):
        _frame(plot, iterations, values, recoveries, n)
        assert view.viewRange() == chosen
    _assert_draws_the_envelope_of_its_view(plot, iterations[:n], values[:n])
    plot.reset()  # a new run: followed again
    _frame(plot, iterations, values, recoveries, 50)
    assert view.viewRange()[0][1] < 100


def test_a_frame_that_changes_nothing_hands_the_items_nothing(plot, monkeypatch):
    """The same history again (paused, or a half-step): no item is handed data again; a
    new iteration shown in the past moves only the current line, ring and readout."""
    iterations, values, recoveries = _run()
    for n in range(1, 2_001, 4):
        _frame(plot, iterations, values, recoveries, n, converged_at=1_500)
    handed = []
    items = {"curve": plot._curve, "dots": plot._dots, "marks": plot._recovery_marks,
             "lines": plot._recovery_lines, "star": plot._converged_star,
             "ring": plot._current_dot}
    for name, item in items.items():
        for method in ("setData", "addPoints", "set_markers"):
            if hasattr(item, method):
                original = getattr(item, method)
                monkeypatch.setattr(item, method,
                                    lambda *a, _n=name, _o=original, **k: (handed.append(_n),
                                                                           _o(*a, **k)))
    readout = plot.readout_text()
    _frame(plot, iterations, values, recoveries, n, converged_at=1_500)
    assert handed == [] and plot.readout_text() == readout
    _frame(plot, iterations, values, recoveries, n, converged_at=1_500, current=700)
    assert set(handed) == {"ring"}  # (a scatter's setData calls its addPoints)
    assert plot._current_line.value() == 700 and "iteration 700 " in plot.readout_text()


def _inside_frame(plot, x, y):
    """Pixels from the point (x, y) to the nearest edge of the plot area (negative when
    outside)."""
    view = plot.getViewBox()
    point = view.mapViewToScene(QtCore.QPointF(float(x), float(y)))
    rect = view.sceneBoundingRect()
    return min(point.x() - rect.left(), rect.right() - point.x(),
               point.y() - rect.top(), rect.bottom() - point.y())


@pytest.mark.parametrize("width", [260, 330, 700])
def test_the_readout_lies_above_the_curve_and_is_never_cut(qtbot, width):
    plot = _plot(qtbot)
    plot.resize(width, 200)
    iterations, values, recoveries = _run(40)
    _frame(plot, iterations, values, recoveries, 40, current=20)
    qtbot.waitUntil(lambda: plot.getViewBox().width() > 0)
    readout, area = plot.readout_rect(), plot.plot_area_rect()
    assert readout.bottom() <= area.top() + 0.5  # above the curve, never over it
    assert readout.left() >= 0 and readout.right() <= plot.width()  # whole in the widget
    assert "20" in plot.readout_text()
    assert plot.full_readout_text().startswith("iteration 20 ")
    if plot.readout_text() != plot.full_readout_text():
        assert plot.full_readout_text() in plot.toolTip()


def test_a_finished_run_ends_at_its_last_iteration_with_its_star_whole(plot):
    iterations, values, recoveries = _run(200)
    for n in range(1, 201, 3):
        _frame(plot, iterations, values, recoveries, n)
    plot.show_history(iterations, values, recoveries, 199, 199, finished=False)
    (_, x1), _ = plot.getViewBox().viewRange()
    assert x1 > 199 + 10  # still reaching ahead for iterations to come
    plot.show_history(iterations, values, recoveries, 199, 199, finished=True)
    room = _inside_frame(plot, 199, values[199])
    assert MARKER_ROOM_PX - 0.5 <= room <= 3 * MARKER_ROOM_PX


def test_recovery_marks_stay_whole_inside_the_frame(plot):
    iterations = np.arange(40.0)
    values = -3_000.0 - 500.0 * np.exp(-iterations / 5.0)
    values[0] = -28_000.0  # a start far below: left out of the range
    values[4:7] -= 300.0  # the drops of three recoveries
    for n in range(1, 41):
        plot.show_history(iterations[:n].copy(), values[:n].copy(),
                          [r for r in (4, 5, 6) if r < n], None, n - 1, finished=n == 40)
    for r in (4, 5, 6):
        assert _inside_frame(plot, r, values[r]) >= MARKER_ROOM_PX - 0.5


def test_mean_per_point_values_are_written_plainly_without_an_si_multiplier(plot):
    plot.set_scale("mean")
    iterations = np.arange(30.0)
    values = -0.9147 - 0.06 * np.exp(-iterations / 4.0)  # every value above -1: SI "m"
    plot.show_history(iterations, values, [], None, 29, finished=True)
    axis = plot.getPlotItem().getAxis("left")
    assert axis.autoSIPrefixScale == 1.0
    assert "x0.0" not in axis.labelString()
    ticks = [value for level in axis.tickValues(*axis.range, axis.height())
             for value in level[1]]
    strings = axis.tickStrings(ticks, 1.0, 0.01)
    assert any(text.startswith("-0.9") for text in strings)


@pytest.mark.parametrize("n", [1, 2, 5, 400])
def test_the_iteration_axis_has_whole_numbers_only(plot, n):
    iterations = np.arange(float(n))
    plot.show_history(iterations, -100.0 - np.exp(-iterations), [], None, n - 1)
    axis = plot.getPlotItem().getAxis("bottom")
    ticks = [value for _, values in axis.tickValues(*axis.range, axis.width())
             for value in values]
    assert ticks and all(float(t).is_integer() for t in ticks)


def test_a_caught_state_off_the_curve_is_ringed_and_read_out_at_its_own_value(plot):
    """The state a rule caught, before its re-placement, is not a point of the curve (the
    curve has the re-placed state's value): the ring and the readout give its own."""
    iterations = np.arange(6.0)
    values = np.array([-3200.0, -3140.0, -3133.0, -3131.0, -3488.6, -3486.0])
    plot.show_history(iterations[:5], values[:5], [4], None, 4, current_value=-3121.75)
    assert "-3,121.75" in plot.full_readout_text()
    assert "\u0394 +9.25" in plot.full_readout_text()  # from iteration 3's -3131
    np.testing.assert_allclose(plot._current_dot.getData()[1], [-3121.75])
    plot.show_history(iterations[:5], values[:5], [4], None, 4)  # the re-placed state
    assert "-3,488.60" in plot.full_readout_text()
    np.testing.assert_allclose(plot._current_dot.getData()[1], [-3488.6])


def test_a_short_run_leaves_its_far_start_out_of_the_range_as_it_grows(plot):
    """Shown frame by frame, the range fitted while the run had two iterations (the start
    at -28,000 and the next at -3,100) must not stay: five iterations in, the start is
    left out and the rest fills the plot."""
    values = np.array([-28_496.0, -3_135.2, -3_132.8, -3_130.8, -3_488.6])
    for n in range(1, 6):
        plot.show_history(np.arange(float(n)), values[:n].copy(), [4] if n == 5 else [],
                          None, n - 1)
    y0, y1 = plot.getViewBox().viewRange()[1]
    assert y0 > -5_000 and y0 < -3_488.6 and y1 > -3_130.8
