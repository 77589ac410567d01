"""The Model selection view: BIC and AIC against k for each covariance type.

:class:`ModelSelectionView` is a window of its own: the grid's settings (k from 1 to K,
the covariance types, starts per model, the criterion), a progress bar with Cancel, and
the :class:`~gmm_viz.gui.analysis.criterion_plot.CriterionPlot`. The grid
(:func:`~gmm_viz.selection.grid.fit_grid`) is fitted in a
:class:`~gmm_viz.selection.background.BackgroundJob`'s thread; after every model it
publishes the models so far, and a timer on the GUI thread draws the newest at most
:data:`FRAME_MS` apart, so the lines grow while it works and the GUI never waits. Cancel
sets the job's flag, which the grid checks before every EM iteration: the thread stops
within one iteration and the models fitted so far stay drawn. Clicking a model's point
emits :attr:`ModelSelectionView.sigModelChosen`.
"""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gmm_viz.engine.config import COVARIANCE_TYPES
from gmm_viz.gui.analysis.criterion_plot import CriterionPlot, format_number
from gmm_viz.limits import MAX_K
from gmm_viz.selection.background import BackgroundJob
from gmm_viz.selection.grid import DEFAULT_N_INIT, GRID_INIT_NAME, GridResult, fit_grid

#: Milliseconds between two looks at the grid's progress.
FRAME_MS = 50
#: The initialisation of every start of the grid (see gmm_viz.selection.grid).
GRID_INIT = GRID_INIT_NAME


@dataclass(frozen=True)
class GridProgress:
    """What the grid's thread publishes: models done of all, and the models so far."""

    done: int
    total: int
    result: GridResult


def run_grid(job, X, ks, covariance_types, n_init, random_state):
    """The grid's work in its thread: every model, published as it is fitted."""
    fits = []
    total = len(ks) * len(covariance_types)
    shape = X.shape

    def progress(done, total, fit):
        fits.append(fit)
        job.publish(GridProgress(done, total, GridResult(tuple(fits), tuple(ks),
                                                         tuple(covariance_types), *shape,
                                                         complete=done == total)))

    job.publish(GridProgress(0, total, GridResult((), tuple(ks), tuple(covariance_types),
                                                  *shape, complete=False)))
    return fit_grid(X, ks, covariance_types, n_init, init=GRID_INIT,
                    random_state=random_state, progress=progress, cancel=job.cancelled)


