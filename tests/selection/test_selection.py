"""The start race, equal optima, BIC/AIC and the model grid (gmm_viz.selection, no Qt)."""

import subprocess
import sys
import threading

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig
from gmm_viz.engine import covariance as cov_ops
from gmm_viz.engine.config import COVARIANCE_TYPES
from gmm_viz.run.session import RunSession
from gmm_viz.scenarios import best_seed, get_scenario
from gmm_viz.selection import (
    BackgroundJob,
    Cancelled,
    StartRace,
    aic,
    bic,
    fit_grid,
    fit_model,
    group_optima,
    parse_k_range,
    same_optimum,
    start_seeds,
)
from gmm_viz.selection.optima import data_scale, groups_text


@pytest.fixture(scope="module")
def blobs():
    return make_dataset("blobs")


# ---------------------------------------------------------------------- the race
def test_the_race_ends_as_independent_single_runs_with_the_same_seeds(blobs):
    config = EMConfig(n_components=5, max_iter=80)
    seeds = start_seeds(3, 6)
    race = StartRace(blobs, config, seeds)
    outcomes = race.run()
    assert race.finished and [o.seed for o in outcomes] == [3, 4, 5, 6, 7, 8]
    for outcome in outcomes:
        single = RunSession(blobs, config.with_changes(random_state=outcome.seed))
        snaps = single.run_to_end()
        final = snaps[-1]
        assert outcome.iterations == final.iteration
        assert outcome.log_likelihood == final.log_likelihood
        assert outcome.converged == final.converged
        assert [e.describe() for e in outcome.events] == [
            e.describe() for s in snaps for e in s.events]
        history = race.history(outcome.index)
        assert [s.iteration for s in history] == [s.iteration for s in snaps]
        np.testing.assert_array_equal(history[-1].means, final.means)


def test_the_best_start_is_the_one_the_best_of_n_remedy_picks():
    scenario = get_scenario("collapse")
    n = scenario.remedy.best_of
    dataset = scenario.data.make()
    race = StartRace(dataset, scenario.config, start_seeds(0, n),
                     max_iterations=scenario.iterations)
    race.run()
    chosen = best_seed(dataset.X, scenario.config, n, scenario.iterations)
    assert race.seeds[race.best_index()] == chosen.random_state
    state = race.state()
    assert state.finished and state.best == race.best_index()
    assert sum(len(g) for g in state.groups) == n


def test_a_start_that_fails_stops_with_its_reason_and_the_others_go_on(blobs, monkeypatch):
    race = StartRace(blobs, EMConfig(n_components=3, max_iter=20), start_seeds(0, 3))
    broken = race._sessions[1]

    def fail(limit=None):
        from gmm_viz.run.session import SessionError

        raise SessionError("EM step failed at iteration 0: boom")

    monkeypatch.setattr(broken, "run_to_end", fail)
    race.run()
    outcomes = race.outcomes()
    assert outcomes[1].error.endswith("boom") and outcomes[1].finished
    assert outcomes[0].iterations > 0 and outcomes[2].iterations > 0
    assert "1 failed: EM step failed" in race.state().summary()


def test_the_summary_says_how_many_are_still_running(blobs):
    race = StartRace(blobs, EMConfig(n_components=5, max_iter=50), start_seeds(0, 4))
    race.step_round()
    text = race.state().summary()
    assert "4 of 4 still running" in text and "Best so far: start" in text


def test_seeds_and_number_of_starts_are_checked():
    assert start_seeds(2**31 - 1, 2) == (2**31 - 1, 0)
    with pytest.raises(ValueError, match="from 1 to 25"):
        start_seeds(0, 26)


# ---------------------------------------------------------------------- equal optima
def _state(weights, means, covariances, ll, n=500):
    from types import SimpleNamespace

    return SimpleNamespace(weights=np.asarray(weights, float), means=np.asarray(means, float),
                           covariances=np.asarray(covariances, float), log_likelihood=ll,
                           mean_log_likelihood=ll / n)


def test_a_permutation_of_the_components_is_the_same_optimum():
    rng = np.random.default_rng(0)
    means = rng.normal(size=(4, 2)) * 5
    covs = np.array([np.eye(2) * (i + 1) for i in range(4)])
    weights = np.array([0.1, 0.2, 0.3, 0.4])
    a = _state(weights, means, covs, -2931.4)
    order = [2, 0, 3, 1]
    b = _state(weights[order], means[order] + 0.01, covs[order] * 1.01, -2931.9)
    assert same_optimum(a, b, scale=5.0)


