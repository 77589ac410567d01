"""One graphics item that draws every component's sigma ellipses, each over a white halo.

The canvas used to give each outline two ``PlotCurveItem`` (the ellipse and its halo):
at K = 8 and two sigma levels that is 32 items, each of which recomputes its data
bounds, its bounding rect and its path in Python on every frame. This item takes all
the outlines of a frame in one array (:meth:`EllipsesItem.set_ellipses`), finds its
bounding rect from their min and max, and paints them in one pass: the halos of every
outline first (opaque and not antialiased, so their order does not matter), in one
``drawLines`` call, then each outline with its own pen, component by component and level
by level, as the curves were stacked.

Most of the time of a frame is Qt's, not Python's: a 2 px antialiased outline under the
view's scaling transform goes through Qt's general stroker (~0.25 ms per 121-point
ellipse, measured). In device pixels, with the painter's transform reset, Qt's raster
engine draws each segment of a ``drawLines`` call directly, ~4x faster. So solid opaque
outlines are projected to pixels with numpy and drawn as their segments; the picture is
the same to the eye (only some edge pixels where two segments meet are a little
darker). Dashed outlines (flagged components: drawn as separate segments, a dash pattern
comes out nearly solid, seen in grabs), outlines far outside the view (the direct path
works in 16.16 fixed point) and vector output (SVG, PDF) keep the exact path in data
units.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.functions import create_qpolygonf, ndarray_from_qpolygonf
from pyqtgraph.Qt import QtCore, QtGui
from pyqtgraph.Qt import internals as _qt_internals

from gmm_viz.gui.views.pixel_padded import PixelPaddedItem

#: Width in pixels of the white halo under every outline. The halo keeps an outline
#: readable over points of its own colour; it is opaque and not antialiased because a
#: translucent antialiased 4 px halo costs ~5x more to draw (measured).
HALO_WIDTH = 4
# Pixels around the outlines that a paint may touch: half the halo, the ellipse pen's
# antialiased edge, and a pixel for rounding.
_PAD_PX = HALO_WIDTH / 2 + 2
# Outlines whose device coordinates stay within this many pixels of the origin are drawn
# as device-space segments; Qt's direct line rasteriser works in 16.16 fixed point.
_DEVICE_LIMIT_PX = 16_000.0


class EllipsesItem(PixelPaddedItem):
    """The outlines of all components at all sigma levels, with their halos.

    Call :meth:`set_ellipses` once per frame. The item has no ``dataBounds``: it never
    takes part in the view's auto-range (the model must not move the view).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._outlines = np.full((0, 0, 0, 2), np.nan)
        self._pens: list[list] = []
        self._drawn = np.zeros((0, 0), dtype=bool)
        self._halo_pen = pg.mkPen(255, 255, 255, width=HALO_WIDTH)
        self._drawing = None  # _Drawing of the outlines set, built at the first paint
        self._projected_for = None  # painter transform the device segments are for

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
        self._drawing = None
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

    def _pad_px(self) -> float:
        return _PAD_PX

    # ---------------------------------------------------------------------------- paint
    def paint(self, painter, option, widget=None):
        if self._ranges is None:
            return
        if self._drawing is None:
            self._drawing = _Drawing(self._outlines, self._drawn, self._pens)
            self._projected_for = None
        drawing = self._drawing
        transform = painter.transform()
        key = (transform.m11(), transform.m12(), transform.m21(), transform.m22(),
               transform.dx(), transform.dy(), _is_vector_device(painter))
        if self._projected_for != key:
            drawing.project(transform, device=not key[-1])
            self._projected_for = key
        painter.save()
        try:
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
            painter.setPen(self._halo_pen)
            if len(drawing.halo_data):
                painter.drawLines(*drawing.halo_data.drawargs())
            painter.resetTransform()
            if len(drawing.halo_device):
                painter.drawLines(*drawing.halo_device.drawargs())
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
            for i, pen in enumerate(drawing.pens):
                painter.setPen(pen)
                if drawing.on_device[i]:
                    painter.resetTransform()
                    painter.drawLines(*drawing.device_lines[i].drawargs())
                else:
                    painter.setTransform(transform)
                    painter.drawPath(drawing.path(i))
        finally:
            painter.restore()


