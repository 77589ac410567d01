"""Draw the worker's newest frame at display rate, and slower while drawing is slow.

The worker keeps only its newest frame and sends one notification until it is taken
(:mod:`gmm_viz.gui.worker.mailbox`), so frames that come faster than they can be drawn
are skipped, never queued; the pacer decides when the next one is taken and drawn, on the
steady cadence of :class:`~gmm_viz.gui.frame_cadence.FrameCadence`.
"""

from __future__ import annotations

import math
import time

from PyQt6.QtCore import QObject, Qt, QTimer

from gmm_viz.gui.frame_cadence import FrameCadence


class FramePacer(QObject):
    """Takes and draws frames, at most one per interval of the cadence.

    Parameters
    ----------
    take_frame : callable () -> Frame or None
        Takes the newest frame from the worker (None when there is none new).
    draw : callable (Frame) -> None
        Draws a frame in the views.
    parent : QObject, optional
    clock : callable () -> float, optional
        Monotonic seconds (``time.perf_counter``); tests pass their own.
    """

    def __init__(self, take_frame, draw, parent=None, clock=time.perf_counter):
        super().__init__(parent)
        self._take_frame = take_frame
        self._draw = draw
        self._clock = clock
        self._stopped = False
        self.cadence = FrameCadence()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # A coarse timer may fire up to 5 % late (Qt's default); the cadence absorbs a
        # late frame, but the rate is the display's, so be on time.
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.draw_latest)

    def frame_ready(self):
        """A new frame waits in the worker: draw it now, or when it is due."""
        if self._stopped:
            return
        # The frame waits in the worker meanwhile (and the worker sends no other
        # notification until it is taken).
        wait = self.cadence.wait(self._clock())
        if wait > 0:
            if not self._timer.isActive():
                # Whole milliseconds, rounded up (past a rounding error of the clock's
                # subtraction): the timer does not fire before the due time, and the
                # cadence takes up the fraction of a millisecond.
                self._timer.start(math.ceil(wait * 1000.0 - 1e-6))
            return
        self.draw_latest()

    def draw_latest(self):
        """Take the newest frame and draw it (nothing when there is none, or stopped)."""
        if self._stopped:
            return
        frame = self._take_frame()
        if frame is None:
            return
        started = self._clock()
        self.cadence.frame_taken(started)
        self._draw(frame)
        # Frames that take long to draw (and then to paint, which comes after this) are
        # spaced out, so the window keeps time for the user's input between them.
        self.cadence.frame_drawn(self._clock() - started)

    def stop(self):
        """Draw no more frames (the window is closing)."""
        self._stopped = True
        self._timer.stop()
