"""The start race: N starts of one data set and one model, stepped side by side.

:class:`StartRace` holds one :class:`~gmm_viz.run.session.RunSession` per start, all with
the same data and settings except the seed, and steps them in turn, one EM iteration each
per :meth:`~StartRace.step_round`. Every start keeps its whole history, so a start can be
opened in the main window to scrub and continue (:meth:`~StartRace.history`). A start's
run is exactly the run a single session with that seed makes (the tests check it).

:meth:`StartRace.state` is the frozen picture the views draw: each start's newest
snapshot (with labels) and log-likelihood curve, the best so far, and the starts grouped
by the optimum they ended in (:mod:`gmm_viz.selection.optima`). Plain Python, no Qt and
no thread: the window runs it in a :class:`~gmm_viz.selection.background.BackgroundJob`,
the ``starts`` command directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_viz.limits import MAX_SEED
from gmm_viz.selection.optima import (
    DEFAULT_TOLERANCE,
    OptimumTolerance,
    data_scale,
    format_log_likelihood,
    group_optima,
    groups_text,
)

__all__ = ["DEFAULT_STARTS", "MAX_STARTS", "RaceState", "StartOutcome", "StartRace",
           "StartView", "start_seeds"]

#: Starts the view runs unless asked otherwise, and the most it runs.
DEFAULT_STARTS = 8
MAX_STARTS = 25


def start_seeds(first_seed: int, n_starts: int) -> tuple:
    """Seeds ``first_seed, first_seed + 1, ...`` (wrapping within the app's seeds).

    Start 1 is then the run the window shows with ``first_seed``, and ``first_seed = 0``
    gives the seeds the "best of N starts" remedy tries (0 .. N - 1).

    Raises
    ------
    ValueError
        When ``n_starts`` is outside 1 .. :data:`MAX_STARTS`.
    """
    if not 1 <= int(n_starts) <= MAX_STARTS:
        raise ValueError(f"the number of starts must be from 1 to {MAX_STARTS}; got {n_starts}.")
    return tuple((int(first_seed) + i) % (MAX_SEED + 1) for i in range(int(n_starts)))


@dataclass(frozen=True)
class StartOutcome:
    """How one start ended (or stands, while it runs).

    Attributes
    ----------
    index : int
        Position in the race (0-based).
    seed : int
    log_likelihood, mean_log_likelihood : float
        Of the newest iteration.
    iterations : int
        EM iterations done.
    converged : bool
    finished : bool
        Converged, reached the iteration limit, or failed.
    events : tuple of SingularityEvent
        Every singularity event of the run.
    error : str
        Why the start stopped early ("" when it did not fail).
    """

    index: int
    seed: int
    log_likelihood: float
    mean_log_likelihood: float
    iterations: int
    converged: bool
    finished: bool
    events: tuple
    error: str = ""


@dataclass(frozen=True)
class StartView:
    """What a small canvas shows of one start.

    Attributes
    ----------
    outcome : StartOutcome
    snapshot : Snapshot
        The newest state, with its labels.
    curve : ndarray of shape (iterations + 1,)
        Total log-likelihood of every iteration.
    group : int
        Index of its optimum in :attr:`RaceState.groups` (-1 while it runs).
    """

    outcome: StartOutcome
    snapshot: object
    curve: np.ndarray
    group: int = -1


@dataclass(frozen=True)
class RaceState:
    """The race at one moment, for the views (frozen; arrays are copies).

    Attributes
    ----------
    starts : tuple of StartView
    best : int
        Index of the start with the highest log-likelihood so far.
    groups : tuple of tuple of int
        The finished starts grouped by optimum, best optimum first.
    finished : bool
        Every start finished.
    iterations : int
        EM iterations done by all starts together.
    """

    starts: tuple
    best: int
    groups: tuple
    finished: bool
    iterations: int

    @property
    def n_running(self) -> int:
        return sum(not s.outcome.finished for s in self.starts)

    def summary(self) -> str:
        """The race in words: the optima reached, the starts still running, the best.

        Examples: ``"5 of 8 reached −2931.4; 2 trapped at −3131.9; 1 at −3061.7"``,
        ``"3 of 8 still running. Best so far: start 2 (seed 1), −2931.4"``.
        """
        n = len(self.starts)
        values = [s.outcome.log_likelihood for s in self.starts]
        parts = []
        if self.groups:
            parts.append(groups_text(self.groups, values, n))
        if not self.finished:
            parts.append(f"{self.n_running} of {n} still running")
        best = self.starts[self.best].outcome
        failed = [s.outcome for s in self.starts if s.outcome.error]
        text = "; ".join(parts)
        text += (f". Best {'so far' if not self.finished else 'start'}: start "
                 f"{best.index + 1} (seed {best.seed}), "
                 f"{format_log_likelihood(best.log_likelihood)}")
        if failed:
            text += f". {len(failed)} failed: {failed[0].error}"
        return text


class StartRace:
    """N starts of one model on one data set, differing only in their seeds.

    Parameters
    ----------
    dataset : Dataset
    config : EMConfig
        The settings of every start; its seed is replaced by each start's.
    seeds : sequence of int
        One seed per start (see :func:`start_seeds`), 1 to :data:`MAX_STARTS`.
    max_iterations : int, optional
        Iterations after which a start stops (default ``config.max_iter``).
    tolerance : OptimumTolerance, optional
        What counts as the same optimum.

    Raises
    ------
    ConfigError, DataError, ValueError
        The data or the settings cannot be fitted (as a single run would raise).
    """

    def __init__(self, dataset, config, seeds, max_iterations=None,
                 tolerance: OptimumTolerance = DEFAULT_TOLERANCE):
        from gmm_viz.run.session import RunSession

        seeds = tuple(int(s) for s in seeds)
        if not 1 <= len(seeds) <= MAX_STARTS:
            raise ValueError(f"the number of starts must be from 1 to {MAX_STARTS}; got "
                             f"{len(seeds)}.")
        self.dataset = dataset
        self.config = config
        self.seeds = seeds
        self.max_iterations = config.max_iter if max_iterations is None else int(max_iterations)
        self.tolerance = tolerance
        self._scale = data_scale(dataset.X)
        self._sessions = [RunSession(dataset, self.config_of(i)) for i in range(len(seeds))]
        self._errors = [""] * len(seeds)
        self._events = [[] for _ in seeds]  # every start's singularity events, in order
        self._iterations = 0

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self.seeds)

    def config_of(self, index: int):
        """The configuration of start ``index`` (the race's, with its seed)."""
        return self.config.with_changes(random_state=self.seeds[index])

    def is_finished(self, index: int) -> bool:
        """Start ``index`` converged, reached the iteration limit, or failed."""
        engine = self._sessions[index].engine
        return bool(self._errors[index] or engine.finished
                    or engine.iteration >= self.max_iterations)

    @property
    def finished(self) -> bool:
        """Every start finished."""
        return all(self.is_finished(i) for i in range(len(self)))

    @property
    def iterations(self) -> int:
        """EM iterations done by all starts together."""
        return self._iterations

    def history(self, index: int) -> tuple:
        """Every kept iteration of start ``index`` (iteration 0 first, without labels),
        to install in the window (:class:`~gmm_viz.run.session.RunRequest`'s ``history``).

        Call it from the thread that steps the race (or once the race is over)."""
        return self._sessions[index].history.snapshots

    def outcome(self, index: int) -> StartOutcome:
        """How start ``index`` stands now."""
        session = self._sessions[index]
        snapshot = session.engine.snapshot
        return StartOutcome(
            index=index, seed=self.seeds[index],
            log_likelihood=float(snapshot.log_likelihood),
            mean_log_likelihood=float(snapshot.mean_log_likelihood),
            iterations=int(snapshot.iteration), converged=bool(snapshot.converged),
            finished=self.is_finished(index),
            events=tuple(self._events[index]),
            error=self._errors[index],
        )

    def outcomes(self) -> tuple:
        """:meth:`outcome` of every start."""
        return tuple(self.outcome(i) for i in range(len(self)))

    def best_index(self) -> int:
        """The start with the highest log-likelihood now (the first of equals)."""
        # The mean per point, as the "best of N starts" remedy compares (same ties).
        values = [self._sessions[i].engine.snapshot.mean_log_likelihood
                  for i in range(len(self))]
        values = [v if np.isfinite(v) else -np.inf for v in values]
        return int(np.argmax(values))

    def groups(self) -> tuple:
        """The finished starts grouped by optimum (indices into the race), best first."""
        done = [i for i in range(len(self)) if self.is_finished(i) and not self._errors[i]]
        states = [self._sessions[i].engine.snapshot for i in done]
        return tuple(tuple(done[j] for j in group)
                     for group in group_optima(states, self._scale, self.tolerance))

    def state(self) -> RaceState:
        """The frozen picture of the race now (see :class:`RaceState`)."""
        groups = self.groups()
        group_of = {i: g for g, members in enumerate(groups) for i in members}
        starts = []
        for i, session in enumerate(self._sessions):
            curve = session.engine.log_likelihood_history[:, 0]
            curve.setflags(write=False)
            starts.append(StartView(self.outcome(i), session.engine.snapshot, curve,
                                    group_of.get(i, -1)))
        return RaceState(tuple(starts), self.best_index(), groups, self.finished,
                         self._iterations)

    # ------------------------------------------------------------------ stepping
    def step_round(self) -> int:
        """One EM iteration of every start that has not finished, in turn.

        A start whose step fails stops with the reason (:attr:`StartOutcome.error`); the
        others go on.

        Returns
        -------
        int
            How many starts stepped.
        """
        from gmm_viz.run.session import SessionError

        stepped = 0
        for i, session in enumerate(self._sessions):
            if self.is_finished(i):
                continue
            try:
                # Exactly one EM iteration (advance() may only move the position shown,
                # e.g. onto a half of the iteration).
                session.run_to_end(session.iteration + 1)
            except SessionError as exc:
                self._errors[i] = str(exc)
                continue
            self._events[i].extend(session.engine.snapshot.events)
            stepped += 1
        self._iterations += stepped
        return stepped

    def run(self, cancel=None) -> tuple:
        """Step every start to its end; returns :meth:`outcomes`.

        Parameters
        ----------
        cancel : callable, optional
            Asked between rounds; True stops the race where it is.
        """
        while not self.finished:
            if cancel is not None and cancel():
                break
            self.step_round()
        return self.outcomes()
