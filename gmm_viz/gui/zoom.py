"""View > Zoom: one factor that scales the whole window's fonts and markers.

For a projector or a large classroom screen. The application font is scaled (every
widget follows it: controls, table, status bar, messages, menus), and the plots, whose
fonts and marker sizes pyqtgraph sets in points or pixels of their own, are told the
factor. The factor steps through :data:`ZOOM_STEPS` and is remembered between sessions.
"""

from __future__ import annotations

from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QApplication

#: The zoom factors offered, smallest to largest.
ZOOM_STEPS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)
_BASE_POINT_SIZE = "gmm_viz_base_point_size"  # application property: the unzoomed size


def nearest_step(factor: float) -> float:
    """The step of :data:`ZOOM_STEPS` nearest to ``factor``."""
    return min(ZOOM_STEPS, key=lambda step: abs(step - factor))


def step_from(factor: float, direction: int) -> float:
    """The next larger (``direction`` 1) or smaller (-1) step, kept within the steps."""
    index = ZOOM_STEPS.index(nearest_step(factor)) + direction
    return ZOOM_STEPS[min(max(index, 0), len(ZOOM_STEPS) - 1)]


def apply_app_font(factor: float) -> None:
    """Scale the application's font to ``factor`` times its size before any zoom."""
    app = QApplication.instance()
    if app is None:
        return
    base = app.property(_BASE_POINT_SIZE)
    if base is None:
        base = app.font().pointSizeF()
        app.setProperty(_BASE_POINT_SIZE, base)
    font = app.font()
    font.setPointSizeF(float(base) * factor)
    app.setFont(font)


def make_zoom_actions(parent, on_zoom):
    """The View menu's Zoom In (Ctrl+= and Ctrl++), Zoom Out (Ctrl+-) and Actual Size
    (Ctrl+0) actions; each calls ``on_zoom(direction)`` with 1, -1 or 0."""
    actions = []
    for text, keys, direction, tip in (
            ("Zoom In", ("Ctrl+=", "Ctrl++"), 1, "Larger text and markers, for a projector"),
            ("Zoom Out", ("Ctrl+-",), -1, "Smaller text and markers"),
            ("Actual Size", ("Ctrl+0",), 0, "Text and markers at their normal size")):
        action = QAction(text, parent)
        action.setShortcuts([QKeySequence(key) for key in keys])
        action.setToolTip(f"{tip} ({keys[0]})")
        action.setStatusTip(action.toolTip())
        action.triggered.connect(lambda _=False, d=direction: on_zoom(d))
        actions.append(action)
    return actions
