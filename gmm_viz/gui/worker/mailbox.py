"""Latest-only delivery of frames from the worker thread to the GUI thread.

Plain Python (a lock, no Qt). The worker :meth:`~FrameMailbox.put` s the newest frame;
at most one "ready" notification is in flight: while the GUI has not taken the previous
frame, the worker only marks the mailbox stale (:meth:`~FrameMailbox.mark_stale`) and
keeps stepping, and when the GUI takes the frame it learns whether to ask for a newer
one. No backlog can build up, however slow drawing is.
"""

from __future__ import annotations

import threading
from dataclasses import replace


class FrameMailbox:
    """One slot for the newest frame, and whether the GUI was told about it.

    Attributes
    ----------
    notifications : int
        Notifications sent (tests: never more than one in flight).
    taken : int
        Notified frames the GUI took.
    max_in_flight : int
        The most notifications ever waiting at once.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._frame = None
        self._notified = False
        self._stale = False
        self._newest_wanted = False
        self.notifications = 0
        self.taken = 0
        self.max_in_flight = 0

    @property
    def waiting(self) -> bool:
        """True while a notified frame waits to be taken."""
        with self._lock:
            return self._notified

    @property
    def newest_wanted(self) -> bool:
        """True from the GUI's take of a stale frame until the next :meth:`put`."""
        with self._lock:
            return self._newest_wanted

    def mark_stale(self) -> bool:
        """Record that a newer state exists, if a notified frame is still waiting.

        Returns
        -------
        bool
            True when the frame was marked stale (the GUI will ask for the newest state
            when it takes it): the worker need not build a frame now.
        """
        with self._lock:
            if self._notified:
                self._stale = True
            return self._notified

    def put(self, frame) -> bool:
        """Store ``frame`` in place of any frame waiting, keeping the waiting frame's
        events when it is of the same run (so that none is lost).

        Returns
        -------
        bool
            True when the GUI must be notified (no notification is in flight).
        """
        with self._lock:
            waiting = self._frame
            if waiting is not None and waiting.run is frame.run:
                frame = replace(frame, events=waiting.events + frame.events)
            self._frame = frame
            self._stale = False
            self._newest_wanted = False
            notify = not self._notified
            self._notified = True
            if notify:
                self.notifications += 1
                self.max_in_flight = max(self.max_in_flight, self.notifications - self.taken)
        return notify

    def take(self) -> tuple:
        """Take the newest frame (GUI thread).

        Returns
        -------
        frame : Frame or None
        stale : bool
            The worker moved on since this frame was built: ask it for the newest state.
        """
        with self._lock:
            frame, self._frame = self._frame, None
            if self._notified:
                self.taken += 1
            self._notified = False
            stale, self._stale = self._stale, False
            if stale:
                self._newest_wanted = True
        return frame, stale
