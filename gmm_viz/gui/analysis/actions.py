"""The Analyse menu: the Starts view and the Model selection view, wired to the window.

:func:`install_analysis` adds the menu to a
:class:`~gmm_viz.gui.main_window.MainWindow` and keeps the :class:`AnalysisActions`
as ``window.analysis``. Both views work on the window's shown data and settings; what a
view hands back goes to the window through its public API:

- a start clicked in the Starts view is installed with its whole history
  (``window.start_run(config, history=...)``, the path a saved run takes as a
  :class:`~gmm_viz.run.session.RunRequest` history, in memory): the window shows the
  start's final state, its timeline holds its iterations, Play continues it;
- a model clicked in the Model selection view is run in the window with the grid's
  settings for it (k, covariance type, k-means starts, no rule, the best start's seed), so
  the window's run ends where the plotted model did.

Both refuse, with a message, when the window's data changed since the view computed.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QObject
from PyQt6.QtGui import QAction

from gmm_viz.gui.analysis.selection_view import GRID_INIT, ModelSelectionView
from gmm_viz.gui.analysis.starts_view import StartsView
from gmm_viz.selection.optima import format_log_likelihood


def same_data(a, b) -> bool:
    """Whether two datasets hold the same points (the same object, or equal arrays)."""
    if a is None or b is None:
        return False
    if a is b:
        return True
    return a.X.shape == b.X.shape and bool(np.array_equal(a.X, b.X))


class AnalysisActions(QObject):
    """The Analyse menu's actions and the two views they open.

    Parameters
    ----------
    window : MainWindow
        Provides ``dataset``, ``config``, ``canvas``, ``panel``, ``start_run``,
        ``show_info``, ``show_error`` and ``sigFrameShown``.
    """

    def __init__(self, window):
        super().__init__(window)
        self._window = window
        self.starts_view = None
        self.selection_view = None
        self._opened = {}  # request token -> the sentence to show once that run is on screen
        self.action_starts = QAction("Starts side by side…", self)
        self.action_starts.setToolTip("Run several starts of the current data and settings "
                                      "at once and compare where they end")
        self.action_starts.triggered.connect(lambda _checked=False: self.open_starts())
        self.action_selection = QAction("Model selection…", self)
        self.action_selection.setToolTip("BIC and AIC against k for each covariance type")
        self.action_selection.triggered.connect(lambda _checked=False: self.open_selection())
        window.sigFrameShown.connect(self._on_frame_shown)
        # The views are windows of their own: the main window closes them (and so stops
        # their computations) when it closes (MainWindow.closeEvent calls close_views).

    def add_menu(self, menu_bar):
        """Add the Analyse menu to ``menu_bar``; returns the menu."""
        menu = menu_bar.addMenu("&Analyse")
        menu.setToolTipsVisible(True)
        menu.addAction(self.action_starts)
        menu.addAction(self.action_selection)
        return menu

    # ------------------------------------------------------------------ opening the views
    def open_starts(self, n_starts=None, first_seed=None, config=None, dataset=None,
                    max_iterations=None, title: str = ""):
        """Show the Starts view racing ``n_starts`` starts (default: the view's number).

        Parameters
        ----------
        n_starts : int, optional
        first_seed : int, optional
            Default: the seed of the window's run (start 1 is then that run).
        config, dataset : optional
            Default: the window's shown settings and data.
        max_iterations : int, optional
        title : str
            What the starts are of, for the view's header.

        Returns
        -------
        StartsView or None
            None when there is no run to take the data from yet.
        """
        window = self._window
        config = config if config is not None else window.config
        dataset = dataset if dataset is not None else window.dataset
        if config is None or dataset is None:
            window.show_error("There is no data yet to run starts on.")
            return None
        if self.starts_view is None:
            self.starts_view = StartsView()
            self.starts_view.sigStartChosen.connect(self._on_start_chosen)
        view = self.starts_view
        axes = window.canvas.axes if max(window.canvas.axes) < dataset.X.shape[1] else (0, 1)
        view.start(dataset, config, n_starts=n_starts, first_seed=first_seed,
                   max_iterations=max_iterations, axes=axes, title=title)
        view.show()
        view.raise_()
        return view

    def open_selection(self, compute: bool = True):
        """Show the Model selection view for the window's data (and compute)."""
        window = self._window
        if window.dataset is None:
            window.show_error("There is no data yet to select a model for.")
            return None
        if self.selection_view is None:
            self.selection_view = ModelSelectionView()
            self.selection_view.sigModelChosen.connect(self._on_model_chosen)
        view = self.selection_view
        seed = window.config.random_state if window.config is not None else 0
        view.set_data(window.dataset, seed)
        view.show()
        view.raise_()
        if compute:
            view.compute()
        return view

    def close_views(self):
        """Close both views (their computations stop)."""
        for view in (self.starts_view, self.selection_view):
            if view is not None:
                view.close()

    # ------------------------------------------------------------------ what they hand back
    def _on_start_chosen(self, config, history, dataset, outcome):
        window = self._window
        if not same_data(dataset, window.dataset):
            window.show_error("The data changed since these starts ran; press Run again in "
                              "the Starts view to race on the data shown.")
            return
        token = window.start_run(config, history=history, play=False)
        if token is not None:
            self._opened[token] = (
                f"Opened start {outcome.index + 1} (seed {outcome.seed}) of the starts: "
                f"{outcome.iterations} iterations"
                f"{', converged' if outcome.converged else ''}, log-likelihood "
                f"{format_log_likelihood(outcome.log_likelihood)}. Drag the timeline or use "
                "Left/Right to replay it; Play continues it.")

    def _on_model_chosen(self, fit, dataset):
        window = self._window
        if not same_data(dataset, window.dataset):
            window.show_error("The data changed since the models were fitted; press Compute "
                              "in the Model selection view again.")
            return
        base = window.config if window.config is not None else window.panel.config()
        config = base.with_changes(n_components=fit.n_components,
                                   covariance_type=fit.covariance_type, init=GRID_INIT,
                                   rule="none", random_state=fit.seed, max_iter=100,
                                   tol=1e-3, reg_covar=1e-6)
        token = window.start_run(config, play=True)
        if token is not None:
            self._opened[token] = (
                f"Running k = {fit.n_components}, {fit.covariance_type} covariance as the "
                f"model selection fitted it: the best of {fit.n_init} {GRID_INIT} starts "
                f"(seed {fit.seed}), no singularity rule; it ends at log-likelihood "
                f"{format_log_likelihood(fit.log_likelihood)}, BIC "
                f"{format_log_likelihood(fit.bic)}.")

    def _on_frame_shown(self, frame):
        # Said with the run's first frame, after what the window says of a new run (the
        # data's description, "EM converged"), so that it is what the person reads.
        token = frame.run.token
        message = self._opened.pop(token, None)
        for older in [t for t in self._opened if t < token]:
            del self._opened[older]
        if message is not None:
            self._window.show_info(message)


def install_analysis(window) -> AnalysisActions:
    """Add the Analyse menu to ``window`` (a MainWindow); keeps it as ``window.analysis``.

    Returns
    -------
    AnalysisActions
    """
    analysis = AnalysisActions(window)
    window.analysis = analysis
    menu_bar = window.menuBar()
    # Before the View menu, after Scenarios: the menus read File, Run, Scenarios, Analyse.
    view_menu = next((a for a in menu_bar.actions() if a.text() == "&View"), None)
    menu = analysis.add_menu(menu_bar)
    if view_menu is not None:
        menu_bar.insertMenu(view_menu, menu)
    return analysis
