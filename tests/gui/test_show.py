"""gmm_viz.show: the window on a NumPy array, and the replay of a fitted model."""

import numpy as np
import pytest

import gmm_viz
from gmm_viz.data import DataError, make_dataset
from gmm_viz.engine import ConfigError, EMConfig
from gmm_viz.gui.show import event_loop_running
from tests.gui_helpers import TIMEOUT, settle


@pytest.fixture
def X():
    return make_dataset("blobs").X[:300].copy()


def open_window(qtbot, *args, **kwargs):
    window = gmm_viz.show(*args, block=False, **kwargs)
    qtbot.addWidget(window)  # closed (worker stopped) at the end of the test
    # Not blocked: no frame has arrived yet, so every message of the run is recorded.
    window.messages = []
    window.sigMessageShown.connect(window.messages.append)
    qtbot.waitUntil(lambda: window.last_frame is not None, timeout=TIMEOUT)
    return window


def test_show_array_opens_the_window_on_its_points_and_k(qtbot, X):
    assert not event_loop_running()  # pytest-qt runs no loop: block=None would block
    window = open_window(qtbot, X, n_components=3, init="kmeans", random_state=7)
    settle(qtbot, window)
    assert window.isVisible()
    np.testing.assert_array_equal(window.dataset.X, X)
    assert window.canvas.points_item.n_points == len(X)
    frame = window.last_frame
    assert frame.snapshot.n_components == 3 and window.table.rowCount() == 3
    assert (window.config.n_components, window.config.init, window.config.random_state) == (
        3, "kmeans", 7)
    assert window.panel.dataset_combo.currentText() == "NumPy array (300 x 2)"
    assert window.windowTitle() == "gmm-viz: NumPy array (300 points, 2 features)"
    # Play runs EM on these points.
    window.panel.action_step.trigger()
    qtbot.waitUntil(lambda: window.shown_iteration == 1, timeout=TIMEOUT)


def test_show_array_settings_are_the_run_whatever_was_remembered(qtbot, X):
    defaults = EMConfig()
    rule = "needle" if defaults.rule != "needle" else "none"
    covariance = "diag" if defaults.covariance_type != "diag" else "full"
    first = open_window(qtbot, X, n_components=4, rule=rule, covariance_type=covariance)
    settle(qtbot, first)
    assert (first.config.rule, first.config.covariance_type) == (rule, covariance)
    first.close()  # remembers its controls
    second = open_window(qtbot, X, n_components=2)
    settle(qtbot, second)
    assert second.config.n_components == 2
    # EMConfig's defaults, not the previous window's choices.
    assert (second.config.rule, second.config.covariance_type) == (
        defaults.rule, defaults.covariance_type)


def test_show_model_replays_its_run_scrubbable(qtbot, X):
    model = gmm_viz.GaussianMixtureEM(3, random_state=0, max_iter=200, tol=1e-9).fit(X)
    assert model.n_iter_ > 3
    assert not hasattr(model, "history_")  # the replay is made by fitting a clone again
    window = open_window(qtbot, model, X)
    qtbot.waitUntil(lambda: window.last_frame.last_iteration == model.n_iter_,
                    timeout=TIMEOUT)
    settle(qtbot, window)
    frame = window.last_frame
    assert frame.iteration == model.n_iter_ and not frame.in_past
    assert len(frame.history.iterations) == model.n_iter_ + 1
    np.testing.assert_allclose(frame.snapshot.means, model.means_, rtol=1e-12)
    np.testing.assert_allclose(frame.snapshot.weights, model.weights_, rtol=1e-12)
    assert window.messages[0].startswith(
        "Opened the run GaussianMixtureEM fit: 300 points, k = 3. Drag the timeline")
    assert window.panel.dataset_combo.currentText() == "run: GaussianMixtureEM fit"
    window.timeline.sigSeekRequested.emit(0)
    qtbot.waitUntil(lambda: window.shown_iteration == 0, timeout=TIMEOUT)
    replay = gmm_viz.GaussianMixtureEM(3, random_state=0, max_iter=200, tol=1e-9,
                                       record_history=True).fit(X)
    np.testing.assert_allclose(window.last_frame.snapshot.means, replay.history_[0].means)


