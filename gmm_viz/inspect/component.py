"""One component: its M-step in numbers, and the singularity rule closest to firing on it.

:func:`m_step_numbers` gives what the M-step made of component k: N_k, pi_k = N_k / N,
mu_k, Sigma_k, its det, condition number, eigenvalues and eigen-axes, and the half-lengths
of the ellipses drawn on the two shown axes. :func:`closest_rule` measures the component
against every singularity rule of :mod:`gmm_viz.engine.singularity` the way the engine
does, and says which one is nearest to catching it, and by what factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ComponentNumbers", "DataFacts", "RuleCheck", "RuleStatus", "closest_rule",
           "data_facts", "m_step_numbers"]

#: The origin study's rule: |det(cov)| < 1e-2.
STUDY_THRESHOLD = 1e-2
_LARGEST = np.finfo(np.float64).max


@dataclass(frozen=True)
class DataFacts:
    """What the rules need to know about the data; build once per data set (:func:`data_facts`).

    Attributes
    ----------
    n_samples, n_features : int
    log_det : float
        log det of the data's covariance (user coordinates), as the engine's relative det
        rule uses it; 0.0 when that covariance is singular (the engine then compares with
        a unit det).
    """

    n_samples: int
    n_features: int
    log_det: float


def data_facts(X) -> DataFacts:
    """:class:`DataFacts` of ``X`` (array-like of shape (n_samples, n_features))."""
    X = np.asarray(X, dtype=np.float64)
    if X.shape[0] < 2:  # (points being drawn one by one) no covariance yet
        return DataFacts(int(X.shape[0]), int(X.shape[1]), 0.0)
    cov = np.atleast_2d(np.cov(X, rowvar=False))
    sign, log_det = np.linalg.slogdet(cov)
    usable = sign > 0 and np.isfinite(log_det)
    return DataFacts(int(X.shape[0]), int(X.shape[1]), float(log_det) if usable else 0.0)


@dataclass(frozen=True)
class ComponentNumbers:
    """The M-step of one component, and the shape of what is drawn.

    Attributes
    ----------
    component : int
    origin : {"m_step", "initial", "re-placed"}
        Where the parameters come from: an M-step; the initialisation (iteration 0, no
        M-step yet); or a singularity recovery in this iteration (weight, mean and
        covariance set by the rule, not estimated).
    n_samples : int or None
        N, the number of points (None when neither ``X`` nor ``n_samples`` was given).
    nk : float or None
        N_k = sum_i gamma_ik: from ``resp`` when given, else pi_k * N (the M-step's
        count, since pi_k = N_k / N); None without N.
    weight : float
        pi_k as stored in the snapshot.
    mean : ndarray of shape (n_features,)
        mu_k as stored (what is drawn).
    covariance : ndarray of shape (n_features, n_features)
        Sigma_k as stored (with reg_covar on its diagonal and the covariance type's pooling).
    resp_mean, resp_scatter : ndarray of shape (n_features,), (n_features, n_features), or None
        Only with ``X`` and ``resp``: sum_i gamma_ik x_i / N_k and
        sum_i gamma_ik (x_i - mu)(x_i - mu)^T / N_k computed from them (the full
        covariance type's M-step before reg_covar); None otherwise.
    det : float
        det(Sigma_k) (0 or the largest float where it under- or overflows).
    log_det : float
        log det(Sigma_k), exact where ``det`` is not.
    condition_number : float
        Largest over smallest eigenvalue.
    eigenvalues : ndarray of shape (n_features,)
        Ascending.
    eigenvectors : ndarray of shape (n_features, n_features)
        Column j belongs to ``eigenvalues[j]``.
    axes : tuple of (int, int)
        The two shown features.
    marginal : ndarray of shape (2, 2)
        Sigma_k restricted to the shown axes (what the ellipse is drawn from).
    marginal_eigenvalues : ndarray of shape (2,)
        Ascending.
    marginal_axes : ndarray of shape (2, 2)
        Unit eigen-axes of the marginal: column j belongs to ``marginal_eigenvalues[j]``.
    half_lengths : dict of int to ndarray of shape (2,)
        For each sigma level s: s * sqrt(marginal_eigenvalues), the ellipse's half-lengths
        along ``marginal_axes`` (minor first).
    """

    component: int
    origin: str
    n_samples: int | None
    nk: float | None
    weight: float
    mean: np.ndarray
    covariance: np.ndarray
    resp_mean: np.ndarray | None
    resp_scatter: np.ndarray | None
    det: float
    log_det: float
    condition_number: float
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    axes: tuple
    marginal: np.ndarray
    marginal_eigenvalues: np.ndarray
    marginal_axes: np.ndarray
    half_lengths: dict


def _origin(snapshot, k) -> str:
    if int(snapshot.iteration) == 0:
        return "initial"
    if k in set(getattr(snapshot, "recovered_components", ())):
        return "re-placed"
    return "m_step"


def _checked_component(snapshot, k) -> int:
    n = int(np.shape(snapshot.weights)[0])
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k < n:
        raise ValueError(f"component must be a whole number from 0 to {n - 1}; got {k!r}.")
    return int(k)


def _spectrum(covariance):
    """Eigenvalues (ascending), eigenvectors, log det, det and condition number."""
    values, vectors = np.linalg.eigh(covariance)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_det = float(np.log(values).sum()) if (values > 0).all() else -np.inf
        det = float(np.exp(log_det)) if np.isfinite(log_det) else 0.0
        cond = float(values[-1] / values[0]) if values[0] > 0 else np.inf
    return values, vectors, log_det, min(det, _LARGEST), min(cond, _LARGEST)


def m_step_numbers(snapshot, k, X=None, resp=None, *, n_samples=None, axes=(0, 1),
                   sigma_levels=(1, 2, 3)) -> ComponentNumbers:
    """The M-step's numbers of component ``k`` in ``snapshot``.

    Parameters
    ----------
    snapshot : Snapshot
        ``iteration``, ``weights``, ``means``, ``covariances`` and ``events`` are read.
    k : int
        The component.
    X : array-like of shape (n_samples, n_features), optional
        The data (gives N, and with ``resp`` the sums of the M-step).
    resp : array-like of shape (n_samples, n_components), optional
        The responsibilities the M-step used: those of the *previous* iteration's
        parameters (``engine.responsibilities_for(history[t - 1])`` for iteration t).
    n_samples : int, optional
        N when ``X`` is not given.
    axes : (int, int), default=(0, 1)
        The two features shown on the canvas.
    sigma_levels : sequence of int, default=(1, 2, 3)
        The ellipses drawn (standard deviations).

    Returns
    -------
    ComponentNumbers
    """
    k = _checked_component(snapshot, k)
    mean = np.array(snapshot.means[k], dtype=np.float64)
    covariance = np.array(snapshot.covariances[k], dtype=np.float64)
    n_features = mean.shape[0]
    i, j = (int(a) for a in axes)
    if not (0 <= i < n_features and 0 <= j < n_features and i != j):
        raise ValueError(f"axes must be two different features from 0 to {n_features - 1}; "
                         f"got {axes!r}.")
    weight = float(snapshot.weights[k])
    resp_mean = resp_scatter = None
    if X is not None:
        X = np.asarray(X, dtype=np.float64)
        n_samples = int(X.shape[0])
    if resp is not None:
        if X is None:
            raise ValueError("resp needs X: the M-step's sums are over the points.")
        gamma = np.asarray(resp, dtype=np.float64)[:, k]
        if gamma.shape != (n_samples,):
            raise ValueError(f"resp must have one row per point ({n_samples}).")
        nk = float(gamma.sum())
        if nk > 0:
            resp_mean = gamma @ X / nk
            centred = X - resp_mean
            resp_scatter = (gamma[:, None] * centred).T @ centred / nk
    else:
        nk = None if n_samples is None else weight * int(n_samples)
    values, vectors, log_det, det, cond = _spectrum(covariance)
    marginal = covariance[np.ix_([i, j], [i, j])]
    m_values, m_vectors = np.linalg.eigh(marginal)
    roots = np.sqrt(np.clip(m_values, 0.0, None))
    return ComponentNumbers(
        component=k,
        origin=_origin(snapshot, k),
        n_samples=None if n_samples is None else int(n_samples),
        nk=nk,
        weight=weight,
        mean=mean,
        covariance=covariance,
        resp_mean=resp_mean,
        resp_scatter=resp_scatter,
        det=det,
        log_det=log_det,
        condition_number=cond,
        eigenvalues=values,
        eigenvectors=vectors,
        axes=(i, j),
        marginal=marginal,
        marginal_eigenvalues=m_values,
        marginal_axes=m_vectors,
        half_lengths={int(s): float(s) * roots for s in sigma_levels},
    )


@dataclass(frozen=True)
class RuleCheck:
    """One singularity test applied to one component.

    Attributes
    ----------
    rule : str
        ``"det"``, ``"relative_det"`` or ``"needle"`` (the engine's names).
    quantity : str
        What is measured, in the engine's words: ``"|det(cov)|"``,
        ``"det(cov) / det(data cov)"``, ``"condition number"`` or ``"N_k"``.
    value : float
        The measured value.
    threshold : float
        What it is compared with (the det rules' threshold, the condition limit, or D + 1).
    factor : float
        How far from firing: value / threshold for the quantities that must not fall below
        their threshold (the dets, N_k); limit / condition number for the condition number.
        The test fires exactly when ``factor < 1``; the larger, the safer.
    fires : bool
        Whether the engine's rule would catch the component on this test.
    active : bool
        Whether the test belongs to a rule of the config in force.
    """

    rule: str
    quantity: str
    value: float
    threshold: float
    factor: float
    fires: bool
    active: bool


@dataclass(frozen=True)
class RuleStatus:
    """Every singularity test on one component, and the closest one.

    Attributes
    ----------
    component : int
    rule_setting : str
        The config's ``rule`` (``"none"``, ``"det"``, ``"det+needle"``, ...).
    checks : tuple of RuleCheck
        The active rules' tests (the det test with the study's threshold 1e-2 when the
        rule is ``"none"``, marked ``active=False``).
    closest : RuleCheck
        The check with the smallest factor (nearest to firing, or firing most).
    """

    component: int
    rule_setting: str
    checks: tuple
    closest: RuleCheck

    @property
    def fires(self) -> bool:
        """Whether an active rule catches the component."""
        return any(c.fires and c.active for c in self.checks)


def _ratio(log_value, threshold):
    """value / threshold and value < threshold from a log value, without overflow."""
    if not threshold > 0:
        return _LARGEST, False  # a threshold of 0 catches nothing
    log_factor = log_value - float(np.log(threshold))
    with np.errstate(over="ignore", under="ignore"):
        factor = float(np.exp(np.clip(log_factor, -745.0, 709.0)))
    return factor, bool(log_value < np.log(threshold))


def _det_check(log_det, threshold, active):
    factor, fires = _ratio(log_det, threshold)
    with np.errstate(over="ignore", under="ignore"):
        value = float(min(np.exp(log_det), _LARGEST)) if np.isfinite(log_det) else 0.0
    return RuleCheck("det", "|det(cov)|", value, float(threshold), factor, fires, active)


def closest_rule(snapshot, k, config, data) -> RuleStatus:
    """Which singularity rule is closest to firing on component ``k``, and by what factor.

    Each test is the engine's (:mod:`gmm_viz.engine.singularity`), on the snapshot's
    covariance: ``|det| < threshold``; ``det / det(data cov) < threshold``; the needle
    rule's ``condition number > condition_limit`` and ``N_k < D + 1`` (N_k = pi_k * N,
    the M-step's count). Pass the state the rule judged: an iteration's
    ``Snapshot.detected`` when it re-placed a component (the re-placed parameters are not
    what was caught), else the snapshot.

    Parameters
    ----------
    snapshot : Snapshot
    k : int
    config : EMConfig
        ``rule``, ``rules``, ``threshold`` and ``condition_limit`` are read.
    data : DataFacts or array-like of shape (n_samples, n_features)
        The data (:func:`data_facts`; build it once per data set, an array is measured on
        every call).

    Returns
    -------
    RuleStatus
    """
    k = _checked_component(snapshot, k)
    facts = data if isinstance(data, DataFacts) else data_facts(data)
    covariance = np.asarray(snapshot.covariances[k], dtype=np.float64)
    _, _, log_det, _, cond = _spectrum(covariance)
    rules = tuple(config.rules)
    checks = []
    if not rules:
        checks.append(_det_check(log_det, STUDY_THRESHOLD, active=False))
    if "det" in rules:
        checks.append(_det_check(log_det, config.threshold, active=True))
    if "relative_det" in rules:
        log_relative = log_det - facts.log_det
        factor, fires = _ratio(log_relative, config.threshold)
        with np.errstate(over="ignore", under="ignore"):
            value = (float(min(np.exp(log_relative), _LARGEST)) if np.isfinite(log_relative)
                     else 0.0)
        checks.append(RuleCheck("relative_det", "det(cov) / det(data cov)", value,
                                float(config.threshold), factor, fires, True))
    if "needle" in rules:
        limit = float(config.condition_limit)
        checks.append(RuleCheck("needle", "condition number", cond, limit,
                                limit / cond if cond > 0 else _LARGEST, bool(cond > limit),
                                True))
        # The engine tests N_k only when the condition number did not fire already.
        nk = float(snapshot.weights[k]) * facts.n_samples
        minimum = float(facts.n_features + 1)
        checks.append(RuleCheck("needle", "N_k", nk, minimum, nk / minimum,
                                bool(nk < minimum), True))
    closest = min(checks, key=lambda c: c.factor)
    return RuleStatus(component=k, rule_setting=config.rule, checks=tuple(checks),
                      closest=closest)
