"""The rewindable history of a run, and where in it the views are.

Pure Python and numpy (no Qt), used by the worker thread:

- :class:`RunHistory` keeps every snapshot of the run *without* its labels, so memory grows
  with the number of iterations times k, never with the number of points; labels of a past
  iteration are recomputed on demand (``EMEngine.labels_for``).
- :class:`Position` says what is shown: an iteration, and with half-steps which half.

Half-steps follow EM's own order. The E-step at iteration ``c``'s parameters recolours the
points (phase ``"E"``: parameters of ``c``, labels of ``c``); the next M-step moves the
Gaussians to fit those responsibilities (phase ``"M"`` of ``c + 1``: parameters of
``c + 1``, still the labels of ``c``). So the sequence is ``(0, E), (1, M), (1, E),
(2, M), ...``: after E the ellipses are the old ones, after M the colours are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Phases of a :class:`Position`.
FULL, E_STEP, M_STEP = "full", "E", "M"


@dataclass(frozen=True)
class History:
    """The log-likelihood curve of the run so far (copied arrays).

    Attributes
    ----------
    iterations : ndarray of shape (n_points,)
    log_likelihood : ndarray of shape (n_points,)
        Total log-likelihood at each iteration.
    mean_log_likelihood : ndarray of shape (n_points,)
        Mean per-sample log-likelihood at each iteration.
    recoveries : list of int
        Iterations at which a singularity recovery re-placed a component.
    converged_at : int or None
        First iteration at which the run reported convergence.
    """

    iterations: np.ndarray
    log_likelihood: np.ndarray
    mean_log_likelihood: np.ndarray
    recoveries: list
    converged_at: int | None

    @property
    def n_recoveries(self) -> int:
        return len(self.recoveries)


@dataclass(frozen=True)
class Position:
    """What the views show.

    Attributes
    ----------
    iteration : int
        Index in the history; the parameters drawn are this iteration's.
    phase : {"full", "E", "M"}
        ``"full"``: parameters and labels of ``iteration``. ``"E"``: the same picture,
        shown as the E-step that recoloured the points. ``"M"``: parameters of
        ``iteration`` with the labels of ``iteration - 1`` (the Gaussians just moved).
    """

    iteration: int
    phase: str = FULL

    @property
    def labels_iteration(self) -> int:
        """The iteration whose responsibilities colour the points."""
        return self.iteration - 1 if self.phase == M_STEP else self.iteration


def start_position(half_steps: bool) -> Position:
    """Iteration 0: the initial Gaussians (with half-steps, as its E-step)."""
    return Position(0, E_STEP if half_steps else FULL)


def convert_position(position: Position, half_steps: bool) -> Position:
    """The same picture in the other mode (half-steps switched on or off)."""
    if half_steps:
        return position if position.phase != FULL else Position(position.iteration, E_STEP)
    return Position(position.iteration, FULL)


def next_position(position: Position, half_steps: bool) -> Position:
    """One step forward: an iteration, or with half-steps, half of one."""
    if not half_steps:
        return Position(position.iteration + 1, FULL)
    if position.phase == M_STEP:
        return Position(position.iteration, E_STEP)
    return Position(position.iteration + 1, M_STEP)


def previous_position(position: Position, half_steps: bool) -> Position | None:
    """One step back, or None at the start."""
    if not half_steps:
        return Position(position.iteration - 1, FULL) if position.iteration > 0 else None
    if position.phase == M_STEP:
        return Position(position.iteration - 1, E_STEP)
    if position.iteration == 0:
        return None
    return Position(position.iteration, M_STEP)


def check_history(snapshots, n_features: int, n_components: int) -> tuple:
    """Check saved snapshots against the data and k before installing them.

    Parameters
    ----------
    snapshots : sequence of Snapshot
        Iteration 0 first.
    n_features, n_components : int

    Returns
    -------
    tuple of Snapshot

    Raises
    ------
    ValueError
        When the iterations are not 0, 1, 2, ... or a parameter has the wrong shape.
    """
    snapshots = tuple(snapshots)
    k, d = n_components, n_features
    for index, snapshot in enumerate(snapshots):
        if int(snapshot.iteration) != index:
            raise ValueError(f"the saved iterations are not 0, 1, 2, ... (iteration "
                             f"{snapshot.iteration} at position {index}).")
        if (np.shape(snapshot.weights) != (k,) or np.shape(snapshot.means) != (k, d)
                or np.shape(snapshot.covariances) != (k, d, d)):
            raise ValueError(f"iteration {index} has parameters of the wrong shape for "
                             f"k = {k} and {d} features.")
    return snapshots


class RunHistory:
    """Every snapshot of one run (without labels), iteration ``i`` at index ``i``.

    Not thread-safe: owned by the worker thread.
    """

    def __init__(self):
        self._snapshots = []
        self._recoveries = []
        self._converged_at = None
        # The curve is kept alongside as growing arrays: curve() is called for every
        # frame, and rebuilding it from the snapshots cost O(iterations) Python work.
        self._values = np.empty((64, 2))  # total and mean log-likelihood per iteration

    def __len__(self) -> int:
        return len(self._snapshots)

    def __getitem__(self, iteration: int):
        return self._snapshots[iteration]

    @property
    def last_iteration(self) -> int:
        """Iteration of the newest snapshot (-1 when empty)."""
        return len(self._snapshots) - 1

    @property
    def snapshots(self) -> tuple:
        """All snapshots, iteration 0 first (an immutable copy of the list)."""
        return tuple(self._snapshots)

    def clear(self):
        self._snapshots.clear()
        self._recoveries.clear()
        self._converged_at = None

    def append(self, snapshot):
        """Add the next iteration's snapshot (its labels are dropped)."""
        expected = len(self._snapshots)
        if int(snapshot.iteration) != expected:
            raise ValueError(f"history expects iteration {expected}; got {snapshot.iteration}.")
        self._snapshots.append(snapshot.without_labels())
        if expected == len(self._values):
            self._values = np.concatenate([self._values, np.empty_like(self._values)])
        self._values[expected] = (snapshot.log_likelihood, snapshot.mean_log_likelihood)
        if snapshot.recovered_components:
            self._recoveries.append(int(snapshot.iteration))
        if snapshot.converged and self._converged_at is None:
            self._converged_at = int(snapshot.iteration)

    def extend(self, snapshots):
        for snapshot in snapshots:
            self.append(snapshot)

    def truncate(self, iteration: int) -> int:
        """Keep iterations ``0 .. iteration``; returns how many later ones were dropped."""
        dropped = max(0, len(self._snapshots) - (iteration + 1))
        if dropped:
            del self._snapshots[iteration + 1:]
            self._recoveries = [r for r in self._recoveries if r <= iteration]
            if self._converged_at is not None and self._converged_at > iteration:
                self._converged_at = None
        return dropped

    def curve(self) -> History:
        """The log-likelihood curve (new arrays, safe to hand to another thread)."""
        n = len(self._snapshots)
        return History(
            iterations=np.arange(n, dtype=np.int64),  # iteration i is at index i
            log_likelihood=self._values[:n, 0].copy(),
            mean_log_likelihood=self._values[:n, 1].copy(),
            recoveries=list(self._recoveries),
            converged_at=self._converged_at,
        )

    def clamp(self, position: Position) -> Position:
        """``position`` moved inside the history (the last iteration at most)."""
        last = max(self.last_iteration, 0)
        if position.iteration > last:
            return Position(last, position.phase)
        if position.iteration == 0 and position.phase == M_STEP:
            return Position(0, E_STEP)
        return position
