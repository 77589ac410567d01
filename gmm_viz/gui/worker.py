"""The worker thread that plays a run, and the GUI-side controller that owns it.

The logic of a run (history, positions, half-steps, resuming, colours, events) is the
Qt-free :class:`~gmm_viz.run.session.RunSession`; this module only gives it a thread, a
timer and a latest-only mailbox.

Threading contract (see DESIGN.md):

- :class:`EMWorker` lives in its own :class:`~PyQt6.QtCore.QThread`. Its stepping
  :class:`~PyQt6.QtCore.QTimer` is created in a slot connected to ``thread.started``, so the
  timer belongs to the worker thread. One EM step per tick, then back to the worker's event
  loop, so pause/settings/stop requests run between iterations.
- Latest-only delivery: after each step the worker stores the newest :class:`Frame` under a
  lock. At most one :attr:`EMWorker.sigFrameReady` notification is in flight: while the GUI
  has not taken the previous frame, the worker only records that a newer state exists and
  keeps stepping. When the GUI takes the frame, the worker is asked (queued) to publish the
  newest state. No backlog can build up, however slow drawing is.
- The GUI thread only ever calls :meth:`EMWorker.take_frame` (a short locked read) and emits
  queued signals through :class:`EMController`; it never waits on computation. Creating the
  session (and the data set) also happens in the worker thread.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import traceback
import weakref
from dataclasses import replace

from PyQt6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, pyqtSignal, pyqtSlot

from gmm_viz.run.session import (
    NO_RUN,
    Frame,
    RunAccess,
    RunInfo,
    RunRefused,
    RunRequest,
    SessionError,
    open_run,
)

__all__ = ["MAX_SPEED", "EMController", "EMWorker", "Frame", "RunAccess", "RunInfo",
           "RunRequest"]

#: Iterations per second that count as "as fast as possible" (timer interval 0).
MAX_SPEED = 0


class EMWorker(QObject):
    """Plays a :class:`~gmm_viz.run.session.RunSession` in a worker thread.

    Its slots must be reached through queued signals (see :class:`EMController`); only
    :meth:`take_frame` and the read-only counters may be used from the GUI thread.

    Signals
    -------
    sigFrameReady()
        A new frame can be taken with :meth:`take_frame`. Never more than one in flight.
    sigRunStarted(RunInfo)
        A run request succeeded; its first frame follows.
    sigRunFailed(int, str)
        The request with this token failed (bad data, bad config); the previous run goes on.
    sigPlayingChanged(bool)
        The worker started or stopped playing on its own (finished, error).
    sigError(str)
        An unexpected error in the run; the worker paused, the app keeps running.
    sigJobFinished(int, object, str)
        A job (see :meth:`EMController.run_job`) ended: token, result, error message
        (empty on success).
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
        self._lock = threading.Lock()
        self._timer = None
        #: The run being played (None before the first one starts). Worker thread only.
        self.session = None
        self._run_count = 0
        self._pending_request = None
        self._stopped = False
        self._interval_ms = 0
        self._playing = False
        # Read by the tick outside any slot ordering, so a pause takes effect at the next
        # tick even when queued requests are behind a long step.
        self.play_requested = False
        # How runs are shown; kept here so that the next run is shown the same way.
        self._half_steps = False
        self._soft_colours = False
        # Latest-only delivery state, guarded by _lock.
        self._frame = None
        self._notified = False
        self._dirty = False
        #: Instrumentation for tests: notifications emitted and frames taken.
        self.notifications_emitted = 0
        self.frames_taken = 0
        self.max_in_flight = 0
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

    # ------------------------------------------------------------------ GUI-thread API
    @property
    def frame_pending(self) -> bool:
        """True while a notified frame waits to be taken (GUI thread, tests)."""
        with self._lock:
            return self._notified

    def take_frame(self):
        """Take the newest frame (or None); called from the GUI thread.

        Clears the in-flight notification; if the worker stepped since this frame was
        built, it is asked to publish the newest state.
        """
        with self._lock:
            frame = self._frame
            self._frame = None
            if self._notified:
                self.frames_taken += 1
            self._notified = False
            dirty = self._dirty
            self._dirty = False
        if dirty:
            self._sigRepublish.emit()
        return frame

    def set_pending_request(self, request: RunRequest):
        """Replace the pending run request (GUI thread); older pending ones are dropped."""
        with self._lock:
            self._pending_request = request

    # ------------------------------------------------------------------ worker-thread slots
    @pyqtSlot()
    def _on_republish_requested(self):
        self._publish()

    @pyqtSlot()
    def _on_thread_started(self):
        # Created here so that the timer belongs to the worker thread.
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(self._interval_ms)
        self._timer.timeout.connect(self._on_tick)

    @pyqtSlot()
    def _on_run_requested(self):
        if self._stopped:
            return
        with self._lock:
            request, self._pending_request = self._pending_request, None
        if request is None:  # superseded by a later request already handled
            return
        try:
            session = open_run(request, self._run_count + 1, half_steps=self._half_steps,
                               soft_colours=self._soft_colours)
        except RunRefused as exc:
            self.sigRunFailed.emit(request.token, str(exc))
            return
        self._run_count += 1
        self.session = session
        self.sigRunStarted.emit(session.run)
        self._publish(force=True)
        if self._playing and session.at_end:
            self._set_playing(False)

    @pyqtSlot(int, object)
    def _on_job(self, token, function):
        if self._stopped:
            return
        from gmm_viz.data import DataError
        from gmm_viz.progress import Cancelled

        try:
            result = function()
        except (Cancelled, DataError, OSError, ValueError) as exc:
            self.sigJobFinished.emit(token, None, str(exc) or repr(exc))
            return
        except Exception as exc:  # noqa: BLE001 - any failure must reach the user
            traceback.print_exc()
            self.sigJobFinished.emit(token, None, f"{type(exc).__name__}: {exc}")
            return
        self.sigJobFinished.emit(token, result, "")

    @pyqtSlot(int, object)
    def _on_engine_job(self, token, function):
        # A job that reads the run (engine, history): it runs between two EM steps, so
        # it sees a consistent state.
        access = NO_RUN if self.session is None else self.session.access()
        self._on_job(token, lambda: function(access))

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

    @pyqtSlot()
    def _on_step(self):
        if self._stopped:
            return
        self._set_playing(False)
        if self.session is not None:
            self._advance()

    @pyqtSlot()
    def _on_step_back(self):
        if self._stopped or self.session is None:
            return
        self._set_playing(False)
        self.session.step_back()
        self._publish(force=True)

    @pyqtSlot(int)
    def _on_seek(self, iteration: int):
        if self._stopped or self.session is None:
            return
        self._set_playing(False)
        self.session.seek(iteration)
        # Not forced: while a frame is on its way, a fast scrub only marks the state
        # stale, and the labels are recomputed once for the newest position.
        self._publish()

    @pyqtSlot(bool)
    def _on_half_steps(self, half_steps: bool):
        if self._stopped:
            return
        self._half_steps = bool(half_steps)
        if self.session is not None:
            self.session.set_half_steps(half_steps)
            self._publish(force=True)

    @pyqtSlot()
    def _on_reset(self):
        if self._stopped or self.session is None:
            return
        try:
            self.session.reset()
        except SessionError as exc:
            self._fail(exc)
            return
        self._publish(force=True)

    @pyqtSlot(object)
    def _on_settings(self, config):
        if self._stopped or self.session is None:
            return
        try:
            self.session.update_settings(config)
        except SessionError as exc:
            self._fail(exc)
            return
        self._publish(force=True)

    @pyqtSlot(float)
    def _on_speed(self, rate: float):
        self._interval_ms = 0 if rate <= MAX_SPEED else max(0, round(1000.0 / rate))
        if self._timer is not None:
            self._timer.setInterval(self._interval_ms)

    @pyqtSlot(bool)
    def _on_soft_colors(self, soft: bool):
        if self._stopped:
            return
        self._soft_colours = bool(soft)
        if self.session is not None:
            self.session.set_soft_colours(soft)
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
        main_thread = QCoreApplication.instance().thread()
        self.moveToThread(main_thread)
        QThread.currentThread().quit()

    @pyqtSlot()
    def _on_tick(self):
        if self._stopped:
            return
        session = self.session
        if not self.play_requested or session is None:
            self._set_playing(False)
            return
        if not session.at_end:
            self._advance()
        if session.at_end:
            self._set_playing(False)
            self._publish(force=True)

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

    def _advance(self):
        """Show the next (half-)iteration; a failed EM step pauses and says why."""
        try:
            self.session.advance()
        except SessionError as exc:
            self._fail(exc)
            return
        self._publish()

    def _fail(self, error: SessionError):
        if error.pause:
            self._set_playing(False)
        self.sigError.emit(str(error))

    def _publish(self, force: bool = False):
        """Store the newest frame; notify the GUI unless a notification is in flight.

        Parameters
        ----------
        force : bool
            Replace a frame that is waiting to be taken (new run, reset, settings) instead
            of only marking it stale; still never sends a second notification.
        """
        session = self.session
        if session is None or self._stopped:
            return
        with self._lock:
            if self._notified and not force:
                # The GUI has not taken the previous frame: do not build (soft colours
                # cost an E-step) and do not notify; it will ask when it takes it.
                self._dirty = True
                return
        try:
            frame, failure = session.frame(playing=self._playing), None
        except SessionError as exc:
            frame, failure = None, exc
        for warning in session.take_warnings():  # (said before the frame or its failure)
            self.sigError.emit(warning)
        if failure is not None:
            self._fail(failure)
            return
        with self._lock:
            if force and self._frame is not None and self._frame.run is frame.run:
                # Keep events of the frame we replace.
                frame = replace(frame, events=self._frame.events + frame.events)
            self._frame = frame
            self._dirty = False
            notify = not self._notified
            self._notified = True
            if notify:
                self.notifications_emitted += 1
                in_flight = self.notifications_emitted - self.frames_taken
                self.max_in_flight = max(self.max_in_flight, in_flight)
        if notify:
            self.sigFrameReady.emit()


