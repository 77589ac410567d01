"""A graphics item that draws many points whose colours change every frame.

pyqtgraph's ``ScatterPlotItem`` with one brush per point does Python work per point and
takes ~235 ms per frame at 100k points (DESIGN.md, "Performance"). This item keeps the
per-frame work in numpy and hands Qt a few large primitives instead. It picks one of three
drawing paths from the number of points, because what looks good changes with the count:

``"sprites"`` (n <= 25,000)
    Antialiased discs with a darker outline, pre-rendered once per colour into an atlas
    pixmap and stamped with one ``QPainter.drawPixmapFragments`` call (~0.09 us per point,
    measured). Soft colours are quantised to 16 levels per channel (4096 atlas cells, built
    once in numpy), a step that is invisible on a point.
``"raster"`` (n > 25,000; the default for hard labels, soft colours and one colour)
    The points are written into an ARGB buffer the size of the view with numpy fancy
    indexing (last write wins; the alpha of a pixel grows with the number of points on it,
    ``1 - (1 - alpha)^count``, as Qt's blending would give) and drawn with one
    ``drawImage``. Hard labels are a lookup into a packed palette, soft colours are used
    as they are (exact, no quantisation: grouping thousands of distinct colours would mean
    thousands of ``drawPoints`` calls). Which point shows at each covered pixel depends
    on the view only, so it is found once per view and a frame whose colours change
    writes each covered pixel once, premultiplied (the format Qt draws as it is). The
    image is kept while the colours and the view stay the same: the scene repaints the
    points whenever the ellipses above them move. Measured per frame with the labels
    changing, 1000x800 px: 0.5 ms at 100k points (2x2 px), 1.4 ms at 1M (1 px), against
    1.9 and 6.5 ms when every stamp was written in turn; ~10 ms / ~35 ms when the view
    also moves every frame (the projection is then recomputed).
``"points"`` (hard labels or one colour, n > 25,000, with ``hard_method = "points"``)
    Points grouped by label (one counting pass per label, no Python per point), one
    ``drawPoints(QPolygonF)`` per colour with a 1 px pen; 2x2 px points are the same
    polygon drawn at 4 one-pixel offsets (a 2 px pen costs ~46 ms per 100k points in Qt's
    wide-pen path, 4 offsets ~9 ms). It meets the targets too (~8 ms at 100k, ~29 ms at
    1M) but is 4-7x slower than the raster, so it is kept as the reference path for the
    benchmark and for paint devices where a raster image is not wanted.

All paths project the points to device pixels with the painter's transform in numpy and
cache that projection (and the visibility mask) until the view changes, so a frame where
only the colours change costs one grouping or one scatter write.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from pyqtgraph.functions import create_qpolygonf, ndarray_from_qpolygonf
from pyqtgraph.Qt import QtCore, QtGui
from pyqtgraph.Qt import internals as _qt_internals

from gmm_viz.palette import UNASSIGNED

#: Largest number of points drawn as antialiased sprites.
SPRITE_LIMIT = 25_000
#: Up to this many visible points an SVG/PDF export draws one vector circle per point;
#: beyond, the raster path (embedded as an image) keeps the file reasonable.
VECTOR_LIMIT = 50_000

# (largest n, marker size in px, alpha). Points shrink and fade as they get denser so that
# overlaps show density and the ellipses drawn above stay readable.
_AUTO_STYLES = (
    (2_000, 8, 0.85),
    (8_000, 6, 0.80),
    (SPRITE_LIMIT, 4, 0.70),
    (250_000, 2, 0.55),
    (math.inf, 1, 0.40),
)

# Soft colours in the sprite path are quantised to this many levels per channel.
_LEVELS = 16
_LEVEL_STEP = 255 // (_LEVELS - 1)  # 17: level 15 is exactly 255


def auto_style(n_points: int) -> tuple[int, float]:
    """Return ``(size_px, alpha)`` used for ``n_points`` points when none is set."""
    for limit, size, alpha in _AUTO_STYLES:
        if n_points <= limit:
            return size, alpha
    raise AssertionError("unreachable")  # pragma: no cover


def _disc_coverage(cell: int, radius: float, samples: int = 4) -> np.ndarray:
    """Fraction of each pixel of a ``cell`` x ``cell`` square inside a centred disc.

    Returns
    -------
    coverage : ndarray of shape (cell, cell), float32 in [0, 1]
    """
    sub = (np.arange(cell * samples) + 0.5) / samples - cell / 2.0
    inside = (sub[:, None] ** 2 + sub[None, :] ** 2) <= radius * radius
    return inside.reshape(cell, samples, cell, samples).mean(axis=(1, 3)).astype(np.float32)


def sprite_atlas(colors: np.ndarray, size: int, alpha: float) -> tuple[QtGui.QPixmap, int, int]:
    """Render one antialiased disc per colour into a grid, in numpy.

    Parameters
    ----------
    colors : ndarray of shape (n_colors, 3), uint8
    size : int
        Disc diameter in pixels. Discs of 6 px or more get a darker 1 px outline, which
        keeps overlapping points of the same colour apart.
    alpha : float
        Opacity of the fill.

    Returns
    -------
    pixmap : QPixmap
        The atlas; cell ``i`` holds colour ``i``.
    cell : int
        Side of one cell in pixels.
    columns : int
        Cells per row (cell ``i`` is at column ``i % columns``, row ``i // columns``).
    """
    colors = np.asarray(colors, dtype=np.float32).reshape(-1, 3)
    n_colors = max(len(colors), 1)
    cell = size + 2
    outer = _disc_coverage(cell, size / 2.0)
    if size >= 6:
        inner = _disc_coverage(cell, size / 2.0 - 1.2)
        ring_alpha = min(1.0, alpha + 0.15)
    else:
        inner, ring_alpha = outer, 0.0
    ring = outer - inner
    fill_a = inner * alpha  # (cell, cell)
    ring_a = ring * ring_alpha
    dark = colors * 0.55
    # Premultiplied ARGB: colour channels already multiplied by their coverage * alpha.
    rgb = fill_a[None, :, :, None] * colors[:, None, None, :] + (
        ring_a[None, :, :, None] * dark[:, None, None, :]
    )
    a = np.broadcast_to((fill_a + ring_a)[None, :, :, None], rgb.shape[:3] + (1,)) * 255.0
    bgra = np.concatenate([rgb[..., ::-1], a], axis=-1)  # little-endian ARGB32 = B, G, R, A
    bgra = np.clip(bgra + 0.5, 0, 255).astype(np.uint8)

    columns = math.ceil(math.sqrt(n_colors))
    rows = math.ceil(n_colors / columns)
    grid = np.zeros((rows * columns, cell, cell, 4), dtype=np.uint8)
    grid[: len(bgra)] = bgra
    grid = grid.reshape(rows, columns, cell, cell, 4).transpose(0, 2, 1, 3, 4)
    grid = np.ascontiguousarray(grid.reshape(rows * cell, columns * cell, 4))
    image = QtGui.QImage(
        grid.data, columns * cell, rows * cell, columns * cell * 4,
        QtGui.QImage.Format.Format_ARGB32_Premultiplied,
    )
    return QtGui.QPixmap.fromImage(image.copy()), cell, columns


def quantised_palette() -> np.ndarray:
    """All colours of the soft-colour sprite atlas.

    Returns
    -------
    colors : ndarray of shape (4096, 3), uint8
        Row ``r * 256 + g * 16 + b`` is ``(r, g, b) * 17``.
    """
    levels = np.arange(_LEVELS, dtype=np.uint8) * _LEVEL_STEP
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    return np.stack([r.ravel(), g.ravel(), b.ravel()], axis=1)


def quantise_colors(colors: np.ndarray) -> np.ndarray:
    """Index of each colour in :func:`quantised_palette` (nearest level per channel).

    Parameters
    ----------
    colors : ndarray of shape (n_points, 3), uint8

    Returns
    -------
    keys : ndarray of shape (n_points,), intp
    """
    q = (colors.astype(np.uint16) + _LEVEL_STEP // 2) // _LEVEL_STEP
    return (q[:, 0].astype(np.intp) << 8) | (q[:, 1].astype(np.intp) << 4) | q[:, 2]


class PointsItem(pg.GraphicsObject):
    """Many 2-D points, coloured by hard labels, by per-point colours, or uniformly.

    Call :meth:`set_points` once per data set, then one of :meth:`set_labels`,
    :meth:`set_colors` or :meth:`set_uniform` every frame. The item only repaints; it
    never changes the view range (``dataBounds`` lets the ViewBox fit it on request).
    """

    def __init__(self, parent=None):
        super().__init__(parent)
        self._xy = np.empty((0, 2), dtype=np.float64)
        self._ranges = None  # ((xmin, xmax), (ymin, ymax)) of the finite points
        self._mode = "uniform"
        self._labels = None  # (N,) ints, hard mode
        self._palette = np.empty((0, 3), dtype=np.uint8)  # (K, 3), hard mode
        self._point_colors = None  # (N, 3) uint8, soft mode
        self._uniform = np.array(UNASSIGNED, dtype=np.uint8)
        self._size = None  # None: automatic from the number of points
        self._alpha = None
        self._bounding = None
        self._projection = None  # cached device-space projection, see _project
        self._groups = None  # cached label groups, see _grouped_polygons
        self._raster = None  # cached raster geometry, see _raster_geometry
        self._raster_image = None  # (what it shows, QImage) of the last raster, see there
        self._palette_table = None  # (colours bytes, premultiplied table), see there
        self._atlases = {}  # (colours bytes, size, alpha) -> (pixmap, cell, columns)
        self._fragments = _qt_internals.PrimitiveArray(QtGui.QPainter.PixmapFragment, 10)
        self._polygons = []  # reusable QPolygonF per label
        #: Path for hard labels and uniform colour beyond SPRITE_LIMIT: "raster" or "points".
        self.hard_method = "raster"
        #: Drawing path used by the last paint: "sprites", "points", "raster" or "".
        self.last_method = ""

    # ----------------------------------------------------------------------------- data
    def set_points(self, xy: np.ndarray) -> None:
        """Set the point coordinates (once per data set).

        Parameters
        ----------
        xy : ndarray of shape (n_points, 2)
            Coordinates in data units; copied. Non-finite points are not drawn.
        """
        xy = np.asarray(xy, dtype=np.float64)
        if xy.ndim != 2 or xy.shape[1] != 2:
            raise ValueError(f"xy must have shape (n_points, 2); got {xy.shape}.")
        self.prepareGeometryChange()
        self._xy = np.array(xy, dtype=np.float64, order="C", copy=True)
        finite = np.isfinite(self._xy).all(axis=1)
        if finite.any():
            good = self._xy[finite] if not finite.all() else self._xy
            lo, hi = good.min(axis=0), good.max(axis=0)
            self._ranges = ((float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1])))
        else:
            self._ranges = None
        self._labels = None
        self._point_colors = None
        self._mode = "uniform"
        self._invalidate_geometry()
        self.informViewBoundsChanged()
        self.update()

    def set_labels(self, labels: np.ndarray, colors: np.ndarray) -> None:
        """Colour each point by its hard label.

        Parameters
        ----------
        labels : ndarray of shape (n_points,), integer
            Component index per point; not copied (snapshot arrays are read-only).
        colors : ndarray of shape (n_components, 3), uint8
            Colour of each component; labels beyond it cycle through it.
        """
        labels = np.asarray(labels)
        if labels.shape != (len(self._xy),):
            raise ValueError(
                f"labels must have shape ({len(self._xy)},) to match the points; got "
                f"{labels.shape}."
            )
        colors = np.asarray(colors, dtype=np.uint8).reshape(-1, 3)
        if len(colors) == 0:
            self.set_uniform()
            return
        if (self._mode == "labels" and np.array_equal(labels, self._labels)
                and np.array_equal(colors, self._palette)):
            # The same colours as drawn (most frames once a run settles): repainting
            # every point would show the same picture.
            return
        self._mode = "labels"
        self._labels = labels
        self._palette = colors
        self._point_colors = None
        self.update()

    def set_colors(self, colors: np.ndarray) -> None:
        """Give every point its own colour (soft assignment).

        Parameters
        ----------
        colors : ndarray of shape (n_points, 3), uint8
            Not copied; the caller must not modify it afterwards.
        """
        colors = np.asarray(colors)
        if colors.shape != (len(self._xy), 3):
            raise ValueError(
                f"colors must have shape ({len(self._xy)}, 3) to match the points; got "
                f"{colors.shape}."
            )
        if self._mode == "colors" and np.array_equal(colors, self._point_colors):
            return  # the same colours as drawn (see set_labels)
        self._mode = "colors"
        self._point_colors = colors.astype(np.uint8, copy=False)
        self._labels = None
        self.update()

    def set_uniform(self, color=UNASSIGNED) -> None:
        """Draw every point in one colour (RGB tuple), e.g. before any assignment."""
        self._mode = "uniform"
        self._uniform = np.array(color, dtype=np.uint8).reshape(3)
        self._labels = None
        self._point_colors = None
        self.update()

    def set_point_size(self, size: int | None) -> None:
        """Marker size in pixels (1 to 12), or None to pick it from the number of points."""
        if size is not None and not 1 <= int(size) <= 12:
            raise ValueError(f"point size must be from 1 to 12 pixels or None; got {size}.")
        self.prepareGeometryChange()
        self._size = None if size is None else int(size)
        self._invalidate_geometry()
        self.update()

    def set_alpha(self, alpha: float | None) -> None:
        """Opacity of the points (0.05 to 1), or None to pick it from the number of points."""
        if alpha is not None and not 0.05 <= float(alpha) <= 1.0:
            raise ValueError(f"alpha must be from 0.05 to 1 or None; got {alpha}.")
        self._alpha = None if alpha is None else float(alpha)
        self._raster = None
        self.update()

    @property
    def n_points(self) -> int:
        return len(self._xy)

    def style(self) -> tuple[int, float]:
        """The ``(size_px, alpha)`` in use now."""
        size, alpha = auto_style(len(self._xy))
        return (self._size or size, self._alpha if self._alpha is not None else alpha)

    # ------------------------------------------------------------------ bounds (ViewBox)
    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        """Range of the data along ``ax`` (0: x, 1: y), for the ViewBox's auto-range."""
        if self._ranges is None:
            return None
        if frac >= 1.0:
            return self._ranges[ax]
        column = self._xy[:, ax]
        column = column[np.isfinite(column)]
        edge = 50.0 * (1.0 - frac)
        return tuple(float(v) for v in np.percentile(column, [edge, 100.0 - edge]))

    def pixelPadding(self):
        return self.style()[0] / 2.0 + 1.0

    def boundingRect(self):
        if self._bounding is None:
            if self._ranges is None:
                self._bounding = QtCore.QRectF()
            else:
                (x0, x1), (y0, y1) = self._ranges
                # Pad by the marker radius in data units so that Qt repaints whole markers.
                px, py = self.pixelVectors()
                pad = self.pixelPadding()
                dx = 0.0 if px is None else abs(px.x()) + abs(px.y())
                dy = 0.0 if py is None else abs(py.x()) + abs(py.y())
                self._bounding = QtCore.QRectF(
                    x0 - pad * dx, y0 - pad * dy, (x1 - x0) + 2 * pad * dx, (y1 - y0) + 2 * pad * dy
                )
        return self._bounding

    def viewTransformChanged(self):
        # The pixel padding of the bounding rect is in data units, so it follows the zoom.
        super().viewTransformChanged()  # drops pyqtgraph's cached viewRect()
        self.prepareGeometryChange()
        self._bounding = None

    def _invalidate_geometry(self):
        self._bounding = None
        self._projection = None
        self._groups = None
        self._raster = None
        self._raster_image = None

    # ---------------------------------------------------------------------------- paint
    def paint(self, painter, option, widget=None):
        self.last_method = ""
        if len(self._xy) == 0:
            return
        projection = self._project(painter)
        if projection is None:
            return
        size, alpha = self.style()
        painter.save()
        painter.resetTransform()
        try:
            if _is_vector_device(painter) and len(projection["xy"]) <= VECTOR_LIMIT:
                self._paint_vector(painter, projection, size, alpha)
            elif len(self._xy) <= SPRITE_LIMIT and size > 2:
                self._paint_sprites(painter, projection, size, alpha)
            elif self._mode == "colors" or self.hard_method == "raster":
                self._paint_raster(painter, projection, size, alpha)
            else:
                self._paint_points(painter, projection, size, alpha)
        finally:
            painter.restore()

    def _project(self, painter):
        """Device-pixel coordinates of the visible points, cached per view transform.

        Returns a dict with ``xy`` (n_visible, 2) device coordinates, ``index`` (indices of
        the visible points, or None when all are visible) and ``rect`` (the visible device
        rectangle as integers x0, y0, width, height), or None when nothing is visible.
        """
        t = painter.transform()
        view = self.viewRect()
        if view is None:
            view = self.boundingRect()
        device_rect = t.mapRect(view)
        key = (
            t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy(),
            device_rect.x(), device_rect.y(), device_rect.width(), device_rect.height(),
        )
        if self._projection is not None and self._projection["key"] == key:
            return self._projection
        x0 = math.floor(device_rect.left())
        y0 = math.floor(device_rect.top())
        width = max(math.ceil(device_rect.right()) - x0, 0)
        height = max(math.ceil(device_rect.bottom()) - y0, 0)
        if width == 0 or height == 0 or width * height > 64_000_000:
            return None
        x, y = self._xy[:, 0], self._xy[:, 1]
        xy = np.empty_like(self._xy)
        np.multiply(x, t.m11(), out=xy[:, 0])
        xy[:, 0] += y * t.m21()
        xy[:, 0] += t.dx()
        np.multiply(x, t.m12(), out=xy[:, 1])
        xy[:, 1] += y * t.m22()
        xy[:, 1] += t.dy()
        # Cull points outside the view (a few pixels of margin for the markers). This also
        # drops non-finite points and keeps huge zoomed coordinates away from Qt.
        margin = 8.0
        visible = (
            (xy[:, 0] >= x0 - margin) & (xy[:, 0] <= x0 + width + margin)
            & (xy[:, 1] >= y0 - margin) & (xy[:, 1] <= y0 + height + margin)
        )
        index = None
        if not visible.all():
            index = np.flatnonzero(visible)
            xy = xy[index]
        self._projection = {"key": key, "xy": xy, "index": index, "rect": (x0, y0, width, height)}
        self._groups = None
        self._raster = None
        return self._projection

    def _visible(self, values, projection):
        index = projection["index"]
        return values if index is None else values[index]

    # -- vector (SVG export)
    def _paint_vector(self, painter, projection, size, alpha):
        """One circle per point, grouped by colour: what an SVG file can hold.

        The fast paths draw pixmap fragments or a raster, which an SVG generator cannot
        express (or embeds as an image); exports are rare, so per-point circles are fine.
        """
        xy = projection["xy"]
        if self._mode == "labels":
            rgb = self._palette[self._visible(self._labels, projection) % len(self._palette)]
        elif self._mode == "colors":
            rgb = self._visible(self._point_colors, projection)
        else:
            rgb = np.broadcast_to(self._uniform, (len(xy), 3))
        packed = _pack_rgb(np.ascontiguousarray(rgb))
        radius = max(size / 2.0, 0.5)
        outline = QtGui.QPen(QtGui.QColor(40, 40, 40, int(255 * alpha)))
        outline.setWidthF(0.5)
        painter.setPen(outline if size > 2 else QtCore.Qt.PenStyle.NoPen)
        for value in np.unique(packed):
            r, g, b = (int(value) >> 16) & 255, (int(value) >> 8) & 255, int(value) & 255
            painter.setBrush(QtGui.QColor(r, g, b, int(255 * alpha)))
            for x, y in xy[packed == value]:
                painter.drawEllipse(QtCore.QPointF(x, y), radius, radius)
        self.last_method = "vector"

    # -- sprites
    def _atlas(self, colors, size, alpha):
        key = (colors.tobytes(), size, round(alpha, 3))
        atlas = self._atlases.get(key)
        if atlas is None:
            if len(self._atlases) > 32:  # palettes change rarely; keep the cache small
                self._atlases.clear()
            atlas = self._atlases[key] = sprite_atlas(colors, size, alpha)
        return atlas

    def _paint_sprites(self, painter, projection, size, alpha):
        if self._mode == "labels":
            colors = self._palette
            slots = self._visible(self._labels, projection) % len(colors)
        elif self._mode == "colors":
            colors = _QUANTISED
            slots = quantise_colors(self._visible(self._point_colors, projection))
        else:
            colors = self._uniform[None, :]
            slots = None
        pixmap, cell, columns = self._atlas(colors, size, alpha)
        xy = projection["xy"]
        n = len(xy)
        if n == 0:
            return
        self._fragments.resize(n)
        frags = self._fragments.ndarray()
        # Snap the cell's top-left corner to whole pixels so discs are not resampled.
        half = cell / 2.0
        np.floor(xy - (half - 0.5), out=frags[:, 0:2])
        frags[:, 0:2] += half
        if slots is None:
            frags[:, 2:4] = 0.0
        else:
            frags[:, 2] = (slots % columns) * cell
            frags[:, 3] = (slots // columns) * cell
        frags[:, 4:6] = cell
        frags[:, 6:10] = (1.0, 1.0, 0.0, 1.0)
        painter.drawPixmapFragments(*self._fragments.drawargs(), pixmap)
        self.last_method = "sprites"

    # -- points
    def _grouped_polygons(self, projection):
        """One QPolygonF of device points per label, rebuilt only when labels change."""
        if self._mode == "labels":
            labels, k = self._labels, len(self._palette)
        else:
            labels, k = None, 1
        cached = self._groups
        if (
            cached is not None and cached["k"] == k
            and (cached["labels"] is labels
                 or (labels is not None and cached["labels"] is not None
                     and np.array_equal(cached["labels"], labels)))
        ):
            return cached["polygons"]
        xy = projection["xy"]
        while len(self._polygons) < k:
            self._polygons.append(QtGui.QPolygonF())
        polygons = []
        if labels is None:
            groups = [None]
        else:
            visible_labels = self._visible(labels, projection)
            if visible_labels.max(initial=0) >= k or visible_labels.min(initial=0) < 0:
                visible_labels = visible_labels % k
            groups = [np.flatnonzero(visible_labels == i) for i in range(k)]
        for i, members in enumerate(groups):
            count = len(xy) if members is None else len(members)
            polygon = self._polygons[i]
            if len(polygon) != count:
                polygon = self._polygons[i] = create_qpolygonf(count)
            if count:
                buffer = ndarray_from_qpolygonf(polygon)
                if members is None:
                    buffer[:] = xy
                else:
                    np.take(xy, members, axis=0, out=buffer)
            polygons.append(polygon)
        self._groups = {"labels": labels, "k": k, "polygons": polygons}
        return polygons

    def _paint_points(self, painter, projection, size, alpha):
        polygons = self._grouped_polygons(projection)
        colors = self._palette if self._mode == "labels" else self._uniform[None, :]
        offsets = _pixel_offsets(size)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        for polygon, color in zip(polygons, colors):
            if len(polygon) == 0:
                continue
            pen = QtGui.QPen(QtGui.QColor(int(color[0]), int(color[1]), int(color[2]),
                                          round(alpha * 255)))
            pen.setWidth(1)
            pen.setCosmetic(True)
            painter.setPen(pen)
            for dx, dy in offsets:
                painter.translate(dx, dy)
                painter.drawPoints(polygon)
                painter.translate(-dx, -dy)
        self.last_method = "points"

    # -- raster
    def _raster_geometry(self, projection, size, alpha):
        """Covered pixels, the point each shows and its alpha, cached per view (they depend
        on positions only), and the buffer they are written into."""
        key = (size, round(alpha, 3))
        if self._raster is not None and self._raster["key"] == key:
            return self._raster
        x0, y0, width, height = projection["rect"]
        stride = width + size  # padding so that stamp offsets never leave the buffer
        rows = height + size
        ix = np.floor(projection["xy"][:, 0] - x0).astype(np.intp)
        iy = np.floor(projection["xy"][:, 1] - y0).astype(np.intp)
        inside = (ix >= 0) & (ix < width) & (iy >= 0) & (iy < height)
        inside_index = None if inside.all() else np.flatnonzero(inside)
        if inside_index is not None:
            ix, iy = ix[inside_index], iy[inside_index]
        flat = iy * stride + ix
        offsets = [dy * stride + dx for dx, dy in _pixel_offsets(size)]
        # Alpha of a pixel covered by c points: 1 - (1 - alpha)^c, as Qt's blending gives.
        counts = np.bincount(flat, minlength=rows * stride).reshape(rows, stride)
        if size > 1:
            counts = _box_sum(counts, size)
        lut = np.round(255.0 * (1.0 - (1.0 - alpha) ** np.arange(256.0))).astype(np.uint32)
        alpha32 = lut[np.minimum(counts.ravel(), 255)] << np.uint32(24)
        # Last write wins, as when every stamp is written in turn: each covered pixel shows
        # the last point of the last stamp offset over it. Those owners depend on the view
        # only, so a frame whose colours change writes each covered pixel once (a dense
        # view has far fewer of them than points times stamp pixels).
        owner = np.full(rows * stride, -1, dtype=np.intp)
        order = np.arange(len(flat))
        for offset in offsets:
            owner[flat + offset if offset else flat] = order
        pixels = np.flatnonzero(owner >= 0)
        source = owner[pixels]  # among the points inside the view
        if inside_index is not None:
            source = inside_index[source]
        if projection["index"] is not None:
            source = projection["index"][source]  # among all the item's points
        self._raster = {
            "key": key, "pixels": pixels, "source": source,
            "level": (alpha32[pixels] >> np.uint32(24)).astype(np.uint8),
            "buffer": np.zeros(rows * stride, dtype=np.uint32),
            "shape": (rows, stride), "origin": (x0, y0),
        }
        return self._raster

    def _paint_raster(self, painter, projection, size, alpha):
        geometry = self._raster_geometry(projection, size, alpha)
        # The scene repaints this item whenever anything above it moves (the ellipses,
        # every frame of a run); while the colours stay the same the raster is the same
        # picture. Its inputs are compared by identity: set_labels/set_colors keep the
        # arrays drawn when the new ones are equal, and the key holds them, so no id is
        # reused.
        shows = (self._mode, geometry, self._labels, self._palette, self._point_colors,
                 self._uniform)
        cached = self._raster_image
        if cached is None or any(a is not b for a, b in zip(cached[0], shows)):
            cached = self._raster_image = (shows, self._build_raster(geometry))
        x0, y0 = geometry["origin"]
        painter.drawImage(QtCore.QPointF(x0, y0), cached[1])
        self.last_method = "raster"

    def _build_raster(self, geometry) -> QtGui.QImage:
        """The points written into the view-sized buffer, as a premultiplied image (the
        format Qt draws without converting it first)."""
        source, level = geometry["source"], geometry["level"]
        if self._mode == "colors":
            values = _premultiplied(self._point_colors[source], level)
        elif self._mode == "labels":
            table = self._premultiplied_palette(self._palette)
            labels = self._labels[source].astype(np.intp)
            if self._labels.dtype != np.uint8 or len(table) != 256:
                labels %= len(self._palette)  # labels beyond the palette cycle through it
            labels *= 256
            labels += level
            values = table.ravel()[labels]
        else:
            values = self._premultiplied_palette(self._uniform[None, :])[0][level]
        buffer = geometry["buffer"]  # pixels no point covers stay 0: transparent
        buffer[geometry["pixels"]] = values
        rows, stride = geometry["shape"]
        # The image wraps the buffer (the cache keeps the geometry, and so the buffer, alive).
        return QtGui.QImage(buffer.data, stride, rows, stride * 4,
                            QtGui.QImage.Format.Format_ARGB32_Premultiplied)

    def _premultiplied_palette(self, colors: np.ndarray) -> np.ndarray:
        """``(n_colours, 256)`` uint32: each colour premultiplied by each alpha level.

        The engine's uint8 labels index 256 rows directly (the palette cycled), which
        needs no modulo per point.
        """
        key = colors.tobytes()
        if self._palette_table is None or self._palette_table[0] != key:
            rows = colors[np.arange(256) % len(colors)] if len(colors) > 1 else colors
            levels = np.arange(256, dtype=np.intp)
            table = _premultiplied(np.repeat(rows, 256, axis=0), np.tile(levels, len(rows)))
            self._palette_table = (key, table.reshape(len(rows), 256))
        return self._palette_table[1]


def _premultiplied(rgb: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Pack ``(n, 3)`` uint8 colours with alphas ``level`` (n,) into premultiplied ARGB32.

    Returns
    -------
    ndarray of shape (n,), uint32
        ``a << 24 | r*a/255 << 16 | g*a/255 << 8 | b*a/255``, each quotient computed as
        Qt's ``qPremultiply`` computes it (within 1 of exact rounding; no division, and
        every step fits in uint16).
    """
    a = level.astype(np.uint16)
    out = a.astype(np.uint32) << np.uint32(24)
    for channel, shift in ((0, 16), (1, 8), (2, 0)):
        x = rgb[:, channel].astype(np.uint16)
        x *= a
        x += (x >> np.uint16(8)) + np.uint16(0x80)
        x >>= np.uint16(8)
        out |= x.astype(np.uint32) << np.uint32(shift)
    return out


def _is_vector_device(painter) -> bool:
    """True when painting into an SVG generator (or another vector device)."""
    engine = painter.paintEngine()
    return engine is not None and engine.type() in (
        QtGui.QPaintEngine.Type.SVG, QtGui.QPaintEngine.Type.Pdf,
    )


def _pack_rgb(colors: np.ndarray) -> np.ndarray:
    """Pack ``(n, 3)`` uint8 RGB into ``(n,)`` uint32 ``0x00RRGGBB``."""
    rgb = colors[:, 0].astype(np.uint32) << np.uint32(16)
    rgb |= colors[:, 1].astype(np.uint32) << np.uint32(8)
    rgb |= colors[:, 2]
    return rgb


def _pixel_offsets(size: int) -> list[tuple[int, int]]:
    """Pixel offsets that make a ``size`` x ``size`` square out of 1 px points."""
    return [(dx, dy) for dy in range(size) for dx in range(size)]


def _box_sum(counts: np.ndarray, size: int) -> np.ndarray:
    """Sum of ``counts`` over the ``size`` x ``size`` box ending at each pixel."""
    out = counts.copy()
    for shift in range(1, size):
        out[:, shift:] += counts[:, :-shift]
    rows = out.copy()
    for shift in range(1, size):
        out[shift:, :] += rows[:-shift, :]
    return out


_QUANTISED = quantised_palette()
