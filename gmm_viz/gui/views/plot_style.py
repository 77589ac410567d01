"""The look shared by the app's plots: no buttons, dark axes and ticks, a light grid."""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.Qt import QtGui

from gmm_viz.gui.views.light_grid import LightGrid
from gmm_viz.palette import FOREGROUND


def style_plot(plot, tick_point_size: float) -> LightGrid:
    """Style ``plot`` (a pyqtgraph PlotItem) as every plot of the app; return its grid.

    Parameters
    ----------
    plot : pyqtgraph.PlotItem
    tick_point_size : float
        Font size of the tick labels, in points.
    """
    plot.hideButtons()
    grid = LightGrid(plot)
    font = QtGui.QFont()
    font.setPointSizeF(tick_point_size)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(FOREGROUND))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.setTickFont(font)
    return grid
