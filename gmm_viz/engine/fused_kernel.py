"""The E-step in one compiled pass over the data that holds no GIL (numba).

:mod:`gmm_viz.engine.kernel` does the E-step as a handful of numpy operations on chunks
of points. Each operation releases the GIL only while it runs, so between them the worker
thread that steps the engine and the GUI thread that draws take turns on the GIL. Here the
whole E-step is one compiled function (``@njit(nogil=True)``) that never takes the GIL:
for each block of :data:`BLOCK` points (which stays in the L1/L2 cache) it computes the K
log-densities ``C @ phi``, their maximum and first argmax, the exponentials, each point's
log-density, the worst point so far and the points' share of the sufficient statistics,
then moves on. Serial on purpose: the machine's other core belongs to the GUI thread.

Why blocks and not one point at a time: with ``fastmath=False`` LLVM vectorises only
loops whose iterations are independent, i.e. loops over points. A loop over the K
components of one point keeps its partial sums in memory (numba arrays may alias) and
measured ~2.5x slower than numpy here; the block layout is ~10-20 % faster than numpy on
one core (see the final report of issue 9 for the numbers), and frees the GIL.

Same numbers as the numpy kernel, term by term: the same products summed in feature
order, the same ``- max``, the clamp at -700, the components summed in order, the
normalisation by ``1 / norm``. The differences, all far below what EM can see:

- ``exp`` is :func:`_exp`, a vectorisable exponential within 1 ulp of the C library's
  (numba would otherwise call ``libm``'s scalar ``exp``, ~3x slower than numpy's);
- a component whose term is below the clamp (``log_prob - max < -700``) is left out: its
  responsibility is 0 instead of ``exp(-700) / norm`` (~1e-304), so the statistics differ
  by at most ~1e-304 per point, and nothing else changes (``norm >= 1`` absorbs 1e-304);
- sums over points are kept per position in the block (:data:`BLOCK` running sums, added
  up at the end), and the log-likelihood is ``sum(max) + sum(log(prod of 32 norms))``:
  one ``log`` per 32 points instead of one per point. Rounding stays ~1e-15 relative.

Compilation: the first call of each signature compiles (seconds) or loads numba's
on-disk cache (``cache=True``); :func:`warm_up` does both kernels on tiny arrays, for the
worker thread to call before its first step.
"""

from __future__ import annotations

import math
import time

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

#: ``exp(-700)`` is ~1e-304: terms below are left out of the E-step (see above).
EXP_FLOOR = -700.0
#: Points per block (the block's arrays, K x BLOCK, stay in cache).
BLOCK = 256
#: Norms multiplied together before one log: K**32 stays finite for K up to 1e9.
_NORMS_PER_LOG = 32

_JIT = {"nogil": True, "cache": True, "fastmath": False, "error_model": "numpy"}

# Cody-Waite reduction x = n ln2 + r (fdlibm's constants: n * _LN2_HI is exact).
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_ROUNDER = 6755399441055744.0  # 1.5 * 2**52: x + it - it rounds x to an integer