def test_equal_log_likelihoods_with_different_parameters_are_different_optima():
    covs = np.array([np.eye(2), np.eye(2)])
    a = _state([0.5, 0.5], [[0, 0], [10, 0]], covs, -1000.0)
    b = _state([0.5, 0.5], [[0, 0], [0, 10]], covs, -1000.0)  # same value, mirrored
    assert not same_optimum(a, b, scale=5.0)
    c = _state([0.5, 0.5], [[0, 0], [10, 0]], covs * 3, -1000.0)  # wider covariances
    assert not same_optimum(a, c, scale=5.0)
    d = _state([0.8, 0.2], [[0, 0], [10, 0]], covs, -1000.0)  # other weights
    assert not same_optimum(a, d, scale=5.0)


def test_the_same_parameters_with_log_likelihoods_too_far_apart_are_different():
    covs = np.array([np.eye(2), np.eye(2)])
    a = _state([0.5, 0.5], [[0, 0], [10, 0]], covs, -1000.0)
    b = _state([0.5, 0.5], [[0, 0], [10, 0]], covs, -1010.0)  # 0.02 per point
    assert not same_optimum(a, b, scale=5.0)


def test_grouping_puts_the_best_optimum_first_and_reads_as_the_issue_says():
    covs = np.array([np.eye(2), np.eye(2)])
    top = [_state([0.5, 0.5], [[0, 0], [10, 0]], covs, -2931.4 - 0.01 * i) for i in range(5)]
    top[3] = _state([0.5, 0.5], [[10, 0], [0, 0]], covs, -2931.43)  # relabelled
    trapped = [_state([0.9, 0.1], [[3, 0], [20, 0]], covs * 4, -3131.9) for _ in range(2)]
    other = [_state([0.7, 0.3], [[1, 1], [12, 2]], covs * 2, -3061.7)]
    states = [trapped[0], top[0], other[0], top[1], top[2], trapped[1], top[3], top[4]]
    groups = group_optima(states, scale=5.0)
    assert [sorted(g) for g in groups] == [[1, 3, 4, 6, 7], [2], [0, 5]]
    values = [s.log_likelihood for s in states]
    assert groups_text(groups, values, 8) == (
        "5 of 8 reached \u22122931.4; 2 trapped at \u22123131.9; 1 at \u22123061.7")


def test_starts_into_one_optimum_on_real_data_are_grouped(blobs):
    race = StartRace(blobs, EMConfig(n_components=5, init="kmeans", rule="none", tol=1e-6),
                     start_seeds(0, 4))
    race.run()
    state = race.state()
    # k-means starts on five separated clusters all find them.
    assert len(state.groups) == 1 and len(state.groups[0]) == 4
    assert state.summary().startswith("4 of 4 reached")
    assert data_scale(blobs.X) > 0


# ---------------------------------------------------------------------- BIC and AIC
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_bic_and_aic_equal_scikit_learns_for_the_same_fitted_parameters(blobs,
                                                                        covariance_type):
    X = blobs.X
    fit = fit_model(X, 3, covariance_type, n_init=2)
    snap = fit.snapshot
    covariances = cov_ops.to_sklearn_covariances(np.asarray(snap.covariances),
                                                 covariance_type)
    model = GaussianMixture(3, covariance_type=covariance_type)
    model.weights_ = np.asarray(snap.weights)
    model.means_ = np.asarray(snap.means)
    model.covariances_ = covariances
    # scikit-learn's own precision computation, independent of ours.
    model.precisions_cholesky_ = _compute_precision_cholesky(covariances, covariance_type)
    model.n_features_in_ = 2
    np.testing.assert_allclose(fit.bic, model.bic(X), rtol=1e-10)
    np.testing.assert_allclose(fit.aic, model.aic(X), rtol=1e-10)
    assert fit.n_parameters == model._n_parameters()
    ll = model.score(X) * len(X)
    assert bic(ll, len(X), 3, 2, covariance_type) == pytest.approx(model.bic(X), rel=1e-12)
    assert aic(ll, len(X), 3, 2, covariance_type) == pytest.approx(model.aic(X), rel=1e-12)