class _Drawing:
    """The primitives that paint one frame's outlines, and the choice of how for each.

    Parameters
    ----------
    outlines : ndarray of shape (n_components, n_levels, n_points, 2)
    drawn : ndarray of shape (n_components, n_levels), bool
    pens : nested list of QPen or None, (n_components, n_levels)
    """

    def __init__(self, outlines, drawn, pens):
        components, levels = np.nonzero(drawn)  # row-major: component, then level
        self.xy = outlines[components, levels]  # (m, n_points, 2)
        self.pens = [pens[c][n] for c, n in zip(components, levels)]
        # Qt's direct segments lose a dash pattern, and each is blended on its own: a
        # translucent pen would show darker joints.
        self.solid = np.array([pen.style() == QtCore.Qt.PenStyle.SolidLine
                               and pen.color().alpha() == 255 for pen in self.pens],
                              dtype=bool)
        self.on_device = np.zeros(len(self.xy), dtype=bool)
        self.halo_data = _qt_internals.PrimitiveArray(QtCore.QLineF, 4)
        self.halo_device = _qt_internals.PrimitiveArray(QtCore.QLineF, 4)
        self.device_lines = [_qt_internals.PrimitiveArray(QtCore.QLineF, 4) for _ in self.xy]
        self._paths = [None] * len(self.xy)

    def project(self, transform, device: bool):
        """Fill the segments for ``transform``; ``device=False`` keeps every outline in
        data units (exact paths, e.g. for an SVG file)."""
        xy = self.xy
        t = transform
        pixels = np.empty_like(xy)
        pixels[..., 0] = xy[..., 0] * t.m11() + xy[..., 1] * t.m21() + t.dx()
        pixels[..., 1] = xy[..., 0] * t.m12() + xy[..., 1] * t.m22() + t.dy()
        near = (np.abs(pixels) < _DEVICE_LIMIT_PX).all(axis=(1, 2))
        if not device:
            near[:] = False
        self.on_device = near & self.solid
        # In pixels, an outline needs only as many segments as keep it round to the eye.
        strides = _strides(pixels, xy.shape[1])
        _fill_segments(self.halo_device, [pixels[i, ::strides[i]] for i in np.flatnonzero(near)])
        _fill_segments(self.halo_data, xy[~near])
        for i in np.flatnonzero(self.on_device):
            _fill_segments(self.device_lines[i], pixels[i:i + 1, ::strides[i]])

    def path(self, i: int) -> QtGui.QPainterPath:
        """The closed outline ``i`` in data units, as the curves drew it."""
        if self._paths[i] is None:
            polygon = create_qpolygonf(len(self.xy[i]))
            ndarray_from_qpolygonf(polygon)[:] = self.xy[i]
            path = QtGui.QPainterPath()
            path.addPolygon(polygon)
            self._paths[i] = path
        return self._paths[i]


#: Largest gap between an outline drawn with fewer segments and the true ellipse, px.
_CHORD_TOLERANCE_PX = 0.25


def _strides(pixels: np.ndarray, n_points: int) -> np.ndarray:
    """Every how many outline points to draw a segment, per outline, in device pixels.

    Antialiased wide lines cost Qt per segment (measured: an ellipse of radius 80 px
    takes 0.074 ms in 120 segments, 0.040 in 48, 0.026 in 24), and a small ellipse needs
    few. The outlines are sampled at equal steps of the angle parameter ``t`` (points
    ``c + a cos t u + b sin t v``); a chord of a step ``dt`` is off the curve by at most
    ``a dt^2 / 8``, ``a`` the largest radius, so the step is the largest divisor of the
    ``n_points - 1`` steps (the outline stays closed) that keeps this under
    :data:`_CHORD_TOLERANCE_PX`.

    Parameters
    ----------
    pixels : ndarray of shape (m, n_points, 2)
        Outlines in device pixels (closed: the last point is the first).
    n_points : int

    Returns
    -------
    ndarray of shape (m,), int
    """
    steps = n_points - 1
    strides = np.ones(len(pixels), dtype=int)
    if steps < 2 or len(pixels) == 0:
        return strides
    centre = pixels[:, :-1].mean(axis=1, keepdims=True)
    radius = np.sqrt(((pixels - centre) ** 2).sum(axis=-1).max(axis=1))  # (m,)
    with np.errstate(divide="ignore", invalid="ignore"):
        largest_dt = np.sqrt(8.0 * _CHORD_TOLERANCE_PX / radius)
    largest = np.floor(np.nan_to_num(largest_dt, nan=0.0, posinf=steps)
                       * steps / (2.0 * np.pi))
    divisors = np.array([d for d in range(1, steps + 1) if steps % d == 0 and d <= steps // 8
                         ] or [1])  # at least 8 segments
    for i, most in enumerate(largest):
        fitting = divisors[divisors <= most]
        strides[i] = fitting[-1] if len(fitting) else 1
    return strides


def _fill_segments(lines, xy):
    """Put the consecutive segments of each outline of ``xy`` into ``lines`` (a
    PrimitiveArray of QLineF).

    Parameters
    ----------
    lines : PrimitiveArray of QLineF
    xy : ndarray of shape (m, n_points, 2), or a list of arrays of shape (n_i, 2)
        Outlines; each gives ``n_points - 1`` segments.
    """
    if isinstance(xy, np.ndarray):
        xy = list(xy)
    counts = [max(len(outline) - 1, 0) for outline in xy]
    lines.resize(sum(counts))
    if not sum(counts):
        return
    segments = lines.ndarray().reshape(-1, 4)
    start = 0
    for outline, count in zip(xy, counts):
        segments[start:start + count, 0:2] = outline[:-1]
        segments[start:start + count, 2:4] = outline[1:]
        start += count


def _is_vector_device(painter) -> bool:
    """True when painting into an SVG generator or a PDF."""
    engine = painter.paintEngine()
    return engine is not None and engine.type() in (
        QtGui.QPaintEngine.Type.SVG, QtGui.QPaintEngine.Type.Pdf,
    )


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


def _ranges(xy: np.ndarray):
    """``((xmin, xmax), (ymin, ymax))`` of finite points of shape (..., 2)."""
    flat = xy.reshape(-1, 2)
    lo, hi = flat.min(axis=0), flat.max(axis=0)
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))
