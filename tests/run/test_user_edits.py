"""Changing the model by hand: a mean dragged, a covariance set, means placed by clicks.

What a person checks: at iteration 0 a drag is a new start, the same run as a fresh one
with those initial means; later it is a change EM continues from, in the history, on the
curve and in saved runs; bad values are refused with a clear message; nothing is NaN.
"""

import numpy as np
import pytest

from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.run import describe
from gmm_viz.run.run_file import generator_source, load_run, save_run
from gmm_viz.run.session import RunRequest, RunSession, SessionError, open_run

#: Never stops by itself, no rule: every run is reproducible step by step.
STEADY = EMConfig(n_components=3, rule="none", tol=0.0, max_iter=100_000, random_state=3,
                  init="random_range")


@pytest.fixture(scope="module")
def blobs():
    return make_dataset("blobs", n_samples=400, random_state=0)


def advance(session, n):
    for _ in range(n):
        session.advance()


def fresh(dataset, config, n):
    engine = EMEngine(dataset.X, config)
    return [engine.snapshot] + [engine.step() for _ in range(n)]


def all_finite(snapshot):
    return all(np.isfinite(np.asarray(getattr(snapshot, name), dtype=float)).all()
               for name in ("weights", "means", "covariances", "nk", "det",
                            "log_likelihood", "mean_log_likelihood"))


# ------------------------------------------------------------------ iteration 0
@pytest.mark.parametrize("init", ["random_range", "kmeans", "k-means++"])
def test_moving_a_mean_at_iteration_0_is_the_run_of_those_initial_means(blobs, init):
    config = STEADY.with_changes(init=init)
    session = RunSession(blobs, config)
    advance(session, 4)
    before = session.history[0].means.copy()
    session.seek(0)
    session.move_mean(1, [0.5, -2.0])
    # The history is cut to the new start, shown.
    assert session.history.last_iteration == 0 and session.position.iteration == 0
    means = session.config.means_init
    np.testing.assert_array_equal(means[1], [0.5, -2.0])
    np.testing.assert_allclose(np.delete(means, 1, axis=0), np.delete(before, 1, axis=0),
                               rtol=1e-15)  # the others stay
    assert session.run.config.means_init is not None
    advance(session, 6)
    expected = fresh(blobs, config.with_changes(means_init=means), 6)
    for t in range(7):
        np.testing.assert_array_equal(session.history[t].means, expected[t].means)
        np.testing.assert_array_equal(session.history[t].covariances,
                                      expected[t].covariances)
        assert session.history[t].log_likelihood == expected[t].log_likelihood
    # Reset replays the dragged start, not the original one.
    session.reset()
    np.testing.assert_array_equal(session.frame().snapshot.means[1], [0.5, -2.0])


