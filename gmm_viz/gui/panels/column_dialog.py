"""The dialog that asks which numeric columns of a file to fit, and which text column (if
any) gives the points' true labels."""

from __future__ import annotations

import os

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
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

    With ``label_columns`` (the text columns that can be the true labels,
    :attr:`~gmm_viz.data.csv_loader.CsvTable.label_columns`) a "True labels" choice lists
    them and "none"; it starts on the first, as the loader's default does. Text columns
    are never fitted.

    Parameters
    ----------
    path : str
    columns : sequence of str
        The names of the numeric columns (any number; only the first ones are listed).
    label_columns : sequence of (str, int), optional
        Each label column's name and number of different values, in file order.
    """

    #: The label choice's text for "no labels".
    NO_LABELS = "none"

    def __init__(self, path: str, columns, parent=None, label_columns=()):
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
        self.labels_combo = self._label_choice(label_columns)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.list)
        layout.addWidget(self.count_label)
        if self.labels_combo is not None:
            form = QFormLayout()
            form.addRow("True labels:", self.labels_combo)
            layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.list.itemChanged.connect(self._on_checks_changed)
        self._on_checks_changed()

    def _label_choice(self, label_columns):
        """The "True labels" combo box (None when the file has no label column)."""
        label_columns = list(label_columns)
        if not label_columns:
            return None
        combo = QComboBox()
        for name, n_values in label_columns:
            combo.addItem(f"{name} ({n_values} values)", str(name))
        combo.addItem(self.NO_LABELS, None)
        combo.setToolTip("A text column that says which group each point truly belongs "
                         "to. It is not fitted: the points can be coloured by it, and the "
                         "fit's agreement with it is given as the adjusted Rand index.")
        return combo

    def label_column(self) -> str | None:
        """The chosen label column's name, or None (no labels, or the file has none)."""
        if self.labels_combo is None:
            return None
        return self.labels_combo.currentData()

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
