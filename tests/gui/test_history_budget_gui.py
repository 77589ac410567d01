"""A run longer than the history's memory budget, in the window: older iterations are
thinned, the timeline shows which are kept, and every way of moving lands on a kept one."""

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gui_helpers import STEADY, TIMEOUT, history_of, make_window, settle

from gmm_viz.run.history import RunHistory, snapshot_nbytes


@pytest.fixture
def window(qtbot):
    window = make_window(qtbot, STEADY)
    settle(qtbot, window)
    first = history_of(qtbot, window)[0]
    # A budget of about 300 snapshots (the worker is idle: its history can be swapped).
    worker = window.controller.worker
    budget = 300 * snapshot_nbytes(first)
    history = RunHistory(budget_bytes=budget)
    history.extend(worker.session.history.snapshots)
    worker.session.history = history
    window.panel.speed_slider.setValue(window.panel.speed_slider.maximum())
    window.panel.action_play.trigger()
    qtbot.waitUntil(lambda: worker.iteration >= 2_000, timeout=60_000)
    window.pause()
    settle(qtbot, window)
    return window


def test_a_long_run_is_thinned_and_the_timeline_shows_it(qtbot, window):
    frame = window.last_frame
    assert frame.history.thinned
    kept = frame.history.kept
    assert kept[0] == 0 and kept[-1] == frame.last_iteration
    assert len(kept) < frame.last_iteration + 1
    # The curve keeps every iteration even where the snapshots were thinned.
    assert len(frame.history.log_likelihood) == frame.last_iteration + 1
    assert np.isfinite(frame.history.log_likelihood).all()
    assert "kept" in window.timeline.kept_text()
    saved = history_of(qtbot, window)
    assert [s.iteration for s in saved] == list(kept)


def test_scrubbing_and_stepping_land_on_kept_iterations(qtbot, window):
    kept = {int(i) for i in window.last_frame.history.kept}
    thinned = next(i for i in range(1, window.last_frame.last_iteration) if i not in kept)
    window.timeline.slider.setValue(thinned)
    settle(qtbot, window)
    shown = window.shown_iteration
    assert shown in kept and window.timeline.slider.value() == shown
    assert window.status_labels["iteration"].text().startswith(f"iteration {shown}")
    for _ in range(5):
        window.timeline.action_step_back.trigger()
        settle(qtbot, window)
        assert window.shown_iteration in kept
    for _ in range(5):
        window.panel.action_step.trigger()
        settle(qtbot, window)
        assert window.shown_iteration in kept
    # Half-steps over a thinned stretch never show an M-step whose E-step is gone.
    window.timeline.action_half_steps.trigger()
    window.timeline.slider.setValue(thinned)
    settle(qtbot, window)
    for _ in range(6):
        window.panel.action_step.trigger()
        settle(qtbot, window)
        frame = window.last_frame
        assert int(frame.snapshot.iteration) in kept
        if frame.phase == "M":
            assert int(frame.snapshot.iteration) - 1 in kept


def test_a_thinned_run_saves_and_reopens(qtbot, window, tmp_path):
    path = tmp_path / "long.json"
    with qtbot.waitSignal(window.exports.sigFileWritten, timeout=TIMEOUT):
        window.exports.save_run(path)
    kept = list(window.last_frame.history.kept)
    other = make_window(qtbot)
    other.exports.open_run(path)
    qtbot.waitUntil(lambda: other.last_frame.last_iteration == kept[-1], timeout=TIMEOUT)
    settle(qtbot, other)
    assert [s.iteration for s in history_of(qtbot, other)] == kept
    # The reopened curve has every iteration, thinned or not, with the values it had.
    np.testing.assert_array_equal(other.last_frame.history.log_likelihood,
                                  window.last_frame.history.log_likelihood)


def test_responsibilities_are_exported_for_the_iteration_shown(qtbot, window, tmp_path):
    # After thinning, the n-th kept snapshot is not iteration n: the export must look the
    # iteration up, not index the kept ones by it.
    kept = [int(i) for i in window.last_frame.history.kept]
    target = next(i for i in kept if kept.index(i) != i)
    window.timeline.slider.setValue(target)
    settle(qtbot, window)
    assert window.shown_iteration == target
    path = tmp_path / "resp.csv"
    with qtbot.waitSignal(window.exports.sigFileWritten, timeout=TIMEOUT):
        window.exports.export_responsibilities(path)
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    k = window.config.n_components
    shown = next(s for s in history_of(qtbot, window) if s.iteration == target)
    from gmm_viz.engine import EMEngine

    engine = EMEngine(window.dataset.X, window.config)
    expected = engine.responsibilities_for(shown)
    np.testing.assert_allclose(table[:, 2:2 + k], expected, atol=1e-8)


def test_an_animation_of_a_thinned_run_is_exported(qtbot, window, tmp_path):
    # The frames are spread over the kept snapshots; each is coloured by its own labels.
    path = tmp_path / "long.gif"
    assert window.exports.export_animation(path, fps=10, max_frames=12)
    from PIL import Image

    with Image.open(path) as gif:
        assert gif.n_frames >= 2
