"""Inspecting the run by hand: which point and component the user looks at, and their
E-step and M-step in numbers, kept up to date with the state on screen.

:class:`Inspection` joins the canvas's pointer (:mod:`gmm_viz.gui.views.canvas_pointer`),
the component table's rows and the Inspect panel (:mod:`gmm_viz.gui.views.inspector`).
The numbers come from :mod:`gmm_viz.inspect`, for the parameters drawn: a point's E-step
costs O(k d²) and a component's M-step reads the snapshot only, so both are computed on
the GUI thread each frame; the point index (a k-d tree over up to millions of points) and
the data's covariance are built in the worker, once per data set and pair of axes.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QObject, Qt

from gmm_viz.gui.panels.docks import scrolling_dock
from gmm_viz.gui.views.canvas_pointer import CanvasPointer
from gmm_viz.gui.views.inspector import InspectorPanel


def _build_index(X, axes):
    from gmm_viz.inspect import PointIndex, data_facts

    if len(X) == 0:  # an empty canvas: nothing to point at yet
        return None
    return PointIndex(X[:, list(axes)]), data_facts(X)


class Inspection(QObject):
    """Hover, pin and select, and what the Inspect panel shows.

    Parameters
    ----------
    window : MainWindow
        Its ``canvas``, ``table``, ``controller`` and ``scenarios.dock`` are used; the
        Inspect dock is added beside the scenario dock.
    """

    def __init__(self, window):
        super().__init__(window)
        self._window = window
        self.pointer = CanvasPointer(window.canvas)
        self.panel = InspectorPanel()
        self.dock = scrolling_dock("Inspect", "inspect_dock", self.panel, window, 260,
                                   frame=False)
        self.dock.toggleViewAction().setText("Inspect panel (E-step and M-step)")
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.scenarios.dock, self.dock)
        window.scenarios.dock.raise_()
        self._dataset = None
        self._axes = (0, 1)
        self._facts = None
        self._index_job = None  # token of the job building the point index
        self._frame = None
        self._showing_prompts = False  # the panel shows its prompts (nothing inspected)
        self.pointer.sigPointHovered.connect(self._on_hovered)
        self.pointer.sigPointClicked.connect(self._on_point_clicked)
        self.pointer.sigComponentClicked.connect(self.select_component)
        self.pointer.sigEmptyClicked.connect(self._on_empty_clicked)
        window.table.sigRowClicked.connect(self.select_component)
        window.controller.sigJobFinished.connect(self._on_job_finished)

    # ------------------------------------------------------------------ data
    def set_data(self, dataset, axes) -> None:
        """New data (or new axes): forget the inspected point, build the index."""
        self._dataset = dataset
        self._axes = tuple(axes)
        self.pointer.set_index(None)
        self.pointer.set_hovered(-1)
        self.pointer.set_pinned(-1)
        self._facts = None
        X, axes = dataset.X, self._axes
        self._index_job = self._window.controller.run_job(lambda: _build_index(X, axes))
        self._update_panel()

    def set_axes(self, axes) -> None:
        if self._dataset is not None and tuple(axes) != self._axes:
            pinned = self.pointer.pinned
            self.set_data(self._dataset, axes)
            self.pointer.set_pinned(pinned)  # the same row of the data, on other axes

    def _on_job_finished(self, token, result, error):
        if token != self._index_job:
            return
        self._index_job = None
        if not error and result is not None:
            index, facts = result
            self.pointer.set_index(index)
            self._facts = facts

    # ------------------------------------------------------------------ choosing
    def select_component(self, k: int) -> None:
        """Select component ``k`` (-1: none): halo on the canvas, row in the table."""
        self.pointer.set_selected(k)
        self._window.table.select_component(k)
        if k >= 0:
            self.dock.show()
            self.dock.raise_()
        self._update_panel()

    def pin_point(self, i: int) -> None:
        """Pin point ``i`` (-1: unpin): it stays marked and its E-step follows the run."""
        self.pointer.set_pinned(i)
        if i >= 0:
            self.dock.show()
            self.dock.raise_()
        self._update_panel()

    def _on_hovered(self, i):
        self._update_panel()

    def _on_point_clicked(self, i):
        self.pin_point(-1 if i == self.pointer.pinned else i)

    def _on_empty_clicked(self):
        self.pin_point(-1)
        self.select_component(-1)

    # ------------------------------------------------------------------ showing
    def show_frame(self, frame) -> None:
        """The state on screen changed: markers and numbers follow it."""
        self._frame = frame
        k = frame.snapshot.n_components
        if self.pointer.selected >= k:
            self.select_component(-1)
        self.pointer.refresh()
        self._update_panel()

    def _update_panel(self):
        from gmm_viz.inspect import closest_rule, e_step_numbers, m_step_numbers

        frame, dataset = self._frame, self._dataset
        # Nothing inspected: the prompts, set once (this runs every frame while playing).
        idle = self.pointer.hovered < 0 and self.pointer.pinned < 0 and self.pointer.selected < 0
        if idle and self._showing_prompts:
            return
        self._showing_prompts = idle
        if frame is None or dataset is None or frame.run.dataset is not dataset:
            self.panel.show_point(None)
            self.panel.show_component(None)
            return
        snapshot = frame.snapshot
        shown = self.pointer.hovered if self.pointer.hovered >= 0 else self.pointer.pinned
        if 0 <= shown < len(dataset.X):
            numbers = e_step_numbers(snapshot, dataset.X[shown])
            self.panel.show_point(numbers, index=shown,
                                  pinned=shown == self.pointer.pinned
                                  and self.pointer.hovered < 0,
                                  parameters_iteration=int(snapshot.iteration))
        else:
            self.panel.show_point(None)
        k = self.pointer.selected
        if 0 <= k < snapshot.n_components:
            numbers = m_step_numbers(snapshot, k, n_samples=len(dataset.X), axes=self._axes,
                                     sigma_levels=(1, 2, 3))
            rule = None
            if self._facts is not None and frame.config is not None:
                judged = getattr(snapshot, "detected", None) or snapshot
                rule = closest_rule(judged, k, frame.config, self._facts)
            self.panel.show_component(numbers, rule=rule,
                                      covariance_type=frame.config.covariance_type
                                      if frame.config is not None else "full",
                                      feature_names=dataset.feature_names or None)
        else:
            self.panel.show_component(None)

    def shown_responsibilities(self) -> np.ndarray:
        """The bars drawn in the panel (tests compare them with predict_proba)."""
        return self.panel.bars.responsibilities()
