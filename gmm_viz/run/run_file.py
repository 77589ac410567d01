"""A run as a file: save it as JSON, open it again and replay it exactly.

The JSON holds the settings, where the data came from (a generator and its arguments, or
the points themselves for data loaded from a file or drawn by hand), the parameters and
log-likelihood of every kept iteration, every singularity event, and every change made
by hand to a state (a :class:`~gmm_viz.engine.snapshot.UserEdit`, in its iteration's
``user_edits``; a start placed or dragged by hand is the settings' ``means_init`` /
``precisions_init``). Replaying re-creates the engine from the
same data and settings; the engine is deterministic, so the replay retraces the saved run.

The kept iterations start at 0 and strictly increase; they need not be consecutive (a long
run's history keeps iteration 0, every iteration with an event and the newest, and thins
the others).

Files are written all or nothing (:func:`gmm_viz.files.atomic_output`) and read only if they
are regular files of a bounded size (:func:`gmm_viz.files.read_input_bytes`). Everything in
a file is validated by :func:`load_run` before it returns, so a caller that gets a
:class:`RunRecord` can show and replay it, and a caller that gets a :class:`RunFileError`
has nothing to undo. :func:`save_run` applies the same validation before writing, so it
never writes a file that cannot be opened again.

Also here: the responsibilities as CSV. Pure Python and numpy: no Qt.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from gmm_viz import bulk, json_stream, limits
from gmm_viz.engine import EMConfig, EMEngine, SingularityEvent, Snapshot
from gmm_viz.engine.config import RECOVERIES, SINGLE_RULES
from gmm_viz.engine.covariance import from_sklearn_precisions
from gmm_viz.engine.covariance_edit import CovarianceEditError, checked_covariance
from gmm_viz.engine.snapshot import USER_EDIT_KINDS, UserEdit, as_edit_value, frozen_copy
from gmm_viz.files import FileCheckError, atomic_output, clip_message, path_label, read_input_bytes
from gmm_viz.progress import report

FORMAT = "gmm-viz run"
#: The version this code writes. Version 2 adds an iteration's optional ``detected``
#: state (the state a rule caught before re-placing components); version 1 files have
#: none and open as before (their re-placements are shown without the detected frame).
#: Version 3 adds an iteration's optional ``user_edits`` (changes made by hand: a mean
#: dragged, a covariance set); older files have none. A version 2 reader would call the
#: new field damaged, so the version says it needs a newer gmm-viz instead.
VERSION = 3
#: The versions this code reads.
READABLE_VERSIONS = (1, 2, 3)
#: Highest iteration number a run file may hold: the largest ``max_iter`` EMConfig accepts.
MAX_ITERATION = 10_000_000
#: Longest ``reason`` of an event (the engine's are a few words; it is shown in the status bar).
MAX_REASON_CHARS = 100

_ARRAY_SETTINGS = ("weights_init", "means_init", "precisions_init")

#: JSON kind of each setting (``EMConfig`` field). The config's own validation checks the
#: ranges and choices; these kinds refuse what it would silently convert (``"0.001"`` as a
#: tolerance, ``["1"]`` as weights). A test keeps this in step with EMConfig's fields.
SETTING_KINDS = {
    "n_components": "int", "covariance_type": "str", "init": "str",
    "init_covariance": "str", "same_point_location": "str", "perturb": "bool",
    "perturbation": "number", "weights_init": "array", "means_init": "array",
    "precisions_init": "array", "reg_covar": "number", "tol": "number", "max_iter": "int",
    "rule": "str", "threshold": "number", "condition_limit": "number", "recovery": "str",
    "recovery_weight": "number", "random_state": "int", "compute_labels": "bool",
}
#: Settings that may be null.
_NULLABLE_SETTINGS = frozenset(_ARRAY_SETTINGS) | {"random_state"}

_TOP_FIELDS = ("format", "version", "settings", "data_source", "iterations")
#: ``gmm-viz fit --json`` prints a run document with its ``result``; ``points`` go with a
#: ``points`` data source.
_OPTIONAL_TOP_FIELDS = ("points", "result", "curve")
_GENERATOR_FIELDS = ("kind", "name", "n_samples", "random_state", "noise")
_POINTS_FIELDS = ("kind", "label", "feature_names")
_ITERATION_FIELDS = ("iteration", "weights", "means", "covariances", "log_likelihood",
                     "mean_log_likelihood", "nk", "det", "min_eigenvalue", "condition_number",
                     "flagged", "converged", "events")
#: Optional fields of an iteration (version 2: detected; version 3: user_edits).
_OPTIONAL_ITERATION_FIELDS = ("detected", "user_edits")
_USER_EDIT_FIELDS = ("iteration", "kind", "component", "old", "new",
                     "log_likelihood_before")
#: Fields of a detected state: a snapshot of the same iteration without its own
#: iteration number, convergence or events.
_DETECTED_FIELDS = ("weights", "means", "covariances", "log_likelihood",
                    "mean_log_likelihood", "nk", "det", "min_eigenvalue",
                    "condition_number", "flagged")
_EVENT_FIELDS = tuple(f.name for f in fields(SingularityEvent))
#: Snapshots checked together (bounded memory, numpy speed on long histories).
_CHECK_CHUNK = 1024


class RunFileError(ValueError):
    """A run file cannot be read or written; the message names the file and what is wrong."""


class _Damaged(ValueError):
    """What is wrong inside a run document (the caller adds the file's name)."""


@dataclass
class RunRecord:
    """A saved run.

    Attributes
    ----------
    config : EMConfig
    data_source : dict
        ``{"kind": "generator", "name", "n_samples", "random_state", "noise"}`` or
        ``{"kind": "points", "label": ..., "feature_names": [...]}`` (then ``X`` holds
        the points).
    X : ndarray of shape (n_samples, n_features)
    snapshots : list of Snapshot
        Without labels (they are recomputed on demand). Their iteration numbers start at 0
        and strictly increase, with gaps where a long history was thinned.
    curve : SavedCurve or None
        The whole log-likelihood curve of a thinned run (None otherwise: the snapshots
        hold every iteration's value).
    generated : Dataset or None
        For a generator source read from a file: the data set made to check the run
        (with its name, description and true labels), so it is not made twice.
    """

    config: EMConfig
    data_source: dict
    X: np.ndarray
    snapshots: list
    curve: object = None
    generated: object = None

    @property
    def feature_names(self) -> tuple:
        """Column names saved with loaded data (``x1, x2, ...`` when there are none)."""
        names = tuple(self.data_source.get("feature_names") or ())
        if len(names) != self.X.shape[1]:
            names = tuple(f"x{i + 1}" for i in range(self.X.shape[1]))
        return names

    @property
    def iterations(self) -> tuple:
        """The iteration number of each saved snapshot, ``(0, ...)`` strictly increasing."""
        return tuple(int(s.iteration) for s in self.snapshots)

    def replay(self):
        """Run the engine again from the same data and settings.

        Returns
        -------
        list of Snapshot
            One per saved snapshot, at the same iteration numbers (the engine steps through
            the iterations a thinned history left out).
        """
        engine = EMEngine(self.X, self.config)
        snaps = [engine.snapshot]
        # Changes by hand are applied where they were made: at their iteration, after its
        # EM step, in the order made (never thinned, so every one is among the saved).
        edits = {int(s.iteration): s.user_edits for s in self.snapshots if s.user_edits}
        for iteration in self.iterations[1:]:
            while engine.iteration < iteration - 1:
                _apply_edits(engine, engine.step(), edits)
            snaps.append(_apply_edits(engine, engine.step(), edits))
        return snaps


def _apply_edits(engine, snapshot, edits):
    """``snapshot`` after the user edits saved for its iteration (applied to ``engine``)."""
    done = []
    for edit in edits.get(int(snapshot.iteration), ()):
        done.append(edit)
        change = ({"mean": edit.new_array} if edit.kind == "move_mean"
                  else {"covariance": edit.new_array})
        snapshot = engine.edit_component(edit.component, user_edits=tuple(done), **change)
    return snapshot


def generator_source(name, n_samples=None, random_state=None, noise=None) -> dict:
    """A data source that regenerates a named data set."""
    return {"kind": "generator", "name": name, "n_samples": n_samples,
            "random_state": random_state, "noise": noise}


def points_source(label: str, feature_names=()) -> dict:
    """A data source whose points are stored in the file (e.g. a loaded CSV).

    ``feature_names`` (one per column) keep the axis names of loaded data.
    """
    return {"kind": "points", "label": label, "feature_names": [str(n) for n in feature_names]}


# ---------------------------------------------------------------------------- writing


def _config_to_json(config: EMConfig) -> dict:
    out = asdict(config)
    for name in _ARRAY_SETTINGS:
        if out[name] is not None:
            out[name] = np.asarray(out[name]).tolist()
    return out


def _event_to_json(e: SingularityEvent) -> dict:
    # Plain JSON types (the engine may hand numpy scalars): what is validated before
    # writing is then exactly what json.loads gives back.
    return {"iteration": int(e.iteration), "component": int(e.component), "rule": e.rule,
            "reason": e.reason, "value": float(e.value), "threshold": float(e.threshold),
            "action": e.action, "old_mean": [float(v) for v in e.old_mean],
            "new_mean": [float(v) for v in e.new_mean]}


def _snapshot_to_json(s: Snapshot) -> dict:
    out = _state_to_json(s)
    if s.detected is not None:
        detected = _state_to_json(s.detected)
        out["detected"] = {name: detected[name] for name in _DETECTED_FIELDS}
    if getattr(s, "user_edits", ()):
        out["user_edits"] = [_user_edit_to_json(e) for e in s.user_edits]
    return out


def _state_to_json(s: Snapshot) -> dict:
    return {
        "iteration": int(s.iteration),
        "weights": s.weights.tolist(),
        "means": s.means.tolist(),
        "covariances": s.covariances.tolist(),
        "log_likelihood": float(s.log_likelihood),
        "mean_log_likelihood": float(s.mean_log_likelihood),
        "nk": s.nk.tolist(),
        "det": s.det.tolist(),
        "min_eigenvalue": s.min_eigenvalue.tolist(),
        "condition_number": s.condition_number.tolist(),
        "flagged": np.asarray(s.flagged, dtype=bool).tolist(),
        "converged": bool(s.converged),
        "events": [_event_to_json(e) for e in s.events],
    }


def _user_edit_to_json(edit: UserEdit) -> dict:
    return {"iteration": int(edit.iteration), "kind": edit.kind,
            "component": int(edit.component), "old": edit.old_array.tolist(),
            "new": edit.new_array.tolist(),
            "log_likelihood_before": float(edit.log_likelihood_before)}


def run_to_dict(config: EMConfig, data_source: dict, snapshots, X=None, curve=None) -> dict:
    """The JSON-ready description of a run (what :func:`save_run` writes).

    ``curve`` (any object with ``log_likelihood`` and ``mean_log_likelihood`` arrays
    indexed by iteration) is written only for a thinned history, so that its reopened
    log-likelihood curve still has every iteration.
    """
    snapshots = list(snapshots)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "settings": _config_to_json(config),
        "data_source": dict(data_source),
        "iterations": [_snapshot_to_json(s) for s in snapshots],
    }
    if curve is not None and snapshots and len(snapshots) != int(snapshots[-1].iteration) + 1:
        n = int(snapshots[-1].iteration) + 1
        document["curve"] = {
            "log_likelihood": np.asarray(curve.log_likelihood[:n], dtype=float).tolist(),
            "mean_log_likelihood": np.asarray(curve.mean_log_likelihood[:n],
                                              dtype=float).tolist(),
        }
    if data_source.get("kind") == "points":
        if X is None:
            raise ValueError("a 'points' data source needs X to be saved with the run.")
        document["points"] = np.asarray(X).tolist()
    return document


