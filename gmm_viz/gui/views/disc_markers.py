"""Round markers of a size in pixels at a few points given in data units.

The means move every frame of a run. Measured in the window at K = 8 and 2,000 points,
the window's pyqtgraph scatters (the means, their white halos, the curve's ring, the
markers) took ~1.4 ms a frame together: ``setData`` rebuilds per-point records, and the
scene asks a scatter's ``boundingRect`` several times a frame, each a walk through pixel
vectors. For a handful of discs that move, a few ``drawEllipse`` calls in device pixels
do the same job.
"""

from __future__ import annotations

import numpy as np
from pyqtgraph.Qt import QtCore, QtGui

from gmm_viz.gui.views.pixel_padded import PixelPaddedItem


class DiscMarkers(PixelPaddedItem):
    """Discs with an outline, each over an optional halo disc, at points in data units.

    Parameters
    ----------
    size_px : float
        Diameter of a disc in pixels (its outline is centred on that circle).
    halo_px : float
        Diameter of the halo drawn behind every disc; 0 for none.
    halo_brush : QBrush, optional
        Fill of the halos (white by default).
    fill : QBrush, optional
        Fill of every disc when :meth:`set_markers` is given none (white by default).
    outline : QPen, optional
        Outline of every disc when :meth:`set_markers` is given none (none by default).
    """

    def __init__(self, size_px: float, halo_px: float = 0.0, halo_brush=None, fill=None,
                 outline=None, parent=None):
        super().__init__(parent)
        self._size = float(size_px)
        self._halo = float(halo_px)
        white = QtGui.QBrush(QtGui.QColor(255, 255, 255))
        self._halo_brush = halo_brush if halo_brush is not None else white
        self._fill = fill if fill is not None else white
        self._outline = outline if outline is not None else QtGui.QPen(
            QtCore.Qt.PenStyle.NoPen)
        self._xy = np.empty((0, 2))
        self._fills: list = []
        self._outlines: list = []

    # ------------------------------------------------------------------------------ data
    def set_markers(self, xy: np.ndarray, fills=None, outlines=None) -> None:
        """Place the discs.

        Parameters
        ----------
        xy : array_like of shape (n_markers, 2)
            Centres in data units; markers with a non-finite centre are not drawn.
        fills : sequence of QBrush, length n_markers, optional
            The item's ``fill`` for every disc when None.
        outlines : sequence of QPen, length n_markers, optional
            Widths in pixels; used as they are, not copied. The item's ``outline`` for
            every disc when None.
        """
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        fills = [self._fill] * len(xy) if fills is None else fills
        outlines = [self._outline] * len(xy) if outlines is None else outlines
        if not len(fills) == len(outlines) == len(xy):
            raise ValueError(f"{len(xy)} markers need as many fills and outlines; got "
                             f"{len(fills)} and {len(outlines)}.")
        finite = np.isfinite(xy).all(axis=1)
        keep = np.flatnonzero(finite)
        self.prepareGeometryChange()
        self._xy = xy[keep]
        self._fills = [fills[i] for i in keep]
        self._outlines = [outlines[i] for i in keep]
        if len(self._xy):
            lo, hi = self._xy.min(axis=0), self._xy.max(axis=0)
            self._ranges = ((float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1])))
        else:
            self._ranges = None
        self._bounding = None
        self.update()

    def set_sizes(self, size_px: float, halo_px: float | None = None) -> None:
        """Diameters in pixels of the discs and (when given) of the halos."""
        self.prepareGeometryChange()
        self._size = float(size_px)
        if halo_px is not None:
            self._halo = float(halo_px)
        self._bounding = None
        self.update()

    def getData(self):
        """``(x, y)`` of the drawn centres, each an ndarray of shape (n_markers,)."""
        return self._xy[:, 0].copy(), self._xy[:, 1].copy()

    @property
    def size_px(self) -> float:
        return self._size

    @property
    def fills(self) -> list:
        """The brushes of the drawn discs, in the order of :meth:`getData`."""
        return list(self._fills)

    @property
    def outlines(self) -> list:
        """The pens of the drawn discs, in the order of :meth:`getData`."""
        return list(self._outlines)

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        """Range of the centres along ``ax`` (0: x, 1: y), for a ViewBox's auto-range, as
        a scatter gives it (the discs' size is :meth:`pixelPadding`)."""
        return None if self._ranges is None else self._ranges[ax]

    def pixelPadding(self):
        return self._pad_px()

    def _pad_px(self) -> float:
        widest = max((pen.widthF() for pen in self._outlines), default=0.0)
        return max(self._size / 2 + widest / 2, self._halo / 2) + 1.0

    # ---------------------------------------------------------------------------- paint
    def paint(self, painter, option, widget=None):
        if not len(self._xy):
            return
        t = painter.transform()
        x, y = self._xy[:, 0], self._xy[:, 1]
        # Device pixels: the sizes are in pixels whatever the zoom, and Qt draws a
        # cosmetic outline there directly.
        px = t.m11() * x + t.m21() * y + t.dx()
        py = t.m12() * x + t.m22() * y + t.dy()
        centres = [QtCore.QPointF(float(a), float(b)) for a, b in zip(px, py)]
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
        if self._halo > 0:
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(self._halo_brush)
            r = self._halo / 2
            for centre in centres:  # every halo under every disc, as two layers would be
                painter.drawEllipse(centre, r, r)
        r = self._size / 2
        for centre, fill, outline in zip(centres, self._fills, self._outlines):
            painter.setPen(outline)
            painter.setBrush(fill)
            painter.drawEllipse(centre, r, r)
        painter.restore()