class ModelSelectionView(QWidget):
    """A window with BIC/AIC against k.

    Signals
    -------
    sigModelChosen(object, object)
        A model's point was clicked: its :class:`~gmm_viz.selection.grid.ModelFit` and
        the dataset the grid was fitted on.
    sigProgressShown(object)
        A :class:`GridProgress` was drawn (tests wait on it).
    """

    sigModelChosen = pyqtSignal(object, object)
    sigProgressShown = pyqtSignal(object)

    def __init__(self, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("gmm-viz: model selection")
        self.job = None
        self.progress = None  # the GridProgress on screen
        self.cancelled = False
        self._dataset = None
        self._seed = 0

        self.header = QLabel()
        self.header.setWordWrap(True)
        self.k_spin = QSpinBox()
        self.k_spin.setRange(1, MAX_K)
        self.k_spin.setValue(10)
        self.k_spin.setToolTip(f"Fit k = 1 to this (at most {MAX_K})")
        self.cov_checks = {}
        for name in COVARIANCE_TYPES:
            check = QCheckBox(name)
            check.setChecked(True)
            check.setToolTip(f"Draw a line for {name} covariances")
            self.cov_checks[name] = check
        self.n_init_spin = QSpinBox()
        self.n_init_spin.setRange(1, 20)
        self.n_init_spin.setValue(DEFAULT_N_INIT)
        self.n_init_spin.setToolTip("Starts per model; each model keeps its best")
        self.criterion_combo = QComboBox()
        self.criterion_combo.addItem("BIC", "bic")
        self.criterion_combo.addItem("AIC", "aic")
        self.criterion_combo.setToolTip("The criterion drawn (scikit-learn's; lower is better)")
        self.criterion_combo.currentIndexChanged.connect(self._on_criterion_changed)
        self.compute_button = QPushButton("Compute")
        self.compute_button.setToolTip("Fit every model of the grid (in the background)")
        self.compute_button.clicked.connect(self._on_compute_clicked)
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop fitting; the models fitted so far stay drawn")
        self.cancel_button.clicked.connect(self.cancel)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("font-size: 11pt; font-weight: 600;")
        self.readout = QLabel("Hover over a point to see its values; click it to run that "
                              "model in the main window.")
        self.readout.setWordWrap(True)
        self.readout.setStyleSheet("color: #333;")
        self.plot = CriterionPlot()
        self.plot.sigHovered.connect(self._on_hovered)
        self.plot.sigModelClicked.connect(self._on_model_clicked)

        settings = QHBoxLayout()
        settings.addWidget(QLabel("k from 1 to"))
        settings.addWidget(self.k_spin)
        settings.addSpacing(10)
        for check in self.cov_checks.values():
            settings.addWidget(check)
        settings.addSpacing(10)
        settings.addWidget(QLabel("starts per model"))
        settings.addWidget(self.n_init_spin)
        settings.addSpacing(10)
        settings.addWidget(self.criterion_combo)
        settings.addWidget(self.compute_button)
        settings.addStretch(1)
        bar = QHBoxLayout()
        bar.addWidget(self.progress_bar, 1)
        bar.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.header)
        layout.addLayout(settings)
        layout.addLayout(bar)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)

        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_timer)
        self._set_idle()
        self.resize(1000, 680)

    # ------------------------------------------------------------------ public API
    @property
    def criterion(self) -> str:
        return self.criterion_combo.currentData()

    def covariance_types(self) -> tuple:
        return tuple(name for name, check in self.cov_checks.items() if check.isChecked())

    def set_data(self, dataset, random_state: int = 0):
        """The data to select a model for (the computation starts with :meth:`compute`)."""
        self.cancel()
        self._dataset = dataset
        self._seed = int(random_state or 0)
        name = dataset.name or "the data"
        self.header.setText(
            f"{name}: {dataset.X.shape[0]:,} points, {dataset.X.shape[1]} features. Each "
            f"model is the best of its {GRID_INIT} starts (scikit-learn's default), without a singularity rule "
            "(as scikit-learn's GaussianMixture); lower BIC or AIC is better.")
        self.progress = None
        self.plot.show_result(None)
        self.status.setText("Press Compute to fit the models.")

    def compute(self):
        """Fit the grid the settings describe, in the background (a previous one stops)."""
        if self._dataset is None:
            return
        covs = self.covariance_types()
        if not covs:
            self.status.setText("Choose at least one covariance type.")
            return
        self.cancel()
        self.cancelled = False
        ks = tuple(range(1, self.k_spin.value() + 1))
        X, n_init, seed = self._dataset.X, self.n_init_spin.value(), self._seed
        self.progress = None
        self.plot.show_result(None)
        self.status.setText(f"Fitting {len(ks) * len(covs)} models, {n_init} starts each…")
        self.progress_bar.setRange(0, len(ks) * len(covs))
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat("%v of %m models")
        self.cancel_button.setEnabled(True)
        self.compute_button.setEnabled(False)
        self.job = BackgroundJob(lambda job: run_grid(job, X, ks, covs, n_init, seed),
                                 name="gmm-viz model selection")
        self._timer.start()

    def cancel(self):
        """Stop the computation (its thread stops before its next EM iteration); the
        models fitted so far stay drawn."""
        job = self.job
        if job is None or job.done and not self._timer.isActive():
            return
        job.cancel()
        self.cancelled = True
        self._on_timer()  # draw what is there now and say that it stopped

    # ------------------------------------------------------------------ internals
    def _set_idle(self):
        self.cancel_button.setEnabled(False)
        self.compute_button.setEnabled(True)

    def _on_compute_clicked(self):
        self.compute()

    def _on_criterion_changed(self, _index):
        if self.progress is not None:
            self._show(self.progress)

    def _on_timer(self):
        job = self.job
        if job is None:
            self._timer.stop()
            return
        done = job.done
        progress = job.take()
        if progress is not None:
            self._show(progress)
        if self.cancelled:
            self._timer.stop()
            self._set_idle()
            n = self.progress.done if self.progress is not None else 0
            total = self.progress.total if self.progress is not None else 0
            self.status.setText(f"Cancelled: {n} of {total} models were fitted; the lines "
                                "show those.")
            return
        if done:
            self._timer.stop()
            self._set_idle()
            if job.error:
                self.status.setText(f"Could not fit the models: {job.error}")

    def _show(self, progress):
        self.progress = progress
        result = progress.result
        self.plot.show_result(result, self.criterion)
        self.progress_bar.setRange(0, progress.total)
        self.progress_bar.setValue(progress.done)
        best = result.best(self.criterion)
        name = self.criterion.upper()
        if best is not None:
            so_far = "" if result.complete else " so far"
            self.status.setText(
                f"Best{so_far} by {name}: k = {best.n_components}, {best.covariance_type} "
                f"covariance ({name} {format_number(best.value(self.criterion))}); "
                f"{progress.done} of {progress.total} models fitted.")
        self.sigProgressShown.emit(progress)

    def _on_hovered(self, text):
        self.readout.setText(text or "Hover over a point to see its values; click it to run "
                                     "that model in the main window.")

    def _on_model_clicked(self, covariance_type, k):
        if self.progress is None:
            return
        fit = self.progress.result.fit(covariance_type, k)
        if fit is not None and fit.valid:
            self.sigModelChosen.emit(fit, self._dataset)

    def closeEvent(self, event):  # Qt naming
        self.cancel()
        super().closeEvent(event)
