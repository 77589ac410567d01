"""The log-likelihood curve of a run, with recovery and convergence markers.

The main window keeps the history arrays and calls :meth:`LogLikelihoodPlot.show_history`
at display rate; the plot only ``setData``s items it created once (the vertical recovery
lines come from a pool that grows to the largest number ever needed and is then reused).

Long histories stay cheap to draw: the curve is handed at most about two points per pixel
column of the plot (:func:`column_envelope`: the lowest and highest value of each column,
so a drop of a single iteration stays visible), and past a few hundred iterations it is
drawn with a 1 px aliased pen (a wide antialiased pen over a curve that zigzags across the
whole plot cost ~650 ms per frame at 1,000 iterations). Markers, the readout and clicks use
the exact history.

A frame costs the same whatever the length of the history. The window hands over the
whole history each frame; the plot tells a history that grew from the one it showed, and
then looks at the new iterations only: the envelope takes in their columns
(:class:`CurveEnvelope`), new recoveries are added to the marks, and an item is handed
data only when what it shows changes. While it follows a run, the view's range (whose
change makes both axes regenerate their ticks, the grid its lines and the curve its
envelope, a few ms) moves on in steps, not every frame: the x-range reaches ahead of the
newest iteration, the y-range is refitted when a new value leaves it. Measured offscreen
(720x280, ``show_history`` and a repaint, a 2,000-point K = 8 run fed 4 iterations a
frame): 3.1-4.8 ms a frame before, 1.6-1.7 ms after, alike at 100 and 5,000 iterations;
the range moved 40 times in 1,250 frames instead of every frame; at 1,000,000 iterations
37 ms before, 4.4 ms after. Only the recovery triangles still cost per frame with their
number (all are drawn: ~0.8 us each).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore, QtGui

from gmm_viz.gui.views.disc_markers import DiscMarkers
from gmm_viz.gui.views.plot_style import style_plot
from gmm_viz.palette import BACKGROUND, FOREGROUND, FOREGROUND_HEX

#: y-axis label per scale.
SCALE_LABELS = {
    "total": "log-likelihood  \u03a3 log p(x\u1d62)",
    "mean": "mean log-likelihood per point",
}
#: At most this many vertical recovery lines (the most recent); every recovery still gets
#: a triangle on the curve.
MAX_RECOVERY_LINES = 200

_CURVE_COLOR = (0, 90, 160)
_RECOVERY_COLOR = (230, 25, 75)
_CONVERGED_COLOR = (0, 140, 80)
_CURRENT_COLOR = (90, 90, 90)
_EDIT_COLOR = (120, 60, 170)  # changes by hand (dragged means): a purple diamond
#: The readout's font size, in points (scaled with the window's zoom).
READOUT_POINT_SIZE = 9.5
TICK_POINT_SIZE = 9.0
LABEL_POINT_SIZE = 9.0
#: What the plot's marks mean (its tooltip).
TOOLTIP = ("Log-likelihood per iteration. Red triangles and dashed lines: singularity "
           "recoveries; purple diamonds: changes by hand (a dragged mean or outline); "
           "green star and dashed line: convergence; grey ring and line: the iteration "
           "shown. Click to go to an iteration.")
#: Room kept around the curve for the markers drawn on it (the star is 20 px wide, the
#: recovery triangles 11 px), in pixels: a marker at the newest or lowest point stays whole.
MARKER_ROOM_PX = 12.0
_DOTS_UP_TO = 80  # draw a dot per iteration while they are few enough to tell apart
#: The curve is drawn with a thin (1 px, cosmetic) aliased pen past this many drawn points,
#: or when it is longer than this many times the plot's width + height in pixels (a curve
#: that zigzags over the whole height: with the 2 px antialiased pen, 50 iterations of a
#: sawtooth cost ~20 ms per frame, 300 cost ~110 ms; with the thin pen ~1 ms).
THIN_PEN_FROM = 300
THIN_PEN_LENGTH = 3.0
#: While it follows a run, the plot's x-range reaches this fraction of the history's length
#: beyond the newest iteration (at least FOLLOW_STEP_MIN iterations), so that it changes
#: every few dozen frames rather than every frame (see LogLikelihoodPlot._follow_curve).
FOLLOW_STEP = 0.15
FOLLOW_STEP_MIN = 8.0
#: When the x-range moves on, the y-range set before is kept while it holds the curve (the
#: values it is fitted to) and is at most this many times as tall as the fit (else it is
#: refitted).
FOLLOW_LOOSEST = 1.25
#: Histories up to this long have their y-range refitted every frame (cheap, and their
#: leading values decide what the range leaves out).
SHORT_HISTORY = 12
_WIDE_PEN = pg.mkPen(*_CURVE_COLOR, width=2)
_THIN_PEN = pg.mkPen(*_CURVE_COLOR, width=1, cosmetic=True)


def column_envelope(x, y, x_range, columns):
    """The points of a curve worth drawing: its min/max envelope per pixel column.

    The visible part of the curve (``x_range``) is cut into ``columns`` equal columns; each
    column keeps the points where the curve is lowest and highest, in their order, so what
    is drawn spans exactly what the whole curve spans in that column. Parts outside the
    range keep their first, lowest, highest and last points (the bounds of the whole curve
    stay exact; those lines lie outside the view). Every point returned is a point of the
    curve; a column without a finite value keeps a non-finite one (a gap in the line).

    Parameters
    ----------
    x : ndarray of shape (n,)
        Increasing positions.
    y : ndarray of shape (n,)
        Values; non-finite ones are gaps.
    x_range : (float, float)
        The visible x-range.
    columns : int
        Pixel columns across ``x_range``.

    Returns
    -------
    x_drawn, y_drawn : ndarray of shape (m,)
        ``m <= 2 * columns + 8``; the input itself when it is not longer than that.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) <= 2 * max(int(columns), 1) + 8:
        return x, y
    envelope = CurveEnvelope(x_range, columns)
    envelope.extend(x, y)
    index = envelope.indices()
    return x[index], y[index]


