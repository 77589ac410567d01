"""Building QActions the same way everywhere: shortcut shown in the tooltip and status tip."""

from __future__ import annotations

from PyQt6.QtGui import QAction, QKeySequence


def make_action(parent, text, shortcut, tip, slot=None, checkable=False) -> QAction:
    """A QAction whose tooltip names its shortcut (every control has a tooltip).

    Parameters
    ----------
    parent : QObject
    text : str
        Menu text.
    shortcut : str or None
        e.g. ``"Ctrl+O"``.
    tip : str
        What it does; the shortcut is appended.
    slot : callable, optional
        Connected to ``triggered``.
    checkable : bool
    """
    act = QAction(text, parent)
    if shortcut:
        act.setShortcut(QKeySequence(shortcut))
        tip = f"{tip} ({QKeySequence(shortcut).toString()})"
    act.setToolTip(tip)
    act.setStatusTip(tip)
    act.setCheckable(checkable)
    if slot is not None:
        act.triggered.connect(slot)
    return act
