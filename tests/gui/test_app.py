"""The main window, driven like a person would: keys, controls, files, closing."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gui_helpers import TIMEOUT, make_window, settle
from PyQt6.QtCore import Qt

from gmm_viz.gui.main_window import LaunchOptions
from gmm_viz.gui.panels.controls import SPEEDS

ENDLESS = LaunchOptions(config_changes={"tol": 0.0, "max_iter": 100_000})


@pytest.fixture
def window(qtbot):
    return make_window(qtbot)


@pytest.fixture
def steady_window(qtbot):
    """A window whose run has no singularity rule: each Step is one whole iteration (a
    rule's caught state is a frame of its own before the re-placement)."""
    return make_window(qtbot, LaunchOptions(config_changes={"rule": "none"}))


def set_max_speed(window):
    window.panel.speed_slider.setValue(SPEEDS.index(0))


def barrier(qtbot, window):
    """Wait until the worker handled everything queued before, and it is on screen."""
    controller = window.controller
    with qtbot.waitSignal(controller.sigJobFinished, timeout=TIMEOUT):
        controller.run_job(lambda: None)
    qtbot.waitUntil(lambda: window.shown_iteration == controller.worker.iteration,
                    timeout=TIMEOUT)


def visible_ellipse_components(canvas):
    return sum(any(curve.isVisible() for curve in row) for row in canvas.ellipse_curves())


def test_window_opens_on_the_blobs_with_the_app_defaults(window):
    """The app's defaults (EMConfig's; tests/test_defaults.py checks they fit every data
    set well), not the study's own settings, which its scenarios keep."""
    from gmm_viz.engine import EMConfig

    defaults = EMConfig()
    assert window.isVisible()
    assert window.shown_iteration == 0
    assert window.dataset.name == "blobs"
    assert window.config.n_components == 5
    assert window.config.init == defaults.init == "kmeans"
    assert window.config.rule == defaults.rule == "relative_det"
    assert window.config.threshold == defaults.threshold
    assert not window.playing
    assert visible_ellipse_components(window.canvas) == 5
    assert window.table.rowCount() == 5


def test_every_control_has_a_tooltip(window):
    from PyQt6.QtWidgets import (
        QAbstractButton,
        QAbstractSlider,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
    )

    def inside_compound(widget):
        # Line edits, scroll bars and popups that belong to a spin box or combo box.
        parent = widget.parent()
        while parent is not None and parent is not window.panel:
            if isinstance(parent, (QAbstractSpinBox, QComboBox)):
                return True
            parent = parent.parent()
        return False

    kinds = (QAbstractButton, QAbstractSlider, QComboBox, QLineEdit, QAbstractSpinBox)
    missing = []
    for widget in window.panel.findChildren(kinds):
        if inside_compound(widget):
            continue
        tip = widget.toolTip() or (widget.defaultAction().toolTip()
                                   if hasattr(widget, "defaultAction")
                                   and widget.defaultAction() else "")
        if not tip:
            missing.append(widget)
    assert missing == []


def test_play_runs_and_the_plot_grows(qtbot, window):
    set_max_speed(window)
    window.panel.action_play.trigger()
    assert window.playing
    qtbot.waitUntil(lambda: window.shown_iteration >= 5, timeout=TIMEOUT)
    frame = window._last_frame
    assert len(frame.history.iterations) >= 6
    assert window.loglik_plot.point_count() >= 6
    assert window.status_labels["iteration"].text().startswith("iteration ")


def test_pause_stops_iterating_quickly(qtbot):
    window = make_window(qtbot, ENDLESS)
    set_max_speed(window)
    window.panel.action_play.trigger()
    worker = window.controller.worker
    qtbot.waitUntil(lambda: worker.iteration >= 5, timeout=TIMEOUT)
    paused_at = time.monotonic()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.playing
    barrier(qtbot, window)
    # Functional requirement: no step starts later than 100 ms after the pause.
    assert worker.last_step_started <= paused_at + 0.1
    iteration = worker.iteration
    barrier(qtbot, window)
    barrier(qtbot, window)
    assert worker.iteration == iteration == window.shown_iteration


def test_step_key_advances_exactly_one_iteration(qtbot, steady_window):
    window = steady_window
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: window.shown_iteration == 1, timeout=TIMEOUT)
    barrier(qtbot, window)
    assert window.shown_iteration == 1
    window.panel.action_step.trigger()
    barrier(qtbot, window)
    assert window.shown_iteration == 2


