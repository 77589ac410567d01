"""What the mouse touches on the canvas: the point under it, a pinned point, a component.

:class:`CanvasPointer` listens to the canvas's mouse and turns it into signals the window
answers (hover and pin a point, select a component), and draws what is inspected: a ring
on the hovered point, a filled ring on the pinned one (it stays on its point while EM
runs), and a wide halo under the selected component's outlines.

Which point is under the mouse comes from a :class:`~gmm_viz.inspect.PointIndex`, a k-d
tree the window builds off the GUI thread once per data set and pair of axes: a lookup
costs microseconds, so hovering over a million points does not slow the frames.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore

from gmm_viz.palette import component_colors

#: How near (in pixels) the mouse must be to a point, a mean or an outline to touch it.
POINT_REACH_PX = 7.0
MEAN_REACH_PX = 12.0
OUTLINE_REACH_PX = 6.0


class CanvasPointer(QtCore.QObject):
    """Hover, pin and select on a :class:`~gmm_viz.gui.views.canvas.MixtureCanvas`.

    Signals
    -------
    sigPointHovered(int)
        The point under the mouse changed: its row in the data, or -1 for none.
    sigPointClicked(int)
        A point was clicked (to pin it).
    sigComponentClicked(int)
        A mean or an ellipse outline was clicked.
    sigEmptyClicked()
        A click on nothing (unpin, deselect).
    """

    sigPointHovered = QtCore.Signal(int)
    sigPointClicked = QtCore.Signal(int)
    sigComponentClicked = QtCore.Signal(int)
    sigEmptyClicked = QtCore.Signal()

    def __init__(self, canvas):
        super().__init__(canvas)
        self._canvas = canvas
        self._index = None  # PointIndex of the shown axes, or None while it is built
        self._hovered = -1
        self._pinned = -1
        self._selected = -1
        self._enabled = True
        self._ignore_click = False  # the click that ends an outline drag is not a click
        self._hover_ring = pg.ScatterPlotItem(pxMode=True, symbol="o", size=16,
                                              pen=pg.mkPen(20, 20, 20, 230, width=2),
                                              brush=pg.mkBrush(0, 0, 0, 0))
        self._pin_ring = pg.ScatterPlotItem(pxMode=True, symbol="o", size=20,
                                            pen=pg.mkPen(20, 20, 20, 255, width=3),
                                            brush=pg.mkBrush(255, 255, 255, 90))
        self._halo = pg.PlotCurveItem(connect="finite", antialias=True)
        plot = canvas.getPlotItem()
        for item, z in ((self._hover_ring, 40), (self._pin_ring, 41), (self._halo, 9)):
            plot.addItem(item, ignoreBounds=True)
            item.setZValue(z)
            item.hide()
        canvas.scene().sigMouseMoved.connect(self._on_mouse_moved)
        canvas.scene().sigMouseClicked.connect(self._on_mouse_clicked)

    # ------------------------------------------------------------------ state
    def set_enabled(self, enabled: bool) -> None:
        """Answer the mouse (hover, pin, select) only when enabled: not while the user
        draws points or places means."""
        self._enabled = bool(enabled)
        if not self._enabled and self._hovered >= 0:
            self._hovered = -1
            self.refresh()
            self.sigPointHovered.emit(-1)

    def ignore_next_click(self) -> None:
        """The press and release the scene will see were a drag (of an outline)."""
        self._ignore_click = True

    def set_index(self, index) -> None:
        """The point index of the shown axes (None while none is ready)."""
        self._index = index

    @property
    def has_index(self) -> bool:
        return self._index is not None

    def set_hovered(self, i: int) -> None:
        self._hovered = int(i)
        self.refresh()

    def set_pinned(self, i: int) -> None:
        self._pinned = int(i)
        self.refresh()

    def set_selected(self, k: int) -> None:
        self._selected = int(k)
        self.refresh()

    @property
    def hovered(self) -> int:
        return self._hovered

    @property
    def pinned(self) -> int:
        return self._pinned

    @property
    def selected(self) -> int:
        return self._selected

    def refresh(self) -> None:
        """Redraw the markers for the canvas's current data, axes and model (nothing to do,
        and nothing done, while no point is marked and no component selected: this runs
        every frame)."""
        if self._hovered < 0 and self._pinned < 0 and self._selected < 0:
            for item in (self._hover_ring, self._pin_ring, self._halo):
                if item.isVisible():
                    item.hide()
            return
        X = self._canvas.shown_data()
        i_axis, j_axis = self._canvas.axes
        for item, i in ((self._hover_ring, self._hovered), (self._pin_ring, self._pinned)):
            if 0 <= i < len(X) and (item is self._pin_ring or i != self._pinned):
                item.setData(pos=X[i:i + 1][:, [i_axis, j_axis]])
                item.show()
            else:
                item.hide()
        self._draw_halo()

    def _draw_halo(self):
        model = self._canvas.model_2d()
        k = self._selected
        if model is None or not 0 <= k < len(model[1]):
            self._halo.hide()
            return
        from gmm_viz.gui.views.canvas import SIGMA_LEVELS, ellipse_outlines

        _, means, covs = model
        levels = self._canvas.sigma_levels or (1,)
        outlines = ellipse_outlines(means[k:k + 1], covs[k:k + 1], SIGMA_LEVELS)[0]
        xs, ys = [], []
        for level_index, level in enumerate(SIGMA_LEVELS):
            if level in levels:
                outline = outlines[level_index]
                xs.extend([*outline[:, 0], np.nan])
                ys.extend([*outline[:, 1], np.nan])
        color = component_colors(k + 1)[k]
        self._halo.setData(np.array(xs), np.array(ys),
                           pen=pg.mkPen(*map(int, color), 110, width=9))
        self._halo.show()

    # ------------------------------------------------------------------ mouse
    def _view_position(self, scene_pos):
        vb = self._canvas.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        point = vb.mapSceneToView(scene_pos)
        return float(point.x()), float(point.y())

    def _pixel_size(self):
        x_px, y_px = self._canvas.getViewBox().viewPixelSize()
        return max(float(x_px), 1e-300), max(float(y_px), 1e-300)

    def point_at(self, x, y) -> int:
        """The shown point within reach of ``(x, y)`` (data coordinates), or -1."""
        if self._index is None:
            return -1
        x_px, y_px = self._pixel_size()
        found = self._index.nearest(x, y, POINT_REACH_PX, x_per_pixel=x_px, y_per_pixel=y_px)
        return -1 if found is None else int(found)

    def outline_at(self, x, y) -> int:
        """The component whose drawn outline (not its mean) is within reach of ``(x, y)``;
        -1 for none."""
        model = self._canvas.model_2d()
        if model is None:
            return -1
        _, means, _ = model
        c = self.component_at(x, y)
        if c < 0:
            return -1
        x_px, y_px = self._pixel_size()
        on_mean = np.hypot((x - means[c, 0]) / x_px, (y - means[c, 1]) / y_px) <= MEAN_REACH_PX
        return -1 if on_mean else c

    def component_at(self, x, y) -> int:
        """The component whose mean, or else whose drawn outline, is within reach of
        ``(x, y)``; -1 for none."""
        model = self._canvas.model_2d()
        if model is None:
            return -1
        _, means, covs = model
        x_px, y_px = self._pixel_size()
        offsets = np.column_stack([(x - means[:, 0]) / x_px, (y - means[:, 1]) / y_px])
        with np.errstate(invalid="ignore"):
            pixels = np.hypot(offsets[:, 0], offsets[:, 1])
        pixels[~np.isfinite(pixels)] = np.inf
        if len(pixels) and pixels.min() <= MEAN_REACH_PX:
            return int(np.argmin(pixels))
        # An outline: the Mahalanobis radius of the click against each level drawn, turned
        # into pixels along the line from the mean through the click.
        best, best_px = -1, OUTLINE_REACH_PX
        levels = self._canvas.sigma_levels
        for c in range(len(means)):
            d = np.array([x, y]) - means[c]
            try:
                r = float(np.sqrt(d @ np.linalg.solve(covs[c], d)))
            except np.linalg.LinAlgError:
                continue
            if not np.isfinite(r) or r <= 0:
                continue
            for level in levels:
                gap_px = abs(r - level) / r * pixels[c]
                if gap_px <= best_px:
                    best, best_px = c, gap_px
        return best

    def _on_mouse_moved(self, scene_pos):
        if not self._enabled:
            return
        position = self._view_position(scene_pos)
        found = -1 if position is None else self.point_at(*position)
        if found != self._hovered:
            self._hovered = found
            self.refresh()
            self.sigPointHovered.emit(found)

    def _on_mouse_clicked(self, event):
        if self._ignore_click:
            self._ignore_click = False
            return
        if (not self._enabled or event.button() != QtCore.Qt.MouseButton.LeftButton
                or event.double()):
            return
        position = self._view_position(event.scenePos())
        if position is None:
            return
        component = self.component_at(*position)
        # A mean wins over the points under it; a point wins over an outline through it.
        model = self._canvas.model_2d()
        if component >= 0 and model is not None:
            x_px, y_px = self._pixel_size()
            mean = model[1][component]
            on_mean = np.hypot((position[0] - mean[0]) / x_px,
                               (position[1] - mean[1]) / y_px) <= MEAN_REACH_PX
            if on_mean:
                self.sigComponentClicked.emit(component)
                return
        point = self.point_at(*position)
        if point >= 0:
            self.sigPointClicked.emit(point)
        elif component >= 0:
            self.sigComponentClicked.emit(component)
        else:
            self.sigEmptyClicked.emit()
