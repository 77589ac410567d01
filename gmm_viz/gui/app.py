"""Creating the QApplication and running the main window until it closes."""

from __future__ import annotations

import gc
import os
import signal
import sys
from typing import TYPE_CHECKING

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from gmm_viz.gui import settings as app_settings
from gmm_viz.gui.collector import collect_between_events

if TYPE_CHECKING:
    from gmm_viz.gui.main_window import LaunchOptions


def create_application(argv=None) -> QApplication:
    """The running QApplication, created (and named, for QSettings) if there is none."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv is not None else [sys.argv[0]])
    app.setOrganizationName(app_settings.ORGANIZATION)
    app.setApplicationName(app_settings.APPLICATION)
    app.setApplicationDisplayName("gmm-viz")
    return app


def run_app(options: LaunchOptions | None = None) -> int:
    """Open the window configured by ``options`` and run Qt until it closes.

    The caller checks first that the machine has a display (the command line does, and
    says so in one line): without one Qt's xcb plugin aborts the process here.

    Parameters
    ----------
    options : LaunchOptions, optional
        What the window starts with (default: as remembered).

    Returns
    -------
    int
        The exit status.
    """
    from gmm_viz.gui.main_window import MainWindow

    app = create_application()
    from gmm_viz.gui.worker import em_worker

    em_worker.prepare_window_kernel = True  # the first run never waits for a compiler
    window = MainWindow(options)
    window.show()
    # What the imports and the window made lives as long as the process: leave it out of
    # the garbage collector's full passes. Each pass walked all of it (a million objects
    # of numpy, scipy, scikit-learn, numba and Qt) holding the GIL, and froze the window
    # for 60-130 ms five times in 10 s of playing 2,000 points.
    gc.freeze()
    # From now on the collector runs only between events, in this thread (see collector).
    collect_between_events()
    # Ctrl+C in the terminal closes the window cleanly (worker stopped, settings saved).
    # Python only runs signal handlers between bytecodes, so a timer wakes it regularly.
    previous = signal.signal(signal.SIGINT, lambda *_: window.close())
    waker = QTimer()
    waker.timeout.connect(lambda: None)
    waker.start(250)
    app.aboutToQuit.connect(window.controller.shutdown)
    try:
        status = app.exec()
    finally:
        waker.stop()
        signal.signal(signal.SIGINT, previous)
    from gmm_viz.gui.worker import abandoned_workers_running

    if abandoned_workers_running():
        # The window is closed and the settings saved, but the worker is inside one
        # computation that cannot be interrupted (k-means on millions of points): end the
        # process now instead of waiting for it, and without destroying a running QThread.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    return status
