"""Remembering the user's settings between launches (QSettings).

Settings go to an INI file. ``GMM_VIZ_SETTINGS`` (a file path) overrides the location;
the tests set it to a temporary file so that they never read or write the user's settings.
"""

from __future__ import annotations

import json
import os

from PyQt6.QtCore import QSettings

ORGANIZATION = "gmm-viz"
APPLICATION = "gmm-viz"
ENV_VAR = "GMM_VIZ_SETTINGS"
_PANEL_KEY = "panel/state"
_GEOMETRY_KEY = "window/geometry"
_WINDOW_STATE_KEY = "window/state"
_LAST_DIR_KEY = "files/last_dir"


def open_settings(path: str | os.PathLike | None = None) -> QSettings:
    """The settings store: ``path``, else ``$GMM_VIZ_SETTINGS``, else the user's INI file."""
    path = path or os.environ.get(ENV_VAR)
    if path:
        return QSettings(os.fspath(path), QSettings.Format.IniFormat)
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION,
                     APPLICATION)


def load_panel_state(settings: QSettings) -> dict:
    """The control panel's saved values (empty when none or unreadable)."""
    raw = settings.value(_PANEL_KEY, "")
    if not raw:
        return {}
    try:
        state = json.loads(raw)
    except (TypeError, ValueError):
        # A damaged file must not stop the app: start from the defaults.
        return {}
    return state if isinstance(state, dict) else {}


def save_panel_state(settings: QSettings, state: dict):
    # JSON, because QSettings' INI round trip turns numbers and lists into strings.
    settings.setValue(_PANEL_KEY, json.dumps(state))


def load_window(settings: QSettings):
    """Saved ``(geometry, state)`` byte arrays of the main window, or None each."""
    return settings.value(_GEOMETRY_KEY), settings.value(_WINDOW_STATE_KEY)


def save_window(settings: QSettings, geometry, state):
    settings.setValue(_GEOMETRY_KEY, geometry)
    settings.setValue(_WINDOW_STATE_KEY, state)


def last_directory(settings: QSettings) -> str:
    return str(settings.value(_LAST_DIR_KEY, "") or "")


def set_last_directory(settings: QSettings, directory: str):
    settings.setValue(_LAST_DIR_KEY, directory)


_LAST_EXPORT_DIR_KEY = "files/last_export_dir"


def last_export_directory(settings: QSettings) -> str:
    """Folder of the last export, save or opened run (falls back to the last opened file's)."""
    return str(settings.value(_LAST_EXPORT_DIR_KEY, "") or last_directory(settings))


def set_last_export_directory(settings: QSettings, directory: str):
    settings.setValue(_LAST_EXPORT_DIR_KEY, directory)


_ZOOM_KEY = "view/zoom"


def load_zoom(settings: QSettings) -> float:
    """The remembered View > Zoom factor (1.0 when none or damaged)."""
    try:
        zoom = float(settings.value(_ZOOM_KEY, 1.0))
    except (TypeError, ValueError):
        return 1.0
    return zoom if 0.1 < zoom < 10.0 else 1.0  # (NaN fails the comparison too)


def save_zoom(settings: QSettings, zoom: float):
    settings.setValue(_ZOOM_KEY, float(zoom))
