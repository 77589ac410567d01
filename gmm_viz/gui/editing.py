"""Changing the model and the data by hand: drag a mean, place the initial means with
clicks, draw and erase points.

:class:`Editing` turns the mouse on the canvas into the run's own operations (the worker
controller's ``move_mean``, ``place_means``, ``add_points``, ``remove_points``,
``undo_data``, ``redo_data``, ``clear_points``), which record them in the history. It owns
the Edit menu and, while drawing, a brush bar (radius, points per stroke step, a uniform
or Gaussian spray). A stroke is one change: one undo step, one new run.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtWidgets import QCheckBox, QLabel, QSpinBox, QToolBar

from gmm_viz.gui.actions import make_action
from gmm_viz.gui.views.mean_handles import MeanHandles

#: Brush defaults: radius in pixels, points added per mouse move while spraying.
BRUSH_RADIUS_PX = 24
BRUSH_POINTS = 6


class Editing(QObject):
    """Drag means, place means, draw and erase points on the window's canvas.

    Parameters
    ----------
    window : MainWindow
        Its ``canvas``, ``controller``, ``inspection`` and ``last_frame`` are used.
    """

    def __init__(self, window):
        super().__init__(window)
        self._window = window
        canvas = window.canvas
        self.handles = MeanHandles(canvas)
        self.handles.sigDragged.connect(self._on_mean_dragged)
        self.handles.sigDropped.connect(self._on_mean_dragged)
        self._placing: list | None = None  # means clicked so far while placing
        self._stroke = None  # ("add", [points]) or ("erase", set of indices)
        self._outline = None  # a press on an outline: (component, data position, pixel)
        self._outline_drag = None  # while an outline is dragged: what the drag scales
        self._rng = np.random.default_rng()
        self._preview = pg.ScatterPlotItem(pxMode=True, size=6, symbol="o",
                                           pen=pg.mkPen(30, 30, 30, 200),
                                           brush=pg.mkBrush(30, 30, 30, 120))
        self._preview.setZValue(50)
        canvas.getPlotItem().addItem(self._preview, ignoreBounds=True)
        self._preview.hide()
        self._make_actions()
        self._make_brush_bar()
        canvas.viewport().installEventFilter(self)

    # ------------------------------------------------------------------ building
    def _make_actions(self):
        w = self._window

        def action(text, shortcut, tip, slot=None, checkable=False):
            return make_action(w, text, shortcut, tip, slot, checkable)

        self.action_draw = action(
            "Draw points", "D", "Click to add a point, drag to spray points with the "
            "brush; Shift-drag or right-drag erases", checkable=True)
        self.action_draw.toggled.connect(self.set_drawing)
        self.action_place = action(
            "Place means by hand…", None, "Click k times on the canvas: the clicks are "
            "the initial means (Esc cancels)", self.start_placing)
        self.action_undo = action("Undo data change", "Ctrl+Z", "Undo the last drawing, "
                                  "erasing or clearing of points", self._undo)
        self.action_redo = action("Redo data change", "Ctrl+Shift+Z", "Redo the data "
                                  "change undone last", self._redo)
        self.action_clear = action("Clear points", None, "Remove every point, to draw "
                                   "data from an empty canvas (Undo brings them back)",
                                   lambda: self._window.controller.clear_points())
        self.action_keep_fit = action(
            "Keep the fit when the data change", None, "On: after drawing or erasing, "
            "EM continues from its current parameters (how EM adapts to new points); "
            "off: it starts again on the changed data", checkable=True)
        # Esc ends placing means (a window-wide key: the canvas need not have the focus).
        self.action_cancel = action("Cancel placing means", "Esc", "Stop placing the "
                                    "means by hand; the run stays as it was",
                                    self._cancel_placing)
        self.action_save_points = action(
            "Save points as CSV…", None, "Write the points (drawn or edited ones too) to a "
            "CSV file that Open CSV reads back", self.ask_and_save_points)
        self.actions = [self.action_draw, self.action_place, None, self.action_undo,
                        self.action_redo, self.action_clear, None, self.action_keep_fit,
                        None, self.action_save_points]
        w.addActions([a for a in self.actions if a is not None] + [self.action_cancel])

    def _make_brush_bar(self):
        bar = QToolBar("Brush")
        bar.setObjectName("brush_toolbar")
        self.radius_spin = _spin(2, 200, BRUSH_RADIUS_PX, "Brush radius, in pixels")
        self.points_spin = _spin(1, 100, BRUSH_POINTS, "Points added per step of a "
                                 "spraying drag")
        self.gaussian_check = QCheckBox("Gaussian spray")
        self.gaussian_check.setToolTip("Spray points from a round Gaussian (sd = half the "
                                       "radius) instead of evenly in the brush's disc")
        bar.addWidget(QLabel(" Brush radius "))
        bar.addWidget(self.radius_spin)
        bar.addWidget(QLabel(" px, points per step "))
        bar.addWidget(self.points_spin)
        bar.addWidget(self.gaussian_check)
        bar.addSeparator()
        for act in (self.action_undo, self.action_redo, self.action_clear):
            bar.addAction(act)
        self.brush_bar = bar
        self._window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        bar.hide()

    def add_menu(self, menu_bar):
        """The Edit menu."""
        menu = menu_bar.addMenu("&Edit")
        menu.setToolTipsVisible(True)
        for act in self.actions:
            if act is None:
                menu.addSeparator()
            else:
                menu.addAction(act)
        return menu

    # ------------------------------------------------------------------ saving points
    def ask_and_save_points(self):
        from PyQt6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(self._window, "Save points as CSV",
                                              "points.csv", "CSV files (*.csv)")
        if path:
            self.save_points(path)

    def save_points(self, path) -> bool:
        """Write the shown data's points to ``path`` as CSV; says so or why not."""
        from gmm_viz.data.csv_writer import save_points_csv
        from gmm_viz.files import FileCheckError

        dataset = self._window.dataset
        if dataset is None:
            return False
        try:
            save_points_csv(path, dataset.X, dataset.feature_names)
        except (FileCheckError, OSError, ValueError) as exc:
            self._window.show_error(str(exc))
            return False
        self._window.show_info(f"Saved {len(dataset.X):,} points to {path}; Open CSV reads "
                               "them back.")
        return True

    # ------------------------------------------------------------------ frames
    def show_frame(self, frame) -> None:
        """Put the grips on the means drawn."""
        model = self._window.canvas.model_2d()
        if model is None or self.drawing or self._placing is not None:
            self.handles.hide()
        else:
            self.handles.show_means(model[1])

    # ------------------------------------------------------------------ dragging means
    def _on_mean_dragged(self, c, x, y):
        frame = self._window.last_frame
        if frame is None or c >= frame.snapshot.n_components:
            return
        i, j = self._window.canvas.axes
        mean = np.array(frame.snapshot.means[c], dtype=float)
        mean[i], mean[j] = x, y
        self._window.pause()
        self._window.controller.move_mean(c, mean)

    # ------------------------------------------------------------------ placing means
    def start_placing(self):
        """Collect k clicks as the initial means."""
        if self._window.last_frame is None:
            return
        self.action_draw.setChecked(False)
        self._placing = []
        self.handles.hide()
        self._window.inspection.pointer.set_enabled(False)
        self._say_placing()

    @property
    def placing(self) -> bool:
        return self._placing is not None

    def _say_placing(self):
        k = self._window.config.n_components
        done = len(self._placing)
        self._window.canvas.set_hint(
            f"Click {k} times to place the initial means ({done} of {k} placed); "
            "Esc cancels.")

    def _place_at(self, x, y):
        self._placing.append((x, y))
        k = self._window.config.n_components
        if len(self._placing) < k:
            self._say_placing()
            return
        X = self._window.dataset.X
        i, j = self._window.canvas.axes
        centre = X.mean(axis=0) if len(X) else np.zeros(X.shape[1])
        means = np.tile(centre, (k, 1))
        means[:, i] = [p[0] for p in self._placing]
        means[:, j] = [p[1] for p in self._placing]
        self._stop_placing()
        self._window.pause()
        self._window.controller.place_means(means)

    def _cancel_placing(self):
        if self._placing is not None:
            self._stop_placing()

    def _stop_placing(self):
        self._placing = None
        self._window.canvas.set_hint(None)
        self._window.inspection.pointer.set_enabled(True)

    # ------------------------------------------------------------------ drawing points
    @property
    def drawing(self) -> bool:
        return self.action_draw.isChecked()

    def set_drawing(self, on: bool):
        """Draw mode: the mouse draws and erases instead of panning and inspecting."""
        if self.action_draw.isChecked() != on:
            self.action_draw.setChecked(on)
            return
        if on and self._placing is not None:
            self._stop_placing()
        canvas = self._window.canvas
        canvas.getViewBox().setMouseEnabled(x=not on, y=not on)
        self._window.inspection.pointer.set_enabled(not on)
        self.handles.set_enabled(not on)
        self.brush_bar.setVisible(on)
        canvas.viewport().setCursor(Qt.CursorShape.CrossCursor if on
                                    else Qt.CursorShape.ArrowCursor)

    def _undo(self):
        self._window.pause()
        self._window.controller.undo_data(self.action_keep_fit.isChecked())

    def _redo(self):
        self._window.pause()
        self._window.controller.redo_data(self.action_keep_fit.isChecked())

    def eventFilter(self, watched, event):  # Qt naming
        kind = event.type()
        if (self._placing is not None and kind == QEvent.Type.MouseButtonPress
                and event.button() == Qt.MouseButton.LeftButton):
            position = self._data_position(event.position())
            if position is not None:
                self._place_at(*position)
            return True
        if not self.drawing:
            return self._outline_event(kind, event)
        if kind == QEvent.Type.MouseButtonPress:
            erase = (event.button() == Qt.MouseButton.RightButton
                     or event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._stroke = ("erase", set()) if erase else ("add", [])
            self._moved = False
            self._stroke_at(event.position(), first=True)
            return True
        if kind == QEvent.Type.MouseMove and self._stroke is not None:
            self._moved = True
            self._stroke_at(event.position())
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._stroke is not None:
            self._finish_stroke()
            return True
        return False

    # ------------------------------------------------------------------ dragging outlines
    def _outline_event(self, kind, event) -> bool:
        """Drag an ellipse's outline to stretch or shrink the Gaussian along the direction
        it was held in (the mean stays); the run takes the new covariance as it takes a
        moved mean. Returns True for the events it uses."""
        pointer = self._window.inspection.pointer
        if kind == QEvent.Type.MouseButtonPress:
            self._outline = None
            if (event.button() == Qt.MouseButton.LeftButton
                    and event.modifiers() == Qt.KeyboardModifier.NoModifier
                    and self.handles.dragging < 0):
                position = self._data_position(event.position())
                if position is not None:
                    c = pointer.outline_at(*position)
                    if c >= 0:
                        self._outline = (c, position, event.position())
            return False
        if kind == QEvent.Type.MouseMove and self._outline is not None:
            if not event.buttons() & Qt.MouseButton.LeftButton:
                self._outline = None
                return False
            if self._outline_drag is None:
                moved = event.position() - self._outline[2]
                if abs(moved.x()) + abs(moved.y()) < 4:
                    return False
                if not self._start_outline_drag():
                    self._outline = None
                    return False
            position = self._data_position(event.position())
            if position is not None:
                self._drag_outline_to(position)
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._outline is not None:
            dragged = self._outline_drag is not None
            self._outline = self._outline_drag = None
            if dragged:
                pointer.ignore_next_click()
            return False
        return False

    def _start_outline_drag(self) -> bool:
        frame = self._window.last_frame
        c, (x, y), _ = self._outline
        if frame is None or frame.snapshot is None or c >= frame.snapshot.n_components:
            return False
        i, j = self._window.canvas.axes
        mean = np.asarray(frame.snapshot.means[c], dtype=float)
        held = np.array([x - mean[i], y - mean[j]])
        length = float(np.hypot(*held))
        if not length > 0:
            return False
        direction = np.zeros(len(mean))
        direction[[i, j]] = held / length
        self._outline_drag = (c, mean, direction, length,
                              np.array(frame.snapshot.covariances[c], dtype=float))
        self._window.pause()
        return True

    def _drag_outline_to(self, position):
        c, mean, direction, length, covariance = self._outline_drag
        i, j = self._window.canvas.axes
        reach = (position[0] - mean[i]) * direction[i] + (position[1] - mean[j]) * direction[j]
        factor = float(np.clip(reach / length, 0.05, 20.0))
        # Scale along the held direction only: S Σ S with S = I + (f - 1) u uᵀ keeps the
        # covariance symmetric positive definite, and the outline passes under the mouse.
        scale = np.eye(len(mean)) + (factor - 1.0) * np.outer(direction, direction)
        self._window.controller.set_covariance(c, scale @ covariance @ scale)

    def _data_position(self, pixel):
        canvas = self._window.canvas
        vb = canvas.getViewBox()
        scene = canvas.mapToScene(pixel.toPoint())
        if not vb.sceneBoundingRect().contains(scene):
            return None
        point = vb.mapSceneToView(scene)
        return float(point.x()), float(point.y())

    def _stroke_at(self, pixel, first=False):
        position = self._data_position(pixel)
        if position is None:
            return
        x_px, y_px = self._window.canvas.getViewBox().viewPixelSize()
        radius = self.radius_spin.value()
        kind, items = self._stroke
        if kind == "add":
            if first:
                items.append(position)  # a click alone adds exactly this point
            else:
                n = self.points_spin.value()
                if self.gaussian_check.isChecked():
                    offsets = self._rng.normal(scale=radius / 2.0, size=(n, 2))
                else:
                    angle = self._rng.uniform(0, 2 * np.pi, n)
                    r = radius * np.sqrt(self._rng.uniform(0, 1, n))
                    offsets = np.column_stack([r * np.cos(angle), r * np.sin(angle)])
                for dx, dy in offsets:
                    items.append((position[0] + dx * x_px, position[1] - dy * y_px))
            self._preview.setData(pos=np.array(items))
        else:
            points = self._window.canvas.shown_points()
            if len(points):
                dx = (points[:, 0] - position[0]) / x_px
                dy = (points[:, 1] - position[1]) / y_px
                items.update(np.flatnonzero(dx * dx + dy * dy <= radius * radius).tolist())
            chosen = sorted(items)
            self._preview.setData(pos=points[chosen] if chosen else np.empty((0, 2)),
                                  symbol="x")
        self._preview.show()

    def _finish_stroke(self):
        kind, items = self._stroke
        self._stroke = None
        self._preview.hide()
        self._preview.setData(pos=np.empty((0, 2)), symbol="o")
        keep = self.action_keep_fit.isChecked()
        controller = self._window.controller
        if kind == "add" and items:
            X = self._window.dataset.X
            i, j = self._window.canvas.axes
            d = X.shape[1]
            centre = X.mean(axis=0) if len(X) else np.zeros(d)
            points = np.tile(centre, (len(items), 1))
            points[:, i] = [p[0] for p in items]
            points[:, j] = [p[1] for p in items]
            self._window.pause()
            controller.add_points(points, continue_from_parameters=keep)
        elif kind == "erase" and items:
            self._window.pause()
            controller.remove_points(np.array(sorted(items)), continue_from_parameters=keep)


def _spin(minimum, maximum, value, tip) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(minimum, maximum)
    spin.setValue(value)
    spin.setToolTip(tip)
    return spin

