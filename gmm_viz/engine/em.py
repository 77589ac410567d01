"""The steppable EM engine: state -> step -> snapshot.

One :meth:`EMEngine.step` is one M-step (from the statistics of the previous E-step), the
singularity check on the new parameters, and one E-step at those parameters. So every
snapshot's parameters, log-likelihood and labels belong together, and iteration 0 is the
initial state with its own log-likelihood. When the check re-places a component, the
snapshot also keeps the state the M-step made before it (``Snapshot.detected``), so the
collapse itself can be shown before its recovery.

Internally everything runs on standardised data ``z = (x - shift) / scale`` (one scalar
scale keeps every covariance type intact); parameters are mapped back to the user's
coordinates only when a snapshot is made.
"""

from __future__ import annotations

import numpy as np

from gmm_viz.engine import covariance as cov_ops
from gmm_viz.engine import kernel
from gmm_viz.engine.blas_threads import with_single_threaded_blas
from gmm_viz.engine.config import ConfigError, EMConfig
from gmm_viz.engine.initialisers import initial_state
from gmm_viz.engine.singularity import (
    RECOVERY_FUNCTIONS,
    RuleContext,
    detect,
    diagnostics,
)
from gmm_viz.engine.snapshot import SingularityEvent, Snapshot, frozen_copy

#: Smallest eigenvalue a repaired covariance gets, relative to the standardised data.
_EIGEN_FLOOR = 1e-12
#: Log-weights are floored here so that a zero weight never makes -inf coefficients.
_LOG_WEIGHT_FLOOR = np.log(np.finfo(np.float64).tiny)


#: scikit-learn's words when a covariance is not positive definite (its
#: ``_compute_precision_cholesky``), raised by an engine with ``sklearn_semantics``.
ILL_DEFINED_COVARIANCE = (
    "Fitting the mixture model failed because some components have ill-defined empirical "
    "covariance (for instance caused by singleton or collapsed samples). Try to decrease "
    "the number of components, increase reg_covar, or scale the input data."
)


class IllDefinedCovarianceError(ValueError):
    """A covariance is singular and nothing keeps it positive (scikit-learn's error)."""


#: Beyond these magnitudes a covariance (a squared quantity) would overflow or underflow.
_MAX_MAGNITUDE = 1e150
_MIN_SPREAD = 1e-150


def _standardisation(X):
    """Shift and scalar scale that make the data centred with unit overall spread.

    The spread is measured on data first divided by their largest deviation, so that
    neither tiny (1e-200) nor large (1e100) values under- or overflow on the way.

    Raises
    ------
    DataError
        When the data are too large or too spread-less for floating point covariances.
    """
    from gmm_viz.data import DataError

    magnitude = float(np.abs(X).max())
    if magnitude > _MAX_MAGNITUDE:
        raise DataError(
            f"the data has values as large as {magnitude:.3g}; squared, they overflow "
            f"floating point. Rescale the data (for example divide by {magnitude:.0e})."
        )
    shift = X.mean(axis=0)
    deviation = float(np.abs(X - shift).max())
    if deviation == 0:
        return shift, 1.0  # every point equal: nothing to scale
    spread = deviation * float(np.sqrt(((X - shift) / deviation).var(axis=0).mean()))
    if spread < _MIN_SPREAD:
        raise DataError(
            f"the data's spread is only {spread:.3g}; its variance underflows floating "
            "point. Rescale the data (for example multiply by 1e150)."
        )
    return shift, spread


def _e_step_coefficients(weights, means, covariances):
    """Precisions and the E-step's coefficient matrix (standardised coordinates)."""
    precisions, log_det = cov_ops.precisions_and_log_det(covariances)
    log_weights = np.log(np.maximum(weights, np.finfo(np.float64).tiny))
    C = kernel.quadratic_coefficients(np.maximum(log_weights, _LOG_WEIGHT_FLOOR), means,
                                      precisions, log_det)
    return precisions, C


