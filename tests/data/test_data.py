"""Tests for gmm_viz.data: generators, the CSV loader and validate_points."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris, make_blobs, make_moons

from gmm_viz.data import (
    DATASETS,
    NOISY_DATASETS,
    DataError,
    Dataset,
    csv_numeric_columns,
    dataset_names,
    load_csv,
    make_dataset,
    validate_points,
)

EXPECTED = {
    # name: (shape with defaults, suggested_k, has labels)
    "blobs": ((500, 2), 5, True),
    "moons": ((500, 2), 2, True),
    "circles": ((500, 2), 2, True),
    "varied": ((500, 2), 3, True),
    "aniso": ((500, 2), 3, True),
    "uniform": ((500, 2), 3, False),
    "faithful": ((272, 2), 2, False),
    "iris": ((150, 4), 3, True),
}
GENERATED = ("blobs", "moons", "circles", "varied", "aniso", "uniform")
FIXED = ("faithful", "iris")


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


# ---------------------------------------------------------------------------- generators


def test_fixed_size_data_sets_are_the_ones_that_ignore_n_samples():
    from gmm_viz.data import FIXED_SIZE_DATASETS

    assert FIXED_SIZE_DATASETS == {
        name for name in DATASETS
        if make_dataset(name, n_samples=40).X.shape == EXPECTED[name][0]
    } == set(FIXED)


def test_dataset_names_in_menu_order():
    assert dataset_names() == tuple(EXPECTED)
    assert set(DATASETS) == set(EXPECTED)
    assert NOISY_DATASETS <= set(DATASETS)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_generator_shape_dtype_and_k(name):
    shape, k, has_labels = EXPECTED[name]
    ds = make_dataset(name)
    assert isinstance(ds, Dataset)
    assert ds.X.shape == shape
    assert ds.X.dtype == np.float64
    assert ds.X.flags.c_contiguous and not ds.X.flags.writeable
    assert ds.suggested_k == k
    assert ds.name == name
    assert len(ds.feature_names) == shape[1]
    assert ds.source and ds.description
    assert (ds.labels is not None) == has_labels
    if has_labels:
        assert ds.labels.shape == (shape[0],)
        assert ds.labels.dtype.kind == "i"
        assert not ds.labels.flags.writeable


@pytest.mark.parametrize("name", GENERATED)
def test_generator_is_deterministic_and_honours_seed(name):
    a = make_dataset(name, n_samples=123, random_state=7)
    b = make_dataset(name, n_samples=123, random_state=7)
    c = make_dataset(name, n_samples=123, random_state=8)
    assert a.X.shape == (123, 2)
    np.testing.assert_array_equal(a.X, b.X)
    assert not np.array_equal(a.X, c.X)
    np.testing.assert_array_equal(make_dataset(name).X, make_dataset(name).X)


@pytest.mark.parametrize("name", FIXED)
def test_fixed_datasets_ignore_n_samples_and_seed(name):
    np.testing.assert_array_equal(
        make_dataset(name, n_samples=10, random_state=3).X, make_dataset(name).X
    )


def test_blobs_is_exactly_the_study_recipe():
    X, y = make_blobs(n_samples=500, cluster_std=1.5, random_state=20, centers=5)
    X = X @ np.random.RandomState(8).randn(2, 2)
    ds = make_dataset("blobs")
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.labels, y)
    assert ds.source == "generator blobs(n_samples=500, random_state=20)"


def test_blobs_uses_the_seed_the_user_gives():
    X, _ = make_blobs(n_samples=300, cluster_std=1.5, random_state=5, centers=5)
    X = X @ np.random.RandomState(8).randn(2, 2)
    np.testing.assert_array_equal(make_dataset("blobs", n_samples=300, random_state=5).X, X)


def test_moons_defaults_are_the_study_recipe_and_noise_applies():
    X, _ = make_moons(n_samples=500, noise=0.05, random_state=0)
    np.testing.assert_array_equal(make_dataset("moons").X, X)
    X, _ = make_moons(n_samples=500, noise=0.2, random_state=0)
    np.testing.assert_array_equal(make_dataset("moons", noise=0.2).X, X)


def test_faithful_known_first_row():
    ds = make_dataset("faithful")
    assert ds.feature_names == ("eruptions", "waiting")
    np.testing.assert_array_equal(ds.X[0], [3.6, 79.0])
    assert ds.labels is None


def test_iris_matches_sklearn():
    ds = make_dataset("iris")
    np.testing.assert_array_equal(ds.X, load_iris().data)
    assert len(set(ds.labels.tolist())) == 3


def test_make_dataset_name_is_case_insensitive():
    np.testing.assert_array_equal(make_dataset(" Blobs ").X, make_dataset("blobs").X)


def test_unknown_name_lists_valid_names():
    with pytest.raises(DataError, match="unknown data set 'nope'") as info:
        make_dataset("nope")
    for name in DATASETS:
        assert name in str(info.value)


@pytest.mark.parametrize("n", [1, 0, -5, 2.5, "100", True, 5_000_001])
def test_bad_n_samples(n):
    with pytest.raises(DataError, match="n_samples"):
        make_dataset("blobs", n_samples=n)


def test_n_samples_bounds_and_numpy_ints():
    assert make_dataset("moons", n_samples=2).X.shape == (2, 2)
    assert make_dataset("blobs", n_samples=np.int64(50)).X.shape == (50, 2)


@pytest.mark.parametrize("noise", [-0.1, float("nan"), float("inf"), "a", True])
def test_bad_noise(noise):
    with pytest.raises(DataError, match="noise"):
        make_dataset("moons", noise=noise)


def test_noise_is_ignored_where_it_does_not_apply():
    np.testing.assert_array_equal(make_dataset("blobs", noise=0.3).X, make_dataset("blobs").X)


@pytest.mark.parametrize("seed", [-1, "abc", 2**40, 1.5])
def test_bad_random_state(seed):
    with pytest.raises(DataError, match="random_state"):
        make_dataset("blobs", random_state=seed)


def test_dataset_is_immutable():
    ds = make_dataset("blobs", n_samples=20)
    with pytest.raises(ValueError):
        ds.X[0, 0] = 1.0
    with pytest.raises(AttributeError):
        ds.name = "other"
    assert "20x2" in repr(ds)


# ---------------------------------------------------------------------------- load_csv

ROWS = [(1.0, 2.0), (3.5, -4.0), (5.0, 6e2), (7.25, 8.0)]


def table(delimiter, header=None, rows=ROWS):
    lines = [delimiter.join(header)] if header else []
    lines += [delimiter.join(repr(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", " ", "   "])
@pytest.mark.parametrize("header", [None, ("alpha", "beta")])
def test_load_csv_delimiters_with_and_without_header(tmp_path, delimiter, header):
    path = write(tmp_path, table(delimiter, header))
    ds = load_csv(path)
    np.testing.assert_array_equal(ds.X, np.array(ROWS))
    expected_names = header or ("column 1", "column 2")
    assert ds.feature_names == expected_names
    assert ds.dropped_rows == 0
    assert ds.labels is None
    assert ds.suggested_k == 2
    assert ds.source == str(path)
    assert ds.name == "data"


def test_load_csv_mixed_whitespace_and_crlf(tmp_path):
    path = write(tmp_path, "x \t y\r\n1  2\r\n 3\t\t4 \r\n\r\n5 6\r\n")
    ds = load_csv(path)
    assert ds.feature_names == ("x", "y")
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])


def test_load_csv_bom_and_quotes(tmp_path):
    path = write(tmp_path, '"a","b"\n"1.5","2"\n3,4\n', encoding="utf-8-sig")
    ds = load_csv(path)
    assert ds.feature_names == ("a", "b")
    np.testing.assert_array_equal(ds.X, [[1.5, 2], [3, 4]])


def test_load_csv_semicolon_with_decimal_comma(tmp_path):
    path = write(tmp_path, "a;b\n1,5;2,25\n-3,0;4\n")
    np.testing.assert_array_equal(load_csv(path).X, [[1.5, 2.25], [-3.0, 4.0]])


def test_load_csv_skips_text_column(tmp_path):
    text = "sepal,species,petal\n5.1,setosa,1.4\n4.9,setosa,1.3\n6.3,virginica,6.0\n"
    ds = load_csv(write(tmp_path, text))
    assert ds.feature_names == ("sepal", "petal")
    np.testing.assert_array_equal(ds.X, [[5.1, 1.4], [4.9, 1.3], [6.3, 6.0]])


def test_load_csv_text_column_without_header(tmp_path):
    text = "5.1,setosa,1.4\n4.9,setosa,1.3\n6.3,virginica,6.0\n"
    ds = load_csv(write(tmp_path, text))
    assert ds.feature_names == ("column 1", "column 3")
    assert ds.X.shape == (3, 2)


def test_load_csv_drops_and_counts_bad_rows(tmp_path):
    text = "x,y\n1,2\nnan,3\n4,inf\n5,\n,6\n7,abc\n-inf,1\n8\n9,10\n\n,\n11,12\n"
    ds = load_csv(write(tmp_path, text))
    np.testing.assert_array_equal(ds.X, [[1, 2], [9, 10], [11, 12]])
    # nan, inf, empty, empty, text, -inf, short row; the blank line and "," are skipped.
    assert ds.dropped_rows == 7
    assert "7 rows" in ds.description


def test_load_csv_choose_columns_by_name_and_index(tmp_path):
    text = "a,b,name,c\n1,2,p,3\n4,5,q,6\n7,8,r,9\n"
    path = write(tmp_path, text)
    assert csv_numeric_columns(path) == ["a", "b", "c"]
    assert load_csv(path).X.shape == (3, 3)
    by_name = load_csv(path, columns=["c", "a"])
    assert by_name.feature_names == ("c", "a")
    np.testing.assert_array_equal(by_name.X, [[3, 1], [6, 4], [9, 7]])
    by_index = load_csv(path, columns=[3, 0])
    np.testing.assert_array_equal(by_index.X, by_name.X)
    assert load_csv(path, columns=["A", "B"]).feature_names == ("a", "b")


def test_load_csv_choose_columns_without_header(tmp_path):
    path = write(tmp_path, "1 2 3\n4 5 6\n")
    assert csv_numeric_columns(path) == ["column 1", "column 2", "column 3"]
    np.testing.assert_array_equal(load_csv(path, columns=["column 3", 1]).X, [[3, 2], [6, 5]])


@pytest.mark.parametrize(
    ("columns", "match"),
    [
        (["a", "zzz"], "no column named 'zzz'"),
        (["a", "name"], "'name' is not numeric"),
        ([0, 9], "index 9 is out of range"),
        (["a"], "at least two"),
        (["a", 0], "chosen twice"),
        ("ab", "list"),
        ([0, 1.5], "names or 0-based indices"),
    ],
)
def test_load_csv_bad_columns(tmp_path, columns, match):
    path = write(tmp_path, "a,b,name\n1,2,p\n4,5,q\n")
    with pytest.raises(DataError, match=match) as info:
        load_csv(path, columns=columns)
    assert str(info.value).startswith(str(path))


def test_load_csv_latin1_text_still_loads(tmp_path):
    path = write(tmp_path, "température;durée\n1;2\n3;4\n", encoding="latin-1")
    ds = load_csv(path)
    assert ds.feature_names == ("température", "durée")
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])


def test_load_csv_utf16_excel_export(tmp_path):
    path = write(tmp_path, "a\tb\n1\t2\n3\t4\n", encoding="utf-16")
    np.testing.assert_array_equal(load_csv(path).X, [[1, 2], [3, 4]])


def test_load_csv_accepts_str_path(tmp_path):
    path = write(tmp_path, "1,2\n3,4\n")
    assert load_csv(str(path)).X.shape == (2, 2)


ERROR_CASES = {
    "empty": (b"", "is empty"),
    "blank": (b" \n\n\t\n", "is empty"),
    "header only": (b"x,y\n", "no data rows"),
    "no numeric columns": (b"name,colour\nab,cd\nef,gh\n", "no numeric columns"),
    "one column": (b"x\n1\n2\n3\n", "only one numeric column"),
    "one numeric column": (b"x,name\n1,a\n2,b\n", "at least two numeric columns"),
    "one usable row": (b"x,y\n1,2\nnan,3\n", "only 1 usable row"),
    "single data row": (b"1,2\n", "only 1 usable row"),
    "binary garbage": (bytes(range(256)) * 8, "binary"),
    "binary without NUL": (bytes(range(1, 32)) * 40 + b"1,2\n", "binary"),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_load_csv_errors_name_the_file(tmp_path, case):
    content, match = ERROR_CASES[case]
    path = write(tmp_path, content, name="my data.csv")
    with pytest.raises(DataError, match=match) as info:
        load_csv(path)
    assert str(info.value).startswith(str(path))


def test_load_csv_missing_file(tmp_path):
    path = tmp_path / "nothere.csv"
    with pytest.raises(DataError, match="not found") as info:
        load_csv(path)
    assert str(info.value).startswith(str(path))


def test_load_csv_directory(tmp_path):
    with pytest.raises(DataError, match="folder") as info:
        load_csv(tmp_path)
    assert str(info.value).startswith(str(tmp_path))


def test_load_csv_unusable_names(tmp_path):
    with pytest.raises(DataError, match="no file"):
        load_csv("")
    long_name = tmp_path / ("x" * 5000)
    with pytest.raises(DataError, match="the file name is too long") as info:
        load_csv(long_name)
    # The message starts with the name, cut: a message is never thousands of characters
    # long (gmm_viz.files names at most the first 80 characters of such a name).
    assert str(info.value).startswith(str(long_name)[:80])
    assert len(str(info.value)) <= 200


def test_load_csv_not_a_path():
    with pytest.raises(DataError, match="file path"):
        load_csv(12.5)


def test_csv_numeric_columns_errors_name_the_file(tmp_path):
    path = write(tmp_path, b"")
    with pytest.raises(DataError, match="is empty"):
        csv_numeric_columns(path)
    assert csv_numeric_columns(write(tmp_path, "x,name\n1,a\n")) == ["x"]


def _check_load_outcome(raw):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.csv"
        path.write_bytes(raw)
        try:
            ds = load_csv(path)
        except DataError as exc:
            assert str(exc).startswith(str(path))
            return
    assert isinstance(ds, Dataset)
    assert ds.X.ndim == 2 and ds.X.shape[0] >= 2 and ds.X.shape[1] >= 2
    assert np.isfinite(ds.X).all()
    assert len(ds.feature_names) == ds.X.shape[1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_load_csv_arbitrary_bytes_never_crash(raw):
    _check_load_outcome(raw)


CSVISH = st.text(alphabet=st.sampled_from(list("0123456789.,;\t \n-eE+naifxy\"'\r")), max_size=200)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CSVISH)
def test_load_csv_csv_like_text_never_crashes(text):
    _check_load_outcome(text.encode("utf-8"))


# ------------------------------------------------------------- fast path == cell by cell


def _outcome(raw, columns=None, *, fast=True):
    """What loading ``raw`` gives: the Dataset's fields, or the error message."""
    from unittest import mock

    from gmm_viz.data import csv_loader

    patch = (mock.patch.object(csv_loader, "_fast_table", lambda *a: None) if not fast
             else mock.patch.object(csv_loader, "_CHUNK_CHARS", 16))  # many numpy pieces
    with patch:
        try:
            ds = csv_loader.dataset_from_bytes(raw, "data.csv", columns=columns)
            table = csv_loader._table_from_bytes(raw, "data.csv")
        except DataError as exc:
            return ("error", str(exc))
    names = [table.names[j] for j in table.numeric]
    return ("ok", ds.X.tobytes(), ds.X.shape, ds.feature_names, ds.dropped_rows,
            ds.description, names)


