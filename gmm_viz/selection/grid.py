"""The model grid: every k and covariance type fitted, with BIC and AIC, cancellable.

:func:`fit_grid` fits a Gaussian mixture for each covariance type and each k (R's mclust
draws the same grid as one BIC line per covariance type), ``n_init`` starts per model,
and keeps each model's best start. It checks the cancel flag before every EM iteration,
so a Cancel stops it within one iteration (milliseconds at thousands of points), and it
reports after every model, so a progress bar can follow. The criteria are scikit-learn's
(:mod:`gmm_viz.selection.criteria`). Plain Python, no Qt and no thread: the window runs it
in a :class:`~gmm_viz.selection.background.BackgroundJob`, the ``select`` command directly.

Starts use scikit-learn's default, ``kmeans`` initialisation, and no singularity rule, as
scikit-learn's ``GaussianMixture`` (the study's ``random_range`` starts make the curves as
ragged as its findings; ``k-means++`` starts each component from one point, which a tied
covariance cannot recover from: on the study's blobs every tied model stays at k = 1's
likelihood, in scikit-learn too). k-means runs on one OpenMP thread and the products on
one BLAS thread: on 2 shared cores scikit-learn's threads spin against the other work
(a k-means start took 24-72 ms with them, 3-5 ms without, measured on the 500 blobs). A start whose covariance collapsed
onto a point or a line (an eigenvalue below :data:`DEGENERATE_EIGENVALUE` of the data's
variance) has an unbounded likelihood, not a better model: it is not counted, and a model
with no other start has no value (mclust's missing BIC).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_viz.engine.config import COVARIANCE_TYPES
from gmm_viz.limits import MAX_K
from gmm_viz.progress import Cancelled
from gmm_viz.selection.criteria import CRITERIA, aic, bic, n_parameters

__all__ = ["DEFAULT_N_INIT", "DEGENERATE_EIGENVALUE", "GRID_INIT_NAME", "GridResult", "ModelFit", "fit_grid",
           "fit_model", "parse_k_range"]

#: The initialisation of every start of the grid (scikit-learn's default).
GRID_INIT_NAME = "kmeans"
#: Starts per model unless asked otherwise.
DEFAULT_N_INIT = 3
#: An eigenvalue below this fraction of the data's mean variance marks a collapsed start.
DEGENERATE_EIGENVALUE = 1e-8


@dataclass(frozen=True)
class ModelFit:
    """The best start of one model (k, covariance type).

    Attributes
    ----------
    n_components : int
    covariance_type : str
    n_parameters : int
        scikit-learn's count of free parameters.
    log_likelihood : float
        Total log-likelihood of the best start (NaN when every start collapsed).
    bic, aic : float
        NaN when every start collapsed.
    n_iter : int
        Iterations of the best start.
    converged : bool
    seed : int
        Seed of the best start (run it again with this seed).
    n_init : int
        Starts tried.
    collapsed : int
        Starts not counted because a covariance collapsed.
    snapshot : Snapshot or None
        The best start's final state (weights, means, full covariances), without labels.
    """

    n_components: int
    covariance_type: str
    n_parameters: int
    log_likelihood: float
    bic: float
    aic: float
    n_iter: int
    converged: bool
    seed: int
    n_init: int
    collapsed: int
    snapshot: object = None

    @property
    def valid(self) -> bool:
        """A start that did not collapse was found."""
        return bool(np.isfinite(self.log_likelihood))

    def value(self, criterion: str) -> float:
        """``bic`` or ``aic``."""
        if criterion not in CRITERIA:
            raise ValueError(f"criterion must be one of {', '.join(CRITERIA)}; got "
                             f"{criterion!r}.")
        return getattr(self, criterion)

    def to_dict(self) -> dict:
        """JSON-ready: every field but the snapshot (NaN becomes None)."""
        def number(v):
            return float(v) if np.isfinite(v) else None

        return {"k": self.n_components, "covariance_type": self.covariance_type,
                "n_parameters": self.n_parameters,
                "log_likelihood": number(self.log_likelihood), "bic": number(self.bic),
                "aic": number(self.aic), "n_iter": self.n_iter, "converged": self.converged,
                "seed": self.seed, "n_init": self.n_init, "collapsed_starts": self.collapsed}


@dataclass(frozen=True)
class GridResult:
    """Every model fitted (possibly only part of the grid, when cancelled).

    Attributes
    ----------
    fits : tuple of ModelFit
        In the order fitted: covariance type by covariance type, k ascending.
    ks : tuple of int
    covariance_types : tuple of str
    n_samples, n_features : int
    complete : bool
        Every model of the grid was fitted.
    """

    fits: tuple
    ks: tuple
    covariance_types: tuple
    n_samples: int
    n_features: int
    complete: bool = True

    def fit(self, covariance_type: str, k: int) -> ModelFit | None:
        """The model (k, covariance type), or None when it was not fitted."""
        for fit in self.fits:
            if fit.covariance_type == covariance_type and fit.n_components == k:
                return fit
        return None

    def best(self, criterion: str = "bic") -> ModelFit | None:
        """The model with the lowest criterion (the first of equals), or None."""
        valid = [f for f in self.fits if f.valid]
        if not valid:
            return None
        return min(valid, key=lambda f: f.value(criterion))

    def line(self, covariance_type: str, criterion: str = "bic"):
        """One covariance type's curve.

        Returns
        -------
        ks : ndarray of shape (n,)
        values : ndarray of shape (n,)
            NaN where the model collapsed.
        """
        fits = [f for f in self.fits if f.covariance_type == covariance_type]
        return (np.array([f.n_components for f in fits], dtype=int),
                np.array([f.value(criterion) for f in fits], dtype=float))


def parse_k_range(text: str) -> tuple:
    """``"1-10"`` → ``(1, ..., 10)``; ``"3"`` → ``(3,)``; ``"2,4,6"`` too.

    Raises
    ------
    ValueError
        The message says what is allowed (1 to :data:`~gmm_viz.limits.MAX_K`).
    """
    ks = set()
    for part in str(text).replace(" ", "").split(","):
        low, sep, high = part.partition("-")
        try:
            a = int(low)
            b = int(high) if sep else a
        except ValueError:
            raise ValueError(f"k must look like 1-10, 4 or 2,4,6 (whole numbers from 1 to "
                             f"{MAX_K}); got {text!r}") from None
        if not (1 <= a <= MAX_K and 1 <= b <= MAX_K) or a > b:
            raise ValueError(f"k must be from 1 to {MAX_K}, the lower end first; got {text!r}")
        ks.update(range(a, b + 1))
    return tuple(sorted(ks))


def _collapsed(snapshot, variance: float) -> bool:
    return bool(np.min(snapshot.min_eigenvalue) < DEGENERATE_EIGENVALUE * variance
                or not np.isfinite(snapshot.log_likelihood))


def fit_model(X, n_components: int, covariance_type: str, n_init: int = DEFAULT_N_INIT, *,
              init: str = GRID_INIT_NAME, random_state: int = 0, max_iter: int = 100,
              tol: float = 1e-3, reg_covar: float = 1e-6, cancel=None,
              on_step=None) -> ModelFit:
    """Fit one model from ``n_init`` starts and keep the best that did not collapse.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    n_components : int
    covariance_type : str
    n_init : int
        Starts, seeded ``random_state, random_state + 1, ...``.
    init, max_iter, tol, reg_covar
        As :class:`~gmm_viz.engine.EMConfig` (no singularity rule).
    cancel : callable, optional
        Asked before every EM iteration; True raises :class:`~gmm_viz.progress.Cancelled`.
    on_step : callable, optional
        Called after every EM iteration (progress within a model on large data).

    Returns
    -------
    ModelFit

    Raises
    ------
    Cancelled
    ConfigError, DataError
        The model cannot be fitted to these data (k above the distinct points, say).
    """
    from gmm_viz.engine import EMConfig, EMEngine

    X = np.asarray(X, dtype=np.float64)
    n_samples, n_features = X.shape
    variance = float(X.var(axis=0).mean()) or 1.0
    best, best_seed, collapsed = None, int(random_state), 0
    for start in range(int(n_init)):
        if cancel is not None and cancel():
            raise Cancelled("cancelled")
        seed = int(random_state) + start
        config = EMConfig(n_components=int(n_components), covariance_type=covariance_type,
                          init=init, rule="none", reg_covar=reg_covar, tol=tol,
                          max_iter=max_iter, random_state=seed, compute_labels=False)
        engine = EMEngine(X, config)
        while not engine.finished:
            if cancel is not None and cancel():
                raise Cancelled("cancelled")
            engine.step()
            if on_step is not None:
                on_step()
        final = engine.snapshot
        if _collapsed(final, variance):
            collapsed += 1
            continue
        if best is None or final.log_likelihood > best.log_likelihood:
            best, best_seed = final, seed
    p = n_parameters(n_components, n_features, covariance_type)
    if best is None:
        nan = float("nan")
        return ModelFit(int(n_components), covariance_type, p, nan, nan, nan, 0, False,
                        best_seed, int(n_init), collapsed, None)
    ll = float(best.log_likelihood)
    return ModelFit(
        int(n_components), covariance_type, p, ll,
        bic(ll, n_samples, n_components, n_features, covariance_type),
        aic(ll, n_samples, n_components, n_features, covariance_type),
        int(best.iteration), bool(best.converged), best_seed, int(n_init), collapsed,
        best.without_labels(),
    )


def fit_grid(X, ks, covariance_types=COVARIANCE_TYPES, n_init: int = DEFAULT_N_INIT, *,
             init: str = GRID_INIT_NAME, random_state: int = 0, max_iter: int = 100,
             tol: float = 1e-3, reg_covar: float = 1e-6, progress=None,
             cancel=None) -> GridResult:
    """Fit every (covariance type, k) of the grid (see the module).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    ks : sequence of int
    covariance_types : sequence of str
    n_init, init, random_state, max_iter, tol, reg_covar
        As :func:`fit_model`.
    progress : callable, optional
        ``progress(done, total, fit)`` after every model (``fit`` the new
        :class:`ModelFit`); it may set the cancel flag.
    cancel : callable, optional
        Asked before every EM iteration; True raises :class:`~gmm_viz.progress.Cancelled`
        (the models fitted so far are lost to the caller: keep them from ``progress``).

    Returns
    -------
    GridResult

    Raises
    ------
    Cancelled
    ValueError
        An unknown covariance type, a k out of range, or data the models cannot fit (the
        message names the model).
    """
    from threadpoolctl import threadpool_limits

    from gmm_viz.data import DataError
    from gmm_viz.engine import ConfigError
    from gmm_viz.engine.blas_threads import single_threaded_blas

    X = np.asarray(X, dtype=np.float64)
    ks = tuple(int(k) for k in ks)
    covariance_types = tuple(covariance_types)
    for name in covariance_types:
        if name not in COVARIANCE_TYPES:
            raise ValueError(f"unknown covariance type {name!r}; choose from "
                             f"{', '.join(COVARIANCE_TYPES)}")
    if not ks or min(ks) < 1 or max(ks) > MAX_K:
        raise ValueError(f"k must be from 1 to {MAX_K}; got {ks}")
    total = len(ks) * len(covariance_types)
    fits = []
    # OpenMP's thread count is the calling thread's own; BLAS's is process-wide and
    # single_threaded_blas shares it safely with the engine's own contexts.
    with single_threaded_blas(), threadpool_limits(limits=1, user_api="openmp"):
        for covariance_type in covariance_types:
            for k in ks:
                try:
                    fit = fit_model(X, k, covariance_type, n_init, init=init,
                                    random_state=random_state, max_iter=max_iter, tol=tol,
                                    reg_covar=reg_covar, cancel=cancel)
                except (ConfigError, DataError) as exc:
                    raise ValueError(f"k = {k}, {covariance_type}: {exc}") from None
                fits.append(fit)
                if progress is not None:
                    progress(len(fits), total, fit)
    return GridResult(tuple(fits), ks, covariance_types, X.shape[0], X.shape[1])
