"""Gaussian parameters from sufficient statistics, per covariance type.

All covariances are kept internally as full ``(n_components, D, D)`` matrices, whatever the
covariance type, so that the E-step, the diagnostics and the views need no dispatch; the
type only decides how the M-step pools the second moments (a dict of estimators below)
and how parameters are presented in scikit-learn's shapes.
"""

from __future__ import annotations

import numpy as np

#: scikit-learn adds this to N_k so that an empty component never divides by zero.
NK_EPS = 10 * np.finfo(np.float64).eps


def _full(nk, means, second):
    cov = second / nk[:, None, None] - means[:, :, None] * means[:, None, :]
    return cov


def _tied(nk, means, second):
    pooled = second.sum(axis=0) - np.einsum("k,ki,kj->ij", nk, means, means)
    pooled /= nk.sum()
    return np.broadcast_to(pooled, second.shape).copy()


def _diag(nk, means, second):
    variances = np.einsum("kii->ki", second) / nk[:, None] - means**2
    cov = np.zeros_like(second)
    idx = np.arange(means.shape[1])
    cov[:, idx, idx] = variances
    return cov


def _spherical(nk, means, second):
    variances = (np.einsum("kii->ki", second) / nk[:, None] - means**2).mean(axis=1)
    return variances[:, None, None] * np.eye(means.shape[1])


#: M-step covariance estimators (scikit-learn's formulas, written on moments).
COVARIANCE_ESTIMATORS = {"full": _full, "tied": _tied, "diag": _diag, "spherical": _spherical}


def gaussian_parameters(nk_raw, first, second, covariance_type, reg_covar):
    """Weights (unnormalised), means and covariances from weighted moments.

    Parameters
    ----------
    nk_raw : ndarray of shape (n_components,)
        Sum of responsibilities per component.
    first : ndarray of shape (n_components, n_features)
    second : ndarray of shape (n_components, n_features, n_features)
    covariance_type : str
    reg_covar : float
        Added to the diagonal (in the coordinates of the moments).

    Returns
    -------
    nk : ndarray of shape (n_components,)
        ``nk_raw + 10 eps``, as in scikit-learn.
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray of shape (n_components, n_features, n_features)
    """
    nk = nk_raw + NK_EPS
    means = first / nk[:, None]
    cov = COVARIANCE_ESTIMATORS[covariance_type](nk, means, second)
    idx = np.arange(means.shape[1])
    cov[:, idx, idx] += reg_covar
    return nk, means, cov


#: Rows per block when the first M-step works on the points themselves.
_ROWS_PER_BLOCK = 65536


def parameters_from_responsibilities(Z, resp, covariance_type, reg_covar, origin):
    """The first M-step, from an initialiser's responsibilities, as scikit-learn does it.

    Later M-steps use the kernel's raw moments (``E[zz'] - mu mu'``). The first one is
    computed on the points, centred on each mean, because scikit-learn's k-means++ and
    random_from_data starts give each component a single point: its covariance is then
    ``reg_covar`` alone, and the raw moments' rounding (``10 eps * z**2``) would swamp it.

    scikit-learn's tied estimate is ``(X'X - sum_k N_k mu_k mu_k') / sum_k N_k`` on the
    whole data, in the user's coordinates. With responsibilities that sum to 1 for every
    point this is the pooled within-component scatter. With one point per component, the
    points no component was given still enter ``X'X``: about the user's origin, so they
    are added here about ``origin`` (the user's origin in standardised coordinates).

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Standardised data.
    resp : ndarray of shape (n_samples, n_components)
    covariance_type : str
    reg_covar : float
        Added to the diagonal (standardised coordinates).
    origin : ndarray of shape (n_features,)
        The user's origin in standardised coordinates (``-shift / scale``).

    Returns
    -------
    nk : ndarray of shape (n_components,)
        ``resp.sum(axis=0) + 10 eps``, as in scikit-learn.
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray of shape (n_components, n_features, n_features)
    """
    n_samples, n_features = Z.shape
    n_components = resp.shape[1]
    nk = resp.sum(axis=0) + NK_EPS
    means = (resp.T @ Z) / nk[:, None]
    scatter = np.zeros((n_components, n_features, n_features))
    for start in range(0, n_samples, _ROWS_PER_BLOCK):
        rows = slice(start, start + _ROWS_PER_BLOCK)
        by_component = np.ascontiguousarray(resp[rows].T)  # a column is a slow stride
        for k in range(n_components):
            scatter[k] += _weighted_scatter(Z[rows], by_component[k], means[k])
    if covariance_type == "tied":
        pooled = scatter.sum(axis=0)
        unassigned = resp.sum(axis=1) == 0
        if unassigned.any():
            about_origin = Z[unassigned] - origin
            pooled += about_origin.T @ about_origin
        cov = np.broadcast_to(pooled / nk.sum(), scatter.shape).copy()
    else:
        cov = scatter / nk[:, None, None]
        if covariance_type != "full":
            variances = np.einsum("kii->ki", cov)
            if covariance_type == "spherical":
                variances = variances.mean(axis=1, keepdims=True)
            cov = variances[:, :, None] * np.eye(n_features)
    idx = np.arange(n_features)
    cov[:, idx, idx] += reg_covar
    return nk, means, cov


