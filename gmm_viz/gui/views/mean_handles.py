"""Grips on the means: drag a mean to move it (the run takes the new mean).

One pyqtgraph ``TargetItem`` per component sits on its mean, invisible until the mouse is
over it; dragging it emits where it is, so the window can hand the move to the run (at
iteration 0 a new start, later a change EM continues from). The grips follow the means
drawn, except the one being dragged, which follows the mouse. Moving eight pyqtgraph items
costs about a millisecond of the GUI thread, so while the mouse is not over the canvas
(no grip can be hovered or grabbed) the newest means are only kept, and the grips are put
on them when the mouse comes in.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import QtCore

from gmm_viz.gui.views.visible_change import moves_visibly

#: Events that show the mouse is over the canvas (a grip may be hovered or grabbed next).
_POINTER_EVENTS = (QtCore.QEvent.Type.Enter, QtCore.QEvent.Type.MouseMove,
                   QtCore.QEvent.Type.MouseButtonPress, QtCore.QEvent.Type.HoverEnter,
                   QtCore.QEvent.Type.HoverMove)


class MeanHandles(QtCore.QObject):
    """Draggable grips on the means of a :class:`~gmm_viz.gui.views.canvas.MixtureCanvas`.

    Signals
    -------
    sigDragged(int, float, float)
        Component and its new mean on the two shown axes, while a drag goes on.
    sigDropped(int, float, float)
        The same when the drag ends.
    """

    sigDragged = QtCore.Signal(int, float, float)
    sigDropped = QtCore.Signal(int, float, float)

    def __init__(self, canvas):
        super().__init__(canvas)
        self._plot = canvas.getPlotItem()
        self._grips: list[pg.TargetItem] = []
        self._enabled = True
        self._shown = None  # the means the grips sit on
        self._waiting = None  # the newest means, while the mouse is away from the canvas
        self._viewport = canvas.viewport()
        self._viewport.installEventFilter(self)

    def set_enabled(self, enabled: bool) -> None:
        """Grips answer the mouse only when enabled (not while drawing points)."""
        self._enabled = bool(enabled)
        self._shown = None
        for grip in self._grips:
            grip.setVisible(self._enabled and grip.property("placed") is True)

    @property
    def dragging(self) -> int:
        """The component being dragged, or -1."""
        for c, grip in enumerate(self._grips):
            if grip.moving:
                return c
        return -1

    def show_means(self, means2d) -> None:
        """Put a grip on each of ``means2d`` (shape (k, 2)); non-finite ones get none."""
        means2d = np.asarray(means2d, dtype=float)
        if self.dragging < 0 and not self._viewport.underMouse():
            self._waiting = means2d
            return
        self._waiting = None
        self._place(means2d)

    def _place(self, means2d) -> None:
        if self._shown is not None and not moves_visibly(
                self._shown, means2d, self._plot.getViewBox().viewPixelSize()):
            return  # (every frame while paused, and once a run settles: nothing moved)
        self._shown = means2d.copy()
        while len(self._grips) < len(means2d):
            self._grips.append(self._new_grip(len(self._grips)))
        for c, grip in enumerate(self._grips):
            placed = c < len(means2d) and bool(np.isfinite(means2d[c]).all())
            grip.setProperty("placed", placed)
            if placed and not grip.moving:
                grip.blockSignals(True)
                grip.setPos(float(means2d[c, 0]), float(means2d[c, 1]))
                grip.blockSignals(False)
            grip.setVisible(self._enabled and placed)

    def eventFilter(self, watched, event):  # Qt naming
        # (Before the view hands the event to the scene: a press finds the grip in place.)
        if event.type() in _POINTER_EVENTS and self._waiting is not None:
            means, self._waiting = self._waiting, None
            self._place(means)
        return False

    def hide(self) -> None:
        self._shown = None
        self._waiting = None
        for grip in self._grips:
            grip.setProperty("placed", False)
            grip.hide()

    def grip(self, c: int):
        """The grip of component ``c`` (tests drag it)."""
        return self._grips[c]

    def _new_grip(self, c: int) -> pg.TargetItem:
        grip = pg.TargetItem(size=22, symbol="o", movable=True,
                             pen=pg.mkPen(0, 0, 0, 0), brush=pg.mkBrush(0, 0, 0, 0),
                             hoverPen=pg.mkPen(20, 20, 20, 200, width=2),
                             hoverBrush=pg.mkBrush(255, 255, 255, 60))
        grip.setToolTip(f"Drag to move mean {c}: at iteration 0 a new start, later a "
                        "change EM continues from")
        grip.setZValue(60)
        self._plot.addItem(grip, ignoreBounds=True)
        grip.sigPositionChanged.connect(lambda item, c=c: self._on_moved(c, item))
        grip.sigPositionChangeFinished.connect(lambda item, c=c: self._on_finished(c, item))
        return grip

    def _on_moved(self, c, grip):
        if grip.moving:
            pos = grip.pos()
            self.sigDragged.emit(c, float(pos.x()), float(pos.y()))

    def _on_finished(self, c, grip):
        self._shown = None  # the next frame puts every grip back on its mean
        pos = grip.pos()
        self.sigDropped.emit(c, float(pos.x()), float(pos.y()))
