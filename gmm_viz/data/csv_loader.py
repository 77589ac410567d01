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
  ``NA`` or ``?`` do not count either way) and at least one is finite. With ``;``, tab
  or whitespace as delimiter a decimal comma (``1,5``) is read as ``1.5``;
- true labels: text columns are never fitted; the first one with a modest number of
  different values (such as a species name) gives the points' true labels, by the rule
  of :mod:`gmm_viz.data.csv_labels` (the caller may name another, or none).

Rows whose chosen cells are missing, empty, NaN, infinite or text (or whose label cell
is empty, with a label column) are dropped and counted; lines that are blank (or only delimiters) are skipped silently. Ragged rows are
never turned into columns: the table's width is the number of fields most data rows have
(a tie goes to the first row's, i.e. the header's, width), and rows with more or fewer
fields are skipped, counted and reported with the line of the first one (empty cells after
the last column, such as a trailing delimiter, are not extra fields).

Limits (:mod:`gmm_viz.limits`): every file is read through
:func:`gmm_viz.files.read_input_bytes`, which refuses FIFOs, devices, folders, link loops,
NUL names and files over ``MAX_INPUT_FILE_BYTES`` before opening them; a file with more
than ``MAX_POINTS`` rows of data is refused while it is parsed, before arrays of that size
are built; more than ``MAX_FEATURES`` columns are never fitted at once (choose columns);
running out of memory is a DataError that says what to do. Messages name a few columns
and count the rest, so they stay short whatever the file holds.

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
import contextlib
import csv
import io
import math
import re
import string
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gmm_viz.bulk import collector_paused
from gmm_viz.data.csv_labels import (
    MAX_LABEL_VALUES,
    MIN_LABEL_VALUES,
    encode,
    label_cells,
    label_verdicts,
)
from gmm_viz.data.dataset import DataError, Dataset
from gmm_viz.files import FileCheckError, clip_message, name_some, read_input_bytes

# Looked up at call time (not bound as defaults), so a test can lower them.
from gmm_viz.limits import MAX_FEATURES, MAX_INPUT_FILE_BYTES, MAX_POINTS
from gmm_viz.progress import report

__all__ = ["AUTO", "CHOOSE_K_HINT", "CsvTable", "csv_numeric_columns", "dataset_from_bytes",
           "load_csv", "read_csv_table"]

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
# A line with no other characters than these is a blank row (``_split`` drops it).
_BLANK_ROW_CHARS = string.whitespace + ",;"
# Messages name this many columns and count the rest; each name is cut to this length.
_NAMES_SHOWN = 5
_NAME_CHARS = 40


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
    # Ragged rows (another number of fields than the table's), skipped: how many, and
    # the words that describe them: "with 4 fields instead of 3", "line 22".
    ragged: int = 0
    ragged_what: str = ""
    ragged_where: str = ""


# ---------------------------------------------------------------------------- reading


def _read_bytes(path):
    """Return ``(raw bytes, label)`` for ``path``; the label names the file in messages.

    Anything that is not a regular file (a FIFO would block forever, ``/dev/zero`` never
    ends) and any file over ``MAX_INPUT_FILE_BYTES`` is refused before it is opened, with
    the message of :func:`gmm_viz.files.read_input_bytes`.
    """
    try:
        return read_input_bytes(path, max_bytes=MAX_INPUT_FILE_BYTES, what="CSV file")
    except FileCheckError as exc:
        raise DataError(str(exc)) from None


@contextlib.contextmanager
def _enough_memory(label):
    """Turn a MemoryError raised inside the block into a DataError naming the file."""
    failed = False
    try:
        yield
    except MemoryError:
        # Raised after the except clause, so the DataError does not keep the
        # MemoryError's traceback (and the big arrays its frames hold) alive.
        failed = True
    if failed:
        raise DataError(
            f"{label}: not enough memory to load it. Close other programs, or use a "
            "smaller file (a sample of the rows, or only the columns you need)."
        )


def _short(name):
    """``name`` cut to ``_NAME_CHARS`` characters, for messages."""
    name = str(name)
    return name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 3] + "..."


