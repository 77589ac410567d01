"""``gmm_viz.show``: the window on a NumPy array, or the replay of a fitted model.

::

    import gmm_viz
    gmm_viz.show(X, n_components=3, init="kmeans")   # EM on X, ready to play
    model = gmm_viz.GaussianMixtureEM(3, random_state=0).fit(X)
    gmm_viz.show(model, X)                           # the model's run, to scrub through

In a script the call blocks until the window is closed (it runs Qt's event loop). Where
an event loop already runs (IPython after ``%gui qt``, a Qt application, a slot) it
returns the window at once and the session stays usable; ``block=`` decides explicitly.

The data go through the data layer's check (:func:`gmm_viz.data.validate_points`: a 2-D
numeric finite array with at least two columns to draw), the settings through
:class:`~gmm_viz.engine.EMConfig`; a bad value raises before any window opens, with the
message saying what to change.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import warnings
from dataclasses import fields

import numpy as np

__all__ = ["event_loop_running", "show"]

#: Windows opened without blocking: held here so that they are not garbage-collected
#: (and closed) when the caller drops the returned window.
_OPEN_WINDOWS: list = []

#: The QApplication show() created or found (see _open).
_APPLICATION = None

#: The name the data of ``show(X)`` gets (window title, data list).
ARRAY_NAME = "NumPy array"
#: The label of a replayed model's run (data list, "Opened the run ..." message).
MODEL_LABEL = "GaussianMixtureEM fit"

_NO_DISPLAY = (
    "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the window cannot "
    "open; set QT_QPA_PLATFORM=offscreen to run it invisibly, or use gmm_viz.engine "
    "without a window.")


def show(data, X=None, /, n_components=None, *, block=None, **settings):
    """Open the gmm-viz window on points, or on the run of a fitted model.

    Parameters
    ----------
    data : array-like of shape (n_samples, n_features), or GaussianMixtureEM
        The points (at least two columns; the window shows the first two and fits all),
        or a fitted :class:`gmm_viz.GaussianMixtureEM` whose run is replayed.
    X : array-like of shape (n_samples, n_features), optional
        With a model: the data it was fitted on (required).
    n_components : int, optional
        k, for points (default 5, EMConfig's); with a model it is the model's.
    block : bool or None, default=None
        Run Qt's event loop until the window is closed. None: block unless an event loop
        runs already (IPython's ``%gui qt``, a running Qt application).
    **settings
        Other :class:`~gmm_viz.engine.EMConfig` fields for points: ``init``,
        ``covariance_type``, ``rule``, ``threshold``, ``random_state``, ``max_iter``, ...
        Not accepted with a model (its run has its own settings).

    Returns
    -------
    MainWindow
        The window (closed already when the call blocked).

    Raises
    ------
    gmm_viz.data.DataError
        Points that cannot be fitted (not 2-D, text, NaN or infinity, one column, fewer
        distinct points than k).
    ValueError
        A setting out of range (:class:`~gmm_viz.engine.ConfigError`), an unfitted model,
        ``X`` that is not the data the model was fitted on, or a run that cannot be
        replayed.
    TypeError
        An unknown setting, or a model that is not a GaussianMixtureEM.
    RuntimeError
        No display to open a window on.
    """
    from sklearn.mixture import GaussianMixture

    from gmm_viz.engine.estimator import GaussianMixtureEM

    if isinstance(data, GaussianMixtureEM):
        if settings or n_components not in (None, data.n_components):
            given = sorted(settings) + (["n_components"] if n_components is not None else [])
            raise TypeError(f"show(model, X) replays the model's own run; do not pass "
                            f"settings ({', '.join(given)}): set them on the model and fit "
                            "it again.")
        dataset, config, snapshots = _model_run(data, X)
    elif isinstance(data, GaussianMixture):
        raise TypeError(
            "show() replays a gmm_viz.GaussianMixtureEM, which records its run; fit "
            "gmm_viz.GaussianMixtureEM(**model.get_params()) instead of scikit-learn's "
            "GaussianMixture (same parameters, same results).")
    else:
        if X is not None:
            raise TypeError("show(X, ...) takes the points once; X as a second argument "
                            "goes with a fitted model: show(model, X).")
        config = _config(n_components, settings)
        dataset = _dataset(data, config.n_components)
        snapshots = None
    return _open(dataset, config, snapshots, block)


# ---------------------------------------------------------------------- checks
def _config(n_components, settings):
    """The EMConfig of ``show(X, n_components, **settings)``; TypeError for a wrong name."""
    from gmm_viz.engine import EMConfig

    names = {f.name for f in fields(EMConfig)}
    unknown = sorted(set(settings) - names)
    if unknown:
        raise TypeError(f"unknown setting{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(map(repr, unknown))}; the settings are EMConfig's: "
                        f"{', '.join(sorted(names - {'n_components'}))}.")
    if n_components is not None:
        settings = {**settings, "n_components": n_components}
    return _shown_config(EMConfig(**settings))


def _shown_config(config):
    """``config``, refused with the window's reason when its controls cannot show it."""
    from gmm_viz.engine import ConfigError
    from gmm_viz.gui.panels.controls import ControlPanel

    try:
        ControlPanel.check_config(config)
    except ValueError as exc:
        raise ConfigError(f"the window cannot show this run: {exc}") from None
    return config


def _dataset(X, n_components, name=ARRAY_NAME):
    """The points as a :class:`~gmm_viz.data.Dataset` (checked by the data layer)."""
    from gmm_viz.data import Dataset, validate_points

    points = validate_points(X, n_components=n_components, min_features=2)
    names = tuple(f"x{i + 1}" for i in range(points.shape[1]))
    columns = getattr(X, "columns", None)  # a pandas DataFrame names its columns
    if columns is not None and len(columns) == points.shape[1]:
        names = tuple(str(c) for c in columns)
    return Dataset(X=points, labels=None, suggested_k=int(n_components), name=name,
                   feature_names=names, source="gmm_viz.show", description="")


def _model_run(model, X):
    """Data, config and every snapshot of a fitted model's run.

    The model's ``history_`` when it kept one (``record_history=True``); otherwise the
    run is made again by a clone with ``record_history=True``, and accepted only when it
    is the same run (the same log-likelihood at every iteration and the same fitted
    parameters): with an integer ``random_state`` it is.
    """
    from sklearn.base import clone
    from sklearn.exceptions import ConvergenceWarning

    from gmm_viz.engine import EMConfig

    if not hasattr(model, "means_"):
        raise ValueError("the model is not fitted yet: call model.fit(X) first, then "
                         "show(model, X).")
    if X is None:
        raise TypeError("show(model, X) needs the data the model was fitted on.")
    # k above the distinct points is fitted by scikit-learn, refused by the window's run.
    dataset = _dataset(X, int(model.n_components), name=MODEL_LABEL)
    if dataset.X.shape[1] != model.n_features_in_:
        raise ValueError(f"X has {dataset.X.shape[1]} features but the model was fitted on "
                         f"{model.n_features_in_}; pass the data it was fitted on.")
    history = getattr(model, "history_", None) if model.record_history else None
    if history is None:
        replay = clone(model).set_params(record_history=True, verbose=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            replay.fit(dataset.X)
        same = (replay.n_iter_ == model.n_iter_
                and np.allclose(replay.lower_bounds_, model.lower_bounds_, rtol=1e-9,
                                atol=0)
                and np.allclose(replay.means_, model.means_, rtol=1e-9, atol=1e-12))
        if not same:
            raise ValueError(
                "the model's run cannot be replayed: fitting it again on this X gives "
                "another run (random_state is not a fixed number, warm_start, or X is not "
                "the data it was fitted on). Fit it with record_history=True, or with an "
                "integer random_state, on this X.")
        history = replay.history_
    # The recorded run's log-likelihood at the fitted parameters is the model's score
    # on its training data: another X is refused (its replay would show other numbers).
    if not np.isclose(model.score(dataset.X), history[-1].mean_log_likelihood, rtol=1e-7,
                      atol=1e-9):
        raise ValueError("X is not the data the model was fitted on (its log-likelihood "
                         "under the model differs from the recorded run's); pass that data.")
    seed = model.random_state
    config = EMConfig(
        n_components=int(model.n_components),
        covariance_type=model.covariance_type,
        init=model.init_params,
        weights_init=model.weights_init,
        means_init=model.means_init,
        precisions_init=model.precisions_init,
        reg_covar=float(model.reg_covar),
        tol=float(model.tol),
        max_iter=max(int(model.max_iter), 1),
        rule=model.singularity_rule,
        threshold=float(model.singularity_threshold),
        condition_limit=float(model.condition_limit),
        recovery=model.recovery,
        recovery_weight=float(model.recovery_weight),
        random_state=int(seed) if isinstance(seed, (int, np.integer)) else None,
    )
    return dataset, _shown_config(config), tuple(history)


def _missing_display():
    """Why no window can open here, or None (as the command line checks it: without a
    display Qt's xcb plugin aborts the whole process)."""
    if sys.platform.startswith(("win", "darwin", "cygwin")):
        return None
    requested = os.environ.get("QT_QPA_PLATFORM", "").strip()
    plugins = [part.split(":", 1)[0].strip() for part in requested.split(";") if part.strip()]
    if any(plugin != "xcb" for plugin in plugins):
        return None
    if os.environ.get("DISPLAY") or (not plugins and os.environ.get("WAYLAND_DISPLAY")):
        return None
    return _NO_DISPLAY


# ---------------------------------------------------------------------- the window
def event_loop_running() -> bool:
    """Whether a Qt event loop runs the GUI already, so that show() must not block.

    True inside a running ``QApplication.exec()`` (or any event loop of the main thread),
    and in IPython after ``%gui qt``: IPython runs Qt's loop only while it waits at the
    prompt, so the loop level alone would say no while a cell runs (napari checks
    IPython's ``active_eventloop`` for the same reason).
    """
    from PyQt6.QtCore import QThread
    from PyQt6.QtWidgets import QApplication

    if QApplication.instance() is not None and QThread.currentThread().loopLevel() > 0:
        return True
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    loop = getattr(shell, "active_eventloop", None) if shell is not None else None
    return str(loop or "").startswith("qt")


def _open(dataset, config, snapshots, block):
    """Create the window on ``dataset`` with ``config``; install ``snapshots`` (a model's
    run) when given; block or not."""
    from PyQt6.QtWidgets import QApplication

    if QApplication.instance() is None:
        problem = _missing_display()
        if problem:
            raise RuntimeError(problem)
    from gmm_viz.gui.app import create_application
    from gmm_viz.gui.main_window import LaunchOptions, MainWindow
    from gmm_viz.run.run_file import RunRecord, points_source

    global _APPLICATION
    # Held for the process: PyQt destroys an application (and every window) whose last
    # Python reference goes, and a non-blocking caller keeps none.
    _APPLICATION = app = create_application()
    if block is None:
        block = not event_loop_running()
    # Every field, so the run is exactly this config, whatever the controls remembered.
    changes = {f.name: getattr(config, f.name) for f in fields(config)}
    from gmm_viz.gui.worker import em_worker

    em_worker.prepare_window_kernel = True  # the first run never waits for a compiler
    window = MainWindow(LaunchOptions(csv_dataset=dataset, config_changes=changes))
    label = f"{dataset.name} ({dataset.X.shape[0]:,} x {dataset.X.shape[1]})"
    if snapshots is None:
        # The data list names the array as what it is, not as a file.
        window.run_controller.set_loaded_file(dataset, label)
    else:
        record = RunRecord(config=config,
                           data_source=points_source(MODEL_LABEL, dataset.feature_names),
                           X=dataset.X, snapshots=list(snapshots))
        window.install_run(record, dataset, MODEL_LABEL)
    window.show()
    window.raise_()
    if block:
        _run_event_loop(app, window)
    else:
        _OPEN_WINDOWS[:] = [w for w in _OPEN_WINDOWS if _still_open(w)] + [window]
    return window


def _still_open(window) -> bool:
    """Whether a window opened earlier is still on screen (not closed, not deleted)."""
    try:
        return window.isVisible()
    except RuntimeError:  # its C++ object was deleted (e.g. by a test's qtbot)
        return False


def _run_event_loop(app, window):
    """Qt's event loop until the window closes (as :func:`gmm_viz.gui.app.run_app`), with
    Ctrl+C closing it; the caller's process goes on afterwards."""
    from PyQt6.QtCore import QTimer

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: window.close()) if main_thread else None
    # Python runs signal handlers only between bytecodes: a timer wakes it regularly.
    waker = QTimer()
    waker.timeout.connect(lambda: None)
    waker.start(250)
    try:
        app.exec()
    finally:
        waker.stop()
        if main_thread:
            signal.signal(signal.SIGINT, previous)