class EMController(QObject):
    """GUI-thread owner of the worker thread: forwards requests as queued signals.

    Nothing here blocks on computation, except :meth:`shutdown` which waits (bounded)
    for the worker thread to end when the application closes.

    Signals
    -------
    sigFrameReady, sigRunStarted, sigRunFailed, sigPlayingChanged, sigError, sigJobFinished,
    sigHistoryTruncated
        Re-exposed from :class:`EMWorker` (delivered in the GUI thread).
    """

    sigHistoryTruncated = pyqtSignal(int, int)
    sigFrameReady = pyqtSignal()
    sigRunStarted = pyqtSignal(object)
    sigRunFailed = pyqtSignal(int, str)
    sigPlayingChanged = pyqtSignal(bool)
    sigError = pyqtSignal(str)
    sigJobFinished = pyqtSignal(int, object, str)

    # Private requests, connected to worker slots (queued: the worker is in another thread).
    _sigRun = pyqtSignal()
    _sigPlay = pyqtSignal()
    _sigPause = pyqtSignal()
    _sigStep = pyqtSignal()
    _sigReset = pyqtSignal()
    _sigSettings = pyqtSignal(object)
    _sigSpeed = pyqtSignal(float)
    _sigSoftColors = pyqtSignal(bool)
    _sigJob = pyqtSignal(int, object)
    _sigEngineJob = pyqtSignal(int, object)
    _sigStepBack = pyqtSignal()
    _sigSeek = pyqtSignal(int)
    _sigHalfSteps = pyqtSignal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self._token = 0
        self._stopped = False
        self.thread = QThread()
        self.thread.setObjectName("gmm-viz EM worker")
        self.worker = EMWorker()
        self.worker.moveToThread(self.thread)
        queued = Qt.ConnectionType.QueuedConnection
        self.thread.started.connect(self.worker._on_thread_started)
        pairs = [
            (self._sigRun, self.worker._on_run_requested),
            (self._sigPlay, self.worker._on_play),
            (self._sigPause, self.worker._on_pause),
            (self._sigStep, self.worker._on_step),
            (self._sigReset, self.worker._on_reset),
            (self._sigSettings, self.worker._on_settings),
            (self._sigSpeed, self.worker._on_speed),
            (self._sigSoftColors, self.worker._on_soft_colors),
            (self._sigJob, self.worker._on_job),
            (self._sigEngineJob, self.worker._on_engine_job),
            (self._sigStepBack, self.worker._on_step_back),
            (self._sigSeek, self.worker._on_seek),
            (self._sigHalfSteps, self.worker._on_half_steps),
        ]
        for signal, slot in pairs:
            signal.connect(slot, queued)
        self.worker.sigFrameReady.connect(self.sigFrameReady)
        self.worker.sigRunStarted.connect(self.sigRunStarted)
        self.worker.sigRunFailed.connect(self.sigRunFailed)
        self.worker.sigPlayingChanged.connect(self.sigPlayingChanged)
        self.worker.sigError.connect(self.sigError)
        self.worker.sigJobFinished.connect(self.sigJobFinished)
        self.worker.sigHistoryTruncated.connect(self.sigHistoryTruncated)
        # Whoever owns this controller, the thread is stopped before it can be destroyed
        # while running: on shutdown(), when the controller is garbage-collected, or at exit.
        self._finalizer = weakref.finalize(self, _stop_thread, self.thread, self.worker)
        self.thread.start()

    @property
    def running(self) -> bool:
        """True while the worker thread runs."""
        return self.thread.isRunning()

    def request_run(self, config, dataset=None, make_dataset=None, history=None,
                    curve=None) -> int:
        """Ask for a new run; returns its token (see :class:`RunRequest`).

        A request that the worker has not started yet is replaced by a newer one.
        """
        self._token += 1
        if self._stopped:
            return self._token
        request = RunRequest(self._token, config, dataset, make_dataset,
                             None if history is None else tuple(history), curve)
        self.worker.set_pending_request(request)
        self._sigRun.emit()
        return self._token

    def run_job(self, function) -> int:
        """Run ``function()`` in the worker thread (e.g. reading a file's columns).

        Returns a token; :attr:`sigJobFinished` reports the result or the error message.
        """
        self._token += 1
        if not self._stopped:
            self._sigJob.emit(self._token, function)
        return self._token

    def run_engine_job(self, function) -> int:
        """Run ``function(access)`` in the worker thread, between two EM steps.

        ``access`` is a :class:`RunAccess` (engine, run, history); the function must only
        read it. Returns a token; :attr:`sigJobFinished` reports the result or the error.
        """
        self._token += 1
        if not self._stopped:
            self._sigEngineJob.emit(self._token, function)
        return self._token

    def step_back(self):
        """Show the previous iteration (or half-iteration) of the history; pauses."""
        if self._stopped:
            return
        self.worker.play_requested = False
        self._sigStepBack.emit()

    def seek(self, iteration: int):
        """Show iteration ``iteration`` of the history; pauses."""
        if self._stopped:
            return
        self.worker.play_requested = False
        self._sigSeek.emit(int(iteration))

    def set_half_steps(self, half_steps: bool):
        """Show each iteration as two frames, after its E-step and after its M-step."""
        if self._stopped:
            return
        self._sigHalfSteps.emit(bool(half_steps))

    @property
    def latest_token(self) -> int:
        return self._token

    def play(self):
        if self._stopped:
            return
        self.worker.play_requested = True
        self._sigPlay.emit()

    def pause(self):
        if self._stopped:
            return
        # The flag stops the next tick even if the queued pause waits behind a long step.
        self.worker.play_requested = False
        self._sigPause.emit()

    def step(self):
        if self._stopped:
            return
        self.worker.play_requested = False
        self._sigStep.emit()

    def reset(self):
        if self._stopped:
            return
        self._sigReset.emit()

    def update_settings(self, config):
        """Apply a config differing only in live settings, without restarting."""
        if self._stopped:
            return
        self._sigSettings.emit(config)

    def set_speed(self, rate: float):
        """Iterations per second; ``MAX_SPEED`` (0) for as fast as possible."""
        if self._stopped:
            return
        self._sigSpeed.emit(float(rate))

    def set_soft_colors(self, soft: bool):
        if self._stopped:
            return
        self._sigSoftColors.emit(bool(soft))

    def take_frame(self):
        """The newest frame, or None (see :meth:`EMWorker.take_frame`)."""
        return self.worker.take_frame()

    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Stop the timer in the worker thread, end the thread and wait for it, briefly.

        Parameters
        ----------
        timeout_ms : int, optional
            How long to wait (default :data:`STOP_WAIT_MS`); longer while a file is being
            written, so that closing never cuts a save short.

        Returns True when the thread ended; False when it is busy with one long
        computation, which it finishes on its own before ending (see
        :func:`_stop_thread`): closing does not wait for it. Idempotent.
        """
        timeout_ms = STOP_WAIT_MS if timeout_ms is None else int(timeout_ms)
        self._stopped = True
        if self._finalizer.detach() is not None:  # (None: it ran already)
            _stop_thread(self.thread, self.worker, timeout_ms)
        return not self.thread.isRunning()


#: How long closing waits for the worker to stop between two EM steps (it normally stops
#: within one step); a longer single computation (k-means on millions of points, reading a
#: huge file) is left to finish on its own.
STOP_WAIT_MS = 300

#: Worker threads still busy with one long computation after their window closed, with
#: their workers: kept referenced so that no running QThread is ever destroyed.
_ABANDONED: set = set()
_ABANDONED_LOCK = threading.Lock()


def _stop_thread(thread: QThread, worker: EMWorker, timeout_ms: int = STOP_WAIT_MS) -> bool:
    """Stop ``worker`` (queued, so its timer is stopped in its own thread) and join it.

    Returns True when the thread ended within ``timeout_ms``. Otherwise it is in the
    middle of one computation that cannot be interrupted safely: the stop request stays
    queued (the thread ends as soon as the computation returns), the thread is kept
    referenced until then, and the caller does not wait. :func:`abandoned_workers_running`
    tells whether any is left, so the application can end the process without them.
    """
    worker.play_requested = False
    if not thread.isRunning():
        return True
    worker._sigStopRequested.emit()
    if thread.wait(timeout_ms):
        return True
    pair = (thread, worker)
    with _ABANDONED_LOCK:
        _ABANDONED.add(pair)
    # Emitted in the worker thread as it ends; the set is guarded by the lock.
    thread.finished.connect(lambda: _forget_abandoned(pair),
                            Qt.ConnectionType.DirectConnection)
    if not thread.isRunning():  # it ended between the wait and the connection
        _forget_abandoned(pair)
    return False


def _forget_abandoned(pair):
    with _ABANDONED_LOCK:
        _ABANDONED.discard(pair)


def abandoned_workers_running() -> bool:
    """True while a worker whose window closed is still finishing a computation."""
    with _ABANDONED_LOCK:
        return any(thread.isRunning() for thread, _ in _ABANDONED)


def wait_for_abandoned_workers(timeout_ms: int | None = None) -> bool:
    """Wait for the abandoned workers to end (tests, scripts); True when none is left."""
    with _ABANDONED_LOCK:
        pairs = list(_ABANDONED)
    for thread, _ in pairs:
        if timeout_ms is None:
            thread.wait()
        elif not thread.wait(timeout_ms):
            return False
    return not abandoned_workers_running()


#: How long the interpreter's exit waits for abandoned workers (scripts, tests).
EXIT_WAIT_MS = 30_000


def _wait_at_exit():
    """A script or test that closed a busy window and returns normally must not destroy a
    running QThread at interpreter exit (Qt would abort): wait for those threads, for a
    bounded time, then end the process with an error rather than hang. The app itself
    ends the process without waiting (see gmm_viz.gui.app.run_app)."""
    if not wait_for_abandoned_workers(EXIT_WAIT_MS):
        sys.stderr.write("gmm-viz: a worker thread was still busy at exit; ending the "
                         "process without it.\n")
        sys.stderr.flush()
        os._exit(1)


atexit.register(_wait_at_exit)
