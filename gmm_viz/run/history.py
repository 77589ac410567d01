"""The rewindable history of a run, and where in it the views are.

Pure Python and numpy (no Qt), used by the worker thread:

- :class:`RunHistory` keeps the snapshots of the run *without* their labels, so memory
  grows with the number of iterations times k, never with the number of points; labels of
  a past iteration are recomputed on demand (``EMEngine.labels_for``).
- :class:`Position` says what is shown: an iteration, and with half-steps which half.

Half-steps follow the textbook's reading of EM. Iteration ``t`` is an E-step (the
responsibilities from the parameters θ(t-1) recolour the points) and then an M-step (the
Gaussians move to θ(t), fitted to those responsibilities). So with half-steps the
positions are ``(0, "start")`` (θ(0), no responsibilities yet), then ``(1, "E")``,
``(1, "M")``, ``(2, "E")``, ``(2, "M")``, ...: after E the ellipses are the old ones,
after M the colours are. Without half-steps, iteration ``t`` is one frame ``(t, "full")``:
θ(t) with its own colours.

When the singularity rule re-places components in iteration ``t``, the state the M-step
made before the re-placement (``Snapshot.detected``: the collapse as the rule found it) is
one more frame, ``(t, "detected")``, just before the re-placed state (``(t, "M")``, or
``(t, "full")`` without half-steps). The iteration's events belong to that re-placed
state. :func:`iteration_frames` lists an iteration's frames.

Memory budget
-------------
A snapshot costs about 1.2 KB plus its arrays (k = 3: 1.5 KB at D = 2, 11 KB at D = 20;
k = 20 at D = 20: 69 KB), so a long run would fill memory (the window allows 1,000,000
iterations). A :class:`RunHistory` therefore has a budget
(:data:`gmm_viz.limits.HISTORY_BUDGET_BYTES`, 500 MiB) for its snapshots:

- while they fit, every iteration is kept;
- beyond it, older iterations are *thinned evenly*: only every 2nd, then every 4th, 8th,
  ... of the thinnable ones stays (a stride that doubles each time the budget is
  reached, so the cost is amortised O(1) per append);
- never thinned: iteration 0, every iteration with an event (a singularity recovery or
  flag, or the first convergence) and the newest :data:`KEEP_RECENT` iterations, so
  stepping back a little always works. Iterations a person changed by hand (a
  :class:`~gmm_viz.engine.snapshot.UserEdit`) are never thinned at all: a saved run
  replays them, and there are only as many as a hand made. Only if those alone overflow the budget (a "flag"
  recovery that fires at every iteration, or a budget smaller than the newest window) are
  event iterations thinned evenly too, and then the newest window shrinks: the budget is
  a bound, whatever the run.

The log-likelihood curve is kept whole, for every iteration, outside the budget: 16 bytes
per iteration (two float64; up to twice that while its array grows), 16 MB at 1,000,000
iterations. So the curve never loses points; only snapshots are thinned. Also outside it:
8 bytes per event iteration (their list, to thin events evenly) and the recovery markers
of the curve. Inside it: the kept snapshots and the history's index of them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from gmm_viz.limits import HISTORY_BUDGET_BYTES
from gmm_viz.run.stored_snapshot import restored, stored

#: Phases of a :class:`Position` (see the module docstring).
FULL, START, E_STEP, DETECTED, M_STEP = "full", "start", "E", "detected", "M"
#: Every phase, in the order the frames of one iteration are shown.
PHASES = (FULL, START, E_STEP, DETECTED, M_STEP)

#: The newest iterations are always kept (unless they alone exceed the budget), so that
#: stepping back a little from the end never lands on a thinned iteration.
KEEP_RECENT = 100

#: Bytes a kept snapshot costs beyond its arrays' data: its stored tuple
#: (:mod:`gmm_viz.run.stored_snapshot`), its eight array headers, two float objects and
#: its iteration's int. Measured with tracemalloc (Python 3.11, numpy 2): 1,189 bytes,
#: rounded up; tests/run/test_history_budget.py checks the whole accounting against
#: tracemalloc.
SNAPSHOT_OVERHEAD_BYTES = 1192
#: Bytes of one SingularityEvent beyond its two mean tuples (object, strings, floats and
#: its slot in the snapshot's tuple); measured with tracemalloc: 240.
EVENT_OVERHEAD_BYTES = 256
#: Bytes of one UserEdit beyond its two value tuples (object, strings, floats, its slot).
USER_EDIT_OVERHEAD_BYTES = 256

#: Array fields of a Snapshot counted by :func:`snapshot_nbytes`.
_ARRAY_FIELDS = ("weights", "means", "covariances", "labels", "nk", "det", "min_eigenvalue",
                 "condition_number", "flagged")


@dataclass(frozen=True)
class History:
    """The log-likelihood curve of the run so far (copied arrays).

    Attributes
    ----------
    iterations : ndarray of shape (n_points,)
        ``0 .. last_iteration``: the curve has every iteration, thinned or not.
    log_likelihood : ndarray of shape (n_points,)
        Total log-likelihood at each iteration (NaN where a reopened, thinned run file
        did not hold it).
    mean_log_likelihood : ndarray of shape (n_points,)
        Mean per-sample log-likelihood at each iteration.
    recoveries : list of int
        Iterations at which a singularity recovery re-placed a component.
    converged_at : int or None
        First iteration at which the run reported convergence.
    user_edits : list of int
        Iterations whose state a person changed by hand (a mean dragged, a covariance
        set); the curve's value there is the changed state's.
    kept : ndarray of shape (n_kept,) of int64, or None
        Iterations whose snapshot is kept (sorted), i.e. that can be shown, when some
        were thinned; None when every iteration is kept.
    """

    iterations: np.ndarray
    log_likelihood: np.ndarray
    mean_log_likelihood: np.ndarray
    recoveries: list
    converged_at: int | None
    kept: np.ndarray | None = None
    user_edits: list = None

    def __post_init__(self):
        if self.user_edits is None:  # a History built by hand, before user edits existed
            object.__setattr__(self, "user_edits", [])

    @property
    def n_recoveries(self) -> int:
        return len(self.recoveries)

    @property
    def thinned(self) -> bool:
        """True when some iterations of the curve have no snapshot any more."""
        return self.kept is not None


@dataclass(frozen=True)
class Position:
    """What the views show.

    Attributes
    ----------
    iteration : int
        The EM iteration shown (``t`` in "iteration t, E-step").
    phase : {"full", "start", "E", "detected", "M"}
        ``"full"``: θ(t) with its own colours (no half-steps). ``"start"``: iteration 0
        with half-steps, θ(0) before any E-step (no colours). ``"E"``: the E-step of
        iteration ``t``: θ(t-1), points coloured by its responsibilities. ``"detected"``:
        the M-step's parameters of ``t`` before the rule re-placed components (colours of
        ``t - 1``, the responsibilities the M-step used). ``"M"``: θ(t) with the colours
        of ``t - 1``. See :func:`iteration_frames` for which exist.
    """

    iteration: int
    phase: str = FULL

    @property
    def parameters_iteration(self) -> int:
        """The iteration whose snapshot's parameters are drawn (``t - 1`` at ``"E"``)."""
        return self.iteration - 1 if self.phase == E_STEP else self.iteration

    @property
    def labels_iteration(self) -> int | None:
        """The iteration whose responsibilities colour the points (None at ``"start"``)."""
        if self.phase == START:
            return None
        if self.phase in (E_STEP, DETECTED, M_STEP):
            return self.iteration - 1
        return self.iteration


