"""Small multiples: one small canvas per start (points, ellipses, its log-likelihood).

:class:`StartsGrid` is a dumb view in one ``GraphicsLayoutWidget``: one ``PlotItem`` per
start, each with the app's own :class:`~gmm_viz.gui.views.points_item.PointsItem` and
:class:`~gmm_viz.gui.views.ellipses_item.EllipsesItem` (outlines from
:func:`~gmm_viz.gui.views.canvas.ellipse_outlines`), created once per race and afterwards
only given data. Every canvas shows the same view of the data, so the starts compare at
a glance. Its title says the start, its seed, log-likelihood, iterations and optimum; the
best so far gets a star and a dark frame. A click on a canvas emits :attr:`StartsGrid.sigStartClicked`.

Large data: every small canvas draws the same sample of at most :data:`MAX_CELL_POINTS`
points (the title says so), so 25 canvases cost no more than one canvas of 125,000.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore, QtGui, QtWidgets

from gmm_viz.gui.analysis.start_colors import BEST_COLOR, hex_color, start_colors
from gmm_viz.gui.views.canvas import ellipse_outlines, marginal
from gmm_viz.gui.views.ellipses_item import EllipsesItem
from gmm_viz.gui.views.points_item import PointsItem
from gmm_viz.palette import BACKGROUND, UNASSIGNED, component_colors
from gmm_viz.selection.optima import format_log_likelihood

#: Points drawn in each small canvas at most (a fixed sample of larger data).
MAX_CELL_POINTS = 5_000
#: Sigma levels of the small canvases' ellipses.
CELL_SIGMA_LEVELS = (1, 2)


def grid_shape(n: int, aspect: float = 1.6) -> tuple:
    """``(rows, columns)`` for ``n`` canvases in an area ``aspect`` times as wide as tall."""
    n = max(int(n), 1)
    columns = max(1, min(n, math.ceil(math.sqrt(n * aspect))))
    return math.ceil(n / columns), columns


def cell_title(view, best: bool, n_groups: int) -> str:
    """The title of one small canvas, two short lines (so that narrow canvases keep it):
    ``"3 · seed 2"`` and ``"−2931.4 · 16 it · optimum 1"``; a star marks the best."""
    o = view.outcome
    status = f"{o.iterations} it"
    if o.error:
        status += ", failed"
    elif not o.finished:
        status += "…"
    second = [format_log_likelihood(o.log_likelihood), status]
    if view.group >= 0 and n_groups > 1:
        second.append(f"optimum {view.group + 1}")
    first = f"<b>{o.index + 1}</b> · seed {o.seed}"
    if best:
        first = f"★ {first} · best"
    return f"{first}<br>{' · '.join(second)}"


def _ellipse_pen(rgb, level):
    shade = [round(float(c) * 0.68 * (1 - 0.25 * (level - 1)) + 255 * 0.25 * (level - 1))
             for c in rgb]
    return pg.mkPen(*shade, width=1.5)


class _Cell:
    """The items of one small canvas (created once)."""

    def __init__(self, plot: pg.PlotItem):
        self.plot = plot
        self.points = PointsItem()
        self.points.set_point_size(2)
        self.ellipses = EllipsesItem()
        self.means = pg.ScatterPlotItem(pxMode=True, symbol="o", size=7,
                                        pen=pg.mkPen(20, 20, 20, width=1))
        plot.addItem(self.points)
        for item, z in ((self.ellipses, 10), (self.means, 20)):
            plot.addItem(item, ignoreBounds=True)
            item.setZValue(z)
        self.vb = plot.getViewBox()
        self.vb.disableAutoRange()
        self.vb.setMouseEnabled(False, False)
        self.vb.setMenuEnabled(False)
        self.title = ""


class StartsGrid(pg.GraphicsLayoutWidget):
    """One small canvas per start.

    Signals
    -------
    sigStartClicked(int)
        The canvas of this start (0-based index) was clicked.
    """

    sigStartClicked = QtCore.pyqtSignal(int)

    def __init__(self, parent=None):
        super().__init__(parent=parent)
        self.setBackground(BACKGROUND)
        self.ci.layout.setSpacing(4)
        self.ci.setContentsMargins(2, 2, 2, 2)
        self._cells: list[_Cell] = []
        self._sample = None  # indices of the points drawn in every cell
        self._xy = np.empty((0, 2))
        self._axes = (0, 1)
        self._titles: list[str] = []
        self._colors = np.empty((0, 3), dtype=np.uint8)
        self._best = -1
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.setToolTip("Each start in a small canvas: click one to open it in the main "
                        "window with its whole history")

    # ------------------------------------------------------------------ public API
    def set_race(self, X, n_starts: int, axes=(0, 1)) -> None:
        """Build ``n_starts`` small canvases for the data ``X`` shown on ``axes``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        n_starts : int
        axes : tuple of int
            The two features shown (the main window's).
        """
        X = np.asarray(X)
        self.clear()
        self._cells = []
        self._axes = (int(axes[0]), int(axes[1]))
        n = len(X)
        if n > MAX_CELL_POINTS:
            rng = np.random.default_rng(0)
            self._sample = np.sort(rng.choice(n, MAX_CELL_POINTS, replace=False))
        else:
            self._sample = None
        xy = X[:, list(self._axes)]
        self._xy = xy if self._sample is None else xy[self._sample]
        self._colors = start_colors(n_starts)
        self._titles = [""] * n_starts
        self._best = -1
        _rows, columns = grid_shape(n_starts, self._aspect())
        for index in range(n_starts):
            plot = self.addPlot(row=index // columns, col=index % columns)
            # No axes: every canvas shows the same view of the data, and the space goes
            # to the points (the main window has the axes and their names).
            plot.hideButtons()
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            # The title must not set the canvas's minimum width (25 starts share a row).
            plot.titleLabel.setMinimumWidth(10)
            plot.titleLabel.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored,
                                          QtWidgets.QSizePolicy.Policy.Preferred)
            cell = _Cell(plot)
            cell.points.set_points(self._xy)
            cell.points.set_uniform(UNASSIGNED)
            self._cells.append(cell)
        self._fit_views()

    @property
    def n_cells(self) -> int:
        return len(self._cells)

    @property
    def sampled(self) -> bool:
        """The canvases draw a sample of the points (data larger than MAX_CELL_POINTS)."""
        return self._sample is not None

    def titles(self) -> list:
        """The plain text of every canvas's title (tests read them)."""
        return [QtGui.QTextDocumentFragment.fromHtml(t).toPlainText() for t in self._titles]

    @property
    def best(self) -> int:
        """The start framed as the best (-1 before any state)."""
        return self._best

    def show_state(self, state) -> None:
        """Draw a :class:`~gmm_viz.selection.race.RaceState` (one per frame)."""
        n_groups = len(state.groups)
        i, j = self._axes
        for index, (cell, view) in enumerate(zip(self._cells, state.starts)):
            snap = view.snapshot
            k = snap.n_components
            colors = component_colors(k)
            labels = snap.labels
            if labels is not None:
                cell.points.set_labels(labels if self._sample is None else labels[self._sample],
                                       colors)
            means, covs = marginal(np.asarray(snap.means), np.asarray(snap.covariances), i, j)
            outlines = ellipse_outlines(means, covs, CELL_SIGMA_LEVELS, n_points=61)
            rgb = [tuple(int(v) for v in c) for c in colors]
            pens = [[_ellipse_pen(rgb[c], level) for level in CELL_SIGMA_LEVELS]
                    for c in range(k)]
            cell.ellipses.set_ellipses(outlines, pens)
            cell.ellipses.show()
            finite = np.isfinite(means).all(axis=1)
            cell.means.setData(pos=means[finite],
                               brush=[pg.mkBrush(*rgb[c]) for c in range(k) if finite[c]])
            best = index == state.best
            title = cell_title(view, best, n_groups)
            if title != self._titles[index]:
                self._titles[index] = title
                color = hex_color(self._colors[index])
                cell.plot.setTitle(title, color=color, size="8.5pt")
        if state.best != self._best:
            self._best = state.best
            for index, cell in enumerate(self._cells):
                width, rgb = ((3, BEST_COLOR) if index == state.best
                              else (2, tuple(int(v) for v in self._colors[index])))
                cell.vb.setBorder(pg.mkPen(*rgb, width=width))

    def cell_at(self, scene_pos) -> int:
        """The start whose canvas holds ``scene_pos`` (a QPointF in scene coordinates),
        or -1."""
        for index, cell in enumerate(self._cells):
            if cell.plot.sceneBoundingRect().contains(scene_pos):
                return index
        return -1

    def cell_center(self, index: int) -> QtCore.QPoint:
        """The centre of a canvas in this widget's coordinates (tests click there)."""
        rect = self._cells[index].vb.sceneBoundingRect()
        return self.mapFromScene(rect.center())

    # ------------------------------------------------------------------ internals
    def _aspect(self) -> float:
        size = self.size()
        if size.width() < 50 or size.height() < 50:
            return 1.6
        return size.width() / size.height()

    def _fit_views(self):
        finite = np.isfinite(self._xy).all(axis=1)
        if not finite.any():
            return
        lo = self._xy[finite].min(axis=0)
        hi = self._xy[finite].max(axis=0)
        pad = 0.04 * np.maximum(hi - lo, 1e-12)
        for cell in self._cells:
            cell.vb.setRange(xRange=(lo[0] - pad[0], hi[0] + pad[0]),
                             yRange=(lo[1] - pad[1], hi[1] + pad[1]), padding=0)

    def _on_scene_clicked(self, event):
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        index = self.cell_at(event.scenePos())
        if index >= 0:
            event.accept()
            self.sigStartClicked.emit(index)
