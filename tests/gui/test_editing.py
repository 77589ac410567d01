"""Changing the model and the data with the mouse: drag a mean, place the means by
clicks, draw and erase points, undo and redo; each checked against the run it must be."""

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PyQt6.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QApplication

from gmm_viz.gui.main_window import LaunchOptions
from gmm_viz.run.session import RunSession
from tests.gui_helpers import TIMEOUT, make_window, settle, step

CONFIG = {"rule": "none", "init": "random_range", "n_components": 3, "tol": 0.0,
          "max_iter": 1000, "random_state": 4}


def _pixel_of(canvas, x, y) -> QPoint:
    scene = canvas.getViewBox().mapViewToScene(QPointF(float(x), float(y)))
    return canvas.mapFromScene(scene)


def _send(widget, kind, pos, button, buttons, modifiers=Qt.KeyboardModifier.NoModifier):
    global_pos = widget.mapToGlobal(pos)
    event = QMouseEvent(kind, QPointF(pos), QPointF(global_pos), button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(qtbot, widget, start: QPoint, end: QPoint, steps=8,
         button=Qt.MouseButton.LeftButton, modifiers=Qt.KeyboardModifier.NoModifier):
    """A real press, moves with the button held, and release on ``widget``."""
    none = Qt.MouseButton.NoButton
    _send(widget, QEvent.Type.MouseMove, start, none, none, modifiers)
    _send(widget, QEvent.Type.MouseButtonPress, start, button, button, modifiers)
    for t in np.linspace(0, 1, steps + 1)[1:]:
        pos = QPoint(round(start.x() + t * (end.x() - start.x())),
                     round(start.y() + t * (end.y() - start.y())))
        _send(widget, QEvent.Type.MouseMove, pos, none, button, modifiers)
        qtbot.wait(5)
    _send(widget, QEvent.Type.MouseButtonRelease, end, button, none, modifiers)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("GMM_VIZ_SETTINGS", str(tmp_path / "settings.ini"))
    window = make_window(qtbot, LaunchOptions(dataset="blobs", config_changes=CONFIG))
    window.resize(1366, 728)
    settle(qtbot, window)
    return window


def _data_at(canvas, pixel):
    point = canvas.getViewBox().mapSceneToView(canvas.mapToScene(pixel))
    return float(point.x()), float(point.y())


def test_dragging_a_mean_at_iteration_0_is_the_run_with_those_initial_means(qtbot, window):
    canvas = window.canvas
    means = np.array(window.last_frame.snapshot.means, dtype=float)
    start = _pixel_of(canvas, *means[1, :2])
    end = start + QPoint(60, 40)
    drag(qtbot, canvas.viewport(), start, end)
    # The grip keeps where it was held: the mean moves by the drag's length.
    target = means[1, :2] + np.subtract(_data_at(canvas, end), _data_at(canvas, start))
    qtbot.waitUntil(lambda: np.allclose(window.last_frame.snapshot.means[1, :2], target,
                                        atol=1e-6), timeout=TIMEOUT)
    settle(qtbot, window)
    assert window.shown_iteration == 0
    expected_means = means.copy()
    expected_means[1, :2] = window.last_frame.snapshot.means[1, :2]
    step(qtbot, window, 5)
    reference = RunSession(window.dataset, window.config.with_changes(
        means_init=window.config.means_init))
    np.testing.assert_allclose(np.asarray(window.config.means_init), expected_means,
                               atol=1e-9)
    for _ in range(5):
        reference.advance()
    np.testing.assert_allclose(window.last_frame.snapshot.means,
                               reference.frame().snapshot.means, atol=1e-9)


def test_a_mid_run_drag_is_in_the_history_and_em_continues_from_it(qtbot, window):
    step(qtbot, window, 4)
    canvas = window.canvas
    means = np.array(window.last_frame.snapshot.means, dtype=float)
    start = _pixel_of(canvas, *means[0, :2])
    drag(qtbot, canvas.viewport(), start, start + QPoint(-50, 30))
    qtbot.waitUntil(lambda: not np.allclose(window.last_frame.snapshot.means[0], means[0]),
                    timeout=TIMEOUT)
    settle(qtbot, window)
    assert window.shown_iteration == 4
    edits = window.last_frame.history.user_edits if hasattr(
        window.last_frame.history, "user_edits") else None
    assert edits is not None and 4 in list(edits)
    assert window.loglik_plot.edit_marks().tolist() == [4.0]  # a diamond on the curve
    strip = window.timeline.kept_strip
    (tick,) = strip.edit_positions()  # and a tick under the timeline's slider at 4 of 4
    assert tick == pytest.approx(strip.handle_centres()[1])
    step(qtbot, window, 2)
    assert window.shown_iteration == 6


def test_placing_the_means_by_clicks_starts_from_them(qtbot, window):
    canvas = window.canvas
    window.editing.start_placing()
    assert "Click 3 times" in canvas.hint_text()
    pixels = [QPoint(300, 200), QPoint(420, 260), QPoint(500, 330)]
    for n, pixel in enumerate(pixels):
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=pixel)
        if n < 2:
            assert f"({n + 1} of 3 placed)" in canvas.hint_text()
    wanted = np.array([_data_at(canvas, p) for p in pixels])
    qtbot.waitUntil(lambda: np.allclose(window.last_frame.snapshot.means[:, :2], wanted,
                                        atol=1e-6), timeout=TIMEOUT)
    assert window.shown_iteration == 0 and "placed" not in canvas.hint_text()
    # Esc cancels a placing begun.
    window.editing.start_placing()
    window.editing.action_cancel.trigger()
    assert not window.editing.placing and "placed" not in canvas.hint_text()


