"""Covariances given by hand: checked, mapped to a covariance type, and as precisions.

A person who drags an ellipse's edge asks for a full symmetric positive definite matrix;
a run with ``covariance_type`` ``"diag"``, ``"spherical"`` or ``"tied"`` can only hold
some of them. :func:`covariance_for_type` says which one it holds instead, so what is
drawn and recorded is what the run really uses. :func:`precisions_init_for` turns full
covariances into scikit-learn's ``precisions_init`` of a covariance type (a new start
from changed covariances is then an ordinary config). Pure numpy, no Qt.
"""

from __future__ import annotations

import numpy as np

#: A covariance entry beyond this magnitude would overflow once squared (the engine's
#: data limit is the same).
MAX_COVARIANCE_MAGNITUDE = 1e150


class CovarianceEditError(ValueError):
    """A covariance given by hand that cannot be used; the message says why."""


def checked_covariance(covariance, n_features: int) -> np.ndarray:
    """``covariance`` as a symmetric positive definite float64 matrix, or a clear error.

    Parameters
    ----------
    covariance : array-like of shape (n_features, n_features)
    n_features : int

    Returns
    -------
    ndarray of shape (n_features, n_features)
        Symmetrised (the mean of it and its transpose), so rounding in the caller's
        arithmetic does not count as asymmetry.

    Raises
    ------
    CovarianceEditError
        Wrong shape, not numbers, not finite, not symmetric (beyond rounding: 1e-9
        relative), or not positive definite.
    """
    try:
        matrix = np.array(covariance, dtype=np.float64)
    except (TypeError, ValueError):
        raise CovarianceEditError("a covariance must be a square table of numbers.") from None
    d = int(n_features)
    if matrix.shape != (d, d):
        raise CovarianceEditError(f"a covariance of this run must have shape ({d}, {d}); "
                                  f"got {matrix.shape}.")
    if not np.isfinite(matrix).all():
        raise CovarianceEditError("a covariance must hold finite numbers (no NaN or "
                                  "infinity).")
    if np.abs(matrix).max() > MAX_COVARIANCE_MAGNITUDE:
        raise CovarianceEditError(f"a covariance must have entries of at most "
                                  f"{MAX_COVARIANCE_MAGNITUDE:.0e}; got "
                                  f"{np.abs(matrix).max():.3g}.")
    scale = float(np.abs(matrix).max())
    if not np.allclose(matrix, matrix.T, rtol=0, atol=1e-9 * scale):
        raise CovarianceEditError("a covariance must be symmetric (entry (i, j) equal to "
                                  "entry (j, i)).")
    matrix = (matrix + matrix.T) / 2
    smallest = float(np.linalg.eigvalsh(matrix).min())
    if not smallest > 0:
        raise CovarianceEditError(
            f"a covariance must be positive definite (every eigenvalue > 0); its smallest "
            f"eigenvalue is {smallest:.3g}. An ellipse needs a positive length on every "
            "axis.")
    return matrix


def covariance_for_type(covariance, covariance_type: str) -> np.ndarray:
    """The covariance a run of ``covariance_type`` holds for a full one asked for.

    Parameters
    ----------
    covariance : ndarray of shape (D, D)
        Symmetric positive definite (see :func:`checked_covariance`).
    covariance_type : {"full", "tied", "diag", "spherical"}

    Returns
    -------
    ndarray of shape (D, D)
        ``"full"`` and ``"tied"``: the matrix itself (``"tied"``: it becomes every
        component's). ``"diag"``: its diagonal (the variances along the axes; the
        correlations are dropped, the ellipse's axes stay parallel to the coordinate
        axes). ``"spherical"``: the mean of its variances on the diagonal times the
        identity (a circle of the same average spread).
    """
    matrix = np.asarray(covariance, dtype=np.float64)
    if covariance_type in ("full", "tied"):
        return matrix.copy()
    if covariance_type == "diag":
        return np.diag(np.diag(matrix))
    if covariance_type == "spherical":
        return np.eye(len(matrix)) * float(np.mean(np.diag(matrix)))
    raise CovarianceEditError(f"unknown covariance type {covariance_type!r}.")


def precisions_init_for(covariances, covariance_type: str) -> np.ndarray:
    """scikit-learn's ``precisions_init`` for full covariances of a covariance type.

    Parameters
    ----------
    covariances : ndarray of shape (k, D, D)
        Full matrices as a Snapshot holds them (tied ones repeated; diag and spherical
        ones diagonal).
    covariance_type : {"full", "tied", "diag", "spherical"}

    Returns
    -------
    ndarray
        ``"full"``: (k, D, D) inverses; ``"tied"``: (D, D), the inverse of component 0's
        (they are all equal); ``"diag"``: (k, D), the inverse variances;
        ``"spherical"``: (k,), the inverse of each mean variance.
    """
    covs = np.asarray(covariances, dtype=np.float64)
    if covariance_type == "full":
        return np.linalg.inv(covs)
    if covariance_type == "tied":
        return np.linalg.inv(covs[0])
    variances = np.diagonal(covs, axis1=1, axis2=2)
    if covariance_type == "diag":
        return 1.0 / variances
    if covariance_type == "spherical":
        return 1.0 / variances.mean(axis=1)
    raise CovarianceEditError(f"unknown covariance type {covariance_type!r}.")
