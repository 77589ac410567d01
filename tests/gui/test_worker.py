"""The EM worker thread: latest-only delivery, play/pause/step/reset, errors, shutdown."""

import time

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig
from gmm_viz.gui.worker import MAX_SPEED, EMController

TIMEOUT = 10_000  # ms; generous: a slow CI machine must not fail a correct worker


@pytest.fixture
def controller(qtbot):
    controller = EMController()
    yield controller
    controller.shutdown()


@pytest.fixture
def blobs():
    return make_dataset("blobs")


def endless(**changes):
    """A config that never converges by itself (tol=0) and runs long; no rule, so that
    every iteration is one frame (a re-placing rule adds the caught state's frame)."""
    return EMConfig(tol=0.0, max_iter=1_000_000, **{"rule": "none", **changes})


def barrier(qtbot, controller):
    """Wait until the worker has handled everything queued before this call."""
    with qtbot.waitSignal(controller.sigJobFinished, timeout=TIMEOUT):
        controller.run_job(lambda: None)


def take_next(qtbot, controller, predicate=lambda frame: True):
    """Take frames (as the GUI does) until one satisfies ``predicate``; return it."""
    found = []

    def check():
        frame = controller.take_frame()
        if frame is not None and predicate(frame):
            found.append(frame)
        return bool(found)

    qtbot.waitUntil(check, timeout=TIMEOUT)
    return found[0]


def start(qtbot, controller, dataset, config):
    with qtbot.waitSignal(controller.sigFrameReady, timeout=TIMEOUT):
        controller.request_run(config, dataset=dataset)
    frame = controller.take_frame()
    assert frame.snapshot.iteration == 0
    return frame


def test_first_frame_is_iteration_zero(qtbot, controller, blobs):
    frame = start(qtbot, controller, blobs, EMConfig())
    assert frame.run.dataset is blobs
    assert frame.history.iterations.tolist() == [0]
    assert frame.snapshot.n_components == 5


def test_data_is_built_in_the_worker_thread(qtbot, controller):
    import threading

    threads = []

    def make():
        threads.append(threading.current_thread())
        return make_dataset("moons")

    with qtbot.waitSignal(controller.sigRunStarted, timeout=TIMEOUT) as blocker:
        controller.request_run(EMConfig(n_components=2), make_dataset=make)
    assert blocker.args[0].dataset.name == "moons"
    assert threads and threads[0] is not threading.main_thread()


def test_latest_only_at_most_one_notification_in_flight(qtbot, controller, blobs):
    controller.set_speed(MAX_SPEED)
    start(qtbot, controller, blobs, endless())
    worker = controller.worker
    emitted_before = worker.notifications_emitted
    # Nobody takes frames while EM runs fast: the worker must not pile notifications up.
    controller.play()
    qtbot.waitUntil(lambda: worker.iteration >= 60, timeout=TIMEOUT)
    assert worker.notifications_emitted - emitted_before == 1
    assert worker.notifications_emitted - worker.frames_taken == 1
    stale = controller.take_frame()
    assert stale.snapshot.iteration < worker.iteration
    # Taking it lets exactly one fresh notification through, with a newer state.
    with qtbot.waitSignal(controller.sigFrameReady, timeout=TIMEOUT):
        pass
    fresh = controller.take_frame()
    assert fresh.snapshot.iteration > stale.snapshot.iteration
    assert worker.max_in_flight == 1
    # The curve is complete even though frames were skipped.
    assert fresh.history.iterations.tolist() == list(range(fresh.snapshot.iteration + 1))
    controller.pause()


def test_slow_consumer_never_sees_a_backlog(qtbot, controller, blobs):
    controller.set_speed(MAX_SPEED)
    start(qtbot, controller, blobs, endless())
    worker = controller.worker
    seen = []

    def slow_consumer():
        assert worker.notifications_emitted - worker.frames_taken <= 1
        frame = controller.take_frame()
        if frame is not None:
            seen.append(frame.snapshot.iteration)
        # Stand-in for a slow redraw: the worker steps on meanwhile. The redraw waits
        # until it has (not a fixed time, which a loaded machine could fill with one
        # step or none); the cap only stops a broken worker from hanging the test.
        if frame is not None:
            deadline = time.monotonic() + TIMEOUT / 1e3
            while (worker.iteration < frame.snapshot.iteration + 3
                   and time.monotonic() < deadline):
                time.sleep(0.001)

    controller.sigFrameReady.connect(slow_consumer)
    controller.play()
    qtbot.waitUntil(lambda: len(seen) >= 10, timeout=TIMEOUT)
    controller.pause()
    controller.sigFrameReady.disconnect(slow_consumer)
    assert worker.max_in_flight == 1
    assert seen == sorted(seen)
    # Frames were skipped, not queued: the display followed the newest state.
    assert seen[-1] - seen[0] > len(seen)


