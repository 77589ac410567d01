"""What the app says about a state of the run: the one place these sentences are made.

Pure functions of a :class:`~gmm_viz.run.session.Frame` (or of what the session reports)
that return text, without Qt: the window's status bar and message bar show them, and they
are tested alone (``tests/test_describe.py``).
"""

from __future__ import annotations

import numpy as np

#: The status bar's readouts, in the order they are shown.
STATUS_KEYS = ("iteration", "loglik", "change", "converged", "recoveries", "identical",
               "agreement")

#: What the readouts say before the first frame.
_NO_FRAME_STATUS = (("iteration", "iteration –"), ("loglik", "log-likelihood –"),
                    ("change", "change –"), ("converged", "not converged"),
                    ("recoveries", "recoveries 0"), ("identical", ""), ("agreement", ""))

#: A recovery on at least this share of the iterations is a rule firing on (nearly)
#: every iteration: a matter of its scale, not of the number of iterations.
CONSTANT_RULE_SHARE = 0.8
#: ... over at least this many iterations.
CONSTANT_RULE_MIN_ITERATIONS = 10


# ---------------------------------------------------------------------- status bar
def status_texts(frame) -> dict:
    """Every status readout of ``frame``, by key (see :data:`STATUS_KEYS`).

    Each describes the state shown, also while looking back at the past.

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
        "identical": identical_text(frame),
        "agreement": getattr(frame, "agreement", ""),
    }


def phase_text(frame) -> str:
    """What the frame of iteration ``t`` shows, in a few words (``""`` for a whole
    iteration): ``"E-step: responsibilities from θ(3)"``, ``"M-step: θ(4)"``,
    ``"M-step: θ(4) before re-placement"``, ``"start: θ(0), no responsibilities yet"``."""
    t, phase = int(frame.iteration), frame.phase
    if phase == "start":
        return "start: θ(0), no responsibilities yet"
    if phase == "E":
        return f"E-step: responsibilities from θ({t - 1})"
    if phase == "detected":
        return f"M-step: θ({t}) before re-placement"
    if phase == "M":
        return f"M-step: θ({t})"
    return ""


def iteration_text(frame) -> str:
    """``"iteration 7"``; ``"iteration 7 of 12"`` while an earlier iteration than the
    newest one is shown; with the frame's part of the iteration after a ``·``:
    ``"iteration 4 of 12 · E-step: responsibilities from θ(3)"``."""
    text = f"iteration {frame.iteration}"
    if frame.in_past:
        text += f" of {frame.last_iteration}"
    phase = phase_text(frame)
    return f"{text} · {phase}" if phase else text


def log_likelihood_text(frame) -> str:
    """The total log-likelihood of the state shown, ``"log-likelihood -412.337"``."""
    return f"log-likelihood {frame.snapshot.log_likelihood:.6g}"


def shown_change(frame) -> float:
    """The log-likelihood shown minus the previous iteration's (NaN when there is none or
    it is not known, e.g. thinned from a reopened file)."""
    s = int(frame.snapshot.iteration)
    ll = frame.history.log_likelihood
    if s < 1 or s - 1 >= len(ll):
        return float("nan")
    return float(frame.snapshot.log_likelihood) - float(ll[s - 1])


def change_text(frame) -> str:
    """The change of the log-likelihood shown from the iteration before it,
    ``"change +0.0123"`` (``"change –"`` at iteration 0, ``"change 0 (exactly)"`` at a
    fixed point). At an E-step the state shown
    is θ(t-1): its change is that of iteration t-1; at a detected state it is the
    M-step's change before the re-placement."""
    change = shown_change(frame)
    if np.isnan(change):
        return "change –"
    return "change 0 (exactly)" if change == 0 else f"change {change:+.3g}"