def _label(path) -> str:
    try:
        return path_label(path)
    except FileCheckError as exc:
        raise RunFileError(str(exc)) from None


def save_run(path, config: EMConfig, data_source: dict, snapshots, X=None,
             curve=None) -> Path:
    """Write a run as JSON, all or nothing.

    The run is validated as :func:`load_run` validates a file, so what is written always
    opens again; the file is written beside the target and replaces it only when complete.

    Parameters
    ----------
    path : str or Path
        A new file or an existing regular file (never a folder, a FIFO or a device).
    config : EMConfig
    data_source : dict
        From :func:`generator_source` or :func:`points_source`.
    snapshots : sequence of Snapshot
        Iteration 0 first, strictly increasing iteration numbers.
    X : ndarray of shape (n_samples, n_features), optional
        Needed for a ``points`` source; for a generator it spares regenerating the data
        to check the run against it.
    curve : History, optional
        The whole log-likelihood curve; saved when ``snapshots`` is a thinned history.

    Returns
    -------
    Path

    Raises
    ------
    RunFileError
        The target cannot be written, or the run is not one gmm-viz could open again; the
        message starts with the file name. An existing target is then left as it was.
    """
    label = _label(path)
    try:
        document = run_to_dict(config, data_source, snapshots, X, curve)
        _record_from_document(document, X=X)
        text = json.dumps(document, allow_nan=False)
    except MemoryError:
        raise RunFileError(f"{label}: not enough memory to save the run. Close other "
                           "programs and try again.") from None
    except (_Damaged, ValueError, TypeError) as exc:
        raise RunFileError(clip_message(
            f"{label}: the run cannot be saved as a file gmm-viz could open again: {exc}")) \
            from None
    try:
        with atomic_output(label, what="run file") as tmp:
            tmp.write_text(text, encoding="utf-8")
    except FileCheckError as exc:
        raise RunFileError(clip_message(str(exc))) from None
    except MemoryError:
        raise RunFileError(f"{label}: not enough memory to save the run. Close other "
                           "programs and try again.") from None
    return Path(label)


