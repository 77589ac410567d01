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
    min_eigenvalue : ndarray of shape (n_components,)
    condition_number : ndarray of shape (n_components,)
    """

    nk: np.ndarray
    det: np.ndarray
    min_eigenvalue: np.ndarray
    condition_number: np.ndarray


def diagnostics(nk, eigenvalues_std, scale):
    """Measure every component from its covariance eigenvalues.

    Parameters
    ----------
    nk : ndarray of shape (n_components,)
    eigenvalues_std : ndarray of shape (n_components, n_features)
        Eigenvalues of the covariances in standardised coordinates (ascending).
    scale : float
        The standardisation scale; user-coordinate eigenvalues are ``scale**2`` times larger.

    Returns
    -------
    ComponentDiagnostics
    """
    eig = eigenvalues_std * scale**2
    smallest = eig[:, 0]
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        det = np.prod(eig, axis=1)
        cond = np.where(smallest > 0, eig[:, -1] / smallest, np.inf)
    # No inf may leave the engine: a condition number beyond float range is reported as
    # the largest float, which still compares above any limit.
    cond = np.nan_to_num(cond, nan=np.finfo(float).max, posinf=np.finfo(float).max)
    det = np.nan_to_num(det, nan=0.0, posinf=np.finfo(float).max)
    return ComponentDiagnostics(nk.copy(), det, smallest.copy(), cond)


@dataclass(frozen=True)
class Detection:
    """One component caught by one rule."""

    component: int
    rule: str
    reason: str
    value: float
    threshold: float


def _det_rule(diag, config, context):
    caught = np.flatnonzero(np.abs(diag.det) < config.threshold)
    return [Detection(int(k), "det", "|det(cov)|", float(abs(diag.det[k])), config.threshold)
            for k in caught]


def _relative_det_rule(diag, config, context):
    relative = np.abs(diag.det) / context.data_det
    caught = np.flatnonzero(relative < config.threshold)
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
    data_det : float
        Determinant of the data covariance (user coordinates); 1.0 if it is not positive.
    low, high : ndarray of shape (n_features,)
        Bounding box of the standardised data.
    data_cov_std : ndarray of shape (n_features, n_features)
        Covariance of the standardised data.
    """

    n_features: int
    data_det: float
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
