"""The steppable engine: numerics, determinism, initialisers, singularity rules."""

import itertools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_blobs

from gmm_viz.data import DataError, make_dataset
from gmm_viz.engine import ConfigError, EMConfig, EMEngine
from gmm_viz.engine.config import COVARIANCE_TYPES, INITIALISATIONS


def run(engine, n):
    return [engine.snapshot] + [engine.step() for _ in range(n)]


def study_blobs():
    return make_dataset("blobs").X


def assert_snapshot_finite(snap):
    for name in ("weights", "means", "covariances", "nk", "det", "min_eigenvalue",
                 "condition_number"):
        assert np.isfinite(getattr(snap, name)).all(), name
    assert np.isfinite(snap.log_likelihood)
    assert np.isfinite(snap.mean_log_likelihood)


def test_engine_never_imports_qt():
    code = (
        "import sys, gmm_viz.engine, gmm_viz.engine.estimator, gmm_viz.data;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PyQt6', 'pyqtgraph', 'PySide6')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_snapshot_is_frozen_and_compact():
    engine = EMEngine(study_blobs(), EMConfig(n_components=5))
    snap = engine.step()
    assert snap.iteration == 1
    assert snap.means.shape == (5, 2) and snap.covariances.shape == (5, 2, 2)
    assert snap.labels.dtype == np.uint8 and snap.labels.shape == (500,)
    with pytest.raises(ValueError):
        snap.means[0, 0] = 1.0
    # The engine keeps stepping; the old snapshot does not change under the view's feet.
    before = snap.means.copy()
    engine.step()
    np.testing.assert_array_equal(snap.means, before)
    # No N-sized array but the labels.
    sizes = [getattr(snap, f).size for f in ("weights", "means", "covariances", "nk", "det")]
    assert max(sizes) < 500


def test_snapshot_parameters_labels_and_likelihood_belong_together():
    X = study_blobs()
    engine = EMEngine(X, EMConfig(n_components=5, init="kmeans", rule="none"))
    snap = run(engine, 4)[-1]
    from sklearn.mixture import GaussianMixture

    model = GaussianMixture(5)
    model.weights_, model.means_ = np.array(snap.weights), np.array(snap.means)
    model.covariances_ = np.array(snap.covariances)
    model.precisions_cholesky_ = np.linalg.cholesky(np.linalg.inv(model.covariances_))
    np.testing.assert_array_equal(snap.labels, model.predict(X))
    assert snap.mean_log_likelihood == pytest.approx(model.score(X), rel=1e-10)
    assert snap.log_likelihood == pytest.approx(model.score(X) * len(X), rel=1e-10)
    np.testing.assert_allclose(snap.nk.sum(), len(X), rtol=1e-9)


def test_same_settings_give_bit_identical_trajectories():
    X = study_blobs()
    config = EMConfig(n_components=5, init="random_range", rule="det", random_state=7)
    a, b = run(EMEngine(X, config), 30), run(EMEngine(X, config), 30)
    for sa, sb in zip(a, b):
        np.testing.assert_array_equal(sa.means, sb.means)
        np.testing.assert_array_equal(sa.covariances, sb.covariances)
        assert sa.log_likelihood == sb.log_likelihood
        assert sa.events == sb.events


def test_reset_replays_the_same_run():
    engine = EMEngine(study_blobs(), EMConfig(n_components=5, rule="det", random_state=3))
    first = run(engine, 25)
    assert engine.reset().iteration == 0
    second = run(engine, 25)
    assert [s.log_likelihood for s in first] == [s.log_likelihood for s in second]
    assert [s.events for s in first] == [s.events for s in second]


def test_different_seeds_differ():
    X = study_blobs()
    a = EMEngine(X, EMConfig(n_components=5, random_state=1)).snapshot
    b = EMEngine(X, EMConfig(n_components=5, random_state=2)).snapshot
    assert not np.array_equal(a.means, b.means)


@pytest.mark.parametrize("init", INITIALISATIONS)
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_every_initialisation_and_covariance_type_runs_and_improves(init, covariance_type):
    X = study_blobs()
    engine = EMEngine(X, EMConfig(n_components=5, init=init, covariance_type=covariance_type,
                                  rule="none", random_state=0))
    snaps = run(engine, 20)
    for snap in snaps:
        assert_snapshot_finite(snap)
    assert snaps[-1].log_likelihood > snaps[0].log_likelihood
    if covariance_type == "tied":
        assert np.allclose(snaps[-1].covariances, snaps[-1].covariances[0])
    if covariance_type in ("diag", "spherical"):
        off = snaps[-1].covariances[:, 0, 1]
        assert np.all(off == 0)
    if covariance_type == "spherical":
        c = snaps[-1].covariances
        np.testing.assert_allclose(c[:, 0, 0], c[:, 1, 1])


def test_random_range_means_start_inside_the_data_box_with_identity_covariances():
    X = study_blobs()
    snap = EMEngine(X, EMConfig(n_components=5, init="random_range",
                                init_covariance="identity")).snapshot
    assert (snap.means >= X.min(axis=0)).all() and (snap.means <= X.max(axis=0)).all()
    np.testing.assert_allclose(snap.covariances, np.broadcast_to(np.eye(2), (5, 2, 2)))
    np.testing.assert_allclose(snap.weights, 0.2)
    data_scaled = EMEngine(X, EMConfig(n_components=5, init="random_range",
                                       init_covariance="data")).snapshot
    np.testing.assert_allclose(data_scaled.covariances[0], np.cov(X, rowvar=False))


def test_same_point_without_perturbation_is_a_fixed_point():
    X = study_blobs()
    engine = EMEngine(X, EMConfig(n_components=4, init="same_point", perturb=False,
                                  rule="none"))
    snaps = run(engine, 40)
    np.testing.assert_allclose(snaps[0].means, 0.0, atol=1e-12)  # the study's origin
    for snap in snaps:
        assert (snap.means == snap.means[0]).all()
        assert (snap.covariances == snap.covariances[0]).all()


def test_same_point_with_perturbation_separates():
    X = study_blobs()
    engine = EMEngine(X, EMConfig(n_components=4, init="same_point", perturb=True,
                                  same_point_location="centroid", rule="none"))
    snaps = run(engine, 150)
    spread0 = np.ptp(snaps[0].means, axis=0).max()
    spread_end = np.ptp(snaps[-1].means, axis=0).max()
    assert spread0 < 1e-2 * np.ptp(X, axis=0).max()
    assert spread_end > 0.3 * np.ptp(X, axis=0).max()


def test_explicit_initial_parameters_are_used():
    X = study_blobs()
    means = np.array([[0.0, 0.0], [5.0, 5.0]])
    weights = np.array([0.25, 0.75])
    precisions = np.array([np.eye(2) * 2, np.eye(2) * 0.5])
    snap = EMEngine(X, EMConfig(n_components=2, means_init=means, weights_init=weights,
                                precisions_init=precisions)).snapshot
    # (the round trip through standardised coordinates costs an ulp or two)
    np.testing.assert_allclose(snap.means, means, atol=1e-12)
    np.testing.assert_allclose(snap.weights, weights)
    np.testing.assert_allclose(snap.covariances, np.linalg.inv(precisions))


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"means_init": np.zeros((3, 2))}, "means_init must have shape (2, 2)"),
        ({"weights_init": np.array([0.5, 0.6])}, "sum to 1"),
        ({"precisions_init": -np.ones((2, 2, 2))}, "positive definite"),
    ],
)
def test_bad_initial_parameters_get_clear_messages(changes, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        EMEngine(study_blobs(), EMConfig(n_components=2, **changes))


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"n_components": 0}, "n_components"),
        ({"n_components": 2.5}, "whole number"),
        ({"covariance_type": "round"}, "covariance_type must be one of"),
        ({"init": "magic"}, "init must be one of"),
        ({"reg_covar": float("nan")}, "finite"),
        ({"reg_covar": "a lot"}, "must be a number"),
        ({"tol": -1}, "tol must be zero or more"),
        ({"threshold": float("inf")}, "finite"),
        ({"recovery_weight": 1.5}, "between 0 and 1"),
        ({"random_state": -3}, "seed"),
        ({"max_iter": 10**9}, "max_iter"),
    ],
)
def test_absurd_settings_are_refused_with_a_message(changes, words):
    with pytest.raises(ConfigError, match=words):
        EMConfig(**changes)