def save_responsibilities_csv(path, X, resp, feature_names=()) -> Path:
    """Write each point with its responsibilities and hard label as CSV, all or nothing.

    Parameters
    ----------
    path : str or Path
        A new file or an existing regular file (never a folder, a FIFO or a device).
    X : ndarray of shape (n_samples, n_features)
    resp : ndarray of shape (n_samples, n_components)
    feature_names : sequence of str, optional

    Returns
    -------
    Path

    Raises
    ------
    RunFileError
        The target cannot be written (an existing one is left as it was), or ``X`` and
        ``resp`` do not go together; the message starts with the file name.
    """
    label = _label(path)
    try:
        X, resp = np.asarray(X), np.asarray(resp)
        names = list(feature_names) or [f"x{i + 1}" for i in range(X.shape[1])]
        header = names + [f"resp_{k}" for k in range(resp.shape[1])] + ["label"]
        table = np.column_stack([X, resp, resp.argmax(axis=1)])
        formats = ["%.10g"] * (X.shape[1] + resp.shape[1]) + ["%d"]
        with atomic_output(label, what="CSV file") as tmp:
            np.savetxt(tmp, table, delimiter=",", header=",".join(header), comments="",
                       fmt=formats)
    except FileCheckError as exc:
        raise RunFileError(clip_message(str(exc))) from None
    except MemoryError:
        raise RunFileError(f"{label}: not enough memory to write the responsibilities. "
                           "Close other programs and try again.") from None
    except (ValueError, IndexError) as exc:
        raise RunFileError(clip_message(
            f"{label}: the responsibilities cannot be written: {exc}")) from None
    return Path(label)