_CELLS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-1e6, 1e6).map(lambda v: f"{v:.3f}"),
    st.floats(-1e300, 1e300).map(lambda v: f"{v:e}"),
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["nan", "inf", "-Infinity", "NA", "?", "", " ", "abc", "x y", "1,5",
                     '"2.5"', "' 3 '", " 4 ", "1_0", "+7", ".5", "5.", "1e999", "-0"]),
)


@st.composite
def _tables(draw):
    delimiter = draw(st.sampled_from([",", ";", "\t", " ", "  "]))
    width = draw(st.integers(1, 4))
    numeric_only = draw(st.booleans())
    cell = _CELLS if not numeric_only else st.one_of(
        st.floats(-1e9, 1e9).map(repr), st.sampled_from(["nan", "inf", "-inf", "1e999"]))
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=1,
                         max_size=12))
    lines = [delimiter.join(row) for row in rows]
    if draw(st.booleans()):
        lines.insert(0, delimiter.join(draw(st.sampled_from(["x", "y", "z w", '"q"', '"r', "", "1"]))
                                       for _ in range(width)))
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["", "  ", ","])))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return (end.join(lines) + draw(st.sampled_from(["", end]))).encode("utf-8")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_tables())
def test_fast_path_reads_exactly_what_the_cell_by_cell_path_reads(raw):
    assert _outcome(raw, fast=True) == _outcome(raw, fast=False)


