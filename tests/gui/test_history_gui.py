"""Going back in time through a run: scrubbing, stepping, resuming, E/M half-steps."""

import re

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gui_helpers import STEADY, TIMEOUT, history_of, make_window, settle, step
from PyQt6.QtCore import Qt

from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.run.history import (
    Position,
    RunHistory,
    convert_position,
    next_position,
    previous_position,
)


def reference_run(window, n):
    """A fresh engine on the window's data and settings, stepped ``n`` times."""
    engine = EMEngine(window.dataset.X, window.config)
    return engine, [engine.snapshot] + [engine.step() for _ in range(n)]


def ellipse_centres(canvas, k):
    """Centre of each component's first ellipse as drawn (mean of its outline)."""
    centres = []
    for row in canvas.ellipse_curves()[:k]:
        x, y = row[0].getData()
        centres.append((x[:-1].mean(), y[:-1].mean()))  # outline is closed: drop the repeat
    return np.array(centres)


def assert_shows(window, snapshot, labels):
    frame = window.last_frame
    np.testing.assert_allclose(frame.snapshot.means, snapshot.means)
    np.testing.assert_allclose(frame.snapshot.covariances, snapshot.covariances)
    np.testing.assert_array_equal(frame.snapshot.labels, labels)
    np.testing.assert_allclose(ellipse_centres(window.canvas, snapshot.n_components),
                               snapshot.means[:, :2], atol=1e-6)
    assert window.table.item(0, 1).text() == f"{snapshot.weights[0]:.3f}"


@pytest.fixture
def window(qtbot):
    window = make_window(qtbot, STEADY)
    step(qtbot, window, 6)
    assert window.last_frame.last_iteration == 6
    return window


# ---------------------------------------------------------------------- pure history
def test_half_step_positions_follow_em_order():
    # The textbook's iteration t: E-step (responsibilities from θ(t-1)), then M-step (θ(t)).
    half = True
    position = Position(0, "start")
    order = [position]
    for _ in range(4):
        position = next_position(position, half)
        order.append(position)
    assert [(p.iteration, p.phase) for p in order] == [
        (0, "start"), (1, "E"), (1, "M"), (2, "E"), (2, "M")]
    # An E-step draws the previous parameters, coloured by them; an M-step the new ones,
    # still coloured by the previous; the start has no colours yet.
    assert [p.parameters_iteration for p in order] == [0, 0, 1, 1, 2]
    assert [p.labels_iteration for p in order] == [None, 0, 0, 1, 1]
    back = [previous_position(p, half) for p in order[1:]]
    assert back == order[:-1]
    assert previous_position(Position(0, "start"), half) is None
    assert convert_position(Position(3, "M"), False) == Position(3)
    assert convert_position(Position(3, "E"), False) == Position(2)  # θ(2) is drawn
    assert convert_position(Position(3), True) == Position(3, "M")
    assert convert_position(Position(0), True) == Position(0, "start")


def test_run_history_keeps_no_labels_and_truncates():
    engine = EMEngine(np.random.default_rng(0).normal(size=(200, 2)),
                      EMConfig(n_components=2))
    history = RunHistory()
    history.append(engine.snapshot)
    for _ in range(4):
        history.append(engine.step())
    assert all(s.labels is None for s in history.snapshots)
    assert history.curve().iterations.tolist() == [0, 1, 2, 3, 4]
    assert history.truncate(2) == 2
    assert history.last_iteration == 2
    with pytest.raises(ValueError, match="expects iteration 3"):
        history.append(engine.snapshot)


# ---------------------------------------------------------------------- scrubbing
def test_scrubbing_shows_each_past_iteration(qtbot, window):
    _, ref = reference_run(window, 6)
    for i in (3, 0, 5):
        window.timeline.slider.setValue(i)  # as a drag does
        settle(qtbot, window)
        assert window.shown_iteration == i
        assert window.last_frame.last_iteration == 6
        assert_shows(window, ref[i], ref[i].labels)
        # (The plot's own words: only that it names the iteration shown.)
        assert re.search(rf"\b{i}\b", window.loglik_plot.readout_text().split("=")[0])
        assert window.timeline.position_text() == f"iteration {i} / 6"
    assert "of 6" in window.status_labels["iteration"].text()


def test_scrubbing_pauses(qtbot):
    window = make_window(qtbot, STEADY)
    window.panel.action_play.trigger()
    qtbot.waitUntil(lambda: window.controller.worker.iteration >= 3, timeout=TIMEOUT)
    window.timeline.slider.setValue(1)
    assert not window.playing and not window.panel.action_play.isChecked()
    settle(qtbot, window)
    assert window.shown_iteration == 1
    last = window.last_frame.last_iteration
    settle(qtbot, window)
    assert window.last_frame.last_iteration == last  # nothing runs meanwhile


def test_clicking_the_plot_jumps_to_that_iteration(qtbot, window):
    _, ref = reference_run(window, 6)
    window.loglik_plot.sigIterationClicked.emit(2)
    settle(qtbot, window)
    assert window.shown_iteration == 2
    assert_shows(window, ref[2], ref[2].labels)


