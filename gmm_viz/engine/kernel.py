"""The E-step and the M-step's sufficient statistics, as two matrix products per chunk.

Why this layout (see DESIGN.md, "Performance"): the log-density of a Gaussian is a
quadratic form in the point, so with the per-point features

    phi(z) = [1, z_1, ..., z_D, z_i * z_j for i <= j]          (P = 1 + D + D(D+1)/2)

the weighted log-density of every component at every point is one product
``C @ phi.T`` with a (K, P) coefficient matrix ``C``. And the M-step needs only
``resp.T @ phi``: the effective counts, the first and the second moments of each component.
Working on (K, chunk) blocks that stay in cache, with ``log_prob - max`` clamped at -700
before ``exp`` (``exp`` of very negative inputs is several times slower and contributes
nothing above 1e-304), replaces scikit-learn's ~10 passes over an (N, K) array.

The data are standardised once (a shift and one scalar scale, which keeps full, tied,
diagonal and spherical covariances of the same kind) so that raw second moments keep
their precision. Everything in this module works in standardised coordinates.

Two implementations of the E-step and the responsibilities: the numpy one here
(:func:`_e_step_distinct_numpy`, :func:`responsibilities_numpy`: the reference the tests
check against, and the fallback) and a fused numba one that holds no GIL
(:mod:`gmm_viz.engine.fused_kernel`). The choice is made once per process and becomes final
at the first E-step (or responsibilities): by default the fused kernel whenever numba can be
imported, unless ``GMM_VIZ_KERNEL=numpy`` is set; :func:`choose_kernel` can choose before
that. So every run, and every replay of it, in one process uses the same kernel (the two
agree to ~1e-13, not to the bit). numba is imported only then, not with this module: it
costs ~0.25 s, which a window's GUI thread should not pay before its first paint.
:func:`kernel_name` (or :data:`KERNEL`) says which kernel is in use.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from dataclasses import dataclass

import numpy as np

#: The kernels' names.
KERNELS = ("fused", "numpy")
_choice_lock = threading.RLock()
_chosen: str | None = None  # set by choose_kernel() or at the first use
_final = False  # True once an E-step has run: the choice can no longer change
_fused = None  # the fused_kernel module, once imported


def fused_available() -> bool:
    """Whether the fused kernel may be used by default: numba is installed and
    ``GMM_VIZ_KERNEL=numpy`` is not set. Cheap: imports nothing."""
    if os.environ.get("GMM_VIZ_KERNEL", "").strip().lower() == "numpy":
        return False
    return importlib.util.find_spec("numba") is not None


def choose_kernel(name: str) -> str:
    """Choose this process's E-step kernel, ``"fused"`` or ``"numpy"``; returns the name.

    Allowed until the first E-step; then only the kernel in use may be "chosen" again
    (a run and its replays never change kernel). Choosing ``"fused"`` imports numba.

    Raises
    ------
    ValueError
        An unknown name.
    ImportError
        ``"fused"`` without numba.
    RuntimeError
        Another kernel than the one already used by an E-step.
    """
    global _chosen, _fused
    if name not in KERNELS:
        raise ValueError(f"unknown kernel {name!r}: one of {', '.join(KERNELS)}")
    with _choice_lock:
        if _final and name != _chosen:
            raise RuntimeError(f"the {_chosen} kernel is in use; it cannot change now")
        if name == "fused" and _fused is None:
            from gmm_viz.engine import fused_kernel

            _fused = fused_kernel
        _chosen = name
        return name


def kernel_name(chosen_only: bool = False) -> str | None:
    """The E-step kernel of this process: ``"fused"`` or ``"numpy"``.

    Parameters
    ----------
    chosen_only : bool
        True: None while nothing has chosen yet (nothing is imported or decided). False:
        decide now if needed, by the default rule (the fused kernel if numba imports).
    """
    with _choice_lock:
        if _chosen is None and not chosen_only:
            _choose_default()
        return _chosen


def _choose_default() -> None:
    """The fused kernel when available and importable, else the numpy one."""
    if fused_available():
        try:
            choose_kernel("fused")
            return
        except ImportError:  # a broken numba installation: the numpy kernel
            pass
    choose_kernel("numpy")


def _kernel_for_use():
    """The fused_kernel module, or None for the numpy kernel; makes the choice final."""
    global _final
    if not _final:
        with _choice_lock:
            if _chosen is None:
                _choose_default()
            _final = True
    return _fused if _chosen == "fused" else None


def __getattr__(name: str):
    """``KERNEL``: the kernel in use, decided at the first read (PEP 562)."""
    if name == "KERNEL":
        return kernel_name()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: ``exp(-700)`` is ~1e-304: the smallest contribution worth computing.
_EXP_FLOOR = -700.0
#: Rows per block for responsibilities().
DEFAULT_CHUNK = 8192


def n_features_moments(n_features: int) -> int:
    """Number of moment features P for data of dimension D = ``n_features``."""
    return 1 + n_features + n_features * (n_features + 1) // 2


def _upper_index(n_features: int):
    """Row and column indices of the upper triangle (i <= j), in feature order."""
    return np.triu_indices(n_features)


def moment_features(Z: np.ndarray) -> np.ndarray:
    """Per-point features ``[1, z, z_i z_j (i <= j)]``.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        Standardised data.

    Returns
    -------
    phi : ndarray of shape (n_samples, P), column-major (Fortran order)
        Column-major so that the fused kernel reads each feature of a block of points
        contiguously, without a copy (BLAS takes either layout).
    """
    n_samples, n_features = Z.shape
    rows, cols = _upper_index(n_features)
    phi = np.empty((n_samples, n_features_moments(n_features)), dtype=np.float64,
                   order="F")
    phi[:, 0] = 1.0
    phi[:, 1 : 1 + n_features] = Z
    np.multiply(Z[:, rows], Z[:, cols], out=phi[:, 1 + n_features :])
    return phi


def quadratic_coefficients(log_weights, means, precisions, log_det_precisions):
    """Coefficients ``C`` such that ``C @ phi(z)`` is ``log w_k + log N(z | mu_k, Sigma_k)``.

    Parameters
    ----------
    log_weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
    precisions : ndarray of shape (n_components, n_features, n_features)
        Inverse covariances (symmetric).
    log_det_precisions : ndarray of shape (n_components,)

    Returns
    -------
    C : ndarray of shape (n_components, P)
    """
    n_components, n_features = means.shape
    rows, cols = _upper_index(n_features)
    prec_mean = np.einsum("kij,kj->ki", precisions, means)
    C = np.empty((n_components, n_features_moments(n_features)))
    C[:, 0] = (
        log_weights
        - 0.5 * n_features * np.log(2.0 * np.pi)
        + 0.5 * log_det_precisions
        - 0.5 * np.einsum("ki,ki->k", means, prec_mean)
    )
    C[:, 1 : 1 + n_features] = prec_mean
    # z_i z_j appears twice in z' A z for i != j, once for i == j.
    quad = -precisions[:, rows, cols]
    quad[:, rows == cols] *= 0.5
    C[:, 1 + n_features :] = quad
    return C


@dataclass
class EStepResult:
    """What one pass over the data gives.

    Attributes
    ----------
    log_likelihood : float
        ``sum_i log p(z_i)`` in standardised coordinates.
    stats : ndarray of shape (n_components, P)
        ``resp.T @ phi``: column 0 is N_k, then the first moments, then the upper
        triangle of the second moments.
    labels : ndarray of shape (n_samples,) or None
        ``argmax_k`` of the responsibilities.
    worst_index : int
        Index of the point with the lowest density (the one the model explains worst).
    """

    log_likelihood: float
    stats: np.ndarray
    labels: np.ndarray | None
    worst_index: int


def label_dtype(n_components: int):
    """Smallest unsigned integer dtype that holds labels 0 .. n_components - 1."""
    return np.min_scalar_type(max(n_components - 1, 0))


#: Up to this many components the labels are found through a bit code (see below).
_BITCODE_MAX_COMPONENTS = 50


def _argmax_rows(L, top, out, scratch):
    """``out[:] = L.argmax(axis=0)`` given ``top = L.max(axis=0)``; first index wins ties.

    numpy's argmax along axis 0 of a (K, chunk) block is slow (~2 ms per 100k points at
    K = 8). Instead: mark the maxima (``L == top``) as 0/1, weight row k by 2**k and sum
    with one small matrix product; the lowest set bit of each column's code is the first
    maximum. About 4x faster. Past 50 components 2**k is no longer exact in float64, so
    K comparisons are used instead.

    Parameters
    ----------
    L : ndarray of shape (n_components, chunk)
    top : ndarray of shape (chunk,)
    out : ndarray of shape (chunk,), integer
    scratch : ndarray of shape (n_components, >= chunk), float64
    """
    n_components, width = L.shape
    if n_components <= _BITCODE_MAX_COMPONENTS:
        marks = scratch[:, :width]
        np.equal(L, top, out=marks, casting="unsafe")
        code = (_POWERS_OF_TWO[:n_components] @ marks).astype(np.int64)
        np.log2(code & -code, out=marks[0])
        out[:] = marks[0]
        return
    for k in range(n_components - 1, -1, -1):  # the last write is the first maximum
        np.copyto(out, k, where=L[k] == top)


_POWERS_OF_TWO = 2.0 ** np.arange(_BITCODE_MAX_COMPONENTS)


def e_step(phi: np.ndarray, C: np.ndarray, *, want_labels: bool = True,
           chunk: int | None = None) -> EStepResult:
    """Run the E-step and accumulate the M-step's sufficient statistics.

    Identical components (an exact tie, e.g. every mean started at one point) are computed
    once and shared out equally. Otherwise BLAS, which treats matrix rows in different
    kernels, would round them differently and break a tie that is a fixed point of EM.

    Parameters
    ----------
    phi : ndarray of shape (n_samples, P)
        Moment features of the standardised data (:func:`moment_features`).
    C : ndarray of shape (n_components, P)
        Coefficients from :func:`quadratic_coefficients`.
    want_labels : bool
        Also return the hard labels.
    chunk : int, optional
        Rows per block; by default a block of about 1 MiB.

    Returns
    -------
    EStepResult
    """
    # Hashing the rows is ~10x cheaper than np.unique(axis=0) for the common case.
    if len({row.tobytes() for row in C}) == len(C):
        return _e_step_distinct(phi, C, want_labels=want_labels, chunk=chunk)
    unique, first, inverse, counts = np.unique(C, axis=0, return_index=True,
                                               return_inverse=True, return_counts=True)
    # Each group of equal rows acts as one component carrying the group's total weight.
    grouped = unique.copy()
    grouped[:, 0] += np.log(counts)
    result = _e_step_distinct(phi, grouped, want_labels=want_labels, chunk=chunk)
    inverse = inverse.reshape(-1)
    stats = result.stats[inverse] / counts[inverse, None]
    labels = result.labels
    if labels is not None:
        # argmax keeps the first of equal components, as scikit-learn's predict does
        labels = first[labels].astype(label_dtype(len(C)))
    return EStepResult(result.log_likelihood, stats, labels, result.worst_index)


def _e_step_distinct(phi: np.ndarray, C: np.ndarray, *, want_labels: bool = True,
                     chunk: int | None = None) -> EStepResult:
    """E-step for components with pairwise different coefficients, by :data:`KERNEL`.

    ``chunk`` only concerns the numpy kernel (the fused one works in its own blocks).
    """
    fused = _kernel_for_use()
    if fused is None:
        return _e_step_distinct_numpy(phi, C, want_labels=want_labels, chunk=chunk)
    labels = np.empty(phi.shape[0], dtype=label_dtype(C.shape[0])) if want_labels else None
    total, stats, worst_index = fused.e_step_distinct(phi, C, labels)
    return EStepResult(total, stats, labels, worst_index)


def _e_step_distinct_numpy(phi: np.ndarray, C: np.ndarray, *, want_labels: bool = True,
                           chunk: int | None = None) -> EStepResult:
    """E-step for components with pairwise different coefficients, in numpy blocks.

    The reference for the fused kernel, and the fallback without numba.
    """
    n_samples = phi.shape[0]
    n_components = C.shape[0]
    if chunk is None:
        chunk = max(2048, 131072 // n_components)
    labels = np.empty(n_samples, dtype=label_dtype(n_components)) if want_labels else None
    # (Splitting the rows over two threads was measured here: no faster, as the block
    # operations are short and the GIL is taken between them.)
    stats = np.zeros((n_components, phi.shape[1]))
    block = np.empty((n_components, min(chunk, n_samples)))
    scratch = np.empty_like(block) if labels is not None else None
    total = 0.0
    worst_value, worst_index = np.inf, 0
    for start in range(0, n_samples, chunk):
        stop = min(start + chunk, n_samples)
        phi_c = phi[start:stop]
        L = block[:, : stop - start]
        np.matmul(C, phi_c.T, out=L)
        top = L.max(axis=0)
        if labels is not None:
            _argmax_rows(L, top, labels[start:stop], scratch)
        L -= top
        # Clamping costs as much as the exp itself; a min-reduction is 5x cheaper, and
        # overlapping components often need no clamp at all.
        if L.min() < _EXP_FLOOR:
            np.maximum(L, _EXP_FLOOR, out=L)
        np.exp(L, out=L)
        norm = L.sum(axis=0)
        log_density = np.log(norm)
        log_density += top
        total += float(log_density.sum())
        local = int(log_density.argmin())
        if log_density[local] < worst_value:
            worst_value, worst_index = float(log_density[local]), start + local
        L *= 1.0 / norm
        stats += L @ phi_c
    return EStepResult(total, stats, labels, worst_index)


def responsibilities(phi: np.ndarray, C: np.ndarray, *, chunk: int = DEFAULT_CHUNK):
    """Posterior probabilities of every component for every point, by :data:`KERNEL`.

    ``chunk`` only concerns the numpy kernel.

    Returns
    -------
    resp : ndarray of shape (n_samples, n_components)
    """
    fused = _kernel_for_use()
    if fused is None:
        return responsibilities_numpy(phi, C, chunk=chunk)
    return fused.responsibilities(phi, C)


def responsibilities_numpy(phi: np.ndarray, C: np.ndarray, *, chunk: int = DEFAULT_CHUNK):
    """:func:`responsibilities` in numpy blocks (the reference, and the fallback).

    Returns
    -------
    resp : ndarray of shape (n_samples, n_components)
    """
    n_samples = phi.shape[0]
    resp = np.empty((n_samples, C.shape[0]))
    for start in range(0, n_samples, chunk):
        stop = min(start + chunk, n_samples)
        L = phi[start:stop] @ C.T
        L -= L.max(axis=1, keepdims=True)
        np.maximum(L, _EXP_FLOOR, out=L)
        np.exp(L, out=L)
        L /= L.sum(axis=1, keepdims=True)
        resp[start:stop] = L
    return resp


def warm_up() -> float:
    """Decide the kernel if nothing has (see :func:`kernel_name`), and compile (or load
    from numba's cache) the fused one; nothing to do for the numpy one.

    Call it from the worker thread at its start: the first E-step otherwise imports numba
    (~0.25 s) and compiles (seconds) or loads the cache (~0.1 s) itself. It does not make
    the choice final: a failure here still lets :func:`choose_kernel` pick numpy.

    Returns
    -------
    seconds : float
        Wall time of this call.
    """
    begin = time.perf_counter()
    if kernel_name() == "fused":
        _fused.warm_up()
    return time.perf_counter() - begin


def unpack_moments(stats: np.ndarray, n_features: int):
    """Split sufficient statistics into counts, first and second moments.

    Parameters
    ----------
    stats : ndarray of shape (n_components, P)

    Returns
    -------
    nk : ndarray of shape (n_components,)
    first : ndarray of shape (n_components, n_features)
        ``sum_i resp_ik z_i``.
    second : ndarray of shape (n_components, n_features, n_features)
        ``sum_i resp_ik z_i z_i^T`` (symmetric).
    """
    rows, cols = _upper_index(n_features)
    nk = stats[:, 0].copy()
    first = stats[:, 1 : 1 + n_features].copy()
    second = np.empty((stats.shape[0], n_features, n_features))
    second[:, rows, cols] = stats[:, 1 + n_features :]
    second[:, cols, rows] = stats[:, 1 + n_features :]
    return nk, first, second
