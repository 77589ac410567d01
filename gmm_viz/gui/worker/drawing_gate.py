"""The worker steps while the GUI thread is not drawing a frame: the GUI comes first.

Why: Python runs one thread at a time (the GIL), and PyQt holds the GIL inside Qt's
C++ calls too, painting included (measured: a Python thread counting beside a thread
that paints antialiased lines into a QImage got half its speed, and so did the painting).
So the worker's Python (the engine's small numpy calls, the history, the frame) and the
window's drawing share one interpreter however many cores there are. Measured in the
window playing 2,000 points as fast as possible (``python -m gmm_viz.bench app``): the GUI
thread used 59 % of a core and the worker 45 %, one core between them and the other one
idle; each of them was preempted by the other every few milliseconds (the interpreter's
switch interval), so a frame that takes 10 ms alone took 20 and the window drew 43
frames/s with the GUI thread answering up to 100 ms late. With the gate, the worker starts
its steps between two frames, once the window has painted, and a frame is drawn in one
go.

The gate is a :class:`threading.Event`: the GUI thread closes it when it takes a frame to
draw while the window is on screen (:meth:`DrawingGate.drawing`, from
:meth:`EMController.take_frame <gmm_viz.gui.worker.controller.EMController.take_frame>`)
and opens it once the window has painted that frame (:meth:`DrawingGate.idle`, from the
controller's paint watcher). The worker waits (releasing the GIL) for it to open before
a step, at most :attr:`DrawingGate.max_wait_s`, so a window that never finishes painting
slows EM down but never stops it. One thing the worker does before it waits: when the
frame being drawn is older than the newest state, it builds the newest one, so that the
next frame waits ready for its display time instead of being built after the painting.

Every run waits, however large: at 100,000 and 1,000,000 points most of a step is the
compiled E-step that holds no GIL, but the step's Python before and after it still took
the GIL from the drawing several times a frame. Measured with ``python -m gmm_viz.bench
app`` (medians of 2, a shared machine): ungated at 100,000 points 29.9 frames/s, 120 EM
iterations/s and the GUI thread up to 87 ms late (p99); gated 43.0 frames/s, 88 it/s and
46 ms. At 1,000,000 points 18.3 frames/s and 65 ms ungated, 22.7 and 32 ms gated (EM
iterations/s equal to the frames/s in both).
"""

from __future__ import annotations

import threading

#: The longest a step waits for the GUI thread to finish drawing (about one frame at the
#: slowest drawing the frame pacer allows for input, see ``frame_cadence``).
MAX_WAIT_S = 0.05


class DrawingGate:
    """Open while the GUI thread is not drawing; the worker waits for it before a step.

    Parameters
    ----------
    max_wait_s : float
        The longest :meth:`wait` blocks.
    """

    def __init__(self, max_wait_s: float = MAX_WAIT_S):
        self.max_wait_s = float(max_wait_s)
        self._open = threading.Event()
        self._open.set()

    @property
    def is_open(self) -> bool:
        return self._open.is_set()

    def drawing(self) -> None:
        """GUI thread: a frame is being drawn (until :meth:`idle`)."""
        self._open.clear()

    def idle(self) -> None:
        """GUI thread: the frame is drawn and painted."""
        if not self._open.is_set():
            self._open.set()

    def wait(self) -> bool:
        """Worker thread: block until the gate is open, at most :attr:`max_wait_s`.

        Returns
        -------
        bool
            True if the gate opened, False if the wait timed out.
        """
        return self._open.wait(self.max_wait_s)
