"""Load points from a CSV or plain-text table, with errors a person can act on.

The loader decides by parsing, not by trusting heuristics:

- the text encoding: UTF-8 (with or without BOM), UTF-16 with a BOM, then Windows-1252
  or Latin-1 if the bytes still look like text; a file with NUL bytes is binary;
- the delimiter: comma, semicolon, tab or runs of whitespace, whichever splits a sample
  of lines into the largest share of numbers in consistent rows (``csv.Sniffer`` is not
  used: it is easily fooled by decimal points and quoted text);
- the header: the first row is a header if one of its cells, in a column that is
  numeric further down, is text (not a number, not empty, not a marker such as ``NA``);
- numeric columns: most of the values are numbers (empty cells and markers such as
  ``NA`` or ``?`` do not count either way) and at least one is finite. Text columns such
  as a species name are skipped. With ``;``, tab or whitespace as delimiter a decimal
  comma (``1,5``) is read as ``1.5``.

Rows whose chosen cells are missing, empty, NaN, infinite or text are dropped and
counted; lines that are blank (or only delimiters) are skipped silently.

Speed: a file whose cells below an optional header row are all numbers (the usual big
file) is converted by numpy's C parser (about 20x faster than splitting every line in
Python, and it holds the GIL for much shorter spells, so the app stays responsive while a
worker thread loads it). Any other file (missing values, markers such as ``NA``, text,
quotes, ragged rows) takes the cell-by-cell path described above; both give the same
points, names and messages. :func:`read_csv_table` parses a file once for both the column
names and the points.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gmm_viz.data import DataError, Dataset

__all__ = ["CsvTable", "csv_numeric_columns", "dataset_from_bytes", "load_csv",
           "read_csv_table"]

# None stands for "runs of whitespace" (str.split()).
_DELIMITERS = (",", ";", "\t", None)
# Enough lines to tell the delimiter apart, few enough to stay instant on big files.
_SNIFF_LINES = 200
# Binary detection looks at this many characters; binary data shows up quickly.
_BINARY_SAMPLE_CHARS = 65_536
# Real text has almost no control characters; a few stray ones are tolerated.
_MAX_CONTROL_SHARE = 0.01
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
# Cells that mean "no value": they make a row unusable but do not make a column text.
_MISSING = frozenset({"na", "n/a", "nan", "null", "none", "missing", "?", "-", "--", "."})
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
_SUPPORTED = "numbers separated by commas, semicolons, tabs or spaces"
# Line breaks that str.splitlines() knows but numpy's reader does not: files holding one
# take the cell-by-cell path.
_OTHER_LINE_BREAKS = "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_BREAK = re.compile("\r\n|\r|\n")
# numpy converts this many characters per call (~55,000 lines of two numbers, ~6 ms).
_CHUNK_CHARS = 1_000_000
# The delimiter is sniffed on the first lines, found in this many leading characters when
# they hold enough lines (so a big file is not split into lines just to sniff it).
_SNIFF_HEAD_CHARS = 65_536


@dataclass(frozen=True)
class _Table:
    """The parsed cells of a file: text cells, or numbers when every cell is one."""

    rows: list | None  # data rows (header removed), each a list of str cells
    names: tuple  # one display name per column
    numeric: tuple  # indices of the numeric columns
    header: tuple | None  # the header cells, or None if the file has no header
    decimal_comma: bool
    # Fast path: every data cell as a float, shape (n_rows, width); rows is then None.
    values: np.ndarray | None = None


# ---------------------------------------------------------------------------- reading


def _read_bytes(path):
    """Return ``(raw bytes, label)`` for ``path``; the label names the file in messages."""
    try:
        label = os.fspath(path)
    except TypeError:
        raise DataError(f"expected a file path (str or Path); got {path!r}.") from None
    if isinstance(label, bytes):
        label = os.fsdecode(label)
    if not label:
        raise DataError("no file was given; choose a CSV file.")
    file = Path(label)
    try:
        exists, is_dir = file.exists(), file.is_dir()
    except (OSError, ValueError) as exc:
        # e.g. a name too long for the file system, or one with a NUL character.
        reason = getattr(exc, "strerror", None) or str(exc)
        raise DataError(f"{label}: cannot be opened ({reason}). Check the file name.") from None
    if not exists:
        raise DataError(f"{label}: file not found. Check the file name and folder.")
    if is_dir:
        raise DataError(f"{label}: is a folder, not a file. Choose a CSV file inside it.")
    try:
        return file.read_bytes(), label
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise DataError(
            f"{label}: cannot be read ({reason}). Check that the file is readable."
        ) from None


def _binary_error(label):
    return DataError(
        f"{label}: does not look like a text file (it contains binary data). "
        f"Choose a CSV or plain-text file of {_SUPPORTED}; save spreadsheets as CSV first."
    )


def _looks_binary(text):
    sample = text[:_BINARY_SAMPLE_CHARS]
    return len(_CONTROL_CHARS.findall(sample)) > _MAX_CONTROL_SHARE * len(sample)


def _decode(raw, label):
    """Decode ``raw`` to text, or raise DataError if it is not text."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Excel's "Unicode text" export: UTF-16 with a BOM, full of NUL bytes.
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise _binary_error(label) from None
    elif b"\x00" in raw:
        raise _binary_error(label)
    else:
        # utf-8-sig reads plain UTF-8 too and drops a BOM that would spoil the header.
        # cp1252 is what most non-UTF-8 text is; latin-1 decodes any byte, so it is last.
        for encoding in ("utf-8-sig", "cp1252", "latin-1"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    if _looks_binary(text):
        raise _binary_error(label)
    return text


# ---------------------------------------------------------------------------- parsing


def _to_float(cell, decimal_comma):
    """Return the number in ``cell`` (NaN and inf included), or None if it is not one."""
    s = cell.strip()
    if not s:
        return None
    try:
        return float(s)
    except ValueError:
        pass
    if decimal_comma and _DECIMAL_COMMA.fullmatch(s):
        return float(s.replace(",", "."))
    return None


def _is_text(cell, decimal_comma):
    """True for a cell that is neither a number, nor empty, nor a missing-value marker."""
    s = cell.strip()
    return bool(s) and s.casefold() not in _MISSING and _to_float(s, decimal_comma) is None


def _unquote(cell):
    if len(cell) >= 2 and cell[0] == cell[-1] and cell[0] in "\"'":
        return cell[1:-1]
    return cell


def _split(text, delimiter, label):
    """Split ``text`` into rows of cells; blank rows are dropped."""
    if delimiter is None:
        rows = [[_unquote(c) for c in line.split()] for line in text.splitlines()]
    else:
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            raise DataError(
                f"{label}: cannot be read as a table ({exc}). Check the file's quoting."
            ) from None
    return [row for row in rows if any(cell.strip() for cell in row)]


def _sniff_score(rows, delimiter):
    """Share of cells that are numbers in rows of the most common width (0 if width < 2)."""
    if not rows:
        return 0.0
    counts = Counter(len(row) for row in rows)
    width = max(counts, key=lambda w: (counts[w], w))
    if width < 2:
        return 0.0
    decimal_comma = delimiter != ","
    numbers = sum(
        _to_float(cell, decimal_comma) is not None
        for row in rows
        if len(row) == width
        for cell in row
    )
    return numbers / (width * len(rows))


def _sniff_lines(text):
    """The first ``_SNIFF_LINES`` non-blank lines of ``text``."""
    head = [line for line in text[:_SNIFF_HEAD_CHARS].splitlines() if line.strip()]
    if len(head) > _SNIFF_LINES:
        # The head holds more lines than needed, so the ones kept are complete.
        return head[:_SNIFF_LINES]
    return [line for line in text.splitlines() if line.strip()][:_SNIFF_LINES]


def _sniff_delimiter(text, label):
    """Pick the delimiter that splits a sample of lines best; ties go to the earlier one."""
    lines = _sniff_lines(text)
    sample = "\n".join(lines)
    best, best_score = ",", 0.0
    for delimiter in _DELIMITERS:
        try:
            score = _sniff_score(_split(sample, delimiter, label), delimiter)
        except DataError:
            continue
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _cell_counts(rows, width, decimal_comma):
    """Per column: how many cells are numbers, finite numbers and text.

    Returns
    -------
    counts : ndarray of shape (3, width)
        Rows: numbers (NaN and inf included), finite numbers, text cells.
    """
    counts = np.zeros((3, width), dtype=np.int64)
    for row in rows:
        for j, cell in enumerate(row):
            value = _to_float(cell, decimal_comma)
            if value is None:
                counts[2, j] += _is_text(cell, decimal_comma)
            else:
                counts[0, j] += 1
                counts[1, j] += math.isfinite(value)
    return counts


def _numeric_columns(counts):
    """Columns where numbers outnumber text (missing cells do not vote) and one is finite."""
    numbers, finite, text = counts
    return [int(j) for j in np.flatnonzero((numbers > text) & (finite > 0))]


def _is_header(first, numeric, decimal_comma):
    """A header has a text cell in some column that is numeric further down."""
    return any(j < len(first) and _is_text(first[j], decimal_comma) for j in numeric)


def _column_names(header, width):
    names, seen = [], set()
    for j in range(width):
        name = header[j].strip() if header is not None and j < len(header) else ""
        name = name or f"column {j + 1}"
        if name in seen:
            name = f"{name} (column {j + 1})"
        seen.add(name)
        names.append(name)
    return tuple(names)


def _parse_table(text, label):
    """Split ``text`` into a :class:`_Table`: delimiter, header and numeric columns."""
    delimiter = _sniff_delimiter(text, label)
    table = _fast_table(text, delimiter, label)
    if table is not None:
        return table
    return _slow_table(text, delimiter, label)


def _fast_table(text, delimiter, label):
    """The table of a file whose data cells are all numbers, read by numpy; else None.

    Gives exactly what :func:`_slow_table` gives for such a file: numpy's reader accepts
    a subset of what ``float()`` accepts, with the same values, and anything else
    (missing values, markers, text, quotes in the data, ragged rows, blank lines holding
    spaces or delimiters) makes it raise, so the file takes the cell-by-cell path.
    """
    if any(char in text for char in _OTHER_LINE_BREAKS):  # (faster than a regex)
        return None
    decimal_comma = delimiter != ","
    first, position = None, 0
    while position < len(text):
        found = _LINE_BREAK.search(text, position)
        end = found.end() if found else len(text)
        line, position = text[position:end], end
        if line.count('"') % 2:  # a quoted cell may go on to the next line
            return None
        cells = _split(line, delimiter, label)
        if cells:
            first = cells[0]
            break
    if first is None:
        return None  # nothing but blank lines: the other path says so
    width = len(first)
    body = _numbers_below(text, position, delimiter, width)
    if body is None:
        return None
    first_values = [_to_float(c, decimal_comma) for c in first]
    if all(v is not None for v in first_values):
        header = None
        values = np.vstack([np.asarray(first_values, dtype=np.float64)[None, :],
                            body.reshape(-1, width)])
    else:
        finite_below = np.isfinite(body).any(axis=0) if len(body) else np.zeros(0, bool)
        numeric_below = np.flatnonzero(finite_below)
        if not len(body) or not _is_header(first, numeric_below, decimal_comma):
            return None  # a header with no data, or a first row with missing values
        header = tuple(c.strip() for c in first)
        values = body
    numeric = tuple(int(j) for j in np.flatnonzero(np.isfinite(values).any(axis=0)))
    return _Table(
        rows=None,
        names=_column_names(header, width),
        numeric=numeric,
        header=header,
        decimal_comma=decimal_comma,
        values=values,
    )


def _numbers_below(text, start, delimiter, width):
    """``text[start:]`` as an array of shape (n_rows, width) by numpy's C parser, or None.

    Read in pieces of about ``_CHUNK_CHARS`` characters cut at line ends: each call holds
    the GIL only for a few milliseconds, so the GUI thread keeps running meanwhile.
    """
    pieces = []
    while start < len(text):
        cut = text.find("\n", start + _CHUNK_CHARS)
        stop = len(text) if cut < 0 else cut + 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
                piece = np.loadtxt(io.StringIO(text[start:stop], newline=None),
                                   delimiter=delimiter, comments=None, quotechar=None,
                                   dtype=np.float64, ndmin=2, encoding=None)
        except (ValueError, TypeError, OverflowError):
            return None
        if len(piece):
            if piece.shape[1] != width:
                return None  # the other path pads short rows
            pieces.append(piece)
        start = stop
    if not pieces:
        return np.empty((0, width))
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)