def test_pause_takes_effect_quickly_and_stops_iterating(qtbot, controller):
    data = make_dataset("blobs", n_samples=20_000)
    controller.set_speed(MAX_SPEED)
    start(qtbot, controller, data, endless())
    worker = controller.worker
    controller.play()
    qtbot.waitUntil(lambda: worker.iteration >= 5, timeout=TIMEOUT)
    paused_at = time.monotonic()
    controller.pause()
    barrier(qtbot, controller)
    # The last step started before the pause; none started after it.
    assert worker.last_step_started <= paused_at + 0.1
    iteration = worker.iteration
    barrier(qtbot, controller)
    barrier(qtbot, controller)
    assert worker.iteration == iteration


def test_step_advances_exactly_one_iteration(qtbot, controller, blobs):
    start(qtbot, controller, blobs, endless())
    controller.step()
    assert take_next(qtbot, controller).snapshot.iteration == 1
    barrier(qtbot, controller)
    assert controller.worker.iteration == 1
    controller.step()
    frame = take_next(qtbot, controller)
    assert frame.snapshot.iteration == 2
    barrier(qtbot, controller)
    assert controller.take_frame() is None  # nothing newer was published
    assert frame.history.iterations.tolist() == [0, 1, 2]


def test_a_re_placing_iteration_shows_the_caught_state_then_the_re_placed_one(
        qtbot, controller):
    from gmm_viz.scenarios import get_scenario

    scenario = get_scenario("collapse")  # its rule re-places component 0 at iteration 4
    start(qtbot, controller, scenario.data.make(), scenario.config)
    for _ in range(4):
        controller.step()
    caught = take_next(qtbot, controller, lambda f: f.iteration == 4)
    assert caught.phase == "detected" and controller.worker.iteration == 4
    assert [e.component for e in caught.detections] == [0]
    assert caught.snapshot.det[0] < 1e-5 and caught.replacements == ()
    assert caught.events == ()  # the re-placement is not news yet
    controller.step()  # the same iteration, re-placed: no EM step
    replaced = take_next(qtbot, controller)
    assert (replaced.iteration, replaced.phase) == (4, "full")
    barrier(qtbot, controller)
    assert controller.worker.iteration == 4
    (event,) = replaced.replacements
    assert event.old_mean == tuple(caught.snapshot.means[0])
    assert event.new_mean == tuple(replaced.snapshot.means[0])
    assert [e.component for e in replaced.events] == [0]


def test_reset_returns_to_the_same_initial_state(qtbot, controller, blobs):
    first = start(qtbot, controller, blobs, endless())
    for _ in range(3):
        controller.step()
    barrier(qtbot, controller)
    controller.take_frame()
    controller.reset()
    frame = take_next(qtbot, controller, lambda f: f.snapshot.iteration == 0)
    assert frame.history.iterations.tolist() == [0]
    np.testing.assert_array_equal(frame.snapshot.means, first.snapshot.means)
    assert frame.run.run_id == first.run.run_id


def test_live_settings_do_not_restart(qtbot, controller, blobs):
    config = endless()
    start(qtbot, controller, blobs, config)
    controller.step()
    take_next(qtbot, controller)
    controller.update_settings(config.with_changes(threshold=1e-8, reg_covar=1e-4))
    frame = take_next(qtbot, controller, lambda f: f.config.threshold == 1e-8)
    assert frame.snapshot.iteration == 1
    assert frame.config.threshold == 1e-8
    assert frame.config.reg_covar == 1e-4


def test_bad_request_fails_and_keeps_the_previous_run(qtbot, controller, blobs):
    first = start(qtbot, controller, blobs, endless())
    controller.step()
    take_next(qtbot, controller)
    three_points = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]] * 10)
    from gmm_viz.data import Dataset

    tiny = Dataset(three_points, None, 1, "tiny", ("x", "y"), "test", "")
    with qtbot.waitSignal(controller.sigRunFailed, timeout=TIMEOUT) as blocker:
        controller.request_run(EMConfig(n_components=5), dataset=tiny)
    _token, message = blocker.args
    assert "distinct" in message.lower() or "points" in message.lower()
    controller.step()
    frame = take_next(qtbot, controller)
    assert frame.run.run_id == first.run.run_id
    assert frame.snapshot.iteration == 2


def test_engine_exception_becomes_a_message(qtbot, controller, blobs):
    start(qtbot, controller, blobs, endless())
    barrier(qtbot, controller)

    def broken_step():
        raise FloatingPointError("simulated failure")

    controller.worker.session.engine.step = broken_step
    with qtbot.waitSignal(controller.sigError, timeout=TIMEOUT) as blocker:
        controller.play()
    assert "simulated failure" in blocker.args[0]
    assert controller.running
    # The worker is still alive and answers.
    barrier(qtbot, controller)


