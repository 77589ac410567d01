"""The Starts view: N starts of the current data and settings, side by side.

:class:`StartsView` is a window of its own: the starts as small multiples
(:class:`~gmm_viz.gui.analysis.starts_grid.StartsGrid`), their log-likelihoods overlaid
(:class:`~gmm_viz.gui.analysis.starts_curves.StartsCurves`) and the outcome in words
("5 of 8 reached −2931.4; 2 trapped at −3131.9; 1 at −3061.7"). The race
(:class:`~gmm_viz.selection.race.StartRace`) steps in a
:class:`~gmm_viz.selection.background.BackgroundJob`'s thread, one start after the other;
a timer on the GUI thread takes its newest state at most :data:`FRAME_MS` apart and draws
it (latest-only: the GUI never waits on the race, and a slow frame only skips states).
Clicking a start asks the race's thread for that start's history and emits
:attr:`StartsView.sigStartChosen` with it, to open in the main window.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gmm_viz.gui.analysis.starts_curves import StartsCurves
from gmm_viz.gui.analysis.starts_grid import MAX_CELL_POINTS, StartsGrid
from gmm_viz.selection.background import BackgroundJob
from gmm_viz.selection.race import DEFAULT_STARTS, MAX_STARTS, StartRace, start_seeds

#: Milliseconds between two looks at the race (about 30 frames a second).
FRAME_MS = 33


def run_race(job, dataset, config, seeds, max_iterations):
    """The race's work in its thread: build it, step it, publish states when wanted."""
    race = StartRace(dataset, config, seeds, max_iterations=max_iterations)
    job.target = race
    job.publish(race.state())
    while not race.finished:
        job.check()
        race.step_round()
        job.serve()
        if job.wanted:
            job.publish(race.state())
    job.publish(race.state())
    return race.outcomes()


class StartsView(QWidget):
    """A window with N starts side by side.

    Signals
    -------
    sigStartChosen(object, object, object, object)
        A start was clicked and its history is here: the start's config, its history
        (a tuple of Snapshot, iteration 0 first), the race's dataset, and its
        :class:`~gmm_viz.selection.race.StartOutcome`.
    sigStateShown(object)
        A :class:`~gmm_viz.selection.race.RaceState` was drawn (tests wait on it).
    """

    sigStartChosen = pyqtSignal(object, object, object, object)
    sigStateShown = pyqtSignal(object)

    def __init__(self, parent=None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("gmm-viz: starts side by side")
        self.job = None
        self._dataset = None
        self._config = None
        self._max_iterations = None
        self._first_seed = 0
        self._axes = (0, 1)
        self._pending = {}  # call token -> start index
        self.state = None  # the RaceState on screen

        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.PlainText)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setStyleSheet("font-size: 11pt; font-weight: 600;")
        self.summary.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.n_spin = QSpinBox()
        self.n_spin.setRange(1, MAX_STARTS)
        self.n_spin.setValue(DEFAULT_STARTS)
        self.n_spin.setToolTip(f"How many starts (1 to {MAX_STARTS}), seeds counted up "
                               "from the first")
        self.rerun_button = QPushButton("Run again")
        self.rerun_button.setToolTip("Race this many starts again on the same data")
        self.rerun_button.clicked.connect(self._on_rerun_clicked)
        self.hint = QLabel("Click a start to open it in the main window with its history.")
        self.hint.setStyleSheet("color: #555;")

        self.grid = StartsGrid()
        self.curves = StartsCurves()
        self.grid.sigStartClicked.connect(self.open_start)

        top = QHBoxLayout()
        top.addWidget(QLabel("Starts:"))
        top.addWidget(self.n_spin)
        top.addWidget(self.rerun_button)
        top.addSpacing(12)
        top.addWidget(self.hint, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.grid)
        splitter.addWidget(self.curves)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([480, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.header)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(splitter, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_timer)
        self.resize(1100, 760)

    # ------------------------------------------------------------------ public API
    def start(self, dataset, config, n_starts: int | None = None, first_seed=None,
              max_iterations=None, axes=(0, 1), title: str = ""):
        """Race ``n_starts`` starts of ``config`` on ``dataset`` (a previous race stops).

        Parameters
        ----------
        dataset : Dataset
        config : EMConfig
        n_starts : int, optional
            Default: the spin box's value.
        first_seed : int, optional
            Seeds count up from it (default ``config.random_state``).
        max_iterations : int, optional
            Iterations per start (default ``config.max_iter``).
        axes : tuple of int
            The features the small canvases show.
        title : str
            What the race is of, for the header ("the remedy of finding 3", say).
        """
        self.stop()
        if n_starts is not None:
            self.n_spin.setValue(int(n_starts))
        n = self.n_spin.value()
        self._dataset, self._config = dataset, config
        self._first_seed = int(config.random_state or 0) if first_seed is None else int(first_seed)
        self._max_iterations = max_iterations
        self._axes = axes
        seeds = start_seeds(self._first_seed, n)
        limit = config.max_iter if max_iterations is None else int(max_iterations)
        points = dataset.X.shape[0]
        name = dataset.name or "the data"
        sample = (f" The small canvases show {MAX_CELL_POINTS:,} of the points."
                  if points > MAX_CELL_POINTS else "")
        what = f"{title}: " if title else ""
        self.header.setText(
            f"{what}{n} starts of k = {config.n_components}, {config.covariance_type} "
            f"covariance, {config.init} initialisation, rule {config.rule}, on {name} "
            f"({points:,} points); seeds {seeds[0]} to {seeds[-1]}, at most {limit} "
            f"iterations each.{sample}")
        self.summary.setText(f"Starting {n} runs…")
        self.state = None
        self.grid.set_race(dataset.X, n, axes)
        self.curves.set_race(n)
        self._pending.clear()
        self.job = BackgroundJob(
            lambda job: run_race(job, dataset, config, seeds, max_iterations),
            name="gmm-viz start race")
        self._timer.start()

    def stop(self):
        """Stop the race (its thread ends at its next round) and the timer."""
        self._timer.stop()
        if self.job is not None:
            self.job.cancel()

    def open_start(self, index: int):
        """Ask for start ``index``'s history; :attr:`sigStartChosen` brings it."""
        if self.job is None or not 0 <= index < self.grid.n_cells:
            return
        token = self.job.call(lambda race, i=index: (race.config_of(i), race.history(i),
                                                     race.dataset, race.outcome(i)))
        self._pending[token] = index
        self._timer.start()
        self._on_timer()

    # ------------------------------------------------------------------ internals
    def _on_rerun_clicked(self):
        if self._dataset is not None:
            self.start(self._dataset, self._config, first_seed=self._first_seed,
                       max_iterations=self._max_iterations, axes=self._axes)

    def _on_timer(self):
        job = self.job
        if job is None:
            self._timer.stop()
            return
        done = job.done  # before take(): the last state is published before done is set
        state = job.take()
        if state is not None:
            self._show(state)
        for token in list(self._pending):
            answer = job.answer(token)
            if answer is None:
                continue
            index = self._pending.pop(token)
            result, error = answer
            if error:
                self.summary.setText(f"Could not open start {index + 1}: {error}")
                continue
            self.sigStartChosen.emit(*result)
        if job.error and done:
            self.summary.setText(f"The starts could not run: {job.error}")
        if done and not self._pending:
            self._timer.stop()

    def _show(self, state):
        self.state = state
        self.grid.show_state(state)
        self.curves.show_state(state)
        self.summary.setText(state.summary())
        self.sigStateShown.emit(state)

    def closeEvent(self, event):  # Qt naming
        self.stop()
        super().closeEvent(event)