def test_k_above_distinct_points_is_refused():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]), 10, axis=0)
    with pytest.raises(DataError, match="distinct points"):
        EMEngine(X, EMConfig(n_components=4))
    EMEngine(X, EMConfig(n_components=3))  # exactly as many is fine


@pytest.mark.parametrize("bad", [[[1.0, np.nan], [2.0, 3.0]], [["a", "b"], ["c", "d"]],
                                 [1.0, 2.0, 3.0], [[1e200, 0.0], [-1e200, 1.0]]])
def test_bad_data_is_refused_with_a_data_error(bad):
    with pytest.raises(DataError):
        EMEngine(np.array(bad, dtype=object), EMConfig(n_components=1))


def test_live_settings_update_without_restart_and_run_settings_refuse():
    engine = EMEngine(study_blobs(), EMConfig(n_components=5, rule="none"))
    run(engine, 3)
    engine.update_settings(engine.config.with_changes(rule="det", threshold=1e-5, tol=1e-6))
    assert engine.iteration == 3 and engine.config.rule == "det"
    with pytest.raises(ConfigError, match="start a new run"):
        engine.update_settings(engine.config.with_changes(n_components=3))


def test_converges_and_finishes():
    engine = EMEngine(study_blobs(), EMConfig(n_components=5, init="kmeans", tol=1e-4,
                                              rule="none", max_iter=500))
    while not engine.finished:
        engine.step()
    assert engine.snapshot.converged
    assert engine.iteration < 500


