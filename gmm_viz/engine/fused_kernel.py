"""The E-step in one compiled, vectorised pass over the data that holds no GIL (numba).

:mod:`gmm_viz.engine.kernel` does the E-step as a handful of numpy operations on chunks
of points; between them the worker thread takes the GIL, which the GUI thread needs to
draw. Here the whole E-step is one compiled function (``@njit(nogil=True)``) that never
takes the GIL, about 2.5x faster than the numpy kernel on one core (numbers in the final
report of issue 9).

Layout (why it is fast): the points are worked through in blocks of :data:`BLOCK` that stay
in the L1 cache, and every inner loop runs over the points of a block, whose iterations
are independent, so LLVM turns them into AVX vector instructions (4 doubles at a time):

1. ``L[k, j] = C[k] . phi[j]`` (log-weight plus log-density), two components at a time and
   three features at a time, so that each load of a feature feeds six multiply-adds;
2. ``top[j] = max_k L[k, j]`` and its first argmax, elementwise, two rows per pass;
3. ``L[k, j] = exp(max(L[k, j] - top[j], -700))`` by :func:`_exp`, a branch-free
   exponential, and ``norm[j] = sum_k L[k, j]``;
4. the log-likelihood ``sum_j top[j] + log norm[j]`` (8 ``log`` per block: the logs of 8
   running products of norms, each in [1, K]) and the worst point;
5. the statistics ``stats[k, p] = sum_j L[k, j] * (phi[j, p] / norm[j])`` as per-block
   dot products, two components and three features at a time.

Floating point: the loops are compiled with ``fastmath={"reassoc", "contract", "nsz",
"arcp"}``: sums may be reordered (which is what lets a dot product or a sum over points
use vector registers) and ``a * b + c`` becomes one fused multiply-add. Never ``nnan`` or
``ninf``: no assumption that values are finite. The numbers agree with the numpy kernel
(:func:`~gmm_viz.engine.kernel._e_step_distinct_numpy`) to ~1e-15 relative; labels are the
same except where two components are equal to within rounding, and exact ties go to the
first component, as numpy's argmax. :func:`_exp` is compiled without ``reassoc`` (its
rounding trick and its extra-precise ``ln 2`` must not be re-associated away).

Deterministic: serial, and the points are cut into segments of :data:`SEGMENT` points
whose partial results (statistics, log-likelihood, worst point) are combined in segment
order, so a repeated call gives the same bits. The segments would also let several threads
share the work without changing a bit; that was measured and not kept: at 1M points two
threads made the E-step 1.4x faster but made a GUI thread's work on the other core take
twice as long (final report of issue 9).

Compilation: the first call of each signature compiles (seconds) or loads numba's on-disk
cache (``cache=True``); :func:`warm_up` does both kernels on tiny arrays, for the worker
thread to call before its first step.
"""

from __future__ import annotations

import math
import time

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

#: ``log_prob - max`` is clamped here before ``exp``, as in the numpy kernel.
EXP_FLOOR = -700.0
#: Points per block: the block's arrays (about (2K + 2P) x BLOCK doubles) stay in cache.
#: 256 measured faster than 128 or 512.
BLOCK = 256
#: Points per segment (a whole number of blocks): partial results are kept per segment.
SEGMENT = 64 * BLOCK
#: The log-likelihood takes one log per lane of 8 running products of norms (each in
#: [1, K]): a lane multiplies at most BLOCK / 8 + 7 = 39 norms, finite for K up to 1e7.
_LANES = 8

#: Reordering sums and fused multiply-adds; never "nnan"/"ninf" (inputs may be inf).
FASTMATH = frozenset({"reassoc", "contract", "nsz", "arcp"})
_JIT = {"nogil": True, "cache": True, "fastmath": set(FASTMATH), "error_model": "numpy"}
#: The exponential: fused multiply-adds only, its operations kept in their written order.
_JIT_EXP = {"nogil": True, "cache": True, "fastmath": {"contract"}, "error_model": "numpy"}

