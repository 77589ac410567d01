"""A scikit-learn-compatible Gaussian mixture fitted by gmm-viz's fast EM engine.

:class:`GaussianMixtureEM` is a :class:`sklearn.mixture.GaussianMixture` whose ``fit`` runs
:class:`gmm_viz.engine.EMEngine` instead of scikit-learn's loop: the same parameters, the
same fitted attributes, the same iterations (with the singularity rules off, the same
numbers to rounding), several times faster. Prediction, scoring, sampling, BIC and AIC are
scikit-learn's own methods, inherited. It adds the origin study's singularity rules and a
record of every iteration.
"""

from __future__ import annotations

import warnings
from numbers import Real
from typing import ClassVar

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state
from sklearn.utils._array_api import get_namespace
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data

from gmm_viz.engine import covariance as cov_ops
from gmm_viz.engine.blas_threads import with_single_threaded_blas
from gmm_viz.engine.config import INITIALISATIONS, RECOVERIES, RULES, EMConfig
from gmm_viz.engine.em import EMEngine, IllDefinedCovarianceError


class GaussianMixtureEM(GaussianMixture):
    """Gaussian mixture fitted by gmm-viz's EM engine (scikit-learn compatible).

    Parameters
    ----------
    n_components, covariance_type, tol, reg_covar, max_iter, n_init, weights_init,
    means_init, precisions_init, random_state, warm_start, verbose, verbose_interval
        As in :class:`sklearn.mixture.GaussianMixture`.
    init_params : str, default="kmeans"
        scikit-learn's ``"kmeans"``, ``"k-means++"``, ``"random"``, ``"random_from_data"``,
        or the study's ``"random_range"`` and ``"same_point"``.
    singularity_rule : str, default="none"
        ``"none"``, ``"det"``, ``"relative_det"``, ``"needle"``, ``"det+needle"`` or
        ``"relative_det+needle"`` (see :class:`gmm_viz.engine.EMConfig`).
    singularity_threshold : float, default=1e-2
        Threshold of the det rules.
    condition_limit : float, default=1e4
        Condition number above which the needle rule fires.
    recovery : {"random_range", "worst_point", "flag"}, default="random_range"
        What happens to a component a rule caught.
    recovery_weight : float, default=0.5
        Weight given to a re-placed component.
    record_history : bool, default=False
        Keep every iteration's :class:`~gmm_viz.engine.Snapshot` (without labels) of the
        best initialisation in ``history_``.

    Attributes
    ----------
    weights_, means_, covariances_, precisions_, precisions_cholesky_, converged_,
    n_iter_, lower_bound_, lower_bounds_, n_features_in_
        As in :class:`sklearn.mixture.GaussianMixture`.
    history_ : list of Snapshot
        Only with ``record_history=True``: iteration 0 (the initial state) to the end.
    singularity_events_ : list of SingularityEvent
        Every detection during the best initialisation's run.
    """

    _parameter_constraints: ClassVar[dict] = {
        **GaussianMixture._parameter_constraints,
        "init_params": [StrOptions(set(INITIALISATIONS))],
        "singularity_rule": [StrOptions(set(RULES))],
        "singularity_threshold": [Interval(Real, 0, None, closed="left")],
        "condition_limit": [Interval(Real, 1, None, closed="neither")],
        "recovery": [StrOptions(set(RECOVERIES))],
        "recovery_weight": [Interval(Real, 0, 1, closed="neither")],
        "record_history": ["boolean"],
    }

    def __init__(
        self,
        n_components=1,
        *,
        covariance_type="full",
        tol=1e-3,
        reg_covar=1e-6,
        max_iter=100,
        n_init=1,
        init_params="kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
        warm_start=False,
        verbose=0,
        verbose_interval=10,
        singularity_rule="none",
        singularity_threshold=1e-2,
        condition_limit=1e4,
        recovery="random_range",
        recovery_weight=0.5,
        record_history=False,
    ):
        super().__init__(
            n_components=n_components,
            covariance_type=covariance_type,
            tol=tol,
            reg_covar=reg_covar,
            max_iter=max_iter,
            n_init=n_init,
            init_params=init_params,
            weights_init=weights_init,
            means_init=means_init,
            precisions_init=precisions_init,
            random_state=random_state,
            warm_start=warm_start,
            verbose=verbose,
            verbose_interval=verbose_interval,
        )
        self.singularity_rule = singularity_rule
        self.singularity_threshold = singularity_threshold
        self.condition_limit = condition_limit
        self.recovery = recovery
        self.recovery_weight = recovery_weight
        self.record_history = record_history

    # scikit-learn's fit() validates the parameters and calls fit_predict(). One BLAS
    # thread for the whole fit (restored after): see gmm_viz.engine.blas_threads.
    @with_single_threaded_blas
    def fit_predict(self, X, y=None):
        """Fit the model with the fast engine and return the labels of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : Ignored

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        if X.shape[0] < self.n_components:
            raise ValueError(
                "Expected n_samples >= n_components "
                f"but got n_components = {self.n_components}, n_samples = {X.shape[0]}"
            )
        # scikit-learn's own checks of weights_init, means_init and precisions_init, with
        # its messages; the engine then checks what is left (ConfigError, a ValueError).
        self._check_parameters(X, xp=get_namespace(X)[0])
        X64 = np.asarray(X, dtype=np.float64)
        do_init = not (self.warm_start and hasattr(self, "converged_"))
        n_init = self.n_init if do_init else 1
        random_state = check_random_state(self.random_state)

        best = None
        for init in range(n_init):
            self._print_verbose_msg_init_beg(init)
            try:
                engine = EMEngine(X64, self._engine_config(do_init), random_state=random_state,
                                  sklearn_semantics=True)
                run = self._run(engine, -np.inf if do_init else self.lower_bound_)
            except IllDefinedCovarianceError as exc:
                raise ValueError(_ill_defined_message(exc, X.dtype)) from None
            # scikit-learn's choice: the best lower bound; with max_iter=0 (no bound) the
            # last initialisation
            if best is None or run["lower_bound"] > best["lower_bound"] or (
                    best["lower_bound"] == -np.inf):
                best = run
        self.converged_ = best["converged"]
        if not self.converged_ and self.max_iter > 0:
            warnings.warn(
                "Best performing initialization did not converge. Try different init "
                "parameters, or increase max_iter, tol, or check for degenerate data.",
                ConvergenceWarning,
            )
        self._store_parameters(*best["parameters"], dtype=X.dtype)
        self.n_iter_ = best["n_iter"]
        self.lower_bound_ = best["lower_bound"]
        self.lower_bounds_ = best["lower_bounds"]
        self.singularity_events_ = best["events"]
        if self.record_history:
            self.history_ = best["history"]
        return best["labels"]

    def to_sklearn(self) -> GaussianMixture:
        """A fitted :class:`sklearn.mixture.GaussianMixture` that predicts the same.

        Returns
        -------
        GaussianMixture
        """
        params = GaussianMixture().get_params()
        model = GaussianMixture(**{name: getattr(self, name) for name in params})
        for attribute in ("weights_", "means_", "covariances_", "precisions_",
                          "precisions_cholesky_", "converged_", "n_iter_", "lower_bound_",
                          "lower_bounds_", "n_features_in_", "feature_names_in_"):
            if hasattr(self, attribute):
                value = getattr(self, attribute)
                setattr(model, attribute, value.copy() if hasattr(value, "copy") else value)
        return model

    # ------------------------------------------------------------------ internals

    def _engine_config(self, do_init: bool) -> EMConfig:
        if do_init:
            weights, means, precisions = self.weights_init, self.means_init, self.precisions_init
        else:  # warm start: continue from the fitted parameters
            weights, means, precisions = self.weights_, self.means_, self.precisions_
        return EMConfig(
            n_components=int(self.n_components),
            covariance_type=self.covariance_type,
            init=self.init_params,
            weights_init=None if weights is None else np.asarray(weights, dtype=np.float64),
            means_init=None if means is None else np.asarray(means, dtype=np.float64),
            precisions_init=None if precisions is None else np.asarray(precisions, np.float64),
            reg_covar=float(self.reg_covar),
            tol=float(self.tol),
            max_iter=int(self.max_iter),
            rule=self.singularity_rule,
            threshold=float(self.singularity_threshold),
            condition_limit=float(self.condition_limit),
            recovery=self.recovery,
            recovery_weight=float(self.recovery_weight),
            random_state=None,  # the generator is passed to the engine directly
            compute_labels=False,
        )

    def _run(self, engine: EMEngine, lower_bound: float) -> dict:
        """scikit-learn's iteration bookkeeping around the engine.

        scikit-learn's iteration n computes the log-likelihood of the parameters entering
        it (from its E-step), then the M-step; it stops when that value changed by less
        than ``tol``. The engine's snapshot n holds the log-likelihood of parameters after
        n M-steps, so iteration n records the engine's value *before* stepping.
        """
        history = [engine.snapshot] if self.record_history else None
        events, lower_bounds, converged, n_iter = [], [], False, 0
        for n_iter in range(1, self.max_iter + 1):
            previous = lower_bound
            lower_bound = engine.mean_log_likelihood
            if n_iter == 1:
                # scikit-learn's unnormalised start (see EMEngine.initial_weight_sum)
                lower_bound += float(np.log(engine.initial_weight_sum))
            snapshot = engine.step()
            lower_bounds.append(lower_bound)
            events.extend(snapshot.events)
            if history is not None:
                history.append(snapshot)
            self._print_verbose_msg_iter_end(n_iter, lower_bound - previous)
            if abs(lower_bound - previous) < self.tol:
                converged = True
                break
        if self.max_iter == 0:
            lower_bound = -np.inf
        else:
            self._print_verbose_msg_init_end(lower_bound, converged)
        labels = engine.responsibilities().argmax(axis=1)
        return {
            "parameters": engine.parameters(),
            "lower_bound": lower_bound,
            "lower_bounds": lower_bounds,
            "converged": converged,
            "n_iter": n_iter,
            "labels": labels,
            "events": events,
            "history": history,
        }

    def _store_parameters(self, weights, means, covariances, dtype):
        """Set the fitted attributes in ``dtype`` (scikit-learn keeps the input's dtype).

        Raises
        ------
        ValueError
            When ``dtype`` (float32) cannot hold the fitted parameters; nothing is set.
        """
        covariances = cov_ops.to_sklearn_covariances(covariances, self.covariance_type)
        chol = cov_ops.sklearn_precision_cholesky(covariances, self.covariance_type)
        with np.errstate(over="ignore", under="ignore"):  # checked just below
            fitted = {
                "weights_": weights.astype(dtype),
                "means_": means.astype(dtype),
                "covariances_": covariances.astype(dtype),
                "precisions_cholesky_": chol.astype(dtype),
            }
            fitted["precisions_"] = cov_ops.sklearn_precisions(
                fitted["precisions_cholesky_"], self.covariance_type
            )
        _check_representable(fitted, self.covariance_type, dtype)
        for name, value in fitted.items():
            setattr(self, name, value)


def _ill_defined_message(exc, dtype):
    """scikit-learn's message for a singular covariance, with its float32 advice."""
    message = str(exc)
    if np.dtype(dtype) == np.float32:
        message += (" The numerical accuracy can also be improved by passing float64 data "
                    "instead of float32.")
    return message


def _check_representable(fitted, covariance_type, dtype):
    """Refuse fitted parameters that ``dtype`` cannot hold (float32 input at extreme scale).

    The engine fits in float64; scikit-learn's fitted attributes keep the input's dtype.
    float32 holds magnitudes from about 1.2e-38 to 3.4e38 only, so data at 1e20 (whose
    covariances are 1e40) or at 1e-20 without reg_covar (precisions 1e40) would come out
    as ``inf`` or 0. That is refused, as float64 data beyond its range are.

    Parameters
    ----------
    fitted : dict of str to ndarray
        The fitted attributes, already cast to ``dtype``.
    covariance_type : str
    dtype : numpy dtype

    Raises
    ------
    ValueError
        Naming the attribute, how large or small it got, and what to do.
    """
    info = np.finfo(dtype)
    covariances = fitted["covariances_"]
    variances = (covariances if covariance_type in ("diag", "spherical")
                 else np.einsum("...ii->...i", covariances))
    problem = None
    for name, value in fitted.items():
        if not np.isfinite(value).all():
            problem = f"the fitted {name} exceed {info.max:.3g}"
            break
    if problem is None and not (np.abs(variances) >= info.tiny).all():
        problem = f"the fitted variances fall below {info.tiny:.3g}"
    if problem is not None:
        raise ValueError(
            f"X is {np.dtype(dtype).name} and {problem}, the limit of "
            f"{np.dtype(dtype).name}. Pass X as float64 (X.astype(np.float64)) or rescale "
            "it to units nearer 1."
        )
