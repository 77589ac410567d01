"""How a fit agrees with the points' true labels, and the colours that show the truth.

When a data set knows which group each point truly belongs to
(:attr:`gmm_viz.data.Dataset.labels`: the built-in data sets with groups, a CSV file's
label column), the app can colour the points by that truth and say how well the fit's
hard assignment (each point's most likely component) agrees with it. The measure is the
adjusted Rand index, exactly as scikit-learn computes it
(:func:`sklearn.metrics.adjusted_rand_score`): 1 when the two groupings are the same
whatever their numbering, about 0 for a grouping no better than chance, negative for
worse than chance. It compares groupings, so it needs no matching of classes to
components.

The colours do: :func:`class_colour_indices` pairs each true class with the component
that holds most of its points (one component per class, the pairing with the most points
in common, by the Hungarian method of :func:`scipy.optimize.linear_sum_assignment`), so
that colouring by truth and colouring by fit give a matched pair the same colour from
:mod:`gmm_viz.palette`; a class left without a component (more classes than components)
takes a colour no component uses. Nothing here imports Qt.

Examples
--------
>>> import numpy as np
>>> truth = np.array([0, 0, 1, 1, 2, 2])
>>> fitted = np.array([2, 2, 0, 0, 1, 1])  # the same groups, numbered otherwise
>>> adjusted_rand_index(truth, fitted)
1.0
>>> class_colour_indices(truth, 3, fitted, 3).tolist()
[2, 0, 1]
"""

from __future__ import annotations

import math

import numpy as np

from gmm_viz.palette import component_colors

__all__ = ["ARI_EXPLANATION", "adjusted_rand_index", "agreement_text",
           "class_colour_indices", "contingency", "truth_colours"]

#: What the ARI means, for a tooltip beside :func:`agreement_text`'s sentence.
ARI_EXPLANATION = (
    "Adjusted Rand index between the true labels and each point's most likely component: "
    "1 when they make the same groups (whatever the components' numbers), about 0 when "
    "the fit's groups are no better than chance, below 0 when worse."
)


def _labels(values, what, n=None):
    """``values`` checked as an array of shape (n,) of integer codes >= 0, or a ValueError."""
    arr = np.asarray(values)
    if arr.ndim != 1 or (n is not None and arr.shape != (n,)):
        shape = "(n_samples,)" if n is None else f"({n},)"
        raise ValueError(f"{what} must have shape {shape}; got {arr.shape}.")
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{what} must be integers (class or component codes); got "
                         f"{arr.dtype}.")
    if arr.dtype.kind == "i" and len(arr) and arr.min() < 0:
        raise ValueError(f"{what} must be codes 0, 1, ...; got {int(arr.min())}.")
    return arr  # (unsigned codes need no check; the caller widens them only once)


def _joint_codes(truth, fitted, components: int) -> np.ndarray:
    """``truth * components + fitted`` in one widened (intp) buffer, filled in place.

    The labels are small codes (uint8 from the engine): widening each of them first cost
    twice as much at a million points, and their own type would overflow.
    """
    codes = np.multiply(truth, components, dtype=np.intp)
    np.add(codes, fitted, out=codes, casting="unsafe")
    return codes


def adjusted_rand_index(true_labels, fitted_labels) -> float:
    """The adjusted Rand index of a fit against the true labels (scikit-learn's).

    Parameters
    ----------
    true_labels : array-like of shape (n_samples,), int
        The true class of each point (e.g. :attr:`Dataset.labels`).
    fitted_labels : array-like of shape (n_samples,), int
        Each point's most likely component (e.g. a snapshot's ``labels``).

    Returns
    -------
    float
        :func:`sklearn.metrics.adjusted_rand_score` of the two (the same formula; the
        tests compare them); 1.0 for the same grouping, about 0 for chance, at least -0.5.

    Raises
    ------
    ValueError
        If the two are not integer codes of the same length.
    """
    truth = _labels(true_labels, "true_labels")
    fitted = _labels(fitted_labels, "fitted_labels", len(truth))
    n = len(truth)
    if n == 0:
        return 1.0
    # scikit-learn's adjusted_rand_score, from its pair confusion matrix, but with the
    # contingency table counted by one bincount of the dense codes: it finds the classes
    # with np.unique and builds a sparse matrix first, 240 ms at a million points, where
    # this takes a few (the window computes it for every iteration shown while playing).
    classes, components = int(truth.max()) + 1, int(fitted.max()) + 1
    table = np.bincount(_joint_codes(truth, fitted, components),
                        minlength=classes * components).reshape(classes, components)
    n_c, n_k = table.sum(axis=1), table.sum(axis=0)
    sum_squares = int((table.astype(np.int64) ** 2).sum())
    tp = sum_squares - n
    fp = int(table.dot(n_k).sum()) - sum_squares
    fn = int(table.T.dot(n_c).sum()) - sum_squares
    tn = n * n - fp - fn - sum_squares
    if fn == 0 and fp == 0:  # the same grouping (also a single cluster on both sides)
        return 1.0
    return float(2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)))


