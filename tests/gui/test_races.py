"""Late answers and quick sequences of requests: what is on screen always matches the run.

Each test forces the order of events that a busy machine produces by chance (a worker
still busy with a superseded request, a pause that arrives before the play it cancels),
with events and barriers, never with sleeps.
"""

import threading

import pytest

pytest.importorskip("pytestqt")

from gui_helpers import STEADY, TIMEOUT, history_of, make_window, settle, step

from gmm_viz.data import DataError, DataRequest


def test_a_late_failure_of_a_superseded_request_never_reaches_the_screen(qtbot):
    window = make_window(qtbot)
    started, release = threading.Event(), threading.Event()

    def slow_failing_data():
        started.set()
        release.wait(TIMEOUT / 1000)
        raise DataError("n_samples must be between 2 and 2,000,000; got 1.")

    # The worker is busy building data for the first request when the second arrives.
    window.run_controller.request_run(source=DataRequest("blobs", n_samples=1),
                                      make=slow_failing_data)
    qtbot.waitUntil(started.is_set, timeout=TIMEOUT)
    window.panel.dataset_combo.setCurrentIndex(window.panel.dataset_combo.findData("faithful"))
    release.set()
    qtbot.waitUntil(lambda: window.dataset.name == "faithful", timeout=TIMEOUT)
    settle(qtbot, window)
    assert window.message_bar.level != "error", window.message_bar.text()
    assert window.panel.dataset_combo.currentData() == "faithful"


def test_the_failure_of_the_newest_request_is_shown_and_the_panel_put_back(qtbot):
    window = make_window(qtbot)
    shown = window.dataset

    def failing_data():
        raise DataError("n_samples must be between 2 and 2,000,000; got 1.")

    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        window.run_controller.request_run(source=DataRequest("moons"), make=failing_data)
    assert "n_samples must be between" in blocker.args[0]
    assert window.message_bar.level == "error"
    assert window.dataset is shown
    assert window.panel.dataset_combo.currentData() == shown.name or shown.name == "blobs"


def test_play_then_pause_at_once_from_the_past_leaves_no_stale_timeline(qtbot):
    window = make_window(qtbot, STEADY)
    step(qtbot, window, 8)
    window.timeline.slider.setValue(3)
    settle(qtbot, window)
    assert window.timeline.position_text() == "iteration 3 / 8"
    # Both requests are queued before the worker runs either: the history is cut at 3.
    window.controller.play()
    window.controller.pause()
    settle(qtbot, window)
    last = len(history_of(qtbot, window)) - 1
    assert last < 8
    frame = window.last_frame
    assert frame.last_iteration == last
    assert window.timeline.position_text() == f"iteration {frame.iteration} / {last}"
    assert window.timeline.slider.maximum() == last
    status = window.status_labels["iteration"].text()
    assert status.startswith(f"iteration {frame.iteration}")
    assert "of 8" not in status


def test_an_error_stays_when_the_run_converges_a_moment_later(qtbot):
    from gmm_viz.gui.main_window import LaunchOptions

    window = make_window(qtbot, LaunchOptions(
        dataset="faithful", config_changes={"n_components": 2, "init": "kmeans"}))
    window.show_error("Could not open the file: bad.csv: is a folder, not a file.")
    window.panel.action_play.trigger()
    qtbot.waitUntil(lambda: window.last_frame.finished, timeout=TIMEOUT)
    settle(qtbot, window)
    assert window.message_bar.level == "error"
    assert "bad.csv" in window.message_bar.text()
    # Once the error is dismissed, the next news is shown again.
    window.message_bar.clear()
    window.panel.action_reset.trigger()
    window.panel.action_play.trigger()
    qtbot.waitUntil(lambda: "converged" in window.message_bar.text(), timeout=TIMEOUT)