def test_reset_key_returns_to_iteration_zero(qtbot, steady_window):
    window = steady_window
    for _ in range(3):
        window.panel.action_step.trigger()
    barrier(qtbot, window)
    assert window.shown_iteration == 3
    qtbot.keyClick(window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: window.shown_iteration == 0, timeout=TIMEOUT)
    assert window._last_frame.history.iterations.tolist() == [0]


def test_changing_k_redraws_k_ellipses(qtbot, window):
    window.panel.k_spin.setValue(3)
    qtbot.waitUntil(lambda: window.config.n_components == 3, timeout=TIMEOUT)
    assert window.shown_iteration == 0
    assert visible_ellipse_components(window.canvas) == 3
    assert window.table.rowCount() == 3
    window.panel.k_spin.setValue(8)
    qtbot.waitUntil(lambda: window.config.n_components == 8, timeout=TIMEOUT)
    assert visible_ellipse_components(window.canvas) == 8


def test_live_setting_does_not_restart(qtbot, steady_window):
    window = steady_window
    for _ in range(2):
        window.panel.action_step.trigger()
    barrier(qtbot, window)
    window.panel.threshold_slider.edit.setText("1e-06")
    window.panel.threshold_slider.edit.editingFinished.emit()
    qtbot.waitUntil(lambda: window.config.threshold == 1e-6, timeout=TIMEOUT)
    assert window.shown_iteration == 2


def test_named_data_set_switch(qtbot, window):
    index = window.panel.dataset_combo.findData("moons")
    window.panel.dataset_combo.setCurrentIndex(index)
    qtbot.waitUntil(lambda: window.dataset.name == "moons", timeout=TIMEOUT)
    assert window.shown_iteration == 0
    assert window.panel.noise_spin.isEnabled()