def test_step_back_and_forward_walk_the_history(qtbot, window):
    _, ref = reference_run(window, 7)
    qtbot.keyClick(window, Qt.Key.Key_Left)
    qtbot.keyClick(window, Qt.Key.Key_Left)
    settle(qtbot, window)
    assert window.shown_iteration == 4
    assert_shows(window, ref[4], ref[4].labels)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    settle(qtbot, window)
    assert window.shown_iteration == 5
    assert window.last_frame.last_iteration == 6  # forward through history, no new step
    assert_shows(window, ref[5], ref[5].labels)
    window.timeline.action_step_back.trigger()
    settle(qtbot, window)
    assert window.shown_iteration == 4
    # At the end of the history Right steps EM.
    window.timeline.slider.setValue(6)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    settle(qtbot, window)
    assert window.shown_iteration == 7 and window.last_frame.last_iteration == 7
    assert_shows(window, ref[7], ref[7].labels)


def test_step_back_at_iteration_zero_stays(qtbot, window):
    window.timeline.slider.setValue(0)
    window.timeline.action_step_back.trigger()
    settle(qtbot, window)
    assert window.shown_iteration == 0


# ---------------------------------------------------------------------- resuming
def test_play_from_a_past_iteration_resumes_from_that_state(qtbot, window):
    window.timeline.slider.setValue(3)
    settle(qtbot, window)
    past = history_of(qtbot, window)[3]
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        window.panel.action_play.trigger()
    assert "Resumed from iteration 3" in blocker.args[0]
    assert "3 later iterations" in blocker.args[0]
    qtbot.waitUntil(lambda: window.controller.worker.iteration >= 6, timeout=TIMEOUT)
    window.panel.action_play.trigger()  # pause
    settle(qtbot, window)
    history = history_of(qtbot, window)
    assert [s.iteration for s in history] == list(range(len(history)))
    # A fresh engine resumed from the same snapshot computes the same iterations.
    engine = EMEngine(window.dataset.X, window.config)
    engine.restore(past)
    for snapshot in history[4:]:
        expected = engine.step()
        assert snapshot.iteration == expected.iteration
        np.testing.assert_allclose(snapshot.means, expected.means, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(snapshot.covariances, expected.covariances, rtol=1e-10,
                                   atol=1e-10)
        assert snapshot.log_likelihood == pytest.approx(expected.log_likelihood, rel=1e-12)


def test_step_from_a_past_iteration_keeps_the_history(qtbot, window):
    window.timeline.slider.setValue(2)
    window.panel.action_step.trigger()
    settle(qtbot, window)
    assert window.shown_iteration == 3
    assert len(history_of(qtbot, window)) == 7


def test_reset_clears_the_history(qtbot, window):
    window.panel.action_reset.trigger()
    settle(qtbot, window)
    assert window.last_frame.last_iteration == 0
    assert window.timeline.slider.maximum() == 0


# ---------------------------------------------------------------------- half-steps
def shown(window):
    """(iteration shown, phase) of the frame on screen: ``Frame.iteration``, the t of
    "iteration t · E-step" (the E-step of t draws the parameters of t - 1)."""
    frame = window.last_frame
    return frame.iteration, frame.phase


def test_half_steps_show_e_then_m(qtbot, window):
    _, ref = reference_run(window, 7)
    window.timeline.slider.setValue(2)
    window.timeline.half_check.setChecked(True)
    settle(qtbot, window)
    # Switched on at iteration 2: its M-step (θ(2), coloured by θ(1)).
    assert shown(window) == (2, "M")
    assert_shows(window, ref[2], ref[1].labels)
    assert window.timeline.position_text() == "iteration 2 / 6 · M-step"
    window.panel.action_step.trigger()  # iteration 3's E-step: recoloured, same Gaussians
    settle(qtbot, window)
    assert shown(window) == (3, "E")
    assert_shows(window, ref[2], ref[2].labels)
    assert window.status_labels["iteration"].text() == (
        "iteration 3 of 6 · E-step: responsibilities from θ(2)")
    window.panel.action_step.trigger()  # its M-step: the Gaussians move, colours stay
    settle(qtbot, window)
    assert shown(window) == (3, "M")
    assert_shows(window, ref[3], ref[2].labels)
    assert window.timeline.position_text() == "iteration 3 / 6 · M-step"
    assert window.status_labels["iteration"].text() == "iteration 3 of 6 · M-step: θ(3)"
    window.timeline.action_step_back.trigger()
    settle(qtbot, window)
    assert shown(window) == (3, "E")
    # At the end of the history: the E-step of the next iteration (one EM step), then its
    # M-step (no further step).
    window.timeline.slider.setValue(6)
    settle(qtbot, window)
    assert shown(window) == (6, "M")
    window.panel.action_step.trigger()
    settle(qtbot, window)
    assert shown(window) == (7, "E")
    assert window.last_frame.last_iteration == 7
    assert_shows(window, ref[6], ref[6].labels)
    window.panel.action_step.trigger()
    settle(qtbot, window)
    assert shown(window) == (7, "M")
    assert window.last_frame.last_iteration == 7
    assert_shows(window, ref[7], ref[6].labels)
    window.timeline.action_half_steps.setChecked(False)
    settle(qtbot, window)
    assert shown(window) == (7, "full")


def test_half_steps_while_playing(qtbot):
    window = make_window(qtbot, STEADY)
    window.timeline.action_half_steps.setChecked(True)
    settle(qtbot, window)
    phases = []
    window.sigFrameShown.connect(lambda frame: phases.append(frame.phase))
    window.panel.action_play.trigger()
    qtbot.waitUntil(lambda: {"E", "M"} <= set(phases) and len(phases) >= 4,
                    timeout=TIMEOUT)
    window.panel.action_play.trigger()
    assert set(phases) <= {"start", "E", "M"}  # no rule: nothing caught, no detected frame
