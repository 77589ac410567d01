"""The Scenarios menu and its explanation panel: the study's seven findings, one click away.

Choosing a scenario puts its data and settings in the controls, starts it and plays it;
the panel (a dock on the right of the canvas) says what to look at. A failure's remedy is
computed in the worker thread (the "best of 10 starts" remedy runs ten whole fits) and then
runs the same way. Once the user changes a setting by hand, the run is no longer the
finding, so the panel says so instead of explaining something that is not on screen.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtGui import QAction

from gmm_viz.data import DataRequest
from gmm_viz.gui.panels.docks import scrolling_dock
from gmm_viz.gui.views.scenario_panel import ScenarioPanel
from gmm_viz.scenarios import get_scenario, scenario_names


def data_request(scenario) -> DataRequest:
    """The control panel's description of a scenario's data."""
    spec = scenario.data
    return DataRequest(spec.name, n_samples=spec.n_samples, noise=spec.noise,
                       random_state=spec.random_state)


def menu_label(scenario) -> str:
    """``"1. The ideal fit"``."""
    return f"{scenario.number}. {scenario.title}"


class ScenarioActions(QObject):
    """The Scenarios menu, the explanation dock, and what choosing a scenario does.

    Parameters
    ----------
    window : MainWindow
        Provides ``start_run``, ``controller``, ``panel`` and ``sigRunApplied``.

    Signals
    -------
    sigScenarioChanged(object)
        The running scenario (a :class:`~gmm_viz.scenarios.Scenario`, possibly remedied)
        or None when the settings no longer match one.
    """

    sigScenarioChanged = pyqtSignal(object)

    def __init__(self, window):
        super().__init__(window)
        self._window = window
        self.panel = ScenarioPanel()
        # Wide enough for the explanation to read as a paragraph, not a column of words.
        self.dock = scrolling_dock("Scenario", "scenario_dock", self.panel, window,
                                   self.panel.minimumWidth() + 16, frame=False)
        self.actions = {}
        for key in scenario_names():
            scenario = get_scenario(key)
            action = QAction(menu_label(scenario), self)
            tip = scenario.explanation.split(". ")[0].rstrip(".") + "."
            action.setToolTip(tip)
            action.setStatusTip(tip)
            action.setData(key)
            action.triggered.connect(lambda _checked=False, k=key: self.choose(k))
            self.actions[key] = action
        #: The running scenario (the finding or its remedied version), or None.
        self.active = None
        #: The finding whose remedy may be shown.
        self.original = None
        self.remedied = False
        self._remedy_token = None
        self._run_token = 0
        self.panel.sigRemedyRequested.connect(self.show_remedy)
        self.panel.sigOriginalRequested.connect(self.show_original)
        self.panel.sigScenarioRequested.connect(self.choose)
        window.panel.sigConfigChanged.connect(self._on_config_changed)
        window.sigRunApplied.connect(self._on_run_applied)
        window.controller.sigJobFinished.connect(self._on_job_finished)
        self._show_hint(changed=False)

    def add_menu(self, menu_bar):
        """Add the Scenarios menu to ``menu_bar``; returns the menu."""
        menu = menu_bar.addMenu("&Scenarios")
        menu.setToolTipsVisible(True)
        for action in self.actions.values():
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.dock.toggleViewAction())
        self.dock.toggleViewAction().setText("Explanation panel")
        return menu

    # ------------------------------------------------------------------ public API
    def choose(self, key: str):
        """Load the scenario ``key`` (data, settings, colours), restart and play it."""
        scenario = get_scenario(key)
        self.original = scenario
        self._remedy_token = None
        self._start(scenario, remedied=False)

    def show_remedy(self):
        """Compute the remedied scenario in the worker thread, then run it."""
        if self.original is None or self.original.remedy is None:
            return
        original = self.original
        # Scenario.remedied() may run whole fits ("best of 10 starts"): not on this thread.
        self._remedy_token = self._window.controller.run_job(original.remedied)
        self.panel.show_busy(f"Computing the remedy: {original.remedy.title}…")
        if original.remedy.best_of > 1:
            self.show_remedy_starts(original)

    def show_remedy_starts(self, scenario):
        """Open the Starts view with the N starts a "best of N starts" remedy tries, so the
        spread of outcomes shows, not only the winner (when the window has the Analyse
        views, see :func:`gmm_viz.gui.analysis.install_analysis`).

        Returns
        -------
        StartsView or None
        """
        analysis = getattr(self._window, "analysis", None)
        remedy = scenario.remedy
        if analysis is None or remedy is None or remedy.best_of <= 1:
            return None
        # The seeds and the iteration limit best_seed() tries, so the best start here is
        # the remedy the window runs.
        return analysis.open_starts(
            n_starts=remedy.best_of, first_seed=0,
            config=scenario.config.with_changes(**remedy.changes),
            dataset=scenario.data.make(), max_iterations=scenario.iterations,
            title=f"Finding {scenario.number}, remedy: {remedy.title}")

    def show_original(self):
        """Run the finding again after its remedy."""
        if self.original is not None:
            self._remedy_token = None
            self._start(self.original, remedied=False)

    # ------------------------------------------------------------------ internals
    def _start(self, scenario, remedied: bool):
        self.active = scenario
        self.remedied = remedied
        original = self.original
        remedy_title = original.remedy.title if original.remedy is not None else None
        self.panel.show_scenario(scenario, remedy_title, remedied=remedied)
        if remedied:
            self.panel.set_original_title(original.title)
        self.dock.show()
        self._run_token = self._window.start_run(
            scenario.config, data_request(scenario), soft_colours=scenario.soft_colours,
            play=True)
        self.sigScenarioChanged.emit(scenario)

    def _show_hint(self, changed: bool):
        labels = {key: menu_label(get_scenario(key)) for key in scenario_names()}
        self.panel.show_hint(labels, changed=changed)

    def _leave(self):
        """The settings no longer match the scenario: stop explaining it."""
        self.active = None
        self.original = None
        self.remedied = False
        self._remedy_token = None
        self._show_hint(changed=True)
        self.sigScenarioChanged.emit(None)

    def _on_job_finished(self, token, result, error):
        if token != self._remedy_token:
            return
        self._remedy_token = None
        if error:
            self.panel.clear_busy()
            self._window.show_error(f"Could not compute the remedy: {error}")
            return
        self._start(result, remedied=True)

    def _on_config_changed(self, config):
        # Emitted only for changes made by hand (the window sets the panel silently).
        if self.active is not None and config != self.active.config:
            self._leave()

    def _on_run_applied(self, run, source):
        if self.active is None or run.token < self._run_token:
            return  # an older request that started before the scenario was chosen
        if run.config != self.active.config or (
                source is not None and source != data_request(self.active)):
            self._leave()