BAD_FILES = {
    "empty.csv": "",
    "text.csv": "name,colour\nalpha,red\nbeta,blue\ngamma,green\n",
    "binary.csv": "\x00\x01\x02\x03garbage\x00",
    "few.csv": "x,y\n1,2\n3,4\n",  # two points, fewer than k=5
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_shows_a_message_and_keeps_everything(qtbot, window, tmp_path, name):
    path = tmp_path / name
    path.write_text(BAD_FILES[name])
    window.panel.action_step.trigger()
    barrier(qtbot, window)
    dataset, config = window.dataset, window.config
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        window.open_csv(str(path))
    message = blocker.args[0]
    assert name in message
    assert window.message_bar.isVisible() and window.message_bar.level == "error"
    barrier(qtbot, window)
    assert window.dataset is dataset
    assert window.config == config
    assert window.shown_iteration == 1
    assert window.panel.dataset_combo.currentData() == "blobs"
    assert window.panel.k_spin.value() == 5


@pytest.mark.parametrize(("content", "expected"), [
    ("x,name\n1,a\n2,b\n3,c\n", "only one numeric column ('x')"),
    ("name,colour\nalpha,red\nbeta,blue\n", "no numeric columns found"),
])
def test_file_with_too_few_numeric_columns_says_so(qtbot, window, tmp_path, content,
                                                  expected):
    """No column to choose: the loader's message, not "choose at least one column"."""
    path = tmp_path / "few_columns.csv"
    path.write_text(content)
    asked = []
    window.choose_columns = lambda *args: asked.append(args)
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        window.open_csv(str(path))
    assert expected in blocker.args[0] and "few_columns.csv" in blocker.args[0]
    assert "choose at least" not in blocker.args[0] and "chosen" not in blocker.args[0]
    assert asked == []
    assert window.dataset.name == "blobs"


def test_opening_a_csv_parses_it_once(qtbot, window, tmp_path):
    from unittest import mock

    from gmm_viz.data import csv_loader

    rng = np.random.default_rng(1)
    path = tmp_path / "four.csv"
    path.write_text("a,b,c,d\n" + "\n".join(",".join(f"{v:.4f}" for v in row)
                                           for row in rng.normal(size=(300, 4))))
    window.choose_columns = lambda path_, columns: ["b", "d"]
    with mock.patch.object(csv_loader, "_parse_table", wraps=csv_loader._parse_table) as parse:
        window.open_csv(str(path))
        qtbot.waitUntil(lambda: window.dataset.X.shape == (300, 2), timeout=TIMEOUT)
    assert parse.call_count == 1
    assert window.dataset.feature_names == ("b", "d")


def test_points_are_disabled_for_fixed_size_data_sets(qtbot, window):
    panel = window.panel
    assert panel.points_spin.isEnabled()
    panel.points_spin.setValue(1)  # refused for blobs (a generator needs >= 2 points)
    for name in ("faithful", "iris"):
        panel.dataset_combo.setCurrentIndex(panel.dataset_combo.findData(name))
        qtbot.waitUntil(lambda n=name: window.dataset.name == n, timeout=TIMEOUT)
        assert not panel.points_spin.isEnabled()
        assert panel.data_request().n_samples is None
        assert window.message_bar.level != "error"
    panel.dataset_combo.setCurrentIndex(panel.dataset_combo.findData("moons"))
    assert panel.points_spin.isEnabled()


def test_csv_with_many_columns_asks_which_to_fit(qtbot, window, tmp_path):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(200, 4))
    path = tmp_path / "four.csv"
    path.write_text("a,b,c,d\n" + "\n".join(",".join(f"{v:.5f}" for v in row)
                                           for row in data))
    asked = []

    def choose(path_, columns):
        asked.append(list(columns))
        return ["a", "b", "d"]

    window.choose_columns = choose
    window.open_csv(str(path))
    qtbot.waitUntil(lambda: window.dataset.X.shape == (200, 3), timeout=TIMEOUT)
    assert asked == [["a", "b", "c", "d"]]
    assert window.panel.x_axis_combo.isEnabled()
    assert window.panel.dataset_combo.currentText() == "file: four.csv"
    window.panel.y_axis_combo.setCurrentIndex(2)
    assert window.canvas.axes == (0, 2)
    # A new k keeps the loaded file (no re-read, same data object).
    dataset = window.dataset
    window.panel.k_spin.setValue(2)
    qtbot.waitUntil(lambda: window.config.n_components == 2, timeout=TIMEOUT)
    assert window.dataset is dataset


def test_engine_error_becomes_a_message(qtbot, window):
    barrier(qtbot, window)

    def broken_step():
        raise FloatingPointError("simulated engine failure")

    window.controller.worker.session.engine.step = broken_step
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        window.panel.action_step.trigger()
    assert "simulated engine failure" in blocker.args[0]
    assert window.controller.running
    assert not window.playing


def test_data_that_cannot_be_drawn_keeps_the_previous_run(qtbot, window):
    """Drawing a new run's points fails: the previous data stays, with a message."""
    window.panel.action_step.trigger()
    barrier(qtbot, window)
    blobs, run = window.dataset, window._run
    original = window.canvas.set_points

    def set_points(X, feature_names=(), fit=True):
        if X is not blobs.X:
            raise MemoryError("simulated: no memory for the points")
        original(X, feature_names=feature_names)

    window.canvas.set_points = set_points
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT,
                          check_params_cb=lambda m: "Could not show" in m) as blocker:
        window.panel.dataset_combo.setCurrentIndex(window.panel.dataset_combo.findData("moons"))
    assert "no memory for the points" in blocker.args[0]
    assert window.dataset is blobs
    assert window.panel.dataset_combo.currentData() == "blobs"
    # The previous data is restarted (the worker no longer has its history) and runs.
    qtbot.waitUntil(lambda: window._run is not run and window.dataset is blobs,
                    timeout=TIMEOUT)
    assert window.message_bar.level == "error"
    window.panel.action_step.trigger()
    qtbot.waitUntil(lambda: window.shown_iteration == 1, timeout=TIMEOUT)
    assert window.canvas.grab().width() > 0


