"""Draw the worker's newest frame at most at display rate, and slower while drawing is slow.

The worker keeps only its newest frame and sends one notification until it is taken
(:mod:`gmm_viz.gui.worker.mailbox`), so frames that come faster than they can be drawn
are skipped, never queued; the pacer decides when the next one is taken and drawn.
"""

from __future__ import annotations

from PyQt6.QtCore import QElapsedTimer, QObject, Qt, QTimer

#: Minimum time between two drawn frames: the display rate (about 60 Hz).
FRAME_INTERVAL_MS = 16
#: Frames slow to draw are spaced by this many times their drawing time (painting them
#: takes about as long again; the rest is left to the user's input), up to this interval.
_PAINT_AND_IDLE_FACTOR = 3
MAX_FRAME_INTERVAL_MS = 250


class FramePacer(QObject):
    """Takes and draws frames, at most one per interval.

    Parameters
    ----------
    take_frame : callable () -> Frame or None
        Takes the newest frame from the worker (None when there is none new).
    draw : callable (Frame) -> None
        Draws a frame in the views.
    parent : QObject, optional
    """

    def __init__(self, take_frame, draw, parent=None):
        super().__init__(parent)
        self._take_frame = take_frame
        self._draw = draw
        self._stopped = False
        self._clock = QElapsedTimer()  # since the last frame was taken
        self._interval = FRAME_INTERVAL_MS  # grows while frames are slow to draw
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # A coarse timer may fire up to 5 % late (Qt's default), which alone would hold
        # the window under 60 frames/s; the interval is the display's, so be on time.
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self.draw_latest)

    def frame_ready(self):
        """A new frame waits in the worker: draw it now, or when the interval is over."""
        if self._stopped:
            return
        # The frame waits in the worker meanwhile (and the worker sends no other
        # notification until it is taken).
        if self._clock.isValid() and self._clock.elapsed() < self._interval:
            if not self._timer.isActive():
                self._timer.start(self._interval - self._clock.elapsed())
            return
        self.draw_latest()

    def draw_latest(self):
        """Take the newest frame and draw it (nothing when there is none, or stopped)."""
        if self._stopped:
            return
        frame = self._take_frame()
        if frame is None:
            return
        self._clock.start()
        self._draw(frame)
        # Frames that take long to draw (and then to paint, which comes after this) are
        # spaced out, so the window keeps time for the user's input between them.
        busy = self._clock.elapsed() * _PAINT_AND_IDLE_FACTOR
        self._interval = int(min(max(FRAME_INTERVAL_MS, busy), MAX_FRAME_INTERVAL_MS))

    def stop(self):
        """Draw no more frames (the window is closing)."""
        self._stopped = True
        self._timer.stop()
