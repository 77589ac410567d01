"""The two views drawn to PNG offscreen, for the ``starts`` and ``select`` commands.

The same widgets as the windows (the small multiples and overlaid curves, the criterion
plot), given a finished state and grabbed. Written all or nothing
(:func:`gmm_viz.files.atomic_output`).
"""

from __future__ import annotations

from pathlib import Path

from pyqtgraph.Qt import QtCore, QtWidgets

from gmm_viz.files import atomic_output
from gmm_viz.gui.analysis.criterion_plot import CriterionPlot
from gmm_viz.gui.analysis.starts_curves import StartsCurves
from gmm_viz.gui.analysis.starts_grid import StartsGrid


def _page(title: str, subtitle: str, size) -> tuple:
    page = QtWidgets.QWidget()
    page.setAttribute(QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    page.setStyleSheet("background: white; color: #282828;")
    layout = QtWidgets.QVBoxLayout(page)
    layout.setContentsMargins(10, 8, 10, 8)
    heading = QtWidgets.QLabel(title)
    heading.setWordWrap(True)
    heading.setStyleSheet("font-size: 12pt; font-weight: 600;")
    layout.addWidget(heading)
    if subtitle:
        line = QtWidgets.QLabel(subtitle)
        line.setWordWrap(True)
        layout.addWidget(line)
    page.resize(*size)
    return page, layout


def _save(page, path) -> Path:
    page.show()
    QtWidgets.QApplication.processEvents()
    pixmap = page.grab()
    page.close()
    with atomic_output(path, what="PNG picture") as tmp:
        if not pixmap.save(str(tmp), "PNG"):
            raise OSError("Qt could not write the PNG picture")
    return Path(path)


def save_starts_png(state, X, path, *, header: str = "", axes=(0, 1),
                    size=(1400, 900)) -> Path:
    """Draw a finished :class:`~gmm_viz.selection.race.RaceState` as small multiples
    over the overlaid curves, with the outcome in words, to a PNG file."""
    page, layout = _page(state.summary(), header, size)
    grid = StartsGrid()
    curves = StartsCurves()
    layout.addWidget(grid, 3)
    layout.addWidget(curves, 1)
    page.show()
    QtWidgets.QApplication.processEvents()  # the grid's shape follows its size
    grid.set_race(X, len(state.starts), axes)
    curves.set_race(len(state.starts))
    grid.show_state(state)
    curves.show_state(state)
    return _save(page, path)


def save_selection_png(result, path, *, criterion: str = "bic", title: str = "",
                       size=(1100, 700)) -> Path:
    """Draw a :class:`~gmm_viz.selection.grid.GridResult` as the criterion plot."""
    best = result.best(criterion)
    name = criterion.upper()
    heading = title or f"{name} against k"
    subtitle = ""
    if best is not None:
        subtitle = (f"Best by {name}: k = {best.n_components}, {best.covariance_type} "
                    f"covariance ({name} {best.value(criterion):.1f}); lower is better.")
    page, layout = _page(heading, subtitle, size)
    plot = CriterionPlot()
    layout.addWidget(plot, 1)
    plot.show_result(result, criterion)
    return _save(page, path)
