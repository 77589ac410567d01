"""Points drawn and erased by hand: the new data of each edit, and Undo/Redo of them.

Pure numpy, no Qt. A :class:`~gmm_viz.data.Dataset` is immutable and holds at least two
points, so every edit makes a new data object:

- :func:`edited_data` builds a Dataset with the same name and feature names, its
  ``source`` marked as edited by hand (:func:`is_edited`), or a :class:`DrawnPoints`
  while there are fewer than two points (an empty canvas to draw on);
- :class:`DataHistory` keeps the data before each edit for Undo and Redo, bounded in
  states and in bytes. The data objects themselves are kept, so Undo gives back exactly
  (bit for bit) the points there were.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_viz.limits import MAX_POINTS

#: ``Dataset.source`` of data changed by hand starts with this.
EDITED_SOURCE = "edited by hand"
#: ``source`` of points drawn on an empty canvas.
DRAWN_SOURCE = "drawn by hand"
#: Most data states Undo can go back (and Redo forward) over.
UNDO_STATES = 50
#: Most bytes of points the Undo and Redo stacks hold together (the oldest states go
#: first). The state just before the newest edit is always kept, whatever its size: one
#: copy of the data at most, which the data itself already costs.
UNDO_BUDGET_BYTES = 256 << 20


@dataclass(frozen=True, eq=False, repr=False)
class DrawnPoints:
    """Points on a canvas too few for EM (fewer than two): what a person draws on.

    Duck-types what the views read of a :class:`~gmm_viz.data.Dataset` (``X``,
    ``name``, ``feature_names``, ``labels``...). Equality is identity.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        ``n_samples`` may be 0 or 1; stored read-only.
    feature_names : tuple of str of length n_features
    name : str
    """

    X: np.ndarray
    feature_names: tuple = ("x", "y")
    name: str = "drawn points"
    source: str = DRAWN_SOURCE
    description: str = ""
    suggested_k: int = 1
    labels: None = None
    label_names: None = None
    label_source: str = ""
    dropped_rows: int = 0

    def __post_init__(self):
        names = tuple(str(n) for n in self.feature_names)
        X = np.array(self.X, dtype=np.float64, copy=True).reshape(-1, len(names))
        X.setflags(write=False)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "feature_names", names)

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int:
        return 0

    def __repr__(self):
        return f"DrawnPoints(X=<{self.n_samples}x{self.n_features}>, name={self.name!r})"


def empty_canvas(feature_names=("x", "y"), name: str = "drawn points") -> DrawnPoints:
    """No points yet, with these axes: a canvas to draw on."""
    names = tuple(feature_names)
    return DrawnPoints(np.empty((0, len(names))), names, name)


def is_edited(dataset) -> bool:
    """True for data drawn or changed by hand (to be saved as points, not regenerated)."""
    source = str(getattr(dataset, "source", ""))
    return isinstance(dataset, DrawnPoints) or source.startswith(
        (EDITED_SOURCE, DRAWN_SOURCE))


def edited_data(dataset, X, labels=None):
    """The data after an edit: ``X`` with the name and feature names of ``dataset``.

    Parameters
    ----------
    dataset : Dataset or DrawnPoints
        The data before the edit.
    X : ndarray of shape (n_samples, n_features)
    labels : ndarray of shape (n_samples,) or None
        True labels of the points, when each one has one (points removed from labelled
        data); drawn points have none, so data with drawn points has none.

    Returns
    -------
    Dataset or DrawnPoints
        A Dataset whose ``source`` says it was edited by hand (``"edited by hand
        (from <source>)"``, ``"drawn by hand"`` when it began empty), or DrawnPoints for
        fewer than two points.

    Raises
    ------
    gmm_viz.data.DataError
        Points that are not finite, too many, or of the wrong width.
    """
    from gmm_viz.data import Dataset

    X = np.asarray(X, dtype=np.float64)
    names = tuple(dataset.feature_names)
    if len(X) < 2:
        return DrawnPoints(X.reshape(-1, len(names)), names, dataset.name)
    source = str(getattr(dataset, "source", ""))
    if not source.startswith((EDITED_SOURCE, DRAWN_SOURCE)):
        source = f"{EDITED_SOURCE} (from {source})" if source else EDITED_SOURCE
    keep_labels = labels is not None and getattr(dataset, "labels", None) is not None
    description = "Points drawn or erased by hand." if source.startswith(
        (EDITED_SOURCE, DRAWN_SOURCE)) else ""
    return Dataset(
        X=X, labels=labels if keep_labels else None,
        suggested_k=int(getattr(dataset, "suggested_k", 1) or 1), name=dataset.name,
        feature_names=names, source=source, description=description,
        label_names=dataset.label_names if keep_labels else None,
        label_source=dataset.label_source if keep_labels else "")


def checked_new_points(points, n_features: int, n_existing: int) -> np.ndarray:
    """Points to add, as an array of shape (m, n_features), or a clear ValueError.

    Parameters
    ----------
    points : array-like of shape (m, n_features) or (n_features,)
    n_features : int
    n_existing : int
        Points already there (the total must stay within MAX_POINTS).
    """
    try:
        array = np.array(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("points to add must be numbers, one row of "
                         f"{n_features} per point.") from None
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape[1] != n_features:
        raise ValueError(f"points to add must have {n_features} coordinates each (one per "
                         f"feature); got an array of shape {np.shape(points)}.")
    if len(array) == 0:
        raise ValueError("no points to add.")
    if not np.isfinite(array).all():
        raise ValueError("points to add must be finite numbers (no NaN or infinity).")
    if n_existing + len(array) > MAX_POINTS:
        raise ValueError(f"adding {len(array):,} points would make {n_existing + len(array):,};"
                         f" gmm-viz fits at most {MAX_POINTS:,}.")
    return array


def checked_indices(indices, n_samples: int) -> np.ndarray:
    """Point indices to remove, sorted and distinct, or a clear ValueError."""
    try:
        array = np.array(indices)
    except (TypeError, ValueError):
        raise ValueError("points to remove are given by their indices (whole numbers)."
                         ) from None
    array = array.reshape(-1)
    if array.size == 0:
        raise ValueError("no points to remove.")
    if array.dtype.kind not in "iu":
        raise ValueError("points to remove are given by their indices (whole numbers); "
                         f"got values of type {array.dtype}.")
    if array.min() < 0 or array.max() >= n_samples:
        raise ValueError(f"point indices must be from 0 to {n_samples - 1}; got "
                         f"{int(array.min()) if array.min() < 0 else int(array.max())}.")
    return np.unique(array)


class DataHistory:
    """Undo and Redo of data edits: the data before (and after) each edit.

    Parameters
    ----------
    max_states : int
        Most states on the Undo and Redo stacks together.
    budget_bytes : int
        Most bytes of points they hold together (see :data:`UNDO_BUDGET_BYTES`).
    """

    def __init__(self, max_states: int = UNDO_STATES, budget_bytes: int = UNDO_BUDGET_BYTES):
        self.max_states = int(max_states)
        self.budget_bytes = int(budget_bytes)
        self._undo = []  # oldest first
        self._redo = []  # the next redo last

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def nbytes(self) -> int:
        """Bytes of the points held (shared arrays counted once)."""
        seen, total = set(), 0
        for data in self._undo + self._redo:
            if id(data.X) not in seen:
                seen.add(id(data.X))
                total += int(data.X.nbytes)
        return total

    def __len__(self) -> int:
        return len(self._undo) + len(self._redo)

    def edited(self, before):
        """An edit replaced ``before``: it can be undone; the Redo stack is dropped."""
        self._redo.clear()
        self._undo.append(before)
        self._bound()

    def undo(self, current):
        """The data to go back to (``current`` goes on the Redo stack)."""
        if not self._undo:
            raise IndexError("nothing to undo.")
        self._redo.append(current)
        return self._undo.pop()

    def redo(self, current):
        """The data to go forward to (``current`` goes on the Undo stack)."""
        if not self._redo:
            raise IndexError("nothing to redo.")
        self._undo.append(current)
        return self._redo.pop()

    def clear(self):
        self._undo.clear()
        self._redo.clear()

    def _bound(self):
        """Drop the oldest undo states beyond the limits (the newest one stays)."""
        while len(self) > self.max_states or (self.nbytes > self.budget_bytes
                                              and len(self._undo) > 1):
            if len(self._undo) > 1:
                self._undo.pop(0)
            else:
                break
