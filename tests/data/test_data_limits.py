"""The data layer against hostile or oversized input (issue 7, items 5-8, 19 and 23).

What a person gets for a FIFO, a device, a huge or sparse file, too many rows or columns,
a file with millions of values on one line, ragged rows, a link loop or a NUL name: a
DataError that starts with the file name, says what is wrong and what to do, and is of a
bounded length; never a hang, a bare MemoryError or a phantom column.
"""

from __future__ import annotations

import os
import threading
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmm_viz.data import (
    MAX_N_SAMPLES,
    DataError,
    csv_loader,
    csv_numeric_columns,
    load_csv,
    make_dataset,
    validate_points,
)
from gmm_viz.files import FileCheckError, check_input_file
from gmm_viz.limits import MAX_FEATURES, MAX_INPUT_FILE_BYTES, MAX_MESSAGE_CHARS, MAX_POINTS

READERS = {
    "load_csv": load_csv,
    "read_csv_table": csv_loader.read_csv_table,
    "csv_numeric_columns": csv_numeric_columns,
}


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def header_and_rows(n_rows, width=2):
    names = ",".join(f"c{j}" for j in range(width))
    row = ",".join(str(j + 1) for j in range(width))
    return f"{names}\n" + f"{row}\n" * n_rows


# ---------------------------------------------------------------------------- item 5: FIFO


class _UnblockingWriter:
    """Writes a small CSV into a FIFO if (and only if) someone opens it for reading.

    A loader that opens the FIFO then reads that CSV instead of blocking forever, so the
    test fails (a Dataset instead of a DataError) rather than hangs. At the end the writer
    is released by opening the FIFO ourselves, without blocking (O_NONBLOCK).
    """

    def __init__(self, path):
        self.path = path
        self.thread = threading.Thread(target=self._write, daemon=True)
        self.thread.start()

    def _write(self):
        with open(self.path, "w") as fifo:  # blocks until a reader opens the FIFO
            fifo.write("x,y\n1,2\n3,4\n5,7\n")

    def release(self):
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            self.thread.join()
        finally:
            os.close(fd)


@pytest.mark.parametrize("reader", list(READERS))
def test_a_fifo_is_refused_before_it_is_opened(tmp_path, reader):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    writer = _UnblockingWriter(fifo)
    try:
        with pytest.raises(DataError, match="named pipe") as info:
            READERS[reader](fifo)
    finally:
        writer.release()
    message = str(info.value)
    assert message.startswith(str(fifo))
    assert "regular file" in message


def test_the_command_line_refuses_a_fifo_given_as_csv(tmp_path, capsys):
    from gmm_viz.cli import main

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    writer = _UnblockingWriter(fifo)
    try:
        # (without the check the window would open: make that a plain failure instead)
        with mock.patch("gmm_viz.gui.app.run_app", return_value=0):
            status = main(["--csv", str(fifo)])
    finally:
        writer.release()
    assert status == 2
    assert "named pipe" in capsys.readouterr().err


# ---------------------------------------------------------------------------- item 6: sizes


def test_a_device_is_refused(tmp_path):
    # (/dev/zero would never end: /dev/null stands for every device.)
    with pytest.raises(DataError, match="is a device") as info:
        load_csv("/dev/null")
    assert str(info.value).startswith("/dev/null")


def test_a_file_over_the_size_limit_is_refused_from_its_size(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_loader, "MAX_INPUT_FILE_BYTES", 100)
    path = write(tmp_path, header_and_rows(30))  # a valid CSV of 123 bytes
    with pytest.raises(DataError, match="larger than the 100 bytes") as info:
        load_csv(path)
    assert str(info.value).startswith(str(path))
    assert "smaller file" in str(info.value)


def test_a_sparse_file_beyond_the_real_limit_is_not_read(tmp_path):
    sparse = tmp_path / "big.csv"
    with open(sparse, "wb") as file:
        file.truncate(MAX_INPUT_FILE_BYTES + 1)  # nothing on disk: must not be read
    with (
        mock.patch.object(csv_loader, "_decode", side_effect=AssertionError("read")),
        pytest.raises(DataError, match="larger than") as info,
    ):
        csv_loader.read_csv_table(sparse)
    assert str(info.value).startswith(str(sparse))