class CurveEnvelope:
    """:func:`column_envelope` of a growing curve, updated with the new points only.

    The window hands the plot the whole history every frame; while the view's x-range and
    width stay the same, the envelope of the points seen so far does not change, so only
    the new points are sorted into their columns (a frame costs the same at 100 or
    1,000,000 iterations). The regions of the curve (before the range, in it, beyond it)
    and, per column, the first point and the first lowest and highest finite points are
    kept; :meth:`indices` gives exactly what :func:`column_envelope` gives for the whole
    curve.

    Parameters
    ----------
    x_range : (float, float)
        The visible x-range.
    columns : int
        Pixel columns across ``x_range``.
    """

    def __init__(self, x_range, columns):
        self.x_range = (float(x_range[0]), float(x_range[1]))
        self.columns = max(int(columns), 1)
        self.n = 0  # points seen
        self._i0 = 0  # points [0, i0) lie before the range, [i0, i1) in it, [i1, n) beyond
        self._i1 = 0
        self._before = _RunningExtremes()
        self._beyond = _RunningExtremes()
        lo, hi = self.x_range
        self._has_columns = hi > lo
        count = self.columns if self._has_columns else 0
        self._low_at = np.full(count, -1, dtype=np.int64)  # -1: no point in the column yet
        self._high_at = np.full(count, -1, dtype=np.int64)
        self._low = np.full(count, np.inf)
        self._high = np.full(count, -np.inf)

    def extend(self, x, y) -> None:
        """Take in the points of ``x, y`` after the first :attr:`n` (already seen).

        Parameters
        ----------
        x, y : ndarray of shape (n_total,)
            The whole curve so far; its first :attr:`n` points must be those seen before.
        """
        n = len(x)
        if n <= self.n:
            return
        start = self.n
        lo, hi = self.x_range
        new_x, new_y = x[start:], y[start:]
        # Positions increase, so the new points continue the regions where the old ones end.
        before = int(np.searchsorted(new_x, lo, side="left"))
        inside = int(np.searchsorted(new_x, hi, side="right"))
        if before:
            self._before.extend(new_y[:before], start)
        if inside > before:
            self._extend_columns(new_x[before:inside], new_y[before:inside], start + before)
        if n - start > inside:
            self._beyond.extend(new_y[inside:], start + inside)
        self._i0 += before
        self._i1 += inside
        self.n = n

    def indices(self) -> np.ndarray:
        """Indices of the points to draw, in order (see :func:`column_envelope`).

        Returns
        -------
        index : ndarray of shape (m,) of int64
        """
        n, columns = self.n, self.columns
        if n <= 2 * columns + 8:
            return np.arange(n)
        i0, i1 = self._i0, self._i1
        parts = []
        if i0 > 0:
            parts.append(self._before.indices())
        if not self._has_columns or i1 - i0 <= 2 * columns:
            parts.append(np.arange(i0, i1))
        else:
            used = self._low_at >= 0
            low_at, high_at = self._low_at[used], self._high_at[used]
            parts.append(np.column_stack([np.minimum(low_at, high_at),
                                          np.maximum(low_at, high_at)]).ravel())
        if i1 < n:
            parts.append(self._beyond.indices())
        return np.concatenate(parts)

    def _extend_columns(self, x, y, offset):
        """Fold points of the range (``x``, ``y``; the first is point ``offset``) into the
        lowest and highest point of each column.

        Within a column the first lowest (highest) finite point wins, as a later one only
        replaces it when strictly lower (higher); a column without a finite value keeps its
        first point as both (a gap in the line).
        """
        if not self._has_columns:
            return
        lo, hi = self.x_range
        columns = self.columns
        column = np.clip(((x - lo) * (columns / (hi - lo))).astype(np.int64), 0, columns - 1)
        starts = np.flatnonzero(np.diff(column, prepend=-1))
        counts = np.diff(np.append(starts, len(x)))
        finite = np.isfinite(y)
        low = np.where(finite, y, np.inf)
        high = np.where(finite, y, -np.inf)
        position = np.arange(len(y))
        beyond = len(y)  # larger than any index: loses every minimum below
        col_low = np.minimum.reduceat(low, starts)
        col_high = np.maximum.reduceat(high, starts)
        at_low = np.minimum.reduceat(
            np.where(low == np.repeat(col_low, counts), position, beyond), starts)
        at_high = np.minimum.reduceat(
            np.where(high == np.repeat(col_high, counts), position, beyond), starts)
        cols = column[starts]
        take = (self._low_at[cols] < 0) | (col_low < self._low[cols])
        self._low_at[cols[take]] = offset + at_low[take]
        self._low[cols[take]] = col_low[take]
        take = (self._high_at[cols] < 0) | (col_high > self._high[cols])
        self._high_at[cols[take]] = offset + at_high[take]
        self._high[cols[take]] = col_high[take]


