"""Immutable records that leave the engine: snapshots, diagnostics and events.

A :class:`Snapshot` is what crosses from the worker thread to the views. Its arrays are
copies marked read-only, so a view can hold on to one while the engine keeps stepping.
Apart from the hard labels (an ``(n_samples,)`` array of a small integer dtype) nothing in
it grows with the number of points, so a whole run of snapshots can be kept as history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def frozen_copy(array):
    """Return a read-only copy of ``array`` (so no thread can mutate a snapshot)."""
    out = np.array(array, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class SingularityEvent:
    """One detection (and possibly recovery) of a degenerate component.

    Attributes
    ----------
    iteration : int
        The EM iteration (M-step count) at which the rule fired.
    component : int
        Index of the component.
    rule : str
        Name of the rule that fired (``"det"``, ``"relative_det"``, ``"needle"``).
    reason : str
        What was measured, in words (``"det(cov)"``, ``"condition number"``, ``"N_k"``).
    value : float
        The measured value.
    threshold : float
        The threshold it was compared with.
    action : str
        Recovery policy applied: ``"random_range"``, ``"worst_point"`` or ``"flag"``.
    old_mean, new_mean : tuple of float
        The component's mean before and after recovery (equal when only flagged), in the
        user's coordinates. ``old_mean`` is where the M-step put it, where the rule caught
        it: exactly ``snapshot.detected.means[component]`` of the iteration's snapshot, so
        a jump drawn from it starts where the detected state showed the component.
        ``new_mean`` is exactly ``snapshot.means[component]``.
    """

    iteration: int
    component: int
    rule: str
    reason: str
    value: float
    threshold: float
    action: str
    old_mean: tuple
    new_mean: tuple

    @property
    def recovered(self) -> bool:
        """True when the component was re-placed (not only flagged)."""
        return self.action != "flag"

    def describe(self) -> str:
        """A one-line human description, used by the app's status bar and log."""
        verb = "re-placed" if self.recovered else "flagged"
        return (
            f"iteration {self.iteration}: component {self.component} {verb} by the "
            f"{self.rule} rule ({self.reason} = {self.value:.3g}, threshold {self.threshold:.3g})"
        )


#: Kinds of :class:`UserEdit`.
MOVE_MEAN, SET_COVARIANCE = "move_mean", "set_covariance"
USER_EDIT_KINDS = (MOVE_MEAN, SET_COVARIANCE)


@dataclass(frozen=True)
class UserEdit:
    """A change a person made by hand to the state of iteration ``iteration``.

    EM continues from the changed state: the iteration's snapshot holds the parameters
    after the edit (and the log-likelihood, labels and N_k at them), and the next
    iteration's E-step starts there.

    Attributes
    ----------
    iteration : int
        The iteration whose state was changed (> 0: a change at iteration 0 is a new
        start, kept in the config's ``means_init`` / ``precisions_init``).
    kind : {"move_mean", "set_covariance"}
    component : int
        The component changed. With ``covariance_type="tied"`` a covariance edit changes
        the covariance every component shares.
    old, new : tuple
        The component's value before and after, in the user's coordinates: a mean is a
        tuple of D floats, a covariance a tuple of D tuples of D floats (the full matrix;
        for ``"diag"`` and ``"spherical"`` the one the covariance type allows). Several
        edits of the same component and kind at one iteration (a drag) are one edit:
        ``old`` from before the first, ``new`` from the last.
    log_likelihood_before : float
        The total log-likelihood of the state before the edit (the snapshot has the one
        after).
    """

    iteration: int
    kind: str
    component: int
    old: tuple
    new: tuple
    log_likelihood_before: float

    @property
    def old_array(self) -> np.ndarray:
        """``old`` as an array of shape (D,) or (D, D)."""
        return np.array(self.old, dtype=np.float64)

    @property
    def new_array(self) -> np.ndarray:
        """``new`` as an array of shape (D,) or (D, D)."""
        return np.array(self.new, dtype=np.float64)


def as_edit_value(array) -> tuple:
    """An array of shape (D,) or (D, D) as the nested tuple of floats a UserEdit keeps."""
    array = np.asarray(array, dtype=np.float64)
    if array.ndim == 1:
        return tuple(float(v) for v in array)
    return tuple(tuple(float(v) for v in row) for row in array)