# exp: x = n ln2 + r with |r| <= ln2 / 2 (Cody-Waite, fdlibm's split of ln2: n * _LN2_HI
# is exact), exp(r) by a degree-11 polynomial, 2**n written into the exponent bits.
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_ROUNDER = 6755399441055744.0  # 1.5 * 2**52: x + it rounds x to an integer in its low bits
# Chebyshev fit of exp on [-ln2/2, ln2/2], degree 11 (mpmath.chebyfit at 50 digits):
# error 3e-18, far below half an ulp; the constant and linear coefficients are 1.
_C11 = 2.5110037605963777e-08
_C10 = 2.763263963904103e-07
_C9 = 2.755724091857897e-06
_C8 = 2.4801485482328494e-05
_C7 = 0.00019841269890047113
_C6 = 0.0013888888952314775
_C5 = 0.008333333333319601
_C4 = 0.0416666666664881
_C3 = 0.1666666666666668
_C2 = 0.5000000000000019


@intrinsic
def _bits_as_float(typingctx, bits):  # pragma: no cover - compiled
    """The float64 whose bit pattern is the int64 ``bits`` (no conversion)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@intrinsic
def _float_bits(typingctx, value):  # pragma: no cover - compiled
    """The bit pattern of the float64 ``value``, as an int64 (no conversion)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@njit(**_JIT_EXP)
def _exp(x, constants):  # pragma: no cover - compiled
    """``exp(x)`` for ``-708 <= x <= 0``, within 1 ulp, with no branch (vectorisable).

    ``constants`` is :data:`_EXP_CONSTANTS`, passed at run time rather than compiled in:
    LLVM then keeps the 14 numbers in vector registers across the loop, instead of
    addressing each from memory through a register of its own (numba's large code model),
    which starved the loop of registers (measured 4-15 % slower). Compiled on its own,
    without ``reassoc`` (LLVM inlines it into the loops, keeping each operation's flags):
    ``(t - rounder)`` must stay a rounding, not become ``x / ln2``.
    """
    c11, c10, c9, c8, c7, c6, c5, c4, c3, c2, inv_ln2, rounder, ln2_hi, ln2_lo = constants
    t = x * inv_ln2 + rounder  # round(x / ln2) in the low bits of t
    n = t - rounder
    r = (x - n * ln2_hi) - n * ln2_lo
    p = c11 * r + c10
    p = p * r + c9
    p = p * r + c8
    p = p * r + c7
    p = p * r + c6
    p = p * r + c5
    p = p * r + c4
    p = p * r + c3
    p = p * r + c2
    p = p * r + 1.0
    p = p * r + 1.0
    # 2**n: the low 12 bits of t's pattern are n (mod 4096), shifted into the exponent.
    return p * _bits_as_float((_float_bits(t) + 1023) << 52)


#: The exponential's constants, in :func:`_exp`'s order.
_EXP_CONSTANTS = (_C11, _C10, _C9, _C8, _C7, _C6, _C5, _C4, _C3, _C2, _INV_LN2, _ROUNDER,
                  _LN2_HI, _LN2_LO)


@njit(**_JIT)
def _exp_array(x, out, constants):  # pragma: no cover - compiled
    for i in range(x.size):
        out[i] = _exp(x[i], constants)


def exp_array(x, out):
    """``out[:] = exp(x)`` by :func:`_exp` (for tests), ``x`` in [-708, 0].

    Parameters
    ----------
    x, out : ndarray of shape (n,), float64
    """
    _exp_array(x, out, _EXP_CONSTANTS)


@njit(inline="always", **_JIT)
def _terms_pair(phiT, C, start, width, k, Lk, Lm):  # pragma: no cover - compiled
    """``Lk, Lm = C[k] @ phi_block.T, C[k + 1] @ phi_block.T`` (P >= 3)."""
    n_moments = phiT.shape[0]
    stop = start + width
    a, b, c = C[k, 0], C[k, 1], C[k, 2]
    d, e, f = C[k + 1, 0], C[k + 1, 1], C[k + 1, 2]
    xa, xb, xc = phiT[0, start:stop], phiT[1, start:stop], phiT[2, start:stop]
    for j in range(width):
        ya, yb, yc = xa[j], xb[j], xc[j]
        Lk[j] = a * ya + b * yb + c * yc
        Lm[j] = d * ya + e * yb + f * yc
    p = 3
    while p + 3 <= n_moments:
        a, b, c = C[k, p], C[k, p + 1], C[k, p + 2]
        d, e, f = C[k + 1, p], C[k + 1, p + 1], C[k + 1, p + 2]
        xa, xb, xc = phiT[p, start:stop], phiT[p + 1, start:stop], phiT[p + 2, start:stop]
        for j in range(width):
            ya, yb, yc = xa[j], xb[j], xc[j]
            Lk[j] += a * ya + b * yb + c * yc
            Lm[j] += d * ya + e * yb + f * yc
        p += 3
    while p < n_moments:
        a, d = C[k, p], C[k + 1, p]
        xa = phiT[p, start:stop]
        for j in range(width):
            ya = xa[j]
            Lk[j] += a * ya
            Lm[j] += d * ya
        p += 1


