"""The formula panel's texts print the numbers that were computed."""

import re

import numpy as np
import pytest

from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.inspect import (
    closest_rule,
    data_facts,
    e_step_numbers,
    e_step_text,
    m_step_numbers,
    m_step_text,
    rule_text,
)
from gmm_viz.inspect.formulas import number
from gmm_viz.scenarios import get_scenario
from tests.inspect.inspect_helpers import snapshot_of

FLOAT = r"-?\d+(?:\.\d+)?(?:e[+-]\d+)?"


def floats(text):
    return [float(v) for v in re.findall(FLOAT, text)]


def line_starting(text, start):
    lines = [line for line in text.splitlines() if line.startswith(start)]
    assert len(lines) == 1, (start, text)
    return lines[0]


@pytest.fixture(scope="module")
def run():
    X = make_dataset("blobs").X
    engine = EMEngine(X, EMConfig(n_components=3, rule="none", random_state=2))
    previous = engine.snapshot
    for _ in range(3):
        previous = engine.step()
    return X, previous, engine.step(), engine


def test_e_step_text_prints_each_term_the_sum_and_each_gamma(run):
    X, _, snapshot, _ = run
    numbers = e_step_numbers(snapshot, X[42])
    text = e_step_text(numbers, index=42)
    assert text.splitlines()[0] == ("γ_42,k = π_k N(x_42 | μ_k, Σ_k) / "
                                    "Σ_j π_j N(x_42 | μ_j, Σ_j)")
    for k in range(3):
        pi, density, term = floats(line_starting(text, f"π_{k} N(x_42").split("=", 1)[1])
        assert pi == pytest.approx(numbers.weights[k], rel=1e-3)
        assert density == pytest.approx(numbers.density[k], rel=1e-3)
        assert term == pytest.approx(numbers.weighted[k], rel=1e-3)
        top, bottom, gamma = floats(line_starting(text, f"γ_42,{k} =").split("=", 1)[1])
        assert top == pytest.approx(numbers.weighted[k], rel=1e-3)
        assert bottom == pytest.approx(numbers.p, rel=1e-3)
        assert gamma == pytest.approx(numbers.resp[k], rel=1e-3)
    *terms, total = floats(line_starting(text, "p(x_42) =").split("=", 1)[1])
    np.testing.assert_allclose(terms, numbers.weighted, rtol=1e-3)
    assert total == pytest.approx(numbers.p, rel=1e-3)


def test_underflowing_densities_are_written_in_logs():
    snapshot = snapshot_of([0.5, 0.5], [[0.0, 0.0], [1.0, 0.0]], [np.eye(2), np.eye(2)])
    numbers = e_step_numbers(snapshot, np.array([300.0, 0.0]))
    text = e_step_text(numbers)
    assert "log(π_0 N(x_i | μ_0, Σ_0)) = log 0.5 + " in text
    assert " 0 / 0" not in text
    log_p = floats(line_starting(text, "log p(x_i)"))[-1]
    assert log_p == pytest.approx(numbers.log_p, rel=1e-3)
    gamma_1 = line_starting(text, "γ_i1 =")
    assert floats(gamma_1)[-1] == 1.0 and number(numbers.log_weighted[1]) in gamma_1


def test_html_has_subscripts_and_the_same_numbers(run):
    X, _, snapshot, _ = run
    numbers = e_step_numbers(snapshot, X[7])
    html = e_step_text(numbers, index=7, html=True)
    assert "γ<sub>7,0</sub>" in html and "<br>" in html
    assert number(numbers.resp[0]) in html and number(numbers.p) in html


def test_m_step_text_prints_the_components_numbers(run):
    X, previous, snapshot, engine = run
    resp = engine.responsibilities_for(previous)
    numbers = m_step_numbers(snapshot, 1, X, resp)
    text = m_step_text(numbers, feature_names=("a", "b"))
    assert floats(line_starting(text, "N_1 = "))[-1] == pytest.approx(numbers.nk, rel=1e-3)
    nk, n, weight = floats(line_starting(text, "π_1 = ").split("=", 2)[2])
    assert (nk, n) == (pytest.approx(numbers.nk, rel=1e-3), len(X))
    assert weight == pytest.approx(snapshot.weights[1], rel=1e-3)
    mean = floats(line_starting(text, "μ_1 = ").rsplit("=", 1)[1])
    np.testing.assert_allclose(mean, snapshot.means[1], rtol=1e-3)
    covariance = floats(line_starting(text, "Σ_1 = [[").split("=", 1)[1])
    np.testing.assert_allclose(covariance, np.ravel(snapshot.covariances[1]), rtol=1e-3)
    det, cond = floats(line_starting(text, "det Σ_1"))[-2:]
    assert det == pytest.approx(numbers.det, rel=1e-3)
    assert cond == pytest.approx(numbers.condition_number, rel=1e-3)
    ellipse = line_starting(text, "Ellipse on (a, b)")
    for s, half in numbers.half_lengths.items():
        assert f"{s}σ: {number(half[0])}, {number(half[1])}" in ellipse
    assert "Σ_1 = Σ_i γ_i1 (x_i − μ_1)(x_i − μ_1)ᵀ / N_1 + reg_covar·I" in text


def test_m_step_text_says_when_there_was_no_m_step():
    scenario = get_scenario("collapse")
    engine = EMEngine(scenario.data.make().X, scenario.config)
    start = m_step_text(m_step_numbers(engine.snapshot, 0, n_samples=500))
    assert start.startswith("Component 0 at iteration 0: the start, no M-step yet")
    assert "N_0" not in start
    while not engine.snapshot.replacements:
        engine.step()
    snapshot = engine.snapshot
    k = snapshot.replacements[0].component
    text = m_step_text(m_step_numbers(snapshot, k, n_samples=500))
    assert "re-placed by a singularity rule" in text
    assert floats(line_starting(text, f"π_{k} = "))[-1] == pytest.approx(
        snapshot.weights[k], rel=1e-3)


def test_rule_text_names_the_closest_rule_and_its_factor():
    scenario = get_scenario("collapse")
    X = scenario.data.make().X
    engine = EMEngine(X, scenario.config)
    while not engine.snapshot.replacements:
        engine.step()
    snapshot = engine.snapshot
    event = snapshot.replacements[0]
    status = closest_rule(snapshot.detected, event.component, scenario.config, data_facts(X))
    text = rule_text(status)
    assert text.startswith(f"Component {event.component}, closest rule: |det(cov)| = "
                           f"{number(event.value, 3)} is below the det rule's threshold 0.01")
    assert text.endswith("the rule catches this component.")
    calm = snapshot_of([1.0], [[0.0, 0.0]], [np.diag([0.1, 0.32])])  # det 0.032
    text = rule_text(closest_rule(calm, 0, EMConfig(rule="det", threshold=1e-2), X))
    assert text == ("Component 0, closest rule: |det(cov)| = 0.032 is 3.2x the det rule's "
                    "threshold 0.01 (the rule fires below 1x).")
    text = rule_text(closest_rule(calm, 0, EMConfig(rule="none"), X))
    assert text.startswith("No singularity rule is on. Component 0: |det(cov)| = 0.032 is "
                           "3.2x the study's det rule's threshold 0.01")
    needle = snapshot_of([1.0], [[0.0, 0.0]], [np.diag([1.0, 4e-4])])  # condition 2500
    text = rule_text(closest_rule(needle, 0, EMConfig(rule="needle"), X))
    assert "the condition number 2.5e+03 is 4x below the needle rule's limit 1e+04" in text
