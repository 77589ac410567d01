"""What the app says about a state of the run, for real frames of a run session (no Qt)."""

import re
import subprocess
import sys

import pytest

from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig
from gmm_viz.run import describe
from gmm_viz.run.session import RunSession
from gmm_viz.scenarios import get_scenario

#: Never stops, never re-places a component.
STEADY = EMConfig(n_components=3, rule="none", tol=0.0, max_iter=100_000, random_state=3)
#: Six components on three blobs: the det rule re-places several at every iteration.
CROWDED = EMConfig(n_components=6, rule="det", threshold=1e2, max_iter=30, random_state=1)
#: One re-placement, at iteration 1, then none.
ONE_RECOVERY = EMConfig(n_components=4, rule="det", threshold=1e-2, max_iter=30,
                        random_state=1, init="random_range", init_covariance="identity",
                        reg_covar=1e-6)  # the study's start, pinned: not the app's defaults

#: A singularity event's description (see SingularityEvent.describe).
EVENT = r"iteration {i}: component \d re-placed by the det rule \(\|det\(cov\)\| = \S+, " \
        r"threshold 100\)"


@pytest.fixture(scope="module")
def blobs():
    return make_dataset("blobs", n_samples=400, random_state=0)


def played(dataset, config, n, **options):
    """A session advanced ``n`` frames (no frame built meanwhile)."""
    session = RunSession(dataset, config, **options)
    for _ in range(n):
        session.advance()
    return session


def played_to(dataset, config, iteration, **options):
    """A session advanced frame by frame to the state after ``iteration`` (its "full"
    frame, or its "M" half), no frame built meanwhile."""
    session = RunSession(dataset, config, **options)
    advance_to(session, iteration)
    return session


def advance_to(session, iteration):
    while not (session.position.iteration == iteration
               and session.position.phase in ("full", "M")):
        session.advance()


# ---------------------------------------------------------------------- status bar
def test_before_the_first_frame_the_readouts_say_nothing_is_known():
    assert describe.status_texts(None) == {
        "iteration": "iteration –", "loglik": "log-likelihood –", "change": "change –",
        "converged": "not converged", "recoveries": "recoveries 0", "identical": "",
        "agreement": ""}
    assert tuple(describe.status_texts(None)) == describe.STATUS_KEYS


def test_the_initial_state_has_no_change_yet(blobs):
    frame = RunSession(blobs, STEADY).frame()
    texts = describe.status_texts(frame)
    assert tuple(texts) == describe.STATUS_KEYS
    assert texts["iteration"] == "iteration 0"
    assert texts["loglik"] == f"log-likelihood {frame.snapshot.log_likelihood:.6g}"
    assert re.fullmatch(r"log-likelihood -\d+(\.\d+)?", texts["loglik"])
    assert texts["change"] == "change –"
    assert texts["converged"] == "not converged"
    assert texts["recoveries"] == "recoveries 0"


def test_while_playing_the_readouts_tell_the_newest_iteration(blobs):
    frame = played(blobs, STEADY, 5).frame()
    ll = frame.history.log_likelihood
    assert describe.iteration_text(frame) == "iteration 5"
    assert describe.change_text(frame) == f"change {ll[5] - ll[4]:+.3g}"
    assert describe.change_text(frame).startswith("change +")  # EM never goes down
    assert describe.convergence_text(frame) == "not converged"


def test_looking_back_says_of_how_many_iterations(blobs):
    session = played(blobs, STEADY, 5)
    session.seek(2)
    frame = session.frame()
    assert describe.iteration_text(frame) == "iteration 2 of 5"
    assert (describe.log_likelihood_text(frame)
            == f"log-likelihood {frame.history.log_likelihood[2]:.6g}")


def test_half_steps_are_named_after_their_iteration(blobs):
    # The textbook's order: iteration t is its E-step (responsibilities from θ(t-1)),
    # then its M-step (θ(t)).
    session = RunSession(blobs, STEADY, half_steps=True)
    texts = []
    for _ in range(5):
        texts.append(describe.iteration_text(session.frame()))
        session.advance()
    assert texts == ["iteration 0 · start: θ(0), no responsibilities yet",
                     "iteration 1 · E-step: responsibilities from θ(0)",
                     "iteration 1 · M-step: θ(1)",
                     "iteration 2 · E-step: responsibilities from θ(1)",
                     "iteration 2 · M-step: θ(2)"]
    session.advance()  # iteration 3's E-step
    session.seek(1)
    assert describe.iteration_text(session.frame()) == "iteration 1 of 3 · M-step: θ(1)"
    session.step_back()
    assert (describe.iteration_text(session.frame())
            == "iteration 1 of 3 · E-step: responsibilities from θ(0)")