# --- the log-likelihood never decreases (but at a recovery) -----------------------------


def well_posed(snap):
    n_features = snap.means.shape[1]
    return snap.nk.min() >= n_features + 1 and snap.condition_number.max() < 1e8


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    n_clusters=st.integers(1, 5),
    k=st.integers(1, 6),
    n_features=st.integers(1, 4),
    covariance_type=st.sampled_from(COVARIANCE_TYPES),
    init=st.sampled_from(INITIALISATIONS),
    spread=st.floats(0.1, 10.0),
    offset=st.floats(-1e4, 1e4),
    reg_covar=st.sampled_from([0.0, 1e-6]),
)
def test_log_likelihood_never_decreases(seed, n_clusters, k, n_features, covariance_type,
                                        init, spread, offset, reg_covar):
    X, _ = make_blobs(n_samples=120, centers=n_clusters, n_features=n_features,
                      cluster_std=spread, random_state=seed)
    X = X + offset
    engine = EMEngine(X, EMConfig(n_components=k, covariance_type=covariance_type, init=init,
                                  rule="none", random_state=seed % 1000, reg_covar=reg_covar))
    snaps = run(engine, 25)
    for before, after in itertools.pairwise(snaps):
        if not (well_posed(before) and well_posed(after)):
            # A component with fewer than D + 1 points has a singular covariance: the
            # likelihood is unbounded there and its digits are rounding (the singularity
            # rules exist for this case).
            continue
        # reg_covar=0 is exact EM: rounding only (relative 1e-10). A reg_covar > 0 makes
        # the M-step a slightly different update (in scikit-learn too); what it can cost
        # is second order in reg_covar / (smallest variance), per point.
        allowed = 1e-10 * max(1.0, abs(before.log_likelihood))
        allowed += float(np.sum(after.nk * n_features
                                * (reg_covar / after.min_eigenvalue) ** 2))
        assert after.log_likelihood >= before.log_likelihood - allowed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(
        st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.floats(-1e6, 1e6, allow_nan=False)),
        min_size=2, max_size=60,
    ),
    k=st.integers(1, 5),
    covariance_type=st.sampled_from(COVARIANCE_TYPES),
    init=st.sampled_from(INITIALISATIONS),
    rule=st.sampled_from(["none", "det", "relative_det+needle"]),
    recovery=st.sampled_from(["random_range", "worst_point", "flag"]),
)
def test_no_nan_or_inf_ever_leaves_the_engine(data, k, covariance_type, init, rule, recovery):
    X = np.array(data)
    k = min(k, len(np.unique(X, axis=0)))
    config = EMConfig(n_components=k, covariance_type=covariance_type, init=init, rule=rule,
                      recovery=recovery, random_state=0)
    try:
        engine = EMEngine(X, config)
    except DataError as exc:
        # only a spread whose variance underflows is refused, with what to do about it
        assert "Rescale the data" in str(exc) and np.ptp(X, axis=0).max() < 1e-100
        return
    for snap in run(engine, 12):
        assert_snapshot_finite(snap)
        assert snap.labels.max() < k


