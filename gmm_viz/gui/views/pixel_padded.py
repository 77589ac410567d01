"""Items whose bounds are their data's extent grown by a padding in pixels."""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.Qt import QtCore, QtWidgets


class PixelPaddedItem(pg.GraphicsObject):
    """A pyqtgraph item bounded by ``self._ranges`` grown by :meth:`_pad_px` pixels.

    Subclasses set ``self._ranges`` (``((xmin, xmax), (ymin, ymax))`` in data units, or
    None) and reset ``self._bounding`` to None when their data change.
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ranges = None
        self._bounding = None

    def _pad_px(self) -> float:
        """How many pixels the paint may reach beyond the data (half a pen, a halo)."""
        raise NotImplementedError

    def boundingRect(self):
        if self._bounding is None:
            self._bounding = padded_rect(self, self._ranges, self._pad_px())
        return self._bounding

    def viewTransformChanged(self):
        # The padding is in pixels, so its size in data units follows the zoom.
        super().viewTransformChanged()
        self.prepareGeometryChange()
        self._bounding = None


def padded_rect(item: QtWidgets.QGraphicsItem, ranges, pad_px: float) -> QtCore.QRectF:
    """The rectangle of ``ranges`` grown by ``pad_px`` pixels of ``item``'s view.

    A bounding rect must hold every pixel a paint touches, or Qt leaves a pen's edge
    behind when it repaints only what changed; the pen's width is in pixels, so its size
    in data units follows the zoom.

    Parameters
    ----------
    item : QGraphicsItem
        A pyqtgraph item (for ``pixelVectors``).
    ranges : ((xmin, xmax), (ymin, ymax)) or None
        In ``item``'s units; None gives an empty rectangle.
    pad_px : float
    """
    if ranges is None:
        return QtCore.QRectF()
    (x0, x1), (y0, y1) = ranges
    px, py = item.pixelVectors()
    dx = 0.0 if px is None else pad_px * (abs(px.x()) + abs(px.y()))
    dy = 0.0 if py is None else pad_px * (abs(py.x()) + abs(py.y()))
    return QtCore.QRectF(x0 - dx, y0 - dy, (x1 - x0) + 2 * dx, (y1 - y0) + 2 * dy)