@pytest.mark.parametrize("text", [
    "x,y\n1,2\n3,4\n5,6\n",
    "x;y\n1;2\n3;4\n",
    "1 2\n3 4\n\n5 6\n",
    "a,b,c\n1,nan,3\n4,inf,6\n7,8,9\n",
    "\n\n x , y \r\n1,2\r\n3,4\r\n",
    '"x","y"\n1,2\n3,4\n',
    "x,y\n1,2\n",
    "1,2\n3,4\n",
])
def test_clean_files_take_the_fast_path_with_the_same_result(text):
    from gmm_viz.data import csv_loader

    table = csv_loader._table_from_bytes(text.encode(), "data.csv")
    assert table.values is not None and table.rows is None
    assert _outcome(text.encode(), fast=True) == _outcome(text.encode(), fast=False)
    for columns in ([0, 1], ["column 2", "column 1"], [1]):
        raw = text.encode()
        assert _outcome(raw, columns, fast=True) == _outcome(raw, columns, fast=False)


@pytest.mark.parametrize("text", [
    "x,y\n1,2\nNA,4\n5,6\n",  # a missing-value marker
    "x,y,name\n1,2,a\n3,4,b\n",  # a text column
    "x,y\n1,2\n3\n5,6\n",  # a short row
    "x;y\n1,5;2\n3;4\n",  # a decimal comma
    'x,y\n"1",2\n3,4\n',  # a quoted number
    "x,y\n1,2\n  \n3,4\n",  # a blank line of spaces
])
def test_other_files_take_the_cell_by_cell_path(text):
    from gmm_viz.data import csv_loader

    table = csv_loader._table_from_bytes(text.encode(), "data.csv")
    assert table.values is None and table.rows is not None