class _RunningExtremes:
    """First, lowest, highest and last point of a run of points that grows at its end."""

    def __init__(self):
        self.first = -1  # -1: no point yet
        self.last = -1
        self.low_at = -1  # -1: no finite value yet
        self.high_at = -1
        self.low = np.inf
        self.high = -np.inf

    def extend(self, y, offset) -> None:
        """Take in ``y``, the points ``offset ..`` of the run (the first lowest and highest
        finite values win)."""
        if self.first < 0:
            self.first = offset
        self.last = offset + len(y) - 1
        finite = np.flatnonzero(np.isfinite(y))
        if not len(finite):
            return
        values = y[finite]
        at = int(np.argmin(values))
        if self.low_at < 0 or values[at] < self.low:
            self.low_at, self.low = offset + int(finite[at]), float(values[at])
        at = int(np.argmax(values))
        if self.high_at < 0 or values[at] > self.high:
            self.high_at, self.high = offset + int(finite[at]), float(values[at])

    def indices(self) -> np.ndarray:
        """The distinct indices of those points, in order."""
        index = [self.first, self.last]
        if self.low_at >= 0:
            index += [self.low_at, self.high_at]
        return np.unique(np.asarray(index, dtype=np.int64))


class IterationAxis(pg.AxisItem):
    """An axis of iteration numbers: ticks at whole numbers only (never "0.2, 0.4" while a
    run has one or two iterations)."""

    def tickSpacing(self, minVal, maxVal, size):  # pyqtgraph naming
        levels = [(spacing, offset) for spacing, offset in
                  super().tickSpacing(minVal, maxVal, size) if spacing >= 1.0]
        return levels or [(1.0, 0.0)]