def test_drawing_and_erasing_change_the_data_and_undo_restores_it_exactly(qtbot, window):
    canvas = window.canvas
    before = window.dataset.X.copy()
    from PyQt6.QtWidgets import QToolButton

    toggle = next(b for b in window.timeline.findChildren(QToolButton)
                  if b.defaultAction() is window.editing.action_draw)
    qtbot.mouseClick(toggle, Qt.MouseButton.LeftButton)  # the Draw toggle under the canvas
    assert window.editing.drawing and window.editing.brush_bar.isVisible()
    click = QPoint(200, 150)
    view = canvas.getViewBox().viewRange()
    clicked = _data_at(canvas, click)
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=click)
    qtbot.waitUntil(lambda: len(window.dataset.X) == len(before) + 1, timeout=TIMEOUT)
    np.testing.assert_allclose(window.dataset.X[-1, :2], clicked, atol=1e-9)
    assert canvas.getViewBox().viewRange() == view  # drawing does not move the view
    one_more = window.dataset.X.copy()
    # A spraying drag adds points around its path, within the brush's radius.
    drag(qtbot, canvas.viewport(), QPoint(250, 300), QPoint(350, 300), steps=5)
    qtbot.waitUntil(lambda: len(window.dataset.X) > len(one_more), timeout=TIMEOUT)
    sprayed = window.dataset.X[len(one_more):, :2]
    assert len(sprayed) == 1 + 5 * window.editing.points_spin.value()
    # Shift-drag erases what lies under the brush.
    window.editing.radius_spin.setValue(60)
    drag(qtbot, canvas.viewport(), QPoint(250, 300), QPoint(350, 300), steps=5,
         modifiers=Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: len(window.dataset.X) < len(one_more) + len(sprayed),
                    timeout=TIMEOUT)
    # Undo, undo, undo: exactly the data before, bit for bit; redo brings back the click.
    for expected in (len(one_more) + len(sprayed), len(one_more), len(before)):
        window.editing.action_undo.trigger()
        qtbot.waitUntil(lambda e=expected: len(window.dataset.X) == e, timeout=TIMEOUT)
    np.testing.assert_array_equal(window.dataset.X, before)
    window.editing.action_redo.trigger()
    qtbot.waitUntil(lambda: len(window.dataset.X) == len(one_more), timeout=TIMEOUT)
    np.testing.assert_array_equal(window.dataset.X, one_more)
    window.editing.action_draw.setChecked(False)
    assert canvas.getViewBox().state["mouseEnabled"] == [True, True]