# ---------------------------------------------------------------------------- reading


def load_run(path, progress=None) -> RunRecord:
    """Read a run saved by :func:`save_run`, validated in full.

    The file must be a regular file of at most :data:`gmm_viz.limits.MAX_INPUT_FILE_BYTES`
    (checked before it is opened), a gmm-viz run of a version in
    :data:`READABLE_VERSIONS`, with settings the app can show (k up to :data:`~gmm_viz.limits.MAX_K`, seeds up to
    :data:`~gmm_viz.limits.MAX_SEED`), points as CSV loading accepts them (at least two
    columns, finite, at most :data:`~gmm_viz.limits.MAX_POINTS` points and
    :data:`~gmm_viz.limits.MAX_FEATURES` columns), and iterations numbered from 0, strictly
    increasing, whose every field (events included) has the right type, shape and range.

    Parameters
    ----------
    path : str or os.PathLike
    progress : Progress, optional
        Told how far the reading and checking are; its Cancel stops them
        (:class:`~gmm_viz.progress.Cancelled` is raised, nothing is returned).

    Returns
    -------
    RunRecord
        Usable as it is: nothing in it needs checking again.

    Raises
    ------
    RunFileError
        For any problem; the message starts with the file name and says what is wrong.
    """
    label = _label(path)
    try:
        # Millions of small objects are built and dropped: see json_stream for why the
        # collector is paused meanwhile and the document released in pieces.
        with bulk.collector_paused():
            document = _parse(label, progress)
            report(progress, None, "checking")
            try:
                return _record_from_document(document)
            finally:
                bulk.release(document)
                del document
    except _Damaged as exc:
        raise RunFileError(clip_message(
            f"{label}: the run file is damaged or incomplete: {exc}")) from None
    except MemoryError:
        raise RunFileError(f"{label}: not enough memory to open this run file. Close other "
                           "programs, or open a shorter run.") from None
    except RecursionError:
        raise RunFileError(f"{label}: the run file is damaged: its values are nested too "
                           "deeply to be a gmm-viz run.") from None


def _parse(label, progress=None) -> dict:
    """The file's JSON document, after the file and format checks (RunFileError if not)."""
    try:
        raw, _ = read_input_bytes(label, what="run file")
    except FileCheckError as exc:
        raise RunFileError(clip_message(str(exc))) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RunFileError(f"{label}: not a readable JSON file (it is not UTF-8 text). "
                           "Choose a run file saved by gmm-viz.") from None
    del raw
    try:
        # In pieces: one json.loads of a long run holds the GIL, freezing the window.
        document = json_stream.loads(text, progress)
    except ValueError as exc:  # JSONDecodeError, or an integer with too many digits
        raise RunFileError(clip_message(f"{label}: not a readable JSON file ({exc}).")) \
            from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RunFileError(f"{label}: not a gmm-viz run file (no '\"format\": \"{FORMAT}\"').")
    _check_version(label, document)
    return document


def _check_version(label, document):
    if "version" not in document:
        raise RunFileError(f"{label}: the run file has no version; gmm-viz writes version "
                           f"{VERSION}. Save the run again with gmm-viz.")
    version = document["version"]
    if type(version) is int and version > VERSION:
        raise RunFileError(f"{label}: was written by a newer gmm-viz (run file version "
                           f"{version}; this one reads versions up to {VERSION}). Update "
                           "gmm-viz to open it.")
    if type(version) is not int or version not in READABLE_VERSIONS:
        raise RunFileError(clip_message(
            f"{label}: unknown run file version {version!r}; gmm-viz writes version "
            f"{VERSION}. Save the run again with gmm-viz."))


def _record_from_document(document, *, X=None) -> RunRecord:
    """Validate a whole run document and build its record.

    Parameters
    ----------
    document : dict
        As :func:`run_to_dict` makes it (or ``json.loads`` of a file).
    X : ndarray of shape (n_samples, n_features), optional
        The points, when known (saving): they are neither regenerated nor converted
        back from the document's lists.

    Raises
    ------
    _Damaged
        What is wrong, naming the field (and iteration).
    """
    _check_fields(document, "the run file", _TOP_FIELDS, _OPTIONAL_TOP_FIELDS)
    settings = _expect(document, "settings", dict)
    source = _expect(document, "data_source", dict)
    iterations = _expect(document, "iterations", list)
    if not iterations:
        raise _Damaged("it holds no iterations")
    config = _config_from_json(settings)
    source, X, generated = _data_from_json(document, source, config, X)
    _check_initial_parameters(config, X.shape[1])
    snapshots = _snapshots_from_json(iterations, config.n_components, X.shape[1])
    curve = _curve_from_json(document.get("curve"), snapshots)
    return RunRecord(config=config, data_source=source, X=X, snapshots=snapshots,
                     curve=curve, generated=generated)


@dataclass(frozen=True)
class SavedCurve:
    """The whole log-likelihood curve of a thinned run, as saved.

    Attributes
    ----------
    log_likelihood, mean_log_likelihood : ndarray of shape (last_iteration + 1,)
        Indexed by iteration.
    """

    log_likelihood: np.ndarray
    mean_log_likelihood: np.ndarray


