"""A run session: one run of EM on one data set, and where a person is looking in it.

Plain Python (no Qt). A :class:`RunSession` holds the data, the configuration, the engine
and the run's :class:`~gmm_viz.run.history.RunHistory`, with the operations a person has:
step forward or back (by iterations, or by half-steps), seek to an iteration, play on from
the past (which drops the later history), reset, change live settings, and build the state
to show now (:meth:`RunSession.frame`: the snapshot with the labels or soft colours of that
state, and the singularity events since the last look).

The window's worker thread (:mod:`gmm_viz.gui.worker`) drives one session between its
timer ticks; the headless ``fit`` and ``render`` commands and the tests drive it directly.
Nothing here waits on anything or knows about threads: a failure that the person must be
told about is a :class:`SessionError`, and the session stays usable.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from gmm_viz.engine.snapshot import identical_components
from gmm_viz.run.history import (
    DETECTED,
    FULL,
    M_STEP,
    History,
    Position,
    RunHistory,
    check_history,
    convert_position,
    start_position,
)

__all__ = ["Frame", "RunAccess", "RunInfo", "RunRefused", "RunRequest", "RunSession",
           "SessionError", "check_drawable", "open_run"]

#: Past iterations whose labels a session keeps (each is one small int per point).
LABELS_CACHED = 8


class SessionError(Exception):
    """A failure to tell the person about; the session is unchanged and stays usable.

    Attributes
    ----------
    pause : bool
        Whether playing should stop (a failed step or frame), or the run may go on (a
        setting that could not be applied).
    """

    def __init__(self, message: str, pause: bool = True):
        super().__init__(message)
        self.pause = pause


class RunRefused(Exception):
    """A run that cannot start (bad data or configuration); the message says why."""


@dataclass(frozen=True)
class RunRequest:
    """What a face asks for when it wants a new run.

    Attributes
    ----------
    token : int
        Increasing number chosen by the requester; failures and starts refer to it.
    config : EMConfig
        The validated configuration of the run.
    dataset : Dataset or None
        The data to fit, when already in memory (e.g. the current data with a new k).
    make_dataset : callable or None
        Builds the data (named data sets, CSV files), used when ``dataset`` is None; the
        worker calls it in its own thread. It may raise :class:`gmm_viz.data.DataError`.
    history : tuple of Snapshot or None
        A saved run to install (iteration 0 first): the session starts at its last
        iteration and playing continues from there.
    curve : object or None
        The saved run's whole log-likelihood curve when its history was thinned
        (``log_likelihood`` and ``mean_log_likelihood`` indexed by iteration).
    """

    token: int
    config: object
    dataset: object = None
    make_dataset: Callable | None = None
    history: tuple | None = None
    curve: object = None


@dataclass(frozen=True)
class RunInfo:
    """A run that started: the data and config it fits.

    Attributes
    ----------
    run_id : int
        Increases with every successful start (not with reset).
    token : int
        The :class:`RunRequest` token it answers.
    dataset : Dataset
    config : EMConfig
        The configuration the run started with (live updates do not change it).
    """

    run_id: int
    token: int
    dataset: object
    config: object


@dataclass(frozen=True)
class Frame:
    """Everything the views need to show one state of the run.

    Attributes
    ----------
    run : RunInfo
        The run this frame belongs to; a new ``run.run_id`` means new data or a restart.
    snapshot : Snapshot
        The parameters drawn (frozen arrays), with the labels that colour the points
        (None at the ``"start"`` half-step: no responsibilities yet, points uncoloured).
        ``snapshot.iteration`` is the iteration of those parameters: ``iteration - 1`` at
        an E-step, else ``iteration``. At ``"detected"`` it is the iteration's
        ``Snapshot.detected`` (the M-step's state before the re-placement).
    point_colors : ndarray of shape (n_samples, 3) of uint8, or None
        Soft colours blended from the responsibilities, or None for hard colours from
        ``snapshot.labels``.
    history : History
    events : tuple of SingularityEvent
        Events since the previous frame (so none is lost when frames are skipped), each
        given once the position shown has reached the state that has it (the re-placed
        one, not the detected one before it). News for a message, not what to draw:
        draw :attr:`replacements`.
    config : EMConfig
        The engine's current configuration (including live changes).
    finished : bool
        Converged or reached ``max_iter``.
    playing : bool
        Whether the run was playing when the frame was built.
    phase : {"full", "start", "E", "detected", "M"}
        Which frame of iteration :attr:`iteration` is shown (see
        :mod:`gmm_viz.run.history`).
    last_iteration : int
        The newest iteration of the run; :attr:`iteration` is smaller while the user
        looks at the past.
    iteration : int
        The EM iteration shown: the ``t`` of "iteration t · E-step" (the timeline's and
        the status bar's number). Equal to ``snapshot.iteration`` except at ``"E"``.
    replacements : tuple of SingularityEvent
        Exactly the re-placements of the state shown: the iteration's recovered events at
        its re-placed frame (``"M"``, or ``"full"``), ``()`` at every other frame, playing
        or looking back. Each has ``component``, ``old_mean`` (where the component was:
        its mean in the detected frame) and ``new_mean`` (where it went: its mean in
        ``snapshot``), in data coordinates; draw the markers from these alone.
    detections : tuple of SingularityEvent
        At ``"detected"``: the components the rule caught in this state (``component``,
        ``rule``, ``reason``, ``value``, ``threshold``; ``old_mean`` is their mean here,
        ``new_mean`` where the next frame puts them). ``()`` at every other frame.
    agreement : str
        How the fit's labels of the state shown agree with the data's true labels
        (:func:`gmm_viz.run.agreement.agreement_text`, the adjusted Rand index); ``""``
        when the data has no true labels or the state has no labels yet.
    identical_components : tuple of tuple of int
        Groups of components of ``snapshot`` with identical weight, mean and covariance
        (:func:`gmm_viz.engine.snapshot.identical_components`); ``()`` when all differ.
        Identical components are drawn on top of each other: draw each group as one.
    """

    run: RunInfo
    snapshot: object
    point_colors: np.ndarray | None
    history: History
    events: tuple = field(default_factory=tuple)
    config: object = None
    finished: bool = False
    playing: bool = False
    phase: str = FULL
    last_iteration: int = 0
    iteration: int | None = None
    replacements: tuple = field(default_factory=tuple)
    detections: tuple = field(default_factory=tuple)
    identical_components: tuple = field(default_factory=tuple)
    agreement: str = ""

    def __post_init__(self):
        if self.iteration is None:  # a frame built by hand: the parameters' iteration
            object.__setattr__(self, "iteration", int(self.snapshot.iteration))

    @property
    def in_past(self) -> bool:
        """True when an earlier iteration than the newest one is shown."""
        return int(self.iteration) < self.last_iteration


@dataclass(frozen=True)
class RunAccess:
    """What a job may read of a run (an export, a saved file), between two EM steps.

    Attributes
    ----------
    engine : EMEngine or None
    run : RunInfo or None
    run_history : RunHistory
        The session's own history, live: a job must only read it. :attr:`history`,
        :attr:`curve` and :meth:`snapshot` read it for the job, so a job pays only for
        what it uses.
    """

    engine: object
    run: object
    run_history: RunHistory

    @property
    def history(self) -> tuple:
        """The kept iterations, without labels, in order (every iteration unless a long
        run was thinned to its memory budget: look iterations up with :meth:`snapshot`,
        not by position)."""
        return self.run_history.snapshots

    @property
    def curve(self) -> History:
        """The whole log-likelihood curve (every iteration, thinned or not)."""
        return self.run_history.curve()

    def snapshot(self, iteration: int):
        """The snapshot of iteration ``iteration``.

        Raises
        ------
        ValueError
            When the run has no such iteration, or it was thinned (the message names the
            nearest kept one).
        """
        try:
            return self.run_history[iteration]
        except (IndexError, KeyError) as exc:  # (ThinnedIterationError is a KeyError)
            raise ValueError(str(exc)) from None


#: What a job reads when no run has started yet.
NO_RUN = RunAccess(None, None, RunHistory())


def check_drawable(dataset):
    """``dataset`` if the views can show it; else a DataError saying why.

    Checked before a run replaces the current one, so data that cannot be drawn never
    costs the user the run on screen and its history. (The point and column limits are
    the Dataset's own: every Dataset holds at most MAX_POINTS x MAX_FEATURES.)
    """
    from gmm_viz.data import DataError

    if dataset.X.shape[1] < 2:
        name = getattr(dataset, "name", None) or "the data"
        raise DataError(f"{name}: has only one usable numeric column; the app needs at "
                        "least two to draw the points.")
    return dataset


def open_run(request: RunRequest, run_id: int, *, half_steps: bool = False,
             soft_colours: bool = False, truth_colours: bool = False) -> RunSession:
    """The session a request asks for: its data built and checked, its history installed.

    Parameters
    ----------
    request : RunRequest
    run_id : int
        The new run's :attr:`RunInfo.run_id`.
    half_steps, soft_colours, truth_colours : bool
        How the session shows its states (see :class:`RunSession`).

    Raises
    ------
    RunRefused
        Bad data, a bad config, a saved history that does not fit, or no memory: the
        message says why, and nothing of a previous session changed.
    """
    from gmm_viz.data import DataError
    from gmm_viz.engine import ConfigError

    try:
        dataset = request.dataset
        if dataset is None:
            dataset = request.make_dataset()
        check_drawable(dataset)
        session = RunSession(dataset, request.config, history=request.history or (),
                             curve=request.curve, half_steps=half_steps,
                             soft_colours=soft_colours, run_id=run_id, token=request.token)
        session.set_truth_colours(truth_colours)
        return session
    except (ConfigError, DataError, ValueError) as exc:
        raise RunRefused(str(exc)) from None
    except MemoryError:
        raise RunRefused("Not enough memory for this data set.") from None
    except Exception as exc:  # noqa: BLE001 - any failure must reach the user
        traceback.print_exc()
        raise RunRefused(f"Could not start the run: {exc}") from None


class RunSession:
    """One run: data, configuration, engine and history, and the position shown.

    Parameters
    ----------
    dataset : Dataset
        The data (``dataset.X`` of shape (n_samples, n_features)).
    config : EMConfig
    history : sequence of Snapshot, optional
        A saved run to install (iteration 0 first); the session starts at its last
        iteration and the engine continues from there.
    curve : object, optional
        The whole log-likelihood curve of a thinned saved ``history``.
    half_steps : bool
        Show each iteration as two states, after its E-step and after its M-step.
    soft_colours : bool
        Colour points by blending their responsibilities instead of by their labels.
    run_id, token : int
        The identity of the run (see :class:`RunInfo`).

    Raises
    ------
    ConfigError, DataError, ValueError
        When the engine cannot start on these data, or ``history`` does not fit them.
    """

    def __init__(self, dataset, config, *, history=(), curve=None, half_steps=False,
                 soft_colours=False, run_id=0, token=0):
        from gmm_viz.engine import EMEngine

        engine = EMEngine(dataset.X, config)
        saved = check_history(history or (), dataset.X.shape[1], config.n_components)
        if saved:
            engine.restore(saved[-1])
        self.engine = engine
        self.run = RunInfo(run_id, token, dataset, engine.config)
        #: Every iteration (thinned evenly beyond its memory budget), without labels.
        self.history = RunHistory()
        self.half_steps = bool(half_steps)
        self.soft_colours = bool(soft_colours)
        #: Colour the points by the data's true labels (when it has them).
        self.truth_colours = False
        self._agreement_cache = {}  # labels iteration -> agreement text
        #: ``time.monotonic()`` when the latest EM step began (pause latency checks).
        self.last_step_started = 0.0
        self._labels_cache = {}
        self._unsent_events = []
        self._soft_failure_reported = False  # said once until the mode or the run changes
        self._warnings = []
        self._position = start_position(self.half_steps)
        self._shown_position = None  # of the last frame built (None before the first)
        if saved:
            self.history.extend(saved, curve=curve)
            self._position = self.history.seek_position(int(saved[-1].iteration),
                                                        self.half_steps)
        else:
            self._record(engine.snapshot)

    # ------------------------------------------------------------------ reading
    @property
    def dataset(self):
        return self.run.dataset

    @property
    def config(self):
        """The engine's current configuration (with live changes)."""
        return self.engine.config

    @property
    def iteration(self) -> int:
        """The newest iteration computed (the engine's)."""
        return int(self.engine.iteration)

    @property
    def position(self) -> Position:
        """What is shown: an iteration, and with half-steps which half of it."""
        return self._position

    @property
    def in_past(self) -> bool:
        """True when the position is before the newest iteration."""
        return self._position.iteration < self.history.last_iteration

    @property
    def at_end(self) -> bool:
        """True when there is nothing more to show: EM finished (converged or reached
        ``max_iter``) and the next position would need a new iteration."""
        return bool(self.engine.finished) and self._needs_step(self._next())

    def access(self) -> RunAccess:
        """What a job may read of this run (see :class:`RunAccess`)."""
        return RunAccess(self.engine, self.run, self.history)

    def take_warnings(self) -> list:
        """Messages for the person that did not stop anything (e.g. soft colours that
        could not be blended); each is returned once."""
        warnings, self._warnings = self._warnings, []
        return warnings

    # ------------------------------------------------------------------ moving
    def advance(self):
        """Show the next (half-)iteration: from the history, or by an EM step at its end.

        Raises
        ------
        SessionError
            The EM step failed; the position is unchanged.
        """
        position = self._next()
        if self._needs_step(position):
            self._step_engine()
            # Only now is it known whether the new iteration has a detected state.
            position = self.history.frames(position.iteration, self.half_steps)[0]
        self._position = position

    def step_back(self):
        """Show the previous (half-)iteration; at iteration 0 nothing changes."""
        previous = self.history.previous_position(self._position, self.half_steps)
        if previous is not None:
            self._position = previous

    def seek(self, iteration: int):
        """Show the state after iteration ``iteration``: with half-steps its M-step, where
        its re-placements are (clipped to the run; a thinned iteration shows the nearest
        kept one, see :meth:`~gmm_viz.run.history.RunHistory.seek_position`)."""
        self._position = self.history.seek_position(iteration, self.half_steps)

    def resume(self) -> int:
        """Continue the run from the iteration shown: drop the later history.

        Returns
        -------
        int
            How many later iterations were dropped (0 when the newest one is shown).

        Raises
        ------
        SessionError
            The engine could not be put back to the iteration shown; nothing changed.
        """
        if not self.in_past:
            return 0
        iteration = self._position.iteration
        try:
            self.engine.restore(self.history[iteration])
        except Exception as exc:  # noqa: BLE001 - the app keeps running
            traceback.print_exc()
            raise SessionError(f"Could not resume from iteration {iteration}: {exc}") from None
        dropped = self.history.truncate(iteration)
        self._labels_cache = {i: v for i, v in self._labels_cache.items() if i <= iteration}
        self._unsent_events = [e for e in self._unsent_events if e.iteration <= iteration]
        return dropped

    def reset(self):
        """Start the run again from its initialisation (same data and config).

        Raises
        ------
        SessionError
        """
        try:
            snapshot = self.engine.reset()
        except Exception as exc:  # noqa: BLE001
            raise SessionError(f"Reset failed: {exc}") from None
        self.history.clear()
        self._labels_cache.clear()
        self._position = start_position(self.half_steps)
        self._shown_position = None
        self._soft_failure_reported = False
        self._unsent_events.clear()
        self._record(snapshot)

    def update_settings(self, config):
        """Apply the live settings of ``config`` without restarting.

        A config that would restart the run (its restart request failed or is still on
        its way) has only its live part applied.

        Raises
        ------
        SessionError
            With ``pause=False``: the run goes on with its previous settings.
        """
        from gmm_viz.engine.config import LIVE_SETTINGS

        try:
            if self.engine.config.restarts_run(config):
                live = {name: getattr(config, name) for name in LIVE_SETTINGS}
                config = self.engine.config.with_changes(**live)
            self.engine.update_settings(config)
        except Exception as exc:  # noqa: BLE001
            raise SessionError(f"Could not apply the settings: {exc}", pause=False) from None

    def set_half_steps(self, half_steps: bool):
        """Show each iteration as two states (after E, after M), or as one."""
        self.half_steps = bool(half_steps)
        self._position = self.history.clamp(convert_position(self._position,
                                                             self.half_steps),
                                            self.half_steps)

    def set_soft_colours(self, soft: bool):
        """Blend the responsibilities into the points' colours, or use their labels."""
        self.soft_colours = bool(soft)
        self._soft_failure_reported = False

    def set_truth_colours(self, truth: bool):
        """Colour the points by the data's true labels (matched to the components'
        colours), when it has them; else as before."""
        self.truth_colours = bool(truth)

    def run_to_end(self, max_iterations: int | None = None) -> list:
        """Step EM until it finishes or reaches ``max_iterations`` (default the config's
        ``max_iter``), as the headless commands do.

        Returns
        -------
        list of Snapshot
            Every iteration from 0 to the last, with its labels.

        Raises
        ------
        SessionError
            An EM step failed.
        """
        limit = self.config.max_iter if max_iterations is None else max_iterations
        snapshots = [self.engine.snapshot]
        while self.engine.iteration < limit and not self.engine.finished:
            snapshots.append(self._step_engine())
        self._position = self.history.seek_position(self.history.last_iteration,
                                                    self.half_steps)
        return snapshots

    # ------------------------------------------------------------------ showing
    def frame(self, playing: bool = False) -> Frame:
        """The state to show now, with the events since the previous frame.

        Parameters
        ----------
        playing : bool
            Recorded in the frame (the views show Play or Pause from it).

        Raises
        ------
        SessionError
            The state could not be built (e.g. a damaged saved snapshot). The position
            goes back to the last one shown, which the views still show, so the session
            and the views agree and the next step or seek starts from there.
        """
        try:
            frame = self._build_frame(playing)
        except Exception as exc:  # noqa: BLE001 - e.g. a damaged snapshot in the history
            failed = self._position
            if self._shown_position is not None and self._shown_position != failed:
                self._position = self.history.clamp(
                    convert_position(self._shown_position, self.half_steps),
                    self.half_steps)
            reason = str(exc) or "no details"
            raise SessionError(
                f"Could not show iteration {failed.iteration}: {reason} "
                f"({type(exc).__name__}). Its saved parameters may be damaged; the view "
                "stays where it was.") from None
        self._shown_position = self._position
        return frame

    def labels_of(self, iteration: int) -> np.ndarray:
        """Hard labels under iteration ``iteration``'s parameters (recomputed if past).

        Returns
        -------
        ndarray of shape (n_samples,) of int, read-only
        """
        engine = self.engine
        if iteration == engine.iteration and engine.snapshot.labels is not None:
            return engine.snapshot.labels
        labels = self._labels_cache.get(iteration)
        if labels is None:
            labels = engine.labels_for(self.history[iteration])
            labels.setflags(write=False)
            if len(self._labels_cache) >= LABELS_CACHED:
                self._labels_cache.pop(next(iter(self._labels_cache)))
            self._labels_cache[iteration] = labels
        return labels

    # ------------------------------------------------------------------ internals
    def _next(self) -> Position:
        return self.history.next_position(self._position, self.half_steps)

    def _needs_step(self, position: Position) -> bool:
        """True when showing ``position`` needs an iteration not computed yet."""
        return position.iteration > self.history.last_iteration

    def _step_engine(self):
        """One EM iteration, recorded; its snapshot (with labels)."""
        self.last_step_started = time.monotonic()
        try:
            snapshot = self.engine.step()
        except Exception as exc:  # noqa: BLE001 - the app keeps running
            traceback.print_exc()
            raise SessionError(
                f"EM step failed at iteration {self.engine.iteration}: {exc}") from None
        self._record(snapshot)
        return snapshot

    def _record(self, snapshot):
        self.history.append(snapshot)
        self._unsent_events.extend(snapshot.events)

    def _shown_snapshot(self):
        """The snapshot to draw at the position, with the labels of the right iteration."""
        engine, position = self.engine, self._position
        source = position.parameters_iteration
        labels_iteration = position.labels_iteration
        if position.phase == DETECTED:
            snapshot = self.history[source].detected
        elif source == engine.iteration:
            snapshot = engine.snapshot
        else:
            snapshot = self.history[source]
        if labels_iteration is None:
            return replace(snapshot, labels=None) if snapshot.labels is not None else snapshot
        if labels_iteration == source and snapshot.labels is not None:
            return snapshot
        return replace(snapshot, labels=self.labels_of(labels_iteration))

    def _soft_colours_of(self, source: int):
        """Colours blended from the responsibilities under iteration ``source``'s
        parameters and washed out as much as each point is shared
        (:func:`~gmm_viz.palette.soft_colors`), or None (hard colours) when they cannot be
        computed (said once)."""
        from gmm_viz.palette import component_colors, soft_colors

        engine = self.engine
        try:
            resp = (engine.responsibilities() if source == engine.iteration
                    else engine.responsibilities_for(self.history[source]))
            return soft_colors(resp, component_colors(resp.shape[1]))
        except Exception as exc:  # noqa: BLE001 - fall back to hard colours, keep running
            if not self._soft_failure_reported:
                self._soft_failure_reported = True
                self._warnings.append(
                    f"Could not blend the soft colours at iteration {source}: {exc} "
                    f"({type(exc).__name__}); the points show hard colours.")
            return None

    def _reached(self, event) -> bool:
        """True once the position shown is at or after the state that has ``event``."""
        position = self._position
        return (event.iteration < position.iteration
                or (event.iteration == position.iteration
                    and position.phase in (M_STEP, FULL)))

    def _build_frame(self, playing: bool) -> Frame:
        engine = self.engine
        self._position = self.history.clamp(self._position, self.half_steps)
        position = self._position
        snapshot = self._shown_snapshot()
        source = position.labels_iteration
        dataset = self.run.dataset
        labels = getattr(dataset, "labels", None)
        if self.truth_colours and labels is not None:
            from gmm_viz.run.agreement import truth_colours

            colors = truth_colours(labels, dataset.n_classes, snapshot.labels,
                                   snapshot.n_components)
        elif self.soft_colours and source is not None:
            colors = self._soft_colours_of(source)
        else:
            colors = None
        history = self.history.curve()
        events = tuple(e for e in self._unsent_events if self._reached(e))
        if events:
            self._unsent_events = [e for e in self._unsent_events if not self._reached(e)]
        replacements = detections = ()
        if position.phase in (M_STEP, FULL):
            replacements = snapshot.replacements
        elif position.phase == DETECTED:
            detections = self.history[position.iteration].replacements
        return Frame(
            run=self.run,
            snapshot=snapshot,
            point_colors=colors,
            history=history,
            events=events,
            config=engine.config,
            finished=bool(engine.finished),
            playing=playing,
            phase=position.phase,
            last_iteration=self.history.last_iteration,
            iteration=int(position.iteration),
            replacements=replacements,
            detections=detections,
            identical_components=identical_components(snapshot),
            agreement=self._agreement_of(source, snapshot),
        )

    def _agreement_of(self, source, snapshot) -> str:
        """The agreement sentence of the labels of iteration ``source`` (cached: the
        adjusted Rand index costs ~0.2 s at a million points)."""
        dataset = self.run.dataset
        labels = getattr(dataset, "labels", None)
        if labels is None or source is None or snapshot.labels is None:
            return ""
        if source not in self._agreement_cache:
            from gmm_viz.run.agreement import adjusted_rand_index, agreement_text

            if len(self._agreement_cache) > 64:
                self._agreement_cache.clear()
            ari = adjusted_rand_index(labels, snapshot.labels)
            self._agreement_cache[source] = agreement_text(ari, dataset.label_source)
        return self._agreement_cache[source]