def _some(names, total=None):
    """The first few ``names``, cut short, and a count of the rest: "a, b and 9 more".

    Parameters
    ----------
    names : sequence of str
        Only the first ``_NAMES_SHOWN`` are looked at (a file may have millions).
    total : int, optional
        How many names there are in all; default ``len(names)``.
    """
    total = len(names) if total is None else total
    shown = name_some([_short(n) for n in names[:_NAMES_SHOWN]], _NAMES_SHOWN)
    rest = total - min(total, _NAMES_SHOWN)
    return f"{shown} and {rest:,} more" if rest > 0 else shown


def _too_many_rows(label):
    return DataError(
        f"{label}: has more than {MAX_POINTS:,} rows of data; gmm-viz fits at most "
        f"{MAX_POINTS:,} points. Load a sample of the rows (for example every 10th row) or "
        "split the file."
    )


def _check_row_count(n_rows, label):
    """Refuse more than ``MAX_POINTS`` rows of data (usable or not: blank lines are free)."""
    if n_rows > MAX_POINTS:
        raise _too_many_rows(label)


def _more_rows_than(text, limit):
    """Whether ``text`` has more than ``limit`` non-blank lines, without splitting it all.

    Counts piece by piece and stops as soon as the count is over ``limit``, so a 1 GB
    file costs what its first ``limit`` lines cost. A quoted cell that spans lines counts
    each of its lines (an over-count only for such files).
    """
    if len(text) < 2 * limit:
        return False  # every non-blank line takes at least two characters
    count, start = 0, 0
    while start < len(text):
        stop = start + _CHUNK_CHARS
        found = _LINE_BREAK.search(text, stop) if stop < len(text) else None
        stop = found.end() if found else len(text)  # whole lines (a \r\n stays whole)
        piece = text[start:stop]
        if piece.strip(_BLANK_ROW_CHARS):
            count += sum(1 for line in piece.splitlines() if line.strip(_BLANK_ROW_CHARS))
            if count > limit:
                return True
        start = stop
    return False


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
    return [cells for _, cells in _numbered_rows(text, delimiter, label)]


def _numbered_rows(text, delimiter, label):
    """Yield ``(line, cells)`` for each non-blank row of ``text``.

    ``line`` is the 1-based number of the row's first line, as an editor shows it. The
    one place that decides what a row is: :func:`_split` and the line numbers of
    messages agree by construction.
    """
    if delimiter is None:
        for line, text_line in enumerate(text.splitlines(), 1):
            cells = [_unquote(c) for c in text_line.split()]
            if any(cell.strip() for cell in cells):
                yield line, cells
        return
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield line, cells
            line = reader.line_num + 1  # a quoted cell may span lines
    except csv.Error as exc:
        raise DataError(
            f"{label}: cannot be read as a table ({exc}). Check the file's quoting."
        ) from None


def _line_of_row(text, delimiter, label, index):
    """The line on which the ``index``-th (0-based) non-blank row of ``text`` starts."""
    for i, (line, _) in enumerate(_numbered_rows(text, delimiter, label)):
        if i == index:
            return line
    raise IndexError(index)


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
    """The first ``_SNIFF_LINES`` non-blank lines of ``text``, each cut to a length.

    Looks at a growing head of the text (so a big file is never split into lines just
    to sniff it) and cuts each line to ``_SNIFF_HEAD_CHARS`` characters: a line of
    millions of values is told apart by its first thousands as well as by all of them.
    """
    size = _SNIFF_HEAD_CHARS
    while True:
        head = [line for line in text[:size].splitlines() if line.strip()]
        if len(head) > _SNIFF_LINES or size >= len(text):
            # With more lines than needed the ones kept are complete (only the last
            # line of the head may be cut).
            return [line[:_SNIFF_HEAD_CHARS] for line in head[:_SNIFF_LINES]]
        size *= 4


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
    """One unique display name per column: the header's, else "column 1", ..."""
    if header is None:
        return tuple(f"column {j}" for j in range(1, width + 1))  # unique already
    names, seen = [], set()
    for j in range(width):
        name = header[j].strip() if header is not None and j < len(header) else ""
        name = name or f"column {j + 1}"
        if name in seen:
            name = f"{name} (column {j + 1})"
        seen.add(name)
        names.append(name)
    return tuple(names)


def _parse_table(text, label, progress=None):
    """Split ``text`` into a :class:`_Table`: delimiter, header and numeric columns.

    ``progress`` (a :class:`~gmm_viz.progress.Progress` or None) is told how far the
    numeric path has read; its Cancel stops the reading between two pieces.
    """
    delimiter = _sniff_delimiter(text, label)
    table = _fast_table(text, delimiter, label, progress)
    if table is not None:
        return table
    report(progress, None, "reading cell by cell")
    return _slow_table(text, delimiter, label)


