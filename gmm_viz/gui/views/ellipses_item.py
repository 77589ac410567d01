"""One graphics item that draws every component's sigma ellipses, each over a white halo.

The canvas used to give each outline two ``PlotCurveItem`` (the ellipse and its halo):
at K = 8 and two sigma levels that is 32 items, each of which recomputes its data
bounds, its bounding rect and its path in Python on every frame (~10 ms per frame at
2,000 points, measured; see ``gmm_viz.bench.drawing --run-frames``). This item takes all
the outlines of a frame in one array (:meth:`EllipsesItem.set_ellipses`), finds its
bounding rect from their min and max, and paints them in one pass: the halos of every
outline first, in one ``drawLines`` call, then each outline with its own pen.

The pixels are the ones the curves drew: the same primitives under the same transform
(a halo is the outline's segments with an opaque 4 px pen without antialiasing, so
drawing all halos at once gives the same pixels as one at a time; an ellipse is one
antialiased ``drawPath`` of the closed outline, in component order, then level order).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.functions import create_qpolygonf, ndarray_from_qpolygonf
from pyqtgraph.Qt import QtCore, QtGui, QtWidgets
from pyqtgraph.Qt import internals as _qt_internals

#: Width in pixels of the white halo under every outline.
HALO_WIDTH = 4
# Pixels around the outlines that a paint may touch: half the halo, the ellipse pen's
# antialiased edge, and a pixel for rounding.
_PAD_PX = HALO_WIDTH / 2 + 2


class EllipsesItem(pg.GraphicsObject):
    """The outlines of all components at all sigma levels, with their halos.

    Call :meth:`set_ellipses` once per frame. The item has no ``dataBounds``: it never
    takes part in the view's auto-range (the model must not move the view).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._outlines = np.full((0, 0, 0, 2), np.nan)
        self._pens: list[list] = []
        self._drawn = np.zeros((0, 0), dtype=bool)
        self._ranges = None  # ((xmin, xmax), (ymin, ymax)) of the drawn outlines
        self._bounding = None
        self._halo_pen = pg.mkPen(255, 255, 255, width=HALO_WIDTH)
        self._halo_lines = _qt_internals.PrimitiveArray(QtCore.QLineF, 4)
        self._paths = None  # [(QPainterPath, QPen)] in drawing order, built at paint
        self._polygons: list = []  # a reusable QPolygonF per drawn outline

    # ----------------------------------------------------------------------------- data
    def set_ellipses(self, outlines: np.ndarray, pens) -> None:
        """Set the outlines of this frame.

        Parameters
        ----------
        outlines : ndarray of shape (n_components, n_levels, n_points, 2)
            Closed outlines in data units (e.g. from
            :func:`~gmm_viz.gui.views.canvas.ellipse_outlines`); not copied, not modified.
        pens : sequence of sequence of QPen or None, shape (n_components, n_levels)
            The pen of each outline, or None for an outline not drawn (a level that is
            off, a component whose outline is not finite). Pens are not copied: pass the
            same objects while the style stays (a cache), new ones when it changes.
        """
        outlines = np.asarray(outlines, dtype=np.float64)
        if outlines.ndim != 4 or outlines.shape[-1] != 2:
            raise ValueError("outlines must have shape (n_components, n_levels, n_points, 2);"
                             f" got {outlines.shape}.")
        k, levels = outlines.shape[:2]
        drawn = np.array([[pens[c][n] is not None for n in range(levels)] for c in range(k)],
                         dtype=bool).reshape(k, levels)
        if drawn.any():
            finite = np.isfinite(outlines).all(axis=(2, 3))
            drawn &= finite
        self.prepareGeometryChange()
        self._outlines = outlines
        self._pens = [list(row) for row in pens]
        self._drawn = drawn
        self._ranges = _ranges(outlines[drawn]) if drawn.any() else None
        self._bounding = None
        self._paths = None
        self.update()

    def outline(self, component: int, level_index: int) -> np.ndarray:
        """The outline last set for one component and level.

        Returns
        -------
        xy : ndarray of shape (n_points, 2)
            Empty (0, 2) when the frame had fewer components or levels.
        """
        k, levels = self._outlines.shape[:2]
        if component < k and level_index < levels:
            return self._outlines[component, level_index]
        return np.empty((0, 2))

    def pen(self, component: int, level_index: int):
        """The pen of one outline (None when it is not drawn or was never set)."""
        if component < len(self._pens) and level_index < len(self._pens[component]):
            return self._pens[component][level_index]
        return None

    def is_drawn(self, component: int, level_index: int) -> bool:
        """Whether one outline is painted (the item itself may still be hidden)."""
        k, levels = self._drawn.shape
        return bool(component < k and level_index < levels
                    and self._drawn[component, level_index])

    # --------------------------------------------------------------------------- bounds
    def boundingRect(self):
        if self._bounding is None:
            self._bounding = padded_rect(self, self._ranges, _PAD_PX)
        return self._bounding

    def viewTransformChanged(self):
        # The padding is in pixels, so its size in data units follows the zoom.
        super().viewTransformChanged()
        self.prepareGeometryChange()
        self._bounding = None

    # ---------------------------------------------------------------------------- paint
    def paint(self, painter, option, widget=None):
        if self._ranges is None:
            return
        if self._paths is None:
            self._build()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        painter.setPen(self._halo_pen)
        painter.drawLines(*self._halo_lines.drawargs())
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        for path, pen in self._paths:
            painter.setPen(pen)
            painter.drawPath(path)

    def _build(self):
        """The halo segments and the outline paths of the drawn outlines, from numpy."""
        components, levels = np.nonzero(self._drawn)  # row-major: component, then level
        xy = self._outlines[components, levels]  # (m, n_points, 2)
        m, n_points = xy.shape[:2]
        self._halo_lines.resize(m * (n_points - 1))
        segments = self._halo_lines.ndarray().reshape(m, n_points - 1, 4)
        segments[:, :, 0:2] = xy[:, :-1]
        segments[:, :, 2:4] = xy[:, 1:]
        while len(self._polygons) < m:
            self._polygons.append(create_qpolygonf(n_points))
        paths = []
        for i, (c, n) in enumerate(zip(components, levels)):
            polygon = self._polygons[i]
            if len(polygon) != n_points:
                polygon = self._polygons[i] = create_qpolygonf(n_points)
            ndarray_from_qpolygonf(polygon)[:] = xy[i]
            path = QtGui.QPainterPath()
            path.addPolygon(polygon)
            paths.append((path, self._pens[c][n]))
        self._paths = paths


class EllipseOutline:
    """A read-only view of one outline of an :class:`EllipsesItem`.

    Shaped like the ``PlotCurveItem`` each outline used to be (``isVisible``, ``getData``,
    ``opts["pen"]``), so that code reading the drawing, tests above all, keeps its meaning.
    """

    def __init__(self, item: EllipsesItem, component: int, level_index: int):
        self._item = item
        self._component = component
        self._level_index = level_index

    def isVisible(self) -> bool:
        """Whether this outline is on screen now."""
        return self._item.isVisible() and self._item.is_drawn(self._component,
                                                              self._level_index)

    def getData(self):
        """``(x, y)``, each an ndarray of shape (n_points,)."""
        xy = self._item.outline(self._component, self._level_index)
        return xy[:, 0], xy[:, 1]

    @property
    def opts(self) -> dict:
        """``{"pen": QPen or None}``."""
        return {"pen": self._item.pen(self._component, self._level_index)}


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


def _ranges(xy: np.ndarray):
    """``((xmin, xmax), (ymin, ymax))`` of finite points of shape (..., 2)."""
    flat = xy.reshape(-1, 2)
    lo, hi = flat.min(axis=0), flat.max(axis=0)
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))
