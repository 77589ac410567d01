"""The message bar: one dismissible message above the canvas, an error or an explanation."""

from __future__ import annotations

from typing import ClassVar

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton

from gmm_viz.files import clip_message


class MessageBar(QFrame):
    """A dismissible one-message area above the canvas for errors and explanations.

    Attributes
    ----------
    level : {"error", "info"} or None
        The kind of the message shown; None when nothing is shown.
    """

    STYLES: ClassVar[dict] = {
        "error": "background:#fde2e1; border:1px solid #e0a19c; color:#6b1410;",
        "info": "background:#e4eefb; border:1px solid #a9c1e6; color:#16325c;",
    }

    def __init__(self, parent=None):
        super().__init__(parent)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss this message")
        close.clicked.connect(self.clear)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.level = None
        self.hide()

    def show_message(self, text: str, level: str = "error"):
        self.level = level
        self.setStyleSheet(f"MessageBar {{{self.STYLES[level]} border-radius:4px;}}")
        # Plain text: a file name such as "<h1>x</h1>.csv" is shown as typed, never as
        # markup; and bounded, whatever a file or an exception put in the message.
        self.label.setText(clip_message(text))
        self.label.setStyleSheet(self.STYLES[level].split(";")[-2] + ";")
        self.show()

    def text(self) -> str:
        return self.label.text() if self.isVisible() or self.level else ""

    def clear(self):
        self.level = None
        self.label.clear()
        self.hide()