def _weighted_scatter(Z, r, mean):
    """``sum_i r_i (z_i - mean)(z_i - mean)^T`` over the points with ``r_i != 0``.

    k-means, k-means++ and random_from_data give each point to one component (or none):
    only those rows are used, so all components together cost about one pass over the
    data instead of k.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
    r : ndarray of shape (n_samples,)
    mean : ndarray of shape (n_features,)

    Returns
    -------
    scatter : ndarray of shape (n_features, n_features)
    """
    rows = np.flatnonzero(r)
    if 2 * len(rows) < len(r):
        Z, r = Z[rows], r[rows]
    diff = Z - mean
    return (r[:, None] * diff).T @ diff


def eigen_decomposition(covariances):
    """Eigenvalues (ascending) and eigenvectors of each covariance.

    Returns
    -------
    eigenvalues : ndarray of shape (n_components, n_features)
    eigenvectors : ndarray of shape (n_components, n_features, n_features)
    """
    return np.linalg.eigh(covariances)


#: Smallest eigenvalue relative to the largest one of the same covariance (see below).
_RELATIVE_FLOOR = 1e-12


def repair_covariances(covariances, floor):
    """Make every covariance symmetric positive definite, with eigenvalues >= ``floor``.

    ``E[zz'] - mu mu'`` resolves a variance only down to its rounding, about 1e-16 of the
    data's: a component collapsed onto one point (or one coordinate value) gets that
    rounding as its variance, positive or not. A matrix with an eigenvalue below ``floor``
    is rebuilt from its eigen-decomposition with those eigenvalues raised to ``floor``.

    Why every eigenvalue below ``floor`` (not only those <= 0): raising the eigenvalues of
    the M-step's scatter matrix to a floor is the exact maximiser of the M-step's
    objective over covariances whose eigenvalues are >= floor, for every covariance type
    (for diag and spherical it is the variance raised to the floor). So EM stays monotone.
    Repairing only the non-positive ones let a collapsed variance alternate between
    its rounding (1e-15) and the floor, and the log-likelihood with it (by up to 2 nats
    per point when ``reg_covar`` is negligible next to the data's spread). Healthy
    matrices are returned untouched (so the engine still matches scikit-learn to the
    last digits on them).

    Parameters
    ----------
    covariances : ndarray of shape (n_components, n_features, n_features)
    floor : float
        Smallest eigenvalue allowed (> 0).

    Returns
    -------
    covariances : ndarray of shape (n_components, n_features, n_features)
    repaired : ndarray of shape (n_components,) of bool
    """
    values, vectors = eigen_decomposition(covariances)
    # A matrix rebuilt from its eigenvectors carries rounding of about eps times its
    # largest eigenvalue: past a condition number of 1 / _RELATIVE_FLOOR the floor alone
    # would not keep it positive definite (scikit-learn's tied start on data far from the
    # origin is nearly rank one), so the floor also follows the largest eigenvalue there.
    largest = np.nan_to_num(np.abs(values).max(axis=1), nan=0.0, posinf=0.0)
    floors = np.maximum(floor, _RELATIVE_FLOOR * largest)
    bad = ~(values[:, 0] >= floors) | ~np.isfinite(values).all(axis=1)
    if bad.any():
        covariances = covariances.copy()
        for k in np.flatnonzero(bad):
            v = np.nan_to_num(values[k], nan=floor, posinf=floor, neginf=floor)
            vec = vectors[k] if np.isfinite(vectors[k]).all() else np.eye(len(v))
            rebuilt = (vec * np.maximum(v, floors[k])) @ vec.T
            covariances[k] = 0.5 * (rebuilt + rebuilt.T)
    return covariances, bad


def sklearn_positive_definite(covariances, covariance_type):
    """Whether scikit-learn would accept these covariances (``_compute_precision_cholesky``).

    Parameters
    ----------
    covariances : ndarray of shape (n, n_features, n_features)
        Full matrices, whatever the type.
    covariance_type : str

    Returns
    -------
    bool
        For full and tied: every Cholesky factorisation succeeds; for diag and spherical:
        every variance is > 0.
    """
    if covariance_type in ("diag", "spherical"):
        return bool((np.einsum("kii->ki", covariances) > 0).all())
    for matrix in covariances:
        try:
            np.linalg.cholesky(matrix)
        except np.linalg.LinAlgError:
            return False
    return True


