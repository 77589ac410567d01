"""Progress and cancellation of a long job, shared between two threads (pure Python, no Qt).

A loader running in the worker thread calls :meth:`Progress.update` between pieces of its
work; the GUI thread reads :attr:`Progress.fraction` on a timer to draw a progress bar, and
calls :meth:`Progress.cancel` when the user presses Cancel. The next ``update`` then raises
:class:`Cancelled`, so the job stops between two pieces and nothing half-read is used.
Nothing here blocks: both sides only read or set plain attributes and an Event.
"""

from __future__ import annotations

import threading


class Cancelled(Exception):
    """The user cancelled the job; nothing it was building is used."""


class Progress:
    """How far a job is, and whether it should stop.

    Attributes
    ----------
    fraction : float
        Done so far, 0 to 1 (read from any thread).
    stage : str
        What the job is doing now, in words ("reading", "checking 300,000 iterations").
    """

    def __init__(self):
        self._cancelled = threading.Event()
        self.fraction = 0.0
        self.stage = ""

    def update(self, fraction: float | None = None, stage: str | None = None):
        """Record progress (job thread); raises :class:`Cancelled` after :meth:`cancel`."""
        if self._cancelled.is_set():
            raise Cancelled("cancelled")
        if fraction is not None:
            self.fraction = min(max(float(fraction), 0.0), 1.0)
        if stage is not None:
            self.stage = stage

    def cancel(self):
        """Ask the job to stop at its next :meth:`update` (any thread)."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()


def report(progress: Progress | None, fraction: float | None = None,
           stage: str | None = None):
    """``progress.update(...)`` when there is a progress object (loaders accept None)."""
    if progress is not None:
        progress.update(fraction, stage)
