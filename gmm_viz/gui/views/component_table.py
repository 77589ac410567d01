"""A live table of the mixture's components: colour, weight, mean, det, shape, N_k, flags."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QEvent, Qt, pyqtSignal
from PyQt6.QtGui import QBrush, QColor
from PyQt6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from gmm_viz.gui.views.emptiness import empty_components

COLUMNS = ("k", "weight", "mean", "det(cov)", "cond", "N_k", "flags")
TOOLTIPS = (
    "Component number and colour",
    "Mixing weight π_k",
    "Mean μ_k (on the axes shown)",
    ("Determinant of the covariance; the study's singularity rule compares |det| "
     "with the threshold"),
    ("Condition number of the covariance (largest / smallest variance along its axes): "
     "1 for a circle, huge for a needle; the needle rule compares it with its limit"),
    "Effective number of points: the sum of the responsibilities",
    ("flagged: a singularity rule caught it this iteration; re-placed: it was moved; "
     "empty: it holds less than one point's worth of weight (drawn faded and dashed)"),
)



class ComponentTable(QTableWidget):
    """Shows one row per component; items are created once per k, then only their text.

    Call :meth:`show_snapshot` with each new frame.

    Signals
    -------
    sigRowClicked(int)
        The user clicked the row of a component (to select it).
    """

    sigRowClicked = pyqtSignal(int)

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        for column, tip in enumerate(TOOLTIPS):
            self.horizontalHeaderItem(column).setToolTip(tip)
        header = self.horizontalHeader()
        self._set_sizing(QHeaderView.ResizeMode.ResizeToContents)
        # The flags fill the free width (the table asks for what their text needs, see
        # _keep_columns_in_view): never wider than the table, so no sideways scrolling.
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setDefaultSectionSize(20)
        # The number is in the colour swatch: no row header taking width.
        self.verticalHeader().hide()
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # A click selects a component (the window highlights it on the canvas too); the
        # selection is only ever set by select_component, so it always names the one shown.
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cellClicked.connect(lambda row, _column: self.sigRowClicked.emit(row))
        self.setToolTip("The components of the mixture at the shown iteration")
        self._colors = None
        self._axes = (0, 1)
        #: What each row shows now, as :meth:`_row_contents` gives it (rows not in it are
        #: set at the next frame).
        self._shown_rows: dict[int, tuple] = {}

    def select_component(self, k: int):
        """Highlight component ``k``'s row (-1: none)."""
        if 0 <= k < self.rowCount():
            self.selectRow(k)
        else:
            self.clearSelection()

    def selected_component(self) -> int:
        """The highlighted row, or -1."""
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def set_axes(self, i: int, j: int):
        """Show the mean's coordinates on features ``i`` and ``j``."""
        self._axes = (i, j)

    def set_colors(self, colors):
        """Component colours, an (k, 3) uint8 array; applied to the swatch column."""
        self._colors = None if colors is None else np.asarray(colors)

    def _ensure_rows(self, k: int):
        if self.rowCount() == k:
            return
        self.setRowCount(k)
        self._shown_rows.clear()
        align_right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row in range(k):
            for column in range(len(COLUMNS)):
                if self.item(row, column) is None:
                    item = QTableWidgetItem()
                    if column in (1, 3, 4, 5):
                        item.setTextAlignment(align_right)
                    self.setItem(row, column, item)
            swatch = self.item(row, 0)
            swatch.setText(str(row))
            swatch.setTextAlignment(Qt.AlignmentFlag.AlignCenter)

    def show_snapshot(self, snapshot, recovered=()):
        """Fill the table from a :class:`~gmm_viz.engine.Snapshot`.

        Parameters
        ----------
        snapshot : Snapshot
        recovered : iterable of int
            Components re-placed since the previous shown frame.
        """
        k = snapshot.n_components
        resized = self.rowCount() != k
        self._ensure_rows(k)
        contents = self._row_contents(snapshot, k, recovered)
        # A row is set only when what it shows changed: once a run settles, most frames
        # change no text at all, and asking Qt for each cell's text and colour to find
        # that out cost about half a millisecond a frame.
        changed = [row for row in range(k) if self._shown_rows.get(row) != contents[row]]
        if not changed:
            return
        # With the columns sized to their contents, each cell set re-measures its whole
        # column; sized once after all the cells (same widths), a frame costs a fraction.
        # And sizing costs about a millisecond at display rate: it is redone only when a
        # text changed its length (the digits of the table's font have one width, so
        # values that only change their digits keep the widths).
        self._set_sizing(QHeaderView.ResizeMode.Fixed)
        try:
            for row in changed:
                resized |= self._fill_row(row, *contents[row])
                self._shown_rows[row] = contents[row]
        finally:
            if resized:
                self._set_sizing(QHeaderView.ResizeMode.ResizeToContents)
                self._keep_columns_in_view()

    def changeEvent(self, event):  # Qt naming
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:  # (the text colour of the cells)
            self._shown_rows.clear()
        if event.type() == QEvent.Type.FontChange:  # (zoom): every text has a new width
            self._set_sizing(QHeaderView.ResizeMode.ResizeToContents)
            self._keep_columns_in_view()

    def _set_sizing(self, mode):
        """Size every column but the stretching last one by ``mode``."""
        header = self.horizontalHeader()
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, mode)

    def _keep_columns_in_view(self):
        """Ask for the width that shows every column whole (the splitter then gives the
        table that much before the plot); only ever grows, so the layout does not jitter
        as values change length."""
        header = self.horizontalHeader()
        last = len(COLUMNS) - 1
        # The last column stretches over the free width: count what its contents need.
        contents = sum(header.sectionSize(c) for c in range(last)) + max(
            self.sizeHintForColumn(last), header.sectionSizeHint(last))
        needed = contents + 2 * self.frameWidth()
        if self.verticalScrollBar().isVisible():
            needed += self.verticalScrollBar().width()
        if needed > self.minimumWidth():
            self.setMinimumWidth(needed)

    def _row_contents(self, snapshot, k: int, recovered) -> list:
        """What each of ``k`` rows shows: ``(swatch rgb or None, texts, faded)``."""
        recovered = set(recovered) | set(snapshot.recovered_components)
        i, j = self._axes
        means = np.asarray(snapshot.means)
        d = means.shape[1] if means.ndim == 2 else 0
        i, j = min(i, d - 1), min(j, d - 1)
        empty = empty_components(snapshot, k)
        contents = []
        for row in range(k):
            rgb = None
            if self._colors is not None and row < len(self._colors):
                rgb = tuple(int(c) for c in self._colors[row][:3])
            # An array shorter than k (a damaged snapshot) leaves a dash, never raises.
            mean = means[row] if d and row < len(means) else None
            weight, det, nk = (_value(a, row) for a in (snapshot.weights, snapshot.det,
                                                        snapshot.nk))
            condition = _value(snapshot.condition_number, row)
            texts = (
                None,
                _text(weight, ".3f"),
                "\u2013" if mean is None else f"({mean[i]:.3g}, {mean[j]:.3g})",
                _text(det, ".3g"),
                "\u2013" if condition is None else _condition_text(condition),
                _text(nk, ".1f"),
                ", ".join(
                    flag for flag, on in (("flagged", bool(_value(snapshot.flagged, row))),
                                          ("re-placed", row in recovered),
                                          ("empty", bool(empty[row]))) if on
                ),
            )
            contents.append((rgb, texts, bool(empty[row])))
        return contents

    def _fill_row(self, row: int, rgb, texts, faded: bool) -> bool:
        """Set the cells of one row (those that change); True if a text changed its
        length."""
        lengths_changed = False
        if rgb is not None:
            swatch = self.item(row, 0)
            if swatch.background().color().getRgb()[:3] != rgb:
                swatch.setBackground(QBrush(QColor(*rgb)))
                light = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2] > 150
                swatch.setForeground(QBrush(QColor(0, 0, 0) if light
                                            else QColor(255, 255, 255)))
        for column, text in enumerate(texts):
            item = self.item(row, column)
            # Setting a cell repaints and re-measures it: only the ones that change (at
            # display rate most do not, e.g. the flags, or a converged run's values).
            if text is not None:
                shown = item.text()
                if shown != text:
                    lengths_changed |= len(shown) != len(text)
                    item.setText(text)
        want = QColor(150, 150, 150) if faded else self.palette().text().color()
        for column in range(1, len(COLUMNS)):
            item = self.item(row, column)
            if item.foreground().color() != want:
                item.setForeground(QBrush(want))
        return lengths_changed


def _value(array, row):
    """``array[row]``, or None when the array is shorter (or not an array)."""
    try:
        return array[row]
    except (IndexError, TypeError, KeyError):
        return None


def _text(value, spec: str) -> str:
    return "\u2013" if value is None else format(value, spec)


def _condition_text(value: float) -> str:
    # Beyond 1e15 the smallest variance is rounding: the matrix is singular in practice.
    return "singular" if value > 1e15 else f"{value:.3g}"