def test_more_rows_than_max_points_are_refused(tmp_path):
    path = write(tmp_path, header_and_rows(MAX_POINTS + 1))
    with pytest.raises(DataError, match="more than 2,000,000 rows") as info:
        load_csv(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert "at most 2,000,000 points" in message and "sample of the rows" in message


def test_numbers_are_not_converted_beyond_the_row_limit(tmp_path, monkeypatch):
    # The fast path counts rows as numpy converts them, piece by piece, and stops there.
    monkeypatch.setattr(csv_loader, "MAX_POINTS", 100)
    monkeypatch.setattr(csv_loader, "_CHUNK_CHARS", 40)  # ~10 rows per piece
    path = write(tmp_path, header_and_rows(10_000))
    with (
        mock.patch.object(np, "loadtxt", wraps=np.loadtxt) as loadtxt,
        pytest.raises(DataError, match="at most 100 points"),
    ):
        load_csv(path)
    assert loadtxt.call_count < 20  # not the ~1,000 pieces of the whole file


def test_the_cell_by_cell_path_counts_rows_before_splitting_cells(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_loader, "MAX_POINTS", 100)
    path = write(tmp_path, "x,y,name\n" + "1,2,a\n" * 10_000)  # text: not the fast path
    with (
        mock.patch.object(csv_loader, "_split", wraps=csv_loader._split) as split,
        pytest.raises(DataError, match="at most 100 points"),
    ):
        load_csv(path)
    assert all(len(call.args[0]) < 10_000 for call in split.call_args_list)  # samples only


@pytest.mark.parametrize("header", [True, False])
def test_the_row_limit_is_exact(tmp_path, monkeypatch, header):
    monkeypatch.setattr(csv_loader, "MAX_POINTS", 100)
    text = header_and_rows(100) if header else "1,2\n" * 100
    assert load_csv(write(tmp_path, text + "\n\n")).X.shape == (100, 2)  # blank lines free
    for extra in ("3,4\n", "3,4\r\n", "NA,4\n"):  # any row of data counts
        path = write(tmp_path, text + extra, "over.csv")
        with pytest.raises(DataError, match="at most 100 points"):
            load_csv(path)


def test_the_row_limit_counts_crlf_and_cr_line_ends_once(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_loader, "MAX_POINTS", 100)
    for end in ("\r\n", "\r"):
        text = "x,y" + end + ("1,2" + end) * 100
        assert load_csv(write(tmp_path, text)).X.shape == (100, 2)


def test_a_memory_error_while_loading_becomes_a_data_error(tmp_path):
    path = write(tmp_path, "x,y\n1,2\n3,4\n")
    for target in ("_parse_table", "_decode"):
        with mock.patch.object(csv_loader, target, side_effect=MemoryError):
            for reader in READERS.values():
                with pytest.raises(DataError, match="not enough memory") as info:
                    reader(path)
                assert str(info.value).startswith(str(path))
                assert "smaller file" in str(info.value)
    table = csv_loader.read_csv_table(path)
    with (
        mock.patch.object(csv_loader, "_rows_to_array", side_effect=MemoryError),
        pytest.raises(DataError, match="not enough memory"),
    ):
        table.dataset()


def test_validate_points_refuses_more_than_max_points():
    # A view of one row: no memory is spent on the two million rows.
    X = np.broadcast_to(np.array([1.0, 2.0]), (MAX_POINTS + 1, 2))
    with pytest.raises(DataError, match="2,000,001 points") as info:
        validate_points(X)
    assert "2,000,000" in str(info.value)


def test_validate_points_refuses_more_than_max_features():
    assert validate_points(np.eye(MAX_FEATURES + 2)[:, :MAX_FEATURES]).shape[1] == 50
    with pytest.raises(DataError, match="51 columns") as info:
        validate_points(np.eye(MAX_FEATURES + 2)[:, :MAX_FEATURES + 1])
    assert "at most 50" in str(info.value)


def test_generators_share_the_apps_point_limit():
    assert MAX_N_SAMPLES == MAX_POINTS == 2_000_000
    with pytest.raises(DataError, match="between 2 and 2,000,000"):
        make_dataset("uniform", n_samples=MAX_POINTS + 1)


# ---------------------------------------------------------------------------- item 7: width


def wide_file(tmp_path, width, n_rows=3, name="wide.csv"):
    header = ",".join(f"c{j}" for j in range(width))
    rows = "\n".join(",".join(str((i * 7 + j) % 11) for j in range(width))
                     for i in range(n_rows))
    return write(tmp_path, f"{header}\n{rows}\n", name)


def test_a_file_wider_than_max_features_asks_to_choose_columns(tmp_path):
    path = wide_file(tmp_path, 10_000)
    with pytest.raises(DataError) as info:
        load_csv(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert "10,000 numeric columns" in message and "at most 50" in message
    assert "c0, c1" in message and "columns=" in message
    assert len(message) <= MAX_MESSAGE_CHARS
    table = csv_loader.read_csv_table(path)
    assert table.n_numeric_columns == 10_000
    with pytest.raises(DataError, match="at most 50"):
        table.dataset()


def test_more_than_max_features_explicit_columns_are_refused(tmp_path):
    path = wide_file(tmp_path, 60)
    names = [f"c{j}" for j in range(60)]
    assert load_csv(path, columns=names[:50]).X.shape == (3, 50)
    with pytest.raises(DataError, match="51 columns chosen") as info:
        load_csv(path, columns=names[:51])
    assert "at most 50" in str(info.value)


class _CountingName(str):
    """A column name that counts how often it is compared with another string."""

    comparisons = 0
    __hash__ = str.__hash__

    def __eq__(self, other):
        type(self).comparisons += 1
        return str.__eq__(self, other)


def test_column_names_are_matched_without_scanning_every_column(tmp_path):
    import dataclasses

    width = 10_000
    table = csv_loader._table_from_bytes(wide_file(tmp_path, width).read_bytes(), "wide.csv")
    table = dataclasses.replace(table, names=tuple(_CountingName(n) for n in table.names))
    chosen = [f"c{j}" for j in range(width - 1, width - 51, -1)] + ["C17"]
    _CountingName.comparisons = 0
    with pytest.raises(DataError, match="51 columns chosen"):
        csv_loader._dataset_from_table(table, "wide.csv", columns=chosen)
    del chosen[-1]
    ds = csv_loader._dataset_from_table(table, "wide.csv", columns=chosen)
    assert ds.feature_names == tuple(chosen)
    expected = np.array([[(i * 7 + j) % 11 for j in range(width - 1, width - 51, -1)]
                         for i in range(3)])
    np.testing.assert_array_equal(ds.X, expected)
    # A scan per chosen name would compare 50 x 10,000 times; a lookup table ~once each.
    assert _CountingName.comparisons < width
    # Case-insensitive matches use the lookup table too.
    ds = csv_loader._dataset_from_table(table, "wide.csv", columns=["C9999", "c5000"])
    assert ds.feature_names == ("c9999", "c5000")


# ---------------------------------------------------------------------------- item 8: messages


def test_a_one_line_file_with_millions_of_values(tmp_path):
    n = 3_000_000
    path = write(tmp_path, ",".join(str(j % 97) for j in range(n)) + "\n", "line.csv")
    table = csv_loader.read_csv_table(path)
    assert table.n_numeric_columns == n
    assert len(table.numeric_columns) == n
    assert table.numeric_columns[:2] == ["column 1", "column 2"]
    assert len(repr(table)) <= MAX_MESSAGE_CHARS
    for attempt in (table.dataset, lambda: load_csv(path)):
        with pytest.raises(DataError) as info:
            attempt()
        message = str(info.value)
        assert message.startswith(str(path)) and "3,000,000 numeric columns" in message
        assert len(message) <= MAX_MESSAGE_CHARS
    with pytest.raises(DataError, match="only 1 usable row"):  # chosen columns: 1 row
        table.dataset(["column 1", "column 3000000"])


def test_a_single_wide_row_says_too_few_rows_in_a_bounded_message(tmp_path):
    path = write(tmp_path, ",".join(str(j) for j in range(60)) + "\n", "row.csv")
    names = [f"column {j + 1}" for j in range(50)]
    with pytest.raises(DataError, match="only 1 usable row") as info:
        load_csv(path, columns=names)
    message = str(info.value)
    assert "column 1, column 2" in message and "and 4" in message  # "and 45 more"
    assert len(message) <= MAX_MESSAGE_CHARS


def test_messages_naming_columns_are_bounded(tmp_path):
    path = wide_file(tmp_path, 10_000)
    with pytest.raises(DataError, match="no column named 'zzz'") as info:
        load_csv(path, columns=["c1", "zzz"])
    assert "c0, c1, c2" in str(info.value) and "more" in str(info.value)
    assert len(str(info.value)) <= MAX_MESSAGE_CHARS
    long_name = "h" * 100_000
    path = write(tmp_path, f"{long_name},y\n1,2\n3,4\n", "long.csv")
    with pytest.raises(DataError, match="only one numeric column|at least two") as info:
        load_csv(path, columns=["y"])
    assert len(str(info.value)) <= MAX_MESSAGE_CHARS
    ds = load_csv(path)
    assert ds.feature_names[0] == long_name  # names are kept whole; only messages are cut
    assert len(ds.description) <= MAX_MESSAGE_CHARS


def test_every_data_error_is_bounded():
    assert len(str(DataError("x" * 100_000))) <= MAX_MESSAGE_CHARS
    with pytest.raises(DataError) as info:
        make_dataset("n" * 100_000)
    assert len(str(info.value)) <= MAX_MESSAGE_CHARS


# ---------------------------------------------------------------------------- item 19: ragged


def test_a_row_with_an_extra_field_is_skipped_and_reported(tmp_path):
    rows = [f"{i},{i * 2 % 7},{i % 5}" for i in range(56)]
    rows[20] += ",9"
    path = write(tmp_path, "a,b,c\n" + "\n".join(rows) + "\n")
    assert csv_numeric_columns(path) == ["a", "b", "c"]  # no phantom "column 4"
    ds = load_csv(path)
    assert ds.feature_names == ("a", "b", "c")
    assert ds.n_samples == 55 and ds.dropped_rows == 1
    assert "1 row with 4 fields instead of 3 was skipped (line 22)" in ds.description
    expected = np.array([[i, i * 2 % 7, i % 5] for i in range(56) if i != 20], dtype=float)
    np.testing.assert_array_equal(ds.X, expected)


def test_ragged_rows_without_a_header_and_short_rows(tmp_path):
    path = write(tmp_path, "1,2,3\n4,5\n6,7,8\n9,10,11,12\n13,14,15\n")
    ds = load_csv(path)
    assert ds.feature_names == ("column 1", "column 2", "column 3")
    np.testing.assert_array_equal(ds.X, [[1, 2, 3], [6, 7, 8], [13, 14, 15]])
    assert ds.dropped_rows == 2
    assert "2 rows with another number of fields than 3 were skipped (first: line 2)" \
        in ds.description
    # Short rows count as ragged even where the chosen columns are present.
    ds = load_csv(path, columns=["column 1", "column 2"])
    assert ds.n_samples == 3 and ds.dropped_rows == 2


def test_ragged_and_missing_values_are_counted_apart(tmp_path):
    path = write(tmp_path, "x,y\n1,2\nNA,3\n4,5,6\n7,8\n")
    ds = load_csv(path)
    assert ds.n_samples == 2 and ds.dropped_rows == 2
    assert ("2 rows were skipped: 1 with missing or non-numeric values and 1 with 3 "
            "fields instead of 2 (line 4).") in ds.description


def test_too_few_usable_rows_mentions_ragged_rows(tmp_path):
    # The width is the one most data rows have (3): "1,2" is the odd one out.
    path = write(tmp_path, "x,y\n1,2\n3,4,5\n6,7,8\n", "most.csv")
    ds = load_csv(path)
    assert ds.feature_names == ("x", "y", "column 3") and ds.n_samples == 2
    path = write(tmp_path, "x,y\n1,2\n3,4,5\n")  # a tie: the header's width
    with pytest.raises(DataError, match="only 1 usable row") as info:
        load_csv(path)
    assert "1 row with 3 fields instead of 2 was skipped (line 3)" in str(info.value)


def test_a_tie_between_widths_goes_to_the_header(tmp_path):
    ds = load_csv(write(tmp_path, "x,y\n1,2\n3,4,5\n6,7\n8,9,10,11\n"))
    assert ds.feature_names == ("x", "y")
    np.testing.assert_array_equal(ds.X, [[1, 2], [6, 7]])
    assert "2 rows with another number of fields than 2 were skipped (first: line 3)" \
        in ds.description


@pytest.mark.parametrize(("text", "names", "X"), [
    # trailing delimiters on some rows are not extra fields
    ("x,y\n1,2,\n3,4\n5,6,\n", ("x", "y"), [[1, 2], [3, 4], [5, 6]]),
    # a header with a trailing delimiter
    ("x,y,\n1,2\n3,4\n", ("x", "y"), [[1, 2], [3, 4]]),
    # an unnamed last column that holds numbers
    ("a,b,\n1,2,3\n4,5,6\n", ("a", "b", "column 3"), [[1, 2, 3], [4, 5, 6]]),
])
def test_files_that_are_not_ragged_load_every_row(tmp_path, text, names, X):
    ds = load_csv(write(tmp_path, text))
    assert ds.feature_names == names and ds.dropped_rows == 0
    np.testing.assert_array_equal(ds.X, X)


def test_rows_ending_in_an_empty_cell_are_not_short(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,3\n4,5,\n6,7,\n8,9,10\n")
    ds = load_csv(path, columns=["a", "b"])
    assert ds.dropped_rows == 0
    np.testing.assert_array_equal(ds.X, [[1, 2], [4, 5], [6, 7], [8, 9]])
    ds = load_csv(path)
    assert ds.feature_names == ("a", "b", "c") and ds.dropped_rows == 2
    assert "2 rows with missing or non-numeric values were skipped." in ds.description


# ---------------------------------------------------------------------------- item 23: names


def test_a_link_loop_a_nul_name_and_a_dangling_link_say_what_they_are(tmp_path):
    loop = tmp_path / "loop.csv"
    os.symlink(loop, loop)
    dangling = tmp_path / "dangling.csv"
    os.symlink(tmp_path / "gone.csv", dangling)
    cases = {loop: "link loop", "a\x00b.csv": "NUL character",
             dangling: "link to a file that does not exist"}
    for path, match in cases.items():
        for reader in READERS.values():
            with pytest.raises(DataError, match=match) as info:
                reader(path)
            assert "not found" not in str(info.value)


@pytest.mark.parametrize("kind", ["missing", "folder", "loop"])
def test_file_messages_are_the_shared_checks_messages(tmp_path, kind):
    path = {"missing": tmp_path / "nothere.csv", "folder": tmp_path,
            "loop": tmp_path / "loop.csv"}[kind]
    if kind == "loop":
        os.symlink(path, path)
    with pytest.raises(FileCheckError) as expected:
        check_input_file(path, what="CSV file")
    with pytest.raises(DataError) as info:
        load_csv(path)
    assert str(info.value) == str(expected.value)


@st.composite
def _ragged_files(draw):
    """A rectangular table of numbers with a few rows of another width inserted."""
    delimiter = draw(st.sampled_from([",", ";", "\t", " "]))
    width = draw(st.integers(2, 4))
    number = st.floats(-1e6, 1e6, allow_nan=False).map(repr)
    rows = draw(st.lists(st.lists(number, min_size=width, max_size=width), min_size=3,
                         max_size=12))
    n_ragged = draw(st.integers(1, (len(rows) - 1) // 2))
    ragged = [draw(st.lists(number, min_size=1, max_size=6).filter(lambda r: len(r) != width))
              for _ in range(n_ragged)]
    header = [f"h{j}" for j in range(width)] if draw(st.booleans()) else None
    lines = [delimiter.join(row) for row in rows]
    for row in ragged:
        lines.insert(draw(st.integers(0, len(lines))), delimiter.join(row))
    if header:
        lines.insert(0, delimiter.join(header))
    return "\n".join(lines) + "\n", rows, header, n_ragged


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ragged_files())
def test_ragged_rows_are_skipped_never_made_columns(case):
    text, rows, header, n_ragged = case
    ds = csv_loader.dataset_from_bytes(text.encode(), "data.csv")
    width = len(rows[0])
    assert ds.feature_names == tuple(header or (f"column {j + 1}" for j in range(width)))
    np.testing.assert_array_equal(ds.X, np.array(rows, dtype=float))
    assert ds.dropped_rows == n_ragged
    assert f"{n_ragged} row" in ds.description


def test_reading_a_large_csv_reports_progress_and_can_be_cancelled(tmp_path, monkeypatch):
    from gmm_viz.data import csv_loader
    from gmm_viz.progress import Cancelled, Progress

    monkeypatch.setattr(csv_loader, "_CHUNK_CHARS", 1_000)
    path = tmp_path / "many.csv"
    path.write_text("x,y\n" + "\n".join(f"{i},{i % 7}" for i in range(5_000)))
    seen = []

    class Recording(Progress):
        def update(self, fraction=None, stage=None):
            super().update(fraction, stage)
            seen.append(self.fraction)

    table = csv_loader.read_csv_table(path, progress=Recording())
    assert table.dataset().X.shape == (5_000, 2)
    assert len(seen) > 10 and seen == sorted(seen) and seen[-1] == 1.0

    class CancelHalfway(Progress):
        def update(self, fraction=None, stage=None):
            if fraction is not None and fraction > 0.5:
                self.cancel()
            super().update(fraction, stage)

    with pytest.raises(Cancelled):
        csv_loader.read_csv_table(path, progress=CancelHalfway())
