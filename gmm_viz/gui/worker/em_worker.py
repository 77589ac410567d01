"""The worker: plays a run session in its own thread, one step per timer tick.

All the rules of a run live in :class:`~gmm_viz.run.session.RunSession`; this object adds
what a thread needs: a timer, queued slots that call the session between two steps, and
the latest-only :class:`~gmm_viz.gui.worker.mailbox.FrameMailbox` that the GUI reads.
"""

from __future__ import annotations

import threading
import time
import traceback

from PyQt6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, pyqtSignal, pyqtSlot

from gmm_viz.gui.worker.drawing_gate import DrawingGate
from gmm_viz.gui.worker.gil_turns import GilTurns
from gmm_viz.gui.worker.mailbox import FrameMailbox
from gmm_viz.run.session import NO_RUN, RunRefused, RunRequest, SessionError, open_run

#: Iterations per second that count as "as fast as possible" (timer interval 0).
MAX_SPEED = 0
#: Set by the app's start (``run_app``, ``gmm_viz.show``): the worker chooses the E-step
#: kernel for a window, whose first run must not wait for numba's compiler
#: (:func:`~gmm_viz.engine.kernel_warmup.prepare_window_kernel`). Elsewhere (tests, the
#: library) the first E-step chooses, and compiles if it must.
prepare_window_kernel = False
#: How long the worker waits for the window's first painting before it loads the kernel
#: (importing numba and loading its cache holds the GIL for a few tenths of a second).
FIRST_PAINT_WAIT_S = 2.0


