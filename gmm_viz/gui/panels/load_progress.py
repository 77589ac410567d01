"""The status-bar indicator of a file being read: what, how far, and Cancel.

Reading happens in the worker thread (see :mod:`gmm_viz.progress`); this widget only
polls the shared :class:`~gmm_viz.progress.Progress` on a GUI timer, so the GUI thread
never waits on the job. It appears only for jobs that last longer than
:data:`SHOW_AFTER_MS`, so quick opens do not flash a bar.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

#: A job shorter than this shows no indicator.
SHOW_AFTER_MS = 500
#: How often the bar reads the job's progress.
POLL_MS = 100


class LoadProgress(QWidget):
    """"Reading big.csv… 45% [Cancel]" while a file is read in the worker.

    Signals
    -------
    sigCancelRequested(object)
        The user pressed Cancel for this :class:`~gmm_viz.progress.Progress`.
    """

    sigCancelRequested = pyqtSignal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(False)
        self.cancel_button = QToolButton()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop reading this file; the data and run on screen "
                                      "stay as they are")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self._progress = None
        self._text = ""
        self._show_timer = QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.timeout.connect(self._on_show_timer)
        self._poll_timer = QTimer(self)
        self._poll_timer.setInterval(POLL_MS)
        self._poll_timer.timeout.connect(self._refresh)
        self.hide()

    @property
    def progress(self):
        """The job followed now, or None."""
        return self._progress

    def track(self, progress, text: str):
        """Follow ``progress`` ("Reading big.csv"); a job followed before is cancelled.

        Opening a second file while the first is still read means the first is no longer
        wanted: it stops at its next progress update.
        """
        if self._progress is not None and self._progress is not progress:
            self._progress.cancel()
        self._progress, self._text = progress, text
        self.cancel_button.setEnabled(True)
        self._show_timer.start(SHOW_AFTER_MS)

    def finish(self, progress):
        """The job ended (done, failed or cancelled): hide if it is the one followed."""
        if progress is not self._progress:
            return
        self._progress = None
        self._show_timer.stop()
        self._poll_timer.stop()
        self.hide()

    def _on_show_timer(self):
        if self._progress is None:
            return
        self._refresh()
        self.show()
        self._poll_timer.start()

    def _refresh(self):
        progress = self._progress
        if progress is None:
            return
        stage = f": {progress.stage}" if progress.stage else ""
        if progress.cancelled:
            self.label.setText(f"{self._text}: cancelling…")
        else:
            self.label.setText(f"{self._text}{stage}… {progress.fraction:.0%}")
        self.bar.setValue(round(progress.fraction * 1000))

    def _on_cancel_clicked(self):
        if self._progress is None:
            return
        self._progress.cancel()
        self.cancel_button.setEnabled(False)
        self._refresh()
        self.sigCancelRequested.emit(self._progress)
