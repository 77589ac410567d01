"""A run session: one run of EM on one data set, and where a person is looking in it.

Plain Python (no Qt). A :class:`RunSession` holds the data, the configuration, the engine
and the run's :class:`~gmm_viz.run.history.RunHistory`, with the operations a person has:
step forward or back (by iterations, or by half-steps), seek to an iteration, play on from
the past (which drops the later history), reset, change live settings, and build the state
to show now (:meth:`RunSession.frame`: the snapshot with the labels or soft colours of that
state, and the singularity events since the last look), and change the run by hand:

- the model (:meth:`RunSession.move_mean`, :meth:`RunSession.set_covariance`,
  :meth:`RunSession.place_means`): at iteration 0 a change is a new start (kept in the
  config's ``means_init`` / ``precisions_init``, so Reset and saved runs reproduce it);
  at a later iteration EM continues from the changed state, recorded in the history as
  a :class:`~gmm_viz.engine.snapshot.UserEdit` of that iteration;
- the data (:meth:`RunSession.add_points`, :meth:`RunSession.remove_points`,
  :meth:`RunSession.clear_points`, :meth:`RunSession.undo`, :meth:`RunSession.redo`):
  each edit makes new data and a new run on it (a new ``RunInfo.run_id``), from the
  run's start or from its current parameters.

Too few points for EM (an empty canvas, or points erased): the session *waits for
points*. It has no engine and no history; its frames have no snapshot and say, in
``Frame.waiting``, how many points EM needs (k + 1, and at least 2); drawing enough
points starts the run. Stepping or playing meanwhile does nothing but say so.

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

from gmm_viz.engine.covariance_edit import (
    CovarianceEditError,
    checked_covariance,
    covariance_for_type,
    precisions_init_for,
)
from gmm_viz.engine.snapshot import (
    MOVE_MEAN,
    SET_COVARIANCE,
    UserEdit,
    as_edit_value,
    identical_components,
)
from gmm_viz.run.data_edits import (
    DataHistory,
    checked_indices,
    checked_new_points,
    edited_data,
    is_edited,
)
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
#: A mean given by hand may be at most this many times the data's spread away from the
#: data's centre: far enough for any experiment (a component with no points at all), and
#: its squared distance stays far from overflowing floating point.
MAX_MEAN_DISTANCE = 1e12


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
    user_edits : tuple of UserEdit
        The changes made by hand to the state shown (its iteration's
        ``snapshot.user_edits``) at the frame that shows that state (``"M"`` or
        ``"full"``); ``()`` at every other frame, like :attr:`replacements`. The
        iterations of every user edit of the run are ``history.user_edits``.
    waiting : str
        ``""`` normally. While the session waits for points (too few for EM), the
        sentence saying how many are needed; then ``snapshot`` is None, the history is
        empty (``last_iteration`` -1) and only ``run.dataset.X`` (0 or more points) is
        to be drawn.
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
    user_edits: tuple = field(default_factory=tuple)
    waiting: str = ""

    def __post_init__(self):
        if self.iteration is None and self.snapshot is None:
            object.__setattr__(self, "iteration", 0)
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


def _initial_settings(config) -> dict:
    """The explicit initial parameters of ``config`` (None where the initialiser starts)."""
    return {name: getattr(config, name)
            for name in ("weights_init", "means_init", "precisions_init")}


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
        Data drawn or edited by hand (:func:`gmm_viz.run.data_edits.is_edited`, e.g.
        :func:`~gmm_viz.run.data_edits.empty_canvas`) with too few points for EM is no
        error: the session waits for points (see the module docstring).
    """

    def __init__(self, dataset, config, *, history=(), curve=None, half_steps=False,
                 soft_colours=False, run_id=0, token=0):
        #: Every iteration (thinned evenly beyond its memory budget), without labels.
        self.history = RunHistory()
        #: The data before each data edit, for :meth:`undo` and :meth:`redo`.
        self.data_history = DataHistory()
        self._truncation = None  # (iteration, dropped) of the last resume, until taken
        self._waiting = ""  # why EM cannot run yet (too few points), or ""
        self._waiting_config = config
        # The run's own start (a placed or dragged one, or none), which a data edit
        # restarts from; a run continued from parameters only borrows them.
        self._own_start = _initial_settings(config)
        if history or not is_edited(dataset):
            engine = self._new_engine(dataset, config)
        else:
            engine = self._engine_or_waiting(dataset, config)
        saved = check_history(history or (), dataset.X.shape[1], config.n_components)
        if saved:
            engine.restore(saved[-1])
        self.engine = engine
        self.run = RunInfo(run_id, token, dataset, config if engine is None else engine.config)
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
        elif engine is not None:
            self._record(engine.snapshot)

    # ------------------------------------------------------------------ reading
    @property
    def dataset(self):
        return self.run.dataset

    @property
    def config(self):
        """The engine's current configuration (with live changes)."""
        return self._waiting_config if self.engine is None else self.engine.config

    @property
    def iteration(self) -> int:
        """The newest iteration computed (the engine's; 0 while waiting for points)."""
        return 0 if self.engine is None else int(self.engine.iteration)

    @property
    def waiting(self) -> str:
        """``""``, or while there are too few points for EM, the sentence saying how
        many to draw (see the module docstring)."""
        return self._waiting

    @property
    def can_undo(self) -> bool:
        """True when a data edit can be undone."""
        return self.data_history.can_undo

    @property
    def can_redo(self) -> bool:
        """True when an undone data edit can be done again."""
        return self.data_history.can_redo

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
        if self.engine is None:
            return True  # waiting for points: nothing to run
        return bool(self.engine.finished) and self._needs_step(self._next())

    def access(self) -> RunAccess:
        """What a job may read of this run (see :class:`RunAccess`)."""
        return RunAccess(self.engine, self.run, self.history)

    def take_truncation(self):
        """``(iteration, dropped)`` when an edit resumed from a past iteration and dropped
        ``dropped`` later ones (for the worker's ``sigHistoryTruncated``), else None;
        each is returned once."""
        truncation, self._truncation = self._truncation, None
        return truncation

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
            The EM step failed, or there are too few points for EM; the position is
            unchanged.
        """
        self._require_model("run EM")
        position = self._next()
        if self._needs_step(position):
            self._step_engine()
            # Only now is it known whether the new iteration has a detected state.
            position = self.history.frames(position.iteration, self.half_steps)[0]
        self._position = position

    def step_back(self):
        """Show the previous (half-)iteration; at iteration 0 nothing changes."""
        if self.engine is None:
            return
        previous = self.history.previous_position(self._position, self.half_steps)
        if previous is not None:
            self._position = previous

    def seek(self, iteration: int):
        """Show the state after iteration ``iteration``: with half-steps its M-step, where
        its re-placements are (clipped to the run; a thinned iteration shows the nearest
        kept one, see :meth:`~gmm_viz.run.history.RunHistory.seek_position`)."""
        if self.engine is None:
            return
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
        if self.engine is None or not self.in_past:
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
        if self.engine is None:
            return
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

        if self.engine is None:
            live = {name: getattr(config, name) for name in LIVE_SETTINGS}
            self._waiting_config = self._waiting_config.with_changes(**live)
            return
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
        if self.engine is None:
            self._position = start_position(self.half_steps)
            return
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
            An EM step failed, or there are too few points for EM.
        """
        self._require_model("run EM")
        limit = self.config.max_iter if max_iterations is None else max_iterations
        snapshots = [self.engine.snapshot]
        while self.engine.iteration < limit and not self.engine.finished:
            snapshots.append(self._step_engine())
        self._position = self.history.seek_position(self.history.last_iteration,
                                                    self.half_steps)
        return snapshots

    # ------------------------------------------------------------------ changing the model
    def move_mean(self, component: int, mean):
        """Move component ``component``'s mean to ``mean`` (a drag on the canvas).

        The state changed is the one whose parameters are drawn (at an E-step frame,
        the previous iteration's):

        - at iteration 0 it is the run's start: the component's initial mean is ``mean``
          (the others stay), the config's ``means_init`` holds every initial mean, and
          the run starts again from there (the history is cut to the new iteration 0;
          it equals a fresh run with that config, and Reset and saved runs reproduce it);
        - at iteration t > 0, the mean of θ(t) changes and EM continues from the changed
          state: the history keeps it as iteration t with a
          :class:`~gmm_viz.engine.snapshot.UserEdit` (kind ``"move_mean"``), the curve
          gets its log-likelihood, and the next step starts from its responsibilities.
          Looking back, the later iterations are dropped first, as Play from the past
          does (:meth:`take_truncation` says how many).

        Parameters
        ----------
        component : int
        mean : array-like of shape (n_features,)
            Every feature (the canvas merges its two axes into the current mean).

        Raises
        ------
        SessionError
            A bad component or mean (not D finite numbers, or farther than
            :data:`MAX_MEAN_DISTANCE` spreads from the data), or too few points for EM;
            nothing changes.
        """
        self._require_model("move a mean")
        component = self._checked_component(component)
        mean = self._checked_mean(mean, "the mean")
        target = self._edit_iteration()
        if target == 0:
            base = self.config.means_init
            means = np.array(self.history[0].means if base is None else base, dtype=float)
            means[component] = mean
            self._restart_with(means_init=means)
            return
        self._go_to(target)
        self._edit(MOVE_MEAN, component, self.engine.snapshot.means[component], mean,
                   mean=mean)

    def set_covariance(self, component: int, covariance) -> np.ndarray:
        """Set component ``component``'s covariance (an ellipse's edge dragged).

        Iteration 0 and later iterations as :meth:`move_mean` (at iteration 0 the
        config's ``precisions_init`` holds every initial covariance).

        Parameters
        ----------
        component : int
        covariance : array-like of shape (n_features, n_features)
            Symmetric positive definite. The run holds what its covariance type allows
            (:func:`~gmm_viz.engine.covariance_edit.covariance_for_type`): ``"diag"``
            keeps the variances (no correlation), ``"spherical"`` their mean, ``"tied"``
            makes it every component's covariance.

        Returns
        -------
        ndarray of shape (n_features, n_features)
            The covariance the run now holds (what to draw; the UserEdit records it).

        Raises
        ------
        SessionError
            Not a symmetric positive definite matrix of the run's shape, a bad
            component, or too few points for EM; nothing changes.
        """
        self._require_model("change a covariance")
        component = self._checked_component(component)
        try:
            matrix = checked_covariance(covariance, self.dataset.X.shape[1])
        except CovarianceEditError as exc:
            raise SessionError(f"Cannot set the covariance of component {component}: "
                               f"{exc}") from None
        kind = self.config.covariance_type
        applied = covariance_for_type(matrix, kind)
        target = self._edit_iteration()
        if target == 0:
            covs = np.array(self.history[0].covariances, dtype=float)
            if kind == "tied":
                covs[:] = applied
            else:
                covs[component] = applied
            self._restart_with(precisions_init=precisions_init_for(covs, kind))
            return applied
        self._go_to(target)
        self._edit(SET_COVARIANCE, component, self.engine.snapshot.covariances[component],
                   applied, covariance=applied)
        return applied

    def place_means(self, means):
        """Start the run from initial means placed by hand (k clicks on the canvas).

        The config's ``means_init`` becomes ``means`` and the run starts again at
        iteration 0 (the history is cut), wherever it was: the same run as a fresh one
        with that config (``gmm-viz fit --means``).

        Parameters
        ----------
        means : array-like of shape (n_components, n_features)

        Raises
        ------
        SessionError
            Not k rows of D finite numbers within :data:`MAX_MEAN_DISTANCE` spreads of
            the data, or too few points for EM; nothing changes.
        """
        self._require_model("place the means")
        k, d = self.config.n_components, self.dataset.X.shape[1]
        try:
            array = np.array(means, dtype=np.float64)
        except (TypeError, ValueError):
            raise SessionError(f"Cannot place the means: give {k} means of {d} numbers "
                               "each.") from None
        if array.shape != (k, d):
            raise SessionError(f"Cannot place the means: this run needs {k} means (k = {k})"
                               f" of {d} numbers each (one per feature); got an array of "
                               f"shape {array.shape}.")
        for row, mean in enumerate(array):
            self._checked_mean(mean, f"mean {row}")
        self._restart_with(means_init=array)

    # ------------------------------------------------------------------ changing the data
    def add_points(self, points, *, continue_from_parameters: bool = False):
        """Add points (clicks or a spray on the canvas): new data, a new run on it.

        Parameters
        ----------
        points : array-like of shape (m, n_features) or (n_features,)
            Every feature of each point.
        continue_from_parameters : bool
            False (default): the run starts again on the new data from its
            initialisation (``init``, and the hand-placed means if any; not the
            parameters an earlier continued edit started from). True: the new
            run starts from the parameters drawn now (its iteration 0 is them: the
            config's ``weights_init``, ``means_init`` and ``precisions_init``), to watch
            EM adapt to the new points.

        The data is a new Dataset (same name and feature names, ``source`` marked
        edited by hand; no true labels, the drawn points have none) and the run a new
        ``RunInfo.run_id``. The edit can be undone (:meth:`undo`).

        Raises
        ------
        SessionError
            Points of the wrong width, not finite, or beyond the point limit; nothing
            changes.
        """
        data = self.dataset
        try:
            new = checked_new_points(points, data.X.shape[1], len(data.X))
        except ValueError as exc:
            raise SessionError(f"Cannot add the points: {exc}", pause=False) from None
        X = np.concatenate([data.X, new])
        self._change_data(edited_data(data, X), continue_from_parameters)

    def remove_points(self, indices, *, continue_from_parameters: bool = False):
        """Remove the points at ``indices`` (erased on the canvas); see :meth:`add_points`.

        True labels of the points left are kept. Fewer than k + 1 points left: the
        session waits for points (see the module docstring).

        Parameters
        ----------
        indices : array-like of int
            Indices into the current ``dataset.X`` (repeats count once).
        continue_from_parameters : bool

        Raises
        ------
        SessionError
            An index that is not a point; nothing changes.
        """
        data = self.dataset
        try:
            gone = checked_indices(indices, len(data.X))
        except ValueError as exc:
            raise SessionError(f"Cannot remove the points: {exc}", pause=False) from None
        keep = np.ones(len(data.X), dtype=bool)
        keep[gone] = False
        labels = None if data.labels is None else data.labels[keep]
        self._change_data(edited_data(data, data.X[keep], labels), continue_from_parameters)

    def clear_points(self):
        """Remove every point: the session waits for points to be drawn (undoable).

        Raises
        ------
        SessionError
            When there are no points.
        """
        data = self.dataset
        if len(data.X) == 0:
            raise SessionError("There are no points to clear.", pause=False)
        self._change_data(edited_data(data, data.X[:0]), False)

    def undo(self, *, continue_from_parameters: bool = False):
        """Go back to the data before the last data edit, exactly (bit for bit).

        A new run on it starts as after an edit (see :meth:`add_points`).

        Raises
        ------
        SessionError
            Nothing to undo.
        """
        if not self.can_undo:
            raise SessionError("Nothing to undo: the data has not been changed by hand.",
                               pause=False)
        previous = self.data_history.undo(self.dataset)
        try:
            self._install_data(previous, continue_from_parameters)
        except SessionError:
            self.data_history.redo(previous)  # back as it was
            raise

    def redo(self, *, continue_from_parameters: bool = False):
        """Do the last undone data edit again (see :meth:`undo`).

        Raises
        ------
        SessionError
            Nothing to redo.
        """
        if not self.can_redo:
            raise SessionError("Nothing to redo.", pause=False)
        following = self.data_history.redo(self.dataset)
        try:
            self._install_data(following, continue_from_parameters)
        except SessionError:
            self.data_history.undo(following)
            raise

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
        if self.engine is None:
            return self._waiting_frame(playing)
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

        Raises
        ------
        SessionError
            While waiting for points (there are no parameters).
        """
        self._require_model("colour the points")
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
    @staticmethod
    def _new_engine(dataset, config):
        from gmm_viz.engine import EMEngine

        return EMEngine(dataset.X, config)

    def _engine_or_waiting(self, dataset, config):
        """An engine on drawn or edited data, or None (and the waiting sentence) when
        there are too few points for EM: fewer than k + 1 (at least 2), or points the
        engine refuses (all equal, fewer distinct than k)."""
        from gmm_viz.data import DataError
        from gmm_viz.run.describe import waiting_text

        n, k = len(dataset.X), config.n_components
        self._waiting = ""
        if n < max(k + 1, 2):
            self._waiting = waiting_text(n, k)
            return None
        try:
            return self._new_engine(dataset, config)
        except DataError as exc:
            self._waiting = waiting_text(n, k, str(exc))
            return None

    def _require_model(self, what: str):
        if self.engine is None:
            raise SessionError(f"Cannot {what} yet: {self._waiting}", pause=True)

    def _checked_component(self, component) -> int:
        k = self.config.n_components
        if isinstance(component, (bool, np.bool_)) or not isinstance(
                component, (int, np.integer)) or not 0 <= int(component) < k:
            raise SessionError(f"There is no component {component!r}: components are "
                               f"numbered 0 to {k - 1}.")
        return int(component)

    def _checked_mean(self, mean, what: str) -> np.ndarray:
        """``mean`` as D finite numbers within reach of the data, or SessionError."""
        d = self.dataset.X.shape[1]
        try:
            array = np.array(mean, dtype=np.float64)
        except (TypeError, ValueError):
            raise SessionError(f"Cannot use {what}: give {d} numbers (one per "
                               "feature).") from None
        if array.shape != (d,):
            raise SessionError(f"Cannot use {what}: it needs {d} numbers (one per feature);"
                               f" got an array of shape {array.shape}.")
        if not np.isfinite(array).all():
            raise SessionError(f"Cannot use {what}: its coordinates must be finite numbers "
                               "(no NaN or infinity).")
        X = self.dataset.X
        centre = X.mean(axis=0)
        spread = float(np.abs(X - centre).max()) or 1.0
        if float(np.abs(array - centre).max()) > MAX_MEAN_DISTANCE * spread:
            raise SessionError(f"Cannot use {what}: it is more than {MAX_MEAN_DISTANCE:.0e} "
                               "times the data's spread away from the data.")
        return array

    def _edit_iteration(self) -> int:
        """The iteration whose parameters are drawn: the state an edit changes."""
        position = self.history.clamp(self._position, self.half_steps)
        return int(position.parameters_iteration)

    def _go_to(self, iteration: int):
        """Make ``iteration`` the newest one (dropping later ones, as Play from the past
        does), shown."""
        if iteration < self.history.last_iteration:
            self._position = self.history.seek_position(iteration, self.half_steps)
            dropped = self.resume()
            if dropped:
                self._truncation = (iteration, dropped)

    def _edit(self, kind, component, old, new, **change):
        """Change the newest state by hand, record it, and show it."""
        engine = self.engine
        current = engine.snapshot
        edits = list(current.user_edits)
        before = float(current.log_likelihood)
        if edits and edits[-1].kind == kind and edits[-1].component == component:
            # One drag is one edit: from where it began to where it is now.
            last = edits.pop()
            old, before = last.old_array, last.log_likelihood_before
        edits.append(UserEdit(iteration=int(current.iteration), kind=kind,
                              component=component, old=as_edit_value(old),
                              new=as_edit_value(new), log_likelihood_before=before))
        try:
            snapshot = engine.edit_component(component, user_edits=tuple(edits), **change)
        except Exception as exc:  # noqa: BLE001 - the app keeps running
            traceback.print_exc()
            try:
                engine.restore(current)
            except Exception:  # noqa: BLE001 - already reporting the first failure
                traceback.print_exc()
            raise SessionError(f"Could not change the state of iteration "
                               f"{current.iteration}: {exc}") from None
        self.history.replace_last(snapshot)
        t = int(snapshot.iteration)
        self._labels_cache = {i: v for i, v in self._labels_cache.items() if i < t}
        self._agreement_cache = {i: v for i, v in self._agreement_cache.items() if i < t}
        self._position = self.history.seek_position(t, self.half_steps)

    def _restart_with(self, **initial):
        """A new start from other explicit initial parameters (iteration 0 edits)."""
        from gmm_viz.engine import ConfigError

        try:
            config = self.config.with_changes(**initial)
            snapshot = self.engine.reinitialise(config)
        except ConfigError as exc:
            raise SessionError(f"Cannot start from there: {exc}") from None
        self.run = replace(self.run, config=self.engine.config)
        self._own_start = _initial_settings(self.engine.config)
        self._start_history(snapshot)

    def _start_history(self, snapshot):
        """The history is the run's new iteration 0 alone, shown."""
        self._forget_history()
        self._soft_failure_reported = False
        self._record(snapshot)

    def _forget_history(self):
        """No iteration left: the history, what was computed from it, what was shown."""
        self.history.clear()
        self._labels_cache.clear()
        self._agreement_cache.clear()
        self._unsent_events.clear()
        self._position = start_position(self.half_steps)
        self._shown_position = None

    def _change_data(self, data, continue_from_parameters: bool):
        before = self.dataset
        self._install_data(data, continue_from_parameters)
        self.data_history.edited(before)

    def _install_data(self, data, continue_from_parameters: bool):
        """A new run on ``data`` (a new run_id); SessionError leaves everything as it was."""
        from gmm_viz.data import DataError
        from gmm_viz.engine import ConfigError

        config = self.config.with_changes(**self._own_start)
        if continue_from_parameters and self.engine is not None:
            shown = self._shown_parameters()
            config = config.with_changes(
                weights_init=np.array(shown.weights), means_init=np.array(shown.means),
                precisions_init=precisions_init_for(shown.covariances,
                                                    config.covariance_type))
        waiting = self._waiting
        try:
            engine = self._engine_or_waiting(data, config)
        except (ConfigError, DataError, ValueError) as exc:
            self._waiting = waiting
            raise SessionError(f"Cannot fit the changed data: {exc}", pause=False) from None
        except MemoryError:
            self._waiting = waiting
            raise SessionError("Not enough memory for the changed data.") from None
        self.engine = engine
        self._waiting_config = config
        self.run = RunInfo(self.run.run_id + 1, self.run.token, data,
                           config if engine is None else engine.config)
        if engine is None:
            self._forget_history()
        else:
            self._start_history(engine.snapshot)

    def _shown_parameters(self):
        """The snapshot whose parameters are drawn now (a detected frame: its iteration's
        re-placed state)."""
        iteration = self._edit_iteration()
        if iteration == self.engine.iteration:
            return self.engine.snapshot
        return self.history[iteration]

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
        replacements = detections = user_edits = ()
        if position.phase in (M_STEP, FULL):
            replacements = snapshot.replacements
            user_edits = tuple(getattr(snapshot, "user_edits", ()))
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
            user_edits=user_edits,
        )

    def _waiting_frame(self, playing: bool) -> Frame:
        """The frame while waiting for points: the points, no model, the sentence."""
        return Frame(run=self.run, snapshot=None, point_colors=None,
                     history=self.history.curve(), config=self.config, finished=False,
                     playing=False, phase=self._position.phase, last_iteration=-1,
                     iteration=0, waiting=self._waiting)

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