def test_show_model_uses_its_recorded_history(qtbot, X):
    model = gmm_viz.GaussianMixtureEM(2, init_params="random_range", random_state=None,
                                      record_history=True, singularity_rule="det").fit(X)
    window = open_window(qtbot, model, X)
    qtbot.waitUntil(lambda: window.last_frame.last_iteration == model.n_iter_,
                    timeout=TIMEOUT)
    frame = window.last_frame
    assert len(frame.history.iterations) == len(model.history_)
    np.testing.assert_allclose(frame.snapshot.means, model.history_[-1].means)
    assert window.config.rule == "det" and window.config.init == "random_range"


def test_show_does_not_block_inside_a_running_event_loop(qtbot, X):
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication

    from gmm_viz.gui.main_window import MainWindow

    opened = []

    def from_a_slot():
        assert event_loop_running()
        window = gmm_viz.show(X, n_components=2)  # block=None: decides by itself
        qtbot.addWidget(window)
        opened.append(window.isVisible())  # False if it had blocked until closed

    def safety_net():  # a show() that blocked is closed, so the test fails, not hangs
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow):
                widget.close()

    QTimer.singleShot(0, from_a_slot)
    QTimer.singleShot(TIMEOUT, safety_net)
    qtbot.waitUntil(lambda: bool(opened), timeout=2 * TIMEOUT)
    assert opened == [True]


def test_ipython_with_gui_qt_counts_as_a_running_loop(monkeypatch):
    import types

    shell = types.SimpleNamespace(active_eventloop="qt")
    monkeypatch.setitem(__import__("sys").modules, "IPython",
                        types.SimpleNamespace(get_ipython=lambda: shell))
    assert event_loop_running()
    shell.active_eventloop = "inline"
    assert not event_loop_running()
    shell.active_eventloop = None
    assert not event_loop_running()


def test_show_refuses_bad_points_and_settings_before_opening(X):
    with pytest.raises(DataError, match="missing \\(NaN\\)"):
        gmm_viz.show(np.array([[0.0, 1.0], [np.nan, 2.0], [3.0, 4.0]]), n_components=1,
                     block=False)
    with pytest.raises(DataError, match="2-D array"):
        gmm_viz.show(np.arange(10.0), block=False)
    with pytest.raises(DataError, match="at least 2 numeric columns"):
        gmm_viz.show(X[:, :1], n_components=2, block=False)
    with pytest.raises(DataError, match="text, not numbers"):
        gmm_viz.show([["a", "b"], ["c", "d"]], block=False)
    with pytest.raises(DataError, match="more than the 3 distinct points"):
        gmm_viz.show(np.array([[0.0, 0], [1, 1], [2, 2]]), n_components=4, block=False)
    with pytest.raises(TypeError, match="unknown setting 'colour'"):
        gmm_viz.show(X, colour="red", block=False)
    with pytest.raises(ConfigError, match="rule must be one of"):
        gmm_viz.show(X, rule="sometimes", block=False)
    with pytest.raises(ConfigError, match="the window cannot show this run: its k = 30"):
        gmm_viz.show(X, n_components=30, block=False)


def test_show_refuses_what_cannot_be_replayed(X):
    from sklearn.mixture import GaussianMixture

    with pytest.raises(ValueError, match="not fitted yet"):
        gmm_viz.show(gmm_viz.GaussianMixtureEM(2), X, block=False)
    model = gmm_viz.GaussianMixtureEM(2, random_state=0).fit(X)
    with pytest.raises(TypeError, match="needs the data"):
        gmm_viz.show(model, block=False)
    with pytest.raises(ValueError, match="not the data it was fitted on"):
        gmm_viz.show(model, X[::-1][:200], block=False)
    with pytest.raises(TypeError, match="do not pass settings \\(rule\\)"):
        gmm_viz.show(model, X, rule="det", block=False)
    with pytest.raises(TypeError, match="GaussianMixtureEM"):
        gmm_viz.show(GaussianMixture(2).fit(X), X, block=False)
    recorded = gmm_viz.GaussianMixtureEM(2, random_state=0, record_history=True).fit(X)
    with pytest.raises(ValueError, match="X is not the data the model was fitted on"):
        gmm_viz.show(recorded, X + 1.0, block=False)
