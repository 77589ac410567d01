"""Which starts ended in the same optimum: log-likelihood and parameters, up to labels.

Two fits are the *same optimum* when both hold (:func:`same_optimum`):

- their mean log-likelihoods per point differ by at most ``ll_tol`` (EM stops when the
  change per iteration falls below its ``tol``, so two runs into one optimum stop a little
  apart), and
- their parameters agree once the components are matched (the labels of a mixture are
  arbitrary: start 1's component 0 may be start 2's component 3). Components are matched by
  the assignment that minimises the summed squared distance between means
  (:func:`match_components`, the Hungarian method); then every weight differs by at most
  ``weight_tol``, every mean by at most ``mean_tol`` times the data's scale, and every
  covariance by at most ``cov_tol`` relative to the larger of the two (Frobenius norm).

The log-likelihood alone is not enough: two different optima can have the same value (a
symmetric data set), and the parameters alone can hide a difference the curve shows.
Pure numpy and scipy, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["DEFAULT_TOLERANCE", "OptimumTolerance", "data_scale", "format_log_likelihood", "group_optima", "groups_text",
           "match_components", "same_optimum"]


@dataclass(frozen=True)
class OptimumTolerance:
    """How close two fits must be to count as one optimum (see the module).

    Attributes
    ----------
    ll_tol : float
        Largest difference of the mean log-likelihood per point.
    weight_tol : float
        Largest difference of a matched component's weight.
    mean_tol : float
        Largest distance of matched means, in units of the data's scale.
    cov_tol : float
        Largest relative Frobenius difference of matched covariances.
    """

    ll_tol: float = 5e-3
    weight_tol: float = 0.02
    mean_tol: float = 0.05
    cov_tol: float = 0.15


#: The tolerance used unless another is given.
DEFAULT_TOLERANCE = OptimumTolerance()


def data_scale(X) -> float:
    """The data's overall spread: the root of the mean variance of its columns."""
    X = np.asarray(X, dtype=np.float64)
    scale = float(np.sqrt(X.var(axis=0).mean()))
    return scale if scale > 0 else 1.0


def match_components(means_a, means_b) -> np.ndarray:
    """The permutation of ``b``'s components that best matches ``a``'s.

    Parameters
    ----------
    means_a, means_b : ndarray of shape (n_components, n_features)

    Returns
    -------
    order : ndarray of shape (n_components,)
        ``b``'s component ``order[i]`` matches ``a``'s component ``i``.
    """
    a = np.asarray(means_a, dtype=np.float64)
    b = np.asarray(means_b, dtype=np.float64)
    cost = ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)
    cost = np.where(np.isfinite(cost), cost, np.finfo(np.float64).max / 4)
    rows, cols = linear_sum_assignment(cost)
    order = np.empty(len(a), dtype=int)
    order[rows] = cols
    return order


def same_optimum(a, b, scale: float, tolerance: OptimumTolerance = DEFAULT_TOLERANCE) -> bool:
    """Whether two fitted states are the same optimum (see the module).

    Parameters
    ----------
    a, b : Snapshot
        With ``weights`` (k,), ``means`` (k, d), ``covariances`` (k, d, d) and
        ``mean_log_likelihood``.
    scale : float
        The data's scale (:func:`data_scale`), for the means and covariances.
    tolerance : OptimumTolerance

    Returns
    -------
    bool
    """
    if np.shape(a.means) != np.shape(b.means):
        return False
    if not abs(a.mean_log_likelihood - b.mean_log_likelihood) <= tolerance.ll_tol:
        return False
    order = match_components(a.means, b.means)
    wa, wb = np.asarray(a.weights), np.asarray(b.weights)[order]
    if not np.all(np.abs(wa - wb) <= tolerance.weight_tol):
        return False
    ma, mb = np.asarray(a.means), np.asarray(b.means)[order]
    if not np.all(np.linalg.norm(ma - mb, axis=1) <= tolerance.mean_tol * scale):
        return False
    ca, cb = np.asarray(a.covariances), np.asarray(b.covariances)[order]
    size = np.maximum(np.linalg.norm(ca, axis=(1, 2)), np.linalg.norm(cb, axis=(1, 2)))
    difference = np.linalg.norm(ca - cb, axis=(1, 2))
    return bool(np.all(difference <= tolerance.cov_tol * np.maximum(size, 1e-300)))


