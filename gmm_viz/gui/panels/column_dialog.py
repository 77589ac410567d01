"""The dialog that asks which numeric columns of a file to fit."""

from __future__ import annotations

import os

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from gmm_viz.limits import MAX_COLUMNS_OFFERED, MAX_FEATURES


class ColumnDialog(QDialog):
    """Choose which numeric columns of a file to fit.

    All columns are checked by default when there are at most
    :data:`~gmm_viz.limits.MAX_FEATURES`; a wider file starts with the first two checked.
    At most :data:`~gmm_viz.limits.MAX_COLUMNS_OFFERED` columns are listed (a file can
    hold millions on one line), and OK is enabled only for 2 to ``MAX_FEATURES`` columns.

    Parameters
    ----------
    path : str
    columns : sequence of str
        The names of the numeric columns (any number; only the first ones are listed).
    """

    def __init__(self, path: str, columns, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Choose columns")
        n_columns = len(columns)
        offered = list(columns[:MAX_COLUMNS_OFFERED])
        check_all = n_columns <= MAX_FEATURES
        self.list = QListWidget()
        self.list.setUniformItemSizes(True)
        self.list.setToolTip("The model is fitted in all checked columns; two of them are "
                             "shown at a time (choose them with the Axes setting)")
        for index, name in enumerate(offered):
            item = QListWidgetItem(str(name))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = check_all or index < 2
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        intro = f"{os.path.basename(path)} has {n_columns:,} numeric columns."
        if n_columns > len(offered):
            intro += f" The first {len(offered):,} are listed."
        if not check_all:
            intro += (f" gmm-viz fits at most {MAX_FEATURES} at once (each one adds to "
                      "every point's work); the first two are checked.")
        title = QLabel(intro + " Fit the model in:")
        title.setTextFormat(Qt.TextFormat.PlainText)
        title.setWordWrap(True)
        self.count_label = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.list)
        layout.addWidget(self.count_label)
        layout.addWidget(self.buttons)
        self.list.itemChanged.connect(self._on_checks_changed)
        self._on_checks_changed()

    def columns(self) -> list:
        """The names of the checked columns, in the file's order."""
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def _on_checks_changed(self, *_):
        n = len(self.columns())
        ok = 2 <= n <= MAX_FEATURES
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        text = f"{n} checked"
        if not ok:
            text += f": check 2 to {MAX_FEATURES} columns"
        self.count_label.setText(text)