@njit(inline="always", **_JIT)
def _terms_one(phiT, C, start, width, k, Lk):  # pragma: no cover - compiled
    """``Lk = C[k] @ phi_block.T`` (P >= 3): the last component when K is odd."""
    n_moments = phiT.shape[0]
    stop = start + width
    a, b, c = C[k, 0], C[k, 1], C[k, 2]
    xa, xb, xc = phiT[0, start:stop], phiT[1, start:stop], phiT[2, start:stop]
    for j in range(width):
        Lk[j] = a * xa[j] + b * xb[j] + c * xc[j]
    p = 3
    while p + 3 <= n_moments:
        a, b, c = C[k, p], C[k, p + 1], C[k, p + 2]
        xa, xb, xc = phiT[p, start:stop], phiT[p + 1, start:stop], phiT[p + 2, start:stop]
        for j in range(width):
            Lk[j] += a * xa[j] + b * xb[j] + c * xc[j]
        p += 3
    while p < n_moments:
        a = C[k, p]
        xa = phiT[p, start:stop]
        for j in range(width):
            Lk[j] += a * xa[j]
        p += 1


@njit(inline="always", **_JIT)
def _log_terms(phiT, C, start, width, L, top, first):  # pragma: no cover - compiled
    """``L[:, :width] = C @ phi[start:start + width].T``, ``top`` its column maxima and
    ``first`` the first row reaching each maximum."""
    n_components = C.shape[0]
    for k in range(0, n_components - 1, 2):
        _terms_pair(phiT, C, start, width, k, L[k], L[k + 1])
    if n_components % 2:
        _terms_one(phiT, C, start, width, n_components - 1, L[n_components - 1])
    L0 = L[0]
    for j in range(width):
        top[j] = L0[j]
        first[j] = 0
    # two rows per pass; strictly greater: the first maximum wins, as argmax
    for k in range(1, n_components - 1, 2):
        Lk = L[k]
        Lm = L[k + 1]
        for j in range(width):
            best = top[j]
            index = first[j]
            value = Lk[j]
            greater = value > best
            best = value if greater else best
            index = k if greater else index
            value = Lm[j]
            greater = value > best
            top[j] = value if greater else best
            first[j] = k + 1 if greater else index
    if n_components % 2 == 0 and n_components > 1:
        Lk = L[n_components - 1]
        for j in range(width):
            value = Lk[j]
            greater = value > top[j]
            top[j] = value if greater else top[j]
            first[j] = n_components - 1 if greater else first[j]


@njit(inline="always", **_JIT)
def _exponentials(L, top, width, norm, constants):  # pragma: no cover - compiled
    """``L[k, j] = exp(max(L[k, j] - top[j], -700))`` and ``norm[j] = sum_k L[k, j]``."""
    for j in range(width):
        norm[j] = 0.0
    for k in range(L.shape[0]):
        Lk = L[k]
        for j in range(width):
            shifted = Lk[j] - top[j]
            clamped = shifted if shifted > EXP_FLOOR else EXP_FLOOR  # noqa: FURB136 - a select vectorises
            term = _exp(clamped, constants)
            Lk[j] = term
            norm[j] += term


