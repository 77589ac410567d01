"""BIC (or AIC) against k, one line per covariance type, the best model marked.

A dumb view, drawn as R's mclust draws its BIC plot: one line with its own symbol per
covariance type, k on the x axis. Ours plots scikit-learn's BIC, where lower is better
(mclust plots its negative, where higher is). The best model gets a large ring and a
label. Hovering near a point shows its values in :attr:`CriterionPlot.readout` (and a
tooltip); clicking it emits :attr:`CriterionPlot.sigModelClicked`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore, QtWidgets

from gmm_viz.engine.config import COVARIANCE_TYPES
from gmm_viz.gui.views.plot_style import style_plot
from gmm_viz.palette import BACKGROUND, FOREGROUND_HEX
from gmm_viz.selection.optima import format_log_likelihood

#: Colour and symbol of each covariance type's line.
LINE_STYLES = {
    "full": ((0, 114, 178), "o"),
    "tied": ((213, 94, 0), "s"),
    "diag": ((0, 158, 115), "t"),
    "spherical": ((204, 121, 167), "d"),
}
#: Pixels within which the pointer is "on" a point.
HOVER_PX = 12


def format_number(value: float) -> str:
    """One decimal and a true minus sign; "—" for a missing value."""
    if not np.isfinite(value):
        return "—"
    return format_log_likelihood(value)


def model_text(fit) -> str:
    """Everything about one model, for the hover readout."""
    if not fit.valid:
        return (f"k = {fit.n_components}, {fit.covariance_type}: every one of its "
                f"{fit.n_init} starts collapsed onto a point or a line (no value)")
    collapsed = f", {fit.collapsed} collapsed" if fit.collapsed else ""
    return (f"k = {fit.n_components}, {fit.covariance_type}: BIC {format_number(fit.bic)}, "
            f"AIC {format_number(fit.aic)}, log-likelihood "
            f"{format_number(fit.log_likelihood)}, {fit.n_parameters} parameters; best of "
            f"{fit.n_init} starts (seed {fit.seed}{collapsed}), {fit.n_iter} iterations")


class CriterionPlot(pg.PlotWidget):
    """The criterion against k for each covariance type.

    Signals
    -------
    sigModelClicked(str, int)
        A model's point was clicked: covariance type, k.
    sigHovered(str)
        The readout changed (the text of the model under the pointer, or "").
    """

    sigModelClicked = QtCore.pyqtSignal(str, int)
    sigHovered = QtCore.pyqtSignal(str)

    def __init__(self, parent=None):
        super().__init__(parent=parent, background=BACKGROUND)
        self._plot = self.getPlotItem()
        self._grid = style_plot(self._plot, tick_point_size=9.5)
        self._plot.getAxis("left").setWidth(70)
        self._plot.setMouseEnabled(x=False, y=False)
        self._plot.setMenuEnabled(False)
        self._legend = self._plot.addLegend(offset=(-10, 10), labelTextColor=FOREGROUND_HEX,
                                            labelTextSize="10pt")
        self._lines = {}
        self._legend_types = ()
        for name in COVARIANCE_TYPES:
            rgb, symbol = LINE_STYLES[name]
            line = pg.PlotDataItem(pen=pg.mkPen(*rgb, width=2), symbol=symbol, symbolSize=9,
                                   symbolBrush=pg.mkBrush(*rgb), symbolPen=pg.mkPen(*rgb),
                                   connect="finite")
            self._plot.addItem(line)
            self._lines[name] = line
        self._best_ring = pg.ScatterPlotItem(pxMode=True, symbol="o", size=26,
                                             pen=pg.mkPen(20, 20, 20, width=2.5), brush=None)
        self._best_label = pg.TextItem(anchor=(0.5, -0.6), color=FOREGROUND_HEX)
        self._hover_ring = pg.ScatterPlotItem(pxMode=True, symbol="o", size=18,
                                              pen=pg.mkPen(120, 120, 120, width=1.5),
                                              brush=None)
        for item, z in ((self._best_ring, 30), (self._best_label, 31), (self._hover_ring, 29)):
            self._plot.addItem(item, ignoreBounds=True)
            item.setZValue(z)
        self._best_label.hide()
        self._result = None
        self._criterion = "bic"
        self.readout = ""
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._set_labels()

    # ------------------------------------------------------------------ public API
    def show_result(self, result, criterion: str = "bic") -> None:
        """Draw a :class:`~gmm_viz.selection.grid.GridResult` (complete or partial)."""
        self._result = result
        self._criterion = criterion
        self._set_labels()
        shown = tuple(result.covariance_types) if result is not None else ()
        if shown != self._legend_types:  # the legend lists the lines drawn, in order
            self._legend.clear()
            for name in shown:
                self._legend.addItem(self._lines[name], name)
            self._legend_types = shown
        for name, line in self._lines.items():
            if name not in shown:
                line.setData([], [])
                line.hide()
                continue
            ks, values = result.line(name, criterion)
            line.setData(ks.astype(float), values)
            line.show()
        best = result.best(criterion) if result is not None else None
        if best is None:
            self._best_ring.setData([], [])
            self._best_label.hide()
        else:
            value = best.value(criterion)
            self._best_ring.setData([best.n_components], [value])
            self._best_label.setText(f"best: k = {best.n_components}, "
                                     f"{best.covariance_type}")
            self._best_label.setPos(best.n_components, value)
            self._best_label.show()
        if result is not None and result.ks:
            self._plot.setXRange(min(result.ks) - 0.5, max(result.ks) + 0.5, padding=0)
            # k is a whole number: a tick at each k fitted, never at 1.5.
            ks = list(result.ks)
            step = max(1, len(ks) // 20)
            self._plot.getAxis("bottom").setTicks([[(k, str(k)) for k in ks[::step]], []])
            values = np.concatenate([result.line(n, criterion)[1]
                                     for n in result.covariance_types] or [np.empty(0)])
            values = values[np.isfinite(values)]
            if len(values):
                span = max(values.max() - values.min(), 1.0)
                self._plot.setYRange(values.min() - 0.12 * span, values.max() + 0.05 * span,
                                     padding=0)

    def point_position(self, covariance_type: str, k: int) -> QtCore.QPointF:
        """Where a model's point is, in scene coordinates (tests hover and click there)."""
        fit = self._result.fit(covariance_type, k)
        return self._plot.getViewBox().mapViewToScene(
            QtCore.QPointF(float(k), float(fit.value(self._criterion))))

    def model_at(self, scene_pos):
        """The model whose point is within :data:`HOVER_PX` of ``scene_pos``, or None."""
        if self._result is None:
            return None
        best, best_d = None, HOVER_PX
        vb = self._plot.getViewBox()
        for fit in self._result.fits:
            if not fit.valid or not self._lines[fit.covariance_type].isVisible():
                continue
            p = vb.mapViewToScene(QtCore.QPointF(float(fit.n_components),
                                                 float(fit.value(self._criterion))))
            d = float(np.hypot(p.x() - scene_pos.x(), p.y() - scene_pos.y()))
            if d <= best_d:
                best, best_d = fit, d
        return best

    def hover(self, scene_pos) -> None:
        """Show the values of the model under ``scene_pos`` (or nothing)."""
        fit = self.model_at(scene_pos)
        text = model_text(fit) if fit is not None else ""
        if fit is not None:
            self._hover_ring.setData([fit.n_components], [fit.value(self._criterion)])
        else:
            self._hover_ring.setData([], [])
        if text != self.readout:
            self.readout = text
            self.setToolTip(text)
            if text:
                QtWidgets.QToolTip.showText(self.mapToGlobal(self.mapFromScene(scene_pos)),
                                            text, self)
            self.sigHovered.emit(text)

    # ------------------------------------------------------------------ internals
    def _set_labels(self):
        name = self._criterion.upper()
        style = {"color": FOREGROUND_HEX, "font-size": "10.5pt"}
        self._plot.setLabel("bottom", "k (number of components)", **style)
        self._plot.setLabel("left", f"{name} (lower is better)", **style)

    def _on_mouse_moved(self, scene_pos):
        self.hover(scene_pos)

    def _on_mouse_clicked(self, event):
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        fit = self.model_at(event.scenePos())
        if fit is not None:
            event.accept()
            self.sigModelClicked.emit(fit.covariance_type, fit.n_components)
