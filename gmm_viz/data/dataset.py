"""Data sets and the one check on points that the engine and the app share.

:class:`Dataset` is what every loader returns; :class:`DataError` is what every loader
raises, with a message that says what is wrong and what to do; :func:`validate_points`
decides what counts as usable points, including the app's size limits.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from gmm_viz.files import clip_message
from gmm_viz.limits import MAX_FEATURES, MAX_POINTS

# The distinct-point check sorts rows; a prefix of this many rows per component usually
# already holds enough distinct points, which spares sorting millions of rows.
_DISTINCT_PREFIX_PER_COMPONENT = 64
_DISTINCT_PREFIX_MIN = 1024


class DataError(ValueError):
    """Data could not be loaded or is unusable; the message says why and what to do.

    The message is cut to :data:`gmm_viz.limits.MAX_MESSAGE_CHARS` characters. Messages
    are built bounded where they are raised (a few column names and a count of the rest);
    this is the backstop, so that no file can make a message of millions of characters.
    """

    def __init__(self, message=""):
        super().__init__(clip_message(message))


def _as_numeric_array(X):
    """Turn ``X`` into an ndarray of numbers, refusing text, complex and ragged input."""
    try:
        arr = np.asarray(X)
    except (TypeError, ValueError) as exc:
        # numpy >= 1.24 refuses ragged nested lists ("inhomogeneous shape").
        raise DataError(
            f"the data is not a rectangular table of numbers ({exc}); every row must have "
            "the same number of values."
        ) from None
    if arr.dtype.kind in "USV":
        raise DataError(
            "the data contains text, not numbers; convert the values to numbers "
            "(or load the file with load_csv, which fits only the numeric columns)."
        )
    if arr.dtype.kind == "c":
        raise DataError("the data contains complex numbers; gmm-viz needs real numbers.")
    if arr.dtype.kind == "O":
        # An object array may hold numbers (e.g. Decimal) or strings; only numbers are data.
        if any(isinstance(v, (str, bytes)) for v in arr.ravel()):
            raise DataError(
                "the data contains text, not numbers; convert the values to numbers "
                "(or load the file with load_csv, which fits only the numeric columns)."
            )
    elif arr.dtype.kind not in "biuf":
        raise DataError(
            f"the data has values of type {arr.dtype}, not numbers; convert them to numbers."
        )
    try:
        return np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise DataError(f"the data contains values that are not numbers ({exc}).") from None


def _check_finite(arr):
    """Raise if ``arr`` holds NaN or infinity, saying how many and where the first one is."""
    bad = ~np.isfinite(arr)
    if not bad.any():
        return
    n_nan = int(np.isnan(arr).sum())
    n_inf = int(bad.sum()) - n_nan
    first_row = int(np.flatnonzero(bad.any(axis=1))[0])
    parts = []
    if n_nan:
        parts.append(f"{n_nan} missing (NaN) value{'s' if n_nan != 1 else ''}")
    if n_inf:
        parts.append(f"{n_inf} infinite value{'s' if n_inf != 1 else ''}")
    raise DataError(
        f"the data contains {' and '.join(parts)} (first in row {first_row}); "
        "remove those rows or fill them in before fitting."
    )


def _distinct_count_if_fewer(X, k):
    """Return the number of distinct rows of ``X`` if it is below ``k``, else None."""
    prefix = X[: max(_DISTINCT_PREFIX_PER_COMPONENT * k, _DISTINCT_PREFIX_MIN)]
    if len(np.unique(prefix, axis=0)) >= k:
        return None
    distinct = len(np.unique(X, axis=0))
    return distinct if distinct < k else None


def _check_size(n_samples, n_features, max_points, max_features):
    """Refuse more points or columns than the app fits (None: no limit)."""
    if max_points is not None and n_samples > max_points:
        raise DataError(
            f"the data has {n_samples:,} points; gmm-viz fits at most {max_points:,}. "
            "Use a sample of the points."
        )
    if max_features is not None and n_features > max_features:
        # The engine's moment features grow as n_features**2 / 2 per point.
        raise DataError(
            f"the data has {n_features:,} columns; gmm-viz fits at most {max_features} "
            "at once. Choose the columns to fit."
        )


def validate_points(X, n_components=None, *, min_features=1, max_points=MAX_POINTS,
                    max_features=MAX_FEATURES):
    """Check that ``X`` is usable as points for EM and return it as float64.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The points. Must be numeric and finite, with at least 2 rows.
    n_components : int, optional
        The number of mixture components k. If given, it must be at least 1 and at most
        the number of distinct points (EM cannot place more Gaussians than there are
        different points without some of them collapsing).
    min_features : int, default=1
        The fewest columns accepted. The estimator accepts 1; the app, which draws points
        on a plane, passes 2.
    max_points : int or None, default=MAX_POINTS
        The most rows accepted (2,000,000, the app's limit for generated data, CSV files
        and run files alike); None for no limit.
    max_features : int or None, default=MAX_FEATURES
        The most columns accepted (50: the engine's memory grows as n_features**2 per
        point); None for no limit.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        float64 and C-contiguous. No copy is made if ``X`` already is.

    Raises
    ------
    DataError
        If any of the conditions above does not hold.
    """
    arr = _as_numeric_array(X)
    if arr.ndim != 2:
        raise DataError(
            f"the data must be a 2-D array of shape (n_samples, n_features); got a "
            f"{arr.ndim}-D array of shape {arr.shape}. Use X.reshape(-1, 1) for a single "
            "feature."
        )
    n_samples, n_features = arr.shape
    # Before the finite check, which reads every value.
    _check_size(n_samples, n_features, max_points, max_features)
    if n_samples < 2:
        raise DataError(
            f"the data has {n_samples} point{'s' if n_samples != 1 else ''}; EM needs at "
            "least 2. Load more data."
        )
    if n_features < min_features:
        raise DataError(
            f"the data has {n_features} column{'s' if n_features != 1 else ''}; at least "
            f"{min_features} numeric columns are needed"
            + (" to draw points on a plane." if min_features == 2 else ".")
        )
    _check_finite(arr)
    if n_components is not None:
        if isinstance(n_components, (bool, np.bool_)) or not isinstance(
            n_components, numbers.Integral
        ):
            raise DataError(f"k (n_components) must be a whole number; got {n_components!r}.")
        k = int(n_components)
        if k < 1:
            raise DataError(f"k (n_components) must be at least 1; got {k}.")
        distinct = _distinct_count_if_fewer(arr, k)
        if distinct is not None:
            raise DataError(
                f"k = {k} is more than the {distinct} distinct points in the data; "
                f"choose k <= {distinct} or load more data."
            )
    return np.ascontiguousarray(arr, dtype=np.float64)


def _read_only_copy(arr):
    out = np.array(arr, copy=True, order="C")
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A set of points ready for EM, with what a student needs to know about it.

    Instances are immutable: the arrays are private read-only copies, so a Dataset can be
    shared between threads. Equality is identity (comparing arrays element-wise would
    make ``==`` ambiguous).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The points; stored as a read-only, C-contiguous float64 copy.
    labels : array-like of shape (n_samples,) or None
        The true group of each point where known (generators, iris, a CSV file's label
        column), else None. Whole numbers ``0 .. n_classes - 1`` (floats holding whole
        numbers are accepted; NaN is refused). Stored as a read-only int64 copy.
    suggested_k : int
        A sensible number of components to start with.
    name : str
        Short name, e.g. ``"blobs"`` or the file's stem.
    feature_names : tuple of str of length n_features
        Column names, e.g. ``("eruptions", "waiting")``.
    source : str
        Where the data came from: the generator call or the file path.
    description : str
        One or two sentences on what this data shows about EM.
    dropped_rows : int, default=0
        For files: rows skipped because a chosen column was empty, NaN, infinite or text
        (or, with a label column, because its cell was empty).
    label_names : sequence of str or None, default=None
        The name of each class of ``labels``: class ``c`` is ``label_names[c]``, e.g.
        ``("setosa", "versicolor", "virginica")``. Only with ``labels``; when labels are
        given without names the classes are named ``"0"``, ``"1"``, ... Stored as a tuple
        of str; None exactly when ``labels`` is None. A class may have no point (rows of
        a file can be dropped).
    label_source : str, default=""
        Where the labels came from, for messages: e.g. ``"the generator's clusters"`` or
        ``"column 'species'"``; ``""`` when there are no labels.
    """

    X: np.ndarray
    labels: np.ndarray | None
    suggested_k: int
    name: str
    feature_names: tuple
    source: str
    description: str
    dropped_rows: int = 0
    label_names: tuple | None = None
    label_source: str = ""

    def __post_init__(self):
        X = _read_only_copy(validate_points(self.X))
        object.__setattr__(self, "X", X)
        labels = self._checked_labels(self.labels, len(X))
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "label_names", self._checked_label_names(labels))
        object.__setattr__(self, "label_source",
                           str(self.label_source) if labels is not None else "")
        names = tuple(str(n) for n in self.feature_names)
        if len(names) != X.shape[1]:
            raise DataError(f"{self.name}: {len(names)} feature names for {X.shape[1]} columns.")
        object.__setattr__(self, "feature_names", names)
        if not isinstance(self.suggested_k, numbers.Integral) or self.suggested_k < 1:
            raise DataError(f"{self.name}: suggested_k must be an int >= 1.")
        object.__setattr__(self, "suggested_k", int(self.suggested_k))
        object.__setattr__(self, "dropped_rows", int(self.dropped_rows))

    def _checked_labels(self, labels, n_samples):
        """``labels`` as read-only int64 codes >= 0 of shape (n_samples,), or None."""
        if labels is None:
            return None
        try:
            arr = np.asarray(labels)
        except (TypeError, ValueError):  # ragged nested lists
            raise DataError(f"{self.name}: labels must be one whole number per point "
                            f"({n_samples}).") from None
        if arr.shape != (n_samples,):
            raise DataError(
                f"{self.name}: labels must be one per point ({n_samples}); got shape "
                f"{arr.shape}."
            )
        if arr.dtype.kind == "f":
            # Floats are accepted when they hold whole numbers (e.g. read from a table);
            # a NaN is a missing label, which the loader drops with its row instead.
            n_nan = int(np.isnan(arr).sum())
            if n_nan:
                raise DataError(
                    f"{self.name}: {n_nan} label{'s are' if n_nan != 1 else ' is'} missing "
                    "(NaN); give every point a class or drop those points."
                )
            if not (np.isfinite(arr).all() and np.array_equal(arr, np.round(arr))):
                raise DataError(f"{self.name}: labels must be whole numbers (class codes).")
        elif arr.dtype.kind not in "iub":
            raise DataError(
                f"{self.name}: labels must be {n_samples} whole numbers (class codes); got "
                f"values of type {arr.dtype}."
            )
        codes = arr.astype(np.int64)
        if n_samples and codes.min() < 0:
            raise DataError(f"{self.name}: labels must be class codes 0, 1, ...; got "
                            f"{int(codes.min())}.")
        return _read_only_copy(codes)

    def _checked_label_names(self, labels):
        """The class names: given (one per class code) or ``"0"``, ``"1"``, ..."""
        if labels is None:
            if self.label_names is not None:
                raise DataError(f"{self.name}: label_names were given without labels.")
            return None
        n_classes = int(labels.max()) + 1 if len(labels) else 0
        if self.label_names is None:
            return tuple(str(c) for c in range(n_classes))
        if isinstance(self.label_names, (str, bytes)):
            raise DataError(f"{self.name}: label_names must be a sequence of names, not "
                            "one text.")
        names = tuple(str(n) for n in self.label_names)
        if len(names) < n_classes:
            raise DataError(
                f"{self.name}: {len(names)} label names for class codes up to "
                f"{n_classes - 1}; give one name per class."
            )
        return names

    @property
    def n_classes(self):
        """int: The number of true classes (``len(label_names)``), 0 without labels."""
        return 0 if self.label_names is None else len(self.label_names)

    @property
    def n_samples(self):
        """int: The number of points."""
        return self.X.shape[0]

    @property
    def n_features(self):
        """int: The number of columns."""
        return self.X.shape[1]

    def __repr__(self):
        # The default repr would print every point.
        return (
            f"Dataset(name={self.name!r}, X=<{self.n_samples}x{self.n_features}>, "
            f"suggested_k={self.suggested_k}, feature_names={self.feature_names!r}, "
            f"source={self.source!r}, "
            f"labels={f'{self.n_classes} classes' if self.labels is not None else 'None'}, "
            f"dropped_rows={self.dropped_rows})"
        )
