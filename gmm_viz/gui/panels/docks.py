"""Side panels: a widget in a vertically scrolling area inside a movable dock."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QDockWidget, QScrollArea


def scrolling_dock(title, object_name, widget, parent, min_width, frame=True) -> QDockWidget:
    """A dock (movable, floatable, closable) showing ``widget`` with vertical scrolling.

    Parameters
    ----------
    title : str
    object_name : str
        Used by ``QMainWindow.saveState`` to remember where the dock was.
    widget : QWidget
    parent : QWidget
    min_width : int
        Narrower than this, the content would wrap or clip.
    frame : bool
        Draw the scroll area's frame.
    """
    scroll = QScrollArea()
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    if not frame:
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(min_width)
    dock = QDockWidget(title, parent)
    dock.setObjectName(object_name)
    dock.setWidget(scroll)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    return dock