def precisions_and_log_det(covariances):
    """Inverse covariances and the log-determinant of each inverse.

    Uses a Cholesky factor, as scikit-learn does, so results agree to rounding.

    Parameters
    ----------
    covariances : ndarray of shape (n_components, n_features, n_features)
        Symmetric positive definite.

    Returns
    -------
    precisions : ndarray of shape (n_components, n_features, n_features)
    log_det_precisions : ndarray of shape (n_components,)
    """
    chol = np.linalg.cholesky(covariances)
    n_features = covariances.shape[-1]
    eye = np.broadcast_to(np.eye(n_features), covariances.shape)
    inv_chol = np.linalg.solve(chol, eye)  # L^-1 (lower triangular)
    precisions = np.einsum("kji,kjl->kil", inv_chol, inv_chol)  # L^-T L^-1
    log_det = -2.0 * np.log(np.einsum("kii->ki", chol)).sum(axis=1)
    return precisions, log_det


# --- scikit-learn's shapes -------------------------------------------------------------


def to_sklearn_covariances(covariances, covariance_type):
    """Full ``(K, D, D)`` matrices in scikit-learn's shape for ``covariance_type``."""
    if covariance_type == "full":
        return covariances.copy()
    if covariance_type == "tied":
        return covariances[0].copy()
    diagonal = np.einsum("kii->ki", covariances).copy()
    return diagonal if covariance_type == "diag" else diagonal.mean(axis=1)


def from_sklearn_precisions(precisions, covariance_type, n_components, n_features):
    """scikit-learn-shaped precisions (``precisions_init``) to full ``(K, D, D)`` matrices."""
    precisions = np.asarray(precisions, dtype=np.float64)
    expected = {
        "full": (n_components, n_features, n_features),
        "tied": (n_features, n_features),
        "diag": (n_components, n_features),
        "spherical": (n_components,),
    }[covariance_type]
    if precisions.shape != expected:
        raise ValueError(
            f"precisions_init for covariance_type={covariance_type!r} must have shape "
            f"{expected}; got {precisions.shape}."
        )
    eye = np.eye(n_features)
    if covariance_type == "full":
        full = precisions.copy()
    elif covariance_type == "tied":
        full = np.broadcast_to(precisions, (n_components, n_features, n_features)).copy()
    elif covariance_type == "diag":
        full = precisions[:, :, None] * eye
    else:
        full = precisions[:, None, None] * eye
    values = np.linalg.eigvalsh(full) if np.isfinite(full).all() else None
    if values is None or not (values > 0).all() or not np.allclose(full, full.transpose(0, 2, 1)):
        raise ValueError(
            "precisions_init must be symmetric positive definite (all eigenvalues > 0)."
        )
    return full


def sklearn_precision_cholesky(covariances, covariance_type):
    """scikit-learn's ``precisions_cholesky_`` for covariances in its shape.

    ``L^-T`` for the Cholesky factor ``L`` of each covariance, as scikit-learn computes it,
    but batched in numpy: scipy's ``solve_triangular`` costs milliseconds per tiny matrix.
    """
    if covariance_type in ("diag", "spherical"):
        return 1.0 / np.sqrt(covariances)
    mats = covariances[None] if covariance_type == "tied" else covariances
    chol = np.linalg.cholesky(mats)
    eye = np.broadcast_to(np.eye(mats.shape[-1]), mats.shape)
    out = np.linalg.solve(chol, eye).transpose(0, 2, 1)
    return out[0] if covariance_type == "tied" else out


def sklearn_precisions(precisions_cholesky, covariance_type):
    """scikit-learn's ``precisions_`` from its ``precisions_cholesky_``."""
    if covariance_type in ("diag", "spherical"):
        return precisions_cholesky**2
    if covariance_type == "tied":
        return precisions_cholesky @ precisions_cholesky.T
    return np.einsum("kij,klj->kil", precisions_cholesky, precisions_cholesky)


def n_parameters(n_components, n_features, covariance_type):
    """Number of free parameters, as scikit-learn counts them for BIC/AIC."""
    cov_params = {
        "full": n_components * n_features * (n_features + 1) / 2.0,
        "tied": n_features * (n_features + 1) / 2.0,
        "diag": n_components * n_features,
        "spherical": n_components,
    }[covariance_type]
    return int(cov_params + n_components * n_features + n_components - 1)