def _slow_table(text, delimiter, label):
    """The cell-by-cell path: any table :func:`_fast_table` does not read."""
    decimal_comma = delimiter != ","
    rows = _split(text, delimiter, label)
    if not rows:
        raise DataError(f"{label}: is empty. Choose a file with {_SUPPORTED}.")
    width = max(len(row) for row in rows)
    first, body = rows[0], rows[1:]

    if body:
        counts = _cell_counts(body, width, decimal_comma)
        has_header = _is_header(first, _numeric_columns(counts), decimal_comma)
    else:
        # A single row is a header if none of its cells is a number.
        counts = np.zeros((3, width), dtype=np.int64)
        has_header = not any(_to_float(c, decimal_comma) is not None for c in first)
    if not has_header:
        # The first row is data: add its cells to the counts instead of parsing all again.
        body = rows
        counts = counts + _cell_counts([first], width, decimal_comma)
    numeric = _numeric_columns(counts)
    header = tuple(c.strip() for c in first) if has_header else None
    if not body:
        raise DataError(
            f"{label}: has a header row ({', '.join(header)}) but no data rows below it. "
            "Add rows of numbers."
        )
    return _Table(
        rows=body,
        names=_column_names(header, width),
        numeric=tuple(numeric),
        header=header,
        decimal_comma=decimal_comma,
    )


