"""A run as a file: save it as JSON, open it again and replay it exactly.

The JSON holds the settings, where the data came from (a generator and its arguments, or
the points themselves for data loaded from a file), every iteration's parameters and
log-likelihood, and every singularity event. Replaying re-creates the engine from the same
data and settings; the engine is deterministic, so the replay retraces the saved run.

Also here: the final responsibilities as CSV. Pure Python and numpy: no Qt.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from gmm_viz.engine import EMConfig, EMEngine, SingularityEvent, Snapshot
from gmm_viz.engine.snapshot import frozen_copy

FORMAT = "gmm-viz run"
VERSION = 1
_ARRAY_SETTINGS = ("weights_init", "means_init", "precisions_init")


class RunFileError(ValueError):
    """A run file cannot be read; the message names the file and what is wrong."""


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
        Without labels (they are recomputed on demand).
    """

    config: EMConfig
    data_source: dict
    X: np.ndarray
    snapshots: list

    @property
    def feature_names(self) -> tuple:
        """Column names saved with loaded data (``x1, x2, ...`` when there are none)."""
        names = tuple(self.data_source.get("feature_names") or ())
        if len(names) != self.X.shape[1]:
            names = tuple(f"x{i + 1}" for i in range(self.X.shape[1]))
        return names

    def replay(self):
        """Run the engine again from the same data and settings.

        Returns
        -------
        list of Snapshot
            As many iterations as were saved.
        """
        engine = EMEngine(self.X, self.config)
        snaps = [engine.snapshot]
        for _ in range(len(self.snapshots) - 1):
            snaps.append(engine.step())
        return snaps


def generator_source(name, n_samples=None, random_state=None, noise=None) -> dict:
    """A data source that regenerates a named data set."""
    return {"kind": "generator", "name": name, "n_samples": n_samples,
            "random_state": random_state, "noise": noise}


def points_source(label: str, feature_names=()) -> dict:
    """A data source whose points are stored in the file (e.g. a loaded CSV).

    ``feature_names`` (one per column) keep the axis names of loaded data.
    """
    return {"kind": "points", "label": label, "feature_names": [str(n) for n in feature_names]}


def _config_to_json(config: EMConfig) -> dict:
    out = asdict(config)
    for name in _ARRAY_SETTINGS:
        if out[name] is not None:
            out[name] = np.asarray(out[name]).tolist()
    return out


def _config_from_json(data: dict) -> EMConfig:
    known = {f.name for f in fields(EMConfig)}
    values = {k: v for k, v in data.items() if k in known}
    for name in _ARRAY_SETTINGS:
        if values.get(name) is not None:
            values[name] = np.asarray(values[name], dtype=np.float64)
    return EMConfig(**values)


def _snapshot_to_json(s: Snapshot) -> dict:
    return {
        "iteration": s.iteration,
        "weights": s.weights.tolist(),
        "means": s.means.tolist(),
        "covariances": s.covariances.tolist(),
        "log_likelihood": s.log_likelihood,
        "mean_log_likelihood": s.mean_log_likelihood,
        "nk": s.nk.tolist(),
        "det": s.det.tolist(),
        "min_eigenvalue": s.min_eigenvalue.tolist(),
        "condition_number": s.condition_number.tolist(),
        "flagged": s.flagged.tolist(),
        "converged": s.converged,
        "events": [asdict(e) for e in s.events],
    }


def _snapshot_from_json(d: dict) -> Snapshot:
    arrays = {name: frozen_copy(np.asarray(d[name], dtype=np.float64)) for name in
              ("weights", "means", "covariances", "nk", "det", "min_eigenvalue",
               "condition_number")}
    events = tuple(
        SingularityEvent(**{**e, "old_mean": tuple(e["old_mean"]),
                            "new_mean": tuple(e["new_mean"])})
        for e in d["events"]
    )
    return Snapshot(
        iteration=int(d["iteration"]), log_likelihood=float(d["log_likelihood"]),
        mean_log_likelihood=float(d["mean_log_likelihood"]), labels=None,
        flagged=frozen_copy(np.asarray(d["flagged"], dtype=bool)), events=events,
        converged=bool(d["converged"]), **arrays,
    )


