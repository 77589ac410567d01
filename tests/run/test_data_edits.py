"""Changing the data by hand: points added, removed, cleared, Undo and Redo, an empty
canvas, and the run that follows each edit (from its start, or from its parameters)."""

import numpy as np
import pytest

from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig, EMEngine
from gmm_viz.run import describe
from gmm_viz.run.data_edits import DataHistory, DrawnPoints, empty_canvas, is_edited
from gmm_viz.run.run_file import load_run, points_source, save_run
from gmm_viz.run.session import RunRequest, RunSession, SessionError, open_run

STEADY = EMConfig(n_components=3, rule="none", tol=0.0, max_iter=100_000, random_state=3)


@pytest.fixture(scope="module")
def blobs():
    return make_dataset("blobs", n_samples=300, random_state=0)


def advance(session, n):
    for _ in range(n):
        session.advance()


def test_added_points_make_new_data_and_a_new_run_from_the_start(blobs):
    session = RunSession(blobs, STEADY, run_id=4)
    advance(session, 5)
    session.add_points([[30.0, 30.0], [31.0, 29.0]])
    data = session.dataset
    assert data is not blobs and data.X.shape == (302, 2)
    np.testing.assert_array_equal(data.X[:300], blobs.X)
    np.testing.assert_array_equal(data.X[300:], [[30.0, 30.0], [31.0, 29.0]])
    assert data.name == blobs.name and data.feature_names == blobs.feature_names
    assert is_edited(data) and data.source.startswith("edited by hand (from generator")
    assert data.labels is None  # drawn points have no true class
    assert not is_edited(blobs)
    frame = session.frame()
    assert frame.run.run_id == 5 and frame.run.dataset is data
    assert frame.last_iteration == 0  # restarted
    expected = EMEngine(data.X, STEADY).snapshot
    np.testing.assert_array_equal(frame.snapshot.means, expected.means)
    assert frame.snapshot.labels.shape == (302,)


def test_continuing_from_the_parameters_keeps_them_on_the_new_data(blobs):
    session = RunSession(blobs, STEADY)
    advance(session, 6)
    kept = session.frame().snapshot
    session.add_points(np.full((5, 2), 20.0), continue_from_parameters=True)
    frame = session.frame()
    assert frame.run.dataset.X.shape == (305, 2) and frame.last_iteration == 0
    np.testing.assert_allclose(frame.snapshot.weights, kept.weights, rtol=1e-12)
    np.testing.assert_allclose(frame.snapshot.means, kept.means, rtol=1e-12)
    np.testing.assert_allclose(frame.snapshot.covariances, kept.covariances, rtol=1e-10)
    # The parameters are the run's start, so Reset and a saved run reproduce it.
    np.testing.assert_allclose(session.config.means_init, kept.means, rtol=0)
    session.advance()
    assert session.frame().snapshot.log_likelihood >= frame.snapshot.log_likelihood - 1e-9
    # Restarting instead (the default) does not keep them.
    session.undo()
    session.add_points(np.full((5, 2), 20.0))
    assert not np.allclose(session.frame().snapshot.means, kept.means)


def test_removed_points_keep_the_others_and_their_true_labels(blobs):
    session = RunSession(blobs, STEADY)
    session.remove_points([0, 5, 5, 299])
    data = session.dataset
    keep = np.ones(300, bool)
    keep[[0, 5, 299]] = False
    np.testing.assert_array_equal(data.X, blobs.X[keep])
    np.testing.assert_array_equal(data.labels, blobs.labels[keep])
    assert data.label_names == blobs.label_names


def test_undo_and_redo_restore_the_data_exactly(blobs):
    session = RunSession(blobs, STEADY)
    states = [session.dataset.X.copy()]
    session.add_points([[1.0 / 3.0, np.pi]])
    states.append(session.dataset.X.copy())
    session.remove_points(np.arange(0, 300, 7))
    states.append(session.dataset.X.copy())
    session.add_points(np.random.default_rng(0).normal(size=(10, 2)))
    states.append(session.dataset.X.copy())
    assert session.can_undo and not session.can_redo
    for expected in reversed(states[:-1]):
        session.undo()
        assert session.dataset.X.tobytes() == expected.tobytes()  # bit for bit
    assert not session.can_undo and session.can_redo
    assert session.dataset is blobs  # the very data, labels included
    for expected in states[1:]:
        session.redo()
        assert session.dataset.X.tobytes() == expected.tobytes()
    assert not session.can_redo
    # A new edit after an undo drops what could be redone.
    session.undo()
    session.add_points([[0.0, 0.0]])
    assert not session.can_redo
    with pytest.raises(SessionError, match="Nothing to redo"):
        session.redo()


def test_each_undo_and_redo_is_a_new_run():
    session = RunSession(make_dataset("blobs", n_samples=100, random_state=1), STEADY)
    ids = [session.run.run_id]
    session.add_points([[0.0, 0.0]])
    ids.append(session.run.run_id)
    session.undo()
    ids.append(session.run.run_id)
    session.redo()
    ids.append(session.run.run_id)
    assert ids == sorted(set(ids))


