"""A computation in a thread of its own, that the GUI reads without ever waiting on it.

:class:`BackgroundJob` runs ``work(job)`` in a daemon thread. The work publishes its state
with :meth:`BackgroundJob.publish` when :attr:`BackgroundJob.wanted` says someone asked
for it (latest-only: at most one state waits, never a backlog), checks
:meth:`BackgroundJob.cancelled` between its steps, and serves :meth:`BackgroundJob.call`
requests between them (functions that must read its objects in its own thread). The GUI
polls :meth:`take` on a timer at display rate; every method it calls only takes a lock
for a few assignments. This is the threading contract of DESIGN.md (latest-only delivery,
the GUI pulls) without Qt, so the same object serves the headless commands and the tests.
Pure Python: ``threading`` only.
"""

from __future__ import annotations

import itertools
import threading
import traceback

from gmm_viz.progress import Cancelled

__all__ = ["BackgroundJob", "Cancelled"]


class BackgroundJob:
    """Run ``work(job)`` in a daemon thread; read its newest state at any time.

    Parameters
    ----------
    work : callable
        ``work(job) -> result``. It may raise :class:`~gmm_viz.progress.Cancelled` (after
        :meth:`cancel`) or any exception, which becomes :attr:`error` (its message).
    name : str
        The thread's name.
    start : bool
        Start at once (default); else call :meth:`start`.

    Attributes
    ----------
    result : object
        What ``work`` returned (None until :attr:`done`, or when it failed or was
        cancelled).
    error : str
        Why ``work`` failed ("" when it did not).
    target : object
        What :meth:`call` requests are applied to; ``work`` sets it once it has built
        it (the race, say), and only ``work``'s thread touches it while it runs.
    """

    def __init__(self, work, name: str = "gmm-viz background job", start: bool = True):
        self._work = work
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._state = None
        self._fresh = False
        self._wanted = True  # the first state is always wanted
        self._calls = []  # (token, function) waiting to be served
        self._answers = {}  # token -> (result, error)
        self._tokens = itertools.count(1)
        self.result = None
        self.error = ""
        self.target = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        if start:
            self.start()

    def start(self):
        """Start the thread (once)."""
        self._thread.start()

    # ------------------------------------------------------------------ the work's side
    @property
    def wanted(self) -> bool:
        """Someone took the last state (or none was published yet): publish a new one."""
        return self._wanted

    def publish(self, state):
        """Store the newest state in place of one not taken yet (work thread)."""
        with self._lock:
            self._state = state
            self._fresh = True
            self._wanted = False

    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called (the work should stop at its next step)."""
        return self._cancel.is_set()

    def check(self):
        """Raise :class:`~gmm_viz.progress.Cancelled` after :meth:`cancel` (work thread)."""
        if self._cancel.is_set():
            raise Cancelled("cancelled")

    def serve(self):
        """Answer the waiting :meth:`call` requests with ``function(target)`` (work
        thread, between two steps)."""
        with self._lock:
            calls, self._calls = self._calls, []
        for token, function in calls:
            self._answer(token, function)

    # ------------------------------------------------------------------ the reader's side
    @property
    def done(self) -> bool:
        """The work returned, failed or was cancelled; the thread is ending or ended."""
        return self._done.is_set()

    @property
    def running(self) -> bool:
        """The thread is alive."""
        return self._thread.is_alive()

    def take(self):
        """The newest state not taken yet, or None; asks the work for a newer one."""
        with self._lock:
            state = self._state if self._fresh else None
            self._fresh = False
            self._wanted = True
        return state

    def latest(self):
        """The newest state published (taken or not), or None."""
        with self._lock:
            return self._state

    def cancel(self):
        """Ask the work to stop at its next check (any thread, returns at once)."""
        self._cancel.set()

    def call(self, function) -> int:
        """Ask for ``function(target)`` in the work's thread, between two of its steps.

        Once the work is done nothing else touches :attr:`target`, so the call is
        answered at once, in the caller's thread. Read the answer with :meth:`answer`.

        Returns
        -------
        int
            A token for :meth:`answer`.
        """
        token = next(self._tokens)
        with self._lock:
            queued = not self._done.is_set()
            if queued:
                self._calls.append((token, function))
        if not queued:
            self._answer(token, function)
        return token

    def answer(self, token: int):
        """``(result, error)`` of a :meth:`call`, or None while it waits (taken once)."""
        with self._lock:
            return self._answers.pop(token, None)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the work is done (tests and commands only, never the GUI thread)."""
        return self._done.wait(timeout)

    # ------------------------------------------------------------------ internals
    def _answer(self, token, function):
        if self.target is None:
            answer = (None, self.error or "the computation has nothing to answer with yet")
            with self._lock:
                self._answers[token] = answer
            return
        try:
            answer = (function(self.target), "")
        except Exception as exc:  # noqa: BLE001 - the reader is told
            answer = (None, str(exc) or type(exc).__name__)
        with self._lock:
            self._answers[token] = answer

    def _run(self):
        try:
            self.result = self._work(self)
        except Cancelled:
            pass
        except Exception as exc:  # noqa: BLE001 - the reader shows it
            traceback.print_exc()
            self.error = str(exc) or type(exc).__name__
        finally:
            with self._lock:
                self._done.set()
                calls, self._calls = self._calls, []
            # Calls that arrived while the work was ending: the target is no longer
            # touched by anyone else, so answer them here.
            for token, function in calls:
                self._answer(token, function)
