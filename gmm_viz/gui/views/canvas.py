"""The main drawing: data points, the Gaussians as ellipses, their means and the density.

:class:`MixtureCanvas` is a dumb view. It is given the data once (:meth:`set_points`) and
then one :class:`~gmm_viz.engine.snapshot.Snapshot` per displayed frame
(:meth:`show_snapshot`). Every graphics item is created once and afterwards only gets
its data: the ellipses of all components are one item
(:class:`~gmm_viz.gui.views.ellipses_item.EllipsesItem`), the density contours another
(:class:`~gmm_viz.gui.views.segments_item.SegmentsItem`); the labels of components beyond
the current ``k`` are hidden, not deleted.
The view range is never changed by a frame, only by :meth:`fit_view`, by new data or new
axes, or by the user's zoom and pan.

Data with more than two features is shown on two of them (:meth:`set_axes`); the canvas
takes the marginal of the mixture on those two features itself (the marginal of a Gaussian
mixture is the mixture of the marginals: the means' and covariances' sub-blocks).

Performance (``python -m gmm_viz.bench.drawing --run-frames``: frames of a real run,
K = 8, offscreen at 1366x768, ``show_snapshot`` + ``grab()``, medians): ~5-6 ms per frame
at 2,000 points with the 1 and 2 sigma ellipses, ~6-7 ms with 3, ~8 ms at 100,000
points; density contours add ~3 ms and the density image ~2 ms. Most of a frame is Qt
rasterising the antialiased outlines and the points; ``show_snapshot`` itself is ~1.3
ms. The density grid (120 x 120, 8 components) and its 5 contour levels are ~1.5 ms of
numpy, so they are computed here on the GUI thread; :func:`mixture_density_grid` is
pure and could move to the worker if needed.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore, QtGui

from gmm_viz.gui.views.disc_markers import DiscMarkers
from gmm_viz.gui.views.ellipses_item import EllipseOutline, EllipsesItem
from gmm_viz.gui.views.emptiness import empty_components
from gmm_viz.gui.views.plot_style import style_plot
from gmm_viz.gui.views.points_item import PointsItem
from gmm_viz.gui.views.segments_item import SegmentsItem
from gmm_viz.gui.views.visible_change import moves_visibly
from gmm_viz.palette import (
    BACKGROUND,
    FOREGROUND,
    FOREGROUND_HEX,
    UNASSIGNED,
    component_colors,
)

#: Sigma levels the canvas can draw.
SIGMA_LEVELS = (1, 2, 3)
#: Density display modes.
DENSITY_MODES = ("off", "contours", "image")
#: Font size of the first-look hint, in points.
HINT_POINT_SIZE = 11.0
#: Grid resolution of the density display.
DENSITY_GRID = 120
#: Mass fractions enclosed by the density contours (highest-density regions).
CONTOUR_MASS = (0.25, 0.5, 0.75, 0.9, 0.97)

_ELLIPSE_POINTS = 121  # per ellipse, closed; smooth at any zoom that keeps it on screen
# Ellipses are a darker shade of the component colour, so they stay visible over a dense
# cloud of their own points (at 100k points the cloud is solid colour). Outer sigma levels
# are lighter (mixed with white), not translucent: translucent antialiased 2 px lines cost
# ~2x more to draw (measured).
_ELLIPSE_SHADE = 0.68
_LEVEL_WHITE = {1: 0.0, 2: 0.22, 3: 0.4}
_RESET_COLOR = (230, 25, 75)
_CONTOUR_COLOR = (40, 55, 90)
_LEGEND_GREY = (60, 60, 60)  # the sigma legend's sample lines: shaded as the outlines are  # a warm red that stands out from every palette entry


# ------------------------------------------------------------------------ pure geometry
def marginal(means: np.ndarray, covariances: np.ndarray, i: int, j: int):
    """The mixture's parameters on features ``i`` and ``j``.

    Parameters
    ----------
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray of shape (n_components, n_features, n_features)
    i, j : int
        Feature indices for the x and y axes.

    Returns
    -------
    means2 : ndarray of shape (n_components, 2)
    covariances2 : ndarray of shape (n_components, 2, 2)
    """
    idx = np.array([i, j])
    return means[:, idx], covariances[:, idx[:, None], idx[None, :]]


def ellipse_outlines(
    means: np.ndarray, covariances: np.ndarray, levels, n_points: int = _ELLIPSE_POINTS
) -> np.ndarray:
    """Closed outlines of the ``levels``-sigma ellipses of 2-D Gaussians, vectorised.

    The ``s``-sigma ellipse is ``{mean + s * V sqrt(L) u : |u| = 1}`` where
    ``covariance = V L V^T`` is the eigen-decomposition; its semi-axes are ``s`` times the
    square roots of the eigenvalues, along the eigenvectors.

    Parameters
    ----------
    means : ndarray of shape (n_components, 2)
    covariances : ndarray of shape (n_components, 2, 2)
    levels : sequence of float, length n_levels
    n_points : int
        Points per outline; the last equals the first.

    Returns
    -------
    outlines : ndarray of shape (n_components, n_levels, n_points, 2)
        NaN for components whose covariance is not finite.
    """
    means = np.asarray(means, dtype=np.float64)
    covariances = np.asarray(covariances, dtype=np.float64)
    levels = np.asarray(levels, dtype=np.float64)
    k = len(means)
    out = np.full((k, len(levels), n_points, 2), np.nan)
    finite = np.isfinite(covariances).all(axis=(1, 2)) & np.isfinite(means).all(axis=1)
    if not finite.any():
        return out
    sym = 0.5 * (covariances[finite] + covariances[finite].transpose(0, 2, 1))
    values, vectors = np.linalg.eigh(sym)  # (k', 2), (k', 2, 2): columns are eigenvectors
    axes = vectors * np.sqrt(np.clip(values, 0.0, None))[:, None, :]
    theta = np.linspace(0.0, 2.0 * np.pi, n_points)
    circle = np.stack([np.cos(theta), np.sin(theta)], axis=1)  # (n_points, 2)
    # unit[k, m] = axes[k] @ circle[m]; matmul, not einsum: ~20x faster at this size.
    unit = circle @ axes.transpose(0, 2, 1)  # (k', n_points, 2)
    out[finite] = means[finite][:, None, None, :] + levels[None, :, None, None] * unit[:, None]
    return out


def mixture_density_grid(weights, means, covariances, xs, ys) -> np.ndarray:
    """Density of a 2-D Gaussian mixture on a grid, vectorised over components and cells.

    Safe to call from a worker thread (pure numpy).

    Parameters
    ----------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, 2)
    covariances : ndarray of shape (n_components, 2, 2)
    xs : ndarray of shape (nx,)
    ys : ndarray of shape (ny,)

    Returns
    -------
    density : ndarray of shape (nx, ny)
        ``density[a, b] = p(xs[a], ys[b])``; components with a non-positive or
        non-finite determinant are left out.
    """
    weights = np.asarray(weights, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    cov = np.asarray(covariances, dtype=np.float64)
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    a, b, d = cov[:, 0, 0], 0.5 * (cov[:, 0, 1] + cov[:, 1, 0]), cov[:, 1, 1]
    det = a * d - b * b
    ok = (det > 0) & np.isfinite(det) & np.isfinite(means).all(axis=1) & np.isfinite(weights)
    density = np.zeros((len(xs), len(ys)))
    if not ok.any():
        return density
    a, b, d, det, w, mu = a[ok], b[ok], d[ok], det[ok], weights[ok], means[ok]
    dx = xs[None, :, None] - mu[:, 0, None, None]  # (k, nx, 1)
    dy = ys[None, None, :] - mu[:, 1, None, None]  # (k, 1, ny)
    # The exponent -maha / 2 in three terms: only the cross term is of shape (k, nx, ny),
    # and it is then updated in place (3x faster than a (k, nx, ny) temporary per
    # operation, measured at 120 x 120 and k = 8).
    half = (-0.5 / det)[:, None, None]
    exponent = (-2.0 * b[:, None, None] * half * dx) * dy
    exponent += half * d[:, None, None] * dx * dx
    exponent += half * a[:, None, None] * dy * dy
    np.maximum(exponent, -700.0, out=exponent)  # exp(-700) underflows to ~0 quickly, not slowly
    np.exp(exponent, out=exponent)
    norm = w / (2.0 * np.pi * np.sqrt(det))
    return np.einsum("k,kxy->xy", norm, exponent)


def density_levels(density: np.ndarray, mass=CONTOUR_MASS) -> np.ndarray:
    """Density values whose super-level sets hold the given fractions of the grid's mass.

    A contour at ``density_levels(g, [0.5])`` encloses the densest cells that together
    hold half of the probability mass visible on the grid (a highest-density region), which
    reads better than evenly spaced levels when one component is much sharper than others.

    Returns
    -------
    levels : ndarray of shape (len(mass),), decreasing with mass; empty if the grid is 0.
    """
    values = np.sort(density.ravel())[::-1]
    total = values.sum()
    if not np.isfinite(total) or total <= 0:
        return np.empty(0)
    cumulative = np.cumsum(values) / total
    idx = np.minimum(np.searchsorted(cumulative, np.asarray(mass)), len(values) - 1)
    levels = values[idx]
    return levels[levels > 0]


# Marching squares: corners a=(i, j), b=(i+1, j), c=(i+1, j+1), d=(i, j+1); edges
# 0: a-b, 1: b-c, 2: d-c, 3: a-d. Case bit n is set when corner n is above the level.
# Each case has at most two segments (the saddles 5 and 10, resolved one fixed way).
_SEGMENTS = {
    1: ((3, 0),), 2: ((0, 1),), 3: ((3, 1),), 4: ((1, 2),), 5: ((3, 0), (1, 2)),
    6: ((0, 2),), 7: ((3, 2),), 8: ((2, 3),), 9: ((0, 2),), 10: ((0, 1), (2, 3)),
    11: ((1, 2),), 12: ((1, 3),), 13: ((0, 1),), 14: ((0, 3),),
}
_SEG_TABLE = np.full((16, 2, 2), -1, dtype=np.intp)
for _case, _segs in _SEGMENTS.items():
    for _n, _seg in enumerate(_segs):
        _SEG_TABLE[_case, _n] = _seg
_CROSSES = (_SEG_TABLE[:, 0, 0] >= 0)  # cases where the level crosses the cell


def contour_segments(density: np.ndarray, xs: np.ndarray, ys: np.ndarray, level):
    """Line segments of iso-levels of a grid (marching squares, vectorised).

    pyqtgraph's ``IsocurveItem`` builds its path in Python (~3 ms per level at 120 x 120,
    measured); this is ~10x faster, and all levels go through one pass (~1.6x faster than
    a call per level for 5 levels at 120 x 120, measured). The output goes into one
    :class:`~gmm_viz.gui.views.segments_item.SegmentsItem`.

    Parameters
    ----------
    density : ndarray of shape (nx, ny)
    xs : ndarray of shape (nx,)
    ys : ndarray of shape (ny,)
    level : float or array-like of shape (n_levels,)

    Returns
    -------
    points : ndarray of shape (2 * n_segments, 2)
        Consecutive pairs are the two ends of a segment; the segments of the first level
        first (the same as concatenating one call per level).
    """
    f = density
    levels = np.atleast_1d(np.asarray(level, dtype=np.float64))
    # (n_levels, nx, ny) as uint8: shifting booleans would make int64 arrays, 8x the work.
    above = (f[None, :, :] > levels[:, None, None]).view(np.uint8)
    case = (above[:, :-1, :-1] | (above[:, 1:, :-1] << 1)
            | (above[:, 1:, 1:] << 2) | (above[:, :-1, 1:] << 3))
    li, ci, cj = np.nonzero(_CROSSES[case])
    if len(ci) == 0:
        return np.empty((0, 2))
    cases = case[li, ci, cj]
    lev = levels[li]
    fa, fb, fc, fd = f[ci, cj], f[ci + 1, cj], f[ci + 1, cj + 1], f[ci, cj + 1]
    x0, x1, y0, y1 = xs[ci], xs[ci + 1], ys[cj], ys[cj + 1]

    def _cross(f0, f1):
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (lev - f0) / (f1 - f0)
        return np.clip(np.nan_to_num(t, nan=0.5), 0.0, 1.0)

    t0, t1, t2, t3 = _cross(fa, fb), _cross(fb, fc), _cross(fd, fc), _cross(fa, fd)
    # Crossing point on each of the four edges of every cell, (m, 4).
    edge_x = np.stack([x0 + t0 * (x1 - x0), x1, x0 + t2 * (x1 - x0), x0], axis=1)
    edge_y = np.stack([y0, y0 + t1 * (y1 - y0), y1, y0 + t3 * (y1 - y0)], axis=1)
    pieces, piece_levels = [], []
    for n in range(2):
        seg = _SEG_TABLE[cases, n]  # (m, 2) edge numbers, -1 if absent
        rows = np.flatnonzero(seg[:, 0] >= 0)
        if not len(rows):
            continue
        e = seg[rows]
        start = np.stack([edge_x[rows, e[:, 0]], edge_y[rows, e[:, 0]]], axis=1)
        end = np.stack([edge_x[rows, e[:, 1]], edge_y[rows, e[:, 1]]], axis=1)
        pieces.append(np.stack([start, end], axis=1))  # (rows, 2, 2)
        piece_levels.append(li[rows])
    # Level by level, and within a level the cells' first segments before the saddles'
    # second ones: the order one call per level gives (a stable sort keeps it).
    order = np.argsort(np.concatenate(piece_levels), kind="stable")
    return np.concatenate(pieces)[order].reshape(-1, 2)


# --------------------------------------------------------------------------- the widget
class MixtureCanvas(pg.PlotWidget):
    """Points coloured by component, the Gaussians as sigma ellipses, means, and density.

    Parameters
    ----------
    parent : QWidget, optional
    """

    def __init__(self, parent=None):
        super().__init__(parent=parent, background=BACKGROUND)
        self._plot = self.getPlotItem()
        self._vb = self._plot.getViewBox()
        self._scale = 1.0  # the window's View > Zoom: fonts and markers
        self._style_axes()
        # Frames never move the view; only fit_view, new data/axes and the user do.
        self._vb.disableAutoRange()

        self._X = np.empty((0, 2))
        self._axes = (0, 1)
        self._feature_names: tuple[str, ...] = ()
        self._snapshot = None
        self._model_2d_cache = None  # (snapshot, axes, its marginal model): see _model_2d
        self._model_drawn = None  # _ModelLook of the model last drawn: see _redraw
        self._point_colors = None
        self._sigma_levels = (1, 2)
        self._density_mode = "off"
        # The markers of the state shown (see show_snapshot).
        self._replacements: tuple = ()
        self._detections: tuple = ()
        self._identical: tuple = ()

        self._points = PointsItem()
        self._plot.addItem(self._points)

        self._density_image = _DensityImage(axisOrder="col-major")
        self._density_image.setLookupTable(_density_lut())
        # Dark slate and 1.6 px: the thin translucent grey of before was hard to see over
        # the points on a projector.
        self._sigma_legend_html = ""
        self._density_contours = SegmentsItem(pg.mkPen(*_CONTOUR_COLOR, 230, width=1.6))
        self._add(self._density_image, z=-20)
        self._add(self._density_contours, z=5)

        # Every outline of every component, over its white halo, in one item.
        self._ellipses = EllipsesItem()
        self._add(self._ellipses, z=10)
        # A pool of per-component labels, grown on demand and reused; see
        # _ensure_components.
        self._labels: list[pg.TextItem] = []
        self._label_colors: list[tuple | None] = []

        # Each mean over a white disc, so that it is visible on its own dense cloud.
        self._means = DiscMarkers(size_px=14, halo_px=20)
        # "Re-placed in this state": a ring and a star on the new mean, a dashed jump line
        # from where it was and a cross there; "caught in this state": a red dashed ring.
        self._reset_ring = pg.ScatterPlotItem(pxMode=True, symbol="o", size=46)
        self._reset_star = pg.ScatterPlotItem(pxMode=True, symbol="star", size=30)
        self._reset_origin = pg.ScatterPlotItem(pxMode=True, symbol="x", size=13)
        self._reset_jumps = pg.PlotCurveItem(connect="pairs", antialias=True)
        self._add(self._means, z=30)
        self._add(self._reset_ring, z=26)
        self._add(self._reset_star, z=31)
        self._add(self._reset_origin, z=25)
        self._add(self._reset_jumps, z=25)
        self._reset_items = (
            self._reset_ring, self._reset_star, self._reset_origin, self._reset_jumps
        )

        # A hint for a first look ("Press Play ..."), in the view's pixel coordinates at
        # the top centre, over everything; the window says when it is shown.
        self._hint = pg.TextItem(anchor=(0.5, 0), color=FOREGROUND,
                                 fill=pg.mkBrush(255, 255, 255, 225),
                                 border=pg.mkPen(150, 150, 150))
        hint_font = QtGui.QFont()
        hint_font.setPointSizeF(HINT_POINT_SIZE)
        self._hint.setFont(hint_font)
        self._hint.setParentItem(self._vb)
        self._hint.setZValue(1000)
        self._hint.hide()
        self._vb.sigResized.connect(self._place_hint)
        # Which outline is which sigma, and how much of a Gaussian each one holds: a small
        # legend for the levels drawn, under the plot area at the right of the x-axis
        # label, where it never covers a point.
        self._sigma_legend = pg.TextItem(anchor=(1, 1))
        self._sigma_legend.setParentItem(self._plot)
        self._sigma_legend.setZValue(999)
        self._plot.geometryChanged.connect(self._place_sigma_legend)

        self._vb.sigRangeChanged.connect(self._on_view_range_changed)
        self._update_axis_labels()

    # ----------------------------------------------------------------------- public API
    def set_points(self, X: np.ndarray, feature_names: tuple[str, ...] = (),
                   fit: bool = True) -> None:
        """Show a new data set (columns of the current axes) and fit the view to it
        (unless ``fit`` is False: points drawn by hand keep the view).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            n_features >= 2. Not modified; the two shown columns are copied.
        feature_names : tuple of str, optional
            One name per feature for the axis labels; ``"x0", "x1", ...`` when empty.
        """
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] < 2:
            raise ValueError(
                f"X must be a 2-D array with at least 2 features; got shape {X.shape}."
            )
        self._X = X
        self._feature_names = tuple(str(n) for n in feature_names)
        if max(self._axes) >= X.shape[1]:
            self._axes = (0, 1)
        self._points.set_points(X[:, list(self._axes)])
        self.clear_model()
        self._update_axis_labels()
        if fit:
            self.fit_view()

    def set_axes(self, i: int, j: int, fit: bool = True) -> None:
        """Show features ``i`` (x) and ``j`` (y); the model is drawn as its marginal.
        The view is fitted to the points on new axes unless ``fit`` is False."""
        d = self._X.shape[1]
        i, j = int(i), int(j)
        if not (0 <= i < d and 0 <= j < d) or i == j:
            raise ValueError(
                f"axes must be two different feature indices from 0 to {d - 1}; got ({i}, {j})."
            )
        if (i, j) == self._axes:
            return
        self._axes = (i, j)
        self._points.set_points(self._X[:, [i, j]])
        self._update_axis_labels()
        if self._snapshot is not None:
            self._redraw()
        else:
            self._points.set_uniform(UNASSIGNED)
        if fit:
            self.fit_view()

    def set_feature_names(self, names: tuple[str, ...]) -> None:
        """Axis labels for the features (one name per feature)."""
        self._feature_names = tuple(str(n) for n in names)
        self._update_axis_labels()

    def show_snapshot(self, snapshot, point_colors: np.ndarray | None = None,
                      events: tuple | None = None, *, replacements: tuple | None = None,
                      detections: tuple = (), identical: tuple = ()) -> None:
        """Draw one EM state.

        Parameters
        ----------
        snapshot : Snapshot
            Not modified; its arrays are only read.
        point_colors : ndarray of shape (n_samples, 3), uint8, optional
            Per-point (soft) colours, e.g. from :func:`~gmm_viz.palette.blend_colors`.
            When None the points are coloured by ``snapshot.labels``, or grey if those are
            None too.
        events : tuple of SingularityEvent, optional
            When ``replacements`` is not given: the events whose re-placements to mark
            (default ``snapshot.events``), e.g. an export's frame.
        replacements : tuple of SingularityEvent, optional
            Exactly the re-placements of the state shown (``Frame.replacements``): a star
            and a ring on each new mean, a dashed jump line from where the component was.
            Markers belong to the state they are given with: they stay while it is shown
            (paused, they do not fade) and go with the next state that has none.
        detections : tuple of SingularityEvent
            The components a singularity rule caught in this state
            (``Frame.detections``): a red dashed ring on each.
        identical : tuple of tuple of int
            Groups of identical components (``Frame.identical_components``): each group
            is drawn once, in its first component's colour, labelled with all its numbers.
        """
        self._snapshot = snapshot
        self._point_colors = point_colors
        if replacements is None:
            events = snapshot.events if events is None else tuple(events)
            replacements = tuple(e for e in events if e.recovered)
        self._replacements = tuple(replacements)
        self._detections = tuple(detections)
        self._identical = tuple(tuple(int(c) for c in group) for group in identical
                                if len(group) > 1)
        self._redraw()

    def set_hint(self, text: str | None) -> None:
        """Show ``text`` as a hint at the top of the canvas; None hides it."""
        if text:
            self._hint.setText(text)
            self._place_hint()
        self._hint.setVisible(bool(text))

    def hint_text(self) -> str:
        """The hint shown, or ``""``."""
        return self._hint.toPlainText() if self._hint.isVisible() else ""

    def sigma_legend_text(self) -> str:
        """The sigma legend as plain text (``""`` while no ellipse is drawn)."""
        return self._sigma_legend.toPlainText() if self._sigma_legend.isVisible() else ""

    def _update_sigma_legend(self):
        drawn = self._snapshot is not None and self._model_fits_data() and self._sigma_levels
        if not drawn:
            self._sigma_legend.hide()
            return
        parts = []
        for level in self._sigma_levels:
            grey = _ellipse_pen(_LEGEND_GREY, level, False).color().name()
            parts.append(f'<span style="color:{grey}; font-weight:bold;">\u2501\u2501</span>'
                         f'&nbsp;{level}\u03c3 ({100 * sigma_mass(level):.0f}%)')
        html = (f"<span style='color:#282828; font-size:{8.5 * self._scale:.1f}pt;'>"
                + "&nbsp;&nbsp;".join(parts) + "</span>")
        if html != self._sigma_legend_html:
            self._sigma_legend_html = html
            self._sigma_legend.setHtml(html)
            self._sigma_legend.setToolTip(
                "Each outline encloses that share of its Gaussian's points on the axes "
                "shown (a 2-D Gaussian holds 39% within 1\u03c3, 86% within 2\u03c3, 99% "
                "within 3\u03c3)")
            self._place_sigma_legend()
        self._sigma_legend.show()

    def _place_sigma_legend(self, *_):
        rect = self._plot.boundingRect()
        self._sigma_legend.setPos(rect.right() - 2, rect.bottom())

    def _place_hint(self, *_):
        rect = self._vb.rect()
        self._hint.setPos(rect.center().x(), rect.top() + 8)

    def set_sigma_levels(self, levels: tuple[int, ...]) -> None:
        """Draw ellipses at these multiples of the standard deviation (subset of 1, 2, 3)."""
        levels = tuple(sorted({int(v) for v in levels}))
        if any(v not in SIGMA_LEVELS for v in levels):
            raise ValueError(f"sigma levels must be taken from {SIGMA_LEVELS}; got {levels}.")
        self._sigma_levels = levels
        if self._snapshot is not None:
            self._draw_ellipses(*self._model_2d())
        self._update_sigma_legend()

    def set_density_mode(self, mode: str) -> None:
        """Mixture density under the points: ``"off"``, ``"contours"`` or ``"image"``."""
        if mode not in DENSITY_MODES:
            options = ", ".join(repr(m) for m in DENSITY_MODES)
            raise ValueError(f"density mode must be one of {options}; got {mode!r}.")
        self._density_mode = mode
        self._draw_density()

    def set_point_style(self, size: int | None = None, alpha: float | None = None) -> None:
        """Marker size in px and opacity of the points; None picks them from the count."""
        self._points.set_point_size(size)
        self._points.set_alpha(alpha)

    def fit_view(self) -> None:
        """Fit the view to the data points (the model is not taken into account)."""
        if self._points.n_points:
            self._vb.autoRange(items=[self._points])

    def clear_model(self) -> None:
        """Hide everything that depends on a model (ellipses, means, markers, density)."""
        self._snapshot = None
        self._model_drawn = None
        self._point_colors = None
        self._replacements = self._detections = self._identical = ()
        self._points.set_uniform(UNASSIGNED)
        for label in self._labels:
            label.hide()
        for item in (self._ellipses, self._means, self._density_image, self._density_contours,
                     *self._reset_items, self._sigma_legend):
            item.hide()

    # -------------------------------------------------------------- read-only accessors
    @property
    def points_item(self) -> PointsItem:
        """The item that draws the data points."""
        return self._points

    @property
    def axes(self) -> tuple[int, int]:
        return self._axes

    def shown_data(self) -> np.ndarray:
        """The data drawn, every feature (shape (n_samples, n_features); not a copy)."""
        return self._X

    def shown_points(self) -> np.ndarray:
        """The points on the two shown axes, shape (n_samples, 2) (a view of the data)."""
        return self._X[:, list(self._axes)]

    def model_2d(self):
        """``(weights, means, covariances)`` of the state drawn on the shown axes (shapes
        (k,), (k, 2), (k, 2, 2)), or None while no model of these data is drawn."""
        if self._snapshot is None or not self._model_fits_data():
            return None
        return self._model_2d()

    @property
    def sigma_levels(self) -> tuple[int, ...]:
        return self._sigma_levels

    @property
    def density_mode(self) -> str:
        return self._density_mode

    def ellipse_curves(self) -> list[list[EllipseOutline]]:
        """The ellipse outlines, ``[component][index in SIGMA_LEVELS]`` (for tests).

        One row per component the canvas has drawn so far (rows beyond the current ``k``
        are not visible); each outline has ``isVisible()``, ``getData()`` and
        ``opts["pen"]``, as the curves that once drew them.
        """
        return [[EllipseOutline(self._ellipses, c, n) for n in range(len(SIGMA_LEVELS))]
                for c in range(len(self._labels))]

    # ------------------------------------------------------------------------ internals
    def _add(self, item, z):
        """Add a model item: hidden, not part of auto-range, at depth ``z``."""
        item.hide()
        self._plot.addItem(item, ignoreBounds=True)
        item.setZValue(z)  # after addItem: the ViewBox raises negative z values

    def _style_axes(self):
        self._grid = style_plot(self._plot, tick_point_size=9.5)
        self._plot.getAxis("left").setWidth(56)

    def set_ui_scale(self, scale: float) -> None:
        """Scale the canvas's fonts and markers by ``scale`` (the window's View > Zoom,
        for a projector): ticks, axis names, component numbers, the hint and the legend,
        means and re-placement markers. The points keep their own size control."""
        self._scale = float(scale)
        for name in ("left", "bottom"):
            self._plot.getAxis(name).setTickFont(_font(9.5 * scale))
        self._plot.getAxis("left").setWidth(round(56 * scale))
        self._update_axis_labels()
        for label in self._labels:
            label.setFont(_font(9.0 * scale, bold=True))
        self._label_colors = [None] * len(self._labels)  # re-lay out their texts
        self._hint.setFont(_font(HINT_POINT_SIZE * scale))
        self._place_hint()
        self._sigma_legend_html = ""
        self._means.set_sizes(14 * scale, 20 * scale)
        for item, size in ((self._reset_ring, 46), (self._reset_star, 30),
                           (self._reset_origin, 13)):
            item.setSize(size * scale)
        if self._snapshot is not None:
            self._redraw()
        self._update_sigma_legend()

    def ui_scale(self) -> float:
        """The scale set by :meth:`set_ui_scale` (1 at first)."""
        return self._scale

    def _update_axis_labels(self):
        names = self._feature_names
        style = {"color": FOREGROUND_HEX, "font-size": f"{11.0 * self._scale:.1f}pt"}
        for axis, index in zip(("bottom", "left"), self._axes):
            text = names[index] if index < len(names) else f"x{index}"
            self._plot.setLabel(axis, text, **style)

    def _model_2d(self):
        snap = self._snapshot
        i, j = self._axes
        # Asked for three times a frame (outlines, markers, grips); a snapshot's arrays
        # are read-only, so the marginal of one snapshot on one pair of axes never changes.
        cached = self._model_2d_cache
        if cached is not None and cached[0] is snap and cached[1] == (i, j):
            return cached[2]
        means, covs = marginal(np.asarray(snap.means), np.asarray(snap.covariances), i, j)
        model = (np.asarray(snap.weights, dtype=np.float64), means, covs)
        for array in model[1:]:
            array.setflags(write=False)  # shared by the callers
        self._model_2d_cache = (snap, (i, j), model)
        return model

    def _model_fits_data(self) -> bool:
        snap = self._snapshot
        return (
            snap is not None
            and np.ndim(snap.means) == 2
            and snap.means.shape[1] == self._X.shape[1]
        )

    def _redraw(self):
        snap = self._snapshot
        if not self._model_fits_data():
            # A snapshot of another data set (e.g. in flight during a restart).
            self.clear_model()
            return
        k = snap.n_components
        colors = component_colors(k)
        self._color_points(snap, colors)
        weights, means, covs = self._model_2d()
        look = _ModelLook(self._model_style(snap, k), weights, means,
                          ellipse_outlines(means, covs, SIGMA_LEVELS))
        if self._model_drawn is not None and not self._model_drawn.differs_visibly(
                look, self._vb.viewPixelSize()):
            return  # nothing drawn would move by a visible amount (see visible_change)
        self._model_drawn = look
        self._ensure_components(k)
        self._draw_ellipses(weights, means, covs, look.outlines)
        self._draw_means(means, colors)
        self._update_sigma_legend()
        self._draw_reset_markers()
        self._draw_density()

    def _color_points(self, snap, colors):
        n = self._points.n_points
        pc = self._point_colors
        if pc is not None and np.shape(pc) == (n, 3):
            self._points.set_colors(pc)
        elif snap.labels is not None and np.shape(snap.labels) == (n,):
            # Identical components share a colour: which of them a point's label names
            # is an accident of the arithmetic, not a difference.
            colors = colors.copy()
            for group in self._identical:
                members = [c for c in group if c < len(colors)]
                if members:
                    colors[members] = colors[members[0]]
            self._points.set_labels(snap.labels, colors)
        else:
            self._points.set_uniform(UNASSIGNED)

    def _ensure_components(self, k: int):
        while len(self._labels) < k:
            # A small badge with the component's number, up and right of its mean, so the
            # status messages ("component 2 re-placed") can be matched to the picture.
            label = pg.TextItem(anchor=(-0.3, 1.15), fill=pg.mkBrush(255, 255, 255, 215))
            label.setFont(_font(9.0 * self._scale, bold=True))
            self._add(label, z=32)
            self._labels.append(label)
            self._label_colors.append(None)

    def _model_style(self, snap, k: int) -> tuple:
        """Everything but the positions that decides how the model is drawn (compared
        by :class:`_ModelLook`; the events by identity)."""
        flagged = (() if snap.flagged is None
                   else tuple(bool(v) for v in np.ravel(snap.flagged)))
        empty = tuple(bool(v) for v in empty_components(snap, k))
        return (k, self._axes, self._sigma_levels, self._identical, flagged, empty,
                self._density_mode, self._scale, self._replacements, self._detections)

    def _draw_ellipses(self, weights, means, covs, outlines=None):
        snap = self._snapshot
        k = len(means)
        self._ensure_components(k)
        if outlines is None:
            outlines = ellipse_outlines(means, covs, SIGMA_LEVELS)
        flagged = np.zeros(k, dtype=bool)
        if snap.flagged is not None and np.shape(snap.flagged) == (k,):
            flagged = np.asarray(snap.flagged, dtype=bool)
        colors = [tuple(int(v) for v in rgb) for rgb in component_colors(k)]
        empty = empty_components(snap, k)
        hidden = self._hidden_duplicates(k)
        # The item skips outlines that are not finite (a degenerate covariance).
        pens = [[_ellipse_pen(colors[c], level, bool(flagged[c]), bool(empty[c]))
                 if level in self._sigma_levels and c not in hidden else None
                 for level in SIGMA_LEVELS]
                for c in range(k)]
        self._ellipses.set_ellipses(outlines, pens)
        self._ellipses.show()

    def _hidden_duplicates(self, k: int) -> set:
        """Components drawn by another: every member of an identical group but its first."""
        return {c for group in self._identical for c in group[1:] if c < k}

    def _label_text(self, c: int, empty: bool) -> str:
        for group in self._identical:
            if group[0] == c:
                numbers = (f"{group[0]}\u2013{group[-1]}"
                           if list(group) == list(range(group[0], group[-1] + 1))
                           else ", ".join(str(m) for m in group))
                return f"{numbers} identical"
        return f"{c} empty" if empty else str(c)

    def _draw_means(self, means, colors):
        k = len(means)
        finite = np.isfinite(means).all(axis=1)
        empty = empty_components(self._snapshot, k)
        # An identical group's mean is drawn once, in its first component's colour.
        drawn = finite.copy()
        drawn[list(self._hidden_duplicates(k))] = False
        # An empty component's mean is a hollow ring of its colour, not a filled disc.
        brushes = [_brush(255, 255, 255, 255) if empty[c] else _brush(*map(int, colors[c]), 255)
                   for c in range(k) if drawn[c]]
        pens = [_pen(*map(int, colors[c]), 255, width=2.0) if empty[c]
                else _pen(20, 20, 20, 255, width=1.6) for c in range(k) if drawn[c]]
        self._means.set_markers(means[drawn], brushes, pens)
        self._means.show()
        hidden = self._hidden_duplicates(k)
        for c, label in enumerate(self._labels):
            if c < k and finite[c] and c not in hidden:
                text = self._label_text(c, bool(empty[c]))
                key = (tuple(colors[c]), text)
                if self._label_colors[c] != key:
                    # setText re-lays out the text: only when it changes.
                    self._label_colors[c] = key
                    label.setText(text, color=tuple(int(v * 0.75) for v in colors[c]))
                    label.border = pg.mkPen(*colors[c], 200, width=1)
                label.setPos(float(means[c, 0]), float(means[c, 1]))
                # setVisible, not show(): pyqtgraph gives a new label its transform there
                # (show() skips it and a first label lands nowhere).
                label.setVisible(True)
            else:
                label.hide()

    # -- re-placement and detection markers
    def _draw_reset_markers(self):
        """Markers of the state shown, from its re-placements and detections alone."""
        snap = self._snapshot
        if snap is None:
            for item in self._reset_items:
                item.hide()
            return
        _, means, _ = self._model_2d()
        i, j = self._axes
        d = self._X.shape[1]
        k = len(means)
        pos, jumps, origins = [], [], []
        for event in self._replacements:
            c = event.component
            if not 0 <= c < k or not np.isfinite(means[c]).all():
                continue
            pos.append(means[c])
            old_mean = np.asarray(event.old_mean, dtype=float)
            if old_mean.shape == (d,) and np.isfinite(old_mean[[i, j]]).all():
                jumps.extend([old_mean[[i, j]], means[c]])
                origins.append(old_mean[[i, j]])
        caught = [means[e.component] for e in self._detections
                  if 0 <= e.component < k and np.isfinite(means[e.component]).all()]
        r, g, b = _RESET_COLOR
        rings = pos + caught
        if rings:
            self._reset_ring.setData(
                pos=np.array(rings),
                brush=[_brush(255, 220, 0, 70)] * len(pos) + [_brush(0, 0, 0, 0)] * len(caught),
                pen=[_pen(r, g, b, 255, 3.5)] * len(pos) + [_caught_pen()] * len(caught))
            self._reset_ring.show()
        else:
            self._reset_ring.hide()
        if pos:
            self._reset_star.setData(pos=np.array(pos), brush=_brush(255, 215, 0, 255),
                                     pen=_pen(r, g, b, 255, 1.8))
            self._reset_star.show()
        else:
            self._reset_star.hide()
        if jumps:
            jumps = np.array(jumps)
            self._reset_jumps.setData(jumps[:, 0], jumps[:, 1], pen=_jump_pen())
            self._reset_origin.setData(pos=np.array(origins), brush=_brush(r, g, b, 255),
                                       pen=_pen(0, 0, 0, 0, 0))
            self._reset_jumps.show()
            self._reset_origin.show()
        else:
            self._reset_jumps.hide()
            self._reset_origin.hide()

    # -- density
    def _on_view_range_changed(self, *_):
        if self._density_mode != "off":
            self._draw_density()

    def _draw_density(self):
        if self._density_mode == "off" or self._snapshot is None or not self._model_fits_data():
            self._density_image.hide()
            self._density_contours.hide()
            return
        (x0, x1), (y0, y1) = self._vb.viewRange()
        g = DENSITY_GRID
        dx, dy = (x1 - x0) / g, (y1 - y0) / g
        if not (dx > 0 and dy > 0 and math.isfinite(dx) and math.isfinite(dy)):
            return
        xs = x0 + (np.arange(g) + 0.5) * dx  # cell centres, so the image lines up
        ys = y0 + (np.arange(g) + 0.5) * dy
        weights, means, covs = self._model_2d()
        density = mixture_density_grid(weights, means, covs, xs, ys)
        levels = density_levels(density)
        if self._density_mode == "image":
            self._density_contours.hide()
            top = levels[0] if len(levels) else 1.0
            # Saturate at the 25%-mass level so that one sharp peak does not wash out the
            # rest; sqrt spreads the low-density tails over more of the colour ramp.
            self._density_image.setImage(np.sqrt(density / top), levels=(0.0, 1.0),
                                         autoLevels=False)
            self._density_image.setRect(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0))
            self._density_image.show()
        else:
            self._density_image.hide()
            self._density_contours.set_segments(contour_segments(density, xs, ys, levels))
            self._density_contours.show()


class _ModelLook:
    """What the canvas drew of a model: its style, the weights, the means and the
    outlines (shapes (k,), (k, 2), (k, n_levels, n_points, 2))."""

    # Density contours move with the weights too: by about (dw / w) times a component's
    # size. A relative change this small moves them by well under a hundredth of a pixel
    # even for a component as large as the view.
    _WEIGHT_RTOL = 1e-6

    def __init__(self, style: tuple, weights, means, outlines):
        self.style = style
        self.weights = weights
        self.means = means
        self.outlines = outlines

    def differs_visibly(self, other: _ModelLook, pixel_size) -> bool:
        """Whether drawing ``other`` in place of this one would change the picture."""
        *plain, replacements, detections = self.style
        *other_plain, other_replacements, other_detections = other.style
        if plain != other_plain or not (_same_objects(replacements, other_replacements)
                                        and _same_objects(detections, other_detections)):
            return True
        weights, other_weights = np.asarray(self.weights), np.asarray(other.weights)
        if weights.shape != other_weights.shape or not np.allclose(
                other_weights, weights, rtol=self._WEIGHT_RTOL, atol=0.0, equal_nan=True):
            return True
        return (moves_visibly(self.means, other.means, pixel_size)
                or moves_visibly(self.outlines, other.outlines, pixel_size))


def _same_objects(a: tuple, b: tuple) -> bool:
    # (Events hold arrays, so == would compare them element-wise; the tuples drawn are
    # kept, so an identical object cannot be a new one at a reused address.)
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


class _DensityImage(pg.ImageItem):
    """An ``ImageItem`` whose picture is 32-bit RGB, not indexed.

    With a lookup table pyqtgraph renders an 8-bit indexed QImage, and Qt draws an
    indexed image scaled to the view ~3.5x slower than a 32-bit one (~1.5 ms against
    ~0.45 ms for the 120 x 120 density over a 1366x768 view, measured). The conversion
    maps each index through the same colour table, and these two formats are sampled as
    the indexed one is (the premultiplied ones round differently, by up to 4 levels):
    the pixels are the same. It costs ~20 us at 120 x 120.
    """

    def render(self):
        super().render()
        image = self.qimage
        if image is not None and image.format() == QtGui.QImage.Format.Format_Indexed8:
            fmt = (QtGui.QImage.Format.Format_ARGB32 if image.hasAlphaChannel()
                   else QtGui.QImage.Format.Format_RGBX8888)
            self.qimage = image.convertToFormat(fmt)


def _font(point_size: float, bold: bool = False) -> QtGui.QFont:
    font = QtGui.QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


@functools.cache
def _brush(r, g, b, a):
    """One QBrush object per colour, reused for every frame.

    pyqtgraph's scatter keeps a symbol atlas keyed by the *identity* of the pen and brush
    objects: a new ``mkBrush`` each frame added a symbol to the atlas each frame (memory
    grew with every frame and every run). The set of colours is bounded (palette entries,
    256 opacities of the reset markers), so this cache is too.
    """
    return pg.mkBrush(r, g, b, a)


@functools.cache
def _pen(r, g, b, a, width):
    """One QPen object per colour and width (see :func:`_brush`)."""
    return pg.mkPen(r, g, b, a, width=width)


@functools.cache
def _caught_pen():
    """A component a rule caught: a red dashed ring."""
    return pg.mkPen(*_RESET_COLOR, 255, width=3, style=QtCore.Qt.PenStyle.DashLine)


@functools.cache
def _jump_pen():
    return pg.mkPen(*_RESET_COLOR, 220, width=2, style=QtCore.Qt.PenStyle.DashLine)


@functools.cache
def _ellipse_pen(color, level, flagged, empty=False):
    """The pen of one outline: a darker shade of ``color`` (an RGB tuple), lighter for
    outer levels, dashed when ``flagged``; faded and dotted when the component is
    ``empty``; one object per style (see :func:`_brush`)."""
    mix = _LEVEL_WHITE[level]
    if empty:
        mix = 0.55 + 0.45 * mix
    rgb = [round(float(c) * _ELLIPSE_SHADE * (1 - mix) + 255 * mix) for c in color]
    pen = pg.mkPen(*rgb, width=1.5 if empty else 2)
    if flagged:
        pen.setStyle(QtCore.Qt.PenStyle.DashLine)
    elif empty:
        pen.setStyle(QtCore.Qt.PenStyle.DotLine)
    return pen


def sigma_mass(level: float) -> float:
    """Share of a 2-D Gaussian's mass inside its ``level``-sigma ellipse, 1 - exp(-l²/2)
    (the outlines are drawn on two axes: the marginal there is a 2-D Gaussian)."""
    return 1.0 - math.exp(-0.5 * float(level) ** 2)


def _density_lut() -> np.ndarray:
    """White to a clear slate blue: readable on a projector, and points and ellipses stay
    readable on top (the old top colour, 150/170/215, washed out to white)."""
    t = np.linspace(0.0, 1.0, 256)[:, None]
    white = np.array([255.0, 255.0, 255.0])
    deep = np.array([95.0, 125.0, 200.0])
    return (white + t * (deep - white)).astype(np.uint8)