# ---------------------------------------------------------------------------- columns


def _resolve_column(table, column, label):
    """Return the index of ``column`` (a name or 0-based index) after checking it."""
    names = table.names
    if isinstance(column, (bool, np.bool_)):
        raise DataError(f"{label}: columns must be names or indices; got {column!r}.")
    if isinstance(column, (int, np.integer)):
        index = int(column)
        if not 0 <= index < len(names):
            raise DataError(
                f"{label}: column index {index} is out of range; the file has {len(names)} "
                f"columns (indices 0 to {len(names) - 1})."
            )
    elif isinstance(column, str):
        matches = [j for j, n in enumerate(names) if n == column.strip()]
        if not matches:
            folded = column.strip().casefold()
            matches = [j for j, n in enumerate(names) if n.casefold() == folded]
        if len(matches) != 1:
            raise DataError(
                f"{label}: no column named {column!r}. The columns are: {', '.join(names)}."
            )
        index = matches[0]
    else:
        raise DataError(f"{label}: columns must be names or 0-based indices; got {column!r}.")
    if index not in table.numeric:
        numeric = ", ".join(names[j] for j in table.numeric) or "none"
        raise DataError(
            f"{label}: column {names[index]!r} is not numeric (most of its values are not "
            f"numbers). Numeric columns: {numeric}."
        )
    return index