def convergence_text(frame) -> str:
    """Whether the state shown is converged: ``"converged at 23"`` only from the state of
    iteration 23 on; before it ``"not converged yet (converges at 23)"``. A run that
    stopped at ``max_iter``: ``"stopped at max iterations"`` at its end, ``"not converged
    (stops at 100: max iterations)"`` before. Else ``"not converged"``."""
    history = frame.history
    s = int(frame.snapshot.iteration)
    at = history.converged_at
    if at is not None:
        if s >= at and not (frame.phase == "detected" and s == at):
            return f"converged at {at}"
        return f"not converged yet (converges at {at})"
    if frame.finished:
        if frame.iteration >= frame.last_iteration and frame.phase in ("full", "M"):
            return "stopped at max iterations"
        return f"not converged (stops at {frame.last_iteration}: max iterations)"
    return "not converged"


def recoveries_done(frame) -> int:
    """Iterations with a recovery up to the state shown (the re-placement of a detected
    state is not done yet; an E-step's iteration has not reached its M-step)."""
    s = int(frame.snapshot.iteration)
    done = [r for r in frame.history.recoveries if r <= s]
    if frame.phase == "detected" and done and done[-1] == s:
        done.pop()
    return len(done)


def recoveries_text(frame) -> str:
    """The singularity recoveries up to the state shown: ``"recoveries 2"`` when that is
    all of the run's; else ``"recoveries 1 so far (5 in all)"``."""
    total = frame.history.n_recoveries
    done = recoveries_done(frame)
    if done == total:
        return f"recoveries {total}"
    return f"recoveries {done} so far ({total} in all)"


def _component_list(components) -> str:
    names = [str(c) for c in components]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def identical_text(frame) -> str:
    """``"all 5 components identical"`` or ``"components 0, 2 and 3 identical"`` when
    components of the state shown have the same weight, mean and covariance (they are
    drawn on top of each other); ``""`` otherwise."""
    groups = getattr(frame, "identical_components", ())
    if not groups:
        return ""
    k = frame.snapshot.n_components
    if len(groups) == 1 and len(groups[0]) == k:
        return f"all {k} components identical"
    return "; ".join(f"components {_component_list(g)} identical" for g in groups)


# ---------------------------------------------------------------------- message bar
def _fixed_since(ll) -> int | None:
    """The first iteration from which the log-likelihood never changed at all (exactly),
    or None when the last change is not exactly 0."""
    ll = np.asarray(ll, dtype=np.float64)
    if len(ll) < 2 or ll[-1] != ll[-2]:
        return None
    changed = np.flatnonzero(ll[1:] != ll[:-1])
    return int(changed[-1]) + 1 if len(changed) else 0


def _identical_sentence(frame) -> str:
    groups = getattr(frame, "identical_components", ())
    if not groups:
        return ""
    k = frame.snapshot.n_components
    if len(groups) == 1 and len(groups[0]) == k:
        who = f"All {k} components are identical"
    else:
        who = "; ".join(f"components {_component_list(g)} are identical" for g in groups)
        who = who[0].upper() + who[1:]
    return (f" {who} (same weight, mean and covariance): an exact tie, which EM keeps "
            "for ever; a nudge (perturb) or another initialisation breaks it.")