def group_optima(states, scale: float,
                 tolerance: OptimumTolerance = DEFAULT_TOLERANCE) -> tuple:
    """Group fitted states by optimum, the best optimum first.

    Each state joins the first group (taken from the best) whose best member is the same
    optimum as it; otherwise it starts a group. So a group's members all match its best
    member, which stands for it.

    Parameters
    ----------
    states : sequence of Snapshot
    scale : float
    tolerance : OptimumTolerance

    Returns
    -------
    tuple of tuple of int
        Indices into ``states``; each group sorted best first, groups by their best
        member's log-likelihood, highest first. A state with a non-finite log-likelihood
        is a group of its own, last.
    """
    order = sorted(range(len(states)),
                   key=lambda i: -states[i].log_likelihood
                   if np.isfinite(states[i].log_likelihood) else np.inf)
    groups: list[list[int]] = []
    for i in order:
        if np.isfinite(states[i].log_likelihood):
            for group in groups:
                head = states[group[0]]
                if np.isfinite(head.log_likelihood) and same_optimum(head, states[i], scale,
                                                                      tolerance):
                    group.append(i)
                    break
            else:
                groups.append([i])
        else:
            groups.append([i])
    return tuple(tuple(g) for g in groups)


#: Optima named one by one after the best; the others are summed up in one clause.
MAX_GROUPS_LISTED = 4


def format_log_likelihood(value: float) -> str:
    """``"−2931.4"``: one decimal, with a true minus sign (as the app writes values)."""
    if not np.isfinite(value):
        return "not a number"
    return f"{value:.1f}".replace("-", "\u2212")


def groups_text(groups, log_likelihoods, n_total: int) -> str:
    """The outcome in words: ``"5 of 8 reached −2931.4; 2 trapped at −3131.9; 1 at −3061.7"``.

    The best optimum comes first ("reached"), then the others from the largest group
    ("trapped at", then "at"); beyond :data:`MAX_GROUPS_LISTED` of them, the rest are
    counted in one clause ("7 more at 6 other optima, from −2996.0 to −3190.6"). Two different optima can show the same value to one
    decimal; their parameters differ.

    Parameters
    ----------
    groups : sequence of sequence of int
        As :func:`group_optima` returns (best first).
    log_likelihoods : sequence of float
        Total log-likelihood of each state.
    n_total : int
        How many starts there are (some may not have finished yet).

    Returns
    -------
    str
        Empty when there is no group.
    """
    if not groups:
        return ""
    best, others = groups[0], sorted(groups[1:], key=lambda g: (-len(g), groups.index(g)))
    best_value = format_log_likelihood(log_likelihoods[best[0]])
    parts = [f"{len(best)} of {n_total} reached {best_value}"]
    # One optimum more is named, not summed up as "1 more at 1 other optima".
    limit = MAX_GROUPS_LISTED if len(others) > MAX_GROUPS_LISTED + 1 else len(others)
    shown, rest = others[:limit], others[limit:]
    for n, group in enumerate(shown):
        verb = "trapped at" if n == 0 else "at"
        parts.append(f"{len(group)} {verb} {format_log_likelihood(log_likelihoods[group[0]])}")
    if rest:
        values = [log_likelihoods[g[0]] for g in rest]
        parts.append(f"{sum(len(g) for g in rest)} more at {len(rest)} other optima, from "
                     f"{format_log_likelihood(max(values))} to "
                     f"{format_log_likelihood(min(values))}")
    return "; ".join(parts)