def test_a_converged_run_says_where_and_why(blobs):
    session = RunSession(blobs, EMConfig(n_components=3, tol=1e-3, max_iter=500,
                                         random_state=3))
    session.run_to_end()
    frame = session.frame()
    at = frame.history.converged_at
    assert frame.finished and at == frame.last_iteration
    assert describe.convergence_text(frame) == f"converged at {at}"
    assert describe.finished_text(frame) == (
        f"EM converged at iteration {at}: the mean log-likelihood changed by less than "
        "tol = 0.001. Step goes on iterating; Reset or New seed starts again.")


def test_a_run_stopped_by_max_iter_says_so(blobs):
    session = RunSession(blobs, EMConfig(n_components=3, tol=0.0, max_iter=3,
                                         random_state=3))
    session.run_to_end()
    frame = session.frame()
    assert describe.convergence_text(frame) == "stopped at max iterations"
    assert describe.finished_text(frame) == (
        "Stopped after max iterations (3) without converging; raise Max iterations to go on.")


def test_recoveries_are_counted(blobs):
    frame = played_to(blobs, CROWDED, 3).frame()
    assert frame.history.n_recoveries > 0
    assert describe.recoveries_text(frame) == f"recoveries {frame.history.n_recoveries}"


# ---------------------------------------------------------------------- looking back
@pytest.fixture(scope="module")
def collapse():
    """The collapse scenario's run to its end: re-placements at 4, 5 and 6, converged."""
    scenario = get_scenario("collapse")
    dataset = scenario.data.make()
    session = RunSession(dataset, scenario.config)
    session.run_to_end()
    curve = session.history.curve()
    assert curve.recoveries == [4, 5, 6] and curve.converged_at is not None
    return dataset, scenario.config, session


def test_looking_back_the_change_is_that_of_the_iteration_shown(collapse):
    _, _, session = collapse
    ll = session.history.curve().log_likelihood
    for i in (3, 4, 5, 6):
        session.seek(i)
        frame = session.frame()
        # What the log-likelihood plot shows for that iteration (+2.03, -358, +2.67, +8.32).
        assert describe.change_text(frame) == f"change {ll[i] - ll[i - 1]:+.3g}"
    session.seek(4)
    assert describe.change_text(session.frame()) == "change -358"  # the re-placement's dip
    session.seek(0)
    assert describe.change_text(session.frame()) == "change –"
    session.seek(10_000)
    frame = session.frame()
    last = frame.last_iteration
    assert describe.change_text(frame) == f"change {ll[last] - ll[last - 1]:+.3g}"


def test_looking_back_convergence_is_said_only_from_where_it_happened(collapse):
    _, _, session = collapse
    at = session.history.curve().converged_at
    session.seek(7)
    assert describe.convergence_text(session.frame()) == f"not converged yet (converges at {at})"
    session.seek(at - 1)
    assert describe.convergence_text(session.frame()) == f"not converged yet (converges at {at})"
    session.seek(at)
    frame = session.frame()
    assert not frame.in_past and describe.convergence_text(frame) == f"converged at {at}"


def test_looking_back_recoveries_are_those_up_to_the_iteration_shown(collapse):
    _, _, session = collapse
    expected = {3: "recoveries 0 so far (3 in all)", 4: "recoveries 1 so far (3 in all)",
                5: "recoveries 2 so far (3 in all)", 6: "recoveries 3", 20: "recoveries 3"}
    for i, text in expected.items():
        session.seek(i)
        assert describe.recoveries_text(session.frame()) == text
    session.seek(4)
    session.step_back()  # the collapsed state, before its re-placement
    frame = session.frame()
    assert frame.phase == "detected"
    assert describe.recoveries_text(frame) == "recoveries 0 so far (3 in all)"


