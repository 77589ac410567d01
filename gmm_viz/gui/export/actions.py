"""File menu actions that take a run away or bring one back.

- Export canvas as PNG/SVG (as shown, from the GUI thread: it is one paint), under a heading
  with the data set or scenario and the iteration and log-likelihood shown.
- Export run as GIF/MP4: drawn by :class:`~gmm_viz.gui.export.render.RunRenderer` on the GUI
  thread (Qt widgets must be) with the screen's display settings at the time of the export
  (:class:`~gmm_viz.gui.export.style.ExportStyle`), behind a modal progress dialog with
  Cancel; the labels (or responsibilities) of each frame are computed in the worker thread
  a few frames ahead.
- Save run / Open run (JSON): reading, writing and rebuilding the data happen in the
  worker; the window then installs the whole saved history.
- Export responsibilities (CSV) of the iteration shown, computed and written in the worker.

Every failure becomes a message in the window; nothing the user had is changed by a
failed export or a bad run file. Every file is written all or nothing
(:func:`gmm_viz.files.atomic_output`): a Cancel or an error leaves an existing file exactly
as it was, with no temporary file behind; a target that is not a regular file (a folder, a
FIFO, a device) is refused. The save dialogs ask before overwriting a file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from PyQt6.QtCore import QEventLoop, QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QProgressDialog,
    QSpinBox,
    QVBoxLayout,
)

from gmm_viz.files import check_output_target
from gmm_viz.gui import settings as app_settings
from gmm_viz.gui.actions import make_action

#: Frames the worker computes ahead of the one being drawn.
PREFETCH = 4
DEFAULT_FPS = 10
DEFAULT_MAX_FRAMES = 200


@dataclass(frozen=True)
class AnimationOptions:
    """Frame rate and the most frames an exported animation may hold."""

    fps: float = DEFAULT_FPS
    max_frames: int = DEFAULT_MAX_FRAMES


def common_fps_range() -> tuple:
    """Frame rates every animation format can store: the dialog is asked before the file
    name (and so the format) is known."""
    from gmm_viz.gui.export.render import FPS_RANGES

    return (max(low for low, _ in FPS_RANGES.values()),
            min(high for _, high in FPS_RANGES.values()))


class AnimationDialog(QDialog):
    """Ask for the frame rate and the maximum number of frames of an animation."""

    def __init__(self, n_iterations: int, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Export the run as an animation")
        self.fps_spin = QDoubleSpinBox()
        self.fps_spin.setDecimals(1)
        self.fps_spin.setRange(*common_fps_range())
        self.fps_spin.setValue(DEFAULT_FPS)
        self.fps_spin.setSuffix(" frames/s")
        self.fps_spin.setToolTip("Playback speed of the animation")
        self.frames_spin = QSpinBox()
        self.frames_spin.setRange(2, 5000)
        self.frames_spin.setValue(min(DEFAULT_MAX_FRAMES, max(2, n_iterations)))
        self.frames_spin.setToolTip("Longer runs are sampled evenly (first and last "
                                    "iterations always included)")
        form = QFormLayout()
        form.addRow("Frame rate", self.fps_spin)
        form.addRow("At most", self.frames_spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"The run has {n_iterations} iterations; each frame shows "
                                "the canvas and the log-likelihood curve."))
        layout.addLayout(form)
        layout.addWidget(buttons)

    def options(self) -> AnimationOptions:
        return AnimationOptions(self.fps_spin.value(), self.frames_spin.value())


class ExportError(Exception):
    """An export failed; the message is for the user."""


class WorkerJobs(QObject):
    """Wait for worker jobs from the GUI thread, pumping events (behind a modal dialog)."""

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self._controller = controller
        self._results = {}
        self._waiting = set()
        self._loop = None
        controller.sigJobFinished.connect(self._on_job_finished)
        # A worker that stops sends no more answers: the wait below must end then too.
        controller.thread.finished.connect(self._wake)

    def submit(self, function) -> int:
        """Start ``function(access)`` (a :class:`~gmm_viz.gui.worker.RunAccess`)."""
        token = self._controller.run_engine_job(function)
        self._waiting.add(token)
        return token

    def result(self, token: int):
        """Wait for the job ``token``; returns its result or raises :class:`ExportError`."""
        while token not in self._results:
            if not self._controller.running:
                raise ExportError("the worker stopped.")
            self._loop = QEventLoop()
            self._loop.exec()
            self._loop = None
        value, error = self._results.pop(token)
        if error:
            raise ExportError(error)
        return value

    def forget(self):
        """Drop results nobody will read (an export ended early)."""
        self._waiting.clear()
        self._results.clear()

    def _on_job_finished(self, token, result, error):
        if token not in self._waiting:
            return
        self._waiting.discard(token)
        self._results[token] = (result, error)
        self._wake()

    def _wake(self):
        if self._loop is not None:
            self._loop.quit()


class _PrefetchedColours:
    """Labels (or responsibilities) of the frames to draw, computed ahead in the worker.

    ``labels(snapshot)`` and ``resp(snapshot)`` are the renderer's sources; each waits for
    its frame's job and starts the jobs of the next :data:`PREFETCH` frames.
    """

    def __init__(self, jobs: WorkerJobs, run_id: int, history, indices, soft: bool):
        self._jobs = jobs
        self._run_id = run_id
        # The snapshots of the frames, in order. ``history`` holds the kept iterations by
        # position: after thinning, iteration n is not history[n].
        self._snapshots = [history[i] for i in indices]
        self._order = [int(s.iteration) for s in self._snapshots]
        self._soft = soft
        self._tokens = {}
        self._next = 0

    def _job(self, snapshot):
        run_id, soft = self._run_id, self._soft

        def job(access):
            if access.run is None or access.run.run_id != run_id:
                raise ValueError("the run changed during the export; export again.")
            if soft:
                return access.engine.responsibilities_for(snapshot).astype("float32")
            return access.engine.labels_for(snapshot)

        return job

    def _request_upto(self, position: int):
        while self._next < min(position + PREFETCH + 1, len(self._order)):
            iteration = self._order[self._next]
            self._tokens[iteration] = self._jobs.submit(self._job(self._snapshots[self._next]))
            self._next += 1

    def _get(self, snapshot):
        iteration = int(snapshot.iteration)
        position = self._order.index(iteration) if iteration in self._order else None
        # Frames in order start the jobs of the next few; a frame drawn out of order (the
        # samples a GIF's palette is chosen from) gets a job of its own, so that jobs for
        # every frame up to it are not started (and held) at once.
        if position is not None and position <= self._next + PREFETCH:
            self._request_upto(position)
        if iteration not in self._tokens:
            self._tokens[iteration] = self._jobs.submit(self._job(snapshot))
        return self._jobs.result(self._tokens.pop(iteration))

    def labels(self, snapshot):
        return self._get(snapshot)

    def resp(self, snapshot):
        return self._get(snapshot)


class ExportActions(QObject):
    """The File menu's export, save and open actions, for one window.

    Parameters
    ----------
    window : MainWindow

    Signals
    -------
    sigExportProgress(int, int)
        Frames written and frames in all, during an animation export (the progress dialog
        is :attr:`progress_dialog` meanwhile).
    sigFileWritten(str)
        An export or save finished; the path.
    """

    sigExportProgress = pyqtSignal(int, int)
    sigFileWritten = pyqtSignal(str)

    def __init__(self, window):
        super().__init__(window)
        self._window = window
        self._jobs = WorkerJobs(window.controller, self)
        self._pending = {}  # job token -> (kind, path)
        self._progress = {}  # job token -> Progress of a run file being opened
        self.progress_dialog = None
        window.controller.sigJobFinished.connect(self._on_job_finished)

        def action(text, shortcut, tip, slot):
            return make_action(self, text, shortcut, tip, slot)

        self.action_export_canvas = action(
            "Export canvas as PNG/SVG…", "Ctrl+E", "Save the canvas as shown, as a PNG "
            "picture or an SVG drawing", self._on_export_canvas_requested)
        self.action_export_animation = action(
            "Export run as GIF/MP4…", "Ctrl+Shift+E", "Save the whole run as an animation, "
            "with the log-likelihood curve beside the canvas",
            self._on_export_animation_requested)
        self.action_save_run = action(
            "Save run…", "Ctrl+S", "Save the settings, the data source and every iteration "
            "as a JSON run file", self._on_save_run_requested)
        self.action_open_run = action(
            "Open run…", "Ctrl+Shift+O", "Open a saved JSON run: scrub and replay it, Play "
            "continues it", self._on_open_run_requested)
        self.action_export_resp = action(
            "Export responsibilities (CSV)…", None, "Save each point with its "
            "responsibilities and label at the iteration shown",
            self._on_export_resp_requested)

    @property
    def actions(self) -> list:
        return [self.action_open_run, self.action_save_run, None,
                self.action_export_canvas, self.action_export_animation,
                self.action_export_resp]

    # ------------------------------------------------------------------ file dialogs
    # Tests replace these three methods.
    def ask_save_path(self, title: str, filters: str, name: str) -> str | None:
        """Ask where to save; None when cancelled.

        The dialog asks before overwriting an existing file (so no DontConfirmOverwrite
        option here): the exports then replace it whole.
        """
        directory = app_settings.last_export_directory(self._window._settings)
        path, _ = QFileDialog.getSaveFileName(self._window, title,
                                              os.path.join(directory, name), filters)
        return path or None

    def ask_open_path(self, title: str, filters: str) -> str | None:
        directory = app_settings.last_export_directory(self._window._settings)
        path, _ = QFileDialog.getOpenFileName(self._window, title, directory, filters)
        return path or None

    def ask_animation_options(self, n_iterations: int) -> AnimationOptions | None:
        dialog = AnimationDialog(n_iterations, self._window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.options()

    def _remember_folder(self, path):
        app_settings.set_last_export_directory(self._window._settings,
                                               os.path.dirname(os.path.abspath(path)))

    # ------------------------------------------------------------------ canvas
    def export_canvas(self, path) -> bool:
        """Write the canvas as shown to ``path`` (.png or .svg); False on failure."""
        from gmm_viz.gui.export.render import export_canvas

        try:
            export_canvas(self._window.canvas, path, heading=self.canvas_heading())
        except (OSError, ValueError) as exc:  # a FileCheckError is a ValueError
            self._window.show_error(f"Could not export the canvas to {_name(path)}: "
                                    f"{_detail(exc, path)}")
            return False
        self._written(path)
        return True

    def canvas_heading(self):
        """``(title, iteration text)`` above an exported canvas: the data set or scenario,
        and the iteration and log-likelihood shown, as the status bar says them; None
        before the first frame."""
        from gmm_viz.run import describe

        window = self._window
        frame = window.last_frame
        if frame is None:
            return None
        info = f"{describe.iteration_text(frame)}    {describe.log_likelihood_text(frame)}"
        return self._title(frame.run.dataset.name), info

    def _on_export_canvas_requested(self):
        path = self.ask_save_path("Export the canvas", "PNG picture (*.png);;SVG drawing "
                                  "(*.svg)", self._default_name("png"))
        if path:
            if not os.path.splitext(path)[1]:
                path += ".png"
            self._remember_folder(path)
            self.export_canvas(path)

    # ------------------------------------------------------------------ animation
    def export_animation(self, path, fps: float = DEFAULT_FPS,
                         max_frames: int | None = DEFAULT_MAX_FRAMES) -> bool:
        """Write the run as a GIF or MP4 with a progress dialog; False if failed/cancelled.

        Playing is paused first, so the history does not change while it is drawn.
        """
        from gmm_viz.gui.export.render import (
            ANIMATION_SUFFIXES,
            ExportCancelled,
            RunRenderer,
            check_frame_rate,
            frame_indices,
            write_animation,
        )
        from gmm_viz.gui.export.style import ExportStyle

        window = self._window
        window.pause()
        renderer = None
        existed = os.path.lexists(path)
        try:
            # Before anything is drawn: a name, a target or a rate that cannot be written.
            suffix = os.path.splitext(os.fspath(path))[1].lower()
            if suffix not in ANIMATION_SUFFIXES:
                raise ValueError(f"{path}: choose a .gif or .mp4 file name.")
            check_output_target(path, what="animation")
            check_frame_rate(suffix, fps)
            run_id, history, X, names, title = self._jobs.result(self._jobs.submit(
                lambda access: (access.run.run_id, access.history, access.run.dataset.X,
                                access.run.dataset.feature_names,
                                access.run.dataset.name)))
            indices = frame_indices(len(history), max_frames)
            # What the screen draws with, now: density, sigma levels, points, axes, scale.
            style = ExportStyle.from_window(window)
            soft = style.soft_colours
            colours = _PrefetchedColours(self._jobs, run_id, history, indices, soft)
            renderer = RunRenderer(
                X, history, label_source=colours.labels,
                resp_source=colours.resp if soft else None, title=self._title(title),
                style=style, feature_names=names)
            n_frames = len(renderer.positions(indices))
            self.progress_dialog = dialog = QProgressDialog(
                f"Drawing {n_frames} frames…", "Cancel", 0, n_frames, window)
            dialog.setWindowTitle("Export the run")
            dialog.setWindowModality(Qt.WindowModality.WindowModal)
            dialog.setMinimumDuration(0)
            dialog.setValue(0)

            def progress(done, total):
                dialog.setValue(done)
                self.sigExportProgress.emit(done, total)
                QApplication.processEvents()
                return not dialog.wasCanceled()

            write_animation(renderer, path, fps=fps, indices=indices, progress=progress)
        except ExportCancelled:
            window.show_info(f"Export cancelled; {_name(path)} was left as it was."
                             if existed else "Export cancelled; no file was written.")
            return False
        except (ExportError, OSError, ValueError, RuntimeError) as exc:
            window.show_error(f"Could not export the run to {_name(path)}: "
                              f"{_detail(exc, path)}")
            return False
        finally:
            self._jobs.forget()
            if self.progress_dialog is not None:
                self.progress_dialog.close()
                self.progress_dialog.deleteLater()
                self.progress_dialog = None
            if renderer is not None:
                renderer.close()
                renderer.deleteLater()
        self._written(path)
        return True

    def _on_export_animation_requested(self):
        frame = self._window.last_frame
        if frame is None:
            return
        options = self.ask_animation_options(frame.last_iteration + 1)
        if options is None:
            return
        path = self.ask_save_path("Export the run", "Animated GIF (*.gif);;MP4 video (*.mp4)",
                                  self._default_name("gif"))
        if path:
            if not os.path.splitext(path)[1]:
                path += ".gif"
            self._remember_folder(path)
            self.export_animation(path, options.fps, options.max_frames)

    # ------------------------------------------------------------------ run files
    def save_run(self, path) -> int:
        """Save the run as JSON (in the worker); returns the job token."""
        from gmm_viz.run.run_file import save_run

        source = self._window.data_source()
        run_id = self._shown_run_id()

        def job(access):
            if access.engine is None:
                raise ValueError("there is no run to save yet.")
            _check_same_run(access, run_id)
            # A folder, a FIFO or a device is refused before the run is turned into text;
            # save_run itself writes all or nothing.
            check_output_target(path, what="run file")
            dataset = access.run.dataset
            save_run(path, access.engine.config, source, access.history, X=dataset.X,
                     curve=access.curve)
            return path

        return self._track(self._window.controller.run_engine_job(job), "save", path)

    def open_run(self, path) -> int:
        """Read a run file (in the worker), then install it; returns the job token.

        A long read shows its progress with Cancel in the status bar.
        """
        from gmm_viz.progress import Progress

        progress = Progress()
        token = self._window.controller.run_job(lambda: _read_run(path, progress))
        self._progress[token] = progress
        self._window.load_progress.track(progress, f"Opening {os.path.basename(path)}")
        return self._track(token, "open", path)

    def _on_save_run_requested(self):
        path = self.ask_save_path("Save the run", "gmm-viz run (*.json)",
                                  self._default_name("json"))
        if path:
            if not os.path.splitext(path)[1]:
                path += ".json"
            self._remember_folder(path)
            self.save_run(path)

    def _on_open_run_requested(self):
        path = self.ask_open_path("Open a saved run", "gmm-viz run (*.json);;All files (*)")
        if path:
            self._remember_folder(path)
            self.open_run(path)

    # ------------------------------------------------------------------ responsibilities
    def export_responsibilities(self, path) -> int:
        """Write the responsibilities at the iteration shown as CSV (in the worker)."""
        from gmm_viz.run.run_file import save_responsibilities_csv

        frame = self._window.last_frame
        iteration = 0 if frame is None else int(frame.snapshot.iteration)
        run_id = self._shown_run_id()

        def job(access):
            if access.engine is None:
                raise ValueError("there is no run yet.")
            _check_same_run(access, run_id)
            dataset = access.run.dataset
            resp = access.engine.responsibilities_for(access.snapshot(iteration))
            # (save_responsibilities_csv writes all or nothing itself.)
            save_responsibilities_csv(path, dataset.X, resp, dataset.feature_names)
            return path

        return self._track(self._window.controller.run_engine_job(job), "csv", path)

    def _on_export_resp_requested(self):
        path = self.ask_save_path("Export the responsibilities", "CSV table (*.csv)",
                                  self._default_name("csv", "responsibilities"))
        if path:
            if not os.path.splitext(path)[1]:
                path += ".csv"
            self._remember_folder(path)
            self.export_responsibilities(path)

    # ------------------------------------------------------------------ internals
    def _shown_run_id(self):
        """The run on screen now (None before the first): a write must be of that run."""
        frame = self._window.last_frame
        return None if frame is None else frame.run.run_id

    def writes_in_flight(self) -> bool:
        """True while a run file or a CSV is being written in the worker."""
        return any(kind in ("save", "csv") for kind, _ in self._pending.values())

    def _track(self, token, kind, path):
        self._pending[token] = (kind, os.fspath(path))
        return token

    def _on_job_finished(self, token, result, error):
        pending = self._pending.pop(token, None)
        if pending is None:
            return
        kind, path = pending
        name = os.path.basename(path)
        progress = self._progress.pop(token, None)
        if progress is not None:
            self._window.load_progress.finish(progress)
            if progress.cancelled:
                if self._window.load_progress.progress is None:  # no newer open
                    self._window.show_info(f"Stopped opening {name}; the data and the run "
                                           "on screen are unchanged.")
                return
        if error:
            verb = {"save": "save the run to", "open": "open", "csv": "write"}[kind]
            self._window.show_error(f"Could not {verb} {name}: {_detail(error, path)}")
            return
        if kind == "open":
            record, dataset = result
            self._window.install_run(record, dataset, os.path.basename(path))
            return
        self._written(path)

    def _written(self, path):
        self._window.show_info(f"Wrote {os.path.abspath(path)}")
        self.sigFileWritten.emit(os.fspath(path))

    def _title(self, name: str) -> str:
        scenario = self._window.scenarios.active
        if scenario is not None:
            return scenario.title
        config = self._window.config
        return f"{name}, k = {config.n_components}" if config is not None else name

    def _default_name(self, suffix: str, what: str = "") -> str:
        scenario = self._window.scenarios.active
        frame = self._window.last_frame
        base = scenario.key if scenario is not None else (
            self._window.dataset.name if self._window.dataset is not None else "gmm-viz")
        if what:
            base += f"-{what}"
        if frame is not None and suffix in ("png", "csv"):
            base += f"-it{int(frame.snapshot.iteration)}"
        return f"{base}.{suffix}"


def _name(path) -> str:
    """The file name of ``path``, for messages."""
    return os.path.basename(os.fspath(path))


def _detail(error, path) -> str:
    """An error's text without the path it starts with (the message names the file).

    File errors say "PATH: is a folder. ..."; after "Could not save the run to NAME:" that
    reads "it is a folder. ...".
    """
    text = str(error).replace(f"{os.fspath(path)}: ", "")
    return "it " + text if text.startswith("is ") else text


def _check_same_run(access, run_id):
    """Refuse to write a run other than the one on screen when the user asked.

    A new run (new data, k, a scenario) may start between the click and the job: the
    file would then hold that run under the shown run's data source and name.
    """
    if run_id is not None and (access.run is None or access.run.run_id != run_id):
        raise ValueError("the run changed before it could be written (new data or "
                         "settings were being applied); nothing was written. Save again.")


def _read_run(path, progress=None):
    """Load a run file and build its data set (worker thread).

    ``load_run`` has checked everything (shapes, numbering, the data); a generated data
    set comes with the record, points become a data set of their own.
    """
    from gmm_viz.data import Dataset
    from gmm_viz.run.run_file import load_run

    record = load_run(path, progress)
    dataset = record.generated
    if dataset is None:
        source = record.data_source
        dataset = Dataset(
            X=record.X, labels=None, suggested_k=record.config.n_components,
            name=str(source.get("label") or os.path.basename(os.fspath(path))),
            feature_names=record.feature_names, source=os.fspath(path), description="")
    return record, dataset
