"""Which components of a state are empty: drawn faded and dashed, "empty" in the table."""

from __future__ import annotations

import numpy as np


def empty_components(snapshot, k: int) -> np.ndarray:
    """Components whose weight is less than one point's worth (π_k · N < 1).

    Such a component is not a Gaussian of the fit any more (it explains less than one
    point), though EM keeps its parameters: the canvas and the table show it as empty
    rather than like a live one.

    Parameters
    ----------
    snapshot : Snapshot
        Its ``weights`` (k,) and ``nk`` (k,) (the effective counts, which sum to N).
    k : int
        Number of components.

    Returns
    -------
    ndarray of shape (k,) of bool
        All False when the snapshot lacks what is needed (a damaged one).
    """
    weights, nk = snapshot.weights, snapshot.nk
    if np.shape(weights) != (k,) or np.shape(nk) != (k,):
        return np.zeros(k, dtype=bool)
    n_points = float(np.nansum(np.asarray(nk, dtype=float)))
    if not n_points > 0:
        return np.zeros(k, dtype=bool)
    with np.errstate(invalid="ignore"):
        return ~(np.asarray(weights, dtype=float) * n_points >= 1.0)