class LogLikelihoodPlot(pg.PlotWidget):
    """Log-likelihood per iteration, recoveries, convergence and the iteration shown.

    Signals
    -------
    sigIterationClicked(int)
        The user clicked the plot; carries the nearest iteration in the history (for
        scrubbing to it).
    """

    sigIterationClicked = QtCore.Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent=parent, background=BACKGROUND,
                         axisItems={"bottom": IterationAxis("bottom")})
        self._plot = self.getPlotItem()
        # pyqtgraph parents the axes it makes itself, not one handed in: give this one its
        # plot as parent, so that Qt owns it (owned by its Python wrapper alone, it was
        # deleted with the wrapper while the scene still painted it: a crash).
        self._plot.getAxis("bottom").setParentItem(self._plot)
        self._vb = self._plot.getViewBox()
        self._style_axes()
        self._vb.setDefaultPadding(0.04)  # room for the end markers (star, ring)
        self._iterations = np.empty(0)
        self._values = np.empty(0)
        self._scale = "total"
        # A new number whenever the history is not the previous one with iterations added
        # (a new run, a changed scale, a history cut back): what was drawn of the previous
        # one is then of no use.
        self._curve_id = 0
        self._framed = None  # (curve id, right edge, y-range) of the range set while following

        self._curve = pg.PlotCurveItem(pen=_WIDE_PEN, antialias=True, connect="finite")
        self._thin = False  # True while the curve uses the 1 px aliased pen
        self._envelope = None  # CurveEnvelope of the curve for the view's x-range and width
        self._envelope_curve = None  # the curve id it was built for
        self._drawn = None  # (curve id, indices of the drawn points, view and size they fit)
        self._dots = pg.ScatterPlotItem(
            size=5, pen=None, brush=pg.mkBrush(*_CURVE_COLOR), hoverable=False
        )
        self._recovery_marks = pg.ScatterPlotItem(
            symbol="t1", size=11, pen=pg.mkPen(255, 255, 255, width=1),
            brush=pg.mkBrush(*_RECOVERY_COLOR),
        )
        self._converged_star = pg.ScatterPlotItem(
            symbol="star", size=20, pen=pg.mkPen(0, 80, 40, width=1.2),
            brush=pg.mkBrush(*_CONVERGED_COLOR),
        )
        self._edit_marks = pg.ScatterPlotItem(
            symbol="d", size=12, pen=pg.mkPen(255, 255, 255, width=1),
            brush=pg.mkBrush(*_EDIT_COLOR))
        self._plot.addItem(self._edit_marks)
        self._edit_marks.setZValue(12)
        self._edit_marks.hide()
        self._edits_shown = None
        # A ring on the curve at the state shown; it moves every frame of a run, and a
        # DiscMarkers costs a fraction of a scatter's setData and bounds (disc_markers).
        self._current_dot = DiscMarkers(size_px=10, outline=pg.mkPen(*_CURRENT_COLOR, width=1.5))
        self._converged_line = pg.InfiniteLine(
            angle=90, movable=False,
            pen=pg.mkPen(*_CONVERGED_COLOR, width=1.5, style=QtCore.Qt.PenStyle.DashLine),
            # Low on the line and left of it: the star sits on the curve's plateau, high
            # up, and below the plateau left of convergence the plot is empty.
            label="converged", labelOpts={"position": 0.08, "color": _CONVERGED_COLOR,
                                          "anchors": [(1, 1), (1, 1)]},
        )
        self._current_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen(*_CURRENT_COLOR, width=1)
        )
        for item, z in ((self._curve, 10), (self._dots, 11), (self._recovery_marks, 12),
                        (self._converged_star, 13), (self._current_dot, 14),
                        (self._converged_line, 3), (self._current_line, 4)):
            self._plot.addItem(item)
            item.setZValue(z)
            item.hide()
        # All recovery lines are vertical segments of one curve, kept across the visible
        # y-range (it is left out of the automatic range).
        self._recovery_lines = pg.PlotCurveItem(
            pen=pg.mkPen(*_RECOVERY_COLOR, 150, width=1, cosmetic=True,
                         style=QtCore.Qt.PenStyle.DashLine),
            connect="pairs", antialias=False,
        )
        self._plot.addItem(self._recovery_lines, ignoreBounds=True)
        self._recovery_lines.setZValue(2)
        self._recovery_lines.hide()
        self._recovery_x = np.empty(0)
        self._recovery_key = None
        self._recovery_iterations = np.empty(0)  # every distinct recovery, sorted
        self._vb.sigYRangeChanged.connect(self._update_recovery_lines)
        self._marks = (np.empty(0), np.empty(0))  # the recovery triangles drawn
        # What the markers show: (curve id, list of recoveries, newest iteration then) and
        # for the others (iteration, value); None while hidden.
        self._recoveries_shown = None
        self._dots_shown = self._converged_shown = self._current_shown = None

        # The readout sits above the plot area, in a margin kept for it, so it never covers
        # the curve. It is a child of the PlotItem (not of the ViewBox, not in the layout):
        # a new text each frame then costs a repaint of the text, not a relayout.
        self._readout = pg.TextItem(anchor=(1, 0), color=FOREGROUND)
        self._readout_font = QtGui.QFont()
        self._readout_font.setPointSizeF(READOUT_POINT_SIZE)
        self._readout.setFont(self._readout_font)
        self._readout.setParentItem(self._plot)
        self._readout.setZValue(100)
        self._full_readout = ""
        self._tooltip = TOOLTIP
        self._reserve_readout_margin()
        self._plot.geometryChanged.connect(self._fit_readout)
        self._vb.sigResized.connect(self._on_view_resized)
        self._vb.sigRangeChangedManually.connect(self._on_range_changed_manually)
        # Zooming, panning and resizing change which points each pixel column holds.
        self._vb.sigXRangeChanged.connect(self._update_curve)
        self._vb.sigResized.connect(self._update_curve)
        self.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self._follow = True  # frame the curve until the user zooms or pans it
        self.set_scale("total")
        self.reset()

    # ----------------------------------------------------------------------- public API
    def reset(self) -> None:
        """Forget the history (a new run)."""
        self._follow = True
        self.show_history(np.empty(0), np.empty(0), [], None, None)
        self._vb.enableAutoRange()

    def set_scale(self, scale: str) -> None:
        """Label the values as ``"total"`` or ``"mean"`` (per point) log-likelihood."""
        if scale not in SCALE_LABELS:
            options = ", ".join(repr(s) for s in SCALE_LABELS)
            raise ValueError(f"scale must be one of {options}; got {scale!r}.")
        self._scale = scale
        self._plot.setLabel("left", SCALE_LABELS[scale], color=FOREGROUND_HEX,
                            size=self._label_size)

    def show_history(
        self,
        iterations: np.ndarray,
        values: np.ndarray,
        recoveries: list[int] = (),
        converged_at: int | None = None,
        current: int | None = None,
        finished: bool = False,
        current_value: float | None = None,
        edits=(),
    ) -> None:
        """Draw the whole history.

        Parameters
        ----------
        iterations : ndarray of shape (n_iterations,)
            Increasing iteration numbers.
        values : ndarray of shape (n_iterations,)
            Log-likelihood at each iteration (on the scale given to :meth:`set_scale`);
            non-finite values leave a gap.
        recoveries : list of int
            Iterations at which a component was re-placed; one vertical line per distinct
            iteration (at most ``MAX_RECOVERY_LINES``, the most recent) and a triangle on
            the curve for each.
        converged_at : int or None
            Iteration where the run converged: a star and a dashed line.
        current : int or None
            The iteration shown in the canvas (e.g. while scrubbing): a vertical line, a
            ring on the curve and the readout. None: the readout shows the last iteration.
        finished : bool
            The run has stopped (converged or at max iterations): the x-range ends at the
            newest iteration instead of reaching ahead for iterations to come.
        current_value : float, optional
            The value of the state shown when it is not the curve's at ``current`` (the
            state a rule caught, before its re-placement): the ring is drawn there, off
            the curve, and the readout gives it and its change from the iteration before.
        edits : sequence of int
            Iterations where the user changed the model by hand (a dragged mean or
            outline): a purple diamond on the curve at each.
        """
        iterations = np.asarray(iterations, dtype=np.float64).ravel()
        values = np.asarray(values, dtype=np.float64).ravel()
        if iterations.shape != values.shape:
            raise ValueError(
                f"iterations and values must have the same length; got {iterations.shape} "
                f"and {values.shape}."
            )
        if not self._continues(iterations, values):
            self._curve_id += 1
            seen = 0
        else:
            seen = len(self._iterations)
        self._iterations, self._values = iterations, values
        n = len(iterations)
        if n == 0:
            for item in (self._curve, self._dots, self._recovery_marks, self._converged_star,
                         self._current_dot, self._converged_line, self._current_line,
                         self._edit_marks):
                item.hide()
            self._edits_shown = None
            self._show_recovery_lines(np.empty(0))
            self._show_recovery_marks(np.empty(0), np.empty(0))
            self._recoveries_shown = None
            self._dots_shown = self._converged_shown = self._current_shown = None
            self._set_readout("no iterations yet")
            return
        # Recoveries first: the range is chosen to show them.
        self._show_recoveries(recoveries)
        if self._follow:
            self._follow_curve(iterations, values, seen, finished)
        self._update_curve()
        self._curve.show()
        # Each marker is handed to its item only when it differs from what is drawn.
        dots = (self._curve_id, n) if n <= _DOTS_UP_TO else None
        if dots != self._dots_shown:
            self._dots_shown = dots
            if dots is not None:
                self._dots.setData(iterations, values)
            self._dots.setVisible(dots is not None)
        self._converged_shown = self._show_marker_at(
            converged_at, self._converged_line, self._converged_star, self._converged_shown)
        self._current_shown = self._show_marker_at(
            current, self._current_line, self._current_dot, self._current_shown,
            value=current_value)
        self._show_edits(edits)
        self._update_readout(current, current_value)

    # -------------------------------------------------------------- read-only accessors
    def readout_text(self) -> str:
        """The readout's text as drawn above the plot (a shorter form when the plot is too
        narrow for the whole of it)."""
        return self._readout.toPlainText()

    def full_readout_text(self) -> str:
        """The readout's whole text (its tooltip when a shorter form is drawn)."""
        return self._full_readout

    def readout_rect(self) -> QtCore.QRectF:
        """Where the readout is drawn, in the PlotItem's coordinates (tests check that it
        lies outside the plot area and inside the widget)."""
        return self._readout.mapRectToParent(self._readout.boundingRect())

    def plot_area_rect(self) -> QtCore.QRectF:
        """The curve's area (the ViewBox), in the PlotItem's coordinates."""
        return self._vb.mapRectToParent(self._vb.boundingRect())

    def point_count(self) -> int:
        """Number of iterations in the drawn curve."""
        return len(self._iterations)

    def drawn_points(self) -> tuple:
        """``(x, y)``: the points handed to the curve item (see :func:`column_envelope`)."""
        x, y = self._curve.getData()
        return (np.empty(0), np.empty(0)) if x is None else (np.array(x), np.array(y))

    def thin_pen(self) -> bool:
        """True while the curve is drawn with the 1 px aliased pen (long histories)."""
        return self._thin

    def visible_recovery_lines(self) -> int:
        """How many recovery lines are shown."""
        return len(self._recovery_x) if self._recovery_lines.isVisible() else 0

    # ------------------------------------------------------------------------ internals
    def _style_axes(self):
        self._grid = style_plot(self._plot, tick_point_size=TICK_POINT_SIZE)
        self._label_size = f"{LABEL_POINT_SIZE:.1f}pt"
        self._plot.setLabel("bottom", "iteration", color=FOREGROUND_HEX,
                            size=self._label_size)
        # Plain numbers on both axes: pyqtgraph's SI prefix would turn a mean
        # log-likelihood of -0.9747 into "-974.70 (x0.001)", its multiplier then clipped.
        for name in ("left", "bottom"):
            self._plot.getAxis(name).enableAutoSIPrefix(False)

    def _continues(self, iterations, values) -> bool:
        """True when ``iterations, values`` are the history shown last with (possibly)
        iterations added: every earlier point the same, to the bit (a NaN stays a NaN)."""
        old_its, old_values = self._iterations, self._values
        n = len(old_its)
        if len(iterations) < n:
            return False
        return _same_bits(iterations[:n], old_its) and _same_bits(values[:n], old_values)

    def _follow_curve(self, iterations, values, seen, finished=False):
        """Keep every iteration in view while the run goes on, changing the range rarely.

        A new range costs a few milliseconds (both axes regenerate their ticks, the grid
        its lines, the curve its envelope), so it is not set every frame: the x-range
        reaches ahead of the newest iteration by :data:`FOLLOW_STEP` of its length and is
        moved on only when the curve reaches its edge; the y-range changes only when a new
        value leaves it, and is then fitted again to the whole history (and when the
        x-range moves on, if the values it is fitted to no longer lie in it or it is more
        than :data:`FOLLOW_LOOSEST` times as tall as the fit). A history that is not the
        previous one grown is framed tightly, as a first frame.

        Parameters
        ----------
        iterations, values : ndarray of shape (n,)
            The history.
        seen : int
            Its first ``seen`` points were shown before, in the range set then.
        """
        framed = self._framed
        if framed is None or framed[0] != self._curve_id:
            self._frame_curve(iterations, values, ahead=False)
            return
        if finished and framed[1] > float(iterations[-1]) + self._x_room(iterations):
            # The run stopped: no iterations are coming, so no slack on the right.
            self._frame_curve(iterations, values, ahead=False)
            return
        new = values[seen:]
        finite = np.isfinite(new)
        if not finite.any():
            return
        _, right, (y_low, y_high) = framed
        new = new[finite]
        if float(iterations[seen:][finite][-1]) > right:
            self._frame_curve(iterations, values, ahead=True)
        elif (float(new.min()) < y_low or float(new.max()) > y_high
              or len(values) <= SHORT_HISTORY):
            # (A short history is refitted whatever its new values: its first iterations,
            # often far below the rest, are left out of the range only once there are a
            # few more, and the range fitted to them would flatten the rest.)
            self._frame_curve(iterations, values, ahead=True, x_too=False)

    def _frame_curve(self, iterations, values, ahead, x_too=True):
        """Show every iteration, and the y-range where the curve's story is.

        The first iterations of EM often sit orders of magnitude below the rest (iteration
        0 of the study's blobs: -60,000 against -3,000), which would flatten everything
        after them. Leading values that lie far below the range of the later ones are left
        out of the y-range (they run off the bottom of the plot; the readout still gives
        them).

        Parameters
        ----------
        iterations, values : ndarray of shape (n,)
            The history.
        ahead : bool
            Reach :data:`FOLLOW_STEP` of the history's length beyond its newest iteration
            (a run that goes on); else end at it.
        x_too : bool
            Set the x-range as well as the y-range (else keep it).
        """
        finite = np.isfinite(values)
        if not finite.any():
            return
        its, vals = iterations[finite], values[finite]
        start = 0
        while len(vals) - start > 3:
            rest = vals[start + 1:]
            span = max(float(np.ptp(rest)), 1e-9 * max(1.0, abs(float(rest[-1]))))
            if vals[start] >= rest.min() - 3.0 * span:
                break
            start += 1
        low, high = float(vals[start:].min()), float(vals[start:].max())
        # A recovery's drop is the story of its iteration: it stays in view even when it
        # falls among the leading values left out.
        recovery_values = self._value_at(self._recovery_iterations)
        recovery_values = recovery_values[np.isfinite(recovery_values)]
        if len(recovery_values):
            low = min(low, float(recovery_values.min()))
        # A flat or single-point curve still gets a readable range (0.1% of its value);
        # the markers drawn on the lowest and highest points stay whole inside the frame.
        span = max(high - low, 1e-3 * max(1.0, abs(high)))
        height = max(self._vb.height(), 3.0 * MARKER_ROOM_PX)
        pad = span * max(0.06, MARKER_ROOM_PX / (height - 2.0 * MARKER_ROOM_PX))
        y_range = (low - pad, high + pad)
        first, last = float(its[0]), float(its[-1])
        if not x_too:
            self._vb.setRange(yRange=y_range, padding=0.02, update=False)
            self._framed = (self._curve_id, self._framed[1], y_range)
            return
        room = self._x_room(its)
        if ahead:
            right = last + max(FOLLOW_STEP * (last - first), FOLLOW_STEP_MIN)
            first -= room
            kept = self._framed[2]
            if (kept[0] <= low and high <= kept[1]
                    and kept[1] - kept[0] <= FOLLOW_LOOSEST * (y_range[1] - y_range[0])):
                # The y-range set before still holds the curve and is not much looser than
                # its fit: keep it (the left axis's ticks are not rebuilt).
                self._vb.setRange(xRange=(first, right), padding=0.02, update=False)
                self._framed = (self._curve_id, right, kept)
                return
        else:
            first, right = first - room, (last + room if last > first else last + 1.0)
        self._vb.setRange(xRange=(first, right), yRange=y_range, padding=0.02, update=False)
        self._framed = (self._curve_id, right, y_range)

    def _x_room(self, iterations) -> float:
        """Iterations that make :data:`MARKER_ROOM_PX` pixels at the plot's width."""
        width = max(self._vb.width(), 3.0 * MARKER_ROOM_PX)
        length = float(iterations[-1] - iterations[0]) if len(iterations) else 0.0
        return length * MARKER_ROOM_PX / (width - 2.0 * MARKER_ROOM_PX)

    def _on_range_changed_manually(self, *_):
        # The user zoomed or panned: leave the view where they put it until the next run.
        self._follow = False
        self._update_curve()

    def _pixel_columns(self) -> int:
        """Device pixel columns across the plot area."""
        ratio = self.devicePixelRatioF() or 1.0
        return max(int(np.ceil(self._vb.width() * ratio)), 16)

    def _update_curve(self, *_):
        """Hand the curve the points of the exact history that the view can show.

        While the x-range and the width stay the same, the envelope takes in the new
        iterations only; the curve is handed points (and its pen chosen) only when they
        differ from those it has.
        """
        its, vals = self._iterations, self._values
        if len(its) == 0:
            return
        x_range = tuple(self._vb.viewRange()[0])
        columns = self._pixel_columns()
        envelope = self._envelope
        if (envelope is None or self._envelope_curve != self._curve_id
                or envelope.x_range != x_range or envelope.columns != columns):
            envelope = self._envelope = CurveEnvelope(x_range, columns)
            self._envelope_curve = self._curve_id
        envelope.extend(its, vals)
        index = envelope.indices()
        view = (self._vb.viewRange(), self._vb.width(), self._vb.height())
        drawn = self._drawn
        same_points = (drawn is not None and drawn[0] == self._curve_id
                       and np.array_equal(drawn[1], index))
        if same_points and drawn[2] == view:
            return
        self._drawn = (self._curve_id, index, view)
        x, y = its[index], vals[index]
        thin = len(x) > THIN_PEN_FROM or self._pixel_length(x, y) > THIN_PEN_LENGTH * (
            self._vb.width() + self._vb.height())
        if thin != self._thin:
            self._thin = thin
            self._curve.setPen(_THIN_PEN if thin else _WIDE_PEN)
        elif same_points:
            return  # only the view changed, not what the curve is drawn with
        self._curve.setData(x, y, antialias=not thin)

    def _pixel_length(self, x, y) -> float:
        """Length in pixels of the line through the points (x, y) in the current view."""
        (x0, x1), (y0, y1) = self._vb.viewRange()
        sx = self._vb.width() / max(x1 - x0, 1e-300)
        sy = self._vb.height() / max(y1 - y0, 1e-300)
        with np.errstate(invalid="ignore", over="ignore"):
            steps = np.hypot(np.diff(x) * sx, np.diff(y) * sy)
        return float(np.sum(steps[np.isfinite(steps)]))

    def _value_at(self, iterations: np.ndarray) -> np.ndarray:
        """Values at the given iterations (NaN where the history has none)."""
        out = np.full(len(iterations), np.nan)
        if len(self._iterations) == 0 or len(iterations) == 0:
            return out
        idx = np.clip(np.searchsorted(self._iterations, iterations), 0, len(self._iterations) - 1)
        hit = self._iterations[idx] == iterations
        out[hit] = self._values[idx[hit]]
        return out

    def _show_recoveries(self, recoveries):
        """Recovery lines and triangles; only new recoveries are looked at while the run
        goes on (the values of those shown before do not change while the history grows).

        Parameters
        ----------
        recoveries : sequence of int
            Every recovery of the run, in order (repeats allowed).
        """
        recoveries = list(recoveries)
        shown = self._recoveries_shown
        newest = float(self._iterations[-1])
        self._recoveries_shown = (self._curve_id, recoveries, newest)
        if shown is not None and shown[0] == self._curve_id:
            old, old_newest = shown[1], shown[2]
            m = len(old)
            known = self._recovery_iterations  # those of ``old``, sorted and distinct
            # Each recovery shown before had its value in the history then.
            if (len(recoveries) >= m and recoveries[:m] == old
                    and (not m or known[-1] <= old_newest)):
                if len(recoveries) == m:
                    return
                new = np.unique(np.asarray(recoveries[m:], dtype=np.float64))
                if not m or new[0] >= known[-1]:
                    new = new[new > known[-1]] if m else new
                    if len(new):
                        self._add_recoveries(new)
                    return
        rec = np.unique(np.asarray(recoveries, dtype=np.float64))
        self._recovery_iterations = rec
        self._show_recovery_lines(rec[-MAX_RECOVERY_LINES:])
        rec_values = self._value_at(rec)
        ok = np.isfinite(rec_values)
        self._show_recovery_marks(rec[ok], rec_values[ok])

    def _add_recoveries(self, new):
        """Add recoveries at iterations ``new`` (sorted, after those shown)."""
        rec = self._recovery_iterations = np.concatenate([self._recovery_iterations, new])
        self._show_recovery_lines(rec[-MAX_RECOVERY_LINES:])
        values = self._value_at(new)
        ok = np.isfinite(values)
        old_x, old_y = self._marks
        self._show_recovery_marks(np.concatenate([old_x, new[ok]]),
                                  np.concatenate([old_y, values[ok]]))

    def _show_edits(self, edits):
        key = (self._curve_id, tuple(int(e) for e in edits))
        if key == self._edits_shown:
            return
        self._edits_shown = key
        its = np.unique(np.asarray(key[1], dtype=np.float64))
        values = self._value_at(its)
        ok = np.isfinite(values)
        if ok.any():
            self._edit_marks.setData(its[ok], values[ok])
        self._edit_marks.setVisible(bool(ok.any()))

    def edit_marks(self) -> np.ndarray:
        """Iterations marked as changed by hand (tests read them)."""
        if not self._edit_marks.isVisible():
            return np.empty(0)
        return np.asarray(self._edit_marks.data["x"], dtype=float)

    def _show_marker_at(self, iteration, line, dot, shown, value=None):
        """A vertical line at ``iteration`` and a symbol on the curve there (None: hide).

        Returns
        -------
        shown : tuple or None
            ``(iteration, value or None)``, what is drawn; the items are left alone when
            it equals ``shown``.
        """
        if iteration is None:
            key = None
        else:
            if value is None:
                value = float(self._value_at(np.array([float(iteration)]))[0])
            value = float(value)
            key = (float(iteration), value if np.isfinite(value) else None)
        if key == shown:
            return shown
        if key is None:
            line.hide()
            dot.hide()
            return key
        line.setValue(key[0])
        line.show()
        if key[1] is not None:
            if isinstance(dot, DiscMarkers):
                dot.set_markers([key])
            else:
                dot.setData([key[0]], [key[1]])
        dot.setVisible(key[1] is not None)
        return key

    def _show_recovery_marks(self, x: np.ndarray, y: np.ndarray):
        """A triangle at each (iteration, value); new ones are added to those drawn.

        While a run goes on, the marks of the previous frame are the start of the new
        ones: only the new marks are handed to pyqtgraph (it spends Python time on every
        point it is given, ~1.5 us each: 12 ms a frame at 8,000 recoveries).
        """
        old_x, old_y = self._marks
        n = len(old_x)
        if 0 < n <= len(x) and np.array_equal(x[:n], old_x) and np.array_equal(y[:n], old_y):
            if len(x) > n:
                self._recovery_marks.addPoints(x=x[n:], y=y[n:])
        elif len(x):
            self._recovery_marks.setData(x, y)
        else:
            self._recovery_marks.clear()
        self._marks = (x, y)
        self._recovery_marks.setVisible(len(x) > 0)

    def _show_recovery_lines(self, iterations: np.ndarray):
        """A vertical dashed line at each of ``iterations``."""
        self._recovery_x = np.asarray(iterations, dtype=np.float64)
        self._recovery_key = None
        self._update_recovery_lines()

    def _update_recovery_lines(self, *_):
        """Draw the recovery lines across the visible y-range (and beyond it).

        One curve of vertical segments, not one item per line: 200 ``InfiniteLine``
        items cost ~30 ms a frame (each one recomputes its bounds in Python whenever the
        view moves, and a 1.2 px dashed pen is slow to raster).
        """
        x = self._recovery_x
        if len(x) == 0:
            self._recovery_lines.hide()
            return
        y0, y1 = self._vb.viewRange()[1]
        key = (len(x), float(x[0]), float(x[-1]), y0, y1)
        if key == self._recovery_key:
            return
        self._recovery_key = key
        span = max(y1 - y0, 1e-300)
        ends = np.array([y0 - span, y1 + span])
        self._recovery_lines.setData(np.repeat(x, 2), np.tile(ends, len(x)))
        self._recovery_lines.show()

    def _update_readout(self, current, current_value=None):
        its, vals = self._iterations, self._values
        if current is None:
            idx = len(its) - 1
        else:
            idx = int(np.clip(np.searchsorted(its, float(current)), 0, len(its) - 1))
        value = vals[idx] if current_value is None else float(current_value)
        text = f"iteration {int(its[idx])}    {_format_value(value)}"
        if idx > 0 and np.isfinite(value) and np.isfinite(vals[idx - 1]):
            text += f"    \u0394 {value - vals[idx - 1]:+.3g}"
        if text != self._full_readout:
            self._set_readout(text)

    def _set_readout(self, text: str):
        self._full_readout = text
        self._fit_readout()

    def set_font_scale(self, scale: float) -> None:
        """Scale the readout's and the tick labels' fonts (the window's View > Zoom)."""
        self._readout_font.setPointSizeF(READOUT_POINT_SIZE * scale)
        self._readout.setFont(self._readout_font)
        self._label_size = f"{LABEL_POINT_SIZE * scale:.1f}pt"
        for name in ("left", "bottom"):
            self._plot.getAxis(name).setTickFont(_font(TICK_POINT_SIZE * scale))
        self.set_scale(self._scale)
        self._plot.setLabel("bottom", "iteration", color=FOREGROUND_HEX,
                            size=self._label_size)
        self._reserve_readout_margin()
        self._fit_readout()

    def _reserve_readout_margin(self):
        """Keep a strip above the plot area as tall as the readout's line."""
        margin = self._readout.textItem.document().documentMargin()
        height = QtGui.QFontMetricsF(self._readout_font).height() + 2 * margin
        self._plot.setContentsMargins(2, height, 6, 2)

    def _fit_readout(self, *_):
        """Draw the whole readout, or shorter forms of it when the plot is too narrow
        (the whole text is then the tooltip): never a text cut at the widget's edge."""
        text = self._full_readout
        width = self._plot.boundingRect().width() - 12
        metrics = QtGui.QFontMetricsF(self._readout_font)
        for candidate in _shorter_forms(text):
            if metrics.horizontalAdvance(candidate) <= width:
                break
        if candidate != self._readout.toPlainText():
            self._readout.setText(candidate)
        self.setToolTip(self._tooltip if candidate == text else f"{text}\n\n{self._tooltip}")
        self._on_view_resized()

    def _on_view_resized(self, *_):
        rect = self._plot.boundingRect()
        self._readout.setPos(rect.right() - 4, 0)

    def _on_scene_clicked(self, event):
        if len(self._iterations) == 0 or event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        pos = event.scenePos()
        if not self._vb.sceneBoundingRect().contains(pos):
            return
        x = self._vb.mapSceneToView(pos).x()
        idx = int(np.argmin(np.abs(self._iterations - x)))
        self.sigIterationClicked.emit(int(self._iterations[idx]))


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """True when two float64 arrays hold the same bits (NaN equals NaN, -0.0 is not 0.0)."""
    return a is b or np.array_equal(a.view(np.int64), b.view(np.int64))


def _shorter_forms(text: str):
    """The readout, then shorter forms of it: tighter spacing, no change, no word
    "iteration" (the last one is drawn even when it does not fit)."""
    yield text
    tight = text.replace("    ", "  ")
    yield tight
    without_change = tight.split("  \u0394")[0]
    yield without_change
    yield without_change.replace("iteration ", "it. ")


def _font(point_size: float) -> QtGui.QFont:
    font = QtGui.QFont()
    font.setPointSizeF(point_size)
    return font


def _format_value(value: float) -> str:
    if not np.isfinite(value):
        return "\u2113 = n/a"
    magnitude = abs(value)
    digits = 1 if magnitude >= 1e4 else 2 if magnitude >= 100 else 4
    return f"\u2113 = {value:,.{digits}f}"