def iteration_frames(iteration: int, half_steps: bool, *, detected: bool = False,
                     previous_kept: bool = True) -> tuple:
    """The positions that show iteration ``iteration``, in order.

    Parameters
    ----------
    iteration : int
    half_steps : bool
    detected : bool
        The iteration's snapshot has a ``detected`` state (a rule re-placed components).
    previous_kept : bool
        The snapshot of ``iteration - 1`` is kept: its parameters and colours are needed
        by the E, detected and M frames. When it was thinned, the iteration is one
        ``"full"`` frame.

    Returns
    -------
    tuple of Position
        With half-steps: ``(0, "start")`` for iteration 0, else ``(t, "E")``, then
        ``(t, "detected")`` if ``detected``, then ``(t, "M")``. Without: ``(t, "detected")``
        if ``detected``, then ``(t, "full")``.
    """
    t = int(iteration)
    if t <= 0:
        return (Position(0, START if half_steps else FULL),)
    if not previous_kept:
        return (Position(t, FULL),)
    caught = (Position(t, DETECTED),) if detected else ()
    if half_steps:
        return (Position(t, E_STEP),) + caught + (Position(t, M_STEP),)
    return caught + (Position(t, FULL),)


def start_position(half_steps: bool) -> Position:
    """Iteration 0: the initial Gaussians (with half-steps, before the first E-step)."""
    return Position(0, START if half_steps else FULL)


