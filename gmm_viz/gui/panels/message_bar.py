"""The message bar: one dismissible message above the canvas, an error or an explanation.

Its place is kept while it is empty, as tall as two lines of text: a message coming and
going while a user steps through a run must not move the canvas under their eyes (it
jumped ~30 px each time when the bar was hidden). A longer message makes it taller, and it
keeps that height until the window is resized, so a run of such messages does not make it
breathe either.
"""

from __future__ import annotations

from typing import ClassVar

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFontMetrics
from PyQt6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QToolButton

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
    #: The bar's place when empty: no background, no border.
    EMPTY_STYLE: ClassVar[str] = "MessageBar {background:transparent; border:none;}"
    #: Lines of text the bar's place always holds.
    RESERVED_LINES: ClassVar[int] = 2

    def __init__(self, parent=None):
        super().__init__(parent)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.close_button = close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss this message")
        close.clicked.connect(self.clear)
        # The close button keeps its place while hidden: the text never reflows.
        policy = close.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        close.setSizePolicy(policy)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.level = None
        self._height_for_width = (None, 0)  # (width, tallest height needed at that width)
        self.clear()

    def show_message(self, text: str, level: str = "error"):
        self.level = level
        self.setStyleSheet(f"MessageBar {{{self.STYLES[level]} border-radius:4px;}}")
        # Plain text: a file name such as "<h1>x</h1>.csv" is shown as typed, never as
        # markup; and bounded, whatever a file or an exception put in the message.
        self.label.setText(clip_message(text))
        self.label.setStyleSheet(self.STYLES[level].split(";")[-2] + ";")
        self.close_button.show()
        self._fit_height()

    def text(self) -> str:
        """The message shown ("" when none)."""
        return self.label.text() if self.level else ""

    def clear(self):
        """Remove the message; its place stays."""
        self.level = None
        self.label.clear()
        self.setStyleSheet(self.EMPTY_STYLE)
        self.close_button.hide()
        self._fit_height()

    def set_text_font(self, font):
        """Show the text in ``font`` (the window's View > Zoom); the bar's height follows."""
        self.label.setFont(font)
        self._height_for_width = (None, 0)
        self._fit_height()

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit_height()

    def _fit_height(self):
        """At least :attr:`RESERVED_LINES` lines, more for a longer message; never less
        than the tallest message needed at this width."""
        margins = self.layout().contentsMargins()
        lines = QFontMetrics(self.label.font()).lineSpacing() * self.RESERVED_LINES
        width = self.width()
        label_width = max(width - margins.left() - margins.right()
                          - self.close_button.sizeHint().width() - self.layout().spacing(), 50)
        text_height = self.label.heightForWidth(label_width) if self.label.text() else 0
        needed = max(lines + 4, text_height) + margins.top() + margins.bottom()
        seen_width, tallest = self._height_for_width
        if seen_width == width:
            needed = max(needed, tallest)
        self._height_for_width = (width, needed)
        if self.height() != needed or self.minimumHeight() != needed:
            self.setFixedHeight(needed)