@njit(inline="always", **_JIT)
def _moments_pair(Ek, Em, Y, width, k, sums):  # pragma: no cover - compiled
    """``sums[k:k + 2] += [Ek, Em] @ Y.T`` over the block, three features at a time."""
    n_moments = Y.shape[0]
    p = 0
    while p + 3 <= n_moments:
        ya, yb, yc = Y[p], Y[p + 1], Y[p + 2]
        s0 = s1 = s2 = t0 = t1 = t2 = 0.0
        for j in range(width):
            ek, em = Ek[j], Em[j]
            va, vb, vc = ya[j], yb[j], yc[j]
            s0 += ek * va
            s1 += ek * vb
            s2 += ek * vc
            t0 += em * va
            t1 += em * vb
            t2 += em * vc
        sums[k, p] += s0
        sums[k, p + 1] += s1
        sums[k, p + 2] += s2
        sums[k + 1, p] += t0
        sums[k + 1, p + 1] += t1
        sums[k + 1, p + 2] += t2
        p += 3
    while p < n_moments:
        ya = Y[p]
        s0 = t0 = 0.0
        for j in range(width):
            va = ya[j]
            s0 += Ek[j] * va
            t0 += Em[j] * va
        sums[k, p] += s0
        sums[k + 1, p] += t0
        p += 1


@njit(inline="always", **_JIT)
def _moments_one(Ek, Y, width, k, sums):  # pragma: no cover - compiled
    """``sums[k] += Ek @ Y.T`` over the block: the last component when K is odd."""
    n_moments = Y.shape[0]
    p = 0
    while p + 3 <= n_moments:
        ya, yb, yc = Y[p], Y[p + 1], Y[p + 2]
        s0 = s1 = s2 = 0.0
        for j in range(width):
            ek = Ek[j]
            s0 += ek * ya[j]
            s1 += ek * yb[j]
            s2 += ek * yc[j]
        sums[k, p] += s0
        sums[k, p + 1] += s1
        sums[k, p + 2] += s2
        p += 3
    while p < n_moments:
        ya = Y[p]
        s0 = 0.0
        for j in range(width):
            s0 += Ek[j] * ya[j]
        sums[k, p] += s0
        p += 1


@njit(**_JIT)
def _e_step_segments(phiT, C, labels, want_labels, first_segment, stop_segment,
                     seg_stats, seg_total, seg_worst_value, seg_worst_index,
                     constants):  # pragma: no cover - compiled
    """The fused E-step on segments ``first_segment .. stop_segment - 1``.

    ``phiT`` is phi transposed, (P, n_samples), C-contiguous. Fills, for each segment s,
    ``seg_stats[s]`` (K, P), ``seg_total[s]`` (its log-likelihood), ``seg_worst_value[s]``
    and ``seg_worst_index[s]`` (its lowest log-density, first on ties), and the labels of
    its points when ``want_labels``. ``constants``: :data:`_EXP_CONSTANTS`.
    """
    n_moments, n_samples = phiT.shape
    n_components = C.shape[0]
    L = np.empty((n_components, BLOCK))
    Y = np.empty((n_moments, BLOCK))
    top = np.empty(BLOCK)
    first = np.zeros(BLOCK, np.int64)
    norm = np.empty(BLOCK)
    products = np.empty(_LANES)
    for segment in range(first_segment, stop_segment):
        sums = seg_stats[segment]
        sums[:, :] = 0.0
        sum_top = 0.0
        log_norms = 0.0
        worst_value = np.inf
        worst_index = 0
        segment_stop = min(n_samples, (segment + 1) * SEGMENT)
        for start in range(segment * SEGMENT, segment_stop, BLOCK):
            width = min(BLOCK, segment_stop - start)
            _log_terms(phiT, C, start, width, L, top, first)
            if want_labels:
                block_labels = labels[start:start + width]
                for j in range(width):
                    block_labels[j] = first[j]
            _exponentials(L, top, width, norm, constants)
            block_top = 0.0
            for j in range(width):
                block_top += top[j]
            sum_top += block_top
            # log p(z_j) = log(norm_j) + top_j; the sum of the logs as the logs of 8
            # running products (an 8-wide loop LLVM turns into two vector multiplies)
            for lane in range(_LANES):
                products[lane] = 1.0
            full = width - width % _LANES
            for group in range(0, full, _LANES):
                for lane in range(_LANES):
                    products[lane] *= norm[group + lane]
            for j in range(full, width):
                products[0] *= norm[j]
            for lane in range(_LANES):
                log_norms += math.log(products[lane])
            # The worst point: log p >= top (norm >= 1), so only a top below the worst so
            # far can be a new worst; strict < keeps the first on ties, as argmin.
            for j in range(width):
                if top[j] < worst_value:
                    log_density = math.log(norm[j]) + top[j]
                    if log_density < worst_value:
                        worst_value = log_density
                        worst_index = start + j
            # The statistics: sum_j resp[k, j] phi[j, p] = sum_j L[k, j] (phi[j, p] / norm_j)
            for j in range(width):
                norm[j] = 1.0 / norm[j]
            for p in range(n_moments):
                x = phiT[p, start:start + width]
                y = Y[p]
                for j in range(width):
                    y[j] = x[j] * norm[j]
            for k in range(0, n_components - 1, 2):
                _moments_pair(L[k], L[k + 1], Y, width, k, sums)
            if n_components % 2:
                _moments_one(L[n_components - 1], Y, width, n_components - 1, sums)
        seg_total[segment] = sum_top + log_norms
        seg_worst_value[segment] = worst_value
        seg_worst_index[segment] = worst_index


