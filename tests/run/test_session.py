"""The run session alone, without Qt: what a person does to a run, and what they then see."""

import numpy as np
import pytest

from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.palette import component_colors, soft_colors
from gmm_viz.run.history import Position, check_history
from gmm_viz.run.session import (
    RunRefused,
    RunRequest,
    RunSession,
    SessionError,
    open_run,
)

#: Never stops, never re-places a component: every run is reproducible step by step.
STEADY = EMConfig(n_components=3, rule="none", tol=0.0, max_iter=100_000, random_state=3)


@pytest.fixture(scope="module")
def blobs():
    return make_dataset("blobs", n_samples=400, random_state=0)


def reference(dataset, config, n):
    """A fresh engine stepped ``n`` times: every snapshot, with labels."""
    engine = EMEngine(dataset.X, config)
    return [engine.snapshot] + [engine.step() for _ in range(n)]


def advance(session, n):
    for _ in range(n):
        session.advance()


def test_stepping_shows_each_iteration_of_em(blobs):
    session = RunSession(blobs, STEADY)
    expected = reference(blobs, STEADY, 6)
    assert session.frame().snapshot.iteration == 0
    advance(session, 6)
    frame = session.frame()
    assert frame.snapshot.iteration == 6 == frame.last_iteration
    np.testing.assert_allclose(frame.snapshot.means, expected[6].means)
    np.testing.assert_array_equal(frame.snapshot.labels, expected[6].labels)
    np.testing.assert_allclose(frame.history.log_likelihood,
                               [s.log_likelihood for s in expected])


def test_stepping_back_and_seeking_show_the_past_with_its_own_labels(blobs):
    session = RunSession(blobs, STEADY)
    expected = reference(blobs, STEADY, 8)
    advance(session, 8)
    session.step_back()
    session.step_back()
    frame = session.frame()
    assert frame.in_past and frame.snapshot.iteration == 6 and frame.last_iteration == 8
    np.testing.assert_array_equal(frame.snapshot.labels, expected[6].labels)
    session.seek(2)
    np.testing.assert_array_equal(session.frame().snapshot.labels, expected[2].labels)
    session.seek(10_000)  # beyond the run: its newest iteration
    assert session.frame().snapshot.iteration == 8
    session.seek(-5)
    assert session.frame().snapshot.iteration == 0
    session.step_back()  # at iteration 0 there is nothing before
    assert session.position == Position(0)


def test_half_steps_follow_em_order(blobs):
    # The textbook's iteration t: the E-step (responsibilities from θ(t-1)), then the
    # M-step (θ(t)). Iteration 0 is the start: θ(0), no responsibilities yet.
    session = RunSession(blobs, STEADY, half_steps=True)
    expected = reference(blobs, STEADY, 2)
    shown = []
    for _ in range(6):
        frame = session.frame()
        shown.append((frame.iteration, frame.phase, int(frame.snapshot.iteration)))
        if frame.phase == "start":
            assert frame.snapshot.labels is None and frame.point_colors is None
        else:
            parameters = expected[frame.snapshot.iteration]
            colours_of = frame.iteration - 1
            np.testing.assert_allclose(frame.snapshot.means, parameters.means)
            np.testing.assert_array_equal(frame.snapshot.labels, expected[colours_of].labels)
        session.advance()
    # (iteration shown, phase, iteration of the parameters drawn)
    assert shown == [(0, "start", 0), (1, "E", 0), (1, "M", 1), (2, "E", 1), (2, "M", 2),
                     (3, "E", 2)]
    assert session.history.last_iteration == 3  # the E-step of 3 is shown once 3 is run
    session.seek(1)  # a seek shows the state after the iteration: its M-step
    frame = session.frame()
    assert (frame.iteration, frame.phase) == (1, "M")
    session.advance()  # (1, M) -> (2, E): the Gaussians of 1, the colours now of 1
    frame = session.frame()
    assert (frame.iteration, frame.phase, frame.snapshot.iteration) == (2, "E", 1)
    np.testing.assert_allclose(frame.snapshot.means, expected[1].means)
    np.testing.assert_array_equal(frame.snapshot.labels, expected[1].labels)
    assert frame.in_past  # iteration 2 of 3


def test_playing_on_from_the_past_drops_the_later_history(blobs):
    session = RunSession(blobs, STEADY)
    advance(session, 10)
    session.seek(4)
    assert session.in_past
    assert session.resume() == 6
    assert session.history.last_iteration == 4 and not session.in_past
    session.advance()
    # Continuing from iteration 4 gives what iteration 5 always was (no rule, no randomness).
    np.testing.assert_allclose(session.frame().snapshot.means,
                               reference(blobs, STEADY, 5)[5].means)
    assert session.resume() == 0  # at the newest iteration there is nothing to drop


def test_events_are_told_once_even_when_frames_are_skipped(blobs):
    tight = EMConfig(n_components=6, rule="det", threshold=1e2, max_iter=30, random_state=1)
    session = RunSession(blobs, tight)
    # No frame is built meanwhile, as when the window draws slowly. (Each re-placing
    # iteration has two frames, the detected state and the re-placed one.)
    while session.position != Position(5):
        session.advance()
    events = session.frame().events
    expected = [e for s in reference(blobs, tight, 5) for e in s.events]
    assert len(events) == len(expected) > 0
    assert session.frame().events == ()  # told already


