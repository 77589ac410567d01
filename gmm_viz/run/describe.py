"""What the app says about a state of the run: the one place these sentences are made.

Pure functions of a :class:`~gmm_viz.run.session.Frame` (or of what the session reports)
that return text, without Qt: the window's status bar and message bar show them, and they
are tested alone (``tests/test_describe.py``).
"""

from __future__ import annotations

import numpy as np

#: The status bar's readouts, in the order they are shown.
STATUS_KEYS = ("iteration", "loglik", "change", "converged", "recoveries")

#: What the readouts say before the first frame.
_NO_FRAME_STATUS = (("iteration", "iteration –"), ("loglik", "log-likelihood –"),
                    ("change", "change –"), ("converged", "not converged"),
                    ("recoveries", "recoveries 0"))

#: How a half-step is named after the iteration number.
_PHASE_SUFFIX = {"E": " (after E)", "M": " (after M)"}


# ---------------------------------------------------------------------- status bar
def status_texts(frame) -> dict:
    """Every status readout of ``frame``, by key (see :data:`STATUS_KEYS`).

    Parameters
    ----------
    frame : Frame or None
        None before the first frame: the readouts say that nothing is known yet.

    Returns
    -------
    dict of str to str
    """
    if frame is None:
        return dict(_NO_FRAME_STATUS)
    return {
        "iteration": iteration_text(frame),
        "loglik": log_likelihood_text(frame),
        "change": change_text(frame),
        "converged": convergence_text(frame),
        "recoveries": recoveries_text(frame),
    }


def iteration_text(frame) -> str:
    """``"iteration 7"``; ``"iteration 7 (after E)"`` for a half-step, and
    ``"iteration 7 of 12"`` while an earlier iteration than the newest one is shown."""
    text = f"iteration {frame.snapshot.iteration}{_PHASE_SUFFIX.get(frame.phase, '')}"
    if frame.in_past:
        text += f" of {frame.last_iteration}"
    return text


def log_likelihood_text(frame) -> str:
    """The total log-likelihood of the state shown, ``"log-likelihood -412.337"``."""
    return f"log-likelihood {frame.snapshot.log_likelihood:.6g}"


def change_text(frame) -> str:
    """The change of the log-likelihood in the run's newest iteration, ``"change +0.0123"``
    (``"change –"`` before the first iteration)."""
    ll = frame.history.log_likelihood
    change = ll[-1] - ll[-2] if len(ll) > 1 else float("nan")
    return "change –" if np.isnan(change) else f"change {change:+.3g}"


def convergence_text(frame) -> str:
    """``"converged at 23"``, ``"stopped at max iterations"`` or ``"not converged"``."""
    history = frame.history
    if frame.snapshot.converged or history.converged_at is not None:
        return f"converged at {history.converged_at}"
    if frame.finished:
        return "stopped at max iterations"
    return "not converged"


def recoveries_text(frame) -> str:
    """The singularity recoveries of the run so far, ``"recoveries 2"``."""
    return f"recoveries {frame.history.n_recoveries}"


# ---------------------------------------------------------------------- message bar
def finished_text(frame) -> str:
    """Why the run of a finished ``frame`` stopped, and what the user can do next."""
    history, config = frame.history, frame.config
    if history.converged_at is not None:
        return (f"EM converged at iteration {history.converged_at}: the mean "
                f"log-likelihood changed by less than tol = {config.tol:g}. Step goes on "
                "iterating; Reset or New seed starts again.")
    return (f"Stopped after max iterations ({config.max_iter}) without converging; "
            "raise Max iterations to go on.")


def new_events_text(frame) -> str:
    """The newest of the events since the previous frame, and how many came before it:
    ``"iteration 4: component 2 re-placed by ... (and 2 more)"``; ``""`` when none."""
    events = frame.events
    if not events:
        return ""
    more = "" if len(events) == 1 else f" (and {len(events) - 1} more)"
    return events[-1].describe() + more


def past_events_text(frame) -> str:
    """The events of the iteration shown, for a look back at the past: ``"; "``-joined
    descriptions, ``""`` when none.

    At phase ``"E"`` (the E-step on the parameters of the iteration shown) there are
    none: the iteration's events happened in its M-step, the half-step before (``"M"``).
    """
    events = frame.snapshot.events if frame.phase != "E" else ()
    return "; ".join(event.describe() for event in events)


def history_truncated_text(iteration: int, dropped: int) -> str:
    """What resuming from iteration ``iteration`` did to the ``dropped`` later ones."""
    later = "iteration" if dropped == 1 else "iterations"
    return (f"Resumed from iteration {iteration}: the {dropped} later {later} "
            "of the history were dropped.")