def test_erasing_every_point_waits_for_points_and_drawing_them_runs_again(qtbot, window):
    canvas = window.canvas
    window.editing.action_clear.trigger()
    qtbot.waitUntil(lambda: len(window.dataset.X) == 0, timeout=TIMEOUT)
    settle(qtbot, window)
    assert window.last_frame.snapshot is None
    assert "needs at least 4 points" in canvas.hint_text()  # k = 3
    window.editing.action_draw.setChecked(True)
    for n, pixel in enumerate([QPoint(300, 200), QPoint(420, 260), QPoint(500, 330),
                               QPoint(380, 150), QPoint(460, 200)]):
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=pixel)
        qtbot.waitUntil(lambda n=n: len(window.dataset.X) == n + 1, timeout=TIMEOUT)
    settle(qtbot, window)
    assert window.last_frame.snapshot is not None and window.last_frame.snapshot.n_components == 3
    window.editing.action_draw.setChecked(False)
    step(qtbot, window, 2)
    assert window.shown_iteration == 2


def test_drawn_points_saved_as_csv_reopen_as_the_same_points(qtbot, window, tmp_path):
    canvas = window.canvas
    window.editing.action_draw.setChecked(True)
    drag(qtbot, canvas.viewport(), QPoint(250, 300), QPoint(350, 320), steps=4)
    qtbot.waitUntil(lambda: len(window.dataset.X) > 500, timeout=TIMEOUT)
    settle(qtbot, window)
    drawn = window.dataset.X.copy()
    path = tmp_path / "drawn.csv"
    assert window.editing.save_points(str(path))
    window.open_csv(str(path))
    qtbot.waitUntil(lambda: "drawn.csv" in window.panel.dataset_combo.currentText(),
                    timeout=TIMEOUT)
    np.testing.assert_array_equal(window.dataset.X, drawn)


def test_dragging_an_outline_stretches_the_gaussian_along_the_direction_held(qtbot, window):
    step(qtbot, window, 3)
    canvas = window.canvas
    snapshot = window.last_frame.snapshot
    c = 2
    mean = np.array(snapshot.means[c, :2], dtype=float)
    cov = np.array(snapshot.covariances[c], dtype=float)
    values, vectors = np.linalg.eigh(cov[:2, :2])
    axis = vectors[:, 1]
    on_outline = mean + np.sqrt(values[1]) * axis  # the 1-sigma outline, major axis
    start = _pixel_of(canvas, *on_outline)
    farther = _pixel_of(canvas, *(mean + 1.6 * np.sqrt(values[1]) * axis))
    drag(qtbot, canvas.viewport(), start, farther, steps=6)
    qtbot.waitUntil(lambda: not np.allclose(window.last_frame.snapshot.covariances[c], cov),
                    timeout=TIMEOUT)
    settle(qtbot, window)
    new = np.array(window.last_frame.snapshot.covariances[c], dtype=float)
    # Along the held direction the spread grew ~1.6 times; across it, unchanged.
    along = np.sqrt(axis @ new[:2, :2] @ axis) / np.sqrt(axis @ cov[:2, :2] @ axis)
    assert along == pytest.approx(1.6, rel=0.08)
    across = vectors[:, 0]
    assert np.sqrt(across @ new[:2, :2] @ across) == pytest.approx(
        np.sqrt(across @ cov[:2, :2] @ across), rel=0.1)
    np.testing.assert_allclose(window.last_frame.snapshot.means[c], snapshot.means[c],
                               atol=1e-9)  # the mean stays
    assert window.inspection.pointer.pinned == -1  # the drag was not a click
