"""What a run request becomes: sent, replaced, failed, refused or shown.

The window asks for runs (new data, a new k, a file, an opened run file) and the worker
answers later, with a run or a failure, possibly after newer requests were sent. The
:class:`RunController` keeps the bookkeeping that decides what each answer means:

- what was asked for last, so that a new k does not cancel data that has not started yet;
- what is shown, committed only from the runs the worker delivers, so that a request that
  fails leaves the previous data, run and settings in place and the panel is put back;
- which answers are out of date: the answer to a superseded request is dropped.

It imports no Qt. It is given the worker (anything with ``request_run`` and
``update_settings``, as :class:`~gmm_viz.gui.worker.EMController`) and the panel (anything
with ``config``, ``set_config``, ``set_data_request`` and ``set_loaded_file``, as
:class:`~gmm_viz.gui.panels.controls.ControlPanel`). It calls them to send requests and to
put the panel back; what the user should be told is returned, and the window shows it.

The data of a request is described by a *source*:

None
    the data of the shown run;
``"loaded"``
    the last file loaded successfully;
``("file", path, columns, label_column)``
    a CSV file (``columns`` None: all its numeric columns; ``label_column`` the text
    column of true labels, None for none, or :data:`~gmm_viz.data.AUTO`: the loader's
    choice);
``("run", label)``
    the points stored in a run file (the data set comes with the request);
any other value
    a named data set, :class:`~gmm_viz.data.DataRequest` (``name``,
    ``n_samples``, ``noise``, ``random_state``).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from gmm_viz.data import AUTO, DataRequest

#: Default source of :meth:`RunController.request_run`: the data asked for last.
KEEP = object()


@dataclass(frozen=True)
class AppliedRun:
    """What the window needs after a new run was committed.

    Attributes
    ----------
    source : DataRequest, "loaded" or None
        The run's data: a named data set, the loaded file (a CSV or the points of a run
        file), or None for the data of the previous run.
    message : str or None
        The explanation of an opened run file (None for any other run).
    """

    source: object
    message: str | None


class RunController:
    """The requested and the shown run, and what the worker's answers change.

    Parameters
    ----------
    worker : EMController or alike
        Receives ``request_run(config, dataset=, make_dataset=, history=, curve=)`` (returns
        the request's token, increasing) and ``update_settings(config)``.
    panel : ControlPanel or alike
        ``config()``, ``set_config(config)``, ``set_data_request(request)`` and
        ``set_loaded_file(label)``; the setters emit nothing.
    """

    def __init__(self, worker, panel):
        self._worker = worker
        self._panel = panel
        # What is shown (committed from the worker's runs and frames).
        self._run = None
        self._config = None
        self._source = None
        self._loaded = None  # (Dataset, label) of the last file loaded successfully
        # What was asked for.
        self._requested_config = None
        self._requested_source = None
        self._latest_token = 0
        self._sources = {}  # token -> source of a request not answered yet
        self._opened_runs = {}  # token -> file name of a run file being opened
        self._refused_run_id = None  # a run whose data could not be drawn

    # ------------------------------------------------------------------ what is shown
    @property
    def run(self):
        """The shown run (a :class:`~gmm_viz.run.session.RunInfo`), or None."""
        return self._run

    @property
    def config(self):
        """The configuration of the shown run, with its live changes (None before one)."""
        return self._config

    @property
    def source(self):
        """The source of the shown data: a DataRequest, ``"loaded"`` or None."""
        return self._source

    def is_shown(self, run) -> bool:
        """True when ``run`` is the run on screen."""
        return self._run is not None and run.run_id == self._run.run_id

    def is_refused(self, run) -> bool:
        """True when ``run``'s data could not be drawn (its frames are to be dropped)."""
        return run.run_id == self._refused_run_id

    def record_config(self, config):
        """The shown run now runs with ``config`` (a live change reached the worker)."""
        self._config = config

    def data_source(self) -> dict:
        """Where the shown data comes from, for a run file (:mod:`gmm_viz.run.run_file`)."""
        from gmm_viz.run.data_edits import is_edited
        from gmm_viz.run.run_file import generator_source, points_source

        if self._run is not None and is_edited(self._run.dataset):
            # Points drawn or erased by hand: the generator would not give them back.
            dataset = self._run.dataset
            return points_source(dataset.name, dataset.feature_names)
        if _kind(self._source) == "named":
            s = self._source
            return generator_source(s.name, s.n_samples, s.random_state, s.noise)
        if self._loaded is None:
            return points_source("points")
        dataset, label = self._loaded
        return points_source(label, dataset.feature_names)

    # ------------------------------------------------------------------ requests
    def request_run(self, config=None, source=KEEP, history=None, dataset=None, make=None,
                    curve=None) -> int | None:
        """Start a run with ``config`` on the data described by ``source``.

        Parameters
        ----------
        config : EMConfig, optional
            Default: the last requested configuration (or the panel's, before any).
        source : optional
            See the module's description. Default: the last requested data (so a new k
            does not cancel a data request that has not started yet).
        history : sequence of Snapshot, optional
            A saved run to install (see :class:`~gmm_viz.run.session.RunRequest`).
        dataset : Dataset, optional
            The data itself, when already built (an opened run).
        make : callable, optional
            Builds the data of ``source`` in the worker (e.g. from a file parsed already).
        curve : object, optional
            The whole curve of a saved thinned ``history``.

        Returns
        -------
        int or None
            The request's token; None (and nothing is sent) when ``source`` describes no
            data that can be built (the loaded file before any, say).
        """
        if config is None:
            config = self._requested_config or self._panel.config()
        if source is KEEP:
            source = self._requested_source
        if dataset is None and make is None:
            dataset, make = self._resolve(source)
        if dataset is None and make is None:
            return None
        token = self._worker.request_run(config, dataset=dataset, make_dataset=make,
                                         history=history, curve=curve)
        self._sources[token] = source
        self._requested_config = config
        self._requested_source = source
        self._latest_token = token
        return token

    def request_data(self, request):
        """Start a run on the named data set ``request`` (the panel's data choice)."""
        self.request_run(source=request)

    def request_loaded_data(self):
        """Start a run on the last loaded file; without one, put the panel back."""
        if self._loaded is None:
            self.revert_panel()
            return
        self.request_run(source="loaded")

    def change_config(self, config):
        """The panel's configuration changed: update the run live, or restart it.

        Live settings (threshold, rule, tolerance, ...) reach the running run; anything
        else (k, covariance type, initialisation, seed) starts a new one at iteration 0.
        """
        current = self._requested_config
        if current is not None and self._run is not None and not current.restarts_run(config):
            self._worker.update_settings(config)
            self._requested_config = config
            return
        self.request_run(config)

    def set_loaded_file(self, dataset, label: str):
        """Make ``dataset`` the loaded file (read already, e.g. by the command line)."""
        self._loaded = (dataset, label)
        self._panel.set_loaded_file(label)

    def load_csv(self, path, columns, table=None, label_column=AUTO) -> int | None:
        """Start a run on ``columns`` of the CSV file ``path`` (None: all its numeric columns).

        ``table`` is the file already parsed (:class:`~gmm_viz.data.csv_loader.CsvTable`);
        without it the file is read again. ``label_column`` names the text column of true
        labels (None: none; :data:`~gmm_viz.data.AUTO`: the first usable one). Too few
        columns fail in the worker with the loader's message, like any other unusable file.
        """
        source = ("file", path, None if columns is None else tuple(columns), label_column)
        make = None
        if table is not None:
            make = functools.partial(table.dataset, None if columns is None else list(columns),
                                     label_column=label_column)
        return self.request_run(source=source, make=make)

    def open_run(self, record, dataset, label: str, data_request=None) -> int:
        """Start the saved run ``record`` (a :class:`~gmm_viz.run.run_file.RunRecord`).

        Parameters
        ----------
        record : RunRecord
            Its config, snapshots and curve are installed as the run's history.
        dataset : Dataset
            The run's data, rebuilt from the record.
        label : str
            The file's name, for the messages.
        data_request : DataRequest, optional
            The named data set the record was made on; None when its points are stored in
            the file (they become the loaded file when the run starts, so that a bad file
            keeps the previous one).
        """
        source = data_request if data_request is not None else ("run", f"run: {label}")
        token = self.request_run(record.config, source=source, history=record.snapshots,
                                 dataset=dataset, curve=record.curve)
        self._opened_runs[token] = label
        return token

    def _resolve(self, source):
        """The in-memory dataset or the factory that builds it, for ``source``."""
        if self._run is not None and (source is None or source == self._source):
            return self._run.dataset, None
        kind = _kind(source)
        if kind == "loaded" and self._loaded is not None:
            return self._loaded[0], None
        if kind == "named":
            return None, source.make
        if kind == "file":
            from gmm_viz.data import load_csv

            _, path, columns, label_column = source
            return None, lambda: load_csv(path, columns=None if columns is None
                                          else list(columns), label_column=label_column)
        return None, None

    # ------------------------------------------------------------------ answers
    def commit_run(self, run) -> AppliedRun:
        """A new run is on screen: it, its data and its config become the shown ones.

        Called once its points are drawn (drawing can fail, see :meth:`refuse_run`).
        """
        source = self._sources.pop(run.token, None)
        # Requests older than this one can no longer arrive.
        for token in [t for t in self._sources if t < run.token]:
            del self._sources[token]
        self._run = run
        self._config = run.config
        kind = _kind(source)
        if kind in ("file", "run"):
            label = file_label(source[1]) if kind == "file" else source[1]
            self._loaded = (run.dataset, label)
            self._panel.set_loaded_file(label)
            if self._requested_source == source:
                self._requested_source = "loaded"
            source = "loaded"
        if source is not None:
            self._source = source
        opened = self._opened_runs.pop(run.token, None)
        for token in [t for t in self._opened_runs if t < run.token]:
            del self._opened_runs[token]
        message = None
        if opened:
            message = (f"Opened the run {opened}: {_run_summary(run)}. Drag the timeline or "
                       "use Left/Right to replay it; Play continues it.")
        return AppliedRun(source, message)

    def run_failed(self, token: int, message: str) -> str | None:
        """The request ``token`` failed in the worker with ``message``.

        Returns
        -------
        str or None
            The error to show, naming the file or the run file when there is one; None
            when a newer request replaced this one (its answer describes nothing on
            screen). When no newer request is pending, the panel is put back to the
            shown run and the next request starts from it.
        """
        source = self._sources.pop(token, None)
        if token < self._latest_token:
            # A newer request replaced this one while the worker was busy with it: its
            # answer is out of date, and showing it would describe what is not on screen.
            self._opened_runs.pop(token, None)
            return None
        kind = _kind(source)
        if kind == "file":
            message = file_message(source[1], message)
        elif kind == "run":
            message = f"Could not open the {source[1]}: {message}"
            self._opened_runs.pop(token, None)
        if token == self._latest_token:
            # Nothing newer is pending: show the run that is still there.
            self._requested_config = self._config
            self._requested_source = self._source
            self.revert_panel()
        return message

    def refuse_run(self, run, exc: Exception) -> str | None:
        """The worker started ``run`` but its data cannot be drawn (``exc``).

        The worker already replaced its run, so unless a newer request is on its way the
        previous data and configuration are requested again (from iteration 0: the worker
        no longer has their history). Frames of the refused run are to be dropped
        (:meth:`is_refused`). Returns the error to show, or None (see :meth:`run_failed`).
        """
        self._refused_run_id = run.run_id
        restart = self._run is not None and run.token == self._latest_token
        message = f"Could not show the new data: {str(exc) or type(exc).__name__}."
        if restart:
            message += " The previous data is shown again, restarted at iteration 0."
        message = self.run_failed(run.token, message)  # names the file, puts the panel back
        if restart:
            self.request_run(self._config, source=self._source)
        return message

    def revert_panel(self):
        """Show the shown run's configuration and data in the panel again."""
        if self._config is not None:
            self._panel.set_config(self._config)
        kind = _kind(self._source)
        if kind == "named":
            self._panel.set_data_request(self._source)
        elif kind == "loaded" and self._loaded is not None:
            self._panel.set_loaded_file(self._loaded[1])


def file_label(path) -> str:
    """``"file: points.csv"``: how a loaded file is named in the panel's data list."""
    return f"file: {os.path.basename(os.fspath(path))}"


def file_message(path, message: str) -> str:
    """A failure message that names the file (the data module's usually does already)."""
    name = os.path.basename(os.fspath(path))
    if name in message:
        return f"Could not open the file: {message}"
    return f"Could not open {name}: {message}"


def _kind(source) -> str:
    """``"same"``, ``"loaded"``, ``"file"``, ``"run"`` or ``"named"`` (see the module)."""
    if source is None:
        return "same"
    if isinstance(source, str):
        return source
    if isinstance(source, tuple):
        return source[0]
    if isinstance(source, DataRequest):
        return "named"
    raise TypeError(f"not a data source: {source!r}")


def _run_summary(run) -> str:
    """``"272 points, k = 2"`` for a run's message."""
    return f"{run.dataset.X.shape[0]:,} points, k = {run.config.n_components}"