def _constant_rule_text(frame) -> str:
    """Advice when the rule re-placed components on (nearly) every iteration, or ""."""
    history, config = frame.history, frame.config
    last = int(frame.last_iteration)
    if last < CONSTANT_RULE_MIN_ITERATIONS or history.n_recoveries < CONSTANT_RULE_SHARE * last:
        return ""
    events = [e for e in frame.snapshot.events if e.recovered]
    rule = events[0].rule if events else (config.rules[0] if config.rules else "det")
    share = f"{history.n_recoveries} of {last} iterations"
    values = np.array([e.value for e in events if e.rule == rule], dtype=np.float64)
    measured = ""
    if len(values):
        low, high = float(values.min()), float(values.max())
        measured = (f"{low:.2g}" if np.isclose(low, high, rtol=0.05)
                    else f"{low:.2g} to {high:.2g}")
    if rule == "det":
        found = f" this data's components have |det(cov)| = {measured}," if measured else ""
        return (f"The det rule re-placed components at {share}: its threshold "
                f"|det(cov)| < {config.threshold:g} is absolute, in the data's units, and"
                f"{found} below it even when they are healthy. Choose the scale-free rule "
                "(relative det: det(cov) / det(data cov)), or a threshold well below the "
                "components' det; more iterations will not help.")
    if rule == "relative_det":
        found = f" (these components measure {measured})" if measured else ""
        return (f"The relative det rule re-placed components at {share}: its threshold "
                f"det(cov) / det(data cov) < {config.threshold:g} is above what healthy "
                f"components of this data reach{found}. Lower the threshold; more "
                "iterations will not help.")
    return (f"The needle rule re-placed components at {share}: its condition-number limit "
            f"({config.condition_limit:g}) or its minimum of points per component fits "
            "these data badly. Raise the limit or choose another rule; more iterations "
            "will not help.")


def finished_text(frame) -> str:
    """Why the run of a finished ``frame`` stopped, and what the user can do next.

    The advice names the real cause: a fixed point (the log-likelihood did not change at
    all), a rule that re-places components on (nearly) every iteration (its scale), or
    iterations running out while EM was still improving.
    """
    history, config = frame.history, frame.config
    identical = _identical_sentence(frame)
    since = _fixed_since(history.log_likelihood)
    if history.converged_at is not None:
        fixed = (" It did not change at all: EM is at a fixed point."
                 if since is not None and since <= history.converged_at else "")
        return (f"EM converged at iteration {history.converged_at}: the mean "
                f"log-likelihood changed by less than tol = {config.tol:g}.{fixed}"
                f"{identical} Step goes on iterating; Reset or New seed starts again.")
    if since is not None:
        return (f"Stopped at max iterations ({config.max_iter}): EM is at a fixed point, "
                f"the log-likelihood has not changed at all since iteration {since} "
                f"(change exactly 0), so more iterations change nothing.{identical}")
    constant = _constant_rule_text(frame)
    if constant:
        return f"Stopped at max iterations ({config.max_iter}). {constant}"
    return (f"Stopped after max iterations ({config.max_iter}) without converging; "
            f"raise Max iterations to go on.{identical}")


def new_events_text(frame) -> str:
    """The newest of the events since the previous frame, and how many came before it:
    ``"iteration 4: component 2 re-placed by ... (and 2 more)"``; ``""`` when none."""
    events = frame.events
    if not events:
        return ""
    more = "" if len(events) == 1 else f" (and {len(events) - 1} more)"
    return events[-1].describe() + more


def detection_text(event) -> str:
    """A caught component before its re-placement: ``"iteration 4: component 0 caught by
    the det rule (|det(cov)| = 5.49e-06, threshold 0.01); re-placed in the next frame"``."""
    return (f"iteration {event.iteration}: component {event.component} caught by the "
            f"{event.rule} rule ({event.reason} = {event.value:.3g}, threshold "
            f"{event.threshold:.3g}); re-placed in the next frame")


def shown_events_text(frame) -> str:
    """The singularity events of the state shown: ``"; "``-joined, ``""`` when none.

    At a detected state, the components the rule caught (re-placed in the next frame);
    at the re-placed state after it (phase ``"M"`` or ``"full"``), the re-placements
    and flags of the iteration; at an E-step or the start, none (the iteration's
    M-step has not happened yet).
    """
    if frame.phase == "detected":
        return "; ".join(detection_text(event) for event in frame.detections)
    if frame.phase in ("full", "M"):
        return "; ".join(event.describe() for event in frame.snapshot.events)
    return ""


#: The events of the iteration shown, while looking back (the same sentences).
past_events_text = shown_events_text