# --- singularity rules ----------------------------------------------------------------


def collapse_data():
    """A broad cloud plus 5 copies of one point: a component started there collapses."""
    rng = np.random.RandomState(0)
    cloud = rng.normal(size=(200, 2)) * 3
    spike = np.tile([[6.0, 6.0]], (5, 1))
    return np.vstack([cloud, spike])


def collapse_config(**changes):
    means = np.array([[0.0, 0.0], [6.0, 6.0]])
    return EMConfig(n_components=2, means_init=means, weights_init=np.array([0.9, 0.1]),
                    precisions_init=np.array([np.eye(2) / 9, np.eye(2) * 4]), **changes)


def test_without_a_rule_a_component_collapses_onto_a_point():
    engine = EMEngine(collapse_data(), collapse_config(rule="none"))
    snaps = run(engine, 30)
    assert snaps[-1].det[1] < 1e-9  # det -> reg_covar**2
    assert not any(s.events for s in snaps)
    assert_snapshot_finite(snaps[-1])


def test_det_rule_catches_the_collapse_and_recovers():
    engine = EMEngine(collapse_data(), collapse_config(rule="det", threshold=1e-2))
    snaps = run(engine, 30)
    events = [e for s in snaps for e in s.events]
    assert events, "the det rule never fired"
    first = events[0]
    assert first.component == 1 and first.rule == "det" and first.recovered
    assert first.value < 1e-2 and first.threshold == 1e-2
    assert first.old_mean == pytest.approx((6.0, 6.0), abs=0.1)  # on the spike
    assert first.new_mean != first.old_mean
    hit = snaps[first.iteration]
    assert hit.flagged[1] and hit.weights[1] == pytest.approx(0.5)
    for snap in snaps:
        assert_snapshot_finite(snap)


def mixture_log_likelihood(X, snapshot):
    """sum_i log sum_k w_k N(x_i | mu_k, Sigma_k), by scipy (an independent reference)."""
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal

    logs = [np.log(w) + multivariate_normal(m, c).logpdf(X)
            for w, m, c in zip(snapshot.weights, snapshot.means, snapshot.covariances,
                               strict=True)]
    return float(logsumexp(np.array(logs), axis=0).sum())


def test_a_re_placement_keeps_the_state_the_rule_caught():
    X = collapse_data()
    engine = EMEngine(X, collapse_config(rule="det", threshold=1e-2))
    snaps = run(engine, 30)
    hits = [s for s in snaps if s.events]
    assert hits and all(s.detected is not None for s in hits)
    assert all(s.detected is None for s in snaps if not s.events)
    hit = hits[0]
    caught, event = hit.detected, hit.events[0]
    assert caught.iteration == hit.iteration and caught.labels is None
    assert caught.events == () and caught.detected is None and not caught.converged
    # The collapsed component as the rule saw it: its det is the event's value, its mean
    # is where the jump starts; the re-placed one is where the jump ends.
    assert caught.det[event.component] == event.value < 1e-2
    assert tuple(caught.means[event.component]) == event.old_mean
    assert tuple(hit.means[event.component]) == event.new_mean
    assert caught.flagged.tolist() == [c == event.component for c in range(2)]
    others = [c for c in range(2) if c != event.component]
    np.testing.assert_array_equal(caught.means[others], hit.means[others])
    # Its log-likelihood is that of its own parameters, and EM's M-step did not lower it.
    assert caught.log_likelihood == pytest.approx(mixture_log_likelihood(X, caught),
                                                  rel=1e-9)
    before = snaps[hit.iteration - 1]
    assert caught.log_likelihood >= before.log_likelihood - 1e-9 * abs(before.log_likelihood)
    assert caught.mean_log_likelihood == pytest.approx(caught.log_likelihood / len(X))
    assert_snapshot_finite(caught)