def _fast_table(text, delimiter, label, progress=None):
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
    body = _numbers_below(text, position, delimiter, width, label, progress)
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
    _check_row_count(len(values), label)
    numeric = tuple(int(j) for j in np.flatnonzero(np.isfinite(values).any(axis=0)))
    return _Table(
        rows=None,
        names=_column_names(header, width),
        numeric=numeric,
        header=header,
        decimal_comma=decimal_comma,
        values=values,
    )


def _numbers_below(text, start, delimiter, width, label, progress=None):
    """``text[start:]`` as an array of shape (n_rows, width) by numpy's C parser, or None.

    Read in pieces of about ``_CHUNK_CHARS`` characters cut at line ends: each call holds
    the GIL only for a few milliseconds, so the GUI thread keeps running meanwhile. The
    rows are counted on the way: past ``MAX_POINTS`` the file is refused at once, so no
    more than that many rows are ever converted (counting them first would cost a pass
    over the text for every file).

    Raises
    ------
    DataError
        More than ``MAX_POINTS`` rows below the first one.
    """
    pieces, n_rows = [], 0
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
                return None  # a ragged file: the other path skips the odd rows
            pieces.append(piece)
            n_rows += len(piece)
            _check_row_count(n_rows, label)
        start = stop
        report(progress, start / len(text))
    if not pieces:
        return np.empty((0, width))
    return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)


def _slow_table(text, delimiter, label):
    """The cell-by-cell path: any table :func:`_fast_table` does not read.

    Raises
    ------
    DataError
        Empty, a header without data rows, more than ``MAX_POINTS`` rows of data (checked
        before the text is split into cells), or quoting that cannot be read.
    """
    decimal_comma = delimiter != ","
    # At most one row is a header: more non-blank lines than this are too many rows.
    if _more_rows_than(text, MAX_POINTS + 1):
        raise _too_many_rows(label)
    rows = _split(text, delimiter, label)
    if not rows:
        raise DataError(f"{label}: is empty. Choose a file with {_SUPPORTED}.")
    trimmed, lengths = _row_widths(rows)
    votes = slice(1, None) if len(rows) > 1 else slice(None)  # the data rows, if any
    width = _table_width(trimmed[votes], lengths[votes], trimmed[0], lengths[0])
    fits = (trimmed <= width) & (lengths >= width)
    first = rows[0]
    body = _rows_that_fit(rows, fits, lengths, width, start=1)

    if len(rows) > 1:
        counts = _cell_counts(body, width, decimal_comma)
        has_header = _is_header(first, _numeric_columns(counts), decimal_comma)
    else:
        # A single row is a header if none of its cells is a number.
        counts = np.zeros((3, width), dtype=np.int64)
        has_header = not any(_to_float(c, decimal_comma) is not None for c in first)
    _check_row_count(len(rows) - has_header, label)
    if not has_header and fits[0]:
        # The first row is data: add its cells to the counts instead of parsing all again.
        head = _rows_that_fit(rows[:1], fits[:1], lengths[:1], width)
        body = head + body
        counts = counts + _cell_counts(head, width, decimal_comma)
    numeric = _numeric_columns(counts)
    header = tuple(c.strip() for c in first) if has_header else None
    if not body:
        raise DataError(
            f"{label}: has a header row ({_some(header)}) but no data rows below it. "
            "Add rows of numbers."
        )
    ragged = ~fits[1:] if has_header else ~fits
    return _Table(
        rows=body,
        names=_column_names(header, width),
        numeric=tuple(numeric),
        header=header,
        decimal_comma=decimal_comma,
        **_ragged_report(text, delimiter, label, ragged, trimmed, lengths, width,
                         offset=int(has_header)),
    )


def _row_widths(rows):
    """Per row: the number of fields without the empty ones at the end, and all of them.

    Returns
    -------
    trimmed, lengths : ndarray of shape (n_rows,)
        ``trimmed <= lengths``; a row fits a table of ``width`` columns when
        ``trimmed <= width <= lengths`` (a trailing delimiter is not an extra field).
    """
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    trimmed = np.fromiter(map(_trimmed_length, rows), dtype=np.int64, count=len(rows))
    return trimmed, lengths


def _trimmed_length(row):
    n = len(row)
    while n and not row[n - 1].strip():
        n -= 1
    return n


