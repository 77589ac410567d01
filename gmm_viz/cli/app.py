"""``gmm-viz`` and ``gmm-viz app``: check the machine, read the options, open the window.

Before Qt starts: a machine without a display is told so (Qt's xcb plugin would abort the
process), and a ``--csv`` is loaded so that a bad file fails here, as one line with exit
status 2. The options then become the window's
:class:`~gmm_viz.gui.main_window.LaunchOptions` for :func:`gmm_viz.gui.app.run_app`. Qt is
imported only then, so that ``import gmm_viz.cli`` stays Qt-free.
"""

from __future__ import annotations

import os
import sys

from gmm_viz.cli.options import add_app_arguments, config_changes

HELP = "open the interactive window (the default)"

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


def add_arguments(parser):
    """The options of the explicit ``app`` command: the app's, without defaults, so that
    options given before the command name (``gmm-viz --k 3 app``) are kept."""
    add_app_arguments(parser, suppress_defaults=True)


def launch_options(args):
    """:class:`~gmm_viz.gui.main_window.LaunchOptions` from parsed command-line ``args``.

    ``args.csv_dataset`` is the data :func:`run` loaded from ``--csv``, if any.
    """
    from gmm_viz.gui.main_window import LaunchOptions

    return LaunchOptions(
        dataset=getattr(args, "dataset", None),
        csv_dataset=getattr(args, "csv_dataset", None),
        csv_path=getattr(args, "csv", None),
        config_changes=config_changes(args),
        play=bool(getattr(args, "play", False)),
        scenario=getattr(args, "scenario", None),
    )


def run(args) -> int:
    """Open the window. A CSV given on the command line is loaded first, to fail early;
    before it, a machine without a display is told so (Qt would abort)."""
    problem = missing_display_message()
    if problem:
        print(f"gmm-viz: error: {problem}", file=sys.stderr)
        return 2
    csv_path = getattr(args, "csv", None)
    if csv_path:
        from gmm_viz.data import DataError, load_csv

        try:
            args.csv_dataset = load_csv(csv_path)
        except DataError as exc:
            print(f"gmm-viz: error: {exc}", file=sys.stderr)
            return 2
    from gmm_viz.gui import app

    return app.run_app(launch_options(args))