def test_a_frame_that_cannot_be_built_becomes_a_message(qtbot, controller, blobs, capfd):
    """A damaged past iteration (labels cannot be recomputed) pauses with a message."""
    start(qtbot, controller, blobs, endless())
    for _ in range(3):
        controller.step()
    take_next(qtbot, controller, lambda f: f.snapshot.iteration == 3)
    barrier(qtbot, controller)

    def damaged(snapshot):
        raise np.linalg.LinAlgError("Matrix is not positive definite")

    controller.worker.session.engine.labels_for = damaged
    with qtbot.waitSignal(controller.sigError, timeout=TIMEOUT) as blocker:
        controller.seek(1)
    message = blocker.args[0]
    assert "iteration 1" in message and "not positive definite" in message
    barrier(qtbot, controller)
    assert controller.take_frame() is None  # nothing half-built was delivered
    # The worker stays at the iteration still on screen: Step goes on from there.
    controller.step()
    frame = take_next(qtbot, controller)
    assert frame.snapshot.iteration == 4
    assert "Traceback" not in capfd.readouterr().err


def test_soft_colours_are_computed_in_the_worker(qtbot, controller, blobs):
    start(qtbot, controller, blobs, endless())
    controller.set_soft_colors(True)
    frame = take_next(qtbot, controller, lambda f: f.point_colors is not None)
    assert frame.point_colors.shape == (blobs.X.shape[0], 3)
    assert frame.point_colors.dtype == np.uint8


def test_shutdown_while_running_is_quick_and_clean(qtbot, blobs):
    controller = EMController()
    controller.set_speed(MAX_SPEED)
    start(qtbot, controller, blobs, endless())
    controller.play()
    qtbot.waitUntil(lambda: controller.worker.iteration >= 10, timeout=TIMEOUT)
    began = time.perf_counter()
    controller.shutdown()
    assert time.perf_counter() - began < 1.0
    assert not controller.thread.isRunning()
    # Requests after shutdown are ignored, not run in the GUI thread.
    controller.play()
    controller.step()


def test_frames_are_built_in_the_worker_thread(qtbot, controller, blobs):
    """Soft colours (an E-step) and republishing never run in the GUI thread."""
    import threading

    controller.set_speed(MAX_SPEED)
    start(qtbot, controller, blobs, endless())
    barrier(qtbot, controller)
    engine = controller.worker.session.engine
    threads = set()
    original = engine.responsibilities

    def recording():
        threads.add(threading.current_thread())
        return original()

    engine.responsibilities = recording
    controller.set_soft_colors(True)
    controller.play()
    qtbot.waitUntil(lambda: controller.worker.iteration >= 30, timeout=TIMEOUT)
    for _ in range(3):  # each take while stale asks the worker to republish
        take_next(qtbot, controller, lambda f: f.point_colors is not None)
    controller.pause()
    barrier(qtbot, controller)
    assert threads and threading.main_thread() not in threads


# ------------------------------------------------------------------ changes by hand
def test_a_drag_while_playing_pauses_and_play_continues_from_the_changed_state(
        qtbot, controller, blobs):
    controller.set_speed(MAX_SPEED)
    start(qtbot, controller, blobs, endless(n_components=3, random_state=1))
    worker = controller.worker
    controller.play()
    qtbot.waitUntil(lambda: worker.iteration >= 5, timeout=TIMEOUT)
    with qtbot.waitSignal(controller.sigPlayingChanged, timeout=TIMEOUT,
                          check_params_cb=lambda playing: not playing):
        controller.move_mean(0, [2.0, 3.0])
    frame = take_next(qtbot, controller, lambda f: f.user_edits)
    assert not frame.playing
    edited = frame.iteration
    assert frame.history.user_edits == [edited]
    np.testing.assert_allclose(frame.snapshot.means[0], [2.0, 3.0], rtol=1e-14)
    barrier(qtbot, controller)
    assert worker.iteration == edited  # paused: nothing ran after the edit
    controller.play()
    later = take_next(qtbot, controller, lambda f: f.iteration >= edited + 3)
    controller.pause()
    assert later.history.user_edits == [edited]
    np.testing.assert_array_equal(later.history.log_likelihood[edited],
                                  frame.snapshot.log_likelihood)