def _curve_from_json(curve, snapshots):
    """The saved curve, checked against the snapshots (None when there is none)."""
    if curve is None:
        return None
    if not isinstance(curve, dict):
        raise _Damaged(f"'curve' should be an object, not {_kind(curve)}")
    _check_fields(curve, "curve", ("log_likelihood", "mean_log_likelihood"))
    n = int(snapshots[-1].iteration) + 1
    values = {}
    for name in ("log_likelihood", "mean_log_likelihood"):
        array = _number_array(curve[name], "curve", name, (n,))
        if not np.isfinite(array).all():
            raise _Damaged(f"curve: {name} holds values that are not finite")
        kept = np.array([getattr(s, name) for s in snapshots])
        at = np.array([int(s.iteration) for s in snapshots])
        if not np.allclose(array[at], kept, rtol=1e-9, atol=1e-9):
            raise _Damaged(f"curve: {name} differs from the saved iterations' values")
        values[name] = frozen_copy(array)
    return SavedCurve(**values)


# ---------------------------------------------------------------------- field checks


def _kind(value) -> str:
    """The JSON kind of ``value``, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _shown(value) -> str:
    """``repr(value)`` short enough for a message (lists and objects by their size)."""
    if isinstance(value, (list, tuple, dict)):
        return f"{_kind(value)} of {len(value):,} item{'s' if len(value) != 1 else ''}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _as_float(number) -> float:
    """``float(number)``, infinite for an integer beyond float range (no OverflowError)."""
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def _expect(document, key, kind):
    value = document[key]
    if not isinstance(value, kind):
        raise _Damaged(f"'{key}' should be a {kind.__name__}, not {_kind(value)}")
    return value


def _check_fields(obj, where, required, optional=(), noun="field"):
    """``obj`` is a JSON object with every ``required`` key and no unknown one."""
    if not isinstance(obj, dict):
        raise _Damaged(f"{where} should be an object ({{...}}), not {_kind(obj)}")
    missing = [k for k in required if k not in obj]
    if missing:
        raise _Damaged(f"{where}: missing {noun}(s): {', '.join(missing)}")
    unknown = [str(k) for k in obj if k not in required and k not in optional]
    if unknown:
        raise _Damaged(f"{where}: unknown {noun}(s): "
                       f"{', '.join(_shown(k) for k in unknown[:5])}")


def _number_array(value, where, name, shape=None) -> np.ndarray:
    """A JSON list (of lists) of numbers as a float64 array of ``shape``.

    Text, null, true/false, ragged rows and integers beyond float range are refused
    (``np.asarray(..., dtype=float)`` would turn ``"1"`` into 1.0).
    """
    if not isinstance(value, (list, tuple)):
        raise _Damaged(f"{where}: {name} should be a list of numbers, not {_kind(value)}")
    try:
        array = np.asarray(value)
    except (ValueError, TypeError, OverflowError):
        array = None
    if array is None or array.dtype.kind not in "iuf" and not (
            array.dtype.kind == "O" and array.size == 0):
        raise _Damaged(f"{where}: {name} should hold only numbers in rows of equal length")
    array = array.astype(np.float64)
    if shape is not None and array.shape != shape:
        raise _Damaged(f"{where}: {name} has shape {array.shape}, expected {shape}")
    return array


# ---------------------------------------------------------------------------- settings


def _config_from_json(data: dict) -> EMConfig:
    """The settings as an EMConfig the app can show.

    Raises
    ------
    _Damaged
        A setting of the wrong JSON kind, unknown, refused by EMConfig's own validation,
        or beyond the window's controls (k above MAX_K, a seed above MAX_SEED).
    """
    from gmm_viz.engine import ConfigError

    _check_fields(data, "settings", (), tuple(SETTING_KINDS), noun="setting")
    values = {}
    for name, value in data.items():
        values[name] = _setting(name, value)
    try:
        config = EMConfig(**values)
    except ConfigError as exc:
        raise _Damaged(f"settings: {exc}") from None
    if config.n_components > limits.MAX_K:
        raise _Damaged(f"settings: k (n_components) is {config.n_components}; gmm-viz "
                       f"shows at most {limits.MAX_K} components.")
    seed = config.random_state
    if seed is not None and seed > limits.MAX_SEED:
        # The engine takes seeds up to 2**32 - 1, but the window's seed control (and
        # `gmm-viz fit --seed`) stop at MAX_SEED: such a run could not be shown as it is.
        raise _Damaged(f"settings: the seed (random_state) is {seed}; gmm-viz uses seeds "
                       f"from 0 to {limits.MAX_SEED:,}. Change random_state in the file "
                       "to a seed in that range.")
    return config


def _setting(name, value):
    """One setting checked for its JSON kind (arrays become float64 arrays)."""
    kind = SETTING_KINDS[name]
    if value is None and name in _NULLABLE_SETTINGS:
        return None
    where = "settings"
    if kind == "array":
        return _number_array(value, where, name)
    ok = {"int": _is_int, "number": _is_number, "str": lambda v: isinstance(v, str),
          "bool": lambda v: isinstance(v, bool)}[kind](value)
    if not ok:
        wanted = {"int": "a whole number", "number": "a number", "str": "text",
                  "bool": "True or False"}[kind]
        nullable = " or null" if name in _NULLABLE_SETTINGS else ""
        raise _Damaged(f"{where}: {name} must be {wanted}{nullable}; got {_shown(value)}.")
    if kind == "number" and isinstance(value, int):
        # JSON integers have no size limit; EMConfig's float() would raise OverflowError.
        value = _as_float(value)
        if not math.isfinite(value):
            raise _Damaged(f"{where}: {name} must be a finite number; got a number beyond "
                           "the range of floating point.")
    return value


def _check_initial_parameters(config: EMConfig, n_features: int):
    """weights_init, means_init and precisions_init fit k and the data (as the engine checks)."""
    from gmm_viz.engine import ConfigError

    k = config.n_components
    try:
        # The engine's own checks, without building an engine (no initialisation run).
        if config.weights_init is not None:
            EMEngine._checked_weights(config.weights_init, k)
        if config.means_init is not None:
            EMEngine._checked_means(config.means_init, k, n_features)
        if config.precisions_init is not None:
            from_sklearn_precisions(config.precisions_init, config.covariance_type, k,
                                    n_features)
    except (ConfigError, ValueError, np.linalg.LinAlgError) as exc:
        raise _Damaged(f"settings: {exc}") from None


# ---------------------------------------------------------------------------- data


def _data_from_json(document, source, config, X):
    """The data source (normalised) and its points, checked as CSV loading checks them.

    Returns
    -------
    source : dict
    X : ndarray of shape (n_samples, n_features)
    generated : Dataset or None
        The data set made for a generator source (None when saving, or for points).
    """
    kind = source.get("kind")
    if kind == "generator":
        source, X, generated = _generated_data(source, X)
    elif kind == "points":
        (source, X), generated = _stored_points(document, source, X), None
    else:
        raise _Damaged(f"data_source: kind must be 'generator' or 'points'; got "
                       f"{_shown(kind)}")
    from gmm_viz.data import DataError, validate_points
    from gmm_viz.engine.em import _standardisation

    try:
        X = validate_points(X, n_components=config.n_components, min_features=2)
        # The engine's own scale check (values whose squares overflow, or a spread whose
        # variance underflows): without it the record would load and then not replay.
        _standardisation(X)
    except DataError as exc:
        raise _Damaged(f"points: {exc}") from None
    names = source.get("feature_names")
    if names and len(names) != X.shape[1]:
        raise _Damaged(f"data_source: {len(names)} feature_names for {X.shape[1]} columns")
    return source, X, generated


def _generated_data(source, X):
    from gmm_viz.data import DataError, dataset_names, make_dataset

    _check_fields(source, "data_source", ("kind", "name"), _GENERATOR_FIELDS)
    source = {key: source.get(key) for key in _GENERATOR_FIELDS}
    if not isinstance(source["name"], str):
        raise _Damaged(f"data_source: the data set name must be text; got "
                       f"{_shown(source['name'])}")
    n_samples, seed, noise = source["n_samples"], source["random_state"], source["noise"]
    if n_samples is not None:
        if not _is_int(n_samples):
            raise _Damaged(f"data_source: n_samples must be a whole number or null; got "
                           f"{_shown(n_samples)}")
        # Refused in the run file's own terms (make_dataset refuses it too, in its words).
        if n_samples > limits.MAX_POINTS:
            raise _Damaged(f"data_source: the generator makes {n_samples:,} points; gmm-viz "
                           f"fits at most {limits.MAX_POINTS:,} points.")
    if seed is not None and not (_is_int(seed) and 0 <= seed <= limits.MAX_SEED):
        raise _Damaged(f"data_source: the data seed (random_state) is {_shown(seed)}; "
                       f"gmm-viz uses data seeds from 0 to {limits.MAX_SEED:,} (or null).")
    if noise is not None:
        if not _is_number(noise) or not math.isfinite(_as_float(noise)) or noise < 0:
            raise _Damaged(f"data_source: noise must be a finite number >= 0 or null; got "
                           f"{_shown(noise)}")
        noise = float(noise)
    if X is not None:  # saving: the data is at hand, regenerating it would only cost time
        if source["name"].strip().lower() not in dataset_names():
            raise _Damaged(f"data_source: unknown data set {_shown(source['name'])}")
        return source, X, None
    try:
        dataset = make_dataset(source["name"], n_samples=n_samples, random_state=seed,
                               noise=noise)
    except DataError as exc:
        raise _Damaged(f"data_source: {exc}") from None
    return source, dataset.X, dataset


def _stored_points(document, source, X):
    _check_fields(source, "data_source", ("kind",), _POINTS_FIELDS)
    label = source.get("label")
    names = source.get("feature_names") or []
    if label is not None and not isinstance(label, str):
        raise _Damaged(f"data_source: label must be text; got {_shown(label)}")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise _Damaged("data_source: feature_names must be a list of texts")
    source = {"kind": "points", "label": label, "feature_names": list(names)}
    if "points" not in document:
        raise _Damaged("missing 'points' (the data of a 'points' data source)")
    # Saving: the array at hand, rather than the lists made of it for JSON.
    points = document["points"] if X is None else X
    if not isinstance(points, (list, np.ndarray)):
        raise _Damaged(f"'points' should be a list of rows, not {_kind(points)}")
    # Counted before converting: a list of rows is cheap, a float array of it is not.
    if len(points) > limits.MAX_POINTS:
        raise _Damaged(f"points: the file holds {len(points):,} points; gmm-viz fits at "
                       f"most {limits.MAX_POINTS:,}.")
    if isinstance(points, list) and points and isinstance(points[0], list) \
            and len(points[0]) > limits.MAX_FEATURES:
        raise _Damaged(f"points: the data has {len(points[0]):,} columns; gmm-viz fits at "
                       f"most {limits.MAX_FEATURES} columns.")
    return source, points


# ---------------------------------------------------------------------------- iterations


def _snapshots_from_json(iterations, n_components, n_features) -> list:
    """Every saved iteration as a Snapshot, validated.

    Raises
    ------
    _Damaged
        Naming the iteration (by its number when it has a valid one) and the field.
    """
    k, d = n_components, n_features
    shapes = {"weights": (k,), "means": (k, d), "covariances": (k, d, d), "nk": (k,),
              "det": (k,), "min_eigenvalue": (k,), "condition_number": (k,)}
    snapshots, previous = [], None
    for position, item in enumerate(iterations):
        number = _iteration_number(item, position, previous)
        snapshots.append(_snapshot_from_json(item, number, shapes, k, d))
        previous = number
    for start in range(0, len(snapshots), _CHECK_CHUNK):
        _check_values(snapshots[start:start + _CHECK_CHUNK])
    detected = [s.detected for s in snapshots if s.detected is not None]
    for start in range(0, len(detected), _CHECK_CHUNK):
        _check_values(detected[start:start + _CHECK_CHUNK], " (its detected state)")
    return snapshots


def _iteration_number(item, position, previous) -> int:
    """The iteration number of ``item``: 0 first, then strictly increasing."""
    where = f"the iteration at position {position}"
    if not isinstance(item, dict):
        raise _Damaged(f"{where} should be an object ({{...}}), not {_kind(item)}")
    if "iteration" not in item:
        raise _Damaged(f"{where}: missing field(s): iteration")
    number = item["iteration"]
    if not _is_int(number):
        raise _Damaged(f"{where}: iteration must be a whole number; got {_shown(number)}")
    if previous is None and number != 0:
        raise _Damaged(f"the iterations must start at 0 (the first is {number})")
    if previous is not None and number <= previous:
        raise _Damaged(f"the iteration numbers must be strictly increasing ({number} after "
                       f"{previous}, at position {position})")
    if number > MAX_ITERATION:
        raise _Damaged(f"iteration {number} is beyond the {MAX_ITERATION:,} iterations a "
                       "run can have")
    _check_fields(item, f"iteration {number}", _ITERATION_FIELDS, _OPTIONAL_ITERATION_FIELDS)
    return number


def _snapshot_from_json(item, number, shapes, k, d) -> Snapshot:
    where = f"iteration {number}"
    arrays = {name: frozen_copy(_number_array(item[name], where, name, shape))
              for name, shape in shapes.items()}
    flagged = item["flagged"]
    if not (isinstance(flagged, list) and len(flagged) == k
            and all(isinstance(v, bool) for v in flagged)):
        raise _Damaged(f"{where}: flagged must be a list of {k} true/false values")
    if not isinstance(item["converged"], bool):
        raise _Damaged(f"{where}: converged must be true or false; got "
                       f"{_shown(item['converged'])}")
    values = {name: _finite_number(item[name], where, name)
              for name in ("log_likelihood", "mean_log_likelihood")}
    events = item["events"]
    if not isinstance(events, list):
        raise _Damaged(f"{where}: events should be a list, not {_kind(events)}")
    detected = None
    if item.get("detected") is not None:
        state = item["detected"]
        _check_fields(state, f"{where}: detected", _DETECTED_FIELDS)
        detected = _snapshot_from_json({**state, "converged": False, "events": []},
                                       number, shapes, k, d)
    user_edits = item.get("user_edits") or []
    if not isinstance(user_edits, list):
        raise _Damaged(f"{where}: user_edits should be a list, not {_kind(user_edits)}")
    if user_edits and number == 0:
        raise _Damaged(f"{where}: a change by hand at iteration 0 is a new start (the "
                       "settings' means_init or precisions_init), not a user edit")
    return Snapshot(
        iteration=number, labels=None, flagged=frozen_copy(np.array(flagged, dtype=bool)),
        events=tuple(_event_from_json(e, f"{where}: event {i}", number, k, d)
                     for i, e in enumerate(events)),
        converged=item["converged"], detected=detected,
        user_edits=tuple(_user_edit_from_json(e, f"{where}: user edit {i}", number, k, d)
                         for i, e in enumerate(user_edits)),
        **values, **arrays,
    )


def _user_edit_from_json(e, where, iteration, k, d) -> UserEdit:
    """One change by hand, every field checked (it is replayed and shown)."""
    _check_fields(e, where, _USER_EDIT_FIELDS)
    if not _is_int(e["iteration"]) or e["iteration"] != iteration:
        raise _Damaged(f"{where}: iteration {_shown(e['iteration'])} is not the iteration "
                       f"it is saved in ({iteration})")
    if e["kind"] not in USER_EDIT_KINDS:
        raise _Damaged(f"{where}: kind must be one of {', '.join(USER_EDIT_KINDS)}; got "
                       f"{_shown(e['kind'])}")
    component = e["component"]
    if not _is_int(component) or not 0 <= component < k:
        raise _Damaged(f"{where}: component {_shown(component)} is not a component of "
                       f"this run (k = {k})")
    shape = (d,) if e["kind"] == "move_mean" else (d, d)
    values = {}
    for name in ("old", "new"):
        value = _number_array(e[name], where, name, shape)
        if not np.isfinite(value).all():
            raise _Damaged(f"{where}: {name} holds values that are not finite")
        if len(shape) == 2:
            try:
                checked_covariance(value, d)
            except CovarianceEditError as exc:
                raise _Damaged(f"{where}: {name}: {exc}") from None
        values[name] = as_edit_value(value)
    before = _finite_number(e["log_likelihood_before"], where, "log_likelihood_before")
    return UserEdit(iteration=iteration, kind=e["kind"], component=component,
                    log_likelihood_before=before, **values)


def _finite_number(value, where, name, *, non_negative=False) -> float:
    """A JSON number as a finite float (and >= 0 if asked), or _Damaged saying why."""
    if not _is_number(value):
        raise _Damaged(f"{where}: {name} must be a number; got {_shown(value)}")
    number = _as_float(value)
    if not math.isfinite(number):
        raise _Damaged(f"{where}: {name} is not finite")
    if non_negative and number < 0:
        raise _Damaged(f"{where}: {name} must be a finite number >= 0; got {_shown(value)}")
    return number


def _event_from_json(e, where, iteration, k, d) -> SingularityEvent:
    """One event, every field checked (it is shown in the status bar and the log)."""
    _check_fields(e, where, _EVENT_FIELDS)
    if not _is_int(e["iteration"]) or e["iteration"] != iteration:
        raise _Damaged(f"{where}: iteration {_shown(e['iteration'])} is not the iteration "
                       f"it is saved in ({iteration})")
    component = e["component"]
    if not _is_int(component):
        raise _Damaged(f"{where}: component must be a whole number; got {_shown(component)}")
    if not 0 <= component < k:
        raise _Damaged(f"{where}: component {component} is not a component of this run "
                       f"(k = {k})")
    for name, allowed in (("rule", SINGLE_RULES), ("action", RECOVERIES)):
        if e[name] not in allowed:
            raise _Damaged(f"{where}: {name} must be one of {', '.join(allowed)}; got "
                           f"{_shown(e[name])}")
    if not isinstance(e["reason"], str) or len(e["reason"]) > MAX_REASON_CHARS:
        raise _Damaged(f"{where}: reason must be text of at most {MAX_REASON_CHARS} "
                       f"characters; got {_shown(e['reason'])}")
    numbers = {name: _finite_number(e[name], where, name, non_negative=True)
               for name in ("value", "threshold")}
    means = {}
    for name in ("old_mean", "new_mean"):
        mean = _number_array(e[name], where, name)
        if mean.shape != (d,) or not np.isfinite(mean).all():
            raise _Damaged(f"{where}: {name} must be {d} finite numbers")
        means[name] = tuple(float(v) for v in mean)
    return SingularityEvent(iteration=iteration, component=component, rule=e["rule"],
                            reason=e["reason"], action=e["action"], **numbers, **means)


def _check_values(snapshots, what_state=""):
    """Every snapshot is a usable state: finite values, weights, valid covariances.

    Checked on stacked arrays (a chunk of snapshots at once); a failure names the first
    snapshot that has it.

    Raises
    ------
    _Damaged
    """
    def first_bad(bad_per_snapshot, what):
        bad = np.asarray(bad_per_snapshot).reshape(len(snapshots), -1).any(axis=1)
        if bad.any():
            raise _Damaged(f"iteration {snapshots[int(np.argmax(bad))].iteration}"
                           f"{what_state}: {what}")

    stacked = {}
    for name in ("weights", "means", "covariances", "nk", "det", "min_eigenvalue",
                 "condition_number"):
        stacked[name] = np.stack([getattr(s, name) for s in snapshots])
        first_bad(~np.isfinite(stacked[name]), f"{name} holds values that are not finite")
        if name in ("nk", "det"):
            first_bad(stacked[name] < 0, f"{name} must be >= 0")
    weights = stacked["weights"]
    first_bad((weights < 0).any(axis=1) | ~np.isclose(weights.sum(axis=1), 1.0, atol=1e-6),
              "the weights must be >= 0 and sum to 1")
    covs = stacked["covariances"]
    first_bad(~np.isclose(covs, covs.swapaxes(-1, -2), rtol=1e-9, atol=0),
              "a covariance is not symmetric")
    first_bad(~(np.linalg.eigvalsh(covs) > 0), "a covariance is not positive definite")
