"""A graphics item that draws many separate line segments with one antialiased pen.

It draws the density contours (a few thousand marching-squares segments per frame).
A ``PlotCurveItem`` with ``connect="pairs"`` strokes them as one path in data units, and
Qt's raster engine turns a wide antialiased pen under a scaling transform into a general
stroke and fill: ~55 ms per frame at 2,000 segments with a 1.2 px pen, measured, the
largest cost of a frame with contours on. In device pixels (the painter's transform
reset) Qt rasterises each segment of a ``drawLines`` call directly, ~1.3 ms for the same
segments. The picture is the same to the eye: only where two segments meet, where each
is blended once instead of the joint once, are a few pixels a little darker.
"""

from __future__ import annotations

import numpy as np
from pyqtgraph.Qt import QtCore, QtGui
from pyqtgraph.Qt import internals as _qt_internals

from gmm_viz.gui.views.pixel_padded import PixelPaddedItem


class SegmentsItem(PixelPaddedItem):
    """Line segments in data units, drawn in device pixels with one pen.

    Parameters
    ----------
    pen : QPen
        Used as it is (cosmetic: its width is in pixels).
    """

    def __init__(self, pen: QtGui.QPen, parent=None):
        super().__init__(parent)
        self._pen = pen
        self._xy = np.empty((0, 2))
        self._lines = _qt_internals.PrimitiveArray(QtCore.QLineF, 4)
        self._projected_for = None  # (transform, data) of the device lines in _lines

    def set_segments(self, points: np.ndarray) -> None:
        """Set the segments to draw.

        Parameters
        ----------
        points : ndarray of shape (2 * n_segments, 2)
            Consecutive pairs of points are the two ends of a segment, in data units;
            not copied, not modified. Segments with a non-finite end are not drawn.
        """
        points = np.asarray(points, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) % 2:
            raise ValueError("points must have shape (2 * n_segments, 2); got "
                             f"{points.shape}.")
        ends = points.reshape(-1, 2, 2)
        finite = np.isfinite(ends).all(axis=(1, 2))
        if not finite.all():
            points = ends[finite].reshape(-1, 2)
        self.prepareGeometryChange()
        self._xy = points
        if len(points):
            lo, hi = points.min(axis=0), points.max(axis=0)
            self._ranges = ((float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1])))
        else:
            self._ranges = None
        self._bounding = None
        self._projected_for = None
        self.update()

    def getData(self):
        """``(x, y)`` of the segments' ends, each an ndarray of shape (2 * n_segments,)."""
        return self._xy[:, 0], self._xy[:, 1]

    def _pad_px(self) -> float:
        return self._pen.widthF() / 2 + 2

    # ---------------------------------------------------------------------------- paint
    def paint(self, painter, option, widget=None):
        if not len(self._xy):
            return
        t = painter.transform()
        key = (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy())
        if self._projected_for != key:
            self._lines.resize(len(self._xy) // 2)
            device = self._lines.ndarray().reshape(-1, 2)  # QLineF: x1, y1, x2, y2
            x, y = self._xy[:, 0], self._xy[:, 1]
            device[:, 0] = x * t.m11() + y * t.m21() + t.dx()
            device[:, 1] = x * t.m12() + y * t.m22() + t.dy()
            self._projected_for = key
        painter.save()
        try:
            painter.resetTransform()
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
            painter.setPen(self._pen)
            painter.drawLines(*self._lines.drawargs())
        finally:
            painter.restore()