def test_keeping_the_caught_state_leaves_the_run_unchanged(monkeypatch):
    # The caught state costs an E-step of its own, which must not touch the random
    # stream or the parameters: the run is the same as one that does not keep it.
    config = collapse_config(rule="det", threshold=1e-2)
    kept = run(EMEngine(collapse_data(), config), 25)
    monkeypatch.setattr(EMEngine, "_detected_snapshot", lambda self, *args: None)
    plain = run(EMEngine(collapse_data(), config), 25)
    assert any(s.detected is not None for s in kept)
    assert all(s.detected is None for s in plain)
    assert sum(len(s.events) for s in kept) >= 1
    for a, b in zip(kept, plain, strict=True):
        np.testing.assert_array_equal(a.means, b.means)
        np.testing.assert_array_equal(a.covariances, b.covariances)
        assert a.log_likelihood == b.log_likelihood
        assert a.events == b.events
    monkeypatch.undo()
    flagged = run(EMEngine(collapse_data(), collapse_config(rule="det", recovery="flag")), 20)
    assert any(s.events for s in flagged) and all(s.detected is None for s in flagged)


def test_identical_components_are_found_from_the_parameters():
    from dataclasses import replace

    from gmm_viz.engine.snapshot import identical_components

    snap = EMEngine(study_blobs(), EMConfig(n_components=4, random_state=0)).snapshot
    assert identical_components(snap) == ()
    weights = np.full(4, 0.25)
    means = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0], [3.0, 4.0]])
    covs = np.array([np.eye(2)] * 4)
    twins = replace(snap, weights=weights, means=means, covariances=covs)
    assert identical_components(twins) == ((0, 2), (1, 3))
    same = replace(twins, means=np.array([[1.0, 2.0]] * 4))
    assert identical_components(same) == ((0, 1, 2, 3),)
    nudged = means.copy()
    nudged[2] += 1e-5  # a seeded nudge of the same-point start: not identical
    assert identical_components(replace(twins, means=nudged)) == ((1, 3),)
    wider = covs.copy()
    wider[3] *= 1.001
    assert identical_components(replace(twins, covariances=wider)) == ((0, 2),)


def test_likelihood_drops_only_at_recoveries():
    engine = EMEngine(collapse_data(), collapse_config(rule="det", threshold=1e-2))
    snaps = run(engine, 60)
    for before, after in itertools.pairwise(snaps):
        if after.log_likelihood < before.log_likelihood - 1e-9 * abs(before.log_likelihood):
            assert any(e.recovered for e in after.events), after.iteration


def test_relative_det_rule_is_scale_free():
    for factor in (1e-3, 1.0, 1e4):
        X = collapse_data() * factor
        config = collapse_config(rule="relative_det", threshold=1e-4)
        config = config.with_changes(means_init=config.means_init * factor,
                                     precisions_init=config.precisions_init / factor**2,
                                     reg_covar=1e-6 * factor**2)
        snaps = run(EMEngine(X, config), 30)
        fired = [e for s in snaps for e in s.events]
        assert fired and fired[0].component == 1, factor


def needle_data():
    """A dense round cluster and a sparse line: a component hugging the line is a needle."""
    rng = np.random.RandomState(1)
    blob = rng.normal(size=(300, 2)) + [0.0, 20.0]
    t = np.linspace(-50, 50, 40)
    line = np.column_stack([t, 0.2 * rng.normal(size=40)])
    return np.vstack([blob, line])


def needle_config(**changes):
    return EMConfig(n_components=2, means_init=np.array([[0.0, 20.0], [0.0, 0.0]]),
                    weights_init=np.array([0.85, 0.15]), **changes)


def test_det_rule_misses_the_needle_which_the_needle_rule_catches():
    missed = run(EMEngine(needle_data(), needle_config(rule="det", threshold=1e-2)), 30)
    assert not any(s.events for s in missed)
    final = missed[-1]
    assert final.det[1] > 1e-2 and final.condition_number[1] > 1e4  # elongated, large det
    caught = run(EMEngine(needle_data(), needle_config(rule="det+needle", recovery="flag")), 30)
    rules = {e.rule for s in caught for e in s.events}
    assert rules == {"needle"}
    assert caught[-1].flagged[1]


def test_needle_rule_catches_a_component_that_lost_its_points():
    X = collapse_data()
    config = EMConfig(n_components=2, rule="needle", recovery="flag",
                      means_init=np.array([[0.0, 0.0], [1e3, 1e3]]))
    snaps = run(EMEngine(X, config), 3)
    reasons = {e.reason for s in snaps for e in s.events}
    assert "N_k" in reasons