def _default_columns(table, label):
    if not table.numeric:
        raise DataError(
            f"{label}: no numeric columns found. gmm-viz reads {_SUPPORTED}, with an "
            "optional header row; check the file's contents."
        )
    if len(table.numeric) == 1:
        name = table.names[table.numeric[0]]
        raise DataError(
            f"{label}: only one numeric column ({name!r}) was found; gmm-viz needs at least "
            f"two numeric columns to draw points on a plane. Use a file with two or more "
            f"columns of {_SUPPORTED}."
        )
    return list(table.numeric)


def _choose_columns(table, columns, label):
    """Return the column indices to load: all numeric ones, or the ones asked for."""
    if columns is None:
        return _default_columns(table, label)
    if isinstance(columns, (str, bytes, int, np.integer)):
        raise DataError(
            f"{label}: columns must be a list of at least two names or indices; got {columns!r}."
        )
    chosen = [_resolve_column(table, c, label) for c in columns]
    if len(set(chosen)) != len(chosen):
        raise DataError(f"{label}: a column was chosen twice; choose different columns.")
    if len(chosen) < 2:
        raise DataError(
            f"{label}: gmm-viz needs at least two numeric columns; {len(chosen)} chosen."
        )
    return chosen


# ---------------------------------------------------------------------------- numbers


def _row_values(row, indices, decimal_comma):
    """Return the finite numbers of ``row`` at ``indices``, or None if any is unusable."""
    values = []
    for j in indices:
        value = _to_float(row[j], decimal_comma) if j < len(row) else None
        if value is None or not math.isfinite(value):
            return None
        values.append(value)
    return values


def _rows_to_array(table, indices):
    """Return ``(X, dropped)``: the usable rows as floats and how many rows were dropped.

    X has shape (n_usable_rows, len(indices)).
    """
    if table.values is not None:
        X = table.values[:, indices]
        usable = np.isfinite(X).all(axis=1)
        return np.ascontiguousarray(X[usable]), int(len(X) - np.count_nonzero(usable))
    points = [_row_values(row, indices, table.decimal_comma) for row in table.rows]
    usable = [p for p in points if p is not None]
    X = np.array(usable, dtype=np.float64).reshape(len(usable), len(indices))
    return X, len(points) - len(usable)


def _describe(label, n_rows, names, dropped):
    text = (
        f"Your data from {Path(label).name}: {n_rows} points in the columns "
        f"{', '.join(names)}. Try a few values of k and compare the log-likelihoods."
    )
    if dropped:
        text += (
            f" {dropped} row{'s' if dropped != 1 else ''} with missing or non-numeric "
            "values were skipped."
        )
    return text


