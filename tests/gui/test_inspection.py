"""Hands on the canvas: hover and pin a point, select a component, with real mouse events;
the Inspect panel's numbers are those of the state shown."""

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PyQt6.QtCore import QPoint, QPointF, Qt
from sklearn.mixture import GaussianMixture

from gmm_viz.gui.main_window import LaunchOptions
from tests.gui_helpers import TIMEOUT, make_window, settle, step

STEADY = LaunchOptions(config_changes={"rule": "none", "init": "kmeans", "n_components": 3,
                                       "tol": 0.0, "max_iter": 1000})


def _pixel_of(canvas, x, y) -> QPoint:
    """The viewport pixel where the data point (x, y) is drawn."""
    scene = canvas.getViewBox().mapViewToScene(QPointF(float(x), float(y)))
    return canvas.mapFromScene(scene)


def _predict_proba(snapshot, X):
    model = GaussianMixture(n_components=snapshot.n_components, covariance_type="full")
    model.weights_ = np.asarray(snapshot.weights)
    model.means_ = np.asarray(snapshot.means)
    model.covariances_ = np.asarray(snapshot.covariances)
    # (scikit-learn's own precision Cholesky, as its fit sets it)
    from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

    model.precisions_cholesky_ = _compute_precision_cholesky(model.covariances_, "full")
    return model.predict_proba(X)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("GMM_VIZ_SETTINGS", str(tmp_path / "settings.ini"))
    window = make_window(qtbot, STEADY)
    window.resize(1366, 728)
    step(qtbot, window, 3)
    qtbot.waitUntil(lambda: window.inspection.pointer.has_index, timeout=TIMEOUT)
    return window


def _isolated_point(window):
    """A point far from its neighbours on screen and from every mean (a hover finds it)."""
    canvas = window.canvas
    points = canvas.shown_points()
    pixels = np.array([[p.x(), p.y()] for p in (_pixel_of(canvas, *xy) for xy in points)])
    means = window.last_frame.snapshot.means[:, :2]
    mean_px = np.array([[p.x(), p.y()] for p in (_pixel_of(canvas, *m) for m in means)])
    inside = ((pixels > 20) & (pixels < [canvas.width() - 20, canvas.height() - 20])).all(1)
    best, best_gap = None, 0.0
    for i in np.flatnonzero(inside):
        gaps = np.hypot(*(pixels - pixels[i]).T)
        gaps[i] = np.inf
        gap = min(gaps.min(), np.hypot(*(mean_px - pixels[i]).T).min() / 2)
        if gap > best_gap:
            best, best_gap = int(i), gap
    assert best is not None and best_gap > 8
    return best


def test_hovering_a_point_shows_its_responsibilities_at_the_iteration_shown(qtbot, window):
    canvas = window.canvas
    i = _isolated_point(window)
    qtbot.mouseMove(canvas.viewport(), _pixel_of(canvas, *canvas.shown_points()[i]))
    qtbot.waitUntil(lambda: window.inspection.pointer.hovered == i, timeout=TIMEOUT)
    snapshot = window.last_frame.snapshot
    expected = _predict_proba(snapshot, window.dataset.X[i:i + 1])[0]
    np.testing.assert_allclose(window.inspection.shown_responsibilities(), expected,
                               atol=1e-10)
    text = window.inspection.panel.plain_text()
    assert f"E-step of point {i}" in text and f"θ({snapshot.iteration})" in text
    # Looking back: the numbers follow the state shown.
    window.timeline.slider.setValue(1)
    settle(qtbot, window)
    snapshot = window.last_frame.snapshot
    assert snapshot.iteration == 1
    expected = _predict_proba(snapshot, window.dataset.X[i:i + 1])[0]
    np.testing.assert_allclose(window.inspection.shown_responsibilities(), expected,
                               atol=1e-10)


def test_a_clicked_point_stays_pinned_and_follows_the_run(qtbot, window):
    canvas = window.canvas
    i = _isolated_point(window)
    where = _pixel_of(canvas, *canvas.shown_points()[i])
    qtbot.mouseMove(canvas.viewport(), where)
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.waitUntil(lambda: window.inspection.pointer.pinned == i, timeout=TIMEOUT)
    qtbot.mouseMove(canvas.viewport(), QPoint(5, 5))  # away: the pinned point is shown
    qtbot.waitUntil(lambda: window.inspection.pointer.hovered == -1, timeout=TIMEOUT)
    step(qtbot, window, 2)
    snapshot = window.last_frame.snapshot
    assert "pinned" in window.inspection.panel.plain_text()
    expected = _predict_proba(snapshot, window.dataset.X[i:i + 1])[0]
    np.testing.assert_allclose(window.inspection.shown_responsibilities(), expected,
                               atol=1e-10)
    assert window.inspection.pointer._pin_ring.isVisible()


def test_clicking_a_mean_or_a_table_row_selects_the_component_everywhere(qtbot, window):
    canvas = window.canvas
    snapshot = window.last_frame.snapshot
    k = 1
    where = _pixel_of(canvas, *snapshot.means[k, :2])
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.waitUntil(lambda: window.inspection.pointer.selected == k, timeout=TIMEOUT)
    assert window.table.selected_component() == k
    text = window.inspection.panel.plain_text()
    assert f"M-step of component {k}" in text
    weight = float(snapshot.weights[k])
    assert f"{weight:.4g}"[:4] in text  # its weight π_k, as the M-step set it
    # The table's row selects another one; the canvas follows.
    window.table.sigRowClicked.emit(2)
    assert window.inspection.pointer.selected == 2 and window.table.selected_component() == 2
    # A click on nothing clears the selection.
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(canvas.width() - 30, 30))
    qtbot.waitUntil(lambda: window.inspection.pointer.selected == -1, timeout=TIMEOUT)
    assert window.table.selected_component() == -1