def test_a_big_clean_file_is_read_exactly(tmp_path):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((200_000, 3)) * 10.0 ** rng.integers(-5, 5, (200_000, 3))
    path = tmp_path / "big.csv"
    np.savetxt(path, X, delimiter=",", header="a,b,c", comments="", fmt="%.17g")
    ds = load_csv(path, columns=["c", "a"])
    np.testing.assert_array_equal(ds.X, X[:, [2, 0]])  # bit for bit
    assert ds.feature_names == ("c", "a") and ds.dropped_rows == 0


def test_read_csv_table_parses_once_for_columns_and_points(tmp_path):
    from unittest import mock

    from gmm_viz.data import csv_loader

    path = write(tmp_path, "a,b,name,c\n1,2,p,3\n4,5,q,6\n7,8,r,9\n")
    with mock.patch.object(csv_loader, "_parse_table", wraps=csv_loader._parse_table) as parse:
        table = csv_loader.read_csv_table(path)
        assert table.numeric_columns == ["a", "b", "c"] == csv_numeric_columns(path)
        ds = table.dataset(["c", "a"])
        assert parse.call_count == 2  # read_csv_table and csv_numeric_columns, not dataset
    np.testing.assert_array_equal(ds.X, load_csv(path, columns=["c", "a"]).X)
    with pytest.raises(DataError, match="only one numeric column"):
        csv_loader.read_csv_table(write(tmp_path, "x,name\n1,a\n2,b\n", "one.csv")).dataset()


