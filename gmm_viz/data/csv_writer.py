"""Writing points as a CSV file the loader reads back (drawn data, saved to reopen)."""

from __future__ import annotations

import csv

import numpy as np

from gmm_viz.files import atomic_output


def save_points_csv(path, X, feature_names=()) -> None:
    """Write the points ``X`` (shape (n_samples, n_features)) to ``path`` as CSV, all or
    nothing (:func:`gmm_viz.files.atomic_output`), with a header of ``feature_names``
    (``x0, x1, ...`` when empty) and every value at full precision (``repr`` of the
    float), so that opening the file gives the same points, bit for bit.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"points must have shape (n_samples, n_features); got {X.shape}.")
    names = [str(n) for n in feature_names] or [f"x{i}" for i in range(X.shape[1])]
    if len(names) != X.shape[1]:
        names = [f"x{i}" for i in range(X.shape[1])]
    with atomic_output(path, what="CSV file") as tmp, open(tmp, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(names)
        for row in X:
            writer.writerow([repr(float(v)) for v in row])