def history_truncated_text(iteration: int, dropped: int) -> str:
    """What resuming from iteration ``iteration`` did to the ``dropped`` later ones."""
    later = "iteration" if dropped == 1 else "iterations"
    return (f"Resumed from iteration {iteration}: the {dropped} later {later} "
            "of the history were dropped.")


# ---------------------------------------------------------------------- changes by hand
def waiting_text(n_points: int, k: int, reason: str | None = None) -> str:
    """Why EM cannot run yet on drawn data, and what to do.

    ``"k = 3 needs at least 4 points: 1 so far. Draw 3 more (or lower k)."``; with the
    engine's ``reason`` when there are enough points but it refuses them (all equal, too
    few distinct): ``"The 4 points cannot be fitted with k = 3 yet: <reason> Draw more
    points (or lower k)."``.
    """
    need = max(int(k) + 1, 2)
    so_far = f"{n_points} so far" if n_points else "none so far"
    if reason is None or n_points < need:
        more = need - n_points
        return (f"k = {k} needs at least {need} points: {so_far}. Draw {more} more"
                f"{'' if k == 1 else ' (or lower k)'}.")
    reason = reason.strip()
    if reason and reason[-1] not in ".!?":
        reason += "."
    return (f"The {n_points} points cannot be fitted with k = {k} yet: {reason} Draw more "
            "points (or lower k).")


def _coordinates(values) -> str:
    return "(" + ", ".join(f"{v:.4g}" for v in values) + ")"


def user_edit_text(edit, log_likelihood_after: float | None = None) -> str:
    """One change made by hand, in a sentence.

    ``"iteration 12: component 2's mean moved by hand from (1.2, 3.4) to (5, 6); the
    log-likelihood went from -2931.4 to -3050.2"``. A covariance: ``"... component 2's
    covariance set by hand (det 0.25 -> 1.5)"``. Without ``log_likelihood_after``, the
    log-likelihood is not mentioned.
    """
    if edit.kind == "move_mean":
        what = (f"component {edit.component}'s mean moved by hand from "
                f"{_coordinates(edit.old)} to {_coordinates(edit.new)}")
    else:
        old_det = float(np.linalg.det(edit.old_array))
        new_det = float(np.linalg.det(edit.new_array))
        what = (f"component {edit.component}'s covariance set by hand (det {old_det:.3g} "
                f"-> {new_det:.3g})")
    text = f"iteration {edit.iteration}: {what}"
    if log_likelihood_after is not None:
        text += (f"; the log-likelihood went from {edit.log_likelihood_before:.1f} to "
                 f"{log_likelihood_after:.1f}")
    return text


def user_edits_text(frame) -> str:
    """The changes made by hand to the state shown (``frame.user_edits``), ``"; "``-
    joined, the last with the log-likelihood of the state shown (which is after all of
    them); ``""`` when none.

    When several edits were made to one state, the log-likelihood named is that of the
    state shown (after all of them), from the one before the first.
    """
    edits = tuple(getattr(frame, "user_edits", ()))
    if not edits or frame.snapshot is None:
        return ""
    after = float(frame.snapshot.log_likelihood)
    parts = [user_edit_text(edit) for edit in edits[:-1]]
    last = edits[-1]
    if len(edits) > 1:
        from dataclasses import replace

        last = replace(last, log_likelihood_before=edits[0].log_likelihood_before)
    parts.append(user_edit_text(last, after))
    return "; ".join(parts)


def data_edit_text(n_before: int, n_after: int, continued: bool) -> str:
    """A data edit in a sentence: ``"Added 3 points (400 -> 403); the run starts again
    on the new data."``; ``"Removed 5 points (...); EM continues from the parameters it
    had."``."""
    change = n_after - n_before
    verb = "Added" if change > 0 else "Removed"
    count = abs(change)
    what = f"{verb} {count} point{'s' if count != 1 else ''} ({n_before:,} -> {n_after:,})"
    how = ("EM continues from the parameters it had" if continued
           else "the run starts again on the new data")
    return f"{what}; {how}."
