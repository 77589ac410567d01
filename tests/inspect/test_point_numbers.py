"""The point under the mouse and its E-step: against brute force, scikit-learn and scipy."""

import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.engine.covariance import to_sklearn_covariances
from gmm_viz.inspect import PointIndex, e_step_numbers
from tests.inspect.inspect_helpers import snapshot_of

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def sklearn_model(snapshot, covariance_type):
    """A fitted scikit-learn GaussianMixture with the snapshot's parameters."""
    k = snapshot.n_components
    model = GaussianMixture(k, covariance_type=covariance_type)
    covariances = to_sklearn_covariances(np.asarray(snapshot.covariances), covariance_type)
    model.weights_ = np.asarray(snapshot.weights)
    model.means_ = np.asarray(snapshot.means)
    model.covariances_ = covariances
    model.precisions_cholesky_ = _compute_precision_cholesky(covariances, covariance_type)
    return model


# ------------------------------------------------------------------ the E-step
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_responsibilities_equal_the_engine_and_predict_proba(covariance_type):
    X = make_dataset("blobs").X
    engine = EMEngine(X, EMConfig(n_components=5, covariance_type=covariance_type,
                                  rule="none", random_state=3))
    for _ in range(4):
        snapshot = engine.step()
    rows = [0, 17, 123, 256, 499]
    from_engine = engine.responsibilities_for(snapshot)[rows]
    from_sklearn = sklearn_model(snapshot, covariance_type).predict_proba(X[rows])
    for row, engine_resp, sklearn_resp in zip(rows, from_engine, from_sklearn, strict=True):
        numbers = e_step_numbers(snapshot, X[row])
        np.testing.assert_allclose(numbers.resp, sklearn_resp, rtol=0, atol=1e-10)
        np.testing.assert_allclose(numbers.resp, engine_resp, rtol=0, atol=1e-10)
        assert numbers.resp.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_density_and_its_sum_equal_scipy(covariance_type):
    rng = np.random.default_rng(1)
    k, d = 3, 3
    means = rng.normal(size=(k, d))
    raw = rng.normal(size=(k, d, d))
    full = raw @ raw.transpose(0, 2, 1) + 0.5 * np.eye(d)
    covariances = {
        "full": full,
        "tied": np.broadcast_to(full[0], full.shape),
        "diag": np.einsum("kii->ki", full)[:, :, None] * np.eye(d),
        "spherical": np.einsum("kii->k", full)[:, None, None] / d * np.eye(d),
    }[covariance_type]
    weights = np.array([0.2, 0.5, 0.3])
    snapshot = snapshot_of(weights, means, covariances)
    x = rng.normal(size=d)
    numbers = e_step_numbers(snapshot, x)
    densities = np.array([multivariate_normal(means[j], covariances[j]).pdf(x)
                          for j in range(k)])
    np.testing.assert_allclose(numbers.density, densities, rtol=1e-10)
    np.testing.assert_allclose(numbers.weighted, weights * densities, rtol=1e-10)
    assert numbers.p == pytest.approx(float(weights @ densities), rel=1e-10)
    assert numbers.log_p == pytest.approx(np.log(weights @ densities), rel=1e-10)
    np.testing.assert_allclose(numbers.resp, weights * densities / (weights @ densities),
                               rtol=1e-10)
    np.testing.assert_allclose(
        numbers.resp, sklearn_model(snapshot, covariance_type).predict_proba(x[None])[0],
        atol=1e-10)


def test_a_point_far_from_every_component_keeps_exact_logs():
    snapshot = snapshot_of([0.5, 0.5], [[0.0, 0.0], [1.0, 0.0]], [np.eye(2), np.eye(2)])
    x = np.array([1e4, 0.0])
    numbers = e_step_numbers(snapshot, x)
    # The densities underflow to 0; their logs do not, and gamma comes from them.
    assert (numbers.weighted == 0).all() and numbers.p == 0 and numbers.underflow
    expected = np.array([-0.5 * (2 * np.log(2 * np.pi) + 1e8),
                         -0.5 * (2 * np.log(2 * np.pi) + (1e4 - 1) ** 2)])
    np.testing.assert_allclose(numbers.log_density, expected, rtol=1e-14)
    log_gamma_0 = -0.5 * (1e8 - (1e4 - 1) ** 2)  # log N_0 - log N_1, equal weights
    assert numbers.resp[0] == pytest.approx(np.exp(log_gamma_0), abs=1e-300)
    assert numbers.resp[1] == 1.0
    np.testing.assert_allclose(
        numbers.resp, sklearn_model(snapshot, "full").predict_proba(x[None])[0], atol=1e-10)


def test_a_component_of_weight_zero_takes_no_responsibility():
    snapshot = snapshot_of([0.0, 1.0], [[0.0, 0.0], [1.0, 0.0]], [np.eye(2), np.eye(2)])
    numbers = e_step_numbers(snapshot, np.zeros(2))
    assert numbers.log_weighted[0] == -np.inf and numbers.resp.tolist() == [0.0, 1.0]


def test_the_point_must_have_every_feature():
    snapshot = snapshot_of([1.0], [[0.0, 0.0, 0.0]], [np.eye(3)])
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        e_step_numbers(snapshot, np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        e_step_numbers(snapshot, np.array([0.0, np.nan, 0.0]))


# ------------------------------------------------------------------ the point under the mouse
def brute_force(points, x, y, max_distance, sx, sy):
    pixels = np.hypot((points[:, 0] - x) / sx, (points[:, 1] - y) / sy)
    best = int(np.argmin(pixels))
    return best if pixels[best] <= max_distance else None


@pytest.mark.parametrize("scales", [(1.0, 1.0), (2e-5, 3.0), (1e-3, 1e3), (5e-6, 50.0),
                                    (1e-4, 1e-4)])
def test_nearest_point_on_screen_equals_brute_force(scales):
    rng = np.random.default_rng(0)
    # Axes in very different units: thousandths against thousands.
    points = np.column_stack([rng.normal(0, 1e-3, 20_000), rng.normal(0, 1e3, 20_000)])
    index = PointIndex(points)
    sx, sy = scales
    for _ in range(300):
        x, y = rng.normal(0, 1.2e-3), rng.normal(0, 1.2e3)
        for radius in (3.0, 12.0):
            assert index.nearest(x, y, radius, sx, sy) == brute_force(points, x, y, radius,
                                                                     sx, sy)


def test_nearest_point_without_scales_measures_data_units():
    points = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 3.0]])
    index = PointIndex(points)
    assert index.nearest(0.1, 2.0, 1.5) == 2
    assert index.nearest(6.0, 0.0, 5.0) == 1
    assert index.nearest(5.0, 5.0, 1.0) is None
    # A constant axis has no spread: still a usable index.
    flat = PointIndex(np.column_stack([np.arange(5.0), np.zeros(5)]))
    assert flat.nearest(2.2, 0.0, 1.0) == 2 and len(flat) == 5


def test_point_index_refuses_bad_input():
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        PointIndex(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="finite"):
        PointIndex(np.array([[0.0, np.inf], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="positive"):
        PointIndex(np.zeros((3, 2))).nearest(0.0, 0.0, 3.0, 0.0, 1.0)


def test_the_inspect_package_imports_no_qt():
    script = ("import sys, gmm_viz.inspect; "
              "print(','.join(m for m in sys.modules if m.split('.')[0] in "
              "('PyQt6', 'PyQt5', 'PySide6', 'pyqtgraph')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