def test_the_moves_of_one_drag_are_applied_newest_first(qtbot, controller, blobs):
    start(qtbot, controller, blobs, endless(n_components=3, random_state=1))
    controller.step()
    take_next(qtbot, controller, lambda f: f.iteration == 1)
    for x in np.linspace(0.0, 5.0, 30):
        controller.move_mean(1, [x, 1.0])
    controller.set_covariance(2, [[2.0, 0.0], [0.0, 1.0]])
    barrier(qtbot, controller)
    frame = take_next(qtbot, controller, lambda f: len(f.user_edits) == 2)
    move, cov = frame.user_edits
    assert move.new == (5.0, 1.0)  # the newest move, whatever was coalesced
    np.testing.assert_allclose(frame.snapshot.means[1], [5.0, 1.0], rtol=1e-14)
    np.testing.assert_allclose(frame.snapshot.covariances[2], [[2.0, 0.0], [0.0, 1.0]])
    assert cov.kind == "set_covariance"


def test_a_drag_at_iteration_0_restarts_from_the_dragged_start(qtbot, controller, blobs):
    start(qtbot, controller, blobs, endless(n_components=3, init="random_range"))
    controller.place_means([[0.0, 0.0], [5.0, 5.0], [-5.0, 5.0]])
    frame = take_next(qtbot, controller,
                      lambda f: f.config.means_init is not None)
    np.testing.assert_array_equal(frame.config.means_init[1], [5.0, 5.0])
    controller.move_mean(2, [1.0, -1.0])
    frame = take_next(qtbot, controller, lambda f: f.config.means_init[2][0] == 1.0)
    assert frame.last_iteration == 0 and frame.user_edits == ()
    np.testing.assert_allclose(frame.snapshot.means[2], [1.0, -1.0], rtol=1e-15)


def test_data_edits_start_new_runs_and_undo_restores_the_data(qtbot, controller, blobs):
    first = start(qtbot, controller, blobs, endless(n_components=3))
    n = len(blobs.X)
    with qtbot.waitSignal(controller.sigRunStarted, timeout=TIMEOUT) as blocker:
        controller.add_points([[40.0, 40.0], [41.0, 40.0]])
    assert blocker.args[0].run_id > first.run.run_id
    frame = take_next(qtbot, controller, lambda f: f.run.dataset.X.shape[0] == n + 2)
    assert frame.run.run_id == blocker.args[0].run_id
    controller.remove_points(np.arange(n - 2))
    frame = take_next(qtbot, controller, lambda f: f.run.dataset.X.shape[0] == 4)
    assert frame.snapshot is not None  # 4 points: enough for k = 3
    controller.clear_points()
    frame = take_next(qtbot, controller, lambda f: f.waiting != "")
    assert frame.snapshot is None and frame.waiting.startswith("k = 3 needs at least 4")
    # Play on an empty canvas does nothing and says it stopped.
    with qtbot.waitSignal(controller.sigPlayingChanged, timeout=TIMEOUT,
                          check_params_cb=lambda playing: not playing):
        controller.play()
    for size in (4, n + 2, n):
        controller.undo_data()
        frame = take_next(qtbot, controller,
                          lambda f, size=size: f.run.dataset.X.shape[0] == size)
    assert frame.run.dataset is blobs
    controller.redo_data(continue_from_parameters=True)
    frame = take_next(qtbot, controller, lambda f: f.run.dataset.X.shape[0] == n + 2)
    # A later run request gets a run_id above every data edit's.
    with qtbot.waitSignal(controller.sigRunStarted, timeout=TIMEOUT) as blocker:
        controller.request_run(endless(n_components=2), dataset=blobs)
    assert blocker.args[0].run_id > frame.run.run_id


def test_a_bad_edit_becomes_a_message(qtbot, controller, blobs):
    start(qtbot, controller, blobs, endless(n_components=3))
    with qtbot.waitSignal(controller.sigError, timeout=TIMEOUT) as blocker:
        controller.set_covariance(0, [[1.0, 2.0], [2.0, 1.0]])
    assert "positive definite" in blocker.args[0]
    with qtbot.waitSignal(controller.sigError, timeout=TIMEOUT) as blocker:
        controller.undo_data()
    assert blocker.args[0].startswith("Nothing to undo")


def test_an_edit_from_the_past_reports_the_dropped_iterations(qtbot, controller, blobs):
    start(qtbot, controller, blobs, endless(n_components=3, random_state=2))
    for _ in range(6):
        controller.step()
    take_next(qtbot, controller, lambda f: f.iteration == 6)
    controller.seek(2)
    take_next(qtbot, controller, lambda f: f.iteration == 2)
    with qtbot.waitSignal(controller.sigHistoryTruncated, timeout=TIMEOUT) as blocker:
        controller.move_mean(0, [1.0, 1.0])
    assert blocker.args == [2, 4]
    frame = take_next(qtbot, controller, lambda f: f.user_edits)
    assert frame.last_iteration == 2