@njit(**_JIT)
def _responsibilities_loop(phiT, C, resp, constants):  # pragma: no cover - compiled
    """Posterior probabilities into ``resp`` (n_samples, K), as the numpy kernel's
    :func:`~gmm_viz.engine.kernel.responsibilities_numpy`: terms below the clamp get
    ``exp(-700)``, and each row is divided by its sum."""
    n_samples = phiT.shape[1]
    n_components = C.shape[0]
    L = np.empty((n_components, BLOCK))
    top = np.empty(BLOCK)
    first = np.empty(BLOCK, np.int64)
    norm = np.empty(BLOCK)
    for start in range(0, n_samples, BLOCK):
        width = min(BLOCK, n_samples - start)
        _log_terms(phiT, C, start, width, L, top, first)
        _exponentials(L, top, width, norm, constants)
        for j in range(width):
            norm[j] = 1.0 / norm[j]
        for j in range(width):  # row-major output: one point's K values side by side
            row = resp[start + j]
            scale = norm[j]
            for k in range(n_components):
                row[k] = L[k, j] * scale


def _transposed(phi):
    """phi (n_samples, P) as its transpose, C-contiguous: free for a column-major phi
    (:func:`~gmm_viz.engine.kernel.moment_features` makes them so), else a copy."""
    return np.ascontiguousarray(np.asarray(phi, dtype=np.float64).T)


def _check_moments(phiT):
    """The loops read three features at once: P = 1 + D + D(D+1)/2 >= 3 for D >= 1."""
    if phiT.shape[0] < 3:
        raise ValueError(f"moment features need P >= 3 columns, got {phiT.shape[0]}")


_NO_LABELS = np.empty(0, dtype=np.uint8)


def e_step_distinct(phi, C, labels):
    """The E-step for pairwise different components, in one compiled pass.

    Parameters
    ----------
    phi : ndarray of shape (n_samples, P), float64, P >= 3
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
    phiT = _transposed(phi)
    _check_moments(phiT)
    n_samples = phiT.shape[1]
    n_segments = max(1, -(-n_samples // SEGMENT))
    seg_stats = np.empty((n_segments,) + C.shape)
    seg_total = np.empty(n_segments)
    seg_worst_value = np.empty(n_segments)
    seg_worst_index = np.zeros(n_segments, dtype=np.int64)
    want_labels = labels is not None
    if not want_labels:
        labels = _NO_LABELS  # one signature whether or not labels are wanted
    _e_step_segments(phiT, C, labels, want_labels, 0, n_segments, seg_stats, seg_total,
                     seg_worst_value, seg_worst_index, _EXP_CONSTANTS)
    # Combined in segment order.
    stats = seg_stats[0].copy()
    total = float(seg_total[0])
    for segment in range(1, n_segments):
        stats += seg_stats[segment]
        total += float(seg_total[segment])
    worst = int(np.argmin(seg_worst_value))  # the first segment holding the minimum
    return total, stats, int(seg_worst_index[worst])


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
    _check_moments(phiT)
    resp = np.empty((phiT.shape[1], C.shape[0]))
    _responsibilities_loop(phiT, C, resp, _EXP_CONSTANTS)
    return resp


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
