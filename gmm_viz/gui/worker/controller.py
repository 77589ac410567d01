"""The GUI thread's handle on the worker thread: it forwards requests as queued signals.

Nothing here blocks on computation, except :meth:`EMController.shutdown`, which waits
(bounded) for the worker thread to end when the application closes.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
from PyQt6.QtCore import QEvent, QObject, Qt, QThread, QTimer, pyqtSignal

from gmm_viz.gui.worker.em_worker import MAX_SPEED, EMWorker
from gmm_viz.gui.worker.stopping import STOP_WAIT_MS, stop_thread, stop_thread_of_collected
from gmm_viz.run.session import RunRequest, RunSession

__all__ = ["MAX_SPEED", "EMController"]


class EMController(QObject):
    """GUI-thread owner of the worker thread.

    Signals
    -------
    sigFrameReady, sigRunStarted, sigRunFailed, sigPlayingChanged, sigError, sigJobFinished,
    sigHistoryTruncated
        Re-exposed from :class:`~gmm_viz.gui.worker.em_worker.EMWorker` (delivered in the
        GUI thread).
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
    _sigSpeed = pyqtSignal(float)
    _sigSessionCall = pyqtSignal(object, bool, bool)
    _sigViewOption = pyqtSignal(str, bool)
    _sigJob = pyqtSignal(int, object, bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        # The newest value of each drag (mean or covariance of a component) not applied
        # yet: a drag's moves replace each other here, so at a million points (an E-step
        # per move) the worker applies the newest one instead of a queue of old ones.
        self._pending_edits = {}
        self._edit_lock = threading.Lock()
        self._token = 0
        self._stopped = False
        self.thread = QThread()
        self.thread.setObjectName("gmm-viz EM worker")
        self.worker = worker = EMWorker()
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker._on_thread_started)
        queued = Qt.ConnectionType.QueuedConnection
        for request, slot in ((self._sigRun, worker._on_run_requested),
                              (self._sigPlay, worker._on_play),
                              (self._sigPause, worker._on_pause),
                              (self._sigSpeed, worker._on_speed),
                              (self._sigSessionCall, worker._on_session_call),
                              (self._sigViewOption, worker._on_view_option),
                              (self._sigJob, worker._on_job)):
            request.connect(slot, queued)
        for answer in ("sigFrameReady", "sigRunStarted", "sigRunFailed", "sigPlayingChanged",
                       "sigError", "sigJobFinished", "sigHistoryTruncated"):
            getattr(worker, answer).connect(getattr(self, answer))
        # Whoever owns this controller, the thread is stopped before it can be destroyed
        # while running: on shutdown(), when the controller is garbage-collected, or at exit.
        self._finalizer = weakref.finalize(self, stop_thread_of_collected, self.thread, worker)
        self._painted_window = None  # see watch_painting
        self.thread.start()

    @property
    def running(self) -> bool:
        """True while the worker thread runs."""
        return self.thread.isRunning()

    # ------------------------------------------------------------------ runs and jobs
    def request_run(self, config, dataset=None, make_dataset=None, history=None,
                    curve=None) -> int:
        """Ask for a new run; returns its token (see
        :class:`~gmm_viz.run.session.RunRequest`).

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
        return self._job(function, reads_run=False)

    def run_engine_job(self, function) -> int:
        """Run ``function(access)`` in the worker thread, between two EM steps.

        ``access`` is a :class:`~gmm_viz.run.session.RunAccess` (engine, run, history);
        the function must only read it. Returns a token; :attr:`sigJobFinished` reports
        the result or the error.
        """
        return self._job(function, reads_run=True)

    def take_frame(self):
        """The newest frame, or None (see :meth:`EMWorker.take_frame`).

        While the watched window (:meth:`watch_painting`) is on screen, taking a frame
        closes the worker's drawing gate until that window has painted.
        """
        frame = self.worker.take_frame()
        window = self._painted_window
        if frame is not None and window is not None and _on_screen(window):
            self.worker.gate.drawing()
        return frame

    def watch_painting(self, window) -> None:
        """Open the drawing gate each time ``window`` (the top-level widget that draws the
        frames) has painted (see :mod:`~gmm_viz.gui.worker.drawing_gate`)."""
        self._painted_window = window
        self._paint_watcher = _PaintWatcher(self.worker.gate, window, self.worker.first_painted)

    # ------------------------------------------------------------------ playing
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

    def set_speed(self, rate: float):
        """Iterations per second; ``MAX_SPEED`` (0) for as fast as possible."""
        if not self._stopped:
            self._sigSpeed.emit(float(rate))

    # ------------------------------------------------------------------ the user's hand on the run
    def step(self):
        """Show the next iteration (or half-iteration), computing it if needed; pauses."""
        self._session_call(RunSession.advance, pause=True)

    def step_back(self):
        """Show the previous iteration (or half-iteration) of the history; pauses."""
        self._session_call(RunSession.step_back, pause=True, force=True)

    def seek(self, iteration: int):
        """Show iteration ``iteration`` of the history; pauses.

        Not forced: while a frame is on its way, a fast scrub only marks the state stale,
        and the labels are recomputed once for the newest position.
        """
        iteration = int(iteration)
        self._session_call(lambda session: session.seek(iteration), pause=True)

    def reset(self):
        """Start the run again from its initialisation."""
        self._session_call(RunSession.reset, force=True)

    def update_settings(self, config):
        """Apply a config differing only in live settings, without restarting."""
        self._session_call(lambda session: session.update_settings(config), force=True)

    def set_half_steps(self, half_steps: bool):
        """Show each iteration as two frames, after its E-step and after its M-step."""
        if not self._stopped:
            self._sigViewOption.emit("half_steps", bool(half_steps))

    def set_soft_colors(self, soft: bool):
        if not self._stopped:
            self._sigViewOption.emit("soft_colours", bool(soft))

    def set_truth_colors(self, truth: bool):
        """Colour the points by the data's true labels (when it has them)."""
        if not self._stopped:
            self._sigViewOption.emit("truth_colours", bool(truth))

    # ------------------------------------------------------------------ changing the run by hand
    # Each pauses the run (a hand on the model or the data stops the play, so the change
    # can be seen) and publishes a frame of the changed state; Play continues from it.
    # Failures (a bad value) arrive in sigError, with the session's message.
    def move_mean(self, component: int, mean):
        """Move a mean (see :meth:`RunSession.move_mean`): at iteration 0 a new start,
        later a change EM continues from. Moves of one drag that the worker has not
        applied yet are replaced by the newest one."""
        mean = np.array(mean, dtype=float)
        self._coalesced(("move_mean", int(component)), mean,
                        lambda session, value: session.move_mean(int(component), value))

    def set_covariance(self, component: int, covariance):
        """Set a covariance (see :meth:`RunSession.set_covariance`); coalesced as
        :meth:`move_mean`."""
        covariance = np.array(covariance, dtype=float)
        self._coalesced(("set_covariance", int(component)), covariance,
                        lambda session, value: session.set_covariance(int(component), value))

    def place_means(self, means):
        """Start from initial means placed by hand (see :meth:`RunSession.place_means`)."""
        means = np.array(means, dtype=float)
        self._session_call(lambda session: session.place_means(means), pause=True,
                           force=True)

    def add_points(self, points, continue_from_parameters: bool = False):
        """Add points (see :meth:`RunSession.add_points`): a new run (new ``run_id``)."""
        points = np.array(points, dtype=float)
        self._session_call(lambda session: session.add_points(
            points, continue_from_parameters=continue_from_parameters), pause=True,
            force=True)

    def remove_points(self, indices, continue_from_parameters: bool = False):
        """Remove points by index (see :meth:`RunSession.remove_points`)."""
        indices = np.array(indices).copy()
        self._session_call(lambda session: session.remove_points(
            indices, continue_from_parameters=continue_from_parameters), pause=True,
            force=True)

    def clear_points(self):
        """Remove every point: the run waits for points (see
        :meth:`RunSession.clear_points`)."""
        self._session_call(lambda session: session.clear_points(), pause=True, force=True)

    def undo_data(self, continue_from_parameters: bool = False):
        """Undo the last data edit (see :meth:`RunSession.undo`)."""
        self._session_call(lambda session: session.undo(
            continue_from_parameters=continue_from_parameters), pause=True, force=True)

    def redo_data(self, continue_from_parameters: bool = False):
        """Redo the last undone data edit (see :meth:`RunSession.redo`)."""
        self._session_call(lambda session: session.redo(
            continue_from_parameters=continue_from_parameters), pause=True, force=True)

    # ------------------------------------------------------------------ closing
    def shutdown(self, timeout_ms: int | None = None) -> bool:
        """Stop the timer in the worker thread, end the thread and wait for it, briefly.

        Parameters
        ----------
        timeout_ms : int, optional
            How long to wait (default :data:`~gmm_viz.gui.worker.stopping.STOP_WAIT_MS`);
            longer while a file is being written, so that closing never cuts a save short.

        Returns True when the thread ended; False when it is busy with one long
        computation, which it finishes on its own before ending (see
        :func:`~gmm_viz.gui.worker.stopping.stop_thread`): closing does not wait for it.
        Idempotent.
        """
        timeout_ms = STOP_WAIT_MS if timeout_ms is None else int(timeout_ms)
        self._stopped = True
        if self._finalizer.detach() is not None:  # (None: it ran already)
            stop_thread(self.thread, self.worker, timeout_ms)
        return not self.thread.isRunning()

    # ------------------------------------------------------------------ internals
    def _session_call(self, operation, pause: bool = False, force: bool = False):
        """Ask the worker to call ``operation(session)`` between two steps (see
        :meth:`EMWorker._on_session_call`)."""
        if self._stopped:
            return
        if pause:
            self.worker.play_requested = False
        self._sigSessionCall.emit(operation, pause, force)

    def _coalesced(self, key, value, apply):
        """Queue ``apply(session, value)`` unless a call for ``key`` is queued already;
        then that call applies the newest value."""
        if self._stopped:
            return
        with self._edit_lock:
            queued = key in self._pending_edits
            self._pending_edits[key] = value
        if queued:
            self.worker.play_requested = False
            return

        def operation(session):
            with self._edit_lock:
                newest = self._pending_edits.pop(key)
            apply(session, newest)

        self._session_call(operation, pause=True, force=True)

    def _job(self, function, reads_run: bool) -> int:
        self._token += 1
        if not self._stopped:
            self._sigJob.emit(self._token, function, reads_run)
        return self._token


def _on_screen(window) -> bool:
    """Whether ``window`` paints what it is given (not hidden, minimised or covered)."""
    handle = window.windowHandle()
    return (window.isVisible() and not window.isMinimized()
            and (handle is None or handle.isExposed()))


class _PaintWatcher(QObject):
    """Opens the gate once the window has painted a frame.

    Qt paints a window's changed widgets in one go, when the window handles its
    ``UpdateRequest`` event (posted at low priority after the frame's changes, so after
    the scene's own queued updates too). A call queued while that event is handled runs
    after the painting: it opens the gate. (The event loop's ``aboutToBlock`` comes
    earlier: Qt emits it before every round of events, also the round that paints.)
    """

    def __init__(self, gate, window, first_painted):
        super().__init__(window)
        self._gate = gate
        self._first_painted = first_painted
        window.installEventFilter(self)

    def eventFilter(self, watched, event):  # Qt naming
        if event.type() == QEvent.Type.UpdateRequest:
            if not self._gate.is_open:
                QTimer.singleShot(0, self._gate.idle)
            if not self._first_painted.is_set():
                QTimer.singleShot(0, self._first_painted.set)
        return False