@pytest.mark.parametrize("text", ["", "nan", "inf", "1e999", "1,5", "abc", "0"])
def test_typed_text_that_is_not_a_number_in_range_is_refused(qtbot, window, text):
    """Enter with such text puts the value in force back, with a message."""
    slider = window.panel.threshold_slider
    in_force, shown = slider.value(), slider.edit.text()
    changed = []
    slider.sigValueChanged.connect(changed.append)
    edit = slider.edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)
    assert edit.text() == text  # kept as typed (not "15" for "1,5")
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert repr(text) in blocker.args[0] and "threshold" in blocker.args[0]
    assert edit.text() == shown and slider.value() == in_force
    assert changed == []
    assert window.config.threshold == in_force


def test_typed_text_is_refused_when_the_field_loses_the_focus(qtbot, window):
    slider = window.panel.reg_covar_slider
    edit = slider.edit
    in_force, shown = slider.value(), edit.text()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=TIMEOUT)
    edit.selectAll()
    qtbot.keyClicks(edit, "nan")
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        window.panel.k_spin.setFocus()
    assert "reg_covar" in blocker.args[0] and "'nan'" in blocker.args[0]
    assert edit.text() == shown and slider.value() == in_force
    # A number in range typed the same way is taken.
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "5e-3")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert slider.value() == 0.005
    qtbot.waitUntil(lambda: window.config.reg_covar == 0.005, timeout=TIMEOUT)


def test_invalid_typed_value_shows_a_message(qtbot, window):
    in_force = window.config.threshold
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        window.panel.threshold_slider.edit.setText("1e9")
        window.panel.threshold_slider.edit.editingFinished.emit()
    assert "threshold" in blocker.args[0]
    assert window.config.threshold == in_force


def test_launch_options_preconfigure_the_window(qtbot):
    options = LaunchOptions(dataset="moons", config_changes={"n_components": 2,
                                                             "init": "kmeans"}, play=True)
    window = make_window(qtbot, options)
    assert window.dataset.name == "moons"
    assert window.config.n_components == 2 and window.config.init == "kmeans"
    assert window.playing or window._last_frame.finished


def test_settings_are_remembered(qtbot):
    first = make_window(qtbot)
    first.panel.k_spin.setValue(7)
    first.panel.rule_combo.setCurrentIndex(first.panel.rule_combo.findData("needle"))
    qtbot.waitUntil(lambda: first.config.n_components == 7, timeout=TIMEOUT)
    first.close()
    second = make_window(qtbot)
    assert second.config.n_components == 7
    assert second.config.rule == "needle"


def test_close_while_running_is_quick(qtbot):
    window = make_window(qtbot, ENDLESS)
    set_max_speed(window)
    window.panel.action_play.trigger()
    qtbot.waitUntil(lambda: window.controller.worker.iteration >= 3, timeout=TIMEOUT)
    began = time.perf_counter()
    window.close()
    assert time.perf_counter() - began < 1.0
    assert not window.controller.thread.isRunning()


CLOSE_SCRIPT = textwrap.dedent("""
    import sys, time
    from PyQt6.QtCore import QTimer
    from gmm_viz.gui.app import create_application
    from gmm_viz.gui.main_window import LaunchOptions, MainWindow

    app = create_application()
    window = MainWindow(LaunchOptions(config_changes={"tol": 0.0, "max_iter": 100000},
                                      play=True))
    window.panel.speed_slider.setValue(window.panel.speed_slider.maximum())
    window.show()
    closed = []

    def check():
        if not closed and (window.shown_iteration or 0) >= 20:
            closed.append(time.perf_counter())
            window.close()
            app.quit()

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(10)
    QTimer.singleShot(30000, app.quit)
    app.exec()
    print(f"closed-in {time.perf_counter() - closed[0]:.3f}")
""")


