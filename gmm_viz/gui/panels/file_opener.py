"""Opening a CSV file of points: File > Open, the reading, the choice of columns.

The file is parsed once, in the worker thread, with a progress bar and Cancel in the
status bar (:class:`~gmm_viz.gui.panels.load_progress.LoadProgress`) for a long read; a
file with more than two numeric columns asks which to fit; the run controller then starts
the run on the chosen columns (:meth:`~gmm_viz.gui.run_controller.RunController.load_csv`).
A file that cannot be read, or a Cancel, leaves the data and the run on screen as they
were, and the message bar says so.
"""

from __future__ import annotations

import os

from PyQt6.QtCore import QObject
from PyQt6.QtWidgets import QDialog, QFileDialog

from gmm_viz.data import AUTO
from gmm_viz.gui import settings as app_settings
from gmm_viz.gui.panels.column_dialog import ColumnDialog
from gmm_viz.gui.run_controller import file_message
from gmm_viz.progress import Progress

#: The open dialog's file types.
_FILTERS = "Tables (*.csv *.tsv *.txt *.dat);;All files (*)"


class FileOpener(QObject):
    """Opens CSV files for one window.

    Parameters
    ----------
    window : MainWindow
        Provides ``controller``, ``run_controller``, ``load_progress``, ``show_info``,
        ``show_error``, its status bar, and ``choose_columns`` (which tests and the
        responsiveness benchmark replace, so the choice is asked through it).
    settings : QSettings
        Where the last folder opened is remembered.
    """

    def __init__(self, window, settings):
        super().__init__(window)
        self._window = window
        self._settings = settings
        self._pending = {}  # job token -> (path, progress)
        self._label_columns = []  # (name, number of values) of the file being opened
        window.controller.sigJobFinished.connect(self._on_job_finished)

    def ask_and_open(self):
        """Ask for a file (File > Open…) in the last folder opened, then open it."""
        directory = app_settings.last_directory(self._settings)
        path, _ = QFileDialog.getOpenFileName(
            self._window, "Open a CSV file of points", directory, _FILTERS)
        if path:
            app_settings.set_last_directory(self._settings, os.path.dirname(path))
            self.open_csv(path)

    def open_csv(self, path: str, columns=None):
        """Load a CSV file (in the worker thread); ask for columns when it has more than two.

        Parameters
        ----------
        path : str
        columns : list of str, optional
            Columns to use; when None they are read from the file first.
        """
        path = os.fspath(path)
        if columns is None:
            # Parsed once, in the worker: the same table gives the column names and then
            # the points of the chosen columns. A long read shows a bar with Cancel.
            progress = Progress()
            token = self._window.controller.run_job(lambda: _read_table(path, progress))
            self._pending[token] = (path, progress)
            self._window.load_progress.track(progress, f"Reading {os.path.basename(path)}")
            return
        self._load_csv(path, list(columns))

    def choose_columns(self, path: str, columns):
        """Ask which columns to fit, and which text column gives the true labels when the
        file has any (a modal dialog).

        Returns
        -------
        list of str, or (list of str, str or None), or None
            The columns; with the label column (None: no labels) when labels were offered;
            None when cancelled.
        """
        dialog = ColumnDialog(path, columns, self._window, label_columns=self._label_columns)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        if self._label_columns:
            return dialog.columns(), dialog.label_column()
        return dialog.columns()

    def _on_job_finished(self, token, result, error):
        pending = self._pending.pop(token, None)
        if pending is None:
            return  # another part's job
        window = self._window
        path, progress = pending
        window.load_progress.finish(progress)
        if progress.cancelled:
            if window.load_progress.progress is None:  # not replaced by a newer open
                window.show_info(f"Stopped reading {os.path.basename(path)}; the data and "
                                 "the run on screen are unchanged.")
            return
        if error:
            window.show_error(file_message(path, error))
            return
        table = result
        columns = table.numeric_columns
        self._label_columns = list(getattr(table, "label_columns", ()))
        label_column = AUTO
        if len(columns) > 2 or (len(columns) == 2 and self._label_columns):
            chosen = window.choose_columns(path, columns)
            if chosen is None:
                return
            if isinstance(chosen, tuple):  # columns and the label column
                chosen, label_column = chosen
            columns = chosen
        elif len(columns) < 2:
            # No choice to make: the loader's own message says what the file lacks.
            columns = None
        self._load_csv(path, columns, table, label_column)

    def _load_csv(self, path, columns, table=None, label_column=AUTO):
        """Start a run on ``columns`` of the file (see :meth:`RunController.load_csv`)."""
        self._window.run_controller.load_csv(path, columns, table, label_column)
        self._window.statusBar().showMessage(f"Loading {os.path.basename(path)}…", 3000)


def _read_table(path, progress):
    """Parse a CSV file for :meth:`FileOpener.open_csv` (worker thread)."""
    from gmm_viz.data.csv_loader import read_csv_table

    progress.update(0.0)
    table = read_csv_table(path, progress=progress)
    progress.update(1.0)
    return table