def test_reset_starts_again_from_iteration_zero(blobs):
    session = RunSession(blobs, STEADY)
    first = session.frame().snapshot
    advance(session, 5)
    session.reset()
    frame = session.frame()
    assert frame.snapshot.iteration == 0 == frame.last_iteration
    np.testing.assert_allclose(frame.snapshot.means, first.means)
    assert len(frame.history.log_likelihood) == 1


def test_a_live_setting_changes_the_run_without_restarting_it(blobs):
    session = RunSession(blobs, STEADY)
    advance(session, 3)
    session.update_settings(STEADY.with_changes(max_iter=3))
    frame = session.frame()
    assert frame.config.max_iter == 3 and frame.snapshot.iteration == 3
    assert frame.finished and session.at_end  # nothing more to play
    # A setting that would restart the run has only its live part applied here.
    session.update_settings(STEADY.with_changes(n_components=4, max_iter=50))
    assert session.config.n_components == 3 and session.config.max_iter == 50
    assert not session.at_end


def test_a_setting_the_engine_refuses_is_told_and_does_not_pause(blobs, monkeypatch):
    session = RunSession(blobs, STEADY)

    def refuse(config):
        raise ValueError("refused")

    monkeypatch.setattr(session.engine, "update_settings", refuse)
    with pytest.raises(SessionError, match="Could not apply the settings: refused") as info:
        session.update_settings(STEADY.with_changes(tol=1e-3))
    assert info.value.pause is False


def test_soft_colours_blend_the_responsibilities_of_the_state_shown(blobs):
    session = RunSession(blobs, STEADY, soft_colours=True)
    advance(session, 4)
    session.seek(2)
    frame = session.frame()
    resp = EMEngine(blobs.X, STEADY).responsibilities_for(reference(blobs, STEADY, 2)[2])
    np.testing.assert_array_equal(frame.point_colors, soft_colors(resp, component_colors(3)))
    session.set_soft_colours(False)
    assert session.frame().point_colors is None


def test_soft_colours_that_cannot_be_blended_fall_back_and_are_said_once(blobs, monkeypatch):
    session = RunSession(blobs, STEADY, soft_colours=True)

    def broken():
        raise FloatingPointError("overflow")

    monkeypatch.setattr(session.engine, "responsibilities", broken)
    assert session.frame().point_colors is None
    assert session.frame().point_colors is None
    warnings = session.take_warnings()
    assert len(warnings) == 1 and "overflow" in warnings[0] and "hard colours" in warnings[0]
    assert session.take_warnings() == []


def test_a_state_that_cannot_be_shown_keeps_the_last_shown_position(blobs, monkeypatch):
    session = RunSession(blobs, STEADY)
    advance(session, 6)
    session.seek(3)
    session.frame()  # iteration 3 is on screen
    monkeypatch.setattr(session.engine, "labels_for", lambda snapshot: 1 / 0)
    session.seek(1)
    with pytest.raises(SessionError, match="Could not show iteration 1") as info:
        session.frame()
    assert info.value.pause is True
    assert session.position == Position(3)


def test_a_failed_step_is_told_and_changes_nothing(blobs, monkeypatch):
    session = RunSession(blobs, STEADY)
    advance(session, 2)

    def broken():
        raise FloatingPointError("simulated")

    monkeypatch.setattr(session.engine, "step", broken)
    with pytest.raises(SessionError, match="EM step failed at iteration 2: simulated"):
        session.advance()
    assert session.position == Position(2) and session.history.last_iteration == 2


def test_a_saved_history_is_installed_and_continued(blobs):
    saved = [s.without_labels() for s in reference(blobs, STEADY, 12)]
    session = RunSession(blobs, STEADY, history=saved)
    frame = session.frame()
    assert frame.snapshot.iteration == 12 and not frame.in_past
    session.advance()
    np.testing.assert_allclose(session.frame().snapshot.means,
                               reference(blobs, STEADY, 13)[13].means)


def test_run_to_end_is_what_a_fresh_engine_does(blobs):
    config = STEADY.with_changes(max_iter=15)
    snapshots = RunSession(blobs, config).run_to_end()
    expected = reference(blobs, config, 15)
    assert [s.iteration for s in snapshots] == list(range(16))
    for ours, theirs in zip(snapshots, expected, strict=True):
        np.testing.assert_allclose(ours.means, theirs.means)
        np.testing.assert_array_equal(ours.labels, theirs.labels)
    assert check_history(snapshots, 2, 3)


def test_a_request_for_undrawable_or_bad_data_is_refused_with_a_reason(blobs):
    one_column = make_dataset("blobs", n_samples=50, random_state=0)
    object.__setattr__(one_column, "X", one_column.X[:, :1].copy())
    with pytest.raises(RunRefused, match="only one usable numeric column"):
        open_run(RunRequest(1, STEADY, dataset=one_column), run_id=1)

    def failing():
        from gmm_viz.data import DataError

        raise DataError("points.csv: no numbers")

    with pytest.raises(RunRefused, match="points.csv: no numbers"):
        open_run(RunRequest(2, STEADY, make_dataset=failing), run_id=1)
    session = open_run(RunRequest(3, STEADY, dataset=blobs), run_id=7)
    assert (session.run.run_id, session.run.token) == (7, 3)
