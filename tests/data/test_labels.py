"""True labels: the Dataset's fields, the built-in data sets' groups, a CSV file's label
column (the rule, the choice, the messages) and the CSV hint on choosing k."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_iris

from gmm_viz.data import DataError, Dataset, csv_loader, load_csv, make_dataset
from gmm_viz.data.csv_labels import MAX_LABEL_VALUES


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def iris_csv(tmp_path, *, blank_label_rows=(), blank_number_rows=(), extra=""):
    """Iris as a file: four numbers, the species, and an id (one value per row)."""
    bunch = load_iris()
    lines = ["sl,sw,pl,pw,species,id" + (",extra" if extra else "")]
    for i, (x, y) in enumerate(zip(bunch.data, bunch.target)):
        cells = [str(v) for v in x]
        if i in blank_number_rows:
            cells[1] = ""
        cells.append("" if i in blank_label_rows else str(bunch.target_names[y]))
        cells.append(f"flower-{i}")
        if extra:
            cells.append(extra[i % len(extra)])
        lines.append(",".join(cells))
    return write(tmp_path, "\n".join(lines) + "\n", "iris.csv")


# ---------------------------------------------------------------------------- Dataset


def _ds(labels, label_names=None, n=4):
    return Dataset(np.arange(2.0 * n).reshape(n, 2), labels, 2, "t", ("a", "b"), "test", "",
                   label_names=label_names)


def test_dataset_keeps_the_positional_call_and_has_no_labels_by_default():
    ds = Dataset(np.eye(3), None, 1, "tiny", ("x", "y", "z"), "test", "")
    assert ds.labels is None and ds.label_names is None and ds.label_source == ""
    assert ds.n_classes == 0


def test_dataset_labels_are_read_only_int64_with_names():
    ds = _ds([0, 1, 1, 0], ("a", "b"))
    assert ds.labels.dtype == np.int64 and ds.labels.shape == (4,)
    assert not ds.labels.flags.writeable
    assert ds.label_names == ("a", "b") and ds.n_classes == 2


def test_dataset_names_classes_by_their_codes_when_no_names_are_given():
    assert _ds([0, 2, 1, 2]).label_names == ("0", "1", "2")


def test_dataset_accepts_whole_floats_and_refuses_nan():
    np.testing.assert_array_equal(_ds(np.array([0.0, 1.0, 1.0, 0.0])).labels, [0, 1, 1, 0])
    with pytest.raises(DataError, match="1 label is missing"):
        _ds(np.array([0.0, np.nan, 1.0, 0.0]))
    with pytest.raises(DataError, match="whole numbers"):
        _ds(np.array([0.0, 0.5, 1.0, 0.0]))


@pytest.mark.parametrize(("labels", "names", "match"), [
    ([0, 1, 1], None, "one per point"),
    ([[0, 1], [1, 0]], None, "one per point"),
    (["a", "b", "a", "b"], None, "whole numbers"),
    ([0, -1, 1, 0], None, "class codes 0, 1"),
    ([0, 1, 2, 0], ("a", "b"), "2 label names for class codes up to 2"),
    ([0, 1, 1, 0], "ab", "not one text"),
])
def test_dataset_refuses_bad_labels(labels, names, match):
    with pytest.raises(DataError, match=match):
        _ds(labels, names)


def test_dataset_refuses_names_without_labels():
    with pytest.raises(DataError, match="without labels"):
        _ds(None, ("a", "b"))


# ---------------------------------------------------------------------------- generators


@pytest.mark.parametrize(("name", "names"), [
    ("blobs", ("cluster 1", "cluster 2", "cluster 3", "cluster 4", "cluster 5")),
    ("moons", ("upper moon", "lower moon")),
    ("circles", ("outer ring", "inner ring")),
    ("varied", ("std 1.0", "std 2.5", "std 0.5")),
    ("aniso", ("cluster 1", "cluster 2", "cluster 3")),
    ("iris", ("setosa", "versicolor", "virginica")),
])
def test_built_in_data_sets_with_groups_name_them(name, names):
    ds = make_dataset(name)
    assert ds.label_names == names
    assert sorted(set(ds.labels.tolist())) == list(range(len(names)))
    assert ds.label_source


def test_moons_and_circles_name_their_classes_truly():
    moons = make_dataset("moons")
    upper = moons.X[moons.labels == 0, 1].mean()
    lower = moons.X[moons.labels == 1, 1].mean()
    assert upper > lower
    circles = make_dataset("circles")
    radius = np.linalg.norm(circles.X, axis=1)
    assert radius[circles.labels == 0].mean() > radius[circles.labels == 1].mean()
    varied = make_dataset("varied")
    spreads = [varied.X[varied.labels == c].std() for c in range(3)]
    assert np.argsort(spreads).tolist() == [2, 0, 1]  # std 0.5 < 1.0 < 2.5


@pytest.mark.parametrize("name", ["faithful", "uniform"])
def test_data_sets_without_known_groups_have_no_labels(name):
    ds = make_dataset(name)
    assert ds.labels is None and ds.label_names is None and ds.label_source == ""


# ---------------------------------------------------------------------------- CSV: the rule


def test_a_species_column_becomes_the_true_labels(tmp_path):
    bunch = load_iris()
    ds = load_csv(iris_csv(tmp_path))
    np.testing.assert_array_equal(ds.X, bunch.data)  # numbers stay features, in order
    assert ds.feature_names == ("sl", "sw", "pl", "pw")
    assert ds.label_names == ("setosa", "versicolor", "virginica")
    np.testing.assert_array_equal(ds.labels, bunch.target)
    assert ds.label_source == "column 'species'"
    assert ("Column 'species' (3 values: setosa, versicolor, virginica) is used as the "
            "true labels.") in ds.description
    # The id column is text too, but a different value in every row.
    assert "Not used as labels: 'id' has more than 50 different values." in ds.description


def test_no_label_column_when_asked_for_none(tmp_path):
    ds = load_csv(iris_csv(tmp_path), label_column=None)
    assert ds.labels is None and ds.label_names is None
    assert "labels" not in ds.description
    assert ds.X.shape == (150, 4)


def test_the_caller_can_name_the_label_column(tmp_path):
    path = iris_csv(tmp_path, extra="pq")
    ds = load_csv(path)  # the first usable column by default
    assert ds.label_source == "column 'species'"
    assert "'extra' could be instead" in ds.description
    by_name = load_csv(path, label_column="EXTRA")  # names match ignoring case
    assert by_name.label_names == ("p", "q") and by_name.label_source == "column 'extra'"
    np.testing.assert_array_equal(by_name.labels, np.arange(150) % 2)
    assert load_csv(path, label_column=6).label_source == "column 'extra'"


@pytest.mark.parametrize(("column", "match"), [
    ("id", "column 'id' cannot be the true labels: it has more than 50 different values"),
    ("pl", "column 'pl' is numeric, so it is fitted"),
    ("nope", "no column named 'nope' for the labels"),
    (9, "label column index 9 is out of range"),
    (True, "must be a name or a 0-based index"),
])
def test_a_named_label_column_that_cannot_be_labels_says_why(tmp_path, column, match):
    with pytest.raises(DataError, match=match) as info:
        load_csv(iris_csv(tmp_path), label_column=column)
    assert str(info.value).startswith(str(tmp_path / "iris.csv"))


def test_one_value_is_not_labels_and_the_message_says_so(tmp_path):
    text = "x,y,kind\n" + "".join(f"{i},{i * i % 7},same\n" for i in range(20))
    ds = load_csv(write(tmp_path, text))
    assert ds.labels is None
    assert "Not used as labels: 'kind' has one value only." in ds.description


def test_a_value_per_row_is_not_labels_and_the_message_says_so(tmp_path):
    text = "x,y,name\n" + "".join(f"{i},{i * i % 7},n{i % 6}\n" for i in range(10))
    ds = load_csv(write(tmp_path, text))
    assert ds.labels is None
    assert ("Not used as labels: 'name' has a different value in almost every row "
            "(6 values in 10 rows).") in ds.description


def test_the_limits_of_the_rule(tmp_path):
    def rows(n_values, n_rows):
        return "x,y,g\n" + "".join(f"{i},{(i * 7) % 11},g{i % n_values}\n"
                                   for i in range(n_rows))

    # At most one value per two rows, 2 to MAX_LABEL_VALUES values.
    assert load_csv(write(tmp_path, rows(5, 10))).n_classes == 5
    assert load_csv(write(tmp_path, rows(5, 9))).labels is None
    many = load_csv(write(tmp_path, rows(MAX_LABEL_VALUES, 2 * MAX_LABEL_VALUES)))
    assert many.n_classes == MAX_LABEL_VALUES
    too_many = load_csv(write(tmp_path, rows(MAX_LABEL_VALUES + 1, 200)))
    assert too_many.labels is None
    assert "'g' has more than 50 different values" in too_many.description


def test_numbers_stay_features_even_with_few_values(tmp_path):
    text = "x,y,class\n" + "".join(f"{i},{i % 5},{i % 3}\n" for i in range(30))
    ds = load_csv(write(tmp_path, text))
    assert ds.feature_names == ("x", "y", "class") and ds.labels is None


def test_rows_without_a_label_are_dropped_and_counted(tmp_path):
    bunch = load_iris()
    path = iris_csv(tmp_path, blank_label_rows={3, 70}, blank_number_rows={3, 10})
    ds = load_csv(path)
    kept = np.setdiff1d(np.arange(150), [3, 10, 70])
    np.testing.assert_array_equal(ds.X, bunch.data[kept])
    np.testing.assert_array_equal(ds.labels, bunch.target[kept])  # still aligned
    assert ds.dropped_rows == 3
    # Row 3 lacks both: it counts once, for its number.
    assert ("3 rows were skipped: 2 with missing or non-numeric values and 1 with no label "
            "in 'species'.") in ds.description
    # Without the labels, the rows missing only a label are kept.
    assert load_csv(path, label_column=None).X.shape == (148, 4)


def test_missing_value_markers_are_no_label(tmp_path):
    text = "x,y,g\n" + "".join(f"{i},{i % 4},{'NA' if i == 5 else 'ab'[i % 2]}\n"
                               for i in range(12))
    ds = load_csv(write(tmp_path, text))
    assert ds.label_names == ("a", "b") and len(ds.labels) == 11
    assert "1 row with no label in 'g' was skipped." in ds.description


def test_a_file_without_a_header_names_its_label_column(tmp_path):
    text = "".join(f"{i},{'uv'[i % 2]},{i % 3}\n" for i in range(8))
    ds = load_csv(write(tmp_path, text))
    assert ds.feature_names == ("column 1", "column 3")
    assert ds.label_source == "column 'column 2'" and ds.label_names == ("u", "v")


def test_csv_table_lists_its_label_columns_and_loads_any(tmp_path):
    table = csv_loader.read_csv_table(iris_csv(tmp_path, extra="pqr"))
    assert table.label_columns == [("species", 3), ("extra", 3)]
    assert table.dataset(["sl", "pw"]).label_source == "column 'species'"
    assert table.dataset(["sl", "pw"], label_column="extra").label_names == ("p", "q", "r")
    assert table.dataset(["sl", "pw"], label_column=None).labels is None
    numeric = csv_loader.read_csv_table(write(tmp_path, "x,y\n1,2\n3,4\n"))
    assert numeric.label_columns == []


def test_long_label_values_keep_the_description_bounded(tmp_path):
    from gmm_viz.limits import MAX_MESSAGE_CHARS

    long = ["a" * 5000 + str(c) for c in range(8)]
    text = "x,y," + "h" * 3000 + "\n" + "".join(f"{i},{i % 5},{long[i % 8]}\n"
                                                for i in range(40))
    ds = load_csv(write(tmp_path, text))
    assert ds.n_classes == 8 and ds.label_names[0] == long[0]  # names are kept whole
    assert len(ds.description) <= MAX_MESSAGE_CHARS


# ---------------------------------------------------------------------------- the hint


def test_the_hint_compares_bic_not_log_likelihoods(tmp_path):
    ds = load_csv(write(tmp_path, "x,y\n1,2\n3,4\n5,7\n"))
    assert "compare the log-likelihoods" not in ds.description
    assert ("To choose k, compare BIC across values of k (lower is better; the "
            "log-likelihood always grows with k): Analyse > Model selection… in the app, or "
            "gmm-viz select.") in ds.description


def test_the_hint_is_true_bic_picks_the_groups_where_the_likelihood_keeps_growing():
    from gmm_viz.engine.estimator import GaussianMixtureEM

    X = make_dataset("blobs").X
    fits = {k: GaussianMixtureEM(n_components=k, random_state=0).fit(X) for k in (2, 5, 8)}
    assert fits[2].score(X) < fits[5].score(X) < fits[8].score(X)
    assert fits[5].bic(X) < fits[2].bic(X) and fits[5].bic(X) < fits[8].bic(X)