def convert_position(position: Position, half_steps: bool) -> Position:
    """The position to show when half-steps are switched on or off at ``position``.

    Switching on, an iteration shows its M half (its parameters and its events);
    switching off, an E-step shows the iteration whose parameters it draws. A detected
    state stays (it exists in both modes). Clamp the result to the history
    (:meth:`RunHistory.clamp`).
    """
    t, phase = int(position.iteration), position.phase
    if phase == DETECTED:
        return position
    if half_steps:
        if phase in (FULL, START):
            return Position(t, M_STEP) if t > 0 else Position(0, START)
        return position
    if phase == E_STEP:
        return Position(t - 1, FULL)
    return Position(t, FULL)


def next_position(position: Position, half_steps: bool) -> Position:
    """One step forward in a history that keeps every iteration and has no detected
    state; for a real history use :meth:`RunHistory.next_position`."""
    frames = iteration_frames(position.iteration, half_steps)
    if position in frames and frames.index(position) < len(frames) - 1:
        return frames[frames.index(position) + 1]
    return iteration_frames(position.iteration + 1, half_steps)[0]


def previous_position(position: Position, half_steps: bool) -> Position | None:
    """One step back (None at the start) in a history that keeps every iteration and has
    no detected state; for a real history use :meth:`RunHistory.previous_position`."""
    frames = iteration_frames(position.iteration, half_steps)
    if position in frames and frames.index(position) > 0:
        return frames[frames.index(position) - 1]
    if position.iteration <= 0:
        return None
    return iteration_frames(position.iteration - 1, half_steps)[-1]


def check_history(snapshots, n_features: int, n_components: int) -> tuple:
    """Check saved snapshots against the data and k before installing them.

    Parameters
    ----------
    snapshots : sequence of Snapshot
        Iteration 0 first, then strictly increasing iterations: every iteration, or the
        kept ones of a thinned history.
    n_features, n_components : int

    Returns
    -------
    tuple of Snapshot

    Raises
    ------
    ValueError
        When the iterations do not start at 0 and strictly increase, or a parameter has
        the wrong shape.
    """
    snapshots = tuple(snapshots)
    k, d = n_components, n_features
    previous = -1
    for index, snapshot in enumerate(snapshots):
        iteration = int(snapshot.iteration)
        if index == 0 and iteration != 0:
            raise ValueError(f"the saved iterations do not start at 0 (the first is "
                             f"iteration {iteration}).")
        if iteration <= previous:
            raise ValueError(f"the saved iterations do not increase (iteration "
                             f"{iteration} after iteration {previous}).")
        detected = getattr(snapshot, "detected", None)
        for state in (snapshot,) if detected is None else (snapshot, detected):
            if (np.shape(state.weights) != (k,) or np.shape(state.means) != (k, d)
                    or np.shape(state.covariances) != (k, d, d)):
                raise ValueError(f"iteration {iteration} has parameters of the wrong shape "
                                 f"for k = {k} and {d} features.")
        previous = iteration
    return snapshots


def snapshot_nbytes(snapshot) -> int:
    """Memory a snapshot holds, in bytes: its arrays' data plus a measured fixed overhead.

    Counts every array field (``labels`` too, when present; the history keeps none), the
    fixed :data:`SNAPSHOT_OVERHEAD_BYTES`, and its events (each event holds two tuples of
    D floats), and the detected state it holds (a snapshot of its own). Arrays are
    assumed to own their data, as the engine's frozen copies do.
    """
    total = SNAPSHOT_OVERHEAD_BYTES
    for name in _ARRAY_FIELDS:
        total += int(getattr(getattr(snapshot, name, None), "nbytes", 0))
    events = getattr(snapshot, "events", ())
    if events:
        total += 40 + 8 * len(events)  # the tuple
        for event in events:
            # A tuple of n floats: 40 + 8 n bytes, and 24 bytes per float object.
            total += EVENT_OVERHEAD_BYTES + 80 + 32 * (len(event.old_mean)
                                                       + len(event.new_mean))
    edits = getattr(snapshot, "user_edits", ())
    if edits:
        total += 40 + 8 * len(edits)
        for edit in edits:
            total += USER_EDIT_OVERHEAD_BYTES + 2 * _value_nbytes(edit.new)
    detected = getattr(snapshot, "detected", None)
    if detected is not None:
        total += snapshot_nbytes(detected)
    return total


