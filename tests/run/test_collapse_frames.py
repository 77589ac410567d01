"""The collapse as it happens, and markers that belong to iterations (run session, no Qt).

In the collapse scenario the det rule catches component 0 on two points at iteration 4
(det about 5e-6) and re-places it; it is caught again at 5 and 6. Each of those iterations
shows the caught state first (phase "detected"), then the re-placed one; the frame carries
exactly the re-placements of the state shown, whether playing or looking back.
"""

import numpy as np
import pytest

from gmm_viz.engine import EMEngine
from gmm_viz.run.history import Position
from gmm_viz.run.run_file import generator_source, load_run, save_run
from gmm_viz.run.session import RunSession
from gmm_viz.scenarios import get_scenario

RE_PLACED = (4, 5, 6)


@pytest.fixture(scope="module")
def scenario():
    scenario = get_scenario("collapse")
    return scenario, scenario.data.make()


def reference(dataset, config, n):
    engine = EMEngine(dataset.X, config)
    return [engine.snapshot] + [engine.step() for _ in range(n)]


def test_the_collapsed_state_is_a_frame_before_its_re_placement(scenario):
    spec, dataset = scenario
    ref = reference(dataset, spec.config, 7)
    session = RunSession(dataset, spec.config)
    frames = []
    while session.position != Position(7):
        session.advance()
        frames.append(session.frame())
    assert [(f.iteration, f.phase) for f in frames] == [
        (1, "full"), (2, "full"), (3, "full"), (4, "detected"), (4, "full"),
        (5, "detected"), (5, "full"), (6, "detected"), (6, "full"), (7, "full")]
    caught = frames[3]
    # The needle on two points, as the rule found it: mean, covariance and det.
    assert caught.snapshot.det[0] == pytest.approx(5.49e-6, rel=1e-2)
    assert caught.snapshot.nk[0] == pytest.approx(2.0, abs=0.1)
    np.testing.assert_array_equal(caught.snapshot.means, ref[4].detected.means)
    np.testing.assert_array_equal(caught.snapshot.covariances, ref[4].detected.covariances)
    assert caught.snapshot.flagged.tolist() == [True, False, False, False, False]
    # Coloured by the responsibilities the M-step used (iteration 3's).
    np.testing.assert_array_equal(caught.snapshot.labels, ref[3].labels)
    (detection,) = caught.detections
    assert detection.component == 0 and detection.value == caught.snapshot.det[0]
    assert caught.replacements == () and caught.events == ()
    replaced = frames[4]
    np.testing.assert_array_equal(replaced.snapshot.means, ref[4].means)
    np.testing.assert_array_equal(replaced.snapshot.labels, ref[4].labels)
    (jump,) = replaced.replacements
    # The jump starts where the caught frame drew the component and ends where it is now.
    assert jump.component == 0
    assert jump.old_mean == tuple(caught.snapshot.means[0])
    assert jump.new_mean == tuple(replaced.snapshot.means[0])
    assert replaced.events == (jump,)  # told once, at the re-placed state
    # The run's numbers are the engine's own.
    np.testing.assert_allclose(session.frame().history.log_likelihood,
                               [s.log_likelihood for s in ref])


def test_a_later_jump_starts_where_the_component_was_drawn(scenario):
    # At 5 the re-placed component collapses elsewhere before it is caught again: its
    # jump starts at the caught frame's mean, not at the re-placed mean of 4.
    spec, dataset = scenario
    session = RunSession(dataset, spec.config)
    session.run_to_end(8)
    session.seek(5)
    session.step_back()
    caught = session.frame()
    session.advance()
    (jump,) = session.frame().replacements
    assert caught.phase == "detected" and caught.iteration == 5
    assert jump.old_mean == tuple(caught.snapshot.means[0])
    session.seek(4)
    assert jump.old_mean != tuple(session.frame().snapshot.means[0])


@pytest.mark.parametrize("half_steps", [False, True])
def test_each_frame_carries_exactly_the_re_placements_of_its_state(scenario, half_steps):
    spec, dataset = scenario
    playing = RunSession(dataset, spec.config, half_steps=half_steps)
    seen = {}
    for _ in range(24):
        frame = playing.frame(playing=True)
        seen[(frame.iteration, frame.phase)] = frame
        playing.advance()
    re_placed_phase = "M" if half_steps else "full"
    for (iteration, phase), frame in seen.items():
        if iteration in RE_PLACED and phase == re_placed_phase:
            assert [e.component for e in frame.replacements] == [0]
            assert all(e.iteration == iteration for e in frame.replacements)
        else:
            assert frame.replacements == (), (iteration, phase)
        assert (frame.detections != ()) == (phase == "detected")
    # Looking back gives the same markers as playing did, state by state.
    for (iteration, phase), frame in seen.items():
        playing.seek(iteration)
        while playing.position != Position(iteration, phase):
            playing.step_back()
        again = playing.frame()
        assert again.replacements == frame.replacements
        assert again.detections == frame.detections
    # Stepping back from a re-placement to an earlier iteration leaves no marker.
    playing.seek(4)
    playing.step_back()
    playing.step_back()
    assert playing.frame().replacements == ()


def test_half_steps_put_the_caught_state_between_e_and_m(scenario):
    spec, dataset = scenario
    session = RunSession(dataset, spec.config, half_steps=True)
    session.run_to_end(6)
    session.seek(4)
    order = []
    while session.position.iteration >= 4:
        frame = session.frame()
        order.append((frame.iteration, frame.phase, int(frame.snapshot.iteration)))
        session.step_back()
    assert order == [(4, "M", 4), (4, "detected", 4), (4, "E", 3)]


def test_a_saved_run_replays_the_caught_state(scenario, tmp_path):
    spec, dataset = scenario
    session = RunSession(dataset, spec.config)
    session.run_to_end(10)
    data = spec.data
    path = save_run(tmp_path / "collapse.json", spec.config,
                    generator_source(data.name, data.n_samples, data.random_state, data.noise),
                    session.history.snapshots)
    record = load_run(path)
    reopened = RunSession(dataset, record.config, history=record.snapshots)
    reopened.seek(4)
    reopened.step_back()
    frame = reopened.frame()
    assert (frame.iteration, frame.phase) == (4, "detected")
    assert frame.snapshot.det[0] == pytest.approx(5.49e-6, rel=1e-2)
    reopened.advance()
    (jump,) = reopened.frame().replacements
    assert jump.old_mean == tuple(frame.snapshot.means[0])


def test_identical_components_are_in_the_frame_from_their_parameters():
    spec = get_scenario("same-point")
    dataset = spec.data.make()
    k = spec.config.n_components
    tied = RunSession(dataset, spec.config.with_changes(perturb=False))
    for _ in range(3):
        assert tied.frame().identical_components == (tuple(range(k)),)
        tied.advance()
    nudged = RunSession(dataset, spec.config)
    assert nudged.frame().identical_components == ()