def test_half_step_readouts_describe_the_half_shown(collapse):
    dataset, config, _ = collapse
    session = RunSession(dataset, config, half_steps=True)
    session.run_to_end()
    ll = session.history.curve().log_likelihood
    session.seek(4)
    m_step = session.frame()  # θ(4): re-placed
    session.step_back()
    caught = session.frame()  # θ(4) as the M-step made it, before the re-placement
    session.step_back()
    e_step = session.frame()  # the E-step of 4: θ(3) and its responsibilities
    assert [f.phase for f in (e_step, caught, m_step)] == ["E", "detected", "M"]
    last = e_step.last_iteration
    assert describe.iteration_text(e_step) == (
        f"iteration 4 of {last} · E-step: responsibilities from θ(3)")
    assert describe.log_likelihood_text(e_step) == f"log-likelihood {ll[3]:.6g}"
    assert describe.change_text(e_step) == f"change {ll[3] - ll[2]:+.3g}"
    assert describe.recoveries_text(e_step) == "recoveries 0 so far (3 in all)"
    assert describe.iteration_text(caught) == (
        f"iteration 4 of {last} · M-step: θ(4) before re-placement")
    detected = session.history[4].detected
    assert describe.log_likelihood_text(caught) == (
        f"log-likelihood {detected.log_likelihood:.6g}")
    # EM's M-step raised the likelihood; the re-placement then lowers it.
    assert detected.log_likelihood > ll[3] > ll[4]
    assert describe.change_text(caught) == f"change {detected.log_likelihood - ll[3]:+.3g}"
    assert describe.change_text(m_step) == "change -358"
    assert describe.recoveries_text(caught) == "recoveries 0 so far (3 in all)"
    assert describe.recoveries_text(m_step) == "recoveries 1 so far (3 in all)"
    at = session.history.curve().converged_at
    session.seek(at)
    frame = session.frame()  # (at, M): converged
    assert describe.convergence_text(frame) == f"converged at {at}"
    session.step_back()  # (at, E): the E-step on θ(at - 1), not converged yet
    assert describe.convergence_text(session.frame()) == (
        f"not converged yet (converges at {at})")


def test_a_run_stopped_at_max_iter_says_so_only_at_its_end(blobs):
    session = RunSession(blobs, EMConfig(n_components=3, tol=0.0, max_iter=6,
                                         random_state=3))
    session.run_to_end()
    assert describe.convergence_text(session.frame()) == "stopped at max iterations"
    session.seek(2)
    assert describe.convergence_text(session.frame()) == (
        "not converged (stops at 6: max iterations)")


# ---------------------------------------------------------------------- advice
def test_a_fixed_point_is_said_to_be_one_and_identical_components_are_told(blobs):
    scenario = get_scenario("same-point")
    dataset = scenario.data.make()
    session = RunSession(dataset, scenario.config.with_changes(perturb=False))
    session.run_to_end()
    frame = session.frame()
    k = scenario.config.n_components
    assert frame.finished and frame.history.converged_at is None
    assert describe.change_text(frame) == "change 0 (exactly)"
    text = describe.finished_text(frame)
    assert "fixed point" in text and "Max iterations" not in text
    assert "has not changed at all since iteration 1" in text
    assert f"All {k} components are identical" in text
    assert frame.identical_components == (tuple(range(k)),)
    assert describe.identical_text(frame) == f"all {k} components identical"
    assert describe.status_texts(frame)["identical"] == f"all {k} components identical"
    # The nudged start of the same scenario: not identical, though started at one point.
    nudged = RunSession(dataset, scenario.config).frame()
    assert nudged.identical_components == () and describe.identical_text(nudged) == ""


def test_identity_is_computed_from_the_parameters(blobs):
    from dataclasses import replace

    frame = RunSession(blobs, STEADY).frame()
    snapshot = frame.snapshot
    means = snapshot.means.copy()
    covariances = snapshot.covariances.copy()
    weights = snapshot.weights.copy()
    means[2], covariances[2], weights[2] = means[0], covariances[0], weights[0]
    twin = replace(frame, snapshot=replace(snapshot, means=means, covariances=covariances,
                                           weights=weights / weights.sum()),
                   identical_components=((0, 2),))
    assert describe.identical_text(twin) == "components 0 and 2 identical"
    assert describe.identical_text(frame) == ""


def test_a_rule_that_fires_on_every_iteration_is_named_with_its_scale():
    iris = make_dataset("iris")
    config = EMConfig(n_components=3, rule="det", threshold=1e-2, max_iter=60,
                      random_state=0)
    session = RunSession(iris, config)
    session.run_to_end()
    frame = session.frame()
    assert frame.history.n_recoveries >= 0.8 * frame.last_iteration
    text = describe.finished_text(frame)
    assert "Max iterations" not in text and "more iterations will not help" in text
    assert "|det(cov)| < 0.01 is absolute" in text
    assert "scale-free rule (relative det" in text
    values = [e.value for e in frame.snapshot.events]
    assert f"{min(values):.2g}" in text  # this data's det values, against the threshold