def _ari_shown(ari):
    """``ari`` with two decimals, never rounded to a 1 that it is not (nor to -0.00)."""
    if ari == 1.0:
        return "1"
    text = f"{ari:.2f}"
    if text == "1.00":
        text = f"{ari:.3f}" if f"{ari:.3f}" != "1.000" else "0.999+"
    return "0.00" if text == "-0.00" else text


def agreement_text(ari, label_source: str = "") -> str:
    """The one sentence the app shows on how the fit agrees with the true labels.

    Parameters
    ----------
    ari : float or None
        From :func:`adjusted_rand_index` for the state on screen; None (no fitted labels
        yet, or no true labels) gives ``""``.
    label_source : str, optional
        Where the labels come from (:attr:`Dataset.label_source`), e.g.
        ``"column 'species'"``; named in brackets when given.

    Returns
    -------
    str
        E.g. ``"Agreement with the true labels (column 'species'): ARI 0.90"``; an exact
        match says ``"ARI 1 (the same groups)"``.
    """
    if ari is None:
        return ""
    ari = float(ari)
    if not math.isfinite(ari):
        raise ValueError(f"the ARI must be a finite number; got {ari!r}.")
    source = f" ({label_source})" if label_source else ""
    value = _ari_shown(ari)
    if value == "1":
        value += " (the same groups)"
    return f"Agreement with the true labels{source}: ARI {value}"


def contingency(true_labels, fitted_labels, n_classes: int, n_components: int) -> np.ndarray:
    """How many points of each true class each component holds.

    Parameters
    ----------
    true_labels, fitted_labels : array-like of shape (n_samples,), int
        Codes below ``n_classes`` and ``n_components``.
    n_classes, n_components : int

    Returns
    -------
    counts : ndarray of shape (n_classes, n_components), int64
        ``counts[c, k]`` points of class ``c`` have component ``k`` as most likely.
    """
    truth = _labels(true_labels, "true_labels")
    fitted = _labels(fitted_labels, "fitted_labels", len(truth))
    if len(truth) and (truth.max() >= n_classes or fitted.max() >= n_components):
        raise ValueError(f"codes must be below n_classes={n_classes} and "
                         f"n_components={n_components}.")
    flat = np.bincount(_joint_codes(truth, fitted, n_components),
                       minlength=n_classes * n_components)
    return flat.reshape(n_classes, n_components)


def class_colour_indices(true_labels, n_classes: int, fitted_labels=None,
                         n_components: int = 0) -> np.ndarray:
    """The palette index each true class is drawn with.

    Parameters
    ----------
    true_labels : array-like of shape (n_samples,), int
        Codes below ``n_classes``.
    n_classes : int
        The number of classes (:attr:`Dataset.n_classes`), 1 or more.
    fitted_labels : array-like of shape (n_samples,), int, optional
        Each point's most likely component. Without it class ``c`` takes colour ``c``.
    n_components : int, default=0
        The number of components (needed with ``fitted_labels``).

    Returns
    -------
    indices : ndarray of shape (n_classes,), int64
        Distinct. With fitted labels, a class matched to component ``k`` has index ``k``
        (the component's own colour, :func:`gmm_viz.palette.component_colors`); the
        matching has the most points in common of any one-to-one pairing. Classes left
        over take ``n_components``, ``n_components + 1``, ..., colours no component
        uses (until the palette's 20 cycle).
    """
    n_classes = int(n_classes)
    if n_classes < 1:
        raise ValueError(f"n_classes must be at least 1; got {n_classes}.")
    if fitted_labels is None:
        truth = _labels(true_labels, "true_labels")
        if len(truth) and truth.max() >= n_classes:
            raise ValueError(f"true_labels must be codes below n_classes={n_classes}; got "
                             f"{int(truth.max())}.")
        return np.arange(n_classes, dtype=np.int64)
    from scipy.optimize import linear_sum_assignment

    counts = contingency(true_labels, fitted_labels, n_classes, int(n_components))
    rows, cols = linear_sum_assignment(counts, maximize=True)
    indices = np.full(n_classes, -1, dtype=np.int64)
    indices[rows] = cols
    left = np.flatnonzero(indices < 0)
    indices[left] = int(n_components) + np.arange(len(left))
    return indices


def truth_colours(true_labels, n_classes: int, fitted_labels=None,
                  n_components: int = 0) -> np.ndarray:
    """Point colours by true class, the colour of its matched component where it has one.

    Parameters
    ----------
    true_labels, n_classes, fitted_labels, n_components
        As in :func:`class_colour_indices`.

    Returns
    -------
    point_colors : ndarray of shape (n_samples, 3), uint8
        RGB per point, as the canvas's ``point_colors`` (and
        :attr:`gmm_viz.run.session.Frame.point_colors`) take them.
    """
    truth = _labels(true_labels, "true_labels")
    indices = class_colour_indices(truth, n_classes, fitted_labels, n_components)
    palette = component_colors(int(indices.max()) + 1)
    return palette[indices][truth]