class EMEngine:
    """Expectation-maximisation for a Gaussian mixture, one iteration at a time.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Finite data with at least ``n_components`` distinct points (any number with
        ``sklearn_semantics``).
    config : EMConfig
    random_state : numpy.random.RandomState, optional
        Overrides ``config.random_state`` (the estimator passes its own generator so that
        several initialisations draw from one stream, as scikit-learn does).
    sklearn_semantics : bool, default=False
        Behave as scikit-learn's ``GaussianMixture`` at the edges (the estimator's mode):
        accept fewer distinct points than components, and, with no singularity rule,
        raise scikit-learn's "ill-defined empirical covariance" error where a covariance
        falls below the engine's floor (1e-12 of the data's variance) and ``reg_covar``
        is too small to keep it there, instead of flooring it. The app keeps the default:
        a clear refusal of k above the distinct points, and a singular covariance is data.

    Raises
    ------
    gmm_viz.data.DataError
        When ``X`` is not usable (NaN, text, too few distinct points for k, ...).
    ConfigError
        When explicit initial parameters have the wrong shape or values.
    IllDefinedCovarianceError
        Only with ``sklearn_semantics``: see there (also from :meth:`step`).
    """

    @with_single_threaded_blas
    def __init__(self, X, config: EMConfig, *, random_state=None, sklearn_semantics=False):
        from gmm_viz.data import validate_points  # data validation is shared with the app

        if not isinstance(config, EMConfig):
            raise ConfigError(f"config must be an EMConfig; got {type(config).__name__}.")
        self._sklearn_semantics = bool(sklearn_semantics)
        # scikit-learn fits k above the distinct points (reg_covar keeps the extra
        # components' covariances positive); the app refuses it with a clear message.
        X = validate_points(X, n_components=None if sklearn_semantics
                            else config.n_components)
        self._config = config
        self.X = X
        n_features = X.shape[1]
        self._shift, self._scale = _standardisation(X)
        Z = (X - self._shift) / self._scale
        self._phi = kernel.moment_features(Z)
        data_cov = np.atleast_2d(np.cov(Z, rowvar=False))
        # log det, in the user's coordinates: a det of the data covariance over- or
        # underflows for many features or extreme units.
        sign, log_det = np.linalg.slogdet(data_cov)
        self._context = RuleContext(
            n_features=n_features,
            # Data on a lower-dimensional subspace have no volume to compare with: then
            # the relative rule compares with a unit det, like the absolute one.
            data_log_det=(float(log_det) + 2 * n_features * np.log(self._scale)
                          if sign > 0 and np.isfinite(log_det) else 0.0),
            low=Z.min(axis=0),
            high=Z.max(axis=0),
            data_cov_std=data_cov,
        )
        # Imported here: scikit-learn's import is ~1.4 s, which the window's start (which
        # imports this module on its GUI thread) must not spend before its first paint.
        from sklearn.utils import check_random_state

        self._random_state = check_random_state(
            config.random_state if random_state is None else random_state
        )
        self._initial = self._initial_parameters(X, Z)
        # Recoveries draw from the same stream; remember it so reset() replays exactly.
        self._rng_state_after_init = self._random_state.get_state()
        self.reset()

    # ------------------------------------------------------------------ public API

    @property
    def config(self) -> EMConfig:
        """The settings in force."""
        return self._config

    @property
    def snapshot(self) -> Snapshot:
        """The state after the latest iteration (iteration 0 after construction/reset)."""
        return self._snapshot

    @property
    def iteration(self) -> int:
        return self._iteration

    @property
    def n_components(self) -> int:
        return self._config.n_components

    @property
    def finished(self) -> bool:
        """True once EM converged or reached ``max_iter``."""
        return self._snapshot.converged or self._iteration >= self._config.max_iter

    @with_single_threaded_blas
    def step(self) -> Snapshot:
        """Run one EM iteration and return its snapshot."""
        config = self._config
        nk_raw, first, second = kernel.unpack_moments(self._stats, self.X.shape[1])
        nk, means, covs = cov_ops.gaussian_parameters(
            nk_raw, first, second, config.covariance_type, self._reg_std
        )
        weights = nk / nk.sum()
        covs = self._floored(covs, exact=self._centred_covariances)
        self._iteration += 1
        events, flagged, detected = self._check_singularities(nk, weights, means, covs)
        self._set_parameters(weights, means, covs)
        previous = self._snapshot.mean_log_likelihood
        self._run_e_step()
        recovered = any(e.recovered for e in events)
        converged = (not recovered) and abs(self._mean_ll() - previous) < config.tol
        self._snapshot = self._make_snapshot(events, flagged, converged, detected)
        self._likelihoods.append(self._snapshot)
        return self._snapshot

    @with_single_threaded_blas
    def reset(self) -> Snapshot:
        """Return to iteration 0 with the same initial state (and the same random stream)."""
        weights, means, covs = (a.copy() for a in self._initial)
        self._random_state.set_state(self._rng_state_after_init)
        self._iteration = 0
        self._set_parameters(weights, means, covs)
        self._run_e_step()
        self._snapshot = self._make_snapshot((), np.zeros(len(weights), bool), False)
        self._likelihoods = _Curve()
        self._likelihoods.append(self._snapshot)
        return self._snapshot

    @with_single_threaded_blas
    def restore(self, snapshot: Snapshot) -> Snapshot:
        """Continue from a past snapshot of this run (for rewinding history).

        The random stream is not rewound: a recovery after resuming may differ from the
        one recorded.
        """
        weights = np.array(snapshot.weights, dtype=np.float64)
        means = (np.array(snapshot.means) - self._shift) / self._scale
        covs = np.array(snapshot.covariances) / self._scale**2
        self._iteration = int(snapshot.iteration)
        self._set_parameters(weights, means, covs)
        self._run_e_step()
        self._snapshot = self._make_snapshot(
            snapshot.events, np.asarray(snapshot.flagged), snapshot.converged,
            snapshot.detected, user_edits=tuple(getattr(snapshot, "user_edits", ())),
        )
        # The iterations before the snapshot stay in the history; the later ones are gone.
        self._likelihoods.truncate(self._iteration)
        self._likelihoods.append(self._snapshot)
        return self._snapshot

    #: Settings :meth:`reinitialise` may change: the explicit initial parameters.
    INITIAL_PARAMETER_SETTINGS = ("weights_init", "means_init", "precisions_init")

    @with_single_threaded_blas
    def reinitialise(self, config: EMConfig) -> Snapshot:
        """Start again at iteration 0 from other explicit initial parameters.

        The result is exactly what ``EMEngine(X, config)`` would give (same initial
        state, same random stream), without running the initialiser again: the means a
        person placed or dragged at iteration 0 start a new run at once, also where the
        initialisation (k-means on a million points) takes seconds.

        Parameters
        ----------
        config : EMConfig
            This engine's configuration with other ``weights_init``, ``means_init`` or
            ``precisions_init`` (and any live settings).

        Returns
        -------
        Snapshot
            Iteration 0.

        Raises
        ------
        ConfigError
            When ``config`` changes anything else that defines the run, or its initial
            parameters have the wrong shape or values (nothing changes then).
        """
        fixed = {name: None for name in self.INITIAL_PARAMETER_SETTINGS}
        if self._config.with_changes(**fixed).restarts_run(config.with_changes(**fixed)):
            raise ConfigError("reinitialise only changes weights_init, means_init and "
                              "precisions_init; start a new run for other settings.")
        initial = self._with_initial_overrides(self._base_initial, config, self.X.shape[1])
        self._config = config
        self._reg_std = config.reg_covar / self._scale**2
        self._initial = initial
        return self.reset()

    @with_single_threaded_blas
    def edit_component(self, component: int, *, mean=None, covariance=None,
                       user_edits=()) -> Snapshot:
        """Change one component of the current state by hand; EM continues from there.

        The iteration number stays; the E-step is redone at the changed parameters, so
        the snapshot's log-likelihood, labels and N_k are those of the changed state, and
        the next :meth:`step` starts from its responsibilities. Nothing is drawn from the
        random stream.

        Parameters
        ----------
        component : int
        mean : array-like of shape (n_features,), optional
            The component's new mean (user coordinates).
        covariance : array-like of shape (n_features, n_features), optional
            The new covariance (user coordinates), already of the covariance type (see
            :func:`gmm_viz.engine.covariance_edit.covariance_for_type`): with
            ``"tied"`` it becomes every component's covariance. Floored as every
            covariance is (eigenvalues at least 1e-12 of the data's variance).
        user_edits : tuple of UserEdit
            The snapshot's record of the edits made to this iteration so far (this one
            included).

        Returns
        -------
        Snapshot
            The changed state, at the same iteration, not converged; its ``events`` and
            ``detected`` are the iteration's own (what EM did before the edit).
        """
        weights, means, covs = self._weights, self._means.copy(), self._covs.copy()
        if mean is not None:
            means[component] = (np.asarray(mean, dtype=np.float64) - self._shift) / self._scale
        if covariance is not None:
            cov = np.asarray(covariance, dtype=np.float64) / self._scale**2
            if self._config.covariance_type == "tied":
                covs[:] = cov
            else:
                covs[component] = cov
            covs = self._floored(covs)
        previous = self._snapshot
        self._set_parameters(weights, means, covs)
        self._run_e_step()
        self._snapshot = self._make_snapshot(previous.events, np.asarray(previous.flagged),
                                             False, previous.detected,
                                             user_edits=tuple(user_edits))
        self._likelihoods.truncate(self._iteration)
        self._likelihoods.append(self._snapshot)
        return self._snapshot

    def update_settings(self, config: EMConfig) -> None:
        """Apply settings that need no restart (rule, threshold, recovery, reg_covar, tol...).

        Raises
        ------
        ConfigError
            If ``config`` changes a setting that defines the run (data, k, init, ...).
        """
        if self._config.restarts_run(config):
            raise ConfigError(
                "these settings change the run itself (k, initialisation, covariance type or "
                "seed); start a new run instead of updating this one."
            )
        self._config = config
        self._reg_std = config.reg_covar / self._scale**2

    @with_single_threaded_blas
    def responsibilities(self) -> np.ndarray:
        """Posterior probability of each component for each point, at the current parameters.

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components)
        """
        return kernel.responsibilities(self._phi, self._coefficients)

    @with_single_threaded_blas
    def labels_for(self, snapshot: Snapshot) -> np.ndarray:
        """Hard labels of the data under a snapshot's parameters (e.g. from history).

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return kernel.e_step(self._phi, self._coefficients_for(snapshot)).labels

    @with_single_threaded_blas
    def responsibilities_for(self, snapshot: Snapshot) -> np.ndarray:
        """Responsibilities under a snapshot's parameters.

        Returns
        -------
        resp : ndarray of shape (n_samples, n_components)
        """
        return kernel.responsibilities(self._phi, self._coefficients_for(snapshot))

    def _coefficients_for(self, snapshot):
        means = (np.asarray(snapshot.means) - self._shift) / self._scale
        covs = np.asarray(snapshot.covariances) / self._scale**2
        return _e_step_coefficients(np.asarray(snapshot.weights), means, covs)[1]

    def parameters(self):
        """Current weights, means and full covariances in the user's coordinates.

        Returns
        -------
        weights : ndarray of shape (n_components,)
        means : ndarray of shape (n_components, n_features)
        covariances : ndarray of shape (n_components, n_features, n_features)
        """
        return (
            self._weights.copy(),
            self._means * self._scale + self._shift,
            self._covs * self._scale**2,
        )

    @property
    def log_likelihood_history(self) -> np.ndarray:
        """Log-likelihood of every iteration of this run so far.

        Returns
        -------
        history : ndarray of shape (iteration + 1, 2)
            Column 0 the total log-likelihood, column 1 the mean per sample; row i is
            iteration i.
        """
        return self._likelihoods.values()

    @property
    def initial_weight_sum(self) -> float:
        """What scikit-learn's initial weights would sum to (the engine's sum to 1).

        scikit-learn starts from ``N_k / n_samples`` without normalising: ``k / n_samples``
        when every component starts from one point (``k-means++``, ``random_from_data``),
        1 (to rounding) otherwise. Its first lower bound is therefore the engine's
        iteration-0 mean log-likelihood plus ``log(initial_weight_sum)``; the estimator
        uses this to report the same ``lower_bounds_``.
        """
        return self._initial_weight_sum

    @property
    def mean_log_likelihood(self) -> float:
        """Mean per-sample log-likelihood at the current parameters."""
        return self._mean_ll()

    # ------------------------------------------------------------------ internals

    def _initial_parameters(self, X, Z):
        """Initial weights, means, covariances in standardised coordinates ``Z``."""
        self._reg_std = self._config.reg_covar / self._scale**2
        self._base_initial = self._initialiser_parameters(X, Z)
        return self._with_initial_overrides(self._base_initial, self._config, X.shape[1])

    def _initialiser_parameters(self, X, Z):
        """What ``config.init`` starts from (standardised), before ``weights_init``,
        ``means_init`` and ``precisions_init`` override it. Kept, so that a new start
        with other explicit means or precisions (:meth:`reinitialise`) needs no second
        initialisation and draws nothing more from the random stream."""
        config = self._config
        n_samples = X.shape[0]
        state = initial_state(X, config, self._random_state)
        # What scikit-learn's initial weights sum to (see initial_weight_sum).
        self._responsibility_weight_sum = None
        if state.resp is not None:
            nk, means, covs = cov_ops.parameters_from_responsibilities(
                Z, state.resp, config.covariance_type,
                self._reg_std, -self._shift / self._scale,
            )
            # scikit-learn keeps nk / n_samples, which sums to k / n_samples when each
            # component starts from one point (k-means++, random_from_data). Weights are
            # proportions: normalise, as every later M-step does (a run file whose weights
            # do not sum to 1 cannot be opened). The responsibilities do not change.
            weights = nk / nk.sum()
            self._responsibility_weight_sum = float(nk.sum() / n_samples)
        else:
            weights = np.asarray(state.weights, dtype=np.float64)
            means = (state.means - self._shift) / self._scale
            covs = state.covariances / self._scale**2
        return weights, means, covs

    def _with_initial_overrides(self, base, config, n_features):
        """``base`` with the config's explicit initial parameters applied, floored."""
        weights, means, covs = (np.array(a, dtype=np.float64) for a in base)
        k = config.n_components
        self._initial_weight_sum = 1.0
        if config.weights_init is None and self._responsibility_weight_sum is not None:
            self._initial_weight_sum = self._responsibility_weight_sum
        if config.weights_init is not None:
            weights = self._checked_weights(config.weights_init, k)
        if config.means_init is not None:
            means = (self._checked_means(config.means_init, k, n_features) - self._shift)
            means /= self._scale
        if config.precisions_init is not None:
            try:
                precisions = cov_ops.from_sklearn_precisions(
                    config.precisions_init, config.covariance_type, k, n_features
                )
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
            covs = np.linalg.inv(precisions) / self._scale**2
        covs = self._floored(covs)
        return weights, means, covs

    def _floored(self, covs, exact=None):
        """Covariances with every eigenvalue >= the floor (see repair_covariances).

        Parameters
        ----------
        covs : ndarray of shape (n_components, n_features, n_features)
        exact : callable, optional
            Returns these covariances computed as scikit-learn does (centred on the
            points); only called in the rare case below. By default ``covs`` are exact.

        Raises
        ------
        IllDefinedCovarianceError
            With ``sklearn_semantics`` and no rule, where scikit-learn would fail: a
            covariance needs the floor, ``reg_covar`` is below the floor (above it, a dip
            below is only rounding), and computed as scikit-learn does it is not positive
            definite (an empty component, points all equal, collinear points).
        """
        floored, repaired = cov_ops.repair_covariances(covs, _EIGEN_FLOOR)
        if (self._sklearn_semantics and repaired.any() and not self._config.rules
                and self._reg_std < _EIGEN_FLOOR):
            reference = covs if exact is None else exact()
            if not cov_ops.sklearn_positive_definite(reference[repaired],
                                                     self._config.covariance_type):
                raise IllDefinedCovarianceError(ILL_DEFINED_COVARIANCE)
        return floored

    def _centred_covariances(self):
        """This M-step's covariances computed on the points (from the last E-step's
        responsibilities), to judge a singular one as scikit-learn does."""
        n_features = self.X.shape[1]
        resp = kernel.responsibilities(self._phi, self._coefficients)
        return cov_ops.parameters_from_responsibilities(
            self._phi[:, 1 : 1 + n_features], resp, self._config.covariance_type,
            self._reg_std, -self._shift / self._scale,
        )[2]

    @staticmethod
    def _checked_weights(weights, k):
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (k,):
            raise ConfigError(f"weights_init must have shape ({k},); got {weights.shape}.")
        if not np.isfinite(weights).all() or weights.min() < 0 or weights.max() > 1:
            raise ConfigError("weights_init must hold numbers between 0 and 1.")
        if not np.isclose(weights.sum(), 1.0):
            raise ConfigError(f"weights_init must sum to 1; they sum to {weights.sum():.6g}.")
        return weights.copy()

    @staticmethod
    def _checked_means(means, k, n_features):
        means = np.asarray(means, dtype=np.float64)
        if means.shape != (k, n_features):
            raise ConfigError(
                f"means_init must have shape ({k}, {n_features}); got {means.shape}."
            )
        if not np.isfinite(means).all():
            raise ConfigError("means_init must be finite numbers.")
        return means

    def _set_parameters(self, weights, means, covs):
        self._weights, self._means, self._covs = weights, means, covs
        self._precisions, self._coefficients = _e_step_coefficients(weights, means, covs)

    def _run_e_step(self):
        result = kernel.e_step(self._phi, self._coefficients,
                               want_labels=self._config.compute_labels)
        self._stats = result.stats
        self._labels = result.labels
        self._worst_index = result.worst_index
        # Back to the user's coordinates: the density picks up 1/scale^D per point.
        n_samples, n_features = self.X.shape
        self._log_likelihood = result.log_likelihood - n_samples * n_features * np.log(
            self._scale
        )

    def _mean_ll(self):
        return self._log_likelihood / len(self.X)

    def _check_singularities(self, nk, weights, means, covs):
        """Detect degenerate components and apply the recovery policy (in place).

        Returns
        -------
        events : tuple of SingularityEvent
        flagged : ndarray of shape (n_components,) of bool
        detected : Snapshot or None
            The M-step's state before a re-placement (see ``Snapshot.detected``); None
            when nothing was re-placed.
        """
        config = self._config
        flagged = np.zeros(len(weights), dtype=bool)
        if not config.rules:
            return (), flagged, None
        eig = np.linalg.eigvalsh(covs)
        diag = diagnostics(nk, eig, self._scale)
        detections = detect(diag, config, self._context)
        if not detections:
            return (), flagged, None
        caught = np.zeros(len(weights), dtype=bool)
        caught[[d.component for d in detections]] = True
        # The state as the rule found it, before the recovery changes it in place (made
        # now: the recovery below draws from the random stream, this does not).
        detected = (None if config.recovery == "flag"
                    else self._detected_snapshot(diag, weights, means, covs, caught))
        recover = RECOVERY_FUNCTIONS[config.recovery]
        reset_cov = self._reset_covariance()
        worst_point = self._phi[self._worst_index, 1 : 1 + self.X.shape[1]].copy()
        events = []
        for d in detections:
            flagged[d.component] = True
            old_mean = means[d.component] * self._scale + self._shift
            recover(d.component, weights, means, covs, reset_cov, self._context,
                    self._random_state, worst_point, config)
            new_mean = means[d.component] * self._scale + self._shift
            events.append(SingularityEvent(
                iteration=self._iteration, component=d.component, rule=d.rule,
                reason=d.reason, value=d.value, threshold=d.threshold, action=config.recovery,
                old_mean=tuple(float(v) for v in old_mean),
                new_mean=tuple(float(v) for v in new_mean),
            ))
        return tuple(events), flagged, detected

    def _detected_snapshot(self, diag, weights, means, covs, caught) -> Snapshot:
        """The M-step's parameters (standardised) as a snapshot, with the log-likelihood
        at them: one extra E-step, only in an iteration whose rule re-places components.
        Nothing of the engine's state changes (the run's numbers stay the same)."""
        _, coefficients = _e_step_coefficients(weights, means, covs)
        result = kernel.e_step(self._phi, coefficients, want_labels=False)
        n_samples, n_features = self.X.shape
        log_likelihood = result.log_likelihood - n_samples * n_features * np.log(self._scale)
        return Snapshot(
            iteration=self._iteration,
            weights=frozen_copy(weights),
            means=frozen_copy(means * self._scale + self._shift),
            covariances=frozen_copy(covs * self._scale**2),
            log_likelihood=float(log_likelihood),
            mean_log_likelihood=float(log_likelihood / n_samples),
            labels=None,
            nk=frozen_copy(diag.nk),
            det=frozen_copy(diag.det),
            min_eigenvalue=frozen_copy(diag.min_eigenvalue),
            condition_number=frozen_copy(diag.condition_number),
            flagged=frozen_copy(caught),
        )

    def _reset_covariance(self):
        if self._config.init_covariance == "identity":
            return np.eye(self.X.shape[1]) / self._scale**2
        return self._context.data_cov_std.copy()

    def _make_snapshot(self, events, flagged, converged, detected=None,
                       user_edits=()) -> Snapshot:
        # N_k from the E-step at these parameters, so it matches the labels drawn.
        nk = self._stats[:, 0] + cov_ops.NK_EPS
        weights, means, covs = self.parameters()
        eig = np.linalg.eigvalsh(self._covs)
        diag = diagnostics(nk, eig, self._scale)
        return Snapshot(
            iteration=self._iteration,
            weights=frozen_copy(weights),
            means=frozen_copy(means),
            covariances=frozen_copy(covs),
            log_likelihood=float(self._log_likelihood),
            mean_log_likelihood=float(self._mean_ll()),
            labels=None if self._labels is None else frozen_copy(self._labels),
            nk=frozen_copy(diag.nk),
            det=frozen_copy(diag.det),
            min_eigenvalue=frozen_copy(diag.min_eigenvalue),
            condition_number=frozen_copy(diag.condition_number),
            flagged=frozen_copy(flagged),
            events=tuple(events),
            converged=bool(converged),
            detected=detected,
            user_edits=tuple(user_edits),
        )


class _Curve:
    """The log-likelihoods of a run, one row per iteration, in a growing float64 array.

    16 bytes per iteration (a list of float pairs cost about 112): a run of a million
    iterations keeps 16 MB here, outside the window's history budget.
    """

    def __init__(self):
        self._values = np.empty((64, 2), dtype=np.float64)
        self._n = 0

    def append(self, snapshot):
        if self._n == len(self._values):
            self._values = np.concatenate([self._values, np.empty_like(self._values)])
        self._values[self._n] = (snapshot.log_likelihood, snapshot.mean_log_likelihood)
        self._n += 1

    def truncate(self, n: int):
        """Keep the first ``n`` rows (iterations ``0 .. n - 1``)."""
        self._n = min(self._n, max(int(n), 0))

    def values(self) -> np.ndarray:
        """A copy of shape (n_rows, 2): total and mean log-likelihood."""
        return self._values[:self._n].copy()