def _value_nbytes(value) -> int:
    """Bytes of a UserEdit value: a tuple of floats, or a tuple of such tuples."""
    if value and isinstance(value[0], tuple):
        return 40 + 8 * len(value) + sum(_value_nbytes(row) for row in value)
    return 40 + 32 * len(value)


def is_event(snapshot) -> bool:
    """True when an iteration had a singularity event (recovery or flag) or a change by
    hand (a user edit)."""
    flagged = getattr(snapshot, "flagged", None)
    return (bool(snapshot.events) or bool(getattr(snapshot, "user_edits", ()))
            or (flagged is not None and bool(np.any(flagged))))


class ThinnedIterationError(KeyError):
    """An iteration of the run whose snapshot was thinned from the history.

    Attributes
    ----------
    iteration : int
    nearest : int
        The nearest kept iteration (show that one instead).
    """

    def __init__(self, message: str, iteration: int, nearest: int):
        super().__init__(message)
        self.message, self.iteration, self.nearest = message, iteration, nearest

    def __str__(self) -> str:
        # KeyError would quote the message; this one is shown to people.
        return self.message


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes / (1 << 20):,.0f} MiB" if n_bytes >= 1 << 20 else f"{n_bytes:,} bytes"


class RunHistory:
    """The snapshots of one run (without labels) within a memory budget, and its curve.

    Iteration ``i`` is ``history[i]`` while it is kept. ``len(history)`` is the number of
    iterations recorded (``last_iteration + 1``), thinned or not; :meth:`kept_iterations`
    says which can be shown. See the module docstring for the thinning rule.

    Parameters
    ----------
    budget_bytes : int
        Most bytes the kept snapshots (by :func:`snapshot_nbytes`) and the index of them
        may hold (:attr:`nbytes`); the curve is outside it (16 bytes per iteration).
    keep_recent : int
        How many of the newest iterations are always kept.

    Not thread-safe: owned by the worker thread.
    """

    def __init__(self, budget_bytes: int = HISTORY_BUDGET_BYTES,
                 keep_recent: int = KEEP_RECENT):
        if int(budget_bytes) <= 0 or int(keep_recent) < 1:
            raise ValueError("the history needs a positive budget and keep_recent >= 1.")
        self._budget = int(budget_bytes)
        self._keep_recent = int(keep_recent)
        #: Full passes over the kept snapshots (thinning); for tests of the amortised cost.
        self.sweeps = 0
        self.clear()

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return self._n

    def __getitem__(self, iteration):
        """The snapshot of ``iteration`` (negative counts from the end, like a list).

        Raises
        ------
        IndexError
            When the iteration was never recorded.
        ThinnedIterationError
            (a KeyError) when it was thinned; its message names the nearest kept one.
        """
        index = int(iteration)
        if index < 0:
            index += self._n
        if not 0 <= index < self._n:
            raise IndexError(f"iteration {iteration} is not in this run's history "
                             f"(iterations 0 to {self.last_iteration}).")
        kept = self._kept.get(index)
        if kept is None:
            nearest = self.nearest_kept(index)
            raise ThinnedIterationError(
                f"iteration {index} is no longer kept: older iterations were thinned to "
                f"keep the history within {_megabytes(self._budget)}. The nearest kept "
                f"iteration is {nearest}.", index, nearest)
        return restored(kept)

    @property
    def last_iteration(self) -> int:
        """Iteration of the newest snapshot (-1 when empty)."""
        return self._n - 1

    @property
    def snapshots(self) -> tuple:
        """The kept snapshots, iteration 0 first (an immutable tuple).

        Every iteration while :attr:`thinned` is False.
        """
        return tuple(restored(kept) for kept in self._kept.values())

    @property
    def thinned(self) -> bool:
        """True when some recorded iterations are no longer kept."""
        return len(self._kept) < self._n

    @property
    def nbytes(self) -> int:
        """Bytes of the kept snapshots and their index (at most :attr:`budget_bytes`).

        The budget is kept after every call unless iteration 0 and the newest snapshot
        alone exceed it.
        """
        # The dict's table and the index array are counted as they are (with their
        # growth slack), so the total is what tracemalloc sees.
        return self._bytes + sys.getsizeof(self._kept) + int(self._order.nbytes)

    @property
    def budget_bytes(self) -> int:
        return self._budget

    @property
    def unbudgeted_nbytes(self) -> int:
        """Bytes outside the budget: the curve (16 per iteration) and the event list (8 per
        event iteration), with their arrays' growth slack."""
        return int(self._values.nbytes + self._event_iterations.nbytes)

    def kept_iterations(self) -> np.ndarray:
        """Iterations whose snapshot is kept, sorted (a new int64 array)."""
        return self._order[:len(self._kept)].copy()

    def is_kept(self, iteration) -> bool:
        return int(iteration) in self._kept

    def nearest_kept(self, iteration) -> int:
        """The kept iteration closest to ``iteration`` (ties: the earlier one).

        Raises
        ------
        IndexError
            When the history is empty.
        """
        if not self._kept:
            raise IndexError("the history is empty.")
        iteration = min(max(int(iteration), 0), self.last_iteration)
        if iteration in self._kept:
            return iteration
        order = self._order[:len(self._kept)]
        after = int(np.searchsorted(order, iteration))  # order[after] > iteration
        if after == len(order):
            return int(order[-1])
        later, earlier = int(order[after]), int(order[after - 1])  # 0 is always kept
        return earlier if iteration - earlier <= later - iteration else later

    def next_kept(self, iteration) -> int | None:
        """The first kept iteration after ``iteration``, or None."""
        order = self._order[:len(self._kept)]
        after = int(np.searchsorted(order, int(iteration), side="right"))
        return int(order[after]) if after < len(order) else None

    def previous_kept(self, iteration) -> int | None:
        """The last kept iteration before ``iteration``, or None."""
        order = self._order[:len(self._kept)]
        before = int(np.searchsorted(order, int(iteration), side="left"))
        return int(order[before - 1]) if before > 0 else None

    def curve(self) -> History:
        """The log-likelihood curve (new arrays, safe to hand to another thread)."""
        n = self._n
        return History(
            iterations=np.arange(n, dtype=np.int64),  # iteration i is at index i
            log_likelihood=self._values[:n, 0].copy(),
            mean_log_likelihood=self._values[:n, 1].copy(),
            recoveries=list(self._recoveries),
            converged_at=self._converged_at,
            kept=self.kept_iterations() if self.thinned else None,  # None: every one
            user_edits=list(self._user_edits),
        )

    @property
    def user_edits(self) -> list:
        """Iterations whose state a person changed by hand, increasing (a new list)."""
        return list(self._user_edits)

    # ------------------------------------------------------------------ positions
    def frames(self, iteration: int, half_steps: bool) -> tuple:
        """The positions that show kept iteration ``iteration``, in order (see
        :func:`iteration_frames`). Beyond the last iteration: the first frame it will
        have once computed (its detected state, if any, is not known yet)."""
        t = int(iteration)
        kept = self._kept.get(t)
        return iteration_frames(
            t, half_steps, detected=kept is not None and restored(kept).detected is not None,
            previous_kept=t > self.last_iteration or (t - 1) in self._kept)

    def clamp(self, position: Position, half_steps: bool | None = None) -> Position:
        """``position`` moved inside the history and onto a frame that can be shown.

        Beyond the last iteration it goes to the last one; a thinned iteration goes to
        :meth:`nearest_kept`. A phase the iteration does not have (an ``"M"`` whose
        previous iteration was thinned, a ``"detected"`` where nothing was re-placed, the
        ``"start"`` of a later iteration...) becomes the iteration's first frame for an
        ``"E"``, else its last frame (the state after the iteration).

        Parameters
        ----------
        position : Position
        half_steps : bool, optional
            The mode shown; by default the one the phase belongs to (``"full"`` and
            ``"detected"``: without half-steps).
        """
        if half_steps is None:
            half_steps = position.phase in (START, E_STEP, M_STEP)
        iteration = int(position.iteration)
        if self._kept:
            iteration = self.nearest_kept(iteration)
        else:
            iteration = min(iteration, 0)
        frames = self.frames(iteration, half_steps)
        wanted = Position(iteration, position.phase)
        if wanted in frames:
            return position if wanted == position else wanted
        if position.phase == DETECTED:
            # Offered in both modes: keep it if this iteration has one.
            other = self.frames(iteration, not half_steps)
            if wanted in other:
                return wanted
        return frames[0] if position.phase == E_STEP else frames[-1]

    def seek_position(self, iteration: int, half_steps: bool) -> Position:
        """Where a seek to ``iteration`` lands: the state after that iteration (its
        ``"M"`` half with half-steps, where its re-placements are), on a kept one."""
        iteration = min(max(int(iteration), 0), max(self.last_iteration, 0))
        if self._kept:
            iteration = self.nearest_kept(iteration)
        return self.frames(iteration, half_steps)[-1]

    def next_position(self, position: Position, half_steps: bool) -> Position:
        """One frame forward over the kept iterations.

        Beyond the last iteration: the first frame of ``last_iteration + 1``, which
        needs an EM step (after the step, ask :meth:`frames` for its real first frame).
        """
        iteration = int(position.iteration)
        frames = self.frames(iteration, half_steps)
        if position in frames and frames.index(position) < len(frames) - 1:
            return frames[frames.index(position) + 1]
        if iteration >= self.last_iteration:
            return iteration_frames(iteration + 1, half_steps)[0]
        return self.frames(self.next_kept(iteration), half_steps)[0]

    def previous_position(self, position: Position, half_steps: bool) -> Position | None:
        """One frame back over the kept iterations, or None at the start."""
        iteration = int(position.iteration)
        frames = self.frames(iteration, half_steps)
        if position in frames and frames.index(position) > 0:
            return frames[frames.index(position) - 1]
        target = self.previous_kept(iteration)
        if target is None:
            return None
        return self.frames(target, half_steps)[-1]

    # ------------------------------------------------------------------ writing
    def clear(self):
        """Forget the run (the budget and keep_recent stay)."""
        self._n = 0  # iterations recorded: last_iteration + 1
        # Growing arrays (new ones here, so a long run's capacity is not kept): the curve
        # is read every frame, and rebuilding it from snapshots cost O(iterations).
        self._values = np.empty((64, 2))  # total and mean log-likelihood per iteration
        self._order = np.empty(64, dtype=np.int64)  # kept iterations, sorted
        # iteration -> snapshot in its stored form (see stored_snapshot: no object the garbage
        # collector tracks), in increasing order (dicts keep order)
        self._kept = {}
        self._bytes = 0
        # Event iterations (recorded, kept or not), sorted: an event's position in it is
        # its ordinal, so that events, when they must be thinned, are thinned evenly too.
        # A growing array (8 bytes per event), since a "flag" rule may fire every iteration.
        self._event_iterations = np.empty(16, dtype=np.int64)
        self._n_events = 0
        self._recoveries = []
        self._user_edits = []  # iterations changed by hand: never thinned
        self._converged_at = None
        self._plain_stride = 1  # old plain iterations kept: multiples of this
        self._event_stride = 1  # old event iterations kept: ordinals multiple of this
        self._recent = self._keep_recent  # shrinks only if the newest alone overflow

    def append(self, snapshot):
        """Add the next iteration's snapshot (its labels are dropped); thin if over budget."""
        expected = self._n
        if int(snapshot.iteration) != expected:
            raise ValueError(f"history expects iteration {expected}; got {snapshot.iteration}.")
        self._record(snapshot)
        # The iteration that just left the newest window is thinned now if the stride
        # says so: O(1) here, so appending stays cheap between thinning passes.
        leaving = self._n - self._recent - 1
        if leaving > 0 and leaving in self._kept and not self._keeps(leaving):
            self._drop_near_end(leaving)
        if self.nbytes > self._budget:
            self._fit_budget()

    def extend(self, snapshots, curve=None):
        """Add snapshots after the last one: consecutive, or the kept ones of a thinned run.

        Parameters
        ----------
        snapshots : iterable of Snapshot
            Strictly increasing iterations after :attr:`last_iteration` (starting at 0 in
            an empty history). Missing iterations are recorded as thinned.
        curve : History, optional
            The run's whole curve (``log_likelihood`` and ``mean_log_likelihood`` indexed
            by iteration), used for the missing iterations; without it their curve values
            are NaN (unknown).

        Raises
        ------
        ValueError
            When the iterations are out of order; nothing is added then.
        """
        snapshots = list(snapshots)
        previous = self.last_iteration
        for snapshot in snapshots:
            if int(snapshot.iteration) <= previous:
                raise ValueError(f"history expects iterations after {previous}; got "
                                 f"{snapshot.iteration}.")
            previous = int(snapshot.iteration)
        if not snapshots:
            return
        if self._n == 0 and int(snapshots[0].iteration) != 0:
            raise ValueError(f"a history starts at iteration 0; got {snapshots[0].iteration}.")
        for snapshot in snapshots:
            start = self._n
            self._n = int(snapshot.iteration)
            self._grow_curve(self._n + 1)
            self._values[start:self._n] = _curve_values(curve, start, self._n)
            self._record(snapshot)
        self._sweep()
        if self.nbytes > self._budget:
            self._fit_budget()

    def truncate(self, iteration: int) -> int:
        """Keep iterations ``0 .. iteration``; returns how many later ones were dropped.

        Kept iterations up to ``iteration`` stay kept and thinned ones stay thinned.

        Raises
        ------
        ThinnedIterationError
            When ``iteration`` itself was thinned (the newest iteration must be kept).
        """
        iteration = int(iteration)
        dropped = max(0, self._n - (iteration + 1))
        if not dropped:
            return 0
        if iteration < 0:
            self.clear()
            return dropped
        if iteration >= 0 and iteration not in self._kept:
            self[iteration]  # raises ThinnedIterationError with its message
        n_kept = int(np.searchsorted(self._order[:len(self._kept)], iteration, side="right"))
        for later in self._order[n_kept:len(self._kept)].tolist():
            self._forget(later)
        self._n_events = int(np.searchsorted(self._event_iterations[:self._n_events],
                                             iteration, side="right"))
        self._recoveries = [r for r in self._recoveries if r <= iteration]
        self._user_edits = [u for u in self._user_edits if u <= iteration]
        if self._converged_at is not None and self._converged_at > iteration:
            self._converged_at = None
        self._n = iteration + 1
        return dropped

    def replace_last(self, snapshot):
        """Put ``snapshot`` in place of the newest iteration's (a state changed by hand).

        Its curve value, recoveries, convergence and user edits replace the old ones.

        Raises
        ------
        ValueError
            When ``snapshot`` is not of the newest iteration.
        """
        last = self.last_iteration
        if last < 0 or int(snapshot.iteration) != last:
            raise ValueError(f"replace_last expects iteration {last}; got "
                             f"{snapshot.iteration}.")
        # The newest iteration is always kept (the newest window is at least 1 long).
        self._forget(last)
        if self._n_events and self._event_iterations[self._n_events - 1] == last:
            self._n_events -= 1
        if self._recoveries and self._recoveries[-1] == last:
            self._recoveries.pop()
        if self._user_edits and self._user_edits[-1] == last:
            self._user_edits.pop()
        if self._converged_at == last:
            self._converged_at = None
        self._n = last
        self._record(snapshot)
        if self.nbytes > self._budget:
            self._fit_budget()

    # ------------------------------------------------------------------ internals
    def _record(self, snapshot):
        """Store ``snapshot`` as iteration ``self._n`` (kept for now) and its curve value."""
        iteration = int(snapshot.iteration)
        kept = snapshot.without_labels() if snapshot.labels is not None else snapshot
        self._grow_curve(iteration + 1)
        self._values[iteration] = (snapshot.log_likelihood, snapshot.mean_log_likelihood)
        if snapshot.recovered_components:
            self._recoveries.append(iteration)
        if getattr(snapshot, "user_edits", ()):
            self._user_edits.append(iteration)
        first_convergence = snapshot.converged and self._converged_at is None
        if first_convergence:
            self._converged_at = iteration
        if is_event(snapshot) or first_convergence:
            if self._n_events == len(self._event_iterations):
                self._event_iterations = np.concatenate(
                    [self._event_iterations, np.empty_like(self._event_iterations)])
            self._event_iterations[self._n_events] = iteration
            self._n_events += 1
        if len(self._kept) == len(self._order):
            self._order = np.concatenate([self._order, np.empty_like(self._order)])
        self._order[len(self._kept)] = iteration
        self._kept[iteration] = stored(kept)
        self._bytes += snapshot_nbytes(kept)
        self._n = iteration + 1

    def _forget(self, iteration: int):
        """Drop a kept iteration's snapshot (its place in the sorted index is the caller's)."""
        self._bytes -= snapshot_nbytes(restored(self._kept.pop(iteration)))

    def _grow_curve(self, n: int):
        if n > len(self._values):
            grown = np.empty((max(n, 2 * len(self._values)), 2))
            grown[:len(self._values)] = self._values
            self._values = grown

    def _is_user_edit(self, iteration: int) -> bool:
        edits = self._user_edits
        at = int(np.searchsorted(edits, iteration)) if edits else 0
        return at < len(edits) and edits[at] == iteration

    def _event_ordinal(self, iteration: int) -> int | None:
        """Position of ``iteration`` among the event iterations, or None for a plain one."""
        events = self._event_iterations[:self._n_events]
        at = int(np.searchsorted(events, iteration))
        return at if at < len(events) and events[at] == iteration else None

    def _keeps(self, iteration: int) -> bool:
        """Whether an iteration older than the newest window stays under the strides."""
        if iteration == 0 or self._is_user_edit(iteration):
            return True
        ordinal = self._event_ordinal(iteration)
        if ordinal is not None:
            return ordinal % self._event_stride == 0
        return iteration % self._plain_stride == 0

    def _drop_near_end(self, iteration: int):
        """Drop a kept iteration that is among the newest ones (a short shift of the index)."""
        n_kept = len(self._kept)
        order = self._order
        at = int(np.searchsorted(order[:n_kept], iteration))
        order[at:n_kept - 1] = order[at + 1:n_kept]
        self._forget(iteration)

    def _sweep(self) -> tuple:
        """Drop every old iteration the strides no longer keep; compact the sorted index.

        Vectorised over the index; only the dropped snapshots cost Python work.

        Returns
        -------
        (int, int)
            How many old plain and old event iterations (not 0) stay kept.
        """
        self.sweeps += 1
        n_kept = len(self._kept)
        order = self._order[:n_kept]
        events = self._event_iterations[:self._n_events]
        old = (order < self._n - self._recent) & (order != 0)
        at = np.searchsorted(events, order)
        event = np.zeros(n_kept, dtype=bool)
        inside = at < len(events)
        event[inside] = events[at[inside]] == order[inside]
        keep = np.where(event, at % self._event_stride == 0,
                        order % self._plain_stride == 0) | ~old
        if self._user_edits:
            keep |= np.isin(order, self._user_edits)
            old &= ~np.isin(order, self._user_edits)  # never thinned: not counted
        for iteration in order[~keep].tolist():
            self._forget(iteration)
        kept = order[keep]
        self._order[:len(kept)] = kept
        return int(np.count_nonzero(old[keep] & ~event[keep])), int(
            np.count_nonzero(old[keep] & event[keep]))

    def _fit_budget(self):
        """Thin until the kept snapshots fit the budget (plain first, then events).

        Each pass doubles a stride, which drops about half of that class's old kept
        iterations, so a pass (O(kept)) happens after about as many appends as it dropped.
        """
        plain, events = self._sweep()
        while self.nbytes > self._budget:
            if plain:
                self._plain_stride *= 2
            elif events:
                self._event_stride *= 2
            elif self._recent > 1:
                self._recent = max(1, self._recent // 2)
            else:
                return  # iteration 0 and the newest alone exceed the budget
            plain, events = self._sweep()


def _curve_values(curve, start: int, stop: int) -> np.ndarray:
    """Curve values of iterations ``start .. stop - 1`` from ``curve``, NaN if unknown."""
    values = np.full((stop - start, 2), np.nan)
    if curve is None:
        return values
    for column, name in enumerate(("log_likelihood", "mean_log_likelihood")):
        known = np.asarray(getattr(curve, name), dtype=np.float64)[start:stop]
        values[:len(known), column] = known
    return values
