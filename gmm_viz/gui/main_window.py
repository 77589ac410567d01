"""The main window: wires the control panel, the worker and the views.

Data flow: the panel emits validated configs and data requests; the run controller
(:class:`~gmm_viz.gui.run_controller.RunController`) sends them to the worker
(:class:`~gmm_viz.gui.worker.EMController`), either as a live settings update or as a new
run, and decides what the worker's answers mean: what is shown, and what counts as the
current data and configuration, always comes from the runs the worker delivers, so a
request that fails (bad file, k larger than the number of distinct points) leaves the
previous data, run and settings in place: the panel is put back and the reason is shown
in the message bar. The window draws the frames in every view (when, is the
:class:`~gmm_viz.gui.frame_pacer.FramePacer`'s decision) and shows the messages (in the
words of :mod:`gmm_viz.run.describe`); opening a CSV file is the
:class:`~gmm_viz.gui.panels.file_opener.FileOpener`'s.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QApplication, QMainWindow, QSplitter, QVBoxLayout, QWidget

from gmm_viz.data import DataRequest
from gmm_viz.gui import settings as app_settings
from gmm_viz.gui import zoom
from gmm_viz.gui.frame_pacer import FramePacer
from gmm_viz.gui.panels.controls import ControlPanel, DisplayOptions
from gmm_viz.gui.panels.docks import scrolling_dock
from gmm_viz.gui.panels.file_opener import FileOpener
from gmm_viz.gui.panels.load_progress import LoadProgress
from gmm_viz.gui.panels.message_bar import MessageBar
from gmm_viz.gui.run_controller import KEEP, RunController, file_label
from gmm_viz.gui.views.component_table import ComponentTable
from gmm_viz.gui.views.status_readout import StatusReadout
from gmm_viz.gui.views.timeline import TimelineBar
from gmm_viz.gui.worker import EMController
from gmm_viz.limits import MAX_SEED
from gmm_viz.run import describe

#: How long closing waits for a run file or CSV being written (see closeEvent).
WRITE_WAIT_MS = 120_000


@dataclass(frozen=True)
class LaunchOptions:
    """What the command line asked for; None means "as remembered / default".

    Attributes
    ----------
    dataset : str or None
        A named data set.
    csv_dataset : Dataset or None
        Data already loaded from a CSV file (the command line loads it to fail early).
    csv_path : str or None
        Path of that file, for the window title and the data set list.
    config_changes : dict
        EMConfig fields to override (``n_components``, ``init``, ...).
    play : bool
        Start running at once.
    scenario : str or None
        One of the study's findings (:mod:`gmm_viz.scenarios`); it sets the data and the
        model, overriding the options above, and plays.
    """

    dataset: str | None = None
    csv_dataset: object = None
    csv_path: str | None = None
    config_changes: dict = field(default_factory=dict)
    play: bool = False
    scenario: str | None = None


class MainWindow(QMainWindow):
    """The gmm-viz window.

    Parameters
    ----------
    options : LaunchOptions, optional
        Command-line choices; they override the remembered settings.
    settings : QSettings, optional
        Where settings are remembered (default :func:`~gmm_viz.gui.settings.open_settings`).

    Signals
    -------
    sigFrameShown(Frame)
        A frame was drawn (tests and tools wait on it).
    sigMessageShown(str)
        A message was put in the message bar.
    sigRunApplied(RunInfo, object)
        A new run is on screen; the second argument describes its data (a DataRequest,
        ``"loaded"`` for a file, or None for the data of the previous run).
    """

    sigFrameShown = pyqtSignal(object)
    sigMessageShown = pyqtSignal(str)
    sigRunApplied = pyqtSignal(object, object)

    def __init__(self, options: LaunchOptions | None = None, settings=None, parent=None):
        super().__init__(parent)
        from gmm_viz.data import FIXED_SIZE_DATASETS, NOISY_DATASETS, dataset_names
        from gmm_viz.gui.export.actions import ExportActions
        from gmm_viz.gui.panels.scenario_actions import ScenarioActions
        from gmm_viz.gui.views.canvas import MixtureCanvas
        from gmm_viz.gui.views.loglik_plot import LogLikelihoodPlot

        options = options or LaunchOptions()
        self._settings = settings if settings is not None else app_settings.open_settings()
        self.setWindowTitle("gmm-viz: EM on Gaussian mixtures")
        # Not a child of the window: the controller's finalizer joins the worker thread
        # even if the window is deleted without being closed.
        self.controller = EMController()
        self.controller.watch_painting(self)  # the worker steps between two paintings
        self.panel = ControlPanel(dataset_names(), NOISY_DATASETS,
                                  fixed_size_datasets=FIXED_SIZE_DATASETS)
        self.canvas = MixtureCanvas()
        self.loglik_plot = LogLikelihoodPlot()
        self.table = ComponentTable()
        self.message_bar = MessageBar()
        self.timeline = TimelineBar(self.panel.action_step)
        #: What was asked for and what is shown (committed from the worker's runs).
        self.run_controller = RunController(self.controller, self.panel)

        self._last_frame = None
        self._axes = (0, 1)
        self._playing = False
        self._display = DisplayOptions()
        self._closed = False
        self._finished_shown = False
        self._em_has_run = False  # the first-look hint goes once EM has run
        self._zoom = 1.0

        self._build_layout()
        self.scenarios = ScenarioActions(self)
        self.exports = ExportActions(self)
        self.file_opener = FileOpener(self, self._settings)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.scenarios.dock)
        # The scenario text reads well at ~300 px; the rest goes to the canvas and table.
        self.resizeDocks([self.scenarios.dock], [SCENARIO_DOCK_WIDTH], Qt.Orientation.Horizontal)
        self._build_menus()
        self._build_status_bar()
        #: Draws the worker's frames at display rate at most.
        self.frame_pacer = FramePacer(self.controller.take_frame, self.show_frame, self)
        # The worker steps aside for the GIL just before a waiting frame is due.
        cadence = self.frame_pacer.cadence
        self.controller.worker.frame_due = lambda: cadence.due
        self._connect()
        from gmm_viz.gui.analysis import install_analysis

        install_analysis(self)  # the Analyse menu: Starts side by side…, Model selection…
        from gmm_viz.gui.inspection import Inspection

        #: Hover, pin and select, and the Inspect panel's E-step and M-step.
        self.inspection = Inspection(self)
        self._view_menu.addAction(self.inspection.dock.toggleViewAction())
        from gmm_viz.gui.editing import Editing

        #: Drag means, place means by hand, draw and erase points (the Edit menu).
        self.editing = Editing(self)
        edit_menu = self.editing.add_menu(self.menuBar())
        self.timeline.add_tool(self.editing.action_draw)  # Draw points: a toggle at hand
        self.menuBar().insertMenu(self._run_menu.menuAction(), edit_menu)
        self._restore(options)

    # ------------------------------------------------------------------ building
    def _build_layout(self):
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.loglik_plot)
        bottom.addWidget(self.table)
        bottom.setStretchFactor(0, 1)
        bottom.setStretchFactor(1, 1)
        bottom.setSizes([440, 560])  # the table has seven columns
        self.canvas.setToolTip("Points coloured by component; ellipses at the chosen "
                               "standard deviations; drag to pan, wheel to zoom")
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(2)
        top_layout.addWidget(self.canvas, 1)
        top_layout.addWidget(self.timeline)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([560, 220])
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.message_bar)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

        self.dock = scrolling_dock("Controls", "controls_dock", self.panel, self,
                                   self.panel.sizeHint().width() + 24)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        self.resize(*_initial_size(self.screen()))

    def _build_menus(self):
        panel = self.panel
        self.action_quit = QAction("Quit", self)
        self.action_quit.setShortcut(QKeySequence("Ctrl+Q"))
        self.action_quit.setToolTip("Quit gmm-viz (Ctrl+Q)")
        self.action_quit.triggered.connect(self.close)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.setToolTipsVisible(True)
        file_menu.addAction(panel.action_open)
        for act in self.exports.actions:
            if act is None:
                file_menu.addSeparator()
            else:
                file_menu.addAction(act)
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        run_menu = self._run_menu = self.menuBar().addMenu("&Run")
        timeline = self.timeline
        for act in (panel.action_play, panel.action_step, timeline.action_step_back,
                    panel.action_reset, panel.action_new_seed):
            run_menu.addAction(act)
        run_menu.addSeparator()
        run_menu.addAction(timeline.action_half_steps)
        self.scenarios.add_menu(self.menuBar())
        view_menu = self.menuBar().addMenu("&View")
        view_menu.addAction(panel.action_fit_view)
        self.zoom_actions = zoom.make_zoom_actions(self, self._on_zoom_requested)
        view_menu.addSeparator()
        for act in self.zoom_actions:
            view_menu.addAction(act)
        view_menu.addSeparator()
        view_menu.addAction(self.dock.toggleViewAction())
        view_menu.addAction(self.scenarios.dock.toggleViewAction())
        self._view_menu = view_menu
        # Window-wide shortcuts, whatever widget has the focus.
        self.addActions([panel.action_open, panel.action_play, panel.action_step,
                         timeline.action_step_back, panel.action_reset,
                         panel.action_new_seed, panel.action_fit_view, self.action_quit,
                         *self.zoom_actions]
                        + [act for act in self.exports.actions if act is not None])

    def _build_status_bar(self):
        self.status_readout = StatusReadout()
        self.status_readout.add_to(self.statusBar())
        #: The readouts' labels by key (tests read them here).
        self.status_labels = self.status_readout.labels
        self.load_progress = LoadProgress()
        self.statusBar().addWidget(self.load_progress)

    def _connect(self):
        c, p, runs = self.controller, self.panel, self.run_controller
        c.sigFrameReady.connect(self.frame_pacer.frame_ready)
        c.sigRunFailed.connect(self._on_run_failed)
        c.sigPlayingChanged.connect(self._on_worker_playing_changed)
        c.sigError.connect(self._on_worker_error)
        p.sigConfigChanged.connect(runs.change_config)
        p.sigDataRequested.connect(runs.request_data)
        p.sigLoadedDataRequested.connect(runs.request_loaded_data)
        p.sigOpenRequested.connect(self.file_opener.ask_and_open)
        p.sigPlayToggled.connect(self._on_play_toggled)
        p.sigStepRequested.connect(self._on_step_requested)
        p.sigResetRequested.connect(self._on_reset_requested)
        p.sigNewSeedRequested.connect(self._on_new_seed_requested)
        p.sigFitViewRequested.connect(self.canvas.fit_view)
        p.sigSpeedChanged.connect(self.controller.set_speed)
        p.sigDisplayChanged.connect(self._on_display_changed)
        p.sigAxesChanged.connect(self._on_axes_changed)
        p.sigMessage.connect(self.show_error)
        c.sigHistoryTruncated.connect(self._on_history_truncated)
        self.timeline.sigSeekRequested.connect(self._on_seek_requested)
        self.timeline.sigStepBackRequested.connect(self._on_step_back_requested)
        self.timeline.sigHalfStepsToggled.connect(self._on_half_steps_changed)
        self.loglik_plot.sigIterationClicked.connect(self._on_seek_requested)

    def _restore(self, options: LaunchOptions):
        from gmm_viz.engine.config import ConfigError

        self.set_zoom(app_settings.load_zoom(self._settings))
        geometry, state = app_settings.load_window(self._settings)
        if geometry is not None:
            self.restoreGeometry(geometry)
            fit_to_screen(self)
        if state is not None:
            self.restoreState(state)
        self.panel.restore_state(app_settings.load_panel_state(self._settings))
        if options.config_changes:
            try:
                self.panel.set_config(self.panel.config().with_changes(**options.config_changes))
            except ConfigError as exc:
                self.show_error(str(exc))
        if options.dataset:
            self.panel.set_data_request(DataRequest(options.dataset))
        self._display = self.panel.display_options()
        self._apply_display(self._display)
        self.controller.set_speed(self.panel.speed())
        config = self.panel.config()
        if options.scenario:
            try:
                self.scenarios.choose(options.scenario)
                return
            except KeyError as exc:
                self.show_error(str(exc).strip("'\""))
        if options.csv_dataset is not None:
            label = file_label(options.csv_path or options.csv_dataset.name)
            self.run_controller.set_loaded_file(options.csv_dataset, label)
            self.run_controller.request_run(config, source="loaded")
        else:
            self.run_controller.request_run(config, source=self.panel.data_request())
        if options.play:
            self.panel.action_play.setChecked(True)

    # ------------------------------------------------------------------ public API
    @property
    def shown_iteration(self) -> int | None:
        """Iteration of the frame on screen (None before the first frame)."""
        return None if self._last_frame is None else int(self._last_frame.iteration)

    @property
    def dataset(self):
        """The data of the shown run."""
        run = self.run_controller.run
        return None if run is None else run.dataset

    @property
    def config(self):
        """The configuration of the shown run (with live changes)."""
        return self.run_controller.config

    @property
    def _run(self):
        """The shown run (:attr:`RunController.run`; tests read it here)."""
        return self.run_controller.run

    @property
    def _source(self):
        """The shown data's source (:attr:`RunController.source`; tests read it here)."""
        return self.run_controller.source

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def last_frame(self):
        """The frame on screen (a :class:`~gmm_viz.run.session.Frame`), or None."""
        return self._last_frame

    @property
    def shown_phase(self) -> str | None:
        """``"full"``, or ``"E"``/``"M"`` for a half-step (None before the first frame)."""
        return None if self._last_frame is None else self._last_frame.phase

    @property
    def display_options(self) -> DisplayOptions:
        return self._display

    def pause(self):
        """Stop playing (no-op when paused)."""
        if self._playing or self.panel.action_play.isChecked():
            self._playing = False
            self.panel.set_playing(False)
            self.controller.pause()

    def start_run(self, config, data_request=None, *, soft_colours=None, play=False,
                  history=None) -> int | None:
        """Show ``config`` (and the data) in the controls and start a new run.

        Parameters
        ----------
        config : EMConfig
        data_request : DataRequest or None
            A named data set; None keeps the data of the shown run.
        soft_colours : bool or None
            Switch the colour mode (None leaves it).
        play : bool
            Play as soon as the run starts.
        history : sequence of Snapshot, optional
            A saved run to install instead of starting at iteration 0.

        Returns
        -------
        int or None
            The request's token (None when the data cannot be resolved).
        """
        self.panel.set_config(config)
        if data_request is not None:
            self.panel.set_data_request(data_request)
        if soft_colours is not None and soft_colours != self._display.soft_colors:
            from dataclasses import replace

            options = replace(self._display, soft_colors=bool(soft_colours))
            self.panel.set_display_options(options)
            self._on_display_changed(options)
        if self.message_bar.level == "info":
            self.message_bar.clear()
        token = self.run_controller.request_run(
            config, source=KEEP if data_request is None else data_request, history=history)
        if play and not self.panel.action_play.isChecked():
            self.panel.action_play.setChecked(True)
        elif not play:
            self.pause()
        return token

    def install_run(self, record, dataset, label: str):
        """Show a saved run (a :class:`~gmm_viz.run.run_file.RunRecord`) with its whole history.

        The data set was rebuilt from the record (in the worker). A generated data set
        is selected in the controls; points stored in the file become the loaded file.
        """
        source = record.data_source
        try:
            # Checked before anything changes: a run the panel cannot show is refused
            # with the current data, run, history and panel exactly as they were.
            # (Data that cannot be drawn is refused by the worker before it replaces
            # anything, like any other run request, and the panel is put back.)
            self.panel.check_config(record.config)
        except ValueError as exc:
            self.show_error(f"Could not open the run {label}: {exc}")
            return
        self.pause()
        request = None
        if source.get("kind") == "generator" and self.panel.dataset_combo.findData(
                source.get("name")) >= 0:
            request = DataRequest(source["name"], n_samples=source.get("n_samples"),
                                  noise=source.get("noise"),
                                  random_state=source.get("random_state"))
            self.panel.set_data_request(request)
        self.panel.set_config(record.config)
        self.run_controller.open_run(record, dataset, label, data_request=request)

    def data_source(self) -> dict:
        """Where the shown data comes from, for a run file (:mod:`gmm_viz.run.run_file`)."""
        return self.run_controller.data_source()

    def _show_waiting(self, frame):
        """Too few points to run EM (all erased, or an empty canvas to draw on): the
        points there are, and the sentence that says how many more to draw."""
        self.canvas.clear_model()
        self.canvas.set_hint(getattr(frame, "waiting", "") or "Draw points to fit.")
        self.loglik_plot.reset()
        self.table.setRowCount(0)
        self.status_readout.show(None)
        self.editing.show_frame(frame)
        self.sigFrameShown.emit(frame)

    def first_look_hint(self) -> str:
        """What the canvas says before EM first runs: how to start, and where the
        scenarios are (the Scenario panel where it is, else the menu)."""
        dock = self.scenarios.dock
        if dock.isVisible() and not dock.isFloating():
            side = {Qt.DockWidgetArea.RightDockWidgetArea: "on the right",
                    Qt.DockWidgetArea.LeftDockWidgetArea: "on the left",
                    Qt.DockWidgetArea.TopDockWidgetArea: "above",
                    Qt.DockWidgetArea.BottomDockWidgetArea: "below"}.get(
                        self.dockWidgetArea(dock))
            where = f"in the Scenario panel {side}" if side else "in the Scenarios menu"
        elif dock.isVisible():
            where = "in the Scenario panel"
        else:
            where = "in the Scenarios menu"
        return f"Press Play or Space to run EM, Step or \u2192 for one iteration;\n" \
               f"or pick one of the study's scenarios {where}."

    def _show_first_look_hint(self, frame):
        if frame.snapshot.iteration > 0 or frame.last_iteration > 0 or self._playing:
            self._em_has_run = True
        self.canvas.set_hint(None if self._em_has_run else self.first_look_hint())

    def show_error(self, message: str):
        self.message_bar.show_message(message, "error")
        self.sigMessageShown.emit(message)

    def show_info(self, message: str):
        self.message_bar.show_message(message, "info")
        self.sigMessageShown.emit(message)

    def open_csv(self, path: str, columns=None):
        """Load a CSV file; ask for columns when it has more than two
        (see :meth:`FileOpener.open_csv`)."""
        self.file_opener.open_csv(path, columns)

    def choose_columns(self, path: str, columns) -> list | None:
        """Ask which columns to fit; None when cancelled. Tests and the responsiveness
        benchmark replace this method (the file opener asks through it)."""
        return self.file_opener.choose_columns(path, columns)

    # ------------------------------------------------------------------ frames
    def show_frame(self, frame):
        """Draw ``frame`` (a :class:`~gmm_viz.run.session.Frame`) in every view."""
        runs = self.run_controller
        if not runs.is_shown(frame.run):
            if runs.is_refused(frame.run):
                return  # its data could not be shown; a new request is on its way
            try:
                self._apply_run(frame.run)
            except Exception as exc:  # noqa: BLE001 - the previous run stays on screen
                self._refuse_run(frame.run, exc)
                return
        runs.record_config(frame.config)
        self._last_frame = frame
        if frame.snapshot is None:
            self._show_waiting(frame)
            return
        snapshot = frame.snapshot
        colors = (frame.point_colors
                  if self._display.soft_colors or self._display.truth_colors else None)
        self.canvas.show_snapshot(snapshot, point_colors=colors,
                                  replacements=frame.replacements,
                                  detections=frame.detections,
                                  identical=frame.identical_components)
        history = frame.history
        values = (history.mean_log_likelihood if self._display.ll_scale == "mean"
                  else history.log_likelihood)
        # The caught state (before its re-placement) is not a point of the curve: the plot
        # marks its own value.
        caught_value = None
        if frame.phase == "detected":
            caught_value = (snapshot.mean_log_likelihood if self._display.ll_scale == "mean"
                            else snapshot.log_likelihood)
        self.loglik_plot.show_history(history.iterations, values, history.recoveries,
                                      history.converged_at, int(snapshot.iteration),
                                      finished=frame.finished, current_value=caught_value,
                                      edits=getattr(history, "user_edits", ()) or ())
        self.table.show_snapshot(snapshot, {e.component for e in frame.replacements})
        self.timeline.show_position(int(frame.iteration), frame.last_iteration,
                                    frame.phase, kept=history.kept,
                                    edits=getattr(history, "user_edits", ()) or ())
        self.status_readout.show(frame)
        self.inspection.show_frame(frame)
        self.editing.show_frame(frame)
        self._show_first_look_hint(frame)
        if (frame.in_past or frame.phase == "detected") and self.message_bar.level != "error":
            # Looking back, or a caught state: say what happened in the state shown, not
            # what happened last while playing.
            past_events = describe.shown_events_text(frame)
            if past_events:
                self.show_info(past_events)
            elif self.message_bar.level == "info":
                self.message_bar.clear()
        elif frame.events and self.message_bar.level != "error":
            # (An error stays until it is dismissed or replaced by another: a recovery or
            # the convergence a moment later must not hide why a file was refused.)
            self.show_info(describe.new_events_text(frame))
        if not frame.finished:
            self._finished_shown = False
        elif (not frame.events and not self._finished_shown and not frame.in_past
              and self.message_bar.level != "error"):
            self._finished_shown = True
            self.show_info(describe.finished_text(frame))
        self.sigFrameShown.emit(frame)

    def _apply_run(self, run):
        """A new run arrived: commit its data and config, reset the views.

        What can fail (drawing the new points) is done first: if it raises, the canvas
        is put back and the previous run, data and config stay committed.
        """
        from gmm_viz.palette import component_colors
        from gmm_viz.run.data_edits import is_edited

        shown = self.run_controller.run
        new_data = shown is None or run.dataset is not shown.dataset
        # Points drawn or erased by hand: the same data, edited; the view and the axes stay
        # where the user is drawing.
        edited = (new_data and shown is not None and is_edited(run.dataset)
                  and run.dataset.X.shape[1] == shown.dataset.X.shape[1])
        axes = self._axes if edited else (0, 1)
        colors = component_colors(run.config.n_components)
        if new_data:
            names = run.dataset.feature_names or [f"x{i}" for i in range(run.dataset.X.shape[1])]
            try:
                self.canvas.set_points(run.dataset.X, feature_names=tuple(names),
                                       fit=not edited)
                self.canvas.set_axes(*axes, fit=not edited)
            except Exception:
                self._restore_canvas()
                raise

        applied = self.run_controller.commit_run(run)
        if new_data:
            d = run.dataset.X.shape[1]
            self._axes = axes
            self.panel.set_features(names, self._axes)
            self.panel.set_true_labels_available(
                getattr(run.dataset, "labels", None) is not None)
            self.inspection.set_data(run.dataset, self._axes)
            self.table.set_axes(*self._axes)
            if not edited:
                self.canvas.fit_view()
            title = run.dataset.name or "data"
            self.setWindowTitle(f"gmm-viz: {title} ({run.dataset.X.shape[0]:,} points, "
                                f"{d} features)")
        self.canvas.clear_model()
        self.loglik_plot.reset()
        self._finished_shown = False
        self.table.set_colors(colors)
        if self.message_bar.level == "info":
            self.message_bar.clear()
        self.sigRunApplied.emit(run, applied.source)
        if applied.message:
            self.show_info(applied.message)
            return
        description = getattr(run.dataset, "description", "")
        if (new_data and description and self.message_bar.level != "error"
                and self.scenarios.active is None):
            # The explanation area tells what this data shows about EM.
            self.show_info(f"{run.dataset.name}: {description}")

    def _restore_canvas(self):
        """Show the committed run's points again (after drawing new ones failed)."""
        if self.run_controller.run is None:
            return
        dataset = self.run_controller.run.dataset
        names = dataset.feature_names or [f"x{i}" for i in range(dataset.X.shape[1])]
        try:
            self.canvas.set_points(dataset.X, feature_names=tuple(names))
            self.canvas.set_axes(*self._axes)
        except Exception:  # noqa: BLE001 - they were drawn before; nothing more to do
            return

    def _refuse_run(self, run, exc):
        """A run whose data cannot be shown: keep the previous one and say why
        (see :meth:`RunController.refuse_run`)."""
        self.pause()
        message = self.run_controller.refuse_run(run, exc)
        if message is not None:
            self.show_error(message)
        if self._last_frame is not None and self.run_controller.run is not None:
            from dataclasses import replace

            # The model again, on the points put back (its events were told already).
            self.show_frame(replace(self._last_frame, events=()))

    # ------------------------------------------------------------------ handlers
    def _on_run_failed(self, token, message):
        message = self.run_controller.run_failed(token, message)
        if message is not None:  # None: a newer request replaced it
            self.show_error(message)

    def _on_play_toggled(self, playing: bool):
        self._playing = playing
        if playing:
            self._dismiss_first_look_hint()
            self.controller.play()
        else:
            self.controller.pause()

    def _on_worker_playing_changed(self, playing: bool):
        # A "stopped" sent before a newer Play (the previous run ended just as a new one was
        # started and played) is stale: the worker's flag, set by that Play, says so.
        if not playing and self._playing and not self.controller.worker.play_requested:
            self._playing = False
            self.panel.set_playing(False)

    def _dismiss_first_look_hint(self):
        self._em_has_run = True
        self.canvas.set_hint(None)

    def _on_step_requested(self):
        self._dismiss_first_look_hint()
        self._playing = False
        self.panel.set_playing(False)
        self.controller.step()

    def _on_reset_requested(self):
        if self.message_bar.level == "info":
            self.message_bar.clear()
        self.controller.reset()

    def _on_new_seed_requested(self):
        self.panel.seed_spin.setValue(random.randrange(MAX_SEED))

    def _on_seek_requested(self, iteration: int):
        # Scrubbing pauses: the user is looking at the past, not at a moving run.
        self._playing = False
        self.panel.set_playing(False)
        self.controller.seek(iteration)

    def _on_step_back_requested(self):
        self._playing = False
        self.panel.set_playing(False)
        self.controller.step_back()

    def _on_half_steps_changed(self, half_steps: bool):
        self.controller.set_half_steps(half_steps)

    def _on_history_truncated(self, iteration: int, dropped: int):
        self.show_info(describe.history_truncated_text(iteration, dropped))

    def _on_worker_error(self, message):
        self.show_error(message)

    def _on_display_changed(self, options):
        self._apply_display(options)
        if self._last_frame is not None:
            self.show_frame(self._last_frame)

    def _apply_display(self, options):
        soft_changed = options.soft_colors != self._display.soft_colors
        truth_changed = options.truth_colors != self._display.truth_colors
        self._display = options
        self.canvas.set_sigma_levels(options.sigma_levels)
        self.canvas.set_density_mode(options.density)
        self.loglik_plot.set_scale(options.ll_scale)
        if soft_changed or options.soft_colors:
            self.controller.set_soft_colors(options.soft_colors)
        if truth_changed or options.truth_colors:
            self.controller.set_truth_colors(options.truth_colors)

    def _on_axes_changed(self, i, j):
        if i == j:
            self.show_error("Choose two different features for the axes.")
            return
        self._axes = (i, j)
        self.canvas.set_axes(i, j)
        self.table.set_axes(i, j)
        self.inspection.set_axes((i, j))
        if self._last_frame is not None:
            self.show_frame(self._last_frame)
        self.canvas.fit_view()

    # ------------------------------------------------------------------ closing
    # ------------------------------------------------------------------ zoom
    @property
    def zoom_factor(self) -> float:
        """The View > Zoom factor in force (1 at normal size)."""
        return self._zoom

    def set_zoom(self, factor: float) -> None:
        """Scale the window's fonts and markers by ``factor`` (a step of
        :data:`~gmm_viz.gui.zoom.ZOOM_STEPS`), keep it inside the screen, remember it."""
        self._zoom = zoom.nearest_step(factor)
        zoom.apply_app_font(self._zoom)
        self.canvas.set_ui_scale(self._zoom)
        self.loglik_plot.set_font_scale(self._zoom)
        self.scenarios.panel.set_font_scale(self._zoom)
        # Widgets with a style sheet of their own keep their font: hand them the new one.
        self.message_bar.set_text_font(QApplication.font())
        app_settings.save_zoom(self._settings, self._zoom)
        # The new font reaches the widgets through the event loop: size the docks after.
        QTimer.singleShot(0, self._fit_docks_to_zoom)

    def _fit_docks_to_zoom(self):
        """The controls dock as wide as its widest row at this zoom (never clipped), and
        the window inside the screen."""
        if self._closed:
            return
        width = self.panel.sizeHint().width() + 24
        self.dock.widget().setMinimumWidth(width)
        # The scenario text reads well at ~300 px at normal size (its remedy button does
        # not wrap): as much more as the text grew.
        scenario_width = round(SCENARIO_DOCK_WIDTH * self._zoom)
        self.resizeDocks([self.dock, self.scenarios.dock], [width, scenario_width],
                         Qt.Orientation.Horizontal)
        if self.isVisible():
            fit_to_screen(self)

    def _on_zoom_requested(self, direction: int):
        self.set_zoom(1.0 if direction == 0 else zoom.step_from(self._zoom, direction))

    def save_settings(self):
        app_settings.save_panel_state(self._settings, self.panel.state())
        app_settings.save_window(self._settings, self.saveGeometry(), self.saveState())
        self._settings.sync()

    def closeEvent(self, event):  # Qt naming
        if not self._closed:
            self._closed = True
            self.frame_pacer.stop()
            self.analysis.close_views()  # the Starts and Model selection windows
            self.save_settings()
            # A computation is left to finish on its own, but a file being written is
            # waited for: the process ends right after, and the save must not be lost.
            writing = self.exports.writes_in_flight()
            self.controller.shutdown(WRITE_WAIT_MS if writing else None)
        super().closeEvent(event)


