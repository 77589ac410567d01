"""The run a headless command makes: from the options to every snapshot, and its errors.

``fit`` and ``render`` both build a data set and a config from the options
(:func:`build_run`), run EM to the end without a window (:func:`run_to_end`) and refuse a
bad ``--out`` before anything runs (:func:`check_out_path`). Whatever goes wrong is a
:class:`UsageError`, printed by :func:`fail` as one line on stderr with exit status 2.
Nothing here imports Qt.
"""

from __future__ import annotations

import sys

from gmm_viz.cli.options import config_changes
from gmm_viz.files import FileCheckError, check_output_target


class UsageError(Exception):
    """Bad arguments or data: printed as one line, exit status 2."""


def fail(exc) -> int:
    """Print ``exc`` as the command line's one-line error; returns the exit status, 2."""
    print(f"gmm-viz: error: {exc}", file=sys.stderr)
    return 2


def build_run(args):
    """Data set, config and data source the options describe.

    Returns
    -------
    dataset : gmm_viz.data.Dataset
    config : EMConfig
    source : dict
        For :func:`gmm_viz.run.run_file.save_run`.
    title : str
    soft : bool
        Whether soft colours tell this run's story.
    """
    from gmm_viz.data import DataError, load_csv, make_dataset
    from gmm_viz.engine import ConfigError, EMConfig
    from gmm_viz.run.run_file import generator_source, points_source
    from gmm_viz.scenarios import get_scenario

    try:
        means = getattr(args, "means", None)  # only fit and render have --means
        if args.scenario:
            if means is not None:
                raise UsageError("--means goes with --dataset or --csv: a scenario sets its "
                                 "own start (use the scenario's data set by name instead).")
            scenario = get_scenario(args.scenario)
            if args.remedy:
                scenario = scenario.remedied()
            dataset = scenario.data.make()
            spec = scenario.data
            source = generator_source(spec.name, spec.n_samples, spec.random_state, spec.noise)
            return dataset, scenario.config, source, scenario.title, scenario.soft_colours
        if args.remedy:
            raise UsageError("--remedy goes with --scenario.")
        if args.csv:
            dataset = load_csv(args.csv)
            source = points_source(str(args.csv), dataset.feature_names)
        else:
            name = args.dataset or "blobs"
            dataset = make_dataset(name, n_samples=args.n_samples)
            source = generator_source(name, args.n_samples)
        changes = config_changes(args)
        if means is not None:
            changes.update(means_changes(means, dataset, changes.get("n_components")))
        changes.setdefault("n_components", dataset.suggested_k)
        if args.max_iter is not None:  # else the app's default, as in the window
            changes["max_iter"] = args.max_iter
        for option, field in (("tol", "tol"), ("recovery", "recovery")):
            if getattr(args, option) is not None:
                changes[field] = getattr(args, option)
        config = EMConfig(**changes)
        return dataset, config, source, dataset.name, False
    except (DataError, ConfigError, KeyError) as exc:
        raise UsageError(str(exc).strip("'\"")) from None


def means_changes(means, dataset, k=None) -> dict:
    """The config fields ``--means`` sets: ``means_init``, and k when ``--k`` is not given.

    Parameters
    ----------
    means : ndarray of shape (n_means, n_values)
        From :func:`gmm_viz.cli.options.initial_means`.
    dataset : Dataset
    k : int or None
        ``--k``, when given.

    Raises
    ------
    UsageError
        When a mean does not have one value per feature of the data, or ``--k`` asks for
        another number of components.
    """
    n_features = dataset.X.shape[1]
    n_means, n_values = means.shape
    if n_values != n_features:
        names = ", ".join(dataset.feature_names[:6]) + (", ..." if n_features > 6 else "")
        raise UsageError(
            f"--means gives {n_values} value{'s' if n_values != 1 else ''} per mean but the "
            f"data has {n_features} feature{'s' if n_features != 1 else ''} ({names}); give "
            f"{n_features} values per mean.")
    if k is not None and k != n_means:
        raise UsageError(
            f"--means gives {n_means} mean{'s' if n_means != 1 else ''} but --k is {k}; give "
            "one mean per component, or leave out --k (the means set it).")
    return {"n_components": n_means, "means_init": means}


def run_to_end(dataset, config, max_iterations=None):
    """Play a run session on ``dataset`` until EM finishes or ``max_iterations`` are done.

    Returns
    -------
    session : RunSession
        The run (its engine recomputes labels and responsibilities of any iteration).
    snapshots : list of Snapshot
        Every iteration, with its labels.

    Raises
    ------
    UsageError
        The data or the config cannot be fitted, or an EM step failed.
    """
    from gmm_viz.data import DataError
    from gmm_viz.run.session import RunSession, SessionError

    try:
        session = RunSession(dataset, config)
        return session, session.run_to_end(max_iterations)
    except (DataError, ValueError, SessionError) as exc:
        raise UsageError(str(exc)) from None


def check_png_out(path) -> None:
    """Refuse an ``--out`` for a picture that is not a ``.png`` file name, or that cannot
    be written (see :func:`check_out_path`); None (no ``--out``) passes."""
    if path is None:
        return
    from pathlib import Path

    if Path(path).suffix.lower() != ".png":
        raise UsageError(f"{path}: the file name must end in .png.")
    check_out_path(path, "PNG picture")


def check_out_path(path, what: str):
    """Refuse an ``--out`` that is not a new or regular file (a folder, a FIFO, /dev/null).

    Raises
    ------
    UsageError
        "PATH: could not write the WHAT: why. What to do."
    """
    try:
        check_output_target(path, what=what)
    except FileCheckError as exc:
        text, prefix = str(exc), f"{path}: "
        reason = text.removeprefix(prefix)
        if reason.startswith("is "):  # "is a folder", "is a device, ..."
            reason = "it " + reason
        raise UsageError(f"{path}: could not write the {what}: {reason}") from None