def test_rules_stay_silent_on_a_healthy_fit():
    X = study_blobs()
    for rule in ("det", "relative_det", "needle", "det+needle"):
        engine = EMEngine(X, EMConfig(n_components=5, init="kmeans", rule=rule,
                                      threshold=1e-2 if rule == "det" else 1e-4))
        assert not any(s.events for s in run(engine, 40)), rule


def test_worst_point_recovery_moves_to_a_data_point():
    engine = EMEngine(collapse_data(), collapse_config(rule="det", recovery="worst_point"))
    events = [e for s in run(engine, 20) for e in s.events]
    assert events
    X = collapse_data()
    assert np.min(np.abs(X - np.array(events[0].new_mean)).sum(axis=1)) < 1e-9


def test_flag_only_records_without_moving():
    engine = EMEngine(collapse_data(), collapse_config(rule="det", recovery="flag"))
    events = [e for s in run(engine, 20) for e in s.events]
    assert events and all(e.old_mean == e.new_mean and not e.recovered for e in events)


def test_labels_of_a_past_snapshot_are_recomputed_exactly():
    engine = EMEngine(study_blobs(), EMConfig(n_components=5, rule="det", random_state=4))
    snaps = run(engine, 12)
    for past in (snaps[0], snaps[5]):
        np.testing.assert_array_equal(engine.labels_for(past.without_labels()), past.labels)
    resp = engine.responsibilities_for(snaps[5])
    np.testing.assert_array_equal(resp.argmax(axis=1), snaps[5].labels)


def test_restore_resumes_from_a_past_iteration():
    X = study_blobs()
    config = EMConfig(n_components=5, rule="none", random_state=4)
    engine = EMEngine(X, config)
    snaps = run(engine, 20)
    engine.restore(snaps[8].without_labels())
    assert engine.iteration == 8
    resumed = [engine.step() for _ in range(12)]
    for a, b in zip(resumed, snaps[9:], strict=True):
        assert a.iteration == b.iteration
        np.testing.assert_allclose(a.means, b.means, rtol=1e-10)


@pytest.mark.parametrize("n_components", [1, 2, 8, 50, 51, 70])
def test_kernel_labels_are_numpy_argmax_with_first_index_on_ties(n_components):
    from gmm_viz.engine.kernel import _argmax_rows

    rng = np.random.default_rng(n_components)
    L = rng.normal(size=(n_components, 3000)).round(1)  # rounding makes ties common
    L[:, :10] = 0.5  # full ties: the first component wins
    out = np.empty(3000, dtype=np.uint8)
    _argmax_rows(L, L.max(axis=0), out, np.empty_like(L))
    np.testing.assert_array_equal(out, L.argmax(axis=0))


def test_engine_keeps_the_log_likelihood_history():
    engine = EMEngine(study_blobs(), EMConfig(n_components=5, rule="det", random_state=1))
    snaps = run(engine, 15)
    history = engine.log_likelihood_history
    assert history.shape == (16, 2)
    np.testing.assert_array_equal(history[:, 0], [s.log_likelihood for s in snaps])
    np.testing.assert_array_equal(history[:, 1], [s.mean_log_likelihood for s in snaps])
    engine.restore(snaps[6].without_labels())
    assert engine.log_likelihood_history.shape == (7, 2)
    engine.reset()
    assert engine.log_likelihood_history.shape == (1, 2)


@pytest.mark.parametrize("n_features, scale", [(10, 1e16), (4, 1e40), (2, 1e100),
                                               (2, 1e-100), (3, 1e-140)])
def test_extreme_but_representable_units_fit_without_overflow(n_features, scale):
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(size=(150, n_features)), rng.normal(size=(150, n_features)) + 6])
    reference = [s.labels for s in run(EMEngine(X, EMConfig(n_components=2, init="kmeans",
                                                            rule="relative_det",
                                                            threshold=1e-6)), 10)]
    engine = EMEngine(X * scale, EMConfig(n_components=2, init="kmeans", rule="relative_det",
                                          threshold=1e-6, reg_covar=1e-6 * scale**2))
    snaps = run(engine, 10)
    for snap, labels in zip(snaps, reference, strict=True):
        assert_snapshot_finite(snap)
        assert not snap.events  # the scale-free rule is scale-free
        np.testing.assert_array_equal(snap.labels, labels)