def test_the_undo_stack_is_bounded_in_states_and_bytes():
    stack = DataHistory(max_states=5, budget_bytes=10_000)
    data = [DrawnPoints(np.zeros((1, 2))) for _ in range(8)]
    for item in data:
        stack.edited(item)
    assert len(stack) == 5
    assert [stack.undo(None) for _ in range(5)][-1] is data[3]  # the oldest went first
    big = DataHistory(max_states=50, budget_bytes=1_000)
    for _ in range(4):
        big.edited(DrawnPoints(np.zeros((100, 2))))  # 1,600 bytes each
    assert len(big) == 1 and big.can_undo  # the newest always stays


def test_an_empty_canvas_waits_for_enough_points_then_runs():
    config = EMConfig(n_components=2, rule="none", random_state=1)
    session = RunSession(empty_canvas(("x", "y")), config, run_id=1)
    frame = session.frame()
    assert frame.snapshot is None and frame.last_iteration == -1
    assert frame.waiting == "k = 2 needs at least 3 points: none so far. Draw 3 more " \
                           "(or lower k)."
    assert session.at_end and not session.in_past
    with pytest.raises(SessionError, match="Cannot run EM yet: k = 2 needs at least 3"):
        session.advance()
    with pytest.raises(SessionError, match="Cannot move a mean yet"):
        session.move_mean(0, [0.0, 0.0])
    session.step_back()
    session.seek(4)
    session.reset()
    session.add_points([[0.0, 0.0]])
    assert session.frame().waiting.endswith("1 so far. Draw 2 more (or lower k).")
    assert isinstance(session.dataset, DrawnPoints)
    session.add_points([[0.0, 0.0], [0.0, 0.0]])  # three equal points: not fittable
    assert session.frame().waiting.startswith("The 3 points cannot be fitted with k = 2 yet")
    session.add_points([[4.0, 1.0], [5.0, 0.0]])
    frame = session.frame()
    assert frame.waiting == "" and frame.snapshot is not None
    assert frame.run.dataset.source == "drawn by hand" and frame.run.dataset.X.shape == (5, 2)
    session.advance()
    assert session.frame().iteration == 1
    # Clearing every point waits again, and Undo brings them back.
    session.clear_points()
    assert session.frame().waiting.startswith("k = 2 needs at least 3 points")
    assert session.dataset.X.shape == (0, 2)
    with pytest.raises(SessionError, match="no points to clear"):
        session.clear_points()
    session.undo()
    assert session.dataset.X.shape == (5, 2) and session.frame().waiting == ""


def test_removing_points_below_k_plus_1_waits_instead_of_failing(blobs):
    session = RunSession(blobs, STEADY)
    session.remove_points(np.arange(297))
    frame = session.frame()
    assert frame.snapshot is None
    assert frame.waiting == "k = 3 needs at least 4 points: 3 so far. Draw 1 more (or " \
                           "lower k)."
    session.update_settings(STEADY.with_changes(tol=1e-3))  # a live setting is kept
    session.add_points([[50.0, 50.0]])
    assert session.frame().snapshot is not None and session.config.tol == 1e-3


def test_an_empty_canvas_opens_as_a_run_request():
    request = RunRequest(3, EMConfig(n_components=2), dataset=empty_canvas())
    session = open_run(request, 9)
    assert session.frame().waiting and session.run.run_id == 9


@pytest.mark.parametrize("call, words", [
    (lambda s: s.add_points([[1.0, 2.0, 3.0]]), "2 coordinates each"),
    (lambda s: s.add_points([[np.nan, 2.0]]), "finite numbers"),
    (lambda s: s.add_points(np.empty((0, 2))), "no points to add"),
    (lambda s: s.remove_points([300]), "indices must be from 0 to 299; got 300"),
    (lambda s: s.remove_points([-1]), "got -1"),
    (lambda s: s.remove_points([0.5]), "whole numbers"),
    (lambda s: s.remove_points([]), "no points to remove"),
    (lambda s: s.undo(), "Nothing to undo"),
])
def test_bad_data_edits_are_refused_and_change_nothing(blobs, call, words):
    session = RunSession(blobs, STEADY)
    advance(session, 2)
    with pytest.raises(SessionError, match=words):
        call(session)
    assert session.dataset is blobs and session.frame().last_iteration == 2


def test_drawn_data_is_saved_as_points_and_opens_again(tmp_path):
    session = RunSession(empty_canvas(("a", "b")), EMConfig(n_components=2, random_state=0))
    rng = np.random.default_rng(5)
    session.add_points(np.vstack([rng.normal(0, 1, (20, 2)), rng.normal(6, 1, (20, 2))]))
    advance(session, 3)
    data = session.dataset
    path = save_run(tmp_path / "drawn.json", session.config,
                    points_source(data.name, data.feature_names), session.access().history,
                    X=data.X)
    record = load_run(path)
    assert record.X.tobytes() == data.X.tobytes()
    assert record.feature_names == ("a", "b")
    assert len(record.snapshots) == 4


def test_the_data_edit_sentence():
    assert describe.data_edit_text(400, 403, False) == (
        "Added 3 points (400 -> 403); the run starts again on the new data.")
    assert describe.data_edit_text(10, 9, True) == (
        "Removed 1 point (10 -> 9); EM continues from the parameters it had.")