# ---------------------------------------------------------------------------- validate_points


def test_validate_points_returns_float64_c_contiguous():
    X = validate_points(np.arange(6, dtype=np.int32).reshape(3, 2)[:, ::-1])
    assert X.dtype == np.float64 and X.flags.c_contiguous
    np.testing.assert_array_equal(X, [[1, 0], [3, 2], [5, 4]])
    same = np.zeros((3, 2)) + np.arange(3)[:, None]
    assert validate_points(same) is same


@pytest.mark.parametrize(
    ("X", "match"),
    [
        ([[1.0, np.nan], [2.0, 3.0]], "1 missing \\(NaN\\) value \\(first in row 0\\)"),
        ([[1.0, 2.0], [np.inf, 3.0], [1, -np.inf]], "2 infinite values \\(first in row 1\\)"),
        (np.array([["a", "b"], ["c", "d"]], dtype=object), "text"),
        (np.array([["1", "2"], ["3", "4"]]), "text"),
        ([1.0, 2.0, 3.0], "2-D array.*1-D"),
        (np.zeros((2, 2, 2)), "2-D array"),
        ([[1.0, 2.0]], "1 point"),
        (np.zeros((0, 2)), "0 points"),
        ([[1.0, 2.0], [3.0]], "rectangular"),
        ([[1j, 2], [3, 4]], "complex"),
        (None, "not numbers|2-D"),
    ],
)
def test_validate_points_rejects(X, match):
    with pytest.raises(DataError, match=match):
        validate_points(X)


