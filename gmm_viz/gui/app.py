"""Creating the QApplication and running the main window."""

from __future__ import annotations

import os
import signal
import sys

from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication

from gmm_viz.gui import settings as app_settings

NO_DISPLAY_MESSAGE = (
    "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot "
    "open; use `gmm-viz fit` or `gmm-viz render` to work without a window, or set "
    "QT_QPA_PLATFORM=offscreen.")


def missing_display_message(environ=None, platform: str | None = None) -> str | None:
    """Why the window cannot open on this machine, or None if it can (as far as we know).

    Without a display Qt's xcb plugin aborts the process (SIGABRT) with a misleading hint
    about libxcb-cursor0, so this is checked before the QApplication is created. Only X11
    and Wayland systems are checked (Linux and the BSDs); a ``QT_QPA_PLATFORM`` naming a
    plugin other than xcb (offscreen, minimal, vnc, wayland, ...) is trusted.

    Parameters
    ----------
    environ : mapping, optional
        The environment (default ``os.environ``).
    platform : str, optional
        ``sys.platform`` (default the running one).
    """
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    if platform.startswith(("win", "darwin", "cygwin")):
        return None
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    # "vnc:size=800x600" names the plugin before the colon; "wayland;xcb" is a list.
    plugins = [part.split(":", 1)[0].strip() for part in requested.split(";") if part.strip()]
    if any(plugin != "xcb" for plugin in plugins):
        return None
    if environ.get("DISPLAY") or (not plugins and environ.get("WAYLAND_DISPLAY")):
        return None
    return NO_DISPLAY_MESSAGE


def create_application(argv=None) -> QApplication:
    """The running QApplication, created (and named, for QSettings) if there is none."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv is not None else [sys.argv[0]])
    app.setOrganizationName(app_settings.ORGANIZATION)
    app.setApplicationName(app_settings.APPLICATION)
    app.setApplicationDisplayName("gmm-viz")
    return app


def launch_options(args):
    """:class:`~gmm_viz.gui.main_window.LaunchOptions` from parsed command-line ``args``."""
    from gmm_viz.cli import config_changes
    from gmm_viz.gui.main_window import LaunchOptions

    return LaunchOptions(
        dataset=getattr(args, "dataset", None),
        csv_dataset=getattr(args, "csv_dataset", None),
        csv_path=getattr(args, "csv", None),
        config_changes=config_changes(args),
        play=bool(getattr(args, "play", False)),
        scenario=getattr(args, "scenario", None),
    )


def run_app(args) -> int:
    """Open the window configured by ``args`` (an argparse namespace); returns exit status."""
    from gmm_viz.gui.main_window import MainWindow

    problem = missing_display_message()
    if problem:
        print(f"gmm-viz: error: {problem}", file=sys.stderr)
        return 2
    app = create_application()
    window = MainWindow(launch_options(args))
    window.show()
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
