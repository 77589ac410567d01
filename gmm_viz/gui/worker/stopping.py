"""Stopping worker threads: briefly when a window closes, never destroying a running one.

A worker busy with one long computation (k-means on millions of points, reading a huge
file) cannot be interrupted safely; closing does not wait for it. Its thread is kept
referenced here until it ends, and the interpreter's exit waits for it (bounded).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import threading

from PyQt6.QtCore import Qt, QThread, QTimer

#: How long closing waits for the worker to stop between two EM steps (it normally stops
#: within one step); a longer single computation (k-means on millions of points, reading a
#: huge file) is left to finish on its own.
STOP_WAIT_MS = 300

#: Worker threads still busy with one long computation after their window closed, with
#: their workers: kept referenced so that no running QThread is ever destroyed.
_ABANDONED: set = set()
_ABANDONED_LOCK = threading.Lock()


def stop_thread(thread: QThread, worker, timeout_ms: int = STOP_WAIT_MS) -> bool:
    """Stop ``worker`` (an EMWorker: queued, so its timer is stopped in its own thread)
    and join its thread.

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


#: Workers whose controller was garbage-collected during a collection, waiting to be
#: stopped from the event loop (or at exit): kept referenced, as the abandoned ones.
_DEFERRED: list = []
_collecting = False


def _note_collection(phase, _info):
    global _collecting
    _collecting = phase == "start"


gc.callbacks.append(_note_collection)


def stop_thread_of_collected(thread: QThread, worker) -> None:
    """Stop the thread of a controller nobody holds any more (its ``weakref.finalize``).

    The garbage collector runs a finalizer in the middle of whatever allocated: inside a
    Qt call that builds Python objects, for one. Stopping a thread there (a signal emitted,
    then a wait that lets the worker thread run Python) broke that call. Measured: a
    window's ``findChildren`` failed with "TypeError: QBoxLayout(direction...): not
    enough arguments" when an earlier test's controller was collected during it, in 3 of
    4 background runs of ``pytest tests/gui`` (none in 4 since). So during a collection,
    the stop is only queued, and runs from the event loop (or at exit, if no event loop
    runs again).
    """
    if not _collecting:
        stop_thread(thread, worker)
        return
    worker.play_requested = False  # (a plain attribute: safe anywhere)
    with _ABANDONED_LOCK:
        _DEFERRED.append((thread, worker))
    QTimer.singleShot(0, _stop_deferred)


def _stop_deferred():
    with _ABANDONED_LOCK:
        pairs = list(_DEFERRED)
        _DEFERRED.clear()
    for thread, worker in pairs:
        stop_thread(thread, worker)


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
    _stop_deferred()
    if not wait_for_abandoned_workers(EXIT_WAIT_MS):
        sys.stderr.write("gmm-viz: a worker thread was still busy at exit; ending the "
                         "process without it.\n")
        sys.stderr.flush()
        os._exit(1)


atexit.register(_wait_at_exit)
