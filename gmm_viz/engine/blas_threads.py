"""One BLAS thread for the engine's own work, restored when the work is done.

The engine's products are (K x P)(P x chunk) with P small (6 for D = 2): BLAS threads gain
nothing on them and, when the other core is busy (the window drawing), spin against it.
Measured on 2 cores with the other core busy (a Python loop), one EM step at 100,000
points (K = 8, D = 2) took 8-70 ms with OpenBLAS's two threads and 4-6 ms with one; at
1,000,000 points 85-600 ms and 45-60 ms. Idle, one thread is as fast as two at 2,000 and
100,000 points and within ~10 % at 1,000,000.

The limit is a context around the engine's work, not a process-wide setting: the engine is
also a library (the scikit-learn-compatible estimator), and a library should leave the
user's BLAS setting as it found it. The libraries are inspected once per process (a
``ThreadpoolController``, 1-8 ms) and their controllers reused; entering and leaving then
costs ~20-30 us per EM step (measured at 2,000 points, where a step takes ~0.3 ms).

BLAS thread counts are process-wide (OpenBLAS's pthreads pool); see
:func:`single_threaded_blas` for contexts in several threads at once.
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager

_lock = threading.Lock()
_libraries = None
#: Per thread: how deep its contexts are nested, and what to restore when it leaves.
_local = threading.local()


def _blas_libraries():
    """The loaded BLAS libraries' controllers, found once per process (a slow inspection).

    Found at first use, when numpy and scipy (imported by the engine) are loaded.
    """
    global _libraries
    with _lock:
        if _libraries is None:
            from threadpoolctl import ThreadpoolController

            _libraries = ThreadpoolController().select(user_api="blas").lib_controllers
    return _libraries


@contextmanager
def single_threaded_blas():
    """Run the block with BLAS limited to one thread; restore the previous setting after.

    Nested contexts in one thread cost a counter. Contexts in several threads follow
    threadpoolctl's rule for a process-wide pool (OpenBLAS with pthreads): only the
    thread that set the limit first changes it until it restores it; the others' calls
    do nothing (so one thread can never restore another's setting too early).
    """
    depth = getattr(_local, "depth", 0)
    if depth == 0:
        # threadpoolctl's own limit() context re-inspects every library each time (~50 us
        # per EM step, 12 % of a step at 2,000 points); reading and setting the thread
        # counts directly costs a few microseconds.
        _local.restore = []
        for library in _blas_libraries():
            threads = library.get_num_threads()
            if threads is not None and threads != 1:
                library.set_num_threads(1)
                _local.restore.append((library, threads))
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth = depth
        if depth == 0:
            for library, threads in _local.restore:
                library.set_num_threads(threads)
                # Setting OpenBLAS's pool made this thread its only controller (until
                # it ends); give that up, as threadpoolctl's own contexts do on exit.
                release = getattr(type(library), "clear_controlling_thread", None)
                if release is not None:
                    release()
            _local.restore = []


def with_single_threaded_blas(method):
    """Decorator: run ``method`` inside :func:`single_threaded_blas`."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with single_threaded_blas():
            return method(*args, **kwargs)

    return wrapper
