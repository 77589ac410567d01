"""A light background grid at the major ticks, drawn as one curve.

pyqtgraph's ``PlotItem.showGrid`` draws every tick level as translucent lines inside the
axis items; offscreen at 1000x800 that costs ~7 ms per frame (measured), more than 100k
points. This grid is one ``PlotCurveItem`` of opaque, non-antialiased 1 px segments at the
major ticks (~0.4 ms), updated only when the view range or size changes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg


class LightGrid:
    """Grid lines at the major ticks of a ``PlotItem``'s bottom and left axes.

    Parameters
    ----------
    plot_item : pyqtgraph.PlotItem
    color : tuple of int
        Opaque RGB; light enough to stay behind everything.
    """

    def __init__(self, plot_item, color=(234, 234, 234)):
        self._plot = plot_item
        self._vb = plot_item.getViewBox()
        self._curve = pg.PlotCurveItem(
            connect="pairs", antialias=False, pen=pg.mkPen(*color, width=1)
        )
        plot_item.addItem(self._curve, ignoreBounds=True)
        self._curve.setZValue(-100)  # after addItem, which raises negative z values
        self._vb.sigRangeChanged.connect(self._on_view_changed)
        self._vb.sigResized.connect(self._on_view_changed)
        self._on_view_changed()

    @property
    def item(self) -> pg.PlotCurveItem:
        return self._curve

    def _major_ticks(self, name, lo, hi, length):
        if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo or length <= 0:
            return np.empty(0)
        levels = self._plot.getAxis(name).tickValues(lo, hi, length)
        if not levels:
            return np.empty(0)
        return np.asarray(levels[0][1], dtype=float)

    def _on_view_changed(self, *_):
        (x0, x1), (y0, y1) = self._vb.viewRange()
        xs = self._major_ticks("bottom", x0, x1, self._vb.width())
        ys = self._major_ticks("left", y0, y1, self._vb.height())
        n = len(xs) + len(ys)
        if n == 0:
            self._curve.setData([], [])
            return
        pts = np.empty((2 * n, 2))
        pts[0:2 * len(xs):2, 0] = xs
        pts[1:2 * len(xs):2, 0] = xs
        pts[0:2 * len(xs):2, 1] = y0
        pts[1:2 * len(xs):2, 1] = y1
        pts[2 * len(xs)::2, 1] = ys
        pts[2 * len(xs) + 1::2, 1] = ys
        pts[2 * len(xs)::2, 0] = x0
        pts[2 * len(xs) + 1::2, 0] = x1
        self._curve.setData(pts[:, 0], pts[:, 1])
