"""Data for gmm-viz: named data sets, CSV loading and the shared check on points.

Everything here returns a :class:`Dataset` or raises :class:`DataError`, whose message
names the file (when there is one), says what is wrong and what to do.

The engine and the app both call :func:`validate_points`, so "what counts as usable
points" is decided in one place, including the app's size limits
(:data:`gmm_viz.limits.MAX_POINTS` points, :data:`gmm_viz.limits.MAX_FEATURES` columns).
Every :class:`DataError` message is at most :data:`gmm_viz.limits.MAX_MESSAGE_CHARS` long.

A data set may know its points' true groups (:attr:`Dataset.labels`, with
``label_names`` and ``label_source``): the built-in data sets with groups do, and a CSV
file's text column gives them by the rule of :mod:`gmm_viz.data.csv_labels`
(``load_csv(path, label_column=...)`` names another column, or None for none).

Examples
--------
>>> from gmm_viz.data import make_dataset
>>> ds = make_dataset("blobs")
>>> ds.X.shape, ds.suggested_k
((500, 2), 5)
"""

from gmm_viz.data.csv_loader import AUTO, csv_numeric_columns, load_csv
from gmm_viz.data.dataset import DataError, Dataset, validate_points
from gmm_viz.data.generators import (
    DATASETS,
    FIXED_SIZE_DATASETS,
    MAX_N_SAMPLES,
    NOISY_DATASETS,
    DataRequest,
    dataset_names,
    make_dataset,
)

__all__ = [
    "AUTO",
    "DATASETS",
    "FIXED_SIZE_DATASETS",
    "MAX_N_SAMPLES",
    "NOISY_DATASETS",
    "DataError",
    "DataRequest",
    "Dataset",
    "csv_numeric_columns",
    "dataset_names",
    "load_csv",
    "make_dataset",
    "validate_points",
]
