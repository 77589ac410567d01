"""What the app says about a state of the run, for real frames of a run session (no Qt)."""

import re
import subprocess
import sys

import pytest

from gmm_viz.data import make_dataset
from gmm_viz.engine import EMConfig
from gmm_viz.run import describe
from gmm_viz.run.session import RunSession

#: Never stops, never re-places a component.
STEADY = EMConfig(n_components=3, rule="none", tol=0.0, max_iter=100_000, random_state=3)
#: Six components on three blobs: the det rule re-places several at every iteration.
CROWDED = EMConfig(n_components=6, rule="det", threshold=1e2, max_iter=30, random_state=1)
#: One re-placement, at iteration 1, then none.
ONE_RECOVERY = EMConfig(n_components=4, rule="det", threshold=1e-2, max_iter=30,
                        random_state=1)

#: A singularity event's description (see SingularityEvent.describe).
EVENT = r"iteration {i}: component \d re-placed by the det rule \(\|det\(cov\)\| = \S+, " \
        r"threshold 100\)"


@pytest.fixture(scope="module")
def blobs():
    return make_dataset("blobs", n_samples=400, random_state=0)


def played(dataset, config, n, **options):
    """A session advanced ``n`` times (no frame built meanwhile)."""
    session = RunSession(dataset, config, **options)
    for _ in range(n):
        session.advance()
    return session


# ---------------------------------------------------------------------- status bar
def test_before_the_first_frame_the_readouts_say_nothing_is_known():
    assert describe.status_texts(None) == {
        "iteration": "iteration –", "loglik": "log-likelihood –", "change": "change –",
        "converged": "not converged", "recoveries": "recoveries 0"}
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
    session = played(blobs, STEADY, 1, half_steps=True)
    assert describe.iteration_text(session.frame()) == "iteration 1 (after M)"
    session.advance()
    assert describe.iteration_text(session.frame()) == "iteration 1 (after E)"
    session.advance()
    session.advance()
    session.seek(1)
    assert describe.iteration_text(session.frame()) == "iteration 1 (after E) of 2"


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
    frame = played(blobs, CROWDED, 3).frame()
    assert frame.history.n_recoveries > 0
    assert describe.recoveries_text(frame) == f"recoveries {frame.history.n_recoveries}"


# ---------------------------------------------------------------------- events
def test_the_newest_event_is_told_with_how_many_more_came(blobs):
    session = played(blobs, CROWDED, 1)
    frame = session.frame()
    assert len(frame.events) == 6
    text = describe.new_events_text(frame)
    assert text == f"{frame.events[-1].describe()} (and 5 more)"
    assert re.fullmatch(EVENT.format(i=1) + r" \(and 5 more\)", text)
    session.advance()
    session.advance()
    frame = session.frame()  # two iterations' events since the previous frame
    assert re.fullmatch(EVENT.format(i=3) + r" \(and 11 more\)",
                        describe.new_events_text(frame))


def test_a_single_event_is_told_alone_and_no_event_is_no_text(blobs):
    session = played(blobs, ONE_RECOVERY, 1)
    frame = session.frame()
    assert len(frame.events) == 1
    assert describe.new_events_text(frame) == frame.events[0].describe()
    assert re.fullmatch(r"iteration 1: component \d re-placed by the det rule "
                        r"\(\|det\(cov\)\| = \S+, threshold 0\.01\)",
                        describe.new_events_text(frame))
    session.advance()
    assert describe.new_events_text(session.frame()) == ""


def test_looking_back_tells_the_events_of_the_iteration_shown(blobs):
    session = played(blobs, CROWDED, 4)
    session.frame()
    session.seek(2)
    frame = session.frame()
    assert frame.in_past and frame.events == ()
    text = describe.past_events_text(frame)
    assert text == "; ".join(e.describe() for e in frame.snapshot.events)
    assert re.fullmatch("; ".join([EVENT.format(i=2)] * 6), text)
    session.seek(0)
    assert describe.past_events_text(session.frame()) == ""


def test_after_the_e_step_the_iterations_events_are_not_told_again(blobs):
    session = played(blobs, CROWDED, 5, half_steps=True)  # up to (3, M)
    session.frame()
    session.seek(1)
    frame = session.frame()
    assert frame.phase == "E" and frame.in_past and len(frame.snapshot.events) == 6
    assert describe.past_events_text(frame) == ""
    session.step_back()  # (1, M): the M-step where they happened
    frame = session.frame()
    assert frame.phase == "M"
    assert re.fullmatch("; ".join([EVENT.format(i=1)] * 6), describe.past_events_text(frame))


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