def test_closing_the_real_app_while_running_prints_nothing(tmp_path):
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", GMM_VIZ_SETTINGS=str(tmp_path / "s.ini"))
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", CLOSE_SCRIPT], check=False, env=env, cwd=root,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "QThread" not in result.stderr
    assert "Traceback" not in result.stderr
    assert "closed-in" in result.stdout
    assert float(result.stdout.split("closed-in")[1]) < 1.0


def test_play_on_a_finished_run_returns_to_paused(qtbot, window):
    set_max_speed(window)
    window.panel.action_play.trigger()
    qtbot.waitUntil(lambda: not window.playing and window._last_frame.finished,
                    timeout=TIMEOUT)
    assert window.panel.action_play.text() == "Play"
    assert window.message_bar.level == "info"
    window.panel.action_play.trigger()
    qtbot.waitUntil(lambda: not window.playing, timeout=TIMEOUT)
    assert not window.panel.action_play.isChecked()


def test_same_point_nudge_can_be_switched_off_to_keep_the_exact_tie(qtbot):
    from gmm_viz.gui.panels.controls import ControlPanel

    panel = ControlPanel()
    qtbot.addWidget(panel)
    assert not panel.perturb_check.isEnabled()  # only means something for same_point
    index = panel.init_combo.findData("same_point")
    with qtbot.waitSignal(panel.sigConfigChanged):
        panel.init_combo.setCurrentIndex(index)
    assert panel.perturb_check.isEnabled() and panel.config().perturb
    with qtbot.waitSignal(panel.sigConfigChanged) as blocker:
        panel.perturb_check.setChecked(False)
    config = blocker.args[0]
    assert config.init == "same_point" and config.perturb is False
    restored = ControlPanel()
    qtbot.addWidget(restored)
    restored.restore_state(panel.state())
    assert restored.config().perturb is False


@pytest.mark.parametrize("how", ["enter", "focus"])
def test_a_typed_k_out_of_range_is_refused_with_the_reason(qtbot, window, how):
    """Typing 25 where k goes up to 20 must not silently give k = 2 (Qt's spin box drops
    the keystroke that leaves the range)."""
    spin = window.panel.k_spin
    k_before = window.config.n_components
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus, timeout=TIMEOUT)
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "25")
    assert spin.lineEdit().text() == "25"  # typed to its end
    with qtbot.waitSignal(window.sigMessageShown, timeout=TIMEOUT) as blocker:
        if how == "enter":
            qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
        else:
            window.panel.seed_spin.setFocus()
    message = blocker.args[0]
    assert "Components k" in message and "25" in message and "1 to 20" in message
    assert spin.value() == k_before and spin.lineEdit().text() == str(k_before)
    assert window.config.n_components == k_before
    # A k in range typed the same way is taken.
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "12")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.config.n_components == 12, timeout=TIMEOUT)


def _species_csv(tmp_path):
    rng = np.random.default_rng(0)
    rows = [f"{x:.4f},{y:.4f},{'setosa' if i % 2 else 'virginica'}"
            for i, (x, y) in enumerate(rng.normal(size=(60, 2)))]
    path = tmp_path / "flowers.csv"
    path.write_text("x,y,species\n" + "\n".join(rows))
    return path


def test_a_text_column_is_offered_as_true_labels_and_used(qtbot, window, tmp_path):
    path = _species_csv(tmp_path)
    asked = []

    def choose(path_, columns):
        asked.append(list(columns))
        return ["x", "y"], "species"

    window.choose_columns = choose
    window.open_csv(str(path))
    qtbot.waitUntil(lambda: window.dataset.X.shape == (60, 2), timeout=TIMEOUT)
    assert asked == [["x", "y"]]  # two numeric columns, but labels to choose: asked
    assert window.dataset.labels is not None
    assert window.dataset.label_names == ("setosa", "virginica")


