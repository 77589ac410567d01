"""The fused (numba) E-step gives the numpy kernel's numbers: statistics and
log-likelihood to ~1e-12 (it sums in another order), the same labels (first maximum on
exact ties) and the same worst point; it gives the same bits on every call; and numba is
imported only when an E-step needs it.
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmm_viz.engine import kernel

pytest.importorskip("numba")
from gmm_viz.engine import fused_kernel


def random_problem(rng, n_samples, n_features, n_components, spread=1.0):
    """Standardised-looking points and the coefficients of a random mixture."""
    Z = rng.normal(size=(n_samples, n_features)) * spread
    phi = kernel.moment_features(Z)
    means = rng.normal(size=(n_components, n_features)) * 2
    A = rng.normal(size=(n_components, n_features, n_features))
    precisions = np.einsum("kij,klj->kil", A, A) + 0.5 * np.eye(n_features)
    weights = rng.dirichlet(np.ones(n_components))
    C = kernel.quadratic_coefficients(np.log(weights), means, precisions,
                                      np.linalg.slogdet(precisions)[1])
    return phi, C


def assert_same_e_step(phi, C, want_labels=True):
    ref = kernel._e_step_distinct_numpy(phi, C, want_labels=want_labels)
    labels = (np.empty(len(phi), dtype=kernel.label_dtype(len(C))) if want_labels
              else None)
    total, stats, worst = fused_kernel.e_step_distinct(phi, C, labels)
    # The log-likelihood, relative to the sum of the magnitudes of its terms (a sum of
    # positive and negative log-densities can cancel).
    L = C @ phi.T
    top = L.max(axis=0)
    magnitude = np.abs(np.log(np.exp(L - top).sum(axis=0)) + top).sum()
    assert abs(total - ref.log_likelihood) <= 1e-12 * max(1.0, magnitude)
    # Each statistic, relative to the sum of the magnitudes it is made of (a first moment
    # can cancel to ~0); the 1e-300 per point keeps the bound strict where a statistic is
    # exactly 0.
    scale = ref_magnitudes(phi, C)
    np.testing.assert_array_less(np.abs(stats - ref.stats), 1e-12 * scale + 1e-300 * len(phi))
    if want_labels:
        assert labels.dtype == ref.labels.dtype
        np.testing.assert_array_equal(labels, ref.labels)
    assert worst == ref.worst_index
    return total, stats, labels, worst


def ref_magnitudes(phi, C):
    """``resp.T @ |phi|``: what each statistic sums, in magnitude."""
    return kernel.responsibilities_numpy(phi, C).T @ np.abs(phi)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), n_features=st.integers(1, 6),
       n_components=st.integers(1, 60), n_samples=st.integers(1, 1200))
def test_fused_e_step_equals_numpy_on_random_mixtures(seed, n_features, n_components,
                                                      n_samples):
    rng = np.random.default_rng(seed)
    phi, C = random_problem(rng, n_samples, n_features, n_components)
    assert_same_e_step(phi, C)


@pytest.mark.parametrize("n_samples", [1, 255, 256, 257, 511, 512, 513, 8193, 20000,
                                       fused_kernel.SEGMENT - 1, fused_kernel.SEGMENT + 1,
                                       3 * fused_kernel.SEGMENT + 300])
@pytest.mark.parametrize("n_components", [1, 8, 50, 51, 60])
def test_block_boundaries(n_samples, n_components):
    rng = np.random.default_rng(n_samples * 100 + n_components)
    phi, C = random_problem(rng, n_samples, 2, n_components)
    assert_same_e_step(phi, C)
    assert_same_e_step(phi, C, want_labels=False)


def test_fewer_points_than_components():
    rng = np.random.default_rng(3)
    phi, C = random_problem(rng, 5, 2, 40)
    assert_same_e_step(phi, C)


def test_far_outliers_are_clamped_and_found_as_the_worst_point():
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(3000, 2))
    Z[[17, 2500]] = [[60.0, -80.0], [-90.0, 70.0]]  # far beyond every component
    phi = kernel.moment_features(Z)
    _, C = random_problem(rng, 1, 2, 8)
    ref = kernel._e_step_distinct_numpy(phi, C)
    L = C @ phi.T
    assert (L - L.max(axis=0)).min() < -700  # the clamp is exercised
    _, _, _, worst = assert_same_e_step(phi, C)
    assert worst in (17, 2500) and worst == ref.worst_index
    np.testing.assert_allclose(fused_kernel.responsibilities(phi, C),
                               kernel.responsibilities_numpy(phi, C), rtol=0, atol=1e-13)


def test_exact_ties_give_the_first_maximum():
    # Two components mirrored about 0 with equal weights tie exactly at z = 0 (the odd
    # terms vanish); equal points give equal log-densities, so the worst is the first.
    means = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 5.0]])
    precisions = np.array([np.eye(2)] * 3)
    C = kernel.quadratic_coefficients(np.log(np.full(3, 1 / 3)), means, precisions,
                                      np.zeros(3))
    Z = np.zeros((600, 2))
    Z[::3, 0] = 0.7  # component 1 wins here
    phi = kernel.moment_features(Z)
    _, _, labels, worst = assert_same_e_step(phi, C)
    assert set(labels[1::3]) == {0}  # the tie goes to the first
    assert worst in (0, 1)  # the first of the equal points (either kind)


@pytest.mark.parametrize("places", [(300, 700), (fused_kernel.SEGMENT - 5,
                                               2 * fused_kernel.SEGMENT + 7)])
def test_worst_point_ties_keep_the_first_index(places):
    # the same far point twice, in different blocks (or different segments)
    rng = np.random.default_rng(5)
    Z = rng.normal(size=(max(places) + 500, 2))
    Z[list(places)] = [9.0, 9.0]
    phi, (_, C) = kernel.moment_features(Z), random_problem(rng, 1, 2, 4)
    assert assert_same_e_step(phi, C)[3] == places[0]


def test_no_points_give_zero_statistics():
    _, C = random_problem(np.random.default_rng(9), 1, 2, 3)
    total, stats, worst = fused_kernel.e_step_distinct(kernel.moment_features(
        np.empty((0, 2))), C, np.empty(0, dtype=np.uint8))
    assert total == 0.0 and worst == 0 and not stats.any() and stats.shape == C.shape


def test_features_need_at_least_three_columns():
    with pytest.raises(ValueError, match="P >= 3"):
        fused_kernel.e_step_distinct(np.ones((4, 2)), np.zeros((2, 2)), None)


def test_repeated_calls_are_bit_identical():
    rng = np.random.default_rng(6)
    n_samples = 2 * fused_kernel.SEGMENT + 1000  # several segments
    phi, C = random_problem(rng, n_samples, 3, 12)
    first = fused_kernel.e_step_distinct(phi, C, np.empty(n_samples, dtype=np.uint8))
    for _ in range(3):
        labels = np.empty(n_samples, dtype=np.uint8)
        again = fused_kernel.e_step_distinct(phi, C, labels)
        assert again[0] == first[0] and again[2] == first[2]
        assert np.array_equal(again[1], first[1])
    r = fused_kernel.responsibilities(phi, C)
    assert np.array_equal(r, fused_kernel.responsibilities(phi, C))


def test_labels_keep_their_dtype_past_256_components():
    rng = np.random.default_rng(7)
    phi, C = random_problem(rng, 2000, 1, 300)
    _, _, labels, _ = assert_same_e_step(phi, C)
    assert labels.dtype == np.uint16


@pytest.mark.parametrize("n_features", [1, 2, 5])
def test_fused_responsibilities_equal_numpy(n_features):
    rng = np.random.default_rng(n_features)
    phi, C = random_problem(rng, 3000, n_features, 9, spread=3.0)
    resp = fused_kernel.responsibilities(phi, C)
    np.testing.assert_allclose(resp, kernel.responsibilities_numpy(phi, C), rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0, rtol=1e-14)


def test_vectorised_exp_is_within_one_ulp_of_the_c_library():
    rng = np.random.default_rng(8)
    x = np.concatenate([-rng.uniform(0, 700, 200_000), -rng.uniform(0, 1, 100_000),
                        [0.0, -700.0, -0.5 * np.log(2.0), -1e-300, -708.0]])
    out = np.empty_like(x)
    fused_kernel.exp_array(x, out)
    exact = np.array([np.float64(np.exp(np.longdouble(v))) for v in x[:2000]])
    assert (np.abs(out[:2000] - exact) <= np.spacing(exact)).all()
    assert (np.abs(out - np.exp(x)) <= 2 * np.spacing(np.exp(x))).all()
    assert out[x.size - 5] == 1.0


def test_the_engine_uses_the_fused_kernel_and_warm_up_is_cheap_the_second_time():
    assert kernel.KERNEL == "fused"
    assert kernel.kernel_name() == "fused" and kernel.fused_available()
    kernel.warm_up()
    assert kernel.warm_up() < 1.0


def run_python(code, **env):
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, **env}, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_numba_is_imported_at_the_first_e_step_not_with_the_engine():
    code = ("import sys; from gmm_viz.engine import kernel, EMEngine, EMConfig;"
            "from gmm_viz.data import make_dataset;"
            "import gmm_viz.engine.em, gmm_viz.engine.estimator;"
            "assert 'numba' not in sys.modules, 'numba imported with the engine';"
            "assert kernel.kernel_name(chosen_only=True) is None;"
            "d = make_dataset('blobs', n_samples=300, random_state=0);"
            "EMEngine(d.X, EMConfig(n_components=3, random_state=0)).step();"
            "assert 'numba' in sys.modules and kernel.KERNEL == 'fused';"
            "print('ok')")
    assert run_python(code).strip() == "ok"


def test_the_kernel_is_chosen_once_and_never_changes_after_the_first_e_step():
    code = """
