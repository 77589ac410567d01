"""When the next frame may be drawn: a steady cadence at display rate that never drifts.

Plain Python (no Qt), so that the arithmetic is tested with explicit times. The
:class:`~gmm_viz.gui.frame_pacer.FramePacer` asks it how long to wait and tells it when a
frame was taken and how long drawing it took.

Why a cadence and not "an interval after the last frame": a timer fires a little late
(a millisecond is common), and each frame's lateness added to the next one's interval
held the window at 56-57 frames/s with an interval of 16 ms (measured with ``python -m
gmm_viz.bench app``). Here a frame is due one interval after the previous frame was
*due*, so a late frame shortens the wait for the next one and the rate stays at the
display's; only a frame later than a whole interval (the worker had none ready, or the
GUI was busy) starts the cadence again from its own time, so that frames never come in a
burst to catch up.
"""

from __future__ import annotations

#: Minimum time between two drawn frames, in seconds: 16 ms keeps up with a 60 Hz display.
FRAME_INTERVAL_S = 0.016
#: Frames slow to draw are spaced by this many times their drawing time (painting them
#: takes about as long again; the rest is left to the user's input), up to this interval.
PAINT_AND_IDLE_FACTOR = 3
MAX_FRAME_INTERVAL_S = 0.25


class FrameCadence:
    """The due times of frames: one interval apart, the interval growing while drawing
    is slow.

    Times are seconds of any monotonic clock, given by the caller.
    """

    def __init__(self):
        #: When the next frame may be taken (None before the first frame: at once).
        self.due = None
        #: The current spacing of frames, in seconds.
        self.interval = FRAME_INTERVAL_S

    def wait(self, now: float) -> float:
        """Seconds to wait at ``now`` before the next frame may be taken (0: take it now)."""
        if self.due is None:
            return 0.0
        return max(0.0, self.due - now)

    def frame_taken(self, now: float) -> None:
        """A frame was taken at ``now``: the next one is due an interval after this one was.

        A frame taken more than an interval after it was due starts the cadence again
        from ``now``.
        """
        if self.due is None or now - self.due >= self.interval:
            self.due = now
        self.due += self.interval

    def frame_drawn(self, seconds: float) -> None:
        """Drawing the frame just taken took ``seconds``: space the next ones accordingly.

        A slower interval than the last one moves the next frame's due time by the
        difference; a faster one takes effect from the next frame on.
        """
        interval = min(max(FRAME_INTERVAL_S, seconds * PAINT_AND_IDLE_FACTOR),
                       MAX_FRAME_INTERVAL_S)
        if self.due is not None and interval > self.interval:
            self.due += interval - self.interval
        self.interval = interval