def test_choosing_no_labels_loads_the_file_without_them(qtbot, window, tmp_path):
    path = _species_csv(tmp_path)
    window.choose_columns = lambda path_, columns: (["x", "y"], None)
    window.open_csv(str(path))
    qtbot.waitUntil(lambda: window.dataset.X.shape == (60, 2), timeout=TIMEOUT)
    assert window.dataset.labels is None


def test_colouring_by_true_labels_and_the_agreement_they_show(qtbot, tmp_path, monkeypatch):
    """Iris knows its species: "true labels" colours the points by species, matched to
    the components' colours, and the status bar gives the adjusted Rand index of the fit
    shown; data without labels does not offer the choice."""
    from sklearn.metrics import adjusted_rand_score

    monkeypatch.setenv("GMM_VIZ_SETTINGS", str(tmp_path / "settings.ini"))
    window = make_window(qtbot, LaunchOptions(
        dataset="iris", config_changes={"n_components": 3, "init": "kmeans", "rule": "none"}))
    combo = window.panel.colors_combo
    truth = combo.findData("truth")
    assert combo.model().item(truth).isEnabled()
    for _ in range(5):
        window.panel.action_step.trigger()
    barrier(qtbot, window)
    qtbot.waitUntil(lambda: window.shown_iteration == 5, timeout=TIMEOUT)
    frame = window.last_frame
    ari = adjusted_rand_score(window.dataset.labels, frame.snapshot.labels)
    label = window.status_labels["agreement"]
    assert label.isVisible() and f"ARI {ari:.2f}" in label.text()
    combo.setCurrentIndex(truth)
    qtbot.waitUntil(lambda: window.last_frame.point_colors is not None, timeout=TIMEOUT)
    from gmm_viz.run.agreement import truth_colours

    expected = truth_colours(window.dataset.labels, 3, window.last_frame.snapshot.labels, 3)
    np.testing.assert_array_equal(window.last_frame.point_colors, expected)
    # Data without true labels: the choice goes back to hard colours and is not offered.
    window.panel.dataset_combo.setCurrentIndex(window.panel.dataset_combo.findData("faithful"))
    qtbot.waitUntil(lambda: window.dataset.name == "faithful", timeout=TIMEOUT)
    settle(qtbot, window)
    assert combo.currentData() == "hard" and not combo.model().item(truth).isEnabled()
    assert not window.status_labels["agreement"].isVisible()


def test_choosing_the_study_det_rule_brings_its_threshold(qtbot, window):
    """The scale-free rule's default (1e-8) would make the absolute det rule blind; the
    study's |det| < 1e-2 is one choice away."""
    combo = window.panel.rule_combo
    combo.setCurrentIndex(combo.findData("det"))
    qtbot.waitUntil(lambda: window.config.rule == "det", timeout=TIMEOUT)
    assert window.config.threshold == 1e-2
    assert window.panel.threshold_slider.edit.text() == "0.01"
    combo.setCurrentIndex(combo.findData("relative_det"))
    qtbot.waitUntil(lambda: window.config.rule == "relative_det", timeout=TIMEOUT)
    assert window.config.threshold == 1e-8
    # A threshold the user chose stays when the rule changes.
    window.panel.threshold_slider.edit.setText("1e-05")
    window.panel.threshold_slider.edit.editingFinished.emit()
    qtbot.waitUntil(lambda: window.config.threshold == 1e-5, timeout=TIMEOUT)
    combo.setCurrentIndex(combo.findData("det"))
    qtbot.waitUntil(lambda: window.config.rule == "det", timeout=TIMEOUT)
    assert window.config.threshold == 1e-5


def test_model_settings_saved_under_the_old_defaults_are_not_brought_back(qtbot):
    from gmm_viz.engine import EMConfig

    first = make_window(qtbot)
    state = first.panel.state()
    old = dict(state, rule="det", threshold=0.01, tol=0.001, init="random_range", k=7)
    old.pop("defaults")
    first.panel.restore_state(old)
    assert first.config.rule == EMConfig().rule and first.config.n_components == 5
    first.panel.restore_state(dict(old, defaults=state["defaults"]))
    assert first.panel.config().rule == "det" and first.panel.config().n_components == 7