import numpy as np
from gmm_viz.engine import kernel
assert kernel.choose_kernel("numpy") == "numpy"
assert kernel.choose_kernel("fused") == "fused"  # still free to change
phi = kernel.moment_features(np.arange(8.0).reshape(4, 2))
kernel.e_step(phi, np.arange(12.0).reshape(2, 6) / 100)
assert kernel.choose_kernel("fused") == "fused"
try:
    kernel.choose_kernel("numpy")
except RuntimeError:
    print("refused")
assert kernel.kernel_name() == "fused"
"""
    assert run_python(code).strip() == "refused"
    with pytest.raises(ValueError, match="unknown kernel"):
        kernel.choose_kernel("cuda")


def test_the_numpy_kernel_can_be_chosen_and_the_engine_runs_on_it():
    code = ("import sys; from gmm_viz.engine import kernel, EMEngine, EMConfig;"
            "from gmm_viz.data import make_dataset;"
            "assert not kernel.fused_available();"
            "d = make_dataset('blobs', n_samples=300, random_state=0);"
            "e = EMEngine(d.X, EMConfig(n_components=3, random_state=0));"
            "print(e.step().log_likelihood);"
            "assert kernel.KERNEL == 'numpy', kernel.KERNEL;"
            "assert 'numba' not in sys.modules")
    float(run_python(code, GMM_VIZ_KERNEL="numpy"))