class EMWorker(QObject):
    """Plays a :class:`~gmm_viz.run.session.RunSession` in a worker thread.

    Its slots must be reached through queued signals (see
    :class:`~gmm_viz.gui.worker.controller.EMController`); only :meth:`take_frame`,
    :meth:`set_pending_request` and the read-only properties may be used from the GUI
    thread.

    Signals
    -------
    sigFrameReady()
        A new frame can be taken with :meth:`take_frame`. Never more than one in flight.
    sigRunStarted(RunInfo)
        A run request succeeded, or a data edit (points added, removed, undone...) made
        a new run on the new data; its first frame follows.
    sigRunFailed(int, str)
        The request with this token failed (bad data, bad config); the previous run goes on.
    sigPlayingChanged(bool)
        The worker started or stopped playing on its own (finished, error).
    sigError(str)
        An unexpected error in the run; the app keeps running (paused, unless the run
        can go on, e.g. a setting that could not be applied).
    sigJobFinished(int, object, str)
        A job ended: token, result, error message (empty on success).
    sigHistoryTruncated(int, int)
        Play resumed from a past iteration (first argument); the second is how many later
        iterations were dropped from the history.
    """

    sigFrameReady = pyqtSignal()
    sigJobFinished = pyqtSignal(int, object, str)
    sigHistoryTruncated = pyqtSignal(int, int)
    sigRunStarted = pyqtSignal(object)
    sigRunFailed = pyqtSignal(int, str)
    sigPlayingChanged = pyqtSignal(bool)
    sigError = pyqtSignal(str)

    # Private: the GUI thread asks the worker thread to publish the newest state, or to stop.
    _sigRepublish = pyqtSignal()
    _sigStopRequested = pyqtSignal()

    def __init__(self):
        super().__init__()
        self._timer = None
        #: The run being played (None before the first one starts). Worker thread only.
        self.session = None
        self._run_count = 0
        self._pending_request = None
        self._request_lock = threading.Lock()  # the GUI replaces what the worker takes
        self._stopped = False
        self._interval_ms = 0
        self._playing = False
        # Read by the tick outside any slot ordering, so a pause takes effect at the next
        # tick even when queued requests are behind a long step.
        self.play_requested = False
        # How runs are shown; kept here so that the next run is shown the same way.
        self._view_options = {"half_steps": False, "soft_colours": False,
                              "truth_colours": False}
        self.mailbox = FrameMailbox()
        #: Closed by the GUI thread while it draws a frame; steps wait for it to open.
        self.gate = DrawingGate()
        #: Gives the GUI thread the interpreter every few milliseconds of stepping.
        self.gil_turns = GilTurns()
        #: Set by the window: () -> ``time.perf_counter()`` time at which it draws the
        #: frame waiting in the mailbox (read from this thread: a float attribute).
        self.frame_due = None
        #: Set once the window has painted for the first time (see prepare_window_kernel).
        self.first_painted = threading.Event()
        # Decorated slots (pyqtSlot) are connected without a PyQt proxy object, so these
        # queued calls run in whatever thread the worker lives in at emit time.
        self._sigRepublish.connect(self._on_republish_requested,
                                   Qt.ConnectionType.QueuedConnection)
        self._sigStopRequested.connect(self._on_stop, Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------------ any-thread reads
    @property
    def iteration(self) -> int:
        """The newest iteration of the run (an int read: safe from any thread)."""
        session = self.session
        return 0 if session is None else session.iteration

    @property
    def last_step_started(self) -> float:
        """``time.monotonic()`` when the latest EM step began (pause latency checks)."""
        session = self.session
        return 0.0 if session is None else session.last_step_started

    @property
    def frame_pending(self) -> bool:
        """True while a notified frame waits to be taken (GUI thread, tests)."""
        return self.mailbox.waiting

    @property
    def notifications_emitted(self) -> int:
        return self.mailbox.notifications

    @property
    def frames_taken(self) -> int:
        return self.mailbox.taken

    @property
    def max_in_flight(self) -> int:
        return self.mailbox.max_in_flight

    # ------------------------------------------------------------------ GUI-thread API
    def take_frame(self):
        """Take the newest frame (or None); if the worker stepped since it was built, the
        worker is asked to publish the newest state."""
        frame, stale = self.mailbox.take()
        if stale:
            self._sigRepublish.emit()
        return frame

    def set_pending_request(self, request: RunRequest):
        """Replace the pending run request; older pending ones are dropped."""
        with self._request_lock:
            self._pending_request = request

    # ------------------------------------------------------------------ worker-thread slots
    @pyqtSlot()
    def _on_thread_started(self):
        # Created here so that the timer belongs to the worker thread.
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(self._interval_ms)
        self._timer.timeout.connect(self._on_tick)
        if prepare_window_kernel:
            from gmm_viz.engine.kernel_warmup import prepare_window_kernel as prepare

            self.first_painted.wait(FIRST_PAINT_WAIT_S)
            prepare()

    @pyqtSlot()
    def _on_republish_requested(self):
        # The GUI took a stale frame and asks for the newest state. If a frame is waiting
        # again, it was built after that take (the take emptied the mailbox), so it is
        # the newest state already: publishing would only mark it stale, and the GUI
        # would be handed the same state twice.
        if self.mailbox.waiting:
            return
        self._publish()

    @pyqtSlot()
    def _on_run_requested(self):
        with self._request_lock:
            request, self._pending_request = self._pending_request, None
        if self._stopped or request is None:  # (None: superseded, handled already)
            return
        try:
            session = open_run(request, self._run_count + 1, **self._view_options)
        except RunRefused as exc:
            self.sigRunFailed.emit(request.token, str(exc))
            return
        self._run_count += 1
        self.session = session
        self.sigRunStarted.emit(session.run)
        self._publish(force=True)
        if self._playing and session.at_end:
            self._set_playing(False)

    @pyqtSlot(object, bool, bool)
    def _on_session_call(self, operation, pause: bool, force: bool):
        """``operation(session)`` between two steps, then publish the state it leads to.

        ``pause`` stops playing first (stepping and scrubbing are the user's hand on the
        run); ``force`` replaces a frame still waiting instead of only marking it stale.
        Changes by hand (a mean dragged, points drawn) pause too: the run continues from
        the changed state when Play is pressed again. A data edit's new run is
        announced with :attr:`sigRunStarted`; an edit from the past that dropped later
        iterations with :attr:`sigHistoryTruncated`.
        """
        if self._stopped or self.session is None:
            return
        if pause:
            self._set_playing(False)
        session = self.session
        try:
            operation(session)
            failure = None
        except SessionError as exc:
            failure = exc
        truncation = session.take_truncation()
        if truncation is not None:
            # An edit from a past iteration dropped the later ones, as Play from there.
            self.sigHistoryTruncated.emit(*truncation)
        if failure is not None:
            self._fail(failure)
            if truncation is None:
                return
        if session.run.run_id > self._run_count:
            # A data edit made a new run on the new data (its run_id counts on from this
            # worker's runs, so the next request gets a higher one).
            self._run_count = session.run.run_id
            self.sigRunStarted.emit(session.run)
        self._publish(force=force)

    @pyqtSlot(str, bool)
    def _on_view_option(self, name: str, value: bool):
        """Half-steps or soft colours, for this run and the next ones."""
        if self._stopped:
            return
        self._view_options[name] = bool(value)
        if self.session is not None:
            setter = {"half_steps": self.session.set_half_steps,
                      "soft_colours": self.session.set_soft_colours,
                      "truth_colours": self.session.set_truth_colours}[name]
            setter(value)
            self._publish(force=True)

    @pyqtSlot(int, object, bool)
    def _on_job(self, token, function, reads_run: bool):
        """``function()`` (or ``function(access)`` when it ``reads_run``); its result or
        error message goes back in :attr:`sigJobFinished`."""
        if self._stopped:
            return
        from gmm_viz.data import DataError
        from gmm_viz.progress import Cancelled

        try:
            if reads_run:
                # Between two EM steps, so it reads a consistent state.
                result = function(NO_RUN if self.session is None else self.session.access())
            else:
                result = function()
        except (Cancelled, DataError, OSError, ValueError) as exc:
            self.sigJobFinished.emit(token, None, str(exc) or repr(exc))
            return
        except Exception as exc:  # noqa: BLE001 - any failure must reach the user
            traceback.print_exc()
            self.sigJobFinished.emit(token, None, f"{type(exc).__name__}: {exc}")
            return
        self.sigJobFinished.emit(token, result, "")

    @pyqtSlot()
    def _on_play(self):
        session = self.session
        if self._stopped or session is None:
            return
        if session.in_past:
            iteration = session.position.iteration
            try:
                dropped = session.resume()
            except SessionError as exc:
                self._fail(exc)
                return
            if dropped:
                self.sigHistoryTruncated.emit(iteration, dropped)
                # The views must learn that the history is shorter now, even if a pause
                # arrives before the next step would have published a frame.
                self._publish(force=True)
        if session.at_end:
            # Nothing to run. Say so even though the state did not change, because the
            # GUI already shows "playing" for the request.
            self._set_playing(False)
            self.sigPlayingChanged.emit(False)
            self._publish(force=True)
            return
        self._set_playing(True)

    @pyqtSlot()
    def _on_pause(self):
        self._set_playing(False)

    @pyqtSlot(float)
    def _on_speed(self, rate: float):
        self._interval_ms = 0 if rate <= MAX_SPEED else max(0, round(1000.0 / rate))
        if self._timer is not None:
            self._timer.setInterval(self._interval_ms)

    @pyqtSlot()
    def _on_tick(self):
        if not self.gate.is_open:
            if self.mailbox.newest_wanted:
                # The window took a frame older than the newest state and draws it now.
                # Build the newest one meanwhile, so that it is ready when the next frame
                # is due: built after the painting, it came too late for its time (at
                # 2,000 points about one frame in three).
                self._publish()
            self.gate.wait()  # the window is drawing: step once it has painted
            self.gil_turns.waited()
        session = self.session
        if self._stopped:
            return
        if not self.play_requested or session is None:
            self._set_playing(False)
            return
        if not session.at_end:
            started = time.perf_counter()
            try:
                session.advance()
            except SessionError as exc:
                self._fail(exc)
                return
            stepped = time.perf_counter() - started
            self._publish()
            due = self.frame_due
            self.gil_turns.after_step(
                stepped, due() if due is not None and self.mailbox.waiting else None)
        if session.at_end:
            self._set_playing(False)
            self._publish(force=True)

    @pyqtSlot()
    def _on_stop(self):
        # Anything still queued for this object runs after the move below, in the main
        # thread; the flag turns it into a no-op.
        self._stopped = True
        self.play_requested = False
        if self._timer is not None:
            self._timer.stop()
        self._playing = False
        # Hand the worker (and its timer) back to the main thread, so that it can be
        # deleted there after this thread ends; then end this thread's event loop.
        self.moveToThread(QCoreApplication.instance().thread())
        QThread.currentThread().quit()

    # ------------------------------------------------------------------ internals
    def _set_playing(self, playing: bool):
        self.play_requested = playing
        if self._timer is not None:
            if playing:
                self._timer.start()
            else:
                self._timer.stop()
        if playing != self._playing:
            self._playing = playing
            self.sigPlayingChanged.emit(playing)

    def _fail(self, error: SessionError):
        if error.pause:
            self._set_playing(False)
        self.sigError.emit(str(error))

    def _publish(self, force: bool = False):
        """Put the state to show now in the mailbox; notify the GUI unless a notification
        is in flight.

        Parameters
        ----------
        force : bool
            Replace a frame that is waiting to be taken (new run, reset, settings) instead
            of only marking it stale; still never sends a second notification.
        """
        session = self.session
        if session is None or self._stopped:
            return
        if not force and self.mailbox.mark_stale():
            # The GUI has not taken the previous frame: do not build (soft colours cost
            # an E-step); it asks for the newest state when it takes that one.
            return
        try:
            frame, failure = session.frame(playing=self._playing), None
        except SessionError as exc:
            frame, failure = None, exc
        for warning in session.take_warnings():  # (said before the frame or its failure)
            self.sigError.emit(warning)
        if failure is not None:
            self._fail(failure)
        elif self.mailbox.put(frame):
            self.sigFrameReady.emit()