@dataclass(frozen=True)
class Snapshot:
    """The state of an EM run after one iteration.

    The parameters are those *after* the iteration's M-step (and any singularity
    recovery); ``log_likelihood`` and ``labels`` are evaluated at those same parameters,
    so what is drawn is always self-consistent.

    Attributes
    ----------
    iteration : int
        Number of M-steps done (0 for the initial state).
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, n_features)
    covariances : ndarray of shape (n_components, n_features, n_features)
        Always full matrices, whatever the covariance type (tied ones repeated), so views
        need no dispatch.
    log_likelihood : float
        Total log-likelihood of the data, ``sum_i log p(x_i)``.
    mean_log_likelihood : float
        ``log_likelihood / n_samples`` (scikit-learn's ``lower_bound_`` scale).
    labels : ndarray of shape (n_samples,) or None
        Hard assignment ``argmax_k resp[i, k]`` in a small integer dtype; None when the
        engine was asked not to compute labels.
    nk : ndarray of shape (n_components,)
        Effective number of points per component (sum of responsibilities).
    det : ndarray of shape (n_components,)
        Determinant of each covariance.
    min_eigenvalue : ndarray of shape (n_components,)
    condition_number : ndarray of shape (n_components,)
    flagged : ndarray of shape (n_components,) of bool
        Components that a singularity rule flagged in this iteration.
    events : tuple of SingularityEvent
        Singularity detections during this iteration.
    converged : bool
        True when the change of ``mean_log_likelihood`` fell below ``tol``.
    detected : Snapshot or None
        When a recovery re-placed components in this iteration: the state the M-step made
        *before* the re-placement, as the rule saw it (the collapsed component's mean,
        covariance and det). Its ``iteration`` is this one; ``weights``, ``means``,
        ``covariances``, ``det``, ``min_eigenvalue`` and ``condition_number`` are the
        M-step's; ``nk`` is the M-step's (the responsibilities of the previous iteration,
        the ones the rule judged); ``log_likelihood`` is evaluated at those parameters
        (EM never lowers it, so it is at least the previous iteration's); ``flagged``
        marks the caught components; no labels, no events, not converged, no
        ``detected`` of its own. None when nothing was re-placed (no rule fired, or the
        recovery only flags). It is not part of the run's numbers: the next iteration
        starts from this snapshot's own parameters.
    user_edits : tuple of UserEdit
        Changes made by hand to this iteration's state, in the order made; the
        parameters are those after them. ``()`` for a state EM made alone. The
        iteration's ``events`` (and ``detected``) stay as EM made them before the edit.
    """

    iteration: int
    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    log_likelihood: float
    mean_log_likelihood: float
    labels: np.ndarray | None
    nk: np.ndarray
    det: np.ndarray
    min_eigenvalue: np.ndarray
    condition_number: np.ndarray
    flagged: np.ndarray
    events: tuple = field(default_factory=tuple)
    converged: bool = False
    detected: Snapshot | None = None
    user_edits: tuple = field(default_factory=tuple)

    @property
    def n_components(self) -> int:
        return int(self.weights.shape[0])

    @property
    def recovered_components(self) -> tuple:
        """Indices of components re-placed by a recovery during this iteration."""
        return tuple(sorted({e.component for e in self.events if e.recovered}))

    @property
    def replacements(self) -> tuple:
        """The events of this iteration that re-placed a component (not only flagged)."""
        return tuple(e for e in self.events if e.recovered)

    def without_labels(self) -> Snapshot:
        """A copy without the N-sized labels, for compact history storage."""
        from dataclasses import replace

        return replace(self, labels=None)


#: Two components whose parameters differ by less than this, relative to the size of
#: the parameters, are identical (an exact tie stays exact in the engine; a seeded nudge
#: of 1e-5 of the data's spread is far above it).
IDENTICAL_RTOL = 1e-12


def identical_components(snapshot, rtol: float = IDENTICAL_RTOL) -> tuple:
    """Groups of components with the same weight, mean and covariance.

    Computed from the parameters alone: two components are identical when every weight,
    mean and covariance entry differs by at most ``rtol`` times the largest magnitude of
    that parameter over all components (so the test does not depend on the data's units).

    Parameters
    ----------
    snapshot : Snapshot
        Only ``weights`` (n_components,), ``means`` (n_components, n_features) and
        ``covariances`` (n_components, n_features, n_features) are read.
    rtol : float

    Returns
    -------
    tuple of tuple of int
        Each group (of two or more components, increasing) in the order of its first
        component; ``()`` when every component is distinct.
    """
    weights = np.asarray(snapshot.weights, dtype=np.float64)
    k = len(weights)
    if k < 2:
        return ()
    parts = [weights.reshape(k, -1),
             np.asarray(snapshot.means, dtype=np.float64).reshape(k, -1),
             np.asarray(snapshot.covariances, dtype=np.float64).reshape(k, -1)]
    close = np.ones((k, k), dtype=bool)
    for part in parts:  # weights first: distinct weights end it before the big arrays
        scale = float(np.max(np.abs(part))) if part.size else 0.0
        if not np.isfinite(scale):
            return ()
        difference = np.abs(part[:, None, :] - part[None, :, :]).max(axis=2)
        close &= difference <= rtol * scale
        if np.count_nonzero(close) == k:  # only the diagonal: every component distinct
            return ()
    groups, seen = [], set()
    for first in range(k):
        if first in seen:
            continue
        members = [j for j in range(first, k) if close[first, j] and j not in seen]
        if len(members) > 1:
            groups.append(tuple(members))
            seen.update(members)
    return tuple(groups)
