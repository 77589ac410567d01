"""Which text column of a CSV file can be the points' true labels, and its class codes.

A table's numeric columns are fitted; a text column (a species, a group, a site) is not a
feature, but it may say which group each point truly belongs to. The rule, decided here
and nowhere else:

- only a text column is looked at: one that is not numeric (see
  :mod:`gmm_viz.data.csv_loader`) and has a text cell (not a number, not empty, not a
  missing-value marker);
- its *values* are its cells with content, stripped; empty cells and missing-value
  markers (``NA``, ``?``, ...) are no value;
- it is usable as labels when it has from :data:`MIN_LABEL_VALUES` (2) to
  :data:`MAX_LABEL_VALUES` (50) different values and at most one different value per two
  cells with a value (so that each class holds two points on average): a column with one
  value says nothing about groups, and one with a different value in (almost) every row
  is a name or an id.

The classes are the different values in sorted order: class ``c`` is ``names[c]``. A row
whose label cell has no value is dropped (and counted) when the labels are used, like a
row with a missing number: a made-up "(missing)" class would count in the agreement as
if it were a group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MAX_LABEL_VALUES", "MIN_LABEL_VALUES", "LabelVerdict", "encode", "label_cells",
           "label_verdicts"]

#: Fewest different values of a label column (one value is no grouping).
MIN_LABEL_VALUES = 2
#: Most different values of a label column. The point colours repeat after the palette's
#: 20, so more classes than that share colours (the agreement is still exact).
MAX_LABEL_VALUES = 50


@dataclass(frozen=True)
class LabelVerdict:
    """What one non-numeric column is worth as true labels.

    Attributes
    ----------
    index : int
        The column's index in the table.
    name : str
        Its display name.
    n_values : int
        Its different values, counted up to ``MAX_LABEL_VALUES + 1`` (more are not
        counted: a column of ids would hold a set of every row otherwise).
    n_cells : int
        Its cells with a value.
    """

    index: int
    name: str
    n_values: int
    n_cells: int

    @property
    def usable(self) -> bool:
        """bool: Whether the column can be the true labels (see the module's rule)."""
        return not self.reason

    @property
    def reason(self) -> str:
        """str: Why the column cannot be the labels ("" when it can), as words that
        follow "it has", e.g. ``"one value only"``."""
        if self.n_values < MIN_LABEL_VALUES:
            return "one value only"
        if self.n_values > MAX_LABEL_VALUES:
            return f"more than {MAX_LABEL_VALUES} different values"
        if 2 * self.n_values > self.n_cells:
            return (f"a different value in almost every row ({self.n_values} values in "
                    f"{self.n_cells:,} rows)")
        return ""


def _has_value(cell, missing):
    s = cell.strip()
    return bool(s) and s.casefold() not in missing


def label_verdicts(rows, columns, names, missing, is_text) -> tuple:
    """Judge each of ``columns`` as true labels.

    Parameters
    ----------
    rows : list of list of str
        The table's data rows, each with at least ``max(columns) + 1`` cells.
    columns : iterable of int
        The non-numeric columns, in file order.
    names : sequence of str
        Every column's display name.
    missing : collection of str
        Case-folded cells that mean "no value".
    is_text : callable
        ``is_text(cell)`` is True for a cell that is text (not a number, not empty, not
        a missing-value marker).

    Returns
    -------
    tuple of LabelVerdict
        One per text column (one with a text cell), in file order. A non-numeric column
        without text (empty, or only NaN and infinities) is not judged.
    """
    verdicts = []
    for j in columns:
        seen, n_cells, text = set(), 0, False
        for row in rows:
            cell = row[j]
            if not _has_value(cell, missing):
                continue
            n_cells += 1
            if len(seen) <= MAX_LABEL_VALUES:
                seen.add(cell.strip())
            text = text or is_text(cell)
        if text:
            verdicts.append(LabelVerdict(int(j), str(names[j]), len(seen), n_cells))
    return tuple(verdicts)


def label_cells(rows, index, missing):
    """Every row's value in column ``index``.

    Parameters
    ----------
    rows : list of list of str
    index : int
    missing : collection of str
        Case-folded cells that mean "no value".

    Returns
    -------
    values : list of str or None, of length n_rows
        Each row's stripped cell, or None where it has no value.
    """
    out = []
    for row in rows:
        cell = row[index]
        out.append(cell.strip() if _has_value(cell, missing) else None)
    return out


def encode(values):
    """Class codes and names of ``values``: the names sorted, the codes index them.

    Parameters
    ----------
    values : sequence of str
        Few different ones (at most :data:`MAX_LABEL_VALUES` for a usable column).

    Returns
    -------
    codes : ndarray of shape (len(values),), dtype int64
    names : tuple of str
    """
    # A dict, not np.unique on a str array: one long cell would make every row that wide.
    names = tuple(sorted(set(values)))
    code_of = {name: c for c, name in enumerate(names)}
    codes = np.fromiter((code_of[v] for v in values), dtype=np.int64, count=len(values))
    return codes, names
