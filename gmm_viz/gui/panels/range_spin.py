"""A spin box that refuses a typed number outside its range with a reason.

Qt's own QSpinBox drops the keystroke that would take the number out of range: typing
"25" where at most 20 is allowed leaves "2", and the run silently gets k = 2. This one
lets the user type the whole number, then refuses it when they are done typing (Enter or
leaving the field): the value in force comes back and :attr:`sigRefused` carries a
message that says what is allowed, as the app's other fields do.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QValidator
from PyQt6.QtWidgets import QSpinBox


class RangeSpinBox(QSpinBox):
    """A QSpinBox for whole numbers from ``minimum`` to ``maximum``.

    Parameters
    ----------
    name : str
        The field's name in messages, e.g. ``"Components k"``.

    Signals
    -------
    sigRefused(str)
        Typed text was not a whole number in range; the value did not change.
    """

    sigRefused = pyqtSignal(str)

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.name = name
        self.lineEdit().editingFinished.connect(self._check_typed)

    def validate(self, text, pos):
        state, text, pos = super().validate(text, pos)
        if state == QValidator.State.Invalid and _whole_number(self._without_affixes(text)):
            # A whole number out of range: let it be typed to its end, judged when done.
            return QValidator.State.Intermediate, text, pos
        return state, text, pos

    def _without_affixes(self, text: str) -> str:
        text = text.strip()
        if self.prefix() and text.startswith(self.prefix()):
            text = text[len(self.prefix()):]
        if self.suffix() and text.endswith(self.suffix()):
            text = text[: -len(self.suffix())]
        return text.strip()

    def _check_typed(self):
        typed = self._without_affixes(self.lineEdit().text())
        if self.specialValueText() and typed == self.specialValueText():
            return
        if not _whole_number(typed):
            return  # Qt puts the value in force back (fixup)
        number = int(typed)
        if self.minimum() <= number <= self.maximum():
            return
        self.lineEdit().setText(self.textFromValue(self.value()))
        self.sigRefused.emit(
            f"{self.name} must be from {self.minimum()} to {self.maximum()}; got {number}. "
            f"{self.name} stays {self.textFromValue(self.value())}.")

    def keyPressEvent(self, event):
        # Return with an out-of-range number: the line edit sends no editingFinished
        # for text its validator calls Intermediate, so judge it here.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._check_typed()
        super().keyPressEvent(event)

    def focusOutEvent(self, event):
        # Judge the typed text before Qt's fixup puts the old value back silently.
        self._check_typed()
        super().focusOutEvent(event)


def _whole_number(text: str) -> bool:
    body = text[1:] if text[:1] in "+-" else text
    return body.isdigit()