def test_successive_drags_at_iteration_0_keep_the_earlier_ones(blobs):
    session = RunSession(blobs, STEADY)
    session.move_mean(0, [1.0, 1.0])
    session.move_mean(2, [2.0, 3.0])
    means = session.frame().snapshot.means
    np.testing.assert_allclose(means[0], [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(means[2], [2.0, 3.0], rtol=1e-15)


def test_setting_a_covariance_at_iteration_0_is_the_run_of_those_precisions(blobs):
    session = RunSession(blobs, STEADY)
    applied = session.set_covariance(2, [[2.0, 0.5], [0.5, 1.0]])
    np.testing.assert_array_equal(applied, [[2.0, 0.5], [0.5, 1.0]])
    np.testing.assert_allclose(session.frame().snapshot.covariances[2], applied, rtol=1e-12)
    config = session.config
    assert config.precisions_init is not None
    advance(session, 3)
    expected = fresh(blobs, config, 3)
    np.testing.assert_array_equal(session.history[3].means, expected[3].means)


def test_placed_means_start_the_run_there_from_anywhere(blobs):
    session = RunSession(blobs, STEADY)
    advance(session, 5)
    placed = [[0.0, 0.0], [-5.0, 5.0], [5.0, 10.0]]
    session.place_means(placed)
    assert session.history.last_iteration == 0
    np.testing.assert_array_equal(session.config.means_init, placed)
    advance(session, 3)
    expected = fresh(blobs, STEADY.with_changes(means_init=np.array(placed)), 3)
    np.testing.assert_array_equal(session.history[3].means, expected[3].means)


# ------------------------------------------------------------------ mid-run
def test_a_mid_run_drag_is_a_user_edit_em_continues_from(blobs):
    session = RunSession(blobs, STEADY)
    advance(session, 5)
    old = session.frame().snapshot
    session.move_mean(0, [3.0, 4.0])
    frame = session.frame()
    assert frame.iteration == 5 == frame.last_iteration
    np.testing.assert_allclose(frame.snapshot.means[0], [3.0, 4.0], rtol=1e-14)
    np.testing.assert_array_equal(frame.snapshot.means[1:], old.means[1:])
    (edit,) = frame.user_edits
    assert (edit.iteration, edit.kind, edit.component) == (5, "move_mean", 0)
    np.testing.assert_array_equal(edit.old_array, old.means[0])
    assert edit.new == (3.0, 4.0)
    assert edit.log_likelihood_before == old.log_likelihood
    # The curve has the changed state's value, and marks the edit.
    assert frame.history.user_edits == [5] == session.history.user_edits
    assert frame.history.log_likelihood[5] == frame.snapshot.log_likelihood
    assert frame.snapshot.log_likelihood != old.log_likelihood
    # The labels are those of the changed state.
    reference = EMEngine(blobs.X, STEADY)
    np.testing.assert_array_equal(frame.snapshot.labels,
                                  reference.labels_for(frame.snapshot))
    # EM continues from it: the next M-step uses its responsibilities.
    session.advance()
    nxt = session.frame()
    assert nxt.iteration == 6 and nxt.user_edits == ()
    assert nxt.snapshot.log_likelihood >= frame.snapshot.log_likelihood - 1e-9
    # The sentence says what changed and what the log-likelihood did.
    session.seek(5)
    text = describe.user_edits_text(session.frame())
    assert text == (f"iteration 5: component 0's mean moved by hand from "
                    f"({old.means[0][0]:.4g}, {old.means[0][1]:.4g}) to (3, 4); the "
                    f"log-likelihood went from {old.log_likelihood:.1f} to "
                    f"{frame.snapshot.log_likelihood:.1f}")


def test_one_drag_is_one_edit_from_where_it_began(blobs):
    session = RunSession(blobs, STEADY)
    advance(session, 3)
    start = session.frame().snapshot
    for x in np.linspace(0.0, 4.0, 5):
        session.move_mean(1, [x, 1.0])
    session.move_mean(2, [0.0, 0.0])
    edits = session.frame().user_edits
    assert [(e.kind, e.component) for e in edits] == [("move_mean", 1), ("move_mean", 2)]
    np.testing.assert_array_equal(edits[0].old_array, start.means[1])
    assert edits[0].new == (4.0, 1.0)
    assert edits[0].log_likelihood_before == start.log_likelihood


def test_an_edit_while_looking_back_drops_the_later_history(blobs):
    session = RunSession(blobs, STEADY)
    advance(session, 8)
    session.seek(3)
    session.move_mean(2, [1.0, 1.0])
    assert session.take_truncation() == (3, 5)
    assert session.take_truncation() is None
    frame = session.frame()
    assert frame.last_iteration == 3 == frame.iteration and frame.user_edits


def test_with_half_steps_an_edit_at_an_e_step_changes_the_parameters_drawn(blobs):
    session = RunSession(blobs, STEADY, half_steps=True)
    advance(session, 5)  # start, 1E, 1M, 2E, 2M, 3E: (3, "E") shows θ(2)
    frame = session.frame()
    assert (frame.iteration, frame.phase) == (3, "E") and frame.snapshot.iteration == 2
    session.move_mean(0, [2.0, 2.0])
    frame = session.frame()
    assert frame.last_iteration == 2 and frame.snapshot.iteration == 2
    assert (frame.iteration, frame.phase) == (2, "M")
    assert frame.user_edits[0].iteration == 2


def test_a_mid_run_covariance_is_mapped_to_the_covariance_type(blobs):
    asked = [[2.0, 0.5], [0.5, 1.0]]
    for kind, expected in (("full", asked), ("tied", asked),
                           ("diag", [[2.0, 0.0], [0.0, 1.0]]),
                           ("spherical", [[1.5, 0.0], [0.0, 1.5]])):
        session = RunSession(blobs, STEADY.with_changes(covariance_type=kind))
        advance(session, 2)
        applied = session.set_covariance(1, asked)
        np.testing.assert_allclose(applied, expected, rtol=1e-15)
        covs = session.frame().snapshot.covariances
        np.testing.assert_allclose(covs[1], expected, rtol=1e-12)
        if kind == "tied":
            np.testing.assert_allclose(covs, np.broadcast_to(expected, covs.shape),
                                       rtol=1e-12)
        (edit,) = session.frame().user_edits
        np.testing.assert_allclose(edit.new_array, expected, rtol=1e-15)
        advance(session, 3)
        assert all_finite(session.frame().snapshot)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
@pytest.mark.parametrize("distance", [1e6, 1e11])
def test_a_mean_moved_far_away_never_makes_nan(blobs, covariance_type, distance):
    session = RunSession(blobs, EMConfig(n_components=3, rule="det", threshold=1e-2,
                                         covariance_type=covariance_type, tol=0.0,
                                         max_iter=1000, random_state=3))
    advance(session, 3)
    session.move_mean(0, blobs.X.mean(axis=0) + distance)
    frame = session.frame()
    assert all_finite(frame.snapshot)
    assert frame.snapshot.nk[0] < 1e-6  # no point is anywhere near it
    advance(session, 15)
    for t in range(session.history.last_iteration + 1):
        assert all_finite(session.history[t]), t
    assert np.isfinite(session.frame().history.log_likelihood).all()


# ------------------------------------------------------------------ saved runs
def test_a_mid_run_edit_survives_save_and_open(blobs, tmp_path):
    session = RunSession(blobs, STEADY)
    session.move_mean(0, [1.0, 2.0])  # a dragged start: means_init
    advance(session, 4)
    session.move_mean(1, [4.0, 3.0])
    session.set_covariance(1, [[2.0, 0.3], [0.3, 1.0]])
    advance(session, 3)
    session.set_covariance(2, np.eye(2))
    advance(session, 2)
    snapshots = session.access().history
    path = save_run(tmp_path / "edited.json", session.config,
                    generator_source("blobs", 400, 0), snapshots, X=blobs.X)
    record = load_run(path)
    np.testing.assert_array_equal(record.config.means_init, session.config.means_init)
    assert [(s.iteration, s.user_edits) for s in record.snapshots if s.user_edits] == [
        (s.iteration, s.user_edits) for s in snapshots if s.user_edits]
    assert [s.iteration for s in record.snapshots if s.user_edits] == [4, 7]
    # Replaying the record retraces the edited run exactly.
    for again, saved in zip(record.replay(), snapshots, strict=True):
        np.testing.assert_array_equal(again.means, saved.means)
        np.testing.assert_array_equal(again.covariances, saved.covariances)
        assert again.log_likelihood == saved.log_likelihood
        assert again.user_edits == saved.user_edits
    # Opened in a session: the same states and user events, and Play continues.
    reopened = open_run(RunRequest(1, record.config, dataset=blobs,
                                   history=tuple(record.snapshots)), 2)
    frame = reopened.frame()
    assert frame.history.user_edits == [4, 7]
    np.testing.assert_array_equal(frame.history.log_likelihood,
                                  session.frame().history.log_likelihood)
    reopened.seek(4)
    assert reopened.frame().user_edits == snapshots[4].user_edits
    reopened.seek(9)
    reopened.advance()
    session.advance()
    np.testing.assert_allclose(reopened.frame().snapshot.means,
                               session.frame().snapshot.means, rtol=1e-12)


def test_edited_iterations_are_never_thinned(blobs):
    from gmm_viz.run.history import RunHistory, snapshot_nbytes

    session = RunSession(blobs, STEADY)
    advance(session, 3)
    session.move_mean(0, [1.0, 1.0])
    snapshots = session.access().history
    history = RunHistory(budget_bytes=12 * snapshot_nbytes(snapshots[1]), keep_recent=2)
    history.extend(snapshots)
    engine = EMEngine(blobs.X, STEADY)
    engine.restore(snapshots[-1])
    for _ in range(200):
        history.append(engine.step())
    assert history.thinned
    assert history.is_kept(3) and history.user_edits == [3]
    assert history.curve().user_edits == [3]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("call, words", [
    (lambda s: s.move_mean(3, [0.0, 0.0]), "no component 3: components are numbered 0 to 2"),
    (lambda s: s.move_mean(-1, [0.0, 0.0]), "no component -1"),
    (lambda s: s.move_mean(True, [0.0, 0.0]), "no component True"),
    (lambda s: s.move_mean(0, [0.0]),
     r"needs 2 numbers \(one per feature\); got an array of shape \(1,\)"),
    (lambda s: s.move_mean(0, [np.nan, 0.0]), "finite numbers"),
    (lambda s: s.move_mean(0, ["a", "b"]), "give 2 numbers"),
    (lambda s: s.move_mean(0, [1e200, 0.0]), "times the data's spread away"),
    (lambda s: s.set_covariance(0, [[1.0, 2.0], [2.0, 1.0]]), "positive definite"),
    (lambda s: s.set_covariance(0, [[1.0, 0.5], [0.0, 1.0]]), "symmetric"),
    (lambda s: s.set_covariance(0, np.eye(3)), r"shape \(2, 2\); got \(3, 3\)"),
    (lambda s: s.set_covariance(0, [[np.inf, 0], [0, 1]]), "finite"),
    (lambda s: s.place_means([[0.0, 0.0]]), r"needs 3 means \(k = 3\) of 2 numbers each"),
    (lambda s: s.place_means([[0, 0], [1, 1], [np.nan, 2]]), "mean 2: its coordinates"),
])
def test_bad_edits_are_refused_and_change_nothing(blobs, call, words):
    session = RunSession(blobs, STEADY)
    advance(session, 3)
    before = session.frame()
    with pytest.raises(SessionError, match=words):
        call(session)
    after = session.frame()
    assert after.last_iteration == 3 and after.user_edits == ()
    np.testing.assert_array_equal(after.snapshot.means, before.snapshot.means)
    assert session.config.means_init is None
