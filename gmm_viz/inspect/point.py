"""One point: find it under the mouse, and its E-step in numbers.

:class:`PointIndex` answers "which shown point is nearest to the mouse, within so many
pixels?" at a million points in microseconds, from a :class:`scipy.spatial.cKDTree` built
once per data set and pair of shown axes.

:func:`e_step_numbers` gives, for one point ``x`` (all its features) and one
:class:`~gmm_viz.engine.Snapshot`, what the E-step computes: each ``pi_k N(x | mu_k,
Sigma_k)``, their sum ``p(x)`` and the responsibilities ``gamma_k``, in log space too,
since densities far from every component underflow to 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import logsumexp

__all__ = ["PointIndex", "PointNumbers", "e_step_numbers"]

_LOG_2PI = float(np.log(2.0 * np.pi))
#: Nearest points (in tree units) whose screen distances are compared.
_CANDIDATES = 8


class PointIndex:
    """Nearest-point lookup over the points drawn on the canvas's two axes.

    The tree is built on the coordinates divided by each axis's spread (standard
    deviation), not on the raw ones. Why: a k-d tree measures one isotropic distance,
    while the screen's distance depends on each axis's data-per-pixel scale. pyqtgraph's
    "fit view" gives each axis about its data's range, so in spread units the screen is
    nearly isotropic and the few candidates the tree returns are the right ones; on raw
    coordinates whose axes have different units (minutes against hundreds of minutes, or
    1e-3 against 1e3) the tree's circle would be a long strip on the screen and would hold
    thousands of candidates. The query then measures the exact screen distance
    ``sqrt((dx / x_per_pixel)**2 + (dy / y_per_pixel)**2)``, so the answer is exact for any
    zoom of either axis (only its cost grows when the axes are zoomed very unequally).

    Parameters
    ----------
    X2d : array-like of shape (n_samples, 2)
        The shown coordinates (the two chosen columns of the data), finite.

    Raises
    ------
    ValueError
        When ``X2d`` is not a finite ``(n_samples, 2)`` array with at least one row.
    """

    def __init__(self, X2d):
        points = np.asarray(X2d, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
            raise ValueError(f"PointIndex needs an array of shape (n_samples, 2); got shape "
                             f"{points.shape}.")
        if not np.isfinite(points).all():
            raise ValueError("PointIndex needs finite coordinates (no NaN or infinity).")
        spread = points.std(axis=0)
        spread[~(spread > 0)] = 1.0  # a constant axis: any unit will do
        self._spread = spread
        self._n = len(points)
        # Unbalanced, non-compact nodes build about 2.5x faster (0.2 s instead of 0.5 s at
        # 1,000,000 points) and query as fast on data like ours.
        self._tree = cKDTree(points / spread, balanced_tree=False, compact_nodes=False)

    def __len__(self) -> int:
        return self._n

    def nearest(self, x, y, max_distance, x_per_pixel=1.0, y_per_pixel=1.0):
        """The index of the shown point nearest to ``(x, y)`` on the screen, or None.

        Parameters
        ----------
        x, y : float
            Where the mouse is, in data coordinates of the two shown axes.
        max_distance : float
            The largest distance accepted, in pixels (in data units when both scales are 1).
        x_per_pixel, y_per_pixel : float, default=1.0
            How many data units one pixel spans on each axis (the view's scale, e.g. the
            view box's ``viewPixelSize()``).

        Returns
        -------
        int or None
            The row of ``X2d``; None when no point lies within ``max_distance``.
        """
        sx, sy = float(x_per_pixel), float(y_per_pixel)
        if not (sx > 0 and sy > 0 and np.isfinite(sx) and np.isfinite(sy)):
            raise ValueError(f"the data-per-pixel scales must be positive; got {sx!r}, {sy!r}.")
        if not (max_distance >= 0) or not (np.isfinite(x) and np.isfinite(y)):
            return None
        # One pixel in tree units, per axis.
        px = np.array([sx, sy]) / self._spread
        query = np.array([x, y], dtype=np.float64) / self._spread
        coarse, fine = float(px.max()), float(px.min())
        # The nearest point in tree units is within max_distance pixels' worth of
        # tree units... when it is on screen at all: a screen distance d is at most
        # d * coarse and at least d * fine tree units.
        reach = float(max_distance) * coarse
        # A few nearest in tree units; on a screen zoomed unequally a farther one can be
        # nearer in pixels, so their pixel distances decide.
        distances, indices = self._tree.query(query, k=_CANDIDATES,
                                              distance_upper_bound=reach)
        found = np.isfinite(distances)
        if not found[0]:
            return None
        indices = indices[found]
        pixels = self._pixel_distances(indices, query, px)
        order = np.lexsort((indices, pixels))  # nearest, then lowest index
        best, best_pixels = int(indices[order[0]]), float(pixels[order[0]])
        # Every point nearer on the screen than the best lies within best_pixels * coarse
        # tree units; the candidates cover that ball unless all of them lie inside it.
        bound = min(best_pixels, float(max_distance)) * coarse
        if found.all() and distances[-1] <= bound and coarse > fine:
            candidates = np.asarray(self._tree.query_ball_point(query, bound))
            pixels = self._pixel_distances(candidates, query, px)
            order = np.lexsort((candidates, pixels))
            best, best_pixels = int(candidates[order[0]]), float(pixels[order[0]])
        return best if best_pixels <= max_distance else None

    def _pixel_distances(self, indices, query, px):
        delta = (self._tree.data[indices] - query) / px
        return np.hypot(delta[:, 0], delta[:, 1])


@dataclass(frozen=True)
class PointNumbers:
    """The E-step for one point, component by component.

    Attributes
    ----------
    x : ndarray of shape (n_features,)
        The point (every feature, not only the two shown).
    weights : ndarray of shape (n_components,)
        pi_k.
    log_density : ndarray of shape (n_components,)
        log N(x | mu_k, Sigma_k).
    density : ndarray of shape (n_components,)
        N(x | mu_k, Sigma_k); 0 where it underflows (``log_density`` stays exact).
    log_weighted : ndarray of shape (n_components,)
        log(pi_k N_k) (``-inf`` for a component of weight 0).
    weighted : ndarray of shape (n_components,)
        pi_k N_k, possibly underflowed to 0.
    log_p : float
        log p(x) = logsumexp_k log(pi_k N_k).
    p : float
        p(x) = sum_k pi_k N_k (0 when it underflows).
    log_resp : ndarray of shape (n_components,)
        log gamma_k = log(pi_k N_k) - log p(x).
    resp : ndarray of shape (n_components,)
        gamma_k, from ``log_resp`` (sums to 1 even when every density underflows).
    """

    x: np.ndarray
    weights: np.ndarray
    log_density: np.ndarray
    density: np.ndarray
    log_weighted: np.ndarray
    weighted: np.ndarray
    log_p: float
    p: float
    log_resp: np.ndarray
    resp: np.ndarray

    @property
    def n_components(self) -> int:
        return int(self.weights.shape[0])

    @property
    def underflow(self) -> bool:
        """True when some pi_k N_k underflows to 0 while its log is finite (read the logs)."""
        return bool(np.any((self.weighted == 0) & np.isfinite(self.log_weighted)))


def gaussian_log_density(x, means, covariances):
    """log N(x | mu_k, Sigma_k) for every component.

    Parameters
    ----------
    x : ndarray of shape (n_features,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray of shape (n_components, n_features, n_features)
        Full matrices (a :class:`~gmm_viz.engine.Snapshot` stores every covariance type
        so), symmetric positive definite.

    Returns
    -------
    log_density : ndarray of shape (n_components,)
    """
    x = np.asarray(x, dtype=np.float64)
    means = np.asarray(means, dtype=np.float64)
    covariances = np.asarray(covariances, dtype=np.float64)
    n_features = means.shape[1]
    diff = x - means
    try:
        # Cholesky, as scikit-learn: the Mahalanobis term and log det agree to rounding.
        chol = np.linalg.cholesky(covariances)
        solved = np.linalg.solve(chol, diff[:, :, None])[:, :, 0]
        maha = np.einsum("kd,kd->k", solved, solved)
        log_det = 2.0 * np.log(np.einsum("kdd->kd", chol)).sum(axis=1)
    except np.linalg.LinAlgError:
        # Not positive definite to rounding (the engine floors its eigenvalues, but a
        # hand-made matrix may not be): the eigenvalues, floored at the tiniest float.
        values, vectors = np.linalg.eigh(covariances)
        values = np.maximum(values, np.finfo(np.float64).tiny)
        projected = np.einsum("kdj,kd->kj", vectors, diff)
        maha = (projected**2 / values).sum(axis=1)
        log_det = np.log(values).sum(axis=1)
    return -0.5 * (n_features * _LOG_2PI + log_det + maha)


def e_step_numbers(snapshot, x) -> PointNumbers:
    """The E-step's numbers for one point under a snapshot's parameters.

    Pass the parameters that the responsibilities shown come from: at an E-step half-step
    of iteration t those are iteration t - 1's (``Frame.snapshot`` is exactly that).

    Parameters
    ----------
    snapshot : Snapshot
        Only ``weights`` (n_components,), ``means`` (n_components, n_features) and
        ``covariances`` (n_components, n_features, n_features) are read.
    x : array-like of shape (n_features,)
        The point, with all its features (not only the two shown).

    Returns
    -------
    PointNumbers

    Raises
    ------
    ValueError
        When ``x`` does not have the snapshot's number of features or is not finite.
    """
    means = np.asarray(snapshot.means, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if x.shape != (means.shape[1],):
        raise ValueError(f"the point must have shape ({means.shape[1]},), one value per "
                         f"feature; got shape {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError("the point must be finite (no NaN or infinity).")
    weights = np.asarray(snapshot.weights, dtype=np.float64)
    log_density = gaussian_log_density(x, means, snapshot.covariances)
    with np.errstate(divide="ignore"):
        log_weighted = np.log(weights) + log_density
    log_p = float(logsumexp(log_weighted))
    log_resp = log_weighted - log_p
    with np.errstate(under="ignore"):
        return PointNumbers(
            x=x.copy(),
            weights=weights.copy(),
            log_density=log_density,
            density=np.exp(log_density),
            log_weighted=log_weighted,
            weighted=np.exp(log_weighted),
            log_p=log_p,
            p=float(np.exp(log_p)),
            log_resp=log_resp,
            resp=np.exp(log_resp),
        )