@pytest.mark.parametrize("values", [1e-200, 1e200])
def test_units_beyond_floating_point_are_refused_with_a_hint(values):
    X = np.random.RandomState(0).normal(size=(50, 2)) * values
    with pytest.raises(DataError, match="Rescale the data"):
        EMEngine(X, EMConfig(n_components=2))


def test_estimator_fits_nanosecond_timestamps():
    from gmm_viz import GaussianMixtureEM

    X = np.random.RandomState(0).randn(300, 10) * 1e16
    model = GaussianMixtureEM(2, random_state=0).fit(X)
    assert np.isfinite(model.means_).all() and np.isfinite(model.lower_bound_)


# --- a covariance below what the raw moments can resolve ------------------------------


def integer_grid_data(seed):
    """Points on a small integer grid: a component that holds one column value has a
    variance of exactly 0 in that coordinate."""
    rng = np.random.RandomState(seed)
    return rng.randint(0, rng.randint(2, 6), size=(rng.randint(10, 80), 2)).astype(float)


@pytest.mark.parametrize("scale", [1.0, 1e3, 1e80, 1e-80])
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_log_likelihood_never_decreases_when_reg_covar_is_negligible(scale, covariance_type):
    # At 1e80 the default reg_covar (1e-6) is nothing next to the data's variance, so a
    # collapsed coordinate's variance is the raw moments' rounding (~1e-16 of the data's
    # variance). It used to pass when that rounding was above 1e-15 and be floored at
    # 1e-12 otherwise: the variance, and the log-likelihood with it, went up and down (by
    # 2.4 nats per point, with no event). Now every eigenvalue is kept >= 1e-12 of the
    # data's variance: the M-step constrained to that floor, so EM stays monotone.
    eps = np.finfo(np.float64).eps
    for seed, init, k in itertools.product(range(8), ("kmeans", "k-means++"), (2, 4)):
        X = integer_grid_data(seed) * scale
        if len(np.unique(X, axis=0)) < k:
            continue
        config = EMConfig(n_components=k, covariance_type=covariance_type, init=init,
                          rule="none", random_state=seed)
        snaps = run(EMEngine(X, config), 20)
        spread2 = X.var(axis=0).mean()  # the engine's unit of variance
        radius2 = ((X - X.mean(axis=0)) ** 2).sum(axis=1).max()
        for before, after in itertools.pairwise(snaps):
            assert not after.events
            # (rebuilt from its eigenvectors, a floored matrix keeps the floor to the
            # rounding of its largest eigenvalue)
            largest = after.min_eigenvalue * after.condition_number
            assert (after.min_eigenvalue >= 1e-12 * spread2 - 8 * eps * largest).all()
            # What may remain is rounding: a quadratic form of the raw features carries
            # about eps * |x - shift|^2 / (smallest eigenvalue) per point (up to 1e-4 nats
            # at the floor), plus what reg_covar costs (second order, as in the test
            # above).
            lam = np.minimum(before.min_eigenvalue, after.min_eigenvalue)
            weight = np.maximum(before.weights, after.weights)
            allowed = 1e-10 * max(1.0, abs(before.mean_log_likelihood))
            allowed += 8 * eps * float(np.sum(weight * radius2 / lam))
            allowed += float(np.sum(after.weights * X.shape[1]
                                    * (config.reg_covar / after.min_eigenvalue) ** 2))
            assert after.mean_log_likelihood >= before.mean_log_likelihood - allowed


@pytest.mark.parametrize("init", ["k-means++", "random_from_data"])
def test_tied_start_far_from_the_origin_stays_positive_definite(init):
    # scikit-learn's tied start pools the points no component holds about the origin:
    # nearly rank one for data far from it (hypothesis found these two points)
    X = np.array([[68056.0, 81592.0], [68052.0, 81594.0]])
    engine = EMEngine(X, EMConfig(n_components=1, covariance_type="tied", init=init,
                                  rule="none"))
    for snap in run(engine, 5):
        assert_snapshot_finite(snap)
        assert (snap.min_eigenvalue > 0).all()