def dataset_from_bytes(
    raw, label, *, columns=None, name=None, source=None, description=None, suggested_k=2
):
    """Build a Dataset from the bytes of a CSV file.

    Used by :func:`load_csv` and for the bundled ``faithful.csv``, which may live inside
    a zip and so has no file path.

    Parameters
    ----------
    raw : bytes
        The file's contents.
    label : str
        Names the file in error messages and, by default, in ``source``.
    columns : sequence of str or int, optional
        See :func:`load_csv`.
    name, source, description : str, optional
        Defaults: the file's stem, ``label`` and a generated sentence.
    suggested_k : int, default=2

    Returns
    -------
    Dataset
    """
    return _dataset_from_table(
        _table_from_bytes(raw, label), label, columns=columns, name=name, source=source,
        description=description, suggested_k=suggested_k,
    )


def _table_from_bytes(raw, label):
    if not raw.strip():
        raise DataError(f"{label}: is empty. Choose a file with {_SUPPORTED}.")
    return _parse_table(_decode(raw, label), label)


def _dataset_from_table(
    table, label, *, columns=None, name=None, source=None, description=None, suggested_k=2
):
    indices = _choose_columns(table, columns, label)
    X, dropped = _rows_to_array(table, indices)
    names = tuple(table.names[j] for j in indices)
    if len(X) < 2:
        skipped = (
            f" ({dropped} row{'s' if dropped != 1 else ''} had missing or non-numeric values)"
            if dropped
            else ""
        )
        raise DataError(
            f"{label}: only {len(X)} usable row{'s' if len(X) != 1 else ''} in the columns "
            f"{', '.join(names)}{skipped}; EM needs at least 2 rows of numbers."
        )
    return Dataset(
        X=X,
        labels=None,
        suggested_k=suggested_k,
        name=name if name is not None else Path(label).stem,
        feature_names=names,
        source=source if source is not None else label,
        description=description
        if description is not None
        else _describe(label, len(X), names, dropped),
        dropped_rows=dropped,
    )


def load_csv(path, columns=None):
    """Load points from a CSV or whitespace-separated text file.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    columns : sequence of str or int, optional
        The columns to load, at least two, each a name (as in :func:`csv_numeric_columns`;
        ``"column 1"``, ... for files without a header) or a 0-based index. Default: all
        numeric columns.

    Returns
    -------
    Dataset
        X of shape (n_usable_rows, n_columns); labels None; suggested_k 2;
        ``dropped_rows`` counts rows skipped for missing, NaN, infinite or text values;
        ``source`` is the path.

    Raises
    ------
    DataError
        The message starts with the path and says what is wrong: the file is missing, a
        folder, empty, binary, has only a header, no or only one numeric column, fewer
        than two usable rows, or ``columns`` names a missing or non-numeric column.
    """
    raw, label = _read_bytes(path)
    return dataset_from_bytes(raw, label, columns=columns)


def csv_numeric_columns(path):
    """Return the names of the numeric columns of a file, so a person can pick two.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    list of str
        In file order; may hold fewer than two names (then :func:`load_csv` would fail
        with a message saying why).

    Raises
    ------
    DataError
        If the file cannot be read as text (missing, folder, empty, binary, header only).
    """
    return read_csv_table(path).numeric_columns


class CsvTable:
    """A file parsed once: the names of its numeric columns, then points from any of them.

    The app reads a file in a worker thread, asks which columns to fit, and loads them
    without parsing the file again. Build it with :func:`read_csv_table`.
    """

    def __init__(self, table, label):
        self._table = table
        self.label = label

    @property
    def numeric_columns(self) -> list:
        """Names of the numeric columns, in file order (as :func:`csv_numeric_columns`)."""
        return [self._table.names[j] for j in self._table.numeric]

    def dataset(self, columns=None):
        """The points of ``columns`` (default: all numeric ones), as :func:`load_csv`.

        Raises
        ------
        DataError
            With the same messages as :func:`load_csv` (fewer than two numeric columns,
            a column that is missing or not numeric, fewer than two usable rows).
        """
        return _dataset_from_table(self._table, self.label, columns=columns)

    def __repr__(self):
        return f"CsvTable({self.label!r}, numeric_columns={self.numeric_columns!r})"


def read_csv_table(path):
    """Read and parse a file once; see :class:`CsvTable`.

    Raises
    ------
    DataError
        If the file cannot be read as text (missing, folder, empty, binary, header only),
        with the same messages as :func:`csv_numeric_columns`.
    """
    raw, label = _read_bytes(path)
    return CsvTable(_table_from_bytes(raw, label), label)
