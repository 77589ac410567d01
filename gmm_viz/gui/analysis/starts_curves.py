"""One log-likelihood plot overlaying every start's curve, each in its start's colour.

A dumb view: :meth:`StartsCurves.show_state` gives each curve its data; the best start's
curve is drawn thicker, on top, and each curve ends in a dot (hollow while it runs). The
curves are created once per race.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from gmm_viz.gui.analysis.start_colors import start_colors
from gmm_viz.gui.views.plot_style import style_plot
from gmm_viz.palette import BACKGROUND, FOREGROUND_HEX


class StartsCurves(pg.PlotWidget):
    """The N log-likelihood curves of a race, overlaid."""

    def __init__(self, parent=None):
        super().__init__(parent=parent, background=BACKGROUND)
        self._plot = self.getPlotItem()
        self._grid = style_plot(self._plot, tick_point_size=9.0)
        self._plot.getAxis("left").setWidth(64)
        style = {"color": FOREGROUND_HEX, "font-size": "10pt"}
        self._plot.setLabel("bottom", "iteration", **style)
        self._plot.setLabel("left", "log-likelihood", **style)
        self._plot.setMouseEnabled(x=False, y=False)
        self._curves: list[pg.PlotCurveItem] = []
        self._ends = pg.ScatterPlotItem(pxMode=True, size=8)
        self._plot.addItem(self._ends)
        self._ends.setZValue(50)
        self._colors = np.empty((0, 3), dtype=np.uint8)
        self._best = -1
        self.setToolTip("The log-likelihood of every start per iteration, in the colour of "
                        "its small canvas; the thick curve is the best so far. The range "
                        "fits the curves from iteration 2 on: the first iterations, far "
                        "lower, may lie below it")

    def set_race(self, n_starts: int) -> None:
        """Create one curve per start (the previous race's are removed)."""
        for curve in self._curves:
            self._plot.removeItem(curve)
        self._colors = start_colors(n_starts)
        self._curves = []
        self._best = -1
        for index in range(n_starts):
            curve = pg.PlotCurveItem(pen=pg.mkPen(*self._colors[index], width=1.5),
                                     antialias=True)
            curve.setZValue(index)
            self._plot.addItem(curve)
            self._curves.append(curve)
        self._ends.setData([], [])

    @property
    def n_curves(self) -> int:
        return len(self._curves)

    def curve_data(self, index: int) -> tuple:
        """``(x, y)`` of one start's curve, as drawn (tests)."""
        return self._curves[index].getData()

    def best_pen_width(self) -> float:
        """The width of the best start's curve (tests: it stands out)."""
        return self._curves[self._best].opts["pen"].widthF() if self._best >= 0 else 0.0

    def show_state(self, state) -> None:
        """Draw a :class:`~gmm_viz.selection.race.RaceState`'s curves."""
        ends_x, ends_y, brushes, pens = [], [], [], []
        for index, (curve, view) in enumerate(zip(self._curves, state.starts)):
            y = np.asarray(view.curve, dtype=np.float64)
            x = np.arange(len(y), dtype=np.float64)
            finite = np.isfinite(y)
            curve.setData(x[finite], y[finite])
            if finite.any():
                rgb = tuple(int(v) for v in self._colors[index])
                ends_x.append(x[finite][-1])
                ends_y.append(y[finite][-1])
                pens.append(pg.mkPen(*rgb, width=1.5))
                brushes.append(pg.mkBrush(*rgb) if view.outcome.finished
                               else pg.mkBrush(255, 255, 255))
        self._ends.setData(ends_x, ends_y, pen=pens, brush=brushes)
        self._frame(state)
        if state.best != self._best:
            if 0 <= self._best < len(self._curves):
                old = self._curves[self._best]
                old.setPen(pg.mkPen(*self._colors[self._best], width=1.5))
                old.setZValue(self._best)
            self._best = state.best
            best = self._curves[self._best]
            best.setPen(pg.mkPen(*self._colors[self._best], width=3.5))
            best.setZValue(40)

    def _frame(self, state):
        """Fit the y-range to the curves from iteration 2 on (iteration 0 of a random start
        is often ten times lower than every optimum, and would flatten them all)."""
        low, high, last = np.inf, -np.inf, 0
        for view in state.starts:
            y = np.asarray(view.curve, dtype=np.float64)
            y = y[np.isfinite(y)]
            if not len(y):
                continue
            last = max(last, len(y) - 1)
            tail = y[min(2, len(y) - 1):]
            low, high = min(low, tail.min()), max(high, y.max())
        if not np.isfinite(low):
            return
        pad = 0.06 * max(high - low, 1e-9 * max(abs(high), 1.0))
        self._plot.setRange(xRange=(0, max(last, 1)), yRange=(low - pad, high + pad),
                            padding=0.02)