@intrinsic
def _bits_as_float(typingctx, bits):  # pragma: no cover - compiled
    """The float64 whose bit pattern is the int64 ``bits`` (no conversion)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@njit(inline="always", **_JIT)
def _exp(x):  # pragma: no cover - compiled
    """``exp(x)`` for ``-708 <= x <= 0``, within 1 ulp, with no branch (vectorisable).

    ``x = n ln2 + r`` with ``|r| <= ln2 / 2``; ``exp(r)`` by its Taylor series to degree
    13 (the remainder is below 1e-17); ``2**n`` written into the exponent bits.
    """
    n = (x * _INV_LN2 + _ROUNDER) - _ROUNDER
    r = (x - n * _LN2_HI) - n * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = 1.0 + (r + r * r * p)
    return p * _bits_as_float((np.int64(n) + 1023) << 52)


@njit(**_JIT)
def exp_array(x, out):  # pragma: no cover - compiled
    """``out[:] = exp(x)`` by :func:`_exp` (for tests), ``x`` in [-708, 0]."""
    for i in range(x.size):
        out[i] = _exp(x[i])


@njit(inline="always", **_JIT)
def _log_terms(phiT, C, start, width, L, top):  # pragma: no cover - compiled
    """``L[:, :width] = C @ phi[start:start + width].T`` and ``top`` its column maxima."""
    n_moments = phiT.shape[0]
    n_components = C.shape[0]
    x = phiT[0, start:start + width]
    for k in range(n_components):
        Lk = L[k, :width]
        c = C[k, 0]
        for j in range(width):
            Lk[j] = c * x[j]
        for p in range(1, n_moments):
            c = C[k, p]
            x = phiT[p, start:start + width]
            for j in range(width):
                Lk[j] += c * x[j]
        x = phiT[0, start:start + width]
    tp = top[:width]
    L0 = L[0, :width]
    for j in range(width):
        tp[j] = L0[j]
    for k in range(1, n_components):
        Lk = L[k, :width]
        for j in range(width):
            value = Lk[j]
            best = tp[j]
            tp[j] = value if value > best else best  # noqa: FURB136 - a plain select vectorises


@njit(**_JIT)
def _e_step_loop(phiT, C, labels, want_labels, stats):  # pragma: no cover - compiled
    """The fused E-step. Fills ``stats`` (K, P) and ``labels``; returns
    ``(log_likelihood, worst_index)``. ``phiT`` is phi transposed, (P, n_samples)."""
    n_moments, n_samples = phiT.shape
    n_components = C.shape[0]
    L = np.empty((n_components, BLOCK))
    top = np.empty(BLOCK)
    norm = np.empty(BLOCK)
    running = np.zeros((n_components, n_moments, BLOCK))  # per position in the block
    running_top = np.zeros(BLOCK)
    log_norms = 0.0
    worst_value = np.inf
    worst_index = 0
    for start in range(0, n_samples, BLOCK):
        width = min(BLOCK, n_samples - start)
        _log_terms(phiT, C, start, width, L, top)
        tp = top[:width]
        if want_labels:
            lb = labels[start:start + width]
            for j in range(width):  # the first maximum, as numpy's argmax
                best = tp[j]
                k = 0
                while L[k, j] != best:
                    k += 1
                lb[j] = k
        for k in range(n_components):
            Lk = L[k, :width]
            for j in range(width):
                shifted = Lk[j] - tp[j]
                term = _exp(max(shifted, EXP_FLOOR))
                Lk[j] = term if shifted >= EXP_FLOOR else 0.0
        nm = norm[:width]
        L0 = L[0, :width]
        for j in range(width):
            nm[j] = L0[j]
        for k in range(1, n_components):
            Lk = L[k, :width]
            for j in range(width):
                nm[j] += Lk[j]
        # log p(z_j) = log(norm_j) + top_j: the sum of the logs as logs of products
        product = 1.0
        for j in range(width):
            product *= nm[j]
            if j % _NORMS_PER_LOG == _NORMS_PER_LOG - 1:
                log_norms += math.log(product)
                product = 1.0
        log_norms += math.log(product)
        rt = running_top[:width]
        for j in range(width):
            rt[j] += tp[j]
        # The worst point: log p >= top (norm >= 1), so only a top below the worst so far
        # can be a new worst; strict < keeps the first on ties, as argmin.
        for j in range(width):
            if tp[j] < worst_value:
                log_density = math.log(nm[j]) + tp[j]
                if log_density < worst_value:
                    worst_value = log_density
                    worst_index = start + j
        for j in range(width):
            nm[j] = 1.0 / nm[j]
        for k in range(n_components):
            Lk = L[k, :width]
            for j in range(width):
                Lk[j] *= nm[j]
            for p in range(n_moments):
                acc = running[k, p, :width]
                x = phiT[p, start:start + width]
                for j in range(width):
                    acc[j] += Lk[j] * x[j]
    for k in range(n_components):
        for p in range(n_moments):
            total = 0.0
            for j in range(BLOCK):
                total += running[k, p, j]
            stats[k, p] = total
    total = log_norms
    for j in range(BLOCK):
        total += running_top[j]
    return total, worst_index


@njit(**_JIT)
def _responsibilities_loop(phiT, C, resp):  # pragma: no cover - compiled
    """Posterior probabilities into ``resp`` (n_samples, K), as the numpy kernel's
    :func:`~gmm_viz.engine.kernel.responsibilities_numpy`: terms below the clamp get
    ``exp(-700)``, and each row is divided by its sum."""
    n_samples = phiT.shape[1]
    n_components = C.shape[0]
    L = np.empty((n_components, BLOCK))
    top = np.empty(BLOCK)
    norm = np.empty(BLOCK)
    for start in range(0, n_samples, BLOCK):
        width = min(BLOCK, n_samples - start)
        _log_terms(phiT, C, start, width, L, top)
        tp = top[:width]
        for k in range(n_components):
            Lk = L[k, :width]
            for j in range(width):
                Lk[j] = _exp(max(Lk[j] - tp[j], EXP_FLOOR))
        nm = norm[:width]
        L0 = L[0, :width]
        for j in range(width):
            nm[j] = L0[j]
        for k in range(1, n_components):
            Lk = L[k, :width]
            for j in range(width):
                nm[j] += Lk[j]
        for j in range(width):
            for k in range(n_components):
                resp[start + j, k] = L[k, j] / nm[j]


def _transposed(phi):
    """phi (n_samples, P) as its transpose, C-contiguous: free for a column-major phi
    (:func:`~gmm_viz.engine.kernel.moment_features` makes them so), else a copy."""
    return np.ascontiguousarray(np.asarray(phi, dtype=np.float64).T)


def e_step_distinct(phi, C, labels):
    """The E-step for pairwise different components, in one compiled pass.

    Parameters
    ----------
    phi : ndarray of shape (n_samples, P), float64
        Moment features of the standardised data; column-major (Fortran order) avoids a
        copy.
    C : ndarray of shape (n_components, P), float64
        Coefficients of the weighted log-densities.
    labels : ndarray of shape (n_samples,), unsigned integer, or None
        Filled with the first argmax of each point's responsibilities; None: no labels.

    Returns
    -------
    log_likelihood : float
    stats : ndarray of shape (n_components, P)
    worst_index : int
    """
    C = np.ascontiguousarray(C, dtype=np.float64)
    stats = np.zeros(C.shape)
    want_labels = labels is not None
    if not want_labels:
        labels = _NO_LABELS  # one signature whether or not labels are wanted
    total, worst_index = _e_step_loop(_transposed(phi), C, labels, want_labels, stats)
    return float(total), stats, int(worst_index)


def responsibilities(phi, C):
    """Posterior probabilities of every component for every point, in one compiled pass.

    Parameters
    ----------
    phi : ndarray of shape (n_samples, P), float64
    C : ndarray of shape (n_components, P), float64

    Returns
    -------
    resp : ndarray of shape (n_samples, n_components)
    """
    C = np.ascontiguousarray(C, dtype=np.float64)
    phiT = _transposed(phi)
    resp = np.empty((phiT.shape[1], C.shape[0]))
    _responsibilities_loop(phiT, C, resp)
    return resp


_NO_LABELS = np.empty(0, dtype=np.uint8)


def warm_up() -> float:
    """Compile, or load from numba's on-disk cache, the kernels' signatures.

    On tiny arrays: the E-step with uint8 labels (k up to 256) and uint16 labels (k up to
    1000, the app's limit), and the responsibilities. Call it from the worker thread
    before its first step, so that no step waits for the compiler; a second call costs
    microseconds.

    Returns
    -------
    seconds : float
        Wall time of this call.
    """
    begin = time.perf_counter()
    phi = np.asfortranarray(np.ones((3, 6)))
    C = np.zeros((2, 6))
    for dtype in (np.uint8, np.uint16):
        e_step_distinct(phi, C, np.empty(3, dtype=dtype))
    responsibilities(phi, C)
    return time.perf_counter() - begin
