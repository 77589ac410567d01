"""Rules that catch degenerate components, and what to do with a caught one.

The origin study's rule is ``|det(cov_k)| < threshold`` (absolute, as written). It catches a
Gaussian that collapsed onto a point, but its threshold depends on the data's units, and it
misses a component that became a long needle along a sparse cluster (det stays large).
Hence two more rules: the det relative to the data covariance's det (scale-free), and a
"needle" rule on the condition number and on the number of points a component still has.

Rules look at :class:`ComponentDiagnostics` (user coordinates) and name the components
they catch. Recovery policies then change the parameters (standardised coordinates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ComponentDiagnostics:
    """Per-component measurements, in the user's coordinates.

    Attributes
    ----------
    nk : ndarray of shape (n_components,)
    det : ndarray of shape (n_components,)
        Determinant of each covariance (the largest float where it overflows).
    log_det : ndarray of shape (n_components,)
        Its natural logarithm, exact where ``det`` over- or underflows.
    min_eigenvalue : ndarray of shape (n_components,)
    condition_number : ndarray of shape (n_components,)
    """

    nk: np.ndarray
    det: np.ndarray
    log_det: np.ndarray
    min_eigenvalue: np.ndarray
    condition_number: np.ndarray


_LARGEST = np.finfo(float).max


def diagnostics(nk, eigenvalues_std, scale):
    """Measure every component from its covariance eigenvalues.

    Parameters
    ----------
    nk : ndarray of shape (n_components,)
    eigenvalues_std : ndarray of shape (n_components, n_features)
        Eigenvalues of the covariances in standardised coordinates (ascending, > 0).
    scale : float
        The standardisation scale; user-coordinate eigenvalues are ``scale**2`` times larger.

    Returns
    -------
    ComponentDiagnostics
    """
    n_features = eigenvalues_std.shape[1]
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        log_det = np.log(eigenvalues_std).sum(axis=1) + 2 * n_features * np.log(scale)
        det = np.exp(log_det)
        smallest = eigenvalues_std[:, 0] * scale**2
        # The condition number is scale-free: take it from the standardised eigenvalues.
        cond = eigenvalues_std[:, -1] / eigenvalues_std[:, 0]
    # No inf or NaN may leave the engine: beyond float range report the largest float,
    # which still compares above any limit.
    clean = {"nan": _LARGEST, "posinf": _LARGEST, "neginf": -_LARGEST}
    return ComponentDiagnostics(
        nk=nk.copy(),
        det=_finite(det, nan=0.0, posinf=_LARGEST),
        log_det=_finite(log_det, nan=-_LARGEST, posinf=_LARGEST, neginf=-_LARGEST),
        min_eigenvalue=_finite(smallest, nan=0.0, posinf=_LARGEST),
        condition_number=_finite(cond, **clean),
    )


def _finite(values, **replacements):
    """``np.nan_to_num(values, **replacements)``, skipped when all are finite already
    (nan_to_num costs ~15 us a call in Python, a tenth of an EM step's checks at 2,000
    points; the test costs ~2 us)."""
    if np.isfinite(values).all():
        return values
    return np.nan_to_num(values, **replacements)


@dataclass(frozen=True)
class Detection:
    """One component caught by one rule."""

    component: int
    rule: str
    reason: str
    value: float
    threshold: float


def _below(log_value, threshold):
    """``exp(log_value) < threshold``, compared in log space (no over/underflow)."""
    with np.errstate(divide="ignore"):
        return log_value < np.log(threshold)


def _det_rule(diag, config, context):
    # A covariance is positive definite, so |det| = det.
    caught = np.flatnonzero(_below(diag.log_det, config.threshold))
    return [Detection(int(k), "det", "|det(cov)|", float(diag.det[k]), config.threshold)
            for k in caught]


def _relative_det_rule(diag, config, context):
    log_relative = diag.log_det - context.data_log_det
    caught = np.flatnonzero(_below(log_relative, config.threshold))
    with np.errstate(over="ignore", under="ignore"):
        relative = np.minimum(np.exp(log_relative), _LARGEST)
    return [Detection(int(k), "relative_det", "det(cov) / det(data cov)", float(relative[k]),
                      config.threshold) for k in caught]


def _needle_rule(diag, config, context):
    found = []
    min_points = context.n_features + 1
    for k in range(len(diag.nk)):
        if diag.condition_number[k] > config.condition_limit:
            found.append(Detection(k, "needle", "condition number",
                                   float(diag.condition_number[k]), config.condition_limit))
        elif diag.nk[k] < min_points:
            found.append(Detection(k, "needle", "N_k", float(diag.nk[k]), float(min_points)))
    return found


#: Singularity rules by name.
RULE_FUNCTIONS = {"det": _det_rule, "relative_det": _relative_det_rule, "needle": _needle_rule}


@dataclass(frozen=True)
class RuleContext:
    """Facts about the data that rules and recoveries need.

    Attributes
    ----------
    n_features : int
    data_log_det : float
        Log-determinant of the data covariance (user coordinates); 0.0 when the data
        covariance is singular.
    low, high : ndarray of shape (n_features,)
        Bounding box of the standardised data.
    data_cov_std : ndarray of shape (n_features, n_features)
        Covariance of the standardised data.
    """

    n_features: int
    data_log_det: float
    low: np.ndarray
    high: np.ndarray
    data_cov_std: np.ndarray


def detect(diag, config, context):
    """Apply every active rule; a component is reported once, by the first rule that fires.

    Returns
    -------
    list of Detection
    """
    seen, found = set(), []
    for name in config.rules:
        for detection in RULE_FUNCTIONS[name](diag, config, context):
            if detection.component not in seen:
                seen.add(detection.component)
                found.append(detection)
    return found


# --- recovery policies: (k, weights, means, covs, ...) -> modify in place ---------------


def _recover_random_range(k, weights, means, covariances, reset_cov, context, random_state,
                          worst_point, config):
    # The study: a new random place inside the data range, a fresh covariance, and a high
    # mixing weight so that the component can push into other clusters.
    means[k] = random_state.uniform(context.low, context.high)
    covariances[k] = reset_cov
    _give_weight(weights, k, config.recovery_weight)


def _recover_worst_point(k, weights, means, covariances, reset_cov, context, random_state,
                         worst_point, config):
    # Deterministic alternative: sit on the point the current model explains worst.
    means[k] = worst_point
    covariances[k] = reset_cov
    _give_weight(weights, k, 1.0 / len(weights))


def _recover_flag(k, weights, means, covariances, reset_cov, context, random_state,
                  worst_point, config):
    """Only flag: parameters stay as EM made them."""


def _give_weight(weights, k, weight):
    others = weights.sum() - weights[k]
    if others > 0:
        weights *= (1.0 - weight) / others
    weights[k] = weight


#: Recovery policies by name.
RECOVERY_FUNCTIONS = {
    "random_range": _recover_random_range,
    "worst_point": _recover_worst_point,
    "flag": _recover_flag,
}
