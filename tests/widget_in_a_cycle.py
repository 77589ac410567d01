"""A widget that only the cyclic garbage collector can free (for the test setup's tests)."""

from PyQt6.QtWidgets import QWidget


class WindowInACycle(QWidget):
    """Like the main window: Python state its event filter reads, and a reference cycle,
    so that only the cyclic collector frees it."""

    def __init__(self):
        super().__init__()
        self.state = "whole"
        self.itself = self
        self.installEventFilter(self)

    def eventFilter(self, watched, event):
        # Never filters; raises AttributeError once a collection has cleared the object.
        return self.state != "whole"