def run_to_dict(config: EMConfig, data_source: dict, snapshots, X=None) -> dict:
    """The JSON-ready description of a run (what :func:`save_run` writes)."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "settings": _config_to_json(config),
        "data_source": dict(data_source),
        "iterations": [_snapshot_to_json(s) for s in snapshots],
    }
    if data_source.get("kind") == "points":
        if X is None:
            raise ValueError("a 'points' data source needs X to be saved with the run.")
        document["points"] = np.asarray(X).tolist()
    return document


def save_run(path, config: EMConfig, data_source: dict, snapshots, X=None) -> Path:
    """Write a run as JSON.

    Parameters
    ----------
    path : str or Path
    config : EMConfig
    data_source : dict
        From :func:`generator_source` or :func:`points_source`.
    snapshots : sequence of Snapshot
        Iteration 0 to the last iteration to keep.
    X : ndarray of shape (n_samples, n_features), optional
        Needed for a ``points`` source.

    Returns
    -------
    Path
    """
    path = Path(path)
    text = json.dumps(run_to_dict(config, data_source, snapshots, X), allow_nan=False)
    # Write-then-rename: a crash while saving never leaves half a file behind.
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def load_run(path) -> RunRecord:
    """Read a run saved by :func:`save_run`.

    Raises
    ------
    RunFileError
        When the file is missing, not JSON, or not a gmm-viz run.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunFileError(f"{path}: no such file.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RunFileError(f"{path}: not a readable JSON file ({exc}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RunFileError(f"{path}: not a gmm-viz run file (no '\"format\": \"{FORMAT}\"').")
    from gmm_viz.data import DataError, make_dataset, validate_points

    try:
        settings = _expect(document, "settings", dict)
        source = _expect(document, "data_source", dict)
        iterations = _expect(document, "iterations", list)
        config = _config_from_json(settings)
        if source.get("kind") == "generator":
            X = make_dataset(source["name"], n_samples=source.get("n_samples"),
                             random_state=source.get("random_state"),
                             noise=source.get("noise")).X
        else:
            X = validate_points(np.asarray(document["points"], dtype=np.float64),
                                n_components=config.n_components)
        snapshots = [_snapshot_from_json(d) for d in iterations]
        if not snapshots:
            raise ValueError("it holds no iterations")
        _check_snapshots(snapshots, config.n_components, X.shape[1])
    except (KeyError, TypeError, ValueError, DataError) as exc:
        # (ConfigError and DataError are ValueErrors with a readable message)
        detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise RunFileError(f"{path}: the run file is damaged or incomplete: {detail}") \
            from None
    return RunRecord(config=config, data_source=source, X=X, snapshots=snapshots)


def _expect(document, key, kind):
    value = document[key]
    if not isinstance(value, kind):
        raise TypeError(f"'{key}' should be a {kind.__name__}, not a {type(value).__name__}")
    return value


def _check_snapshots(snapshots, n_components, n_features):
    """Every saved iteration must be a usable state: shapes, finite values, valid covariances.

    Raises
    ------
    ValueError
        Naming the iteration and what is wrong with it.
    """
    k, d = n_components, n_features
    shapes = {"weights": (k,), "means": (k, d), "covariances": (k, d, d), "nk": (k,),
              "det": (k,), "min_eigenvalue": (k,), "condition_number": (k,), "flagged": (k,)}
    for position, snap in enumerate(snapshots):
        where = f"iteration {snap.iteration}"
        if snap.iteration != position:
            raise ValueError(f"the iterations are not numbered 0, 1, 2, ... ({where} at "
                             f"position {position})")
        for name, shape in shapes.items():
            value = getattr(snap, name)
            if value.shape != shape:
                raise ValueError(f"{where}: {name} has shape {value.shape}, expected {shape}")
            if not np.isfinite(value.astype(float)).all():
                raise ValueError(f"{where}: {name} holds values that are not finite")
        if (snap.weights < 0).any() or not np.isclose(snap.weights.sum(), 1.0, atol=1e-6):
            raise ValueError(f"{where}: the weights must be >= 0 and sum to 1")
        covs = snap.covariances
        if not np.allclose(covs, covs.transpose(0, 2, 1), rtol=1e-9, atol=0):
            raise ValueError(f"{where}: a covariance is not symmetric")
        if not (np.linalg.eigvalsh(covs) > 0).all():
            raise ValueError(f"{where}: a covariance is not positive definite")
        for name in ("log_likelihood", "mean_log_likelihood"):
            if not np.isfinite(getattr(snap, name)):
                raise ValueError(f"{where}: {name} is not finite")


def save_responsibilities_csv(path, X, resp, feature_names=()) -> Path:
    """Write each point with its responsibilities and hard label as CSV.

    Parameters
    ----------
    path : str or Path
    X : ndarray of shape (n_samples, n_features)
    resp : ndarray of shape (n_samples, n_components)
    feature_names : sequence of str, optional

    Returns
    -------
    Path
    """
    X, resp = np.asarray(X), np.asarray(resp)
    names = list(feature_names) or [f"x{i + 1}" for i in range(X.shape[1])]
    header = names + [f"resp_{k}" for k in range(resp.shape[1])] + ["label"]
    table = np.column_stack([X, resp, resp.argmax(axis=1)])
    formats = ["%.10g"] * (X.shape[1] + resp.shape[1]) + ["%d"]
    path = Path(path)
    np.savetxt(path, table, delimiter=",", header=",".join(header), comments="", fmt=formats)
    return path
