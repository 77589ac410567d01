"""DiscMarkers: a few round markers of a size in pixels (the means, the curve's ring)."""

import numpy as np
import pyqtgraph as pg
import pytest
from pyqtgraph.Qt import QtCore, QtGui

from gmm_viz.gui.views.disc_markers import DiscMarkers


@pytest.fixture
def plot(qtbot):
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(300, 300)
    widget.setBackground("w")
    widget.getViewBox().setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _pixel(widget, x, y, dx_px=0):
    scene = widget.getViewBox().mapViewToScene(QtCore.QPointF(x, y))
    point = widget.mapFromScene(scene)
    color = widget.grab().toImage().pixelColor(point.x() + dx_px, point.y())
    return np.array(color.getRgb()[:3])


def test_discs_are_drawn_at_their_centres_in_their_colours_over_their_halos(plot):
    markers = DiscMarkers(size_px=12, halo_px=24,
                          halo_brush=QtGui.QBrush(QtGui.QColor(0, 0, 255)))
    plot.addItem(markers)
    red, green = QtGui.QBrush(QtGui.QColor(255, 0, 0)), QtGui.QBrush(QtGui.QColor(0, 255, 0))
    no_pen = QtGui.QPen(QtCore.Qt.PenStyle.NoPen)
    markers.set_markers([[2.0, 2.0], [np.nan, 1.0], [7.0, 6.0]], [red, red, green],
                        [no_pen] * 3)
    assert np.array_equal(markers.getData()[0], [2.0, 7.0])  # the NaN one is not drawn
    assert markers.fills == [red, green]
    assert np.abs(_pixel(plot, 2.0, 2.0) - (255, 0, 0)).max() <= 3
    assert np.abs(_pixel(plot, 7.0, 6.0) - (0, 255, 0)).max() <= 3
    assert np.abs(_pixel(plot, 7.0, 6.0, dx_px=9) - (0, 0, 255)).max() <= 3  # the halo
    assert np.abs(_pixel(plot, 7.0, 6.0, dx_px=15) - 255).max() <= 3  # beyond it
    # Sizes are pixels, whatever the zoom.
    plot.getViewBox().setRange(xRange=(6.9, 7.1), yRange=(5.9, 6.1), padding=0)
    assert np.abs(_pixel(plot, 7.0, 6.0, dx_px=9) - (0, 0, 255)).max() <= 3
    assert np.abs(_pixel(plot, 7.0, 6.0, dx_px=15) - 255).max() <= 3
    markers.set_sizes(40, 0)  # no halo: the disc reaches 20 px
    assert np.abs(_pixel(plot, 7.0, 6.0, dx_px=15) - (0, 255, 0)).max() <= 3


def test_defaults_bounds_and_bad_input():
    ring = DiscMarkers(size_px=10, outline=pg.mkPen(90, 90, 90, width=1.5))
    assert ring.dataBounds(0) is None
    ring.set_markers([(3.0, -2.0)])
    assert ring.fills[0].color().getRgb()[:3] == (255, 255, 255)  # the default fill
    assert ring.outlines[0].widthF() == 1.5
    assert ring.dataBounds(0) == (3.0, 3.0) and ring.dataBounds(1) == (-2.0, -2.0)
    assert ring.pixelPadding() >= 10 / 2 + 1.5 / 2
    with pytest.raises(ValueError, match="2 markers need as many fills and outlines"):
        ring.set_markers([(0, 0), (1, 1)], fills=[ring.fills[0]])