def _table_width(trimmed, lengths, first_trimmed, first_length):
    """The number of columns: the width that most rows fit.

    Row ``i`` fits every width from ``trimmed[i]`` to ``lengths[i]``. Ties go to a width
    the first row (usually the header) fits, then to the wider one, as a file whose rows
    all end in an empty cell keeps that (empty) last column.

    Parameters
    ----------
    trimmed, lengths : ndarray of shape (n_rows,)
        See :func:`_row_widths`; the rows that vote (the data rows).
    first_trimmed, first_length : int
        The first row's.
    """
    # Few distinct (trimmed, length) pairs in any real file: count the rows that fit
    # each candidate width with sorted ends (O(pairs log pairs), whatever the file).
    # The pairs are found as one integer each (np.unique(axis=0) is ~10x slower).
    base = int(lengths.max()) + 1
    keys, n = np.unique(trimmed * base + lengths, return_counts=True)
    pairs = np.stack([keys // base, keys % base], axis=1)
    candidates = np.unique(np.concatenate([pairs.ravel(), [first_trimmed, first_length]]))
    by_start, by_end = np.argsort(pairs[:, 0]), np.argsort(pairs[:, 1])
    started = np.concatenate([[0], np.cumsum(n[by_start])])
    ended = np.concatenate([[0], np.cumsum(n[by_end])])
    fitting = (started[np.searchsorted(pairs[by_start, 0], candidates, side="right")]
               - ended[np.searchsorted(pairs[by_end, 1], candidates, side="left")])
    first_fits = (first_trimmed <= candidates) & (candidates <= first_length)
    best = np.lexsort((candidates, first_fits, fitting))[-1]
    return int(candidates[best])


def _rows_that_fit(rows, fits, lengths, width, start=0):
    """``rows[start:]`` that fit ``width``, cut to ``width`` cells (no copy if all fit)."""
    fits, lengths = fits[start:], lengths[start:]
    if fits.all() and not (lengths > width).any():
        return rows[start:] if start else rows
    return [row[:width] for row, ok in zip(rows[start:], fits) if ok]


def _ragged_report(text, delimiter, label, ragged, trimmed, lengths, width, offset):
    """The ``_Table`` fields that describe the skipped ragged rows.

    Parameters
    ----------
    ragged : ndarray of bool, shape (n_data_rows,)
        Which data rows do not fit; data row ``i`` is non-blank row ``i + offset``.
    """
    n = int(np.count_nonzero(ragged))
    if not n:
        return {}
    indices = np.flatnonzero(ragged) + offset
    # A long row is described by its fields with content, a short one by all of them.
    shown = np.where(trimmed[indices] > width, trimmed[indices], lengths[indices])
    widths = np.unique(shown)
    if len(widths) == 1:
        fields = int(widths[0])
        what = f"with {fields} field{'s' if fields != 1 else ''} instead of {width}"
    else:
        what = f"with another number of fields than {width}"
    line = _line_of_row(text, delimiter, label, int(indices[0]))
    return {"ragged": n, "ragged_what": what,
            "ragged_where": f"line {line}" if n == 1 else f"first: line {line}"}


# ---------------------------------------------------------------------------- columns


class _ColumnLookup:
    """Column names to indices, built once per choice of columns.

    A scan of every name per chosen column would be quadratic: 10,000 names took 9 s.
    Names are unique (see :func:`_column_names`); the case-insensitive table is built
    only when a name does not match exactly.
    """

    def __init__(self, table):
        self.table = table
        self.exact = {name: j for j, name in enumerate(table.names)}
        self.numeric = frozenset(table.numeric)
        self._folded = None

    def matches(self, name):
        """The indices of the columns called ``name`` (exactly, else ignoring case)."""
        name = name.strip()
        if name in self.exact:
            return [self.exact[name]]
        if self._folded is None:
            self._folded = {}
            for j, other in enumerate(self.table.names):
                self._folded.setdefault(other.casefold(), []).append(j)
        return self._folded.get(name.casefold(), [])


def _numeric_names(table):
    """A few numeric column names and their count, for messages: "a, b and 3 more"."""
    first = [table.names[j] for j in table.numeric[:_NAMES_SHOWN]]
    return _some(first, total=len(table.numeric)) or "none"


def _resolve_column(lookup, column, label):
    """Return the index of ``column`` (a name or 0-based index) after checking it."""
    names = lookup.table.names
    if isinstance(column, (bool, np.bool_)):
        raise DataError(f"{label}: columns must be names or indices; got {column!r}.")
    if isinstance(column, (int, np.integer)):
        index = int(column)
        if not 0 <= index < len(names):
            raise DataError(
                f"{label}: column index {index} is out of range; the file has {len(names):,} "
                f"columns (indices 0 to {len(names) - 1:,})."
            )
    elif isinstance(column, str):
        matches = lookup.matches(column)
        if len(matches) != 1:
            raise DataError(
                f"{label}: no column named {_short(column)!r}. The columns are: "
                f"{_some(names)}."
            )
        index = matches[0]
    else:
        raise DataError(
            f"{label}: columns must be names or 0-based indices; got {_short(repr(column))}."
        )
    if index not in lookup.numeric:
        raise DataError(
            f"{label}: column {_short(names[index])!r} is not numeric (most of its values "
            f"are not numbers). Numeric columns: {_numeric_names(lookup.table)}."
        )
    return index


def _default_columns(table, label):
    if not table.numeric:
        raise DataError(
            f"{label}: no numeric columns found. gmm-viz reads {_SUPPORTED}, with an "
            "optional header row; check the file's contents."
        )
    if len(table.numeric) == 1:
        name = _short(table.names[table.numeric[0]])
        raise DataError(
            f"{label}: only one numeric column ({name!r}) was found; gmm-viz needs at least "
            f"two numeric columns to draw points on a plane. Use a file with two or more "
            f"columns of {_SUPPORTED}."
        )
    if len(table.numeric) > MAX_FEATURES:
        # The engine's moment features grow as D**2 / 2 per point: 10,000 columns would
        # need 400 MB per row. The person chooses instead.
        raise DataError(
            f"{label}: has {len(table.numeric):,} numeric columns ({_numeric_names(table)}); "
            f"gmm-viz fits at most {MAX_FEATURES} at once. Choose the columns to fit: in the "
            "window's column dialog, with load_csv(path, columns=[...]), or by saving only "
            "those columns to a new file."
        )
    return list(table.numeric)


def _choose_columns(table, columns, label):
    """Return the column indices to load: all numeric ones, or the ones asked for."""
    if columns is None:
        return _default_columns(table, label)
    if isinstance(columns, (str, bytes, int, np.integer)):
        raise DataError(
            f"{label}: columns must be a list of at least two names or indices; got "
            f"{_short(repr(columns))}."
        )
    try:
        columns = list(columns)
    except TypeError:
        raise DataError(
            f"{label}: columns must be a list of at least two names or indices; got "
            f"{_short(repr(columns))}."
        ) from None
    if len(columns) > MAX_FEATURES:
        raise DataError(
            f"{label}: {len(columns):,} columns chosen; gmm-viz fits at most {MAX_FEATURES} "
            f"at once. Choose at most {MAX_FEATURES} columns."
        )
    lookup = _ColumnLookup(table)
    chosen = [_resolve_column(lookup, c, label) for c in columns]
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
    """Return ``(X, usable)``: the usable rows as floats, and which rows those are.

    Returns
    -------
    X : ndarray of shape (n_usable_rows, len(indices))
    usable : ndarray of bool, shape (n_rows,)
        Whether each data row has a finite number in every one of ``indices``.
    """
    if table.values is not None:
        X = table.values[:, indices]
        usable = np.isfinite(X).all(axis=1)
        return np.ascontiguousarray(X[usable]), usable
    points = [_row_values(row, indices, table.decimal_comma) for row in table.rows]
    usable = np.fromiter((p is not None for p in points), dtype=bool, count=len(points))
    kept = [p for p in points if p is not None]
    X = np.array(kept, dtype=np.float64).reshape(len(kept), len(indices))
    return X, usable


def _rows(n):
    return f"{n:,} row{'s' if n != 1 else ''}"


def _skipped(table, dropped, unlabelled=0, label_name=""):
    """The sentence on skipped rows ("" if none).

    Parameters
    ----------
    dropped : int
        Rows skipped for their values (a chosen column's cell missing or not a number).
    unlabelled : int
        Rows skipped because the label column ``label_name`` has no value in them.

    The table's ragged rows are counted too.
    """
    parts = []  # (rows, what, where)
    if dropped:
        parts.append((dropped, "with missing or non-numeric values", ""))
    if unlabelled:
        parts.append((unlabelled, f"with no label in {_short(label_name)!r}", ""))
    if table.ragged:
        parts.append((table.ragged, table.ragged_what, f" ({table.ragged_where})"))
    if not parts:
        return ""
    if len(parts) == 1:
        n, what, where = parts[0]
        return f"{_rows(n)} {what} {'was' if n == 1 else 'were'} skipped{where}."
    total = sum(n for n, _, _ in parts)
    items = [f"{n:,} {what}{where}" for n, what, where in parts]
    return f"{_rows(total)} were skipped: {', '.join(items[:-1])} and {items[-1]}."


#: What the description of a loaded file advises for k. The log-likelihood always grows
#: with k, so comparing it across k would always pick the largest; BIC charges for the
#: parameters. Analyse > "Model selection…" and ``gmm-viz select`` plot and print BIC
#: against k.
CHOOSE_K_HINT = (
    "To choose k, compare BIC across values of k (lower is better; the log-likelihood "
    "always grows with k): Analyse > Model selection… in the app, or gmm-viz select."
)


def _describe(label, n_rows, names, skipped, labels_text=""):
    intro = (f"Your data from {_short(Path(label).name)}: {n_rows:,} points in the columns "
             f"{_some(names)}.")
    parts = [
        intro,
        labels_text,
        CHOOSE_K_HINT,
        skipped,
    ]
    return " ".join(p for p in parts if p)


class _Auto:
    """The type of :data:`AUTO`."""

    def __repr__(self):
        return "AUTO"


#: ``label_column`` default: the first text column that can be the true labels
#: (see :mod:`gmm_viz.data.csv_labels`), or none if no column can.
AUTO = _Auto()


def _label_verdicts(table):
    """Each text column judged as labels (none on the numeric path: no text there)."""
    if table.rows is None:
        return ()  # every cell is a number: no text column
    numeric = frozenset(table.numeric)
    others = [j for j in range(len(table.names)) if j not in numeric]
    return label_verdicts(table.rows, others, table.names, _MISSING,
                          lambda cell: _is_text(cell, table.decimal_comma))


def _label_rule():
    return (f"true labels come from a text column with {MIN_LABEL_VALUES} to "
            f"{MAX_LABEL_VALUES} different values, at most one per two rows")


def _usable_names(verdicts):
    names = [repr(_short(v.name)) for v in verdicts if v.usable]
    return f"label columns here: {_some(names)}" if names else "this file has none"


def _named_label_verdict(table, verdicts, column, label):
    """The verdict on the column the caller named as labels, or a DataError saying why
    that column cannot be them."""
    names = table.names
    if isinstance(column, (bool, np.bool_)) or not isinstance(column, (str, int, np.integer)):
        raise DataError(f"{label}: the label column must be a name or a 0-based index; "
                        f"got {_short(repr(column))}.")
    if isinstance(column, str):
        matches = _ColumnLookup(table).matches(column)
        if len(matches) != 1:
            raise DataError(f"{label}: no column named {_short(column)!r} for the labels. "
                            f"The columns are: {_some(names)}.")
        index = matches[0]
    else:
        index = int(column)
        if not 0 <= index < len(names):
            raise DataError(f"{label}: label column index {index} is out of range; the file "
                            f"has {len(names):,} columns.")
    name = _short(names[index])
    if index in table.numeric:
        raise DataError(f"{label}: column {name!r} is numeric, so it is fitted, not used as "
                        f"labels; {_label_rule()} ({_usable_names(verdicts)}).")
    verdict = next((v for v in verdicts if v.index == index), None)
    if verdict is None:
        raise DataError(f"{label}: column {name!r} is empty, so it cannot be the labels "
                        f"({_usable_names(verdicts)}).")
    if not verdict.usable:
        raise DataError(f"{label}: column {name!r} cannot be the true labels: it has "
                        f"{verdict.reason}; {_label_rule()} ({_usable_names(verdicts)}).")
    return verdict


def _labels_of_rows(table, verdict, usable):
    """The class of each usable row that has a label.

    Returns
    -------
    keep : ndarray of bool, shape (n_usable_rows,)
        Which usable rows have a value in the label column.
    codes : ndarray of shape (n_kept,), dtype int64
    names : tuple of str
    """
    cells = label_cells(table.rows, verdict.index, _MISSING)
    values = [c for c, ok in zip(cells, usable) if ok]
    keep = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
    codes, names = encode([v for v in values if v is not None])
    return keep, codes, names


def _labels_sentence(verdict, names, others):
    text = (f"Column {_short(verdict.name)!r} ({len(names)} values: {_some(names)}) is used "
            "as the true labels")
    if others:
        text += f"; {_some([repr(_short(v.name)) for v in others])} could be instead"
    return text + "."


def _rejected_sentence(rejected):
    """Why the text columns that are not labels are not (the first two, and a count)."""
    if not rejected:
        return ""
    shown = [f"{_short(v.name)!r} has {v.reason}" for v in rejected[:2]]
    text = f"Not used as labels: {'; '.join(shown)}"
    if len(rejected) > 2:
        text += f"; and {len(rejected) - 2:,} more text columns"
    return text + "."


def dataset_from_bytes(
    raw, label, *, columns=None, name=None, source=None, description=None, suggested_k=2,
    label_column=AUTO,
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
    label_column : str, int, None or AUTO, default=AUTO
        See :func:`load_csv`.

    Returns
    -------
    Dataset
    """
    return _dataset_from_table(
        _table_from_bytes(raw, label), label, columns=columns, name=name, source=source,
        description=description, suggested_k=suggested_k, label_column=label_column,
    )


def _table_from_bytes(raw, label, progress=None):
    # The cell-by-cell path builds a list per row: see gmm_viz.bulk for the pause.
    with _enough_memory(label), collector_paused():
        if not raw.strip():
            raise DataError(f"{label}: is empty. Choose a file with {_SUPPORTED}.")
        return _parse_table(_decode(raw, label), label, progress)


def _dataset_from_table(
    table, label, *, columns=None, name=None, source=None, description=None, suggested_k=2,
    label_column=AUTO, verdicts=None,
):
    """The Dataset of ``columns`` of ``table``; ``verdicts`` are its label verdicts when
    already known (:class:`CsvTable` keeps them)."""
    with _enough_memory(label), collector_paused():
        indices = _choose_columns(table, columns, label)
        if verdicts is None:
            verdicts = _label_verdicts(table) if label_column is not None else ()
        chosen = None
        if label_column is AUTO:
            chosen = next((v for v in verdicts if v.usable), None)
        elif label_column is not None:
            chosen = _named_label_verdict(table, verdicts, label_column, label)
        X, usable = _rows_to_array(table, indices)
        dropped = int(len(usable) - np.count_nonzero(usable))
        labels = label_names = None
        unlabelled, labels_text = 0, ""
        if chosen is not None:
            keep, codes, names_of_classes = _labels_of_rows(table, chosen, usable)
            if len(names_of_classes) >= MIN_LABEL_VALUES:
                X, labels, label_names = X[keep], codes, names_of_classes
                unlabelled = int(len(keep) - np.count_nonzero(keep))
                others = [v for v in verdicts if v.usable and v is not chosen]
                labels_text = _labels_sentence(chosen, label_names, others)
            else:
                # Its other values are only in rows without numbers: no grouping is left.
                labels_text = (f"Column {_short(chosen.name)!r} is not used as labels: the "
                               "rows with numbers have one value of it only.")
                chosen = None
        if label_column is AUTO:
            rejected = _rejected_sentence([v for v in verdicts if not v.usable])
            labels_text = " ".join(t for t in (labels_text, rejected) if t)
        names = tuple(table.names[j] for j in indices)
        skipped = _skipped(table, dropped, unlabelled, chosen.name if chosen else "")
        if len(X) < 2:
            raise DataError(
                f"{label}: only {len(X)} usable row{'s' if len(X) != 1 else ''} in the "
                f"columns {_some(names)}{f'; {skipped[:-1]}' if skipped else ''}. EM needs "
                "at least 2 rows of numbers."
            )
        return Dataset(
            X=X,
            labels=labels,
            label_names=label_names,
            label_source=f"column {_short(chosen.name)!r}" if labels is not None else "",
            suggested_k=suggested_k,
            name=name if name is not None else Path(label).stem,
            feature_names=names,
            source=source if source is not None else label,
            description=description
            if description is not None
            else clip_message(_describe(label, len(X), names, skipped, labels_text)),
            dropped_rows=dropped + unlabelled + table.ragged,
        )


def load_csv(path, columns=None, label_column=AUTO):
    """Load points from a CSV or whitespace-separated text file.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    columns : sequence of str or int, optional
        The columns to load, at least two, each a name (as in :func:`csv_numeric_columns`;
        ``"column 1"``, ... for files without a header) or a 0-based index. Default: all
        numeric columns.
    label_column : str, int, None or AUTO, default=AUTO
        The text column that gives the points' true labels: AUTO takes the first column
        that can (:mod:`gmm_viz.data.csv_labels` gives the rule: 2 to 50 different
        values, at most one per two rows), if any; a name or 0-based index takes that
        column (a DataError says why when it cannot be labels); None takes none.

    Returns
    -------
    Dataset
        X of shape (n_usable_rows, n_columns); labels (n_usable_rows,) with label_names
        and label_source ``"column 'species'"`` when a label column is used, else None;
        suggested_k 2; ``dropped_rows`` counts rows skipped for missing, NaN, infinite or
        text values, rows whose label cell is empty (only with a label column) and ragged
        rows (another number of fields than the table's); the description says how many
        of each, which column gives the labels, and why the other text columns do not;
        ``source`` is the path.

    Raises
    ------
    DataError
        The message starts with the path and says what is wrong: the file is missing, a
        folder, a FIFO, a device, a link loop, larger than ``MAX_INPUT_FILE_BYTES``,
        empty, binary, has only a header, no or only one numeric column, more than
        ``MAX_FEATURES`` numeric columns (choose some), more than ``MAX_POINTS`` rows,
        fewer than two usable rows, too little memory, or ``columns`` names a missing or
        non-numeric column or more than ``MAX_FEATURES`` of them, or ``label_column``
        names a column that is missing, numeric, empty or not usable as labels.
    """
    raw, label = _read_bytes(path)
    # (frees raw once parsed)
    return dataset_from_bytes(raw, label, columns=columns, label_column=label_column)


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
        self._verdicts = None

    @property
    def numeric_columns(self) -> list:
        """Names of the numeric columns, in file order (as :func:`csv_numeric_columns`).

        All of them, however many (a file may have millions on one line): a column
        chooser offers the first :data:`gmm_viz.limits.MAX_COLUMNS_OFFERED`, and
        :attr:`n_numeric_columns` says how many there are without building this list.
        """
        return [self._table.names[j] for j in self._table.numeric]

    @property
    def n_numeric_columns(self) -> int:
        """The number of numeric columns."""
        return len(self._table.numeric)

    @property
    def label_columns(self) -> list:
        """The text columns that can be the true labels, as ``(name, n_values)`` pairs.

        In file order; the first is the one :meth:`dataset` takes by default. Empty for a
        file without such a column (see :mod:`gmm_viz.data.csv_labels` for the rule).
        """
        return [(v.name, v.n_values) for v in self._label_verdicts() if v.usable]

    def dataset(self, columns=None, label_column=AUTO):
        """The points of ``columns`` (default: all numeric ones), as :func:`load_csv`.

        ``label_column`` is as in :func:`load_csv` (a name from :attr:`label_columns`,
        None for no labels, AUTO for the first that can be).

        Raises
        ------
        DataError
            With the same messages as :func:`load_csv` (fewer than two numeric columns,
            a column that is missing or not numeric, fewer than two usable rows, a label
            column that cannot be labels).
        """
        verdicts = self._label_verdicts() if label_column is not None else ()
        return _dataset_from_table(self._table, self.label, columns=columns,
                                   label_column=label_column, verdicts=verdicts)

    def _label_verdicts(self):
        # Once per file: a pass over every text column's cells.
        if self._verdicts is None:
            self._verdicts = _label_verdicts(self._table)
        return self._verdicts

    def __repr__(self):
        return (f"CsvTable({_short(self.label)!r}, {self.n_numeric_columns:,} numeric "
                f"columns: {_numeric_names(self._table)})")


def read_csv_table(path, progress=None):
    """Read and parse a file once; see :class:`CsvTable`.

    Parameters
    ----------
    path : str or os.PathLike
    progress : Progress, optional
        Told how far the parsing is; its Cancel stops it
        (:class:`~gmm_viz.progress.Cancelled` is raised).

    Raises
    ------
    DataError
        If the file cannot be read as text (missing, folder, empty, binary, header only),
        with the same messages as :func:`csv_numeric_columns`.
    """
    raw, label = _read_bytes(path)
    return CsvTable(_table_from_bytes(raw, label, progress), label)
