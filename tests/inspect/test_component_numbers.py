"""A component's M-step in numbers, and the singularity rule closest to firing on it."""

import numpy as np
import pytest

from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.inspect import closest_rule, data_facts, m_step_numbers
from gmm_viz.scenarios import get_scenario
from tests.inspect.inspect_helpers import snapshot_of


def rotation(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


def test_known_matrices_give_numpys_det_condition_and_axes():
    R = rotation(0.3)
    covariance = R @ np.diag([1.0, 9.0]) @ R.T
    snapshot = snapshot_of([0.25, 0.75], [[0.0, 0.0], [1.0, 2.0]],
                           [np.diag([4.0, 1.0]), covariance])
    first = m_step_numbers(snapshot, 0)
    assert first.det == pytest.approx(4.0) and first.condition_number == pytest.approx(4.0)
    np.testing.assert_allclose(first.half_lengths[1], [1.0, 2.0])
    np.testing.assert_allclose(first.half_lengths[2], [2.0, 4.0])
    np.testing.assert_allclose(first.half_lengths[3], [3.0, 6.0])
    second = m_step_numbers(snapshot, 1, n_samples=400)
    assert second.det == pytest.approx(np.linalg.det(covariance))
    assert second.log_det == pytest.approx(np.log(9.0))
    assert second.condition_number == pytest.approx(np.linalg.cond(covariance))
    np.testing.assert_allclose(second.eigenvalues, [1.0, 9.0])
    # The major axis is the rotated x axis (up to sign).
    assert abs(second.marginal_axes[:, 1] @ R[:, 1]) == pytest.approx(1.0)
    np.testing.assert_allclose(second.half_lengths[1], [1.0, 3.0])
    assert second.nk == pytest.approx(300.0) and second.weight == 0.75
    np.testing.assert_array_equal(second.mean, [1.0, 2.0])


def test_three_features_shown_on_two_axes_use_the_marginal():
    rng = np.random.default_rng(2)
    raw = rng.normal(size=(3, 3))
    covariance = raw @ raw.T + np.eye(3)
    snapshot = snapshot_of([1.0], [[0.0, 1.0, 2.0]], [covariance])
    numbers = m_step_numbers(snapshot, 0, axes=(0, 2), sigma_levels=(2,))
    marginal = covariance[np.ix_([0, 2], [0, 2])]
    np.testing.assert_allclose(numbers.marginal, marginal)
    np.testing.assert_allclose(numbers.marginal_eigenvalues, np.linalg.eigvalsh(marginal))
    np.testing.assert_allclose(numbers.half_lengths[2], 2 * np.sqrt(np.linalg.eigvalsh(marginal)))
    np.testing.assert_allclose(numbers.eigenvalues, np.linalg.eigvalsh(covariance))
    assert numbers.det == pytest.approx(np.linalg.det(covariance))
    with pytest.raises(ValueError, match="two different features"):
        m_step_numbers(snapshot, 0, axes=(1, 1))
    with pytest.raises(ValueError, match="from 0 to 0"):
        m_step_numbers(snapshot, 1)


def test_the_m_step_sums_from_the_previous_responsibilities_give_the_parameters():
    X = make_dataset("blobs").X
    config = EMConfig(n_components=4, rule="none", random_state=1)
    engine = EMEngine(X, config)
    previous = engine.snapshot
    for _ in range(3):
        previous = engine.step()
    snapshot = engine.step()
    resp = engine.responsibilities_for(previous)
    for k in range(4):
        numbers = m_step_numbers(snapshot, k, X, resp)
        assert numbers.origin == "m_step"
        assert numbers.nk / len(X) == pytest.approx(snapshot.weights[k], rel=1e-9)
        np.testing.assert_allclose(numbers.resp_mean, snapshot.means[k], rtol=1e-8,
                                   atol=1e-10)
        np.testing.assert_allclose(numbers.resp_scatter + config.reg_covar * np.eye(2),
                                   snapshot.covariances[k], rtol=1e-7, atol=1e-10)


def test_where_the_parameters_come_from():
    scenario = get_scenario("collapse")
    engine = EMEngine(scenario.data.make().X, scenario.config)
    assert m_step_numbers(engine.snapshot, 0).origin == "initial"
    while not engine.snapshot.replacements:
        engine.step()
    snapshot = engine.snapshot
    replaced = snapshot.replacements[0].component
    assert m_step_numbers(snapshot, replaced).origin == "re-placed"
    others = [k for k in range(snapshot.n_components) if k not in
              snapshot.recovered_components]
    assert {m_step_numbers(snapshot, k).origin for k in others} == {"m_step"}


@pytest.mark.parametrize(("name", "rule", "fires"), [
    ("collapse", "det", True), ("collapse", "relative_det", True),
    ("collapse", "det+needle", True), ("needle", "det", False), ("needle", "needle", True),
    ("needle", "relative_det+needle", True)])
def test_rules_fire_exactly_where_the_engine_flags(name, rule, fires):
    scenario = get_scenario(name)
    X = scenario.data.make().X
    # Only flagged: the parameters stay as EM made them, so the snapshot is what was judged.
    config = scenario.config.with_changes(rule=rule, recovery="flag", tol=0.0, max_iter=90,
                                          threshold=1e-2 if "relative" not in rule else 1e-4)
    engine = EMEngine(X, config)
    facts = data_facts(X)
    flagged_seen = 0
    for _ in range(90):
        snapshot = engine.step()
        for k in range(snapshot.n_components):
            status = closest_rule(snapshot, k, config, facts)
            assert status.fires == bool(snapshot.flagged[k]), (snapshot.iteration, k)
            assert status.closest.fires == status.fires
        flagged_seen += int(snapshot.flagged.sum())
    # The study's finding: the det rule never catches the needle.
    assert (flagged_seen > 0) == fires


def test_a_caught_component_crosses_factor_one_with_the_engines_value():
    scenario = get_scenario("collapse")
    X = scenario.data.make().X
    config = scenario.config
    engine = EMEngine(X, config)
    facts = data_facts(X)
    before = engine.snapshot
    while not engine.snapshot.replacements:
        before = engine.snapshot
        engine.step()
    snapshot = engine.snapshot
    event = snapshot.replacements[0]
    k = event.component
    caught = closest_rule(snapshot.detected, k, config, facts)
    assert caught.closest.rule == event.rule == "det" and caught.fires
    assert caught.closest.factor < 1
    assert caught.closest.value == pytest.approx(event.value, rel=1e-6)
    assert caught.closest.factor == pytest.approx(event.value / event.threshold, rel=1e-6)
    earlier = closest_rule(before, k, config, facts)
    assert earlier.closest.factor >= 1 and not earlier.fires


def test_needle_factor_is_limit_over_condition_number():
    covariance = np.diag([1.0, 1e-6])  # condition number 1e6
    snapshot = snapshot_of([0.5, 0.5], [[0.0, 0.0], [1.0, 1.0]], [covariance, np.eye(2)])
    config = EMConfig(rule="needle", condition_limit=1e4)
    facts = data_facts(np.random.default_rng(0).normal(size=(100, 2)))
    status = closest_rule(snapshot, 0, config, facts)
    assert status.closest.quantity == "condition number"
    assert status.closest.factor == pytest.approx(1e-2) and status.fires
    calm = closest_rule(snapshot, 1, config, facts)
    # N_k = 0.5 * 100 = 50 against D + 1 = 3; condition number 1 against 1e4.
    nk_check = next(c for c in calm.checks if c.quantity == "N_k")
    assert nk_check.factor == pytest.approx(50 / 3) and not calm.fires
    assert calm.closest is nk_check


def test_with_no_rule_the_studys_det_rule_is_still_measured():
    snapshot = snapshot_of([1.0], [[0.0, 0.0]], [np.diag([1e-2, 1e-2])])  # det 1e-4
    status = closest_rule(snapshot, 0, EMConfig(rule="none"), np.zeros((3, 2)) + [[0, 0],
                                                                            [1, 0], [0, 1]])
    assert status.rule_setting == "none" and not status.fires
    assert not status.closest.active and status.closest.threshold == 1e-2
    assert status.closest.factor == pytest.approx(1e-2) and status.closest.fires
