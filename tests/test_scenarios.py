"""Each of the study's findings really happens in its scenario's own run."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from gmm_viz.engine import EMEngine
from gmm_viz.scenarios import SCENARIOS, get_scenario, run_scenario, scenario_names


def composition(labels, truth, k):
    """counts[j, c]: points of true cluster c assigned to component j."""
    return np.array([np.bincount(truth[labels == j], minlength=truth.max() + 1)
                     for j in range(k)])


@pytest.fixture(scope="module")
def ideal_value():
    _, snaps = run_scenario(get_scenario("ideal"))
    return snaps[-1].mean_log_likelihood


def test_there_are_seven_findings_in_order():
    assert [SCENARIOS[k].number for k in scenario_names()] == [1, 2, 3, 4, 5, 6, 7]
    for key in scenario_names():
        scenario = SCENARIOS[key]
        assert len(scenario.explanation) > 80
        if scenario.number in (2, 3, 4, 6, 7):
            assert scenario.remedy is not None, key
    assert get_scenario("3") is SCENARIOS["collapse"]
    with pytest.raises(KeyError, match="choose one of"):
        get_scenario("nonsense")


def test_1_ideal_fit_finds_every_cluster(ideal_value):
    dataset, snaps = run_scenario(get_scenario("ideal"))
    final = snaps[-1]
    assert final.converged and not any(s.events for s in snaps)
    counts = composition(final.labels, dataset.labels, 5)
    purity = counts.max(axis=1).sum() / counts.sum()
    assert purity > 0.95
    assert sorted(counts.argmax(axis=1)) == [0, 1, 2, 3, 4]  # one component per cluster
    # no other start does better: compare with k-means initialised EM
    from gmm_viz import GaussianMixtureEM

    best = GaussianMixtureEM(5, n_init=5, random_state=0, tol=1e-8).fit(dataset.X)
    assert ideal_value >= best.lower_bound_ - 1e-4


def test_2_random_start_is_trapped_in_a_local_optimum(ideal_value):
    dataset, snaps = run_scenario(get_scenario("local-optimum"))
    final = snaps[-1]
    assert not any(s.events for s in snaps)  # no singularity: nothing re-places anything
    counts = composition(final.labels, dataset.labels, 5)
    top_two = np.sort(counts, axis=1)[:, -2:]
    spans_two = (top_two[:, 0] >= 0.3 * top_two[:, 1]) & (top_two[:, 0] >= 20)
    assert spans_two.any(), "no component spans two true clusters"
    assert final.nk.min() < 10, "no component is starved"
    assert final.mean_log_likelihood < ideal_value - 0.1
    # the remedy reaches the ideal
    _, fixed = run_scenario(get_scenario("local-optimum").remedied())
    assert fixed[-1].mean_log_likelihood == pytest.approx(ideal_value, abs=1e-3)


def test_3_collapse_is_caught_replaced_and_the_fit_improves():
    scenario = get_scenario("collapse")
    _, snaps = run_scenario(scenario)
    recoveries = [e for s in snaps for e in s.events if e.recovered]
    assert recoveries
    first = recoveries[0]
    assert first.rule == "det" and first.value < 1e-2
    before = snaps[first.iteration - 1]
    assert before.nk[first.component] < 3  # it sat on a couple of points
    assert snaps[first.iteration].weights[first.component] == pytest.approx(0.5)
    assert snaps[-1].log_likelihood > before.log_likelihood
    # several starts keep a better one
    _, fixed = run_scenario(scenario.remedied())
    assert fixed[-1].mean_log_likelihood >= snaps[-1].mean_log_likelihood


def test_4_det_rule_misses_the_needle_and_the_needle_rule_catches_it():
    scenario = get_scenario("needle")
    _, snaps = run_scenario(scenario)
    final = snaps[-1]
    assert not any(s.events for s in snaps)
    k = int(final.condition_number.argmax())
    assert final.condition_number[k] > 1e4 and final.det[k] > 1e-2
    _, fixed = run_scenario(scenario.remedied())
    assert {e.rule for s in fixed for e in s.events} == {"needle"}
    assert fixed[-1].condition_number.max() < 1e3


def test_5_more_components_than_clusters_share_clusters():
    dataset, snaps = run_scenario(get_scenario("soft"))
    final = snaps[-1]
    engine = EMEngine(dataset.X, get_scenario("soft").config)
    engine.restore(final)
    resp = engine.responsibilities()
    shared = 0
    for c in range(5):
        mass = resp[dataset.labels == c].mean(axis=0)
        shared += (mass > 0.15).sum() >= 2
    assert shared >= 1, "no cluster is shared by two components"
    assert (resp.max(axis=1) < 0.8).mean() > 0.02  # visibly soft points
    assert get_scenario("soft").soft_colours


def test_6_same_point_start_is_still_then_drifts_apart():
    scenario = get_scenario("same-point")
    dataset, snaps = run_scenario(scenario)
    data_spread = np.ptp(dataset.X, axis=0).max()
    spread = [np.ptp(s.means, axis=0).max() for s in snaps]
    assert spread[0] < 1e-3 * data_spread
    assert spread[3] < 1e-2 * data_spread  # nothing seems to move at first
    assert abs(snaps[3].mean_log_likelihood - snaps[2].mean_log_likelihood) < 1e-3
    assert spread[-1] > 0.3 * data_spread
    # without the nudge the exact tie is never broken
    tied = EMEngine(dataset.X, scenario.config.with_changes(perturb=False))
    for _ in range(60):
        snap = tied.step()
    assert (snap.means == snap.means[0]).all()


def test_7_ellipses_cannot_follow_crescents():
    scenario = get_scenario("moons")
    dataset, snaps = run_scenario(scenario)
    final = snaps[-1]
    assert adjusted_rand_score(dataset.labels, final.labels) < 0.5
    counts = composition(final.labels, dataset.labels, 2)
    assert (counts.min(axis=1) > 0.25 * 250).any()  # one Gaussian spreads over both moons
    assert len(snaps) - 1 > 200  # converges slowly
    _, fixed = run_scenario(scenario.remedied())
    counts = composition(fixed[-1].labels, dataset.labels, 8)
    assert (counts.max(axis=1) == counts.sum(axis=1)).all()  # each ellipse in one moon