def test_a_run_still_climbing_at_max_iter_is_told_to_raise_it(blobs):
    session = RunSession(blobs, EMConfig(n_components=3, rule="none", tol=0.0, max_iter=3,
                                         random_state=3))
    session.run_to_end()
    assert describe.finished_text(session.frame()) == (
        "Stopped after max iterations (3) without converging; raise Max iterations to go on.")


# ---------------------------------------------------------------------- events
def test_the_newest_event_is_told_with_how_many_more_came(blobs):
    session = played(blobs, CROWDED, 1)
    frame = session.frame()
    # The state the rule caught comes first: its re-placements are not news yet.
    assert frame.phase == "detected" and frame.events == ()
    session.advance()
    frame = session.frame()
    assert frame.phase == "full" and len(frame.events) == 6
    text = describe.new_events_text(frame)
    assert text == f"{frame.events[-1].describe()} (and 5 more)"
    assert re.fullmatch(EVENT.format(i=1) + r" \(and 5 more\)", text)
    advance_to(session, 3)
    frame = session.frame()  # two iterations' events since the previous frame
    assert re.fullmatch(EVENT.format(i=3) + r" \(and 11 more\)",
                        describe.new_events_text(frame))


def test_a_single_event_is_told_alone_and_no_event_is_no_text(blobs):
    session = played_to(blobs, ONE_RECOVERY, 1)
    frame = session.frame()
    assert len(frame.events) == 1
    assert describe.new_events_text(frame) == frame.events[0].describe()
    assert re.fullmatch(r"iteration 1: component \d re-placed by the det rule "
                        r"\(\|det\(cov\)\| = \S+, threshold 0\.01\)",
                        describe.new_events_text(frame))
    session.advance()
    assert describe.new_events_text(session.frame()) == ""


def test_looking_back_tells_the_events_of_the_iteration_shown(blobs):
    session = played_to(blobs, CROWDED, 4)
    session.frame()
    session.seek(2)
    frame = session.frame()
    assert frame.in_past and frame.events == ()
    text = describe.past_events_text(frame)
    assert text == "; ".join(e.describe() for e in frame.snapshot.events)
    assert re.fullmatch("; ".join([EVENT.format(i=2)] * 6), text)
    session.seek(0)
    assert describe.past_events_text(session.frame()) == ""


def test_an_iterations_events_are_told_on_the_half_step_where_they_happen(blobs):
    session = played_to(blobs, CROWDED, 3, half_steps=True)
    session.frame()
    session.seek(1)  # a seek lands on the M-step: the re-placements are there
    frame = session.frame()
    assert (frame.iteration, frame.phase) == (1, "M") and frame.in_past
    assert len(frame.snapshot.events) == 6
    assert re.fullmatch("; ".join([EVENT.format(i=1)] * 6), describe.shown_events_text(frame))
    session.step_back()  # the state the rule caught, before the re-placement
    frame = session.frame()
    assert frame.phase == "detected" and len(frame.detections) == 6
    assert describe.shown_events_text(frame) == "; ".join(
        f"iteration 1: component {e.component} caught by the det rule (|det(cov)| = "
        f"{e.value:.3g}, threshold 100); re-placed in the next frame"
        for e in frame.detections)
    session.step_back()  # the E-step of 1: the M-step has not happened yet
    frame = session.frame()
    assert frame.phase == "E" and describe.shown_events_text(frame) == ""
    session.seek(2)
    session.advance()  # the E-step of 3, after the events of 2
    assert describe.shown_events_text(session.frame()) == ""


def test_resuming_from_the_past_says_what_was_dropped():
    assert describe.history_truncated_text(4, 1) == (
        "Resumed from iteration 4: the 1 later iteration of the history were dropped.")
    assert describe.history_truncated_text(2, 7) == (
        "Resumed from iteration 2: the 7 later iterations of the history were dropped.")


def test_the_sentences_are_made_without_qt():
    script = ("import sys, gmm_viz.run.describe\n"
              "print(','.join(m for m in sys.modules if m.split('.')[0] in "
              "('PyQt6', 'pyqtgraph')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