#: Width of the scenario dock at normal zoom, in pixels.
SCENARIO_DOCK_WIDTH = 300
#: The window's first size on a screen with room for it, and the share of a larger
#: screen's free area it takes.
PREFERRED_SIZE = (1440, 880)
LARGE_SCREEN_SHARE = 0.9
#: Room kept for the window manager's frame and title bar, which Qt does not know before
#: the window is shown.
FRAME_ROOM = (16, 40)


def initial_size(free_width: int, free_height: int) -> tuple:
    """The first size of the window on a screen whose free area is ``free_width`` x
    ``free_height`` (logical pixels, without panels and docks of the desktop).

    On a 1366 x 768 laptop the window takes the whole free area less its frame (a larger
    window hides its status bar below the screen); on 1920 x 1080 and larger it takes
    :data:`LARGE_SCREEN_SHARE` of it (at least :data:`PREFERRED_SIZE`), so the canvas and
    the table grow with the screen.

    Returns
    -------
    (int, int)
        Width and height of the window's inside.
    """
    room_w, room_h = free_width - FRAME_ROOM[0], free_height - FRAME_ROOM[1]
    width = max(PREFERRED_SIZE[0], int(LARGE_SCREEN_SHARE * free_width))
    height = max(PREFERRED_SIZE[1], int(LARGE_SCREEN_SHARE * free_height))
    return max(min(width, room_w), 1), max(min(height, room_h), 1)


def _initial_size(screen) -> tuple:
    if screen is None:
        return PREFERRED_SIZE
    free = screen.availableGeometry()
    return initial_size(free.width(), free.height())


def fit_to_screen(window) -> None:
    """Shrink and move ``window`` so that it lies inside its screen's free area (a
    geometry remembered on a larger screen, or a zoom that made it grow)."""
    screen = window.screen()
    if screen is None:
        return
    free = screen.availableGeometry()
    frame = window.frameGeometry()
    extra_w = max(frame.width() - window.width(), 0)
    extra_h = max(frame.height() - window.height(), 0)
    width = min(window.width(), free.width() - extra_w)
    height = min(window.height(), free.height() - extra_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(max(width, 1), max(height, 1))
    frame = window.frameGeometry()
    x = min(max(frame.left(), free.left()), max(free.right() - frame.width() + 1, free.left()))
    y = min(max(frame.top(), free.top()), max(free.bottom() - frame.height() + 1, free.top()))
    if (x, y) != (frame.left(), frame.top()):
        window.move(x, y)