def test_validate_points_min_features():
    X = np.arange(4.0).reshape(4, 1)
    assert validate_points(X).shape == (4, 1)
    with pytest.raises(DataError, match="at least 2 numeric columns"):
        validate_points(X, min_features=2)


def test_validate_points_k_more_than_distinct_points():
    X = np.array([[0, 0], [1, 1], [2, 2], [3, 3]] * 5, dtype=float)
    assert validate_points(X, n_components=4).shape == (20, 2)
    with pytest.raises(DataError) as info:
        validate_points(X, n_components=6)
    assert str(info.value) == (
        "k = 6 is more than the 4 distinct points in the data; choose k <= 4 or load more data."
    )


def test_validate_points_distinct_count_beyond_prefix():
    # Distinct points only after the prefix the quick check looks at.
    X = np.zeros((5000, 2))
    X[-3:] = [[1, 1], [2, 2], [3, 3]]
    assert validate_points(X, n_components=4) is X
    with pytest.raises(DataError, match="more than the 4 distinct points"):
        validate_points(X, n_components=5)


@pytest.mark.parametrize("k", [0, -1, 2.5, True, "3"])
def test_validate_points_bad_k(k):
    with pytest.raises(DataError, match="k"):
        validate_points(np.eye(3), n_components=k)


def test_load_csv_missing_markers_do_not_make_a_column_text(tmp_path):
    ds = load_csv(write(tmp_path, "x,y\nNA,1\n2,?\n3,4\n5,6\n"))
    assert ds.feature_names == ("x", "y")
    np.testing.assert_array_equal(ds.X, [[3, 4], [5, 6]])
    assert ds.dropped_rows == 2
