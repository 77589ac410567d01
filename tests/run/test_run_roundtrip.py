"""Every initialisation x every covariance type survives ``fit --out`` and opening the run.

A run saved by ``gmm-viz fit --out`` must open again (``load_run``) and hold, at every
iteration, the parameters a fresh engine computes from the same data and settings. Small
data and few iterations keep this fast.
"""

import numpy as np
import pytest

from gmm_viz.cli import main
from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.engine.config import COVARIANCE_TYPES, INITIALISATIONS
from gmm_viz.run.run_file import load_run

N_SAMPLES = 60
K = 3
MAX_ITER = 6


def fresh_snapshots(config, n):
    """Iterations 0 .. n of a new engine on the same generated data."""
    engine = EMEngine(make_dataset("blobs", n_samples=N_SAMPLES).X, config)
    return [engine.snapshot] + [engine.step() for _ in range(n)]


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("init", INITIALISATIONS)
def test_saved_run_opens_with_the_same_parameters_at_every_iteration(
        tmp_path, capsys, init, covariance_type):
    out = tmp_path / "r.json"
    code = main(["fit", "--dataset", "blobs", "--n-samples", str(N_SAMPLES), "--k", str(K),
                 "--init", init, "--covariance", covariance_type, "--seed", "3",
                 "--max-iter", str(MAX_ITER), "--out", str(out)])
    assert code == 0, capsys.readouterr().err

    record = load_run(out)  # raised "iteration 0: the weights must ... sum to 1" before

    config = record.config
    assert (config.init, config.covariance_type, config.n_components) == (
        init, covariance_type, K)
    assert config.random_state == 3 and config.max_iter == MAX_ITER
    np.testing.assert_array_equal(record.X, make_dataset("blobs", n_samples=N_SAMPLES).X)
    expected = fresh_snapshots(EMConfig(**{f: getattr(config, f) for f in (
        "n_components", "covariance_type", "init", "rule", "threshold", "recovery",
        "max_iter", "tol", "random_state")}), len(record.snapshots) - 1)
    assert len(record.snapshots) == len(expected) >= 2
    for saved, fresh in zip(record.snapshots, expected, strict=True):
        assert saved.iteration == fresh.iteration
        assert saved.weights.sum() == pytest.approx(1.0, abs=1e-12)
        np.testing.assert_allclose(saved.weights, fresh.weights, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(saved.means, fresh.means, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(saved.covariances, fresh.covariances, rtol=1e-12,
                                   atol=1e-12 * np.abs(fresh.covariances).max())
        assert saved.log_likelihood == pytest.approx(fresh.log_likelihood, rel=1e-12)
        assert saved.mean_log_likelihood == pytest.approx(fresh.mean_log_likelihood,
                                                          rel=1e-12)
        assert [e.describe() for e in saved.events] == [e.describe() for e in fresh.events]


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("init", INITIALISATIONS)
def test_every_snapshot_has_weights_that_sum_to_one(init, covariance_type):
    config = EMConfig(n_components=K, init=init, covariance_type=covariance_type,
                      rule="none", random_state=0)
    for snap in fresh_snapshots(config, 3):
        assert (snap.weights >= 0).all()
        assert snap.weights.sum() == pytest.approx(1.0, abs=1e-12)