# ---------------------------------------------------------------------- the grid
def test_bic_picks_two_components_on_old_faithful_with_full_covariance():
    X = make_dataset("faithful").X
    result = fit_grid(X, range(1, 11), ["full"])
    best = result.best("bic")
    assert (best.n_components, best.covariance_type) == (2, "full")
    assert len(result.fits) == 10 and result.complete


def test_bic_picks_five_components_on_the_studys_blobs(blobs):
    result = fit_grid(blobs.X, range(1, 11))
    assert result.best("bic").n_components == 5
    ks, values = result.line("full")
    assert list(ks) == list(range(1, 11)) and np.isfinite(values).all()


def test_cancel_from_the_progress_callback_stops_before_the_next_em_step(blobs, monkeypatch):
    steps = []
    from gmm_viz.engine import em

    original = em.EMEngine.step

    def counting_step(self):
        steps.append(1)
        return original(self)

    monkeypatch.setattr(em.EMEngine, "step", counting_step)
    cancel = threading.Event()
    seen = []

    def progress(done, total, fit):
        seen.append((done, len(steps)))
        cancel.set()

    with pytest.raises(Cancelled):
        fit_grid(blobs.X, range(1, 6), ["full", "diag"], progress=progress,
                 cancel=cancel.is_set)
    assert len(seen) == 1  # cancelled after the first model
    assert len(steps) == seen[0][1] > 0  # and not one EM step after it


def test_a_k_above_the_distinct_points_is_a_clear_error():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    with pytest.raises(ValueError, match="k = 4, full"):
        fit_grid(X, [4], ["full"])


def test_k_ranges_parse_and_refuse_what_is_out_of_range():
    assert parse_k_range("1-10") == tuple(range(1, 11))
    assert parse_k_range("2,4, 6") == (2, 4, 6)
    for bad in ("0-3", "5-2", "a", "21"):
        with pytest.raises(ValueError, match="k must"):
            parse_k_range(bad)


# ---------------------------------------------------------------------- the thread
def test_a_background_job_publishes_latest_only_and_stops_on_cancel():
    def work(job):
        job.target = {"n": 0}
        n = 0
        while True:
            job.check()
            n += 1
            job.target["n"] = n
            job.serve()
            if job.wanted:
                job.publish(n)

    job = BackgroundJob(work)
    token = job.call(lambda target: target["n"])
    first = None
    for _ in range(10_000):
        first = job.take()
        if first is not None and job.answer(token) is not None:
            break
        threading.Event().wait(0.001)
    assert first is not None
    job.cancel()
    assert job.wait(30.0) and job.done and not job.error
    token = job.call(lambda target: target["n"])  # answered at once, the work is done
    assert job.answer(token) == (job.target["n"], "")


def test_a_failing_job_reports_its_message():
    job = BackgroundJob(lambda job: 1 / 0)
    assert job.wait(30.0)
    assert job.error == "division by zero" and job.result is None


def test_the_selection_package_imports_no_qt():
    script = ("import sys, gmm_viz.selection as s\n"
              "from gmm_viz.data import make_dataset\n"
              "from gmm_viz.engine import EMConfig\n"
              "d = make_dataset('blobs', n_samples=200)\n"
              "r = s.StartRace(d, EMConfig(n_components=3, max_iter=5), s.start_seeds(0, 2))\n"
              "r.run(); r.state().summary()\n"
              "s.fit_grid(d.X, [1, 2], ['full'])\n"
              "print(','.join(m for m in sys.modules if m.split('.')[0] in "
              "('PyQt6', 'pyqtgraph', 'PySide6')))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_many_optima_are_summed_up_after_the_first_few():
    groups = tuple((i,) for i in range(8))
    values = [-100.0 - i for i in range(8)]
    assert groups_text(groups, values, 8) == (
        "1 of 8 reached \u2212100.0; 1 trapped at \u2212101.0; 1 at \u2212102.0; "
        "1 at \u2212103.0; 1 at \u2212104.0; 3 more at 3 other optima, from \u2212105.0 to "
        "\u2212107.0")
    five = groups_text(groups[:6], values[:6], 6)
    assert five.endswith("1 at \u2212104.0; 1 at \u2212105.0") and "more" not in five
